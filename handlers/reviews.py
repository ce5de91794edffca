"""Reviews: self-assessments, manager notes, and review drafts a manager decides on.

`/review draft @report [months]` gathers what the manager may see about one of their own
reports (`handlers.review_evidence`) and has an engine write a draft: the language model when
one is set (its answer checked against the sources; an invalid answer falls back to the
offline engine, and the DM says so), else the offline engine. Too little evidence → no draft,
and the manager is told what is missing. The draft comes to the manager alone, with Approve,
Edit, Regenerate and Discard; nothing reaches the employee until the manager approves, and
then the employee gets the approved text. Every change is a new version; buttons and the
edit form carry the version they act on, so two changes racing are caught. Every step is in
the audit log (`store.reviews`), and every engine output is an AI output with its sources.
"""

from __future__ import annotations

import asyncio
import logging
import re
from datetime import datetime

from handlers import review_inputs, review_ratings
from handlers.audit import log_read
from handlers.errors import NotFound, PermissionDenied, UsageError
from handlers.identity import resolve
from handlers.meetings import MANAGERS, manages, person_tz
from handlers.messages import Message, Outgoing, Section, ToPerson, ToRequester, text
from handlers.review_engine import content_of, draft_window, record_output, window, write_draft
from handlers.review_evidence import NOT_YOURS, describe, gather
from handlers.review_render import (
    APPROVE,
    DISCARD,
    EDIT,
    REGENERATE,
    SAVE,
    draft_message,
    edit_form,
    edited_content,
    employee_message,
    evidence_refs,
    read_edit,
    unsaved_text,
)
from handlers.router import Router
from handlers.services import RequestContext, Services
from handlers.types import Command, Interaction, MentionRef
from insights.review_types import Draft, NotEnoughEvidence
from store.models import Person, ReviewDraft

log = logging.getLogger(__name__)

USAGE = "/review draft @report [months]"
EXAMPLE = "/review draft @li 6"
DEFAULT_MONTHS = 6
MAX_MONTHS = 24
STALE = "Someone changed this draft since you opened it — here is the latest."
OWNER_ONLY = (
    "Only the manager who asked for this draft can approve, edit, regenerate or discard it."
)
_MONTHS_WORD = re.compile(r"^(\d{1,3})(?:m|mo|months?)?$")


def _usage(message: str) -> UsageError:
    return UsageError(
        message, usage=f"Usage: `{USAGE}` (default {DEFAULT_MONTHS} months)\nExample: `{EXAMPLE}`"
    )


def _message(note: str) -> Message:
    return Message(note, (Section(text(note)),))


def _reply(note: str, purpose: str) -> Outgoing:
    return Outgoing(ToRequester(), _message(note), purpose)


def _show(services: Services, row: ReviewDraft, manager: Person, note: str = "") -> Message:
    subject = services.store.people.get(row.subject_id)
    if subject is None:
        raise NotFound("The person this draft is about is no longer in the directory.")
    content = row.content or {}
    draft = Draft.from_json(content)
    labels = describe(
        services, {*evidence_refs(content), *draft.citations()}, person_tz(services, manager)
    )
    names = {p.id: p.name for p in services.store.people.all() if p.id is not None}
    return draft_message(row, subject, labels, names, note)


# --- /review draft ---------------------------------------------------------------------------


async def _parse(command: Command, ctx: RequestContext) -> tuple[Person, int]:
    mentions = [a for a in command.args if isinstance(a, MentionRef)]
    words = [w.lower() for w in command.words]
    if len(mentions) != 1:
        raise _usage("Mention the one report the draft is for, like `@li`.")
    months = DEFAULT_MONTHS
    if words:
        joined = "".join(words)
        found = _MONTHS_WORD.match(joined)
        if found is None:
            raise _usage(
                f"I read the period as a number of months, not `{' '.join(command.words)}`."
            )
        months = int(found.group(1))
        if not 1 <= months <= MAX_MONTHS:
            raise _usage(f"The period must be between 1 and {MAX_MONTHS} months.")
    who = await resolve(ctx.services, ctx.directory, mentions[0].platform_user_id)
    shown = f"@{mentions[0].label}" if mentions[0].label else "That person"
    if who.is_bot:
        raise _usage(f"{shown} is a bot — reviews are for people.")
    if who.person is None or who.person.id is None or not who.person.active:
        raise NotFound(f"I don't know {shown} yet: they're not in Candor's org directory.")
    return who.person, months


async def draft_command(command: Command, ctx: RequestContext) -> list[Outgoing]:
    """/review draft @report [months]: a draft for the manager alone, or what is missing."""
    if command.first_word in ("help", "?") or not command.args:
        help_text = (
            f"*Draft a review* (managers, for your own reports)\n`{USAGE}` — the last "
            f"{DEFAULT_MONTHS} months by default, 1 to {MAX_MONTHS}. Every sentence cites its "
            "sources; you approve, edit, regenerate or discard it, and nothing reaches your "
            "report until you approve."
        )
        return [_reply(help_text, "help")]
    services, manager = ctx.services, ctx.actor
    subject, months = await _parse(command, ctx)
    assert manager.id is not None and subject.id is not None
    if subject.id == manager.id or not manages(services, manager.id, subject.id):
        raise PermissionDenied(f"{NOT_YOURS} {subject.name} isn't one of them.")
    existing = services.store.reviews.latest(subject.id, manager.id)
    if existing is not None and existing.status == "draft":
        note = (
            f"You already have a draft for {subject.name}: here it is. Regenerate it for a fresh "
            "one, or discard it to start over with another period."
        )
        return [
            Outgoing(ToPerson(manager.id), _show(services, existing, manager, note), "review.draft")
        ]
    now = services.clock()
    key = f"review.draft:{command.request_key}"
    if not services.store.deliveries.claim(key, "review.draft", now):
        return []  # a retry of a command already answered
    try:
        return await _new_draft(ctx, subject, months, now, key)
    except BaseException:
        services.store.deliveries.release(key)  # nothing was sent: a retry may try again
        raise


async def _new_draft(
    ctx: RequestContext, subject: Person, months: int, now: datetime, key: str
) -> list[Outgoing]:
    services, manager = ctx.services, ctx.actor
    assert manager.id is not None and subject.id is not None
    since, until = window(services, manager, months, now)
    evidence = await asyncio.to_thread(gather, services, manager, subject, since, until)
    log_read(ctx, "individual", "review_evidence", subject.id, {"records": len(evidence)})
    written = await write_draft(services, evidence, subject, since, until)
    if isinstance(written, NotEnoughEvidence):
        services.store.deliveries.release(key)
        note = (
            f"Not enough evidence for a fair draft about {subject.name} over the last {months} "
            f"months, so I haven't written one. {written.missing} Kudos, feedback, their "
            "self-assessment (`/review self`), your notes (`/review note`), check-ins and goals "
            "all count."
        )
        return [_reply(note, "review.thin")]
    output_id = record_output(services, written, subject, now)
    row = services.store.reviews.create(
        subject_id=subject.id,
        manager_id=manager.id,
        period_start=since.date(),
        period_end=until.astimezone(since.tzinfo).date(),
        engine=written.draft.engine,
        content=content_of(written),
        at=now,
        inputs=[r.ref for r in evidence],
        ai_output_id=output_id,
    )
    log.info("review draft %s v1 for person %s (%s records)", row.id, subject.id, len(evidence))
    confirm = f"I've sent you the draft for {subject.name} in a direct message. Only you see it."
    return [
        Outgoing(
            ToPerson(manager.id), _show(services, row, manager), "review.draft", delivery_key=key
        ),
        _reply(confirm, "review.confirm"),
    ]


# --- the buttons and the edit form -----------------------------------------------------------


def _target(interaction: Interaction) -> tuple[int, int]:
    draft_id, _, version = interaction.value.partition(":")
    if not draft_id.isdigit() or not version.isdigit():
        raise UsageError("That button is out of date. Run `/review draft` again.")
    return int(draft_id), int(version)


def _owned(ctx: RequestContext, draft_id: int) -> ReviewDraft:
    row = ctx.services.store.reviews.get(draft_id)
    if row is None:
        raise NotFound("That draft doesn't exist any more.")
    if row.manager_id != ctx.actor.id:
        raise PermissionDenied(OWNER_ONLY)
    assert ctx.actor.id is not None
    if not manages(ctx.services, ctx.actor.id, row.subject_id):
        raise PermissionDenied(
            f"{NOT_YOURS} The person this draft is about no longer reports to you."
        )
    return row


def _to_manager(ctx: RequestContext, message: Message, purpose: str) -> Outgoing:
    # It supersedes the draft message whose button was pressed (replaced in place on Teams).
    assert ctx.actor.id is not None
    return Outgoing(ToPerson(ctx.actor.id), message, purpose, in_place=True)


def _moved_on(ctx: RequestContext, draft_id: int, version: int) -> list[Outgoing] | None:
    """The answer when a button acts on a draft decided or changed since; else None."""
    row = ctx.services.store.reviews.get(draft_id)
    if row is None:
        raise NotFound("That draft doesn't exist any more.")
    if row.status != "draft":
        when = f" on {row.decided_at:%d %b %Y}" if row.decided_at else ""
        return [_reply(f"This draft was already {row.status}{when}. Nothing changed.", "done")]
    if row.version != version:
        return [_to_manager(ctx, _show(ctx.services, row, ctx.actor, STALE), "review.stale")]
    return None


async def _decide(interaction: Interaction, ctx: RequestContext, status: str) -> list[Outgoing]:
    draft_id, version = _target(interaction)
    _owned(ctx, draft_id)
    assert ctx.actor.id is not None
    answer = _moved_on(ctx, draft_id, version)
    if answer is not None:
        return answer
    now = ctx.services.clock()
    decided = ctx.services.store.reviews.decide(draft_id, version, status, ctx.actor.id, now)
    if decided is None:  # changed or decided between the read and the write
        return _moved_on(ctx, draft_id, version) or []
    if status == "discarded":
        note = "Discarded the draft. Nobody else saw it. Run `/review draft` again any time."
        return [_to_manager(ctx, _message(note), "review.discarded")]
    subject = ctx.services.store.people.get(decided.subject_id)
    name = subject.name if subject else "Your report"
    note = f":white_check_mark: Approved version {version}. {name} has it in a direct message now."
    to_employee = employee_message(decided, ctx.actor)
    return [
        Outgoing(ToPerson(decided.subject_id), to_employee, "review.approved"),
        _to_manager(ctx, _message(note), "review.confirm"),
    ]


async def approve(interaction: Interaction, ctx: RequestContext) -> list[Outgoing]:
    """Approve: the version the manager saw becomes final, and only now goes to the employee."""
    return await _decide(interaction, ctx, "approved")


async def discard(interaction: Interaction, ctx: RequestContext) -> list[Outgoing]:
    """Discard: the draft is closed; the employee never sees it."""
    return await _decide(interaction, ctx, "discarded")


async def regenerate(interaction: Interaction, ctx: RequestContext) -> list[Outgoing]:
    """Regenerate: the engine writes the draft again from the evidence as it is now."""
    draft_id, version = _target(interaction)
    row = _owned(ctx, draft_id)
    services, manager = ctx.services, ctx.actor
    answer = _moved_on(ctx, draft_id, version)
    if answer is not None:
        return answer
    subject = services.store.people.get(row.subject_id)
    if subject is None or subject.id is None:
        raise NotFound("The person this draft is about is no longer in the directory.")
    now = services.clock()
    since, until = draft_window(row, manager, services, now)
    evidence = await asyncio.to_thread(gather, services, manager, subject, since, until)
    log_read(ctx, "individual", "review_evidence", subject.id, {"records": len(evidence)})
    written = await write_draft(services, evidence, subject, since, until)
    if isinstance(written, NotEnoughEvidence):
        return [_reply(f"Not enough evidence to write it again. {written.missing}", "review.thin")]
    output_id = record_output(services, written, subject, now)
    updated = services.store.reviews.update_content(
        draft_id, version, content_of(written), None, "regenerated", written.draft.engine, now,
        inputs=[r.ref for r in evidence], ai_output_id=output_id,
    )  # fmt: skip
    if updated is None:
        return _moved_on(ctx, draft_id, version) or []
    note = f"Written again from the evidence as it is now: version {updated.version}."
    return [_to_manager(ctx, _show(services, updated, manager, note), "review.regenerated")]


async def open_edit(interaction: Interaction, ctx: RequestContext) -> list[Outgoing]:
    """Edit: the draft's text in a form, at its latest version."""
    draft_id, version = _target(interaction)
    row = _owned(ctx, draft_id)
    if row.status != "draft":
        return _moved_on(ctx, draft_id, version) or []
    note = STALE if row.version != version else ""
    tz = person_tz(ctx.services, ctx.actor)
    labels = describe(ctx.services, evidence_refs(row.content or {}), tz)
    return [Outgoing(ToRequester(), edit_form(row, labels, note), "form")]


async def save_edit(interaction: Interaction, ctx: RequestContext) -> list[Outgoing]:
    """The edit form's Save: a new version, if nobody changed the draft since the form opened.

    Raises:
        InvalidInput: a line without a source, or citing one not in the draft's list.
    """
    draft_id, version = _target(interaction)
    row = _owned(ctx, draft_id)
    assert ctx.actor.id is not None
    if row.status != "draft":
        return _moved_on(ctx, draft_id, version) or []
    content = row.content or {}
    new = edited_content(content, read_edit(interaction.inputs, evidence_refs(content)))
    updated = None
    if row.version == version:
        updated = ctx.services.store.reviews.update_content(
            draft_id, version, new, ctx.actor.id, "edited", row.engine, ctx.services.clock()
        )
    if updated is not None:
        note = f"Saved your edit as version {updated.version}."
        return [_to_manager(ctx, _show(ctx.services, updated, ctx.actor, note), "review.edited")]
    answer = _moved_on(ctx, draft_id, version)
    if answer is None or answer[0].purpose != "review.stale":  # decided meanwhile
        return answer or []
    latest = ctx.services.store.reviews.get(draft_id) or row
    lost = (
        f"{STALE} Your edit was not saved; here it is to copy:\n{unsaved_text(interaction.inputs)}"
    )
    return [_to_manager(ctx, _show(ctx.services, latest, ctx.actor, lost), "review.stale")]


def register(router: Router) -> None:
    """Add /review self and /review note (`handlers.review_inputs`), /review draft and the
    draft's buttons (managers; each button only for the manager who asked for the draft)."""
    review_inputs.register(router)
    review_ratings.register(router)
    router.command(
        "review draft",
        summary="Draft a review of one of your reports, every sentence with its sources",
        usage=USAGE,
        examples=(EXAMPLE,),
        roles=MANAGERS,
    )(draft_command)
    router.action(APPROVE, roles=MANAGERS)(approve)
    router.action(EDIT, roles=MANAGERS)(open_edit)
    router.action(SAVE, roles=MANAGERS)(save_edit)
    router.action(REGENERATE, roles=MANAGERS)(regenerate)
    router.action(DISCARD, roles=MANAGERS)(discard)
