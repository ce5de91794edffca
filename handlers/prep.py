"""The pre-1:1 nudge: what a manager may want to raise, each topic with the records behind it.

`prep_round` runs on a schedule. For each 1:1 starting within `prep_lead_hours` it sends the
manager the ranked topics (`insights.prep.rank_topics`) built from the report's check-ins,
goals, kudos and the open agenda, and the report their shared agenda; each send is claimed
once per meeting, so a second run or a second Candor sends nothing again. Phrasing is the
offline engine's (the data's own words); an LLM is not used here even when one is set.
Mood reaches the ranking only when the report shares it with their manager.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

from handlers.agenda import NEW, add_item, agenda_blocks
from handlers.effective_settings import in_quiet_hours
from handlers.errors import NotFound, PermissionDenied, UsageError
from handlers.evidence import SHOWERS
from handlers.meetings import MANAGERS, next_meeting, person_tz, when, zone
from handlers.messages import (
    Actions,
    Block,
    Button,
    Citation,
    Context,
    Header,
    Message,
    Outgoing,
    Quote,
    Section,
    ToPerson,
    ToRequester,
    text,
)
from handlers.router import Router
from handlers.services import RequestContext, Services
from handlers.skills_feed import prep_signal
from handlers.types import Interaction
from insights.goal_check import GoalState, goal_flags
from insights.prep import (
    AgendaSignal,
    CheckinSignal,
    GoalSignal,
    KudosSignal,
    Topic,
    rank_topics,
)
from store.models import OneOnOne, Person

log = logging.getLogger(__name__)

CHECKIN_WINDOW = timedelta(weeks=8)
KUDOS_WINDOW = timedelta(days=30)
SHOWN_SOURCES = 4
ADD = "prep.add"
SHARE = "prep.share"
SNOOZE = "prep.snooze"
SHOW = "evidence.show"
STAMP = "%Y%m%dT%H%MZ"
# Added to the shared agenda the report sees: a mood topic goes there without numbers.
AGENDA_WORDS = {"mood_drop": "How things are going lately"}
FALLBACK_WORDS = {
    "blocker": "A blocker from a recent check-in",
    "goal_at_risk": "A goal that is behind",
    "goal_stale": "A goal without recent updates",
    "kudos": "Recent kudos",
    "theme": "A recurring theme",
    "development": "A development area",
}


def gather_topics(
    services: Services, meeting: OneOnOne, report: Person, now: datetime, limit: int = 6
) -> list[Topic]:
    """The ranked topics for a 1:1 with `report`, from their records as of `now`."""
    assert report.id is not None and meeting.id is not None
    store, tz = services.store, zone(meeting.tz)
    local_now = now.astimezone(tz)
    consent = store.settings.get(report.id).share_mood
    checkins = [
        CheckinSignal(c.id, c.submitted_at, c.blocker or "", c.mood if consent else None)
        for c in store.checkins.recent(report.id, now - CHECKIN_WINDOW)
        if c.id is not None and c.submitted_at is not None
    ]
    goals = []
    for goal in store.goals.for_owners([report.id]):
        assert goal.id is not None
        state = GoalState(
            goal_id=goal.id,
            created=goal.created_at.astimezone(tz).date(),
            due=goal.due,
            progress=goal.progress,
            last_update=goal.progress_at.astimezone(tz).date() if goal.progress_at else None,
            parent_id=goal.parent_id,
            done=goal.status == "done",
        )
        flags = goal_flags(state, local_now.date(), stale_weeks=services.config.goal_stale_weeks)
        updated = goal.progress_at or goal.created_at
        goals.append(
            GoalSignal(goal.id, goal.objective, flags.at_risk, flags.stale, flags.progress, updated)
        )
    received = store.kudos.received_since(report.id, now - KUDOS_WINDOW)
    items = store.oneonones.open_items(meeting.id)
    names = store.people.many({k.giver_id for k in received} | {i.author_id for i in items})

    def name(person_id: int) -> str:
        found = names.get(person_id)
        return found.name if found else "someone"

    kudos = [KudosSignal(k.id, k.created_at, name(k.giver_id), k.company_values) for k in received]
    agenda = [
        AgendaSignal(i.id, i.created_at, i.text, name(i.author_id))
        for i in items
        if i.id is not None
    ]
    return rank_topics(
        report.name,
        local_now,
        checkins=checkins,
        goals=goals,
        kudos=kudos,
        agenda=agenda,
        development=prep_signal(services, meeting.manager_id, report),
        limit=limit,
    )


def _topic_blocks(meeting: OneOnOne, number: int, topic: Topic) -> list[Block]:
    shown = topic.evidence[:SHOWN_SOURCES]
    cites = tuple(Citation(e.kind, e.record_id, e.label) for e in shown)
    blocks: list[Block] = [Quote(text(f"*{number}.* {topic.title}"), cites)]
    if len(topic.evidence) > len(shown):
        blocks.append(Context(text(f"And {len(topic.evidence) - len(shown)} more records.")))
    buttons: list[Button] = []
    if topic.kind != "agenda":
        first = topic.evidence[0]
        value = f"{meeting.id}:{topic.kind}:{first.kind}:{first.record_id}"
        buttons.append(Button("Add to agenda", f"{ADD}.{number}", value))
    for i, item in enumerate(shown, start=1):
        if item.kind in SHOWERS:  # a theme, feedback or a rating has no viewer
            label = f"View [{i}]"
            buttons.append(Button(label, f"{SHOW}.{number}.{i}", f"{item.kind}:{item.record_id}"))
    if buttons:
        blocks.append(Actions(tuple(buttons)))
    return blocks


FIRST_NUDGE = (
    "*Why you're getting this:* you have a 1:1 with {name} coming up, so Candor gathered what "
    "happened since — from check-ins, goals, kudos and your shared agenda — to help you prepare. "
    "It suggests; you decide what to talk about. Snooze hides it for this 1:1, and "
    "`/candor settings` changes how early it comes."
)


def nudge_message(
    meeting: OneOnOne, report: Person, start: datetime, topics: list[Topic], *, first: bool = False
) -> Message:
    """The manager's prep message: ranked topics, their numbered sources, and actions; the
    manager's first one also says why it arrived."""
    title = f"1:1 with {report.name} — {when(start, meeting.tz)}"
    blocks: list[Block] = [Header(title)]
    if first:
        blocks.append(Context(text(FIRST_NUDGE.format(name=report.name))))
    if not topics:
        blocks.append(
            Section(
                text(
                    "Nothing stands out in check-ins, goals, kudos or the agenda — "
                    f"a good moment to ask {report.name} what's on their mind."
                )
            )
        )
    for number, topic in enumerate(topics, start=1):
        blocks.extend(_topic_blocks(meeting, number, topic))
    stamp = f"{start.astimezone(UTC):{STAMP}}"
    blocks.append(
        Actions(
            (
                Button("Share agenda with report", SHARE, str(meeting.id), "primary"),
                Button("Snooze", SNOOZE, f"{meeting.id}:{stamp}"),
            )
        )
    )
    blocks.append(
        Context(
            text(
                "From check-ins of the last 8 weeks, goals, kudos of the last 30 days and your "
                "shared agenda. Topics are prompts for the conversation, not ratings."
            )
        )
    )
    return Message(summary=title, blocks=tuple(blocks))


def report_message(
    services: Services, meeting: OneOnOne, report: Person, manager: Person, start: datetime
) -> Message:
    """The report's reminder: their 1:1 in their own time, and the agenda they share."""
    title = f"Your 1:1 with {manager.name} — {when(start, person_tz(services, report))}"
    blocks: list[Block] = [Header(title), *agenda_blocks(services, meeting, report)]
    blocks.append(Actions((Button("Add a topic", NEW, str(meeting.id), "primary"),)))
    blocks.append(
        Context(text(f"{manager.name} sees the same agenda. Open items stay until marked done."))
    )
    return Message(summary=title, blocks=tuple(blocks))


def _skipped(services: Services, meeting: OneOnOne, start: datetime) -> bool:
    """Snoozed past this start, on a holiday, or one side away on the meeting's day."""
    if meeting.snoozed_until is not None and meeting.snoozed_until >= start:
        return True
    day = start.astimezone(zone(meeting.tz)).date()
    if day in services.config.holidays:
        return True
    found = services.store.settings.many([meeting.manager_id, meeting.report_id])
    return any(s.away_until is not None and s.away_until >= day for s in found.values())


async def prep_round(services: Services, now: datetime) -> list[Outgoing]:
    """Prep messages for every 1:1 that starts within `prep_lead_hours`, each sent once.

    Keys: `prep:{oneonone_id}:{start:%Y%m%dT%H%MZ}` (the manager's) and
    `prep-report:{oneonone_id}:{start:…}` (the report's), with the start in UTC.
    """
    store = services.store
    meetings = store.oneonones.active()
    prefs = store.settings.many({m.manager_id for m in meetings})
    out: list[Outgoing] = []
    for meeting in meetings:
        mine = prefs[meeting.manager_id]
        lead = timedelta(hours=mine.prep_lead_hours or services.config.prep_lead_hours)
        start = next_meeting(meeting, now)
        if start is None or start - now > lead or _skipped(services, meeting, start):
            continue
        if in_quiet_hours(mine, now.astimezone(zone(meeting.tz)).hour):
            continue  # after the quiet hours, if the 1:1 hasn't started by then
        people = store.people.many([meeting.manager_id, meeting.report_id])
        manager, report = people.get(meeting.manager_id), people.get(meeting.report_id)
        if manager is None or report is None or not (manager.active and report.active):
            continue
        assert manager.id is not None and report.id is not None
        stamp = f"{start.astimezone(UTC):{STAMP}}"
        key = f"prep:{meeting.id}:{stamp}"
        if not store.deliveries.claimed(key):
            topics = gather_topics(services, meeting, report, now)
            earlier = [f"prep:{m.id}:" for m in meetings if m.manager_id == manager.id]
            first = not store.deliveries.any_claimed(earlier)
            if store.deliveries.claim(key, "prep", now):
                message = nudge_message(meeting, report, start, topics, first=first)
                out.append(Outgoing(ToPerson(manager.id), message, "prep.manager", key))
                store.audit.record_read(
                    at=now,
                    actor_id=manager.id,
                    actor_role=manager.role,
                    scope="individual",
                    subject_kind="prep",
                    subject_id=report.id,
                    detail={"oneonone": meeting.id, "topics": len(topics)},
                )
        key = f"prep-report:{meeting.id}:{stamp}"
        if store.deliveries.claim(key, "prep-report", now):
            message = report_message(services, meeting, report, manager, start)
            out.append(Outgoing(ToPerson(report.id), message, "prep.report", key))
    log.info("prep round: %s message(s) to send", len(out))
    return out


def _own_meeting(ctx: RequestContext, raw: str) -> OneOnOne:
    meeting = ctx.services.store.oneonones.get(int(raw)) if raw.isdigit() else None
    if meeting is None or not meeting.active:
        raise NotFound("That 1:1 doesn't exist any more.")
    if meeting.manager_id != ctx.actor.id:
        raise PermissionDenied("Only the manager this prep was written for can use it.")
    return meeting


def _reply(said: str, purpose: str) -> list[Outgoing]:
    return [Outgoing(ToRequester(), Message(said, (Section(text(said)),)), purpose)]


async def add_topic(interaction: Interaction, ctx: RequestContext) -> list[Outgoing]:
    """A topic's "Add to agenda" button: its words go on the shared agenda, once."""
    parts = interaction.value.split(":")
    if len(parts) != 4 or not parts[3].isdigit():
        raise UsageError("That button is out of date. Wait for the next prep message.")
    meeting = _own_meeting(ctx, parts[0])
    kind, source = parts[1], (parts[2], int(parts[3]))
    report = ctx.services.store.people.get(meeting.report_id)
    if report is None:
        raise NotFound("That person is no longer in Candor's directory.")
    words = AGENDA_WORDS.get(kind)
    if words is None:
        current = gather_topics(ctx.services, meeting, report, ctx.services.clock(), limit=50)
        found = [
            t
            for t in current
            if t.kind == kind and any((e.kind, e.record_id) == source for e in t.evidence)
        ]
        words = found[0].title if found else FALLBACK_WORDS.get(kind, "A topic from your prep")
    assert ctx.actor.id is not None
    item, new = add_item(ctx.services, meeting, ctx.actor.id, words, source=source)
    note = "Added to" if new else "Already on"
    return _reply(f"{note} your agenda with {report.name}: “{item.text}”", "prep.added")


async def share_agenda(interaction: Interaction, ctx: RequestContext) -> list[Outgoing]:
    """The "Share agenda with report" button: send the report the open agenda now."""
    meeting = _own_meeting(ctx, interaction.value)
    services = ctx.services
    report = services.store.people.get(meeting.report_id)
    start = next_meeting(meeting, services.clock())
    if report is None or report.id is None or start is None:
        raise NotFound("That 1:1 has no upcoming meeting to share an agenda for.")
    message = report_message(services, meeting, report, ctx.actor, start)
    assert meeting.id is not None
    count = len(services.store.oneonones.open_items(meeting.id))
    said = f"Sent {report.name} the agenda ({count} open item{'' if count == 1 else 's'})."
    return [
        Outgoing(ToPerson(report.id), message, "prep.shared"),
        *_reply(said, "prep.share.confirm"),
    ]


async def snooze(interaction: Interaction, ctx: RequestContext) -> list[Outgoing]:
    """The Snooze button: no more prep for this meeting; the next one comes as usual."""
    raw, _, stamp = interaction.value.partition(":")
    meeting = _own_meeting(ctx, raw)
    try:
        start = datetime.strptime(stamp, STAMP).replace(tzinfo=UTC)
    except ValueError:
        raise UsageError("That button is out of date. Wait for the next prep message.") from None
    assert meeting.id is not None and ctx.actor.id is not None
    services = ctx.services
    if meeting.snoozed_until is None or meeting.snoozed_until < start:  # an old button: no-op
        services.store.oneonones.snooze(
            meeting.id, start, at=services.clock(), actor_id=ctx.actor.id
        )
    report = services.store.people.get(meeting.report_id)
    name = report.name if report else "your report"
    said = (
        f"Snoozed: no more prep for your 1:1 with {name} on {when(start, meeting.tz)}. "
        "The next one comes as usual."
    )
    return _reply(said, "prep.snoozed")


def register(router: Router) -> None:
    """Add the prep message's buttons (the meeting's manager only)."""
    router.action(ADD, roles=MANAGERS)(add_topic)
    router.action(SHARE, roles=MANAGERS)(share_agenda)
    router.action(SNOOZE, roles=MANAGERS)(snooze)
