"""Who gets which check-in when: the plan in force for a person, their current period, and the
scheduled round that sends each person's check-in in a DM at their local time, with one gentle
reminder when it is still unanswered some hours later.

What is due is computed from "now", each person's time zone and their plan's cadence, and every
send claims a delivery key first, so a second run, a restart or a second replica sends nothing
twice, and a run missed while the server was down is caught up once within the grace window.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from handlers.checkin_forms import DEFAULT_QUESTIONS, Question, is_optional
from handlers.effective_settings import in_quiet_hours, personal_cadence
from handlers.messages import Actions, Button, Context, Message, Outgoing, Section, ToPerson, text
from handlers.services import Services
from insights.schedule import Cadence, Occurrence, checkin_due, reminder_due
from store.models import CheckinPlan, Person, PersonSettings

log = logging.getLogger(__name__)

OPEN_ACTION = "checkin.open"


def plan_questions_and_cadence(plan: CheckinPlan | None) -> tuple[list[Question], Cadence]:
    """A stored plan's questions and cadence; the built-in ones where it has none."""
    if plan is None:
        return [dict(q) for q in DEFAULT_QUESTIONS], Cadence()
    questions = [dict(q) for q in plan.questions] or [dict(q) for q in DEFAULT_QUESTIONS]
    try:
        cadence = Cadence(plan.weekday, plan.hour, plan.minute, plan.every_weeks)
    except ValueError:
        log.warning("check-in plan %s has an invalid cadence; using the default", plan.id)
        cadence = Cadence()
    return questions, cadence


def plan_for(
    plans: Mapping[int | None, CheckinPlan], person: Person
) -> tuple[list[Question], Cadence]:
    """The plan in force for a person, from plans by manager id (None: the org default)."""
    own = plans.get(person.manager_id) if person.manager_id is not None else None
    return plan_questions_and_cadence(own or plans.get(None))


def own_time(cadence: Cadence, settings: PersonSettings) -> Cadence:
    """The cadence at the person's own check-in day and time, where they chose one in their
    personal settings (how often stays the team's)."""
    return personal_cadence(settings, cadence.every_weeks) or cadence


def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (KeyError, ValueError, OSError):
        return ZoneInfo("UTC")


def effective_plan(services: Services, person: Person) -> tuple[list[Question], Cadence]:
    """The questions and cadence a person gets: their manager's team plan, else the
    organisation's default plan, else the built-in default (weekly, Friday 09:00 local), at
    the person's own day and time where they set one."""
    repo = services.store.checkins
    plan = repo.plan(person.manager_id) if person.manager_id is not None else None
    questions, cadence = plan_questions_and_cadence(plan or repo.plan(None))
    if person.id is not None:
        cadence = own_time(cadence, services.store.settings.get(person.id))
    return questions, cadence


def zone_name(services: Services, person: Person) -> str:
    """The person's time zone, or the organisation's when their chat profile has none."""
    return person.tz or services.config.timezone


def current_period(services: Services, person: Person, now: datetime) -> str:
    """The ISO week of the person's local date, e.g. ``2026-W48``."""
    iso = now.astimezone(_zone(zone_name(services, person))).date().isocalendar()
    return f"{iso.year}-W{iso.week:02d}"


def local_today(services: Services, person: Person, now: datetime) -> date:
    """The person's local date."""
    try:
        return now.astimezone(ZoneInfo(zone_name(services, person))).date()
    except (KeyError, ValueError, OSError):
        return now.date()


def checkin_key(person_id: int, period: str) -> str:
    """The delivery key of a person's check-in for a period."""
    return f"checkin:{person_id}:{period}"


def reminder_key(person_id: int, period: str) -> str:
    """The delivery key of the one reminder for a person's check-in."""
    return f"checkin-reminder:{person_id}:{period}"


def _first_name(person: Person) -> str:
    return person.name.split(" ", 1)[0] if person.name else "there"


def prompt_message(person: Person, questions: list[Question], period: str) -> Message:
    """The DM that asks for a check-in: the questions, and a button that opens the form."""
    lines = "\n".join(
        f"• {q['text']}" + (" _(optional)_" if is_optional(q) else "") for q in questions
    )
    return Message(
        summary=f"Time for your check-in ({period})",
        blocks=(
            Section(text(f":wave: Hi {_first_name(person)}! Time for your check-in ({period}).")),
            Section(text(f"*This time:*\n{lines}")),
            Actions((Button("Answer check-in", OPEN_ACTION, period, "primary"),)),
            Context(
                text(
                    "A couple of minutes is enough. Blockers you name go to your manager; your "
                    "mood only if you share it (`/checkin settings`, where you can also set "
                    "time away)."
                )
            ),
        ),
    )


def reminder_message(period: str) -> Message:
    """The one gentle reminder for a check-in still unanswered."""
    return Message(
        summary=f"Your check-in for {period} is still open",
        blocks=(
            Section(
                text(
                    f":hourglass_flowing_sand: A gentle reminder: your check-in for {period} "
                    "is still open, whenever you have a couple of minutes."
                )
            ),
            Actions((Button("Answer check-in", OPEN_ACTION, period, "primary"),)),
            Context(text("This is the only reminder for this check-in.")),
        ),
    )


async def checkin_round(services: Services, now: datetime) -> list[Outgoing]:
    """The check-ins and reminders due now, each claimed once (scheduled every few minutes).

    A person gets one when they are active, have a chat id, and the cadence of their plan
    (their manager's team plan, the org default, or the built-in weekly Friday 09:00; at
    their own day and time if they chose one) says a
    check-in started within the grace window in their time zone, not on a weekend, a holiday
    or a day they are away. A check-in already answered (early, with `/checkin`) is not sent.
    """
    store = services.store
    people = [
        p
        for p in store.people.all()
        if p.active and p.id is not None and (p.slack_user_id or p.teams_user_id)
    ]
    if not people:
        return []
    settings = store.settings.many(p.id for p in people if p.id is not None)
    plans = {plan.manager_id: plan for plan in store.checkins.plans()}
    holidays = services.config.holidays
    after = timedelta(hours=services.config.checkin_reminder_hours)
    out: list[Outgoing] = []
    for person in people:
        assert person.id is not None
        questions, cadence = plan_for(plans, person)
        cadence = own_time(cadence, settings[person.id])
        tz, away = zone_name(services, person), settings[person.id].away_until
        if in_quiet_hours(settings[person.id], now.astimezone(_zone(tz)).hour):
            continue  # the next rounds send it once the quiet hours end (within the grace)
        due = checkin_due(now, tz, cadence, holidays=holidays, away_until=away)
        if due is not None:
            out.extend(_checkin(services, person, questions, due, now))
        late = checkin_due(now - after, tz, cadence, holidays=holidays, away_until=away)
        if late is not None and reminder_due(now, late, after=after):
            out.extend(_reminder(services, person, late, now))
    log.info("check-in round: %s due", len(out))
    return out


def _checkin(
    services: Services, person: Person, questions: list[Question], due: Occurrence, now: datetime
) -> list[Outgoing]:
    assert person.id is not None
    store = services.store
    found = store.checkins.get(person.id, due.period)
    if found is not None and found.submitted_at is not None:
        return []  # answered early with /checkin
    key = checkin_key(person.id, due.period)
    if not store.deliveries.claim(key, "checkin", now):
        return []
    store.checkins.mark_sent(person.id, due.period, now)
    message = prompt_message(person, questions, due.period)
    return [Outgoing(ToPerson(person.id), message, "checkin.prompt", delivery_key=key)]


def _reminder(services: Services, person: Person, due: Occurrence, now: datetime) -> list[Outgoing]:
    assert person.id is not None
    store = services.store
    found = store.checkins.get(person.id, due.period)
    if found is None or found.submitted_at is not None:
        return []
    # Only a check-in that really went out (its claim is released when a send fails).
    if not store.deliveries.claimed(checkin_key(person.id, due.period)):
        return []
    key = reminder_key(person.id, due.period)
    if not store.deliveries.claim(key, "checkin-reminder", now):
        return []
    message = reminder_message(due.period)
    return [Outgoing(ToPerson(person.id), message, "checkin.reminder", delivery_key=key)]
