"""Reviews: self-assessments, manager notes, and review drafts a manager decides on."""

from __future__ import annotations

from handlers.router import Router


def register(router: Router) -> None:
    """Add this area's commands and actions."""
