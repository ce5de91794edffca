"""Feedback about people (peer, upward, self-assessment, manager notes) and feedback requests."""

from __future__ import annotations

from sqlalchemy.engine import Engine


class FeedbackRepo:
    """Stores feedback and feedback requests."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
