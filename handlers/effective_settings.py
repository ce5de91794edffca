"""The settings in force: the environment's configuration with HR's chat changes on top, and
each person's own check-in time and quiet hours. Read by Home, the settings forms and the
scheduled rounds; written by `handlers.settings_forms`.
"""

from __future__ import annotations

from handlers.config import CoreConfig
from handlers.reporting_lines import team_of
from handlers.services import Services
from insights.schedule import WEEKDAYS, Cadence
from store.models import Person, PersonSettings
from store.org_settings import OrgSettingsRepo

DEFAULT_DIGEST = Cadence(weekday=0, hour=9, minute=0)  # Monday 09:00, org time


def org_settings(services: Services) -> OrgSettingsRepo:
    """The org settings repository."""
    return services.store.org_settings


def effective_core_config(services: Services) -> CoreConfig:
    """The configuration in force (`Services.config`: the environment's, HR's changes on top)."""
    return services.config


def digest_schedule(services: Services) -> Cadence:
    """When the weekly digest goes out (org time zone): HR's choice, else Monday 09:00."""
    stored = org_settings(services).get("digest_schedule")
    if isinstance(stored, dict):
        try:
            return Cadence(int(stored["weekday"]), int(stored["hour"]), int(stored["minute"]))
        except (KeyError, TypeError, ValueError):
            pass
    return DEFAULT_DIGEST


def personal_cadence(settings: PersonSettings, every_weeks: int = 1) -> Cadence | None:
    """The person's own check-in day and time, or None to follow their team's plan.

    Args:
        every_weeks: how often check-ins come (the team plan's; a person sets day and time).
    """
    day, hour, minute = settings.checkin_weekday, settings.checkin_hour, settings.checkin_minute
    if day is None or hour is None or minute is None:
        return None
    try:
        return Cadence(day, hour, minute, every_weeks)
    except ValueError:
        return None


def in_quiet_hours(settings: PersonSettings, local_hour: int) -> bool:
    """Whether a local hour falls in the person's quiet hours (start inclusive, end exclusive;
    "18-08" spans midnight)."""
    start, end = settings.quiet_start, settings.quiet_end
    if start is None or end is None or start == end:
        return False
    return start <= local_hour < end if start < end else local_hour >= start or local_hour < end


def day_time(cadence: Cadence) -> str:
    """A day and time as the forms show and read them: "fri 09:00"."""
    return f"{WEEKDAYS[cadence.weekday]} {cadence.hour:02d}:{cadence.minute:02d}"


def team_cadence(services: Services, person: Person) -> Cadence:
    """The check-in day and time of the person's team plan (else the org's, else Fri 09:00)."""
    repo = services.store.checkins
    plan = repo.plan(person.manager_id) if person.manager_id is not None else None
    plan = plan or repo.plan(None)
    if plan is None:
        return Cadence()
    try:
        return Cadence(plan.weekday, plan.hour, plan.minute, plan.every_weeks)
    except ValueError:
        return Cadence()


def is_manager(services: Services, person: Person) -> bool:
    """Whether anyone reports to the person."""
    assert person.id is not None
    return bool(team_of(person.id, services.store.people.all(), direct_only=True))
