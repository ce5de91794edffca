"""The part of the settings that use cases read. Built by `bot/` from the environment."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from typing import Any

from insights.anonymity import MIN_GROUP_FLOOR

COACH_MODES = ("hint", "confirm", "off")
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
    # The writing coach on /kudos (and feedback): "hint" posts and privately suggests one
    # improvement, "confirm" asks before posting vague or biased wording, "off" says nothing.
    coach_mode: str = "hint"


def with_org_settings(base: CoreConfig, stored: dict[str, Any]) -> CoreConfig:
    """The configuration in force: the environment's, with what HR saved in chat on top
    (company values, minimum group size, HR channel). Malformed stored values are ignored."""
    changes: dict[str, Any] = {}
    values = stored.get("values")
    if isinstance(values, list) and values and all(isinstance(v, str) for v in values):
        changes["values"] = tuple(values)
    min_group = stored.get("min_group")
    if isinstance(min_group, int) and not isinstance(min_group, bool):
        changes["min_group"] = max(MIN_GROUP_FLOOR, min_group)
    channel = stored.get("hr_channel")
    if isinstance(channel, str) and channel:
        changes["hr_channel"] = channel
    return replace(base, **changes) if changes else base
