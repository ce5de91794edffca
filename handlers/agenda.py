"""The shared agenda of a 1:1: both sides add topics, either marks them done.

Open items carry over from one meeting to the next until someone marks them done, so there is
no per-meeting copy to keep in step: the agenda of the next 1:1 is simply every open item.
"""

from __future__ import annotations

from handlers.errors import InvalidInput, NotFound, PermissionDenied, UsageError
from handlers.meetings import (
    day_text,
    is_participant,
    meeting_of,
    other_side,
    person_from_mention,
    person_tz,
)
from handlers.messages import (
    Actions,
    Block,
    Button,
    Context,
    Form,
    Header,
    Input,
    Message,
    Outgoing,
    Section,
    ToRequester,
    text,
)
from handlers.router import Router
from handlers.services import RequestContext, Services
from handlers.types import Command, Interaction
from store.models import AgendaItem, OneOnOne, Person

USAGE = "/oneonone agenda @person [add <topic>]"
EXAMPLE = "/oneonone agenda @li add career goals for next year"
MAX_CHARS = 500
SHOWN_ITEMS = 15
DONE = "agenda.done"
NEW = "agenda.new"
ADD = "agenda.add"
SHOW = "evidence.show"


def _usage(message: str) -> UsageError:
    return UsageError(message, usage=f"Usage: `{USAGE}`\nExample: `{EXAMPLE}`")


def check_text(topic: str) -> str | None:
    """Why an agenda topic can't be stored, or None when it is fine."""
    if not topic:
        return "Write the topic you want to talk about."
    if len(topic) > MAX_CHARS:
        return f"Please keep a topic under {MAX_CHARS} characters (yours has {len(topic)})."
    return None


def add_item(
    services: Services,
    meeting: OneOnOne,
    author_id: int,
    topic: str,
    *,
    source: tuple[str, int] | None = None,
) -> tuple[AgendaItem, bool]:
    """Add a topic unless the same one is already open; returns the item and whether it is new.

    The same words from the same author (or the same nudge source) count as one topic, so a
    retried command or a double click stores it once.
    """
    assert meeting.id is not None
    wanted = " ".join(topic.casefold().split())
    for item in services.store.oneonones.open_items(meeting.id):
        same_source = source is not None and (item.source_kind, item.source_id) == source
        same_words = (
            item.author_id == author_id and " ".join(item.text.casefold().split()) == wanted
        )
        if same_source or same_words:
            return item, False
    item = services.store.oneonones.add_item(
        meeting.id, author_id, topic, at=services.clock(), source=source
    )
    return item, True


def agenda_blocks(
    services: Services, meeting: OneOnOne, viewer: Person, *, buttons: bool = True
) -> list[Block]:
    """The open items of a 1:1, each with who added it and when, and a Done button."""
    assert meeting.id is not None
    items = services.store.oneonones.open_items(meeting.id)
    if not items:
        return [Section(text("Nothing on the agenda yet."))]
    names = services.store.people.many({i.author_id for i in items})
    tz = person_tz(services, viewer)
    blocks: list[Block] = []
    for item in items[:SHOWN_ITEMS]:
        author = names.get(item.author_id)
        who = author.name if author else "someone"
        blocks.append(Section(text(f"• {item.text}")))
        blocks.append(Context(text(f"Added by {who}, {day_text(item.created_at, tz)}")))
        if buttons:
            row = [Button("Done", f"{DONE}.{item.id}", str(item.id))]
            if item.source_kind and item.source_id is not None:
                value = f"{item.source_kind}:{item.source_id}"
                row.append(Button("View source", f"{SHOW}.a{item.id}", value))
            blocks.append(Actions(tuple(row)))
    if len(items) > SHOWN_ITEMS:
        blocks.append(Context(text(f"And {len(items) - SHOWN_ITEMS} more open items.")))
    return blocks


def agenda_message(services: Services, meeting: OneOnOne, viewer: Person, title: str) -> Message:
    """A 1:1's open agenda for one of its two participants, with Done and Add buttons."""
    assert meeting.id is not None
    blocks: list[Block] = [Header(title), *agenda_blocks(services, meeting, viewer)]
    blocks.append(Actions((Button("Add a topic", NEW, str(meeting.id), "primary"),)))
    blocks.append(Context(text("Open items stay on the agenda until one of you marks them done.")))
    return Message(summary=title, blocks=tuple(blocks))


def _names(services: Services, meeting: OneOnOne, viewer_id: int) -> str:
    other = services.store.people.get(other_side(meeting, viewer_id))
    return other.name if other else "your 1:1"


def _meeting_for(services: Services, value: str, actor: Person) -> OneOnOne:
    meeting = services.store.oneonones.get(int(value)) if value.isdigit() else None
    if meeting is None or not meeting.active:
        raise NotFound("That 1:1 doesn't exist any more.")
    if not is_participant(meeting, actor.id):
        raise PermissionDenied("Only the two people in this 1:1 can change its agenda.")
    return meeting


async def agenda_command(command: Command, ctx: RequestContext) -> list[Outgoing]:
    """/oneonone agenda @person [add <topic>]: show or add to the agenda you share with them."""
    services, actor = ctx.services, ctx.actor
    assert actor.id is not None
    if not command.args:
        raise _usage("Mention the other person of the 1:1, like `@li`.")
    other = await person_from_mention(ctx, command.args[0], f"Usage: `{USAGE}`")
    assert other.id is not None
    meeting = meeting_of(services, actor.id, other.id)
    if meeting is None:
        raise NotFound(
            f"You don't have a 1:1 with {other.name}. "
            "A manager sets one up with `/oneonone @person every week on Tue 10:00`."
        )
    rest = command.args[1:]
    if not rest:
        message = agenda_message(services, meeting, actor, f"Agenda: 1:1 with {other.name}")
        return [Outgoing(ToRequester(), message, "agenda.show")]
    verb = rest[0]
    if not (isinstance(verb, str) and verb.lower() == "add"):
        raise _usage("Use `add` followed by the topic, or nothing to see the agenda.")
    words = [t if isinstance(t, str) else f"@{t.label}" for t in rest[1:]]
    topic = " ".join(w for w in words if w).strip()
    problem = check_text(topic)
    if problem:
        raise _usage(problem)
    item, new = add_item(services, meeting, actor.id, topic)
    note = "Added to" if new else "Already on"
    reply = f"{note} your agenda with {other.name}: “{item.text}”"
    confirm = Message(summary=f"{note} the agenda", blocks=(Section(text(reply)),))
    return [Outgoing(ToRequester(), confirm, "agenda.added")]


async def mark_done(interaction: Interaction, ctx: RequestContext) -> list[Outgoing]:
    """A Done button: close an open item (only the two participants may)."""
    services, actor = ctx.services, ctx.actor
    item = (
        services.store.oneonones.item(int(interaction.value))
        if interaction.value.isdigit()
        else None
    )
    if item is None:
        raise NotFound("That agenda item doesn't exist any more.")
    meeting = services.store.oneonones.get(item.oneonone_id)
    if meeting is None or not is_participant(meeting, actor.id):
        raise PermissionDenied("Only the two people in this 1:1 can mark its agenda items done.")
    assert actor.id is not None and item.id is not None
    closed = services.store.oneonones.mark_done(item.id, at=services.clock(), actor_id=actor.id)
    said = f"Marked done: “{item.text}”" if closed else f"Already done: “{item.text}”"
    return [Outgoing(ToRequester(), Message(said, (Section(text(said)),)), "agenda.done")]


def _form(meeting: OneOnOne, other_name: str, topic: str = "") -> Form:
    field = Input(
        "Topic",
        "topic",
        multiline=True,
        placeholder="What do you want to talk about?",
        initial=topic,
    )
    note = Context(text(f"Shared with {other_name}. Open items carry over until marked done."))
    return Form("Add to 1:1 agenda", ADD, (field, note), str(meeting.id), "Add")


async def new_item_form(interaction: Interaction, ctx: RequestContext) -> list[Outgoing]:
    """An "Add a topic" button: the form to write one."""
    meeting = _meeting_for(ctx.services, interaction.value, ctx.actor)
    assert ctx.actor.id is not None
    form = _form(meeting, _names(ctx.services, meeting, ctx.actor.id))
    return [Outgoing(ToRequester(), form, "agenda.form")]


async def submit_item(interaction: Interaction, ctx: RequestContext) -> list[Outgoing]:
    """The "Add to 1:1 agenda" form's submission."""
    meeting = _meeting_for(ctx.services, interaction.value, ctx.actor)
    assert ctx.actor.id is not None
    topic = " ".join(interaction.inputs.get("topic", "").split())
    problem = check_text(topic)
    if problem:
        raise InvalidInput({"topic": problem})
    item, new = add_item(ctx.services, meeting, ctx.actor.id, topic)
    other = _names(ctx.services, meeting, ctx.actor.id)
    note = "Added to" if new else "Already on"
    said = f"{note} your agenda with {other}: “{item.text}”"
    return [Outgoing(ToRequester(), Message(said, (Section(text(said)),)), "agenda.added")]


def register(router: Router) -> None:
    """Add /oneonone agenda and the agenda buttons (participants are checked per 1:1)."""
    router.command(
        "oneonone agenda",
        summary="See or add to the agenda you share with your manager or report",
        usage=USAGE,
        examples=(EXAMPLE,),
    )(agenda_command)
    router.action(DONE)(mark_done)
    router.action(NEW)(new_item_form)
    router.action(ADD)(submit_item)
