"""Review inputs people write themselves: `/review self` (a self-assessment) and `/review note`
(a manager's private note about someone in their reporting line).

A self-assessment is one per review cycle (`store.feedback.SELF_CYCLE`, 90 days): running
`/review self` again within the cycle opens it filled in and saves the edit over it. A manager's
note is never shown to its subject; it is evidence for the review draft the manager writes.
"""

from __future__ import annotations

import logging
import re

from handlers.errors import InvalidInput, NotFound, PermissionDenied, UsageError
from handlers.feedback import mentioned_person
from handlers.feedback_render import MAX_TEXT, person, sent_confirmation
from handlers.meetings import MANAGERS, day_text, manages, person_tz
from handlers.messages import Context, Form, Input, Message, Outgoing, Section, ToRequester, text
from handlers.router import Router
from handlers.services import RequestContext
from handlers.types import Command, Interaction, MentionRef
from insights.coach import coach
from store.models import Person

log = logging.getLogger(__name__)


SELF_USAGE = "/review self"
NOTE_USAGE = "/review note @person <note>"
NOTE_EXAMPLE = "/review note @li led the incident review calmly and wrote the follow-ups"
SELF_SUBMIT = "review.self_submit"
NOTE_SUBMIT = "review.note_submit"
MAX_ANSWER = 1500
# The self-assessment's questions: (input id, heading). Stored as one text, a heading per part.
SELF_QUESTIONS = (
    ("went_well", "What went well"),
    ("improve", "What to improve"),
    ("next", "What's next"),
)
_HEADING = re.compile(
    r"^(" + "|".join(re.escape(h) for _, h in SELF_QUESTIONS) + r"):\s*$", re.MULTILINE
)


def format_self(answers: dict[str, str]) -> str:
    """A self-assessment's answers as the one text stored: each part under its heading."""
    return "\n\n".join(
        f"{heading}:\n{answers.get(key, '').strip()}" for key, heading in SELF_QUESTIONS
    )


def parse_self(stored: str) -> dict[str, str]:
    """The answers of a stored self-assessment, by input id (the inverse of `format_self`)."""
    keys = {heading: key for key, heading in SELF_QUESTIONS}
    parts = _HEADING.split(stored)
    # split() keeps the captured headings: [before, heading, body, heading, body, ...]
    return {keys[h]: body.strip() for h, body in zip(parts[1::2], parts[2::2], strict=True)}


async def self_command(command: Command, ctx: RequestContext) -> list[Outgoing]:
    """/review self: the self-assessment form, filled in with this cycle's if there is one."""
    assert ctx.actor.id is not None
    current = ctx.services.store.feedback.latest_self(ctx.actor.id, ctx.services.clock())
    answers = parse_self(current.text) if current else {}
    blocks: list[Section | Context | Input] = [
        Input(
            heading,
            key,
            multiline=True,
            initial=answers.get(key, ""),
            placeholder="Concrete examples: what you did, and what came of it.",
        )
        for key, heading in SELF_QUESTIONS
    ]
    if current is not None:
        since = day_text(current.created_at, person_tz(ctx.services, ctx.actor))
        note = f"Editing your self-assessment of this cycle (started {since})."
    else:
        note = "Your manager reads it when preparing your review, next to other feedback."
    blocks.append(Context(text(note)))
    form = Form("Self-assessment", SELF_SUBMIT, tuple(blocks), submit_label="Save")
    return [Outgoing(ToRequester(), form, "review.self_form")]


async def submit_self(interaction: Interaction, ctx: RequestContext) -> list[Outgoing]:
    """The self-assessment form was submitted: save it (an edit within the cycle)."""
    answers = {key: (interaction.inputs.get(key) or "").strip() for key, _ in SELF_QUESTIONS}
    problems = {key: "Write a few words here." for key, value in answers.items() if not value}
    problems.update(
        {
            key: f"Keep it under {MAX_ANSWER} characters."
            for key, value in answers.items()
            if len(value) > MAX_ANSWER
        }
    )
    if problems:
        raise InvalidInput(problems)
    assert ctx.actor.id is not None
    now = ctx.services.clock()
    repo = ctx.services.store.feedback
    existed = repo.latest_self(ctx.actor.id, now) is not None
    saved = repo.save_self(interaction.request_key, ctx.actor.id, format_self(answers), now)
    if saved is None:
        return []  # a double submit: saved already
    log.info("self-assessment %s saved", saved.id)
    lead = (
        ":pencil2: Updated your self-assessment."
        if existed
        else ":memo: Saved your self-assessment."
    )
    message = sent_confirmation(
        f"{lead} Your manager reads it when preparing your review; "
        "run `/review self` again to change it.",
        (),
    )
    return [Outgoing(ToRequester(), message, "review.self_saved")]


async def _report(ctx: RequestContext, token: MentionRef) -> Person:
    usage = f"Usage: `{NOTE_USAGE}`\nExample: `{NOTE_EXAMPLE}`"
    subject = await mentioned_person(ctx, token, usage)
    assert ctx.actor.id is not None and subject.id is not None
    if not manages(ctx.services, ctx.actor.id, subject.id):
        raise PermissionDenied(
            f"You can keep notes only about people in your reporting line, and {subject.name} "
            "isn't in yours."
        )
    return subject


def _note_form(subject: Person, initial: str = "") -> Form:
    return Form(
        "Private note",
        NOTE_SUBMIT,
        (
            Section(text("A private note about ", person(subject))),
            Input("Note", "text", multiline=True, initial=initial),
            Context(text(f"{subject.name} never sees it; it's evidence for their review draft.")),
        ),
        value=str(subject.id),
        submit_label="Save",
    )


async def note_command(command: Command, ctx: RequestContext) -> list[Outgoing]:
    """/review note @report <note>: a private note (no text opens a form)."""
    mentions = [a for a in command.args if isinstance(a, MentionRef)]
    if not mentions or command.first_word in ("help", "?"):
        raise UsageError(
            "Mention who the note is about, like `@li`.",
            usage=f"Usage: `{NOTE_USAGE}`\nExample: `{NOTE_EXAMPLE}`",
        )
    if len(mentions) > 1 or not isinstance(command.args[0], MentionRef):
        raise UsageError(
            "Start with the one person the note is about, then the note.",
            usage=f"Usage: `{NOTE_USAGE}`\nExample: `{NOTE_EXAMPLE}`",
        )
    subject = await _report(ctx, mentions[0])
    written = " ".join(a for a in command.args[1:] if isinstance(a, str)).strip()
    if not written:
        return [Outgoing(ToRequester(), _note_form(subject), "review.note_form")]
    if len(written) > MAX_TEXT:
        raise UsageError(f"Keep the note under {MAX_TEXT} characters (yours has {len(written)}).")
    return _store_note(ctx, subject, written, command.request_key)


async def submit_note(interaction: Interaction, ctx: RequestContext) -> list[Outgoing]:
    """The private-note form was submitted."""
    raw = interaction.value
    subject = ctx.services.store.people.get(int(raw)) if raw.isdigit() else None
    if subject is None or subject.id is None or not subject.active:
        raise NotFound("That person is no longer in Candor's org directory.")
    assert ctx.actor.id is not None
    if not manages(ctx.services, ctx.actor.id, subject.id):
        raise PermissionDenied(f"{subject.name} isn't in your reporting line any more.")
    written = (interaction.inputs.get("text") or "").strip()
    if not written:
        raise InvalidInput({"text": "Write the note."})
    if len(written) > MAX_TEXT:
        raise InvalidInput({"text": f"Keep it under {MAX_TEXT} characters."})
    return _store_note(ctx, subject, written, interaction.request_key)


def _store_note(
    ctx: RequestContext, subject: Person, written: str, request_key: str
) -> list[Outgoing]:
    assert ctx.actor.id is not None and subject.id is not None
    hints = coach(written)
    stored = ctx.services.store.feedback.add_once(
        request_key,
        author_id=ctx.actor.id,
        subject_id=subject.id,
        kind="manager_note",
        text=written,
        at=ctx.services.clock(),
    )
    if stored is None:
        return []  # a retry or double submit: saved already
    log.info("manager note %s saved", stored.id)
    lead = (
        f":lock: Saved a private note about {subject.name} (note #{stored.id}). "
        f"{subject.name} never sees it; it's evidence for their review draft."
    )
    return [Outgoing(ToRequester(), sent_confirmation(lead, hints), "review.note_saved")]


REVIEW_USAGE = "/review self | note @report <text> | draft @report [months] | rate @report [cycle]"


async def review_help(command: Command, ctx: RequestContext) -> list[Outgoing]:
    """`/review` alone: what each sub-command does."""
    lines = (
        "*/review self* — your self-assessment for this cycle (a form; edit it any time)",
        "*/review note @report <text>* — a private note about one of your reports (managers)",
        "*/review draft @report [months]* — a review draft with a source for every sentence, "
        "for you to edit, approve or discard; nothing reaches your report before you approve "
        "(managers, own reports only)",
        "*/review rate @report [cycle]* — rate a report on the cycle's competencies; HR sees "
        "ratings only in calibration statistics (managers, own reporting line)",
    )
    message = Message("How /review works", (Section(text("\n".join(lines))),))
    return [Outgoing(ToRequester(), message, "help")]


def register(router: Router) -> None:
    """Add /review (help), /review self (everyone) and /review note (managers, for their own
    line)."""
    router.command(
        "review",
        summary="Self-assessment, manager notes and review drafts you decide on",
        usage=REVIEW_USAGE,
        examples=("/review self",),
    )(review_help)
    router.command(
        "review self",
        summary="Write or edit your self-assessment for this review cycle",
        usage=SELF_USAGE,
        examples=(SELF_USAGE,),
    )(self_command)
    router.command(
        "review note",
        summary="Keep a private note about someone in your reporting line (managers)",
        usage=NOTE_USAGE,
        examples=(NOTE_EXAMPLE,),
        roles=MANAGERS,
    )(note_command)
    router.action(SELF_SUBMIT)(submit_self)
    router.action(NOTE_SUBMIT, roles=MANAGERS)(submit_note)
