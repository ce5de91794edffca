"""Check-ins: questions in DM at each person's local time, answered in a form."""

from __future__ import annotations

from handlers.router import Router


def register(router: Router) -> None:
    """Add this area's commands and actions."""
