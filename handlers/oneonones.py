"""1:1s: recurring meetings with a shared agenda, and the pre-1:1 nudge.

A manager schedules a 1:1 with one of their reports in their own time zone; both sides keep a
shared agenda (`handlers.agenda`), and before each meeting the manager gets a prep message
(`handlers.prep`) whose evidence opens through `handlers.evidence`.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from handlers import agenda, evidence, prep
from handlers.errors import InvalidInput, NotFound, PermissionDenied, UsageError
from handlers.meetings import (
    MANAGERS,
    manages,
    meeting_of,
    other_side,
    person_from_mention,
    person_tz,
    reports_of,
    upcoming,
    when,
    zone,
)
from handlers.meetings import next_meeting as next_meeting  # for the scheduler and the CLI
from handlers.messages import (
    Block,
    Choice,
    Context,
    Form,
    Header,
    Input,
    Message,
    Outgoing,
    Section,
    ToPerson,
    ToRequester,
    text,
)
from handlers.prep import prep_round as prep_round  # the scheduled job (bot/jobs.py)
from handlers.router import Router
from handlers.services import RequestContext
from handlers.types import Command, Interaction, MentionRef, Role
from insights.schedule import Recurrence, parse_recurrence
from store.models import OneOnOne, Person

USAGE = (
    "/oneonone @person every 2 weeks on Tue 10:00 | agenda @person add <topic> | list"
    " | cancel @person"
)
EXAMPLE = "/oneonone @li every 2 weeks on Tue 10:00"
RECURRENCE_HINT = "every 2 weeks on Tue 10:00"
SCHEDULE_FORM = "oneonone.schedule"


def _usage(message: str) -> UsageError:
    return UsageError(message, usage=f"Usage: `{USAGE}`\nExample: `{EXAMPLE}`")


def help_message() -> Message:
    """What /oneonone does and how to use it."""
    lines = (
        f"`{EXAMPLE}` — schedule (managers, with one of their reports)\n"
        "`/oneonone` — the same, in a form\n"
        "`/oneonone list` — your 1:1s, with the next date and open agenda items\n"
        "`/oneonone agenda @person add <topic>` — add to the agenda you share\n"
        "`/oneonone cancel @person` — stop a recurring 1:1 (its agenda is kept)"
    )
    return Message(
        summary="How to use /oneonone",
        blocks=(
            Section(text("*1:1s* — recurring meetings with a shared agenda.")),
            Section(text(lines)),
            Context(text("Managers get a short prep message before each 1:1.")),
        ),
    )


def _first_date(recurrence: Recurrence, tz: str, now: datetime) -> date:
    """The first matching day from today whose start (in `tz`) is still ahead of `now`."""
    local_now = now.astimezone(zone(tz))
    day = local_now.date() + timedelta(days=(recurrence.weekday - local_now.weekday()) % 7)
    start = datetime.combine(day, time(recurrence.hour, recurrence.minute), tzinfo=zone(tz))
    return day if start > local_now else day + timedelta(weeks=1)


def _check_report(ctx: RequestContext, report: Person) -> None:
    assert ctx.actor.id is not None and report.id is not None
    if report.id == ctx.actor.id:
        raise UsageError("A 1:1 needs two people — pick one of your reports.")
    if not manages(ctx.services, ctx.actor.id, report.id):
        raise PermissionDenied(f"{report.name} doesn't report to you.")


def _schedule(ctx: RequestContext, report: Person, recurrence: Recurrence) -> list[Outgoing]:
    services, actor = ctx.services, ctx.actor
    assert actor.id is not None and report.id is not None
    now = services.clock()
    tz = person_tz(services, actor)
    before = services.store.oneonones.between(actor.id, report.id)
    same = (
        before is not None
        and before.active
        and (before.weekday, before.hour, before.minute, before.every_weeks, before.tz)
        == (recurrence.weekday, recurrence.hour, recurrence.minute, recurrence.every_weeks, tz)
    )
    meeting = before if same and before is not None else None
    if meeting is None:
        meeting = services.store.oneonones.schedule(
            actor.id,
            report.id,
            weekday=recurrence.weekday,
            hour=recurrence.hour,
            minute=recurrence.minute,
            every_weeks=recurrence.every_weeks,
            tz=tz,
            first_date=_first_date(recurrence, tz, now),
            at=now,
        )
    starts = upcoming(meeting, now, count=2)
    dates = " and ".join(when(s, tz) for s in starts)
    lead = "Already scheduled" if same else "Scheduled"
    reply = f"{lead}: 1:1 with {report.name}, {recurrence.describe()} ({tz} time).\nNext: {dates}."
    hint = (
        f"Either of you can add topics with `/oneonone agenda @… add <topic>`. You'll get a "
        f"prep message {services.config.prep_lead_hours} hours before each 1:1."
    )
    blocks: tuple[Block, ...] = (Section(text(reply)), Context(text(hint)))
    out = [Outgoing(ToRequester(), Message(f"1:1 with {report.name}", blocks), "oneonone.saved")]
    if not same:
        report_tz = person_tz(services, report)
        told = (
            f"{actor.name} set up a recurring 1:1 with you, {recurrence.describe()} "
            f"({tz} time). Next: {when(starts[0], report_tz)} your time."
        )
        note = Context(text("Add topics to your shared agenda with `/oneonone agenda @… add …`."))
        message = Message(f"1:1 with {actor.name}", (Section(text(told)), note))
        out.append(Outgoing(ToPerson(report.id), message, "oneonone.report"))
    return out


def _recurrence(words: str) -> Recurrence:
    if not words.strip():
        raise _usage(f"Say when you meet, e.g. `{RECURRENCE_HINT}`.")
    try:
        return parse_recurrence(words)
    except ValueError as error:
        raise _usage(str(error)) from None


async def schedule_command(command: Command, ctx: RequestContext) -> list[Outgoing]:
    """/oneonone @person <recurrence>, or /oneonone alone for the form."""
    if command.first_word in ("help", "?"):
        return [Outgoing(ToRequester(), help_message(), "help")]
    if not command.args:
        return [Outgoing(ToRequester(), _schedule_form(ctx), "oneonone.form")]
    report = await person_from_mention(ctx, command.args[0], f"Usage: `{USAGE}`")
    if any(isinstance(t, MentionRef) for t in command.args[1:]):
        raise _usage("Schedule one 1:1 at a time: mention one person.")
    _check_report(ctx, report)
    recurrence = _recurrence(" ".join(command.words))
    return _schedule(ctx, report, recurrence)


def _schedule_form(ctx: RequestContext) -> Form:
    assert ctx.actor.id is not None
    reports = reports_of(ctx.services, ctx.actor.id)
    if not reports:
        raise UsageError("You have no reports in Candor's org directory to hold a 1:1 with.")
    choices = tuple(Choice(p.name, str(p.id)) for p in reports)
    tz = person_tz(ctx.services, ctx.actor)
    blocks: tuple[Block, ...] = (
        Input("With", "report", kind="select", choices=choices),
        Input("When", "recurrence", placeholder=RECURRENCE_HINT),
        Context(text(f"Times are in your time zone ({tz}).")),
    )
    return Form("Schedule a 1:1", SCHEDULE_FORM, blocks, submit_label="Schedule")


async def submit_schedule(interaction: Interaction, ctx: RequestContext) -> list[Outgoing]:
    """The "Schedule a 1:1" form's submission: the same checks, as field errors."""
    errors: dict[str, str] = {}
    chosen = interaction.inputs.get("report", "")
    report = ctx.services.store.people.get(int(chosen)) if chosen.isdigit() else None
    if report is None or not report.active:
        errors["report"] = "Pick one of your reports."
    else:
        try:
            _check_report(ctx, report)
        except (PermissionDenied, UsageError) as error:
            errors["report"] = error.user_message
    recurrence: Recurrence | None = None
    try:
        recurrence = parse_recurrence(interaction.inputs.get("recurrence", "") or "")
    except ValueError as error:
        errors["recurrence"] = str(error)
    if errors:
        raise InvalidInput(errors)
    assert report is not None and recurrence is not None
    return _schedule(ctx, report, recurrence)


def _line(ctx: RequestContext, meeting: OneOnOne, people: dict[int, Person]) -> list[Block]:
    assert ctx.actor.id is not None and meeting.id is not None
    other = people.get(other_side(meeting, ctx.actor.id))
    name = other.name if other else "someone no longer in the directory"
    role = "your report" if meeting.manager_id == ctx.actor.id else "your manager"
    start = next_meeting(meeting, ctx.services.clock())
    tz = person_tz(ctx.services, ctx.actor)
    open_items = len(ctx.services.store.oneonones.open_items(meeting.id))
    every = Recurrence(meeting.weekday, meeting.hour, meeting.minute, meeting.every_weeks)
    nxt = when(start, tz) if start else "not scheduled"
    line = (
        f"*{name}* ({role}) — {every.describe()} ({meeting.tz} time)\n"
        f"Next: {nxt} · {open_items} open agenda item{'' if open_items == 1 else 's'}"
    )
    return [Section(text(line))]


async def list_command(command: Command, ctx: RequestContext) -> list[Outgoing]:
    """/oneonone list: your 1:1s as manager or report, each with its next date and open items."""
    assert ctx.actor.id is not None
    meetings = ctx.services.store.oneonones.involving(ctx.actor.id)
    blocks: list[Block] = [Header("Your 1:1s")]
    if not meetings:
        blocks.append(Section(text("You have no 1:1s scheduled.")))
        if Role(ctx.actor.role) in MANAGERS:
            blocks.append(Context(text(f"Schedule one with `{EXAMPLE}`.")))
    people = ctx.services.store.people.many({other_side(m, ctx.actor.id) for m in meetings})
    for meeting in meetings:
        blocks.extend(_line(ctx, meeting, people))
    blocks.append(Context(text("See an agenda with `/oneonone agenda @person`.")))
    return [Outgoing(ToRequester(), Message("Your 1:1s", tuple(blocks)), "oneonone.list")]


async def cancel_command(command: Command, ctx: RequestContext) -> list[Outgoing]:
    """/oneonone cancel @person: stop a recurring 1:1 you hold as the manager."""
    services, actor = ctx.services, ctx.actor
    assert actor.id is not None
    if not command.args:
        raise _usage("Mention who the 1:1 is with, like `/oneonone cancel @li`.")
    other = await person_from_mention(ctx, command.args[0], f"Usage: `{USAGE}`")
    assert other.id is not None
    meeting = meeting_of(services, actor.id, other.id)
    if meeting is None:
        raise NotFound(f"You have no 1:1 with {other.name} to cancel.")
    if meeting.manager_id != actor.id:
        raise PermissionDenied(f"Only {other.name}, who set up this 1:1, can cancel it.")
    assert meeting.id is not None
    services.store.oneonones.cancel(meeting.id, at=services.clock(), actor_id=actor.id)
    said = f"Cancelled your recurring 1:1 with {other.name}. Its open agenda items are kept."
    told = f"{actor.name} cancelled your recurring 1:1."
    return [
        Outgoing(ToRequester(), Message(said, (Section(text(said)),)), "oneonone.cancelled"),
        Outgoing(ToPerson(other.id), Message(told, (Section(text(told)),)), "oneonone.report"),
    ]


async def show_help(command: Command, ctx: RequestContext) -> list[Outgoing]:
    """/oneonone help."""
    return [Outgoing(ToRequester(), help_message(), "help")]


def register(router: Router) -> None:
    """Add /oneonone (schedule: managers), its sub-commands, the agenda, prep and evidence."""
    router.command(
        "oneonone",
        summary="Schedule 1:1s and add to their shared agenda",
        usage=USAGE,
        examples=(EXAMPLE,),
        roles=MANAGERS,
    )(schedule_command)
    router.command("oneonone help", summary="How 1:1s work", usage="/oneonone help")(show_help)
    router.command(
        "oneonone list",
        summary="Your 1:1s with the next date and open agenda items",
        usage="/oneonone list",
        examples=("/oneonone list",),
    )(list_command)
    router.command(
        "oneonone cancel",
        summary="Stop a recurring 1:1",
        usage="/oneonone cancel @person",
        examples=("/oneonone cancel @li",),
        roles=MANAGERS,
    )(cancel_command)
    router.action(SCHEDULE_FORM, roles=MANAGERS)(submit_schedule)
    agenda.register(router)
    prep.register(router)
    evidence.register(router)
