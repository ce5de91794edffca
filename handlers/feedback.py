"""Feedback: requests to peers, unsolicited feedback, and the answers a manager sees."""

from __future__ import annotations

from handlers.router import Router


def register(router: Router) -> None:
    """Add this area's commands and actions."""
