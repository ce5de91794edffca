"""The part of the settings that use cases read. Built by `bot/` from the environment."""

from __future__ import annotations

from dataclasses import dataclass

DEFAULT_VALUES = ("ownership", "craft", "teamwork", "customer", "courage", "learning")


@dataclass(frozen=True)
class CoreConfig:
    """Product rules for handlers: company values, kudos limits, where kudos are posted."""

    values: tuple[str, ...] = DEFAULT_VALUES
    kudos_channel: str | None = None
    kudos_daily_limit: int = 10
    kudos_max_chars: int = 500
