"""1:1s: recurring meetings with a shared agenda, and the pre-1:1 nudge."""

from __future__ import annotations

from handlers.router import Router


def register(router: Router) -> None:
    """Add this area's commands and actions."""
