"""The personal part of Candor's Home: a person's own check-ins, feedback requests waiting
for them, kudos, goals and next 1:1.

Everything here is about the person looking at it; the team and HR parts are in
`handlers.home`. Times are shown in the person's own time zone.
"""

from __future__ import annotations

from collections import Counter
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from handlers.feedback_render import OPEN_ACTION as FEEDBACK_ACTION
from handlers.messages import (
    Actions,
    Block,
    Button,
    Context,
    Header,
    Mention,
    Section,
    Span,
    text,
)
from handlers.services import Services
from handlers.skills_feed import glance
from insights.goal_check import GoalFlags, GoalState, format_date, goal_flags
from insights.schedule import Recurrence, next_occurrences
from store.models import Checkin, Goal, OneOnOne, Person

KUDOS_WINDOW = timedelta(days=90)
SHOWN_KUDOS = 3
SHOWN_GOALS = 5
SHOWN_AGENDA = 5
SHOWN_REQUESTS = 3
TREND_LENGTH = 8
HISTORY = 60
CLIP = 90
HELP_ACTION = "home.help"
CHECKIN_ACTION = "checkin.open"  # registered by handlers.checkins
SETTINGS_ACTION = "home.settings"  # registered by handlers.settings_forms
_DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def zone_of(services: Services, person: Person) -> ZoneInfo:
    """The person's time zone (their chat profile's, else the organisation's, else UTC)."""
    for name in (person.tz, services.config.timezone):
        if name:
            try:
                return ZoneInfo(name)
            except (KeyError, ValueError, OSError):
                continue
    return ZoneInfo("UTC")


def period_of(services: Services, person: Person, now: datetime) -> str:
    """The check-in period (ISO week of the person's local date), e.g. ``2026-W45``."""
    iso = now.astimezone(zone_of(services, person)).date().isocalendar()
    return f"{iso.year}-W{iso.week:02d}"


def when(moment: datetime, zone: ZoneInfo) -> str:
    """A start time as people read it: "Tue 24 Nov, 10:00"."""
    local = moment.astimezone(zone)
    return f"{_DAYS[local.weekday()]} {local.day} {_MONTHS[local.month - 1]}, {local:%H:%M}"


def clip(words: str, limit: int = CLIP) -> str:
    """One line of someone's text, cut to `limit` characters."""
    line = " ".join(words.split())
    return line if len(line) <= limit else line[: limit - 1].rstrip() + "…"


def mention(person: Person) -> Mention:
    """A person as a mention."""
    assert person.id is not None
    return Mention(person.id, person.name)


def next_start(meeting: OneOnOne, now: datetime) -> datetime | None:
    """When a 1:1 next starts after `now`, or None (cancelled or an invalid schedule)."""
    if not meeting.active:
        return None
    try:
        recurrence = Recurrence(meeting.weekday, meeting.hour, meeting.minute, meeting.every_weeks)
    except ValueError:
        return None
    starts = next_occurrences(
        recurrence, meeting.tz, after_utc=now, first_local_date=meeting.first_date
    )
    return starts[0] if starts else None


def flags_of(goal: Goal, today: date, stale_weeks: int) -> GoalFlags:
    """The health flags of a goal on `today`."""
    assert goal.id is not None
    state = GoalState(
        goal_id=goal.id,
        created=goal.created_at.date(),
        due=goal.due,
        progress=goal.progress,
        last_update=goal.progress_at.date() if goal.progress_at else None,
        parent_id=goal.parent_id,
        done=goal.status == "done",
    )
    return goal_flags(state, today, stale_weeks=max(stale_weeks, 1))


def mood_trend(history: list[Checkin]) -> tuple[list[int], int]:
    """The last moods given (oldest first) and the streak of answered check-ins.

    `history` is newest period first; a check-in sent and left unanswered ends the streak,
    weeks without one (holidays, time away) don't.
    """
    moods = [c.mood for c in reversed(history) if c.submitted_at and c.mood is not None]
    streak = 0
    for row in history:
        if row.submitted_at is not None:
            streak += 1
        elif row.sent_at is not None:
            break
    return moods[-TREND_LENGTH:], streak


def _values(counts: Counter[str]) -> str:
    return ", ".join(f"#{v}" + (f" ×{n}" if n > 1 else "") for v, n in counts.most_common(6))


def kudos_blocks(services: Services, person: Person, now: datetime) -> list[Block]:
    """Kudos received and given in the last 90 days: counts, values and the latest three."""
    assert person.id is not None
    window = services.store.kudos.between(now - KUDOS_WINDOW, now + timedelta(seconds=1))
    received = [k for k in window if person.id in k.recipient_ids]
    given = [k for k in window if k.giver_id == person.id]
    head = f"*Kudos, last 90 days:* {len(received)} received · {len(given)} given"
    if not received and not given:
        return [Section(text(head + "\nNone yet — thank a teammate with `/kudos`."))]
    givers = services.store.people.many(k.giver_id for k in received[-SHOWN_KUDOS:])
    lines: list[Span] = [head]
    for record in reversed(received[-SHOWN_KUDOS:]):
        giver = givers.get(record.giver_id)
        tags = " ".join(f"#{v}" for v in record.company_values)
        lines += ["\n• from ", mention(giver) if giver else "a former colleague"]
        lines.append(f": “{clip(record.text)}”" + (f" {tags}" if tags else ""))
    blocks: list[Block] = [Section(tuple(lines))]
    got = Counter(v for k in received for v in k.company_values)
    gave = Counter(v for k in given for v in k.company_values)
    small = []
    if got:
        small.append(f"Recognised for {_values(got)}")
    if gave:
        small.append(f"you recognised {_values(gave)}")
    if small:
        joined = " · ".join(small)
        blocks.append(Context(text(joined[0].upper() + joined[1:])))
    return blocks


def _bar(progress: float) -> str:
    cells = round(min(max(progress, 0.0), 1.0) * 10)
    return "█" * cells + "░" * (10 - cells)


def goal_blocks(services: Services, person: Person, now: datetime) -> list[Block]:
    """The person's active goals with progress, due date and flags."""
    assert person.id is not None
    goals = services.store.goals.for_owners([person.id])
    if not goals:
        return [Section(text("*Your goals:* none yet — add one with `/goal add`."))]
    today = now.astimezone(zone_of(services, person)).date()
    stale = services.config.goal_stale_weeks
    lines = ["*Your goals*"]
    for goal in goals[:SHOWN_GOALS]:
        due = f" · due {format_date(goal.due)}" if goal.due else ""
        labels = flags_of(goal, today, stale).labels()
        flag = f" · _{'; '.join(labels)}_" if labels else ""
        lines.append(
            f"• #{goal.id} {clip(goal.objective, 70)}\n   {_bar(goal.progress)} "
            f"{goal.progress:.0%}{due}{flag}"
        )
    if len(goals) > SHOWN_GOALS:
        lines.append(f"…and {len(goals) - SHOWN_GOALS} more: `/goal list`.")
    return [Section(text("\n".join(lines)))]


def oneonone_blocks(services: Services, person: Person, now: datetime) -> list[Block]:
    """The person's next 1:1 with their manager and its open agenda items."""
    assert person.id is not None
    repo = services.store.oneonones
    mine = [m for m in repo.involving(person.id) if m.report_id == person.id]
    upcoming = [(s, m) for m in mine if (s := next_start(m, now)) is not None]
    if not upcoming:
        if person.manager_id is None:
            return []
        return [Section(text("*Next 1:1:* none scheduled yet — your manager sets it up."))]
    start, meeting = min(upcoming, key=lambda pair: pair[0])
    manager = services.store.people.get(meeting.manager_id)
    with_whom: list[Span] = [" with ", mention(manager)] if manager else []
    spans: list[Span] = ["*Next 1:1*", *with_whom, f": {when(start, zone_of(services, person))}"]
    assert meeting.id is not None
    items = repo.open_items(meeting.id)
    if items:
        spans.append("\n" + "\n".join(f"• {clip(i.text)}" for i in items[:SHOWN_AGENDA]))
        if len(items) > SHOWN_AGENDA:
            spans.append(f"\n…and {len(items) - SHOWN_AGENDA} more")
    else:
        spans.append("\nNothing on the agenda yet.")
    hint = "Add a topic with `/oneonone agenda @yourmanager add <topic>`."
    return [Section(tuple(spans)), Context(text(hint))]


def checkin_blocks(services: Services, person: Person, now: datetime) -> list[Block]:
    """The check-in streak, this period's status and the person's own mood trend."""
    assert person.id is not None
    store = services.store
    history = store.checkins.history(person.id, HISTORY)
    moods, streak = mood_trend(history)
    period = period_of(services, person, now)
    current = next((c for c in history if c.period == period), None)
    status = "answered :white_check_mark:" if current and current.submitted_at else "not yet"
    runs = {0: "none yet", 1: "1 check-in"}.get(streak, f"{streak} in a row")
    lines = [f"*Check-ins:* streak {runs} · this week ({period}): {status}"]
    shared = store.settings.get(person.id).share_mood
    if moods:
        who = "you and your manager (you share it)" if shared else "only you"
        lines.append(f"*Your mood trend:* {' → '.join(str(m) for m in moods)} — seen by {who}")
    return [Section(text("\n".join(lines)))]


def feedback_blocks(services: Services, person: Person) -> list[Block]:
    """Feedback requests waiting for the person's answer, each with its answer button."""
    assert person.id is not None
    store = services.store
    waiting = store.feedback.pending_for(person.id)
    askers = store.people.many(r.requester_id for r in waiting)
    # A request from someone who left can't be answered (nobody would read it): not shown.
    shown = [
        (r, askers[r.requester_id])
        for r in waiting
        if r.requester_id in askers and askers[r.requester_id].active
    ]
    title = "Feedback requests waiting for you"
    if not shown:
        return [Section(text(f"*{title}:* none right now."))]
    zone = zone_of(services, person)
    blocks: list[Block] = [Section(text(f"*{title}:* {len(shown)}"))]
    for request, asker in shown[:SHOWN_REQUESTS]:
        at = request.created_at
        asked = format_date((at if at.tzinfo else at.replace(tzinfo=UTC)).astimezone(zone).date())
        topic = f" about “{clip(request.topic, 80)}”" if request.topic.strip() else ""
        blocks.append(Section(text("• ", mention(asker), f" asked{topic} on {asked}")))
        blocks.append(
            Actions((Button("Give feedback", FEEDBACK_ACTION, str(request.id), "primary"),))
        )
    if len(shown) > SHOWN_REQUESTS:
        more = len(shown) - SHOWN_REQUESTS
        blocks.append(Context(text(f"…and {more} more: `/feedback pending` lists them all.")))
    return blocks


def employee_actions(services: Services, person: Person, now: datetime) -> Actions:
    """The buttons for what people do most."""
    return Actions(
        (
            Button("Give kudos", f"{HELP_ACTION}:kudos", "kudos", "primary"),
            Button("Check in", CHECKIN_ACTION, period_of(services, person, now)),
            Button("Add a goal", f"{HELP_ACTION}:goal", "goal add"),
            Button("Request feedback", f"{HELP_ACTION}:feedback", "feedback request"),
            Button("Settings", SETTINGS_ACTION),
            Button("All commands", f"{HELP_ACTION}:all", "candor help"),
        )
    )


def skills_blocks(services: Services, person: Person) -> list[Block]:
    """The person's own skills line; nothing without a competency framework."""
    seen = glance(services.store, person)
    if seen is None:
        return []
    line = f"*Skills:* {seen.evidenced} of {seen.competencies} competencies with enough evidence"
    if seen.top_gap:
        line += f", top gap {seen.top_gap}"
    return [Section(text(f"{line} · `/candor skills`"))]


def employee_blocks(services: Services, person: Person, now: datetime) -> list[Block]:
    """The whole personal part of Home."""
    return [
        Header("You"),
        *checkin_blocks(services, person, now),
        *feedback_blocks(services, person),
        *kudos_blocks(services, person, now),
        *goal_blocks(services, person, now),
        *skills_blocks(services, person),
        *oneonone_blocks(services, person, now),
        employee_actions(services, person, now),
    ]
