"""Review drafts and their versions, with optimistic concurrency on every change."""

from __future__ import annotations

from sqlalchemy.engine import Engine


class ReviewRepo:
    """Stores review drafts and every version of their content."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
