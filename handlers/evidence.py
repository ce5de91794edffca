"""Evidence links: a "View" button opens the record behind a prep topic or an agenda item.

A record is shown only to the person it is about and to their managers (the whole line with
skip-level access on, direct managers only with it off); an agenda item only to the two people
of its 1:1. A manager sees a check-in's mood only when the person shares it. Every view is in
the audit log (ids only).
"""

from __future__ import annotations

from handlers.audit import log_read
from handlers.errors import NotFound, PermissionDenied, UsageError
from handlers.meetings import day_text, is_participant, manages, person_tz
from handlers.messages import (
    Block,
    Citation,
    Context,
    Header,
    Message,
    Outgoing,
    Quote,
    Section,
    ToRequester,
    text,
)
from handlers.router import Router
from handlers.services import RequestContext
from handlers.types import Interaction
from store.models import Person

SHOW = "evidence.show"
DENIED = "Only the person this record is about and their managers can see it."


def _name(ctx: RequestContext, person_id: int) -> str:
    found = ctx.services.store.people.get(person_id)
    return found.name if found else "someone no longer in the directory"


def _may_see(ctx: RequestContext, subject_ids: set[int]) -> int:
    """The subject the viewer may see this record as (themselves first); else refuse."""
    actor = ctx.actor.id
    assert actor is not None
    if actor in subject_ids:
        return actor
    for subject in sorted(subject_ids):
        if manages(ctx.services, actor, subject):
            return subject
    raise PermissionDenied(DENIED)


def _kudos(ctx: RequestContext, record_id: int) -> tuple[int, Message]:
    found = ctx.services.store.kudos.get_many([record_id])
    if not found:
        raise NotFound("Those kudos don't exist any more.")
    kudos = found[0]
    subject = _may_see(ctx, {kudos.giver_id, *kudos.recipient_ids})
    to = ", ".join(_name(ctx, pid) for pid in kudos.recipient_ids)
    tz = person_tz(ctx.services, ctx.actor)
    blocks: list[Block] = [
        Header("Kudos"),
        Section(
            text(f"From {_name(ctx, kudos.giver_id)} to {to}, {day_text(kudos.created_at, tz)}")
        ),
        Quote(text(kudos.text), (Citation("kudos", kudos.id, f"kudos #{kudos.id}"),)),
    ]
    if kudos.company_values:
        values = " ".join(f"#{v}" for v in kudos.company_values)
        blocks.append(Context(text(f"Values: {values}")))
    return subject, Message("Kudos", tuple(blocks))


def _question_labels(ctx: RequestContext, person: Person | None) -> dict[str, str]:
    repo = ctx.services.store.checkins
    plan = repo.plan(person.manager_id) if person and person.manager_id is not None else None
    plan = plan or repo.plan(None)
    questions = plan.questions if plan is not None else []
    return {q["id"]: q.get("text") or q["id"] for q in questions if q.get("id")}


def _checkin(ctx: RequestContext, record_id: int) -> tuple[int, Message]:
    services = ctx.services
    checkin = services.store.checkins.by_id(record_id)
    if checkin is None or checkin.submitted_at is None:
        raise NotFound("That check-in doesn't exist any more.")
    subject = _may_see(ctx, {checkin.person_id})
    person = services.store.people.get(checkin.person_id)
    labels = _question_labels(ctx, person)
    tz = person_tz(services, ctx.actor)
    title = f"Check-in of {person.name if person else 'someone'}"
    blocks: list[Block] = [
        Header(title),
        Context(text(f"Answered {day_text(checkin.submitted_at, tz)} · {checkin.period}")),
    ]
    for key, answer in checkin.answers.items():
        if answer.strip():
            label = labels.get(key) or key.replace("_", " ").capitalize()
            blocks.append(Section(text(f"*{label}*\n{answer}")))
    if checkin.blocker.strip() and checkin.blocker not in checkin.answers.values():
        blocks.append(Section(text(f"*Blocker*\n{checkin.blocker}")))
    own = subject == ctx.actor.id
    if checkin.mood is not None and (own or services.store.settings.get(subject).share_mood):
        blocks.append(Section(text(f"*Mood*: {checkin.mood}/5")))
    return subject, Message(title, tuple(blocks))


def _goal(ctx: RequestContext, record_id: int) -> tuple[int, Message]:
    goal = ctx.services.store.goals.get(record_id)
    if goal is None:
        raise NotFound("That goal doesn't exist any more.")
    subject = _may_see(ctx, {goal.owner_id})
    tz = person_tz(ctx.services, ctx.actor)
    title = f"Goal of {_name(ctx, goal.owner_id)}"
    blocks: list[Block] = [Header(title), Section(text(f"*{goal.objective}*"))]
    if goal.key_results:
        blocks.append(Section(text("\n".join(f"• {kr}" for kr in goal.key_results))))
    updated = day_text(goal.progress_at, tz) if goal.progress_at else "never"
    due = goal.due.isoformat() if goal.due else "no due date"
    fields = (
        ("Progress", text(f"{goal.progress:.0%}")),
        ("Due", text(due)),
        ("Status", text(goal.status)),
        ("Last update", text(updated)),
    )
    blocks.append(Section(text(f"{goal.level.capitalize()} goal"), fields))
    return subject, Message(title, tuple(blocks))


def _agenda(ctx: RequestContext, record_id: int) -> tuple[int, Message]:
    store = ctx.services.store
    item = store.oneonones.item(record_id)
    meeting = store.oneonones.get(item.oneonone_id) if item is not None else None
    if item is None or meeting is None:
        raise NotFound("That agenda item doesn't exist any more.")
    if not is_participant(meeting, ctx.actor.id):
        raise PermissionDenied("Only the two people in this 1:1 can see its agenda.")
    assert ctx.actor.id is not None
    tz = person_tz(ctx.services, ctx.actor)
    state = f"done {day_text(item.done_at, tz)}" if item.done_at else "open"
    note = f"Added by {_name(ctx, item.author_id)}, {day_text(item.created_at, tz)} · {state}"
    blocks: tuple[Block, ...] = (
        Header("Agenda item"),
        Section(text(item.text)),
        Context(text(note)),
    )
    return ctx.actor.id, Message("Agenda item", blocks)


SHOWERS = {"kudos": _kudos, "checkin": _checkin, "goal": _goal, "agenda": _agenda}


async def show_evidence(interaction: Interaction, ctx: RequestContext) -> list[Outgoing]:
    """A "View" button (value `kind:record_id`): the record, if the viewer may see it."""
    kind, _, raw = interaction.value.partition(":")
    if kind not in SHOWERS or not raw.isdigit():
        raise UsageError("That link is out of date; there is nothing to show.")
    subject, message = SHOWERS[kind](ctx, int(raw))
    detail = {"record": int(raw)}
    if subject == ctx.actor.id:
        log_read(ctx, "self", kind, subject, detail)
    else:
        log_read(ctx, "individual", kind, subject, detail)
    return [Outgoing(ToRequester(), message, "evidence.show")]


def register(router: Router) -> None:
    """Add the "View" evidence buttons (everyone; each record checks who may see it)."""
    router.action(SHOW)(show_evidence)
