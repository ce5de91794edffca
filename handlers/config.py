"""The part of the settings that use cases read. Built by `bot/` from the environment."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

DEFAULT_VALUES = ("ownership", "craft", "teamwork", "customer", "courage", "learning")


@dataclass(frozen=True)
class CoreConfig:
    """Product rules for handlers: company values, limits, channels, privacy thresholds."""

    values: tuple[str, ...] = DEFAULT_VALUES
    kudos_channel: str | None = None
    kudos_daily_limit: int = 10
    kudos_max_chars: int = 500
    # No theme, breakdown or statistic stands for fewer people than this (never below 3).
    min_group: int = 5
    hr_channel: str | None = None
    # Managers see their whole reporting line (on) or only their direct reports (off).
    skip_level: bool = True
    timezone: str = "UTC"
    # Kudos older than this many days are deleted by a daily job; None keeps them forever.
    retention_days: int | None = None
    # Days without check-ins or nudges (a holiday calendar), in everyone's local date.
    holidays: frozenset[date] = frozenset()
    # One gentle reminder this many hours after an unanswered check-in went out.
    checkin_reminder_hours: int = 6
    # The pre-1:1 nudge goes out this many hours before each 1:1.
    prep_lead_hours: int = 24
    # A goal without a progress update for this many weeks is flagged stale.
    goal_stale_weeks: int = 3
