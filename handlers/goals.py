"""Goals: objectives with key results, a SMART check, and progress."""

from __future__ import annotations

from handlers.router import Router


def register(router: Router) -> None:
    """Add this area's commands and actions."""
