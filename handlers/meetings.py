"""What the 1:1 handlers share: who is whose report, which 1:1 two people have, and when it meets.

Times are worked out in the 1:1's own zone (the manager's, saved with the schedule) by the pure
functions of `insights.schedule`; this module only looks things up and formats them.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from handlers.errors import NotFound, UsageError
from handlers.identity import resolve
from handlers.reporting_lines import team_of
from handlers.services import RequestContext, Services
from handlers.types import MentionRef, Role, Token
from insights.schedule import Recurrence, next_occurrences
from store.models import OneOnOne, Person

# Who may schedule 1:1s and act on prep messages; reporting lines decide with whom.
MANAGERS = frozenset({Role.MANAGER, Role.HR, Role.ADMIN})
_DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def zone(name: str | None) -> ZoneInfo:
    """The named time zone, or UTC when the name is empty or unknown."""
    if name:
        try:
            return ZoneInfo(name)
        except (KeyError, ValueError, OSError):
            pass
    return ZoneInfo("UTC")


def person_tz(services: Services, person: Person) -> str:
    """A person's time zone name: their chat profile's, else the organisation's."""
    return person.tz or services.config.timezone or "UTC"


def when(moment: datetime, tz: str | None) -> str:
    """A meeting start as people read it, in their zone: "Tue 24 Nov, 10:00"."""
    local = moment.astimezone(zone(tz))
    day = f"{_DAYS[local.weekday()]} {local.day} {_MONTHS[local.month - 1]}"
    return f"{day}, {local:%H:%M}"


def day_text(moment: datetime, tz: str | None) -> str:
    """A date with its year, in a zone: "18 Nov 2026"."""
    local = moment.astimezone(zone(tz))
    return f"{local.day} {_MONTHS[local.month - 1]} {local.year}"


def recurrence_of(meeting: OneOnOne) -> Recurrence:
    """The saved schedule of a 1:1 as a `Recurrence`."""
    return Recurrence(meeting.weekday, meeting.hour, meeting.minute, meeting.every_weeks)


def upcoming(meeting: OneOnOne, now: datetime, count: int = 1) -> list[datetime]:
    """The next `count` starts of a 1:1 strictly after `now` (aware UTC); none if cancelled."""
    if not meeting.active:
        return []
    return next_occurrences(
        recurrence_of(meeting),
        meeting.tz,
        after_utc=now,
        first_local_date=meeting.first_date,
        count=count,
    )


def next_meeting(meeting: OneOnOne, now: datetime) -> datetime | None:
    """When a 1:1 next starts after `now` (aware UTC), or None when it was cancelled."""
    starts = upcoming(meeting, now)
    return starts[0] if starts else None


def manages(services: Services, manager_id: int, person_id: int) -> bool:
    """Whether `person_id` reports to `manager_id`: directly, or anywhere in their line when
    skip-level access is on."""
    people = services.store.people.all()
    return person_id in team_of(manager_id, people, direct_only=not services.config.skip_level)


def reports_of(services: Services, manager_id: int) -> list[Person]:
    """The active people a manager may hold 1:1s with, by name."""
    people = services.store.people.all()
    team = team_of(manager_id, people, direct_only=not services.config.skip_level)
    return sorted((p for p in people if p.id in team and p.active), key=lambda p: p.name)


def meeting_of(services: Services, a: int, b: int) -> OneOnOne | None:
    """The active 1:1 two people have, whichever of them is the manager."""
    repo = services.store.oneonones
    for found in (repo.between(a, b), repo.between(b, a)):
        if found is not None and found.active:
            return found
    return None


def is_participant(meeting: OneOnOne, person_id: int | None) -> bool:
    """Whether someone is the manager or the report of a 1:1."""
    return person_id in (meeting.manager_id, meeting.report_id)


async def person_from_mention(ctx: RequestContext, token: Token, usage: str) -> Person:
    """The person a command mentions, with a clear reason when it isn't one Candor knows.

    Raises:
        UsageError: the token is not a mention, names a bot, or someone not in the directory.
    """
    if not isinstance(token, MentionRef):
        raise UsageError(f"Mention the person with @, like `@li` (not {token!r}).", usage=usage)
    who = await resolve(ctx.services, ctx.directory, token.platform_user_id)
    shown = f"@{token.label}" if token.label else "That person"
    if who.is_bot:
        raise UsageError(f"{shown} is a bot — 1:1s are between people.", usage=usage)
    if who.person is None or who.person.id is None or not who.person.active:
        raise NotFound(
            f"I don't know {shown} yet: they're not in Candor's org directory. "
            "Ask your HR team to add them."
        )
    return who.person


def other_side(meeting: OneOnOne, person_id: int) -> int:
    """The id of the other participant of a 1:1."""
    return meeting.report_id if person_id == meeting.manager_id else meeting.manager_id
