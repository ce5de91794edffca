"""Feedback: requests to peers, unsolicited feedback, and the answers a manager sees.

`/feedback request @a @b about <topic>` sends each person a DM with a form; answers go to the
requester's manager, and the requester hears only how many have answered. Nobody is reminded
more than once (`feedback_reminder_round`). `/feedback give @x` is feedback nobody asked for:
private to x's manager unless the author shares it with x. The writing coach reads every text
before it is stored and suggests, never blocks.
"""

from __future__ import annotations

import logging

from handlers import feedback_render as render
from handlers.errors import InvalidInput, NotFound, PermissionDenied, UsageError
from handlers.feedback_reminders import feedback_reminder_round as feedback_reminder_round
from handlers.feedback_reminders import manager_of
from handlers.identity import resolve
from handlers.meetings import person_tz
from handlers.messages import Outgoing, ToPerson, ToRequester
from handlers.router import Router
from handlers.services import RequestContext
from handlers.types import Command, Interaction, MentionRef, Token
from insights.coach import coach
from store.feedback import PENDING, feedback_kind
from store.models import FeedbackRequest, Person

log = logging.getLogger(__name__)

MAX_RESPONDERS = 10
MAX_TOPIC = 300
_JOINERS = {"and", "&", ",", "+"}


def _usage(message: str, line: str = render.REQUEST_USAGE, example: str = "") -> UsageError:
    return UsageError(message, usage=render.usage(line, example or render.REQUEST_EXAMPLE))


def _label(token: MentionRef) -> str:
    return f"@{token.label}" if token.label else "that person"


def split_request(args: tuple[Token, ...]) -> tuple[list[MentionRef], str]:
    """The people a request names (the mentions it starts with) and its topic (the rest,
    after an optional "about"): `@a @b about <topic>`."""
    cut = next(
        (i for i, a in enumerate(args) if isinstance(a, str) and a.lower() not in _JOINERS),
        len(args),
    )
    head, tail = args[:cut], list(args[cut:])
    if tail and isinstance(tail[0], str) and tail[0].lower() == "about":
        tail = tail[1:]
    mentions = list(dict.fromkeys(a for a in head if isinstance(a, MentionRef)))
    topic = " ".join(a if isinstance(a, str) else f"@{a.label}" for a in tail).strip()
    return mentions, topic


async def mentioned_person(ctx: RequestContext, token: MentionRef, usage: str) -> Person:
    """The active person a mention names.

    Raises:
        UsageError: a bot, or someone not in the org directory (with `usage`).
    """
    who = await resolve(ctx.services, ctx.directory, token.platform_user_id)
    shown = _label(token)
    if who.is_bot:
        raise UsageError(f"{shown} is a bot — feedback is for people.", usage=usage)
    if who.person is None or who.person.id is None or not who.person.active:
        raise UsageError(
            f"I don't know {shown} yet: they're not in Candor's org directory. "
            "Ask your HR team to add them.",
            usage=usage,
        )
    return who.person


async def help_command(command: Command, ctx: RequestContext) -> list[Outgoing]:
    """/feedback and /feedback help: usage."""
    return [Outgoing(ToRequester(), render.help_message(), "help")]


async def request_command(command: Command, ctx: RequestContext) -> list[Outgoing]:
    """/feedback request @a @b about <topic>: one request per person, each sent a form."""
    if command.first_word in ("help", "?"):
        return [Outgoing(ToRequester(), render.help_message(), "help")]
    mentions, topic = split_request(command.args)
    if not mentions:
        raise _usage("Start with the people you'd like feedback from, like `@li @sam`.")
    if len(mentions) > MAX_RESPONDERS:
        raise _usage(f"Ask at most {MAX_RESPONDERS} people at a time (you named {len(mentions)}).")
    if not topic:
        raise _usage("Say what you'd like feedback about, like `about the billing migration`.")
    if len(topic) > MAX_TOPIC:
        raise _usage(f"Keep the topic under {MAX_TOPIC} characters (yours has {len(topic)}).")
    actor = ctx.actor
    manager = manager_of(ctx.services, actor)
    if manager is None:
        raise UsageError(
            "You have no manager in Candor's org directory, so nobody would read the answers. "
            "Ask your HR team to add your manager."
        )
    responders: list[Person] = []
    for token in mentions:
        who = await mentioned_person(ctx, token, render.usage(render.REQUEST_USAGE))
        if who.id == actor.id:
            raise _usage("You can't ask yourself — `/review self` is for your self-assessment.")
        if who.id == manager.id:
            raise _usage(
                f"{who.name} is your manager and reads the answers already — ask the people "
                "you work with."
            )
        responders.append(who)
    assert actor.id is not None
    now = ctx.services.clock()
    requests = ctx.services.store.feedback.create_requests(
        command.request_key,
        requester_id=actor.id,
        responder_ids=[p.id for p in responders if p.id is not None],
        topic=topic,
        at=now,
    )
    if requests is None:
        return []  # a retried command: the requests went out already
    by_id = {p.id: p for p in responders}
    out = [
        Outgoing(
            ToPerson(r.responder_id),
            render.request_dm(
                r, actor, manager, upward=by_id[r.responder_id].manager_id == actor.id
            ),
            "feedback.request",
        )
        for r in requests
    ]
    confirm = render.requested_confirmation(responders, topic, manager)
    out.append(Outgoing(ToRequester(), confirm, "feedback.requested"))
    return out


async def pending_command(command: Command, ctx: RequestContext) -> list[Outgoing]:
    """/feedback pending: the requests waiting for the person's answer."""
    assert ctx.actor.id is not None
    requests = ctx.services.store.feedback.pending_for(ctx.actor.id)
    people = ctx.services.store.people.many(r.requester_id for r in requests)
    tz = person_tz(ctx.services, ctx.actor)
    return [
        Outgoing(ToRequester(), render.pending_message(requests, people, tz), "feedback.pending")
    ]


async def give_command(command: Command, ctx: RequestContext) -> list[Outgoing]:
    """/feedback give @x [text]: the form for feedback nobody asked for."""
    mentions = [a for a in command.args if isinstance(a, MentionRef)]
    line, example = render.GIVE_USAGE, render.GIVE_EXAMPLE
    if command.first_word in ("help", "?") or not mentions:
        raise _usage("Mention who the feedback is about, like `@sam`.", line, example)
    if len(mentions) > 1:
        raise _usage("Give feedback about one person at a time.", line, example)
    subject = await mentioned_person(ctx, mentions[0], render.usage(line, example))
    if subject.id == ctx.actor.id:
        raise _usage("For feedback about yourself, use `/review self`.", line, example)
    if subject.manager_id == ctx.actor.id:
        raise _usage(
            f"You're {subject.name}'s manager: keep a private note with "
            f"`/review note @{mentions[0].label or 'them'} <text>`, or tell them directly.",
            line,
            example,
        )
    initial = " ".join(a for a in command.args if isinstance(a, str))
    form = render.give_form(subject, manager_of(ctx.services, subject), initial[: render.MAX_TEXT])
    return [Outgoing(ToRequester(), form, "feedback.give_form")]


def _request_for(ctx: RequestContext, raw: str) -> FeedbackRequest:
    request = ctx.services.store.feedback.request(int(raw)) if raw.isdigit() else None
    if request is None:
        raise NotFound("That feedback request no longer exists.")
    if request.responder_id != ctx.actor.id:
        raise PermissionDenied("That feedback request was sent to someone else.")
    return request


def _still_open(request: FeedbackRequest) -> None:
    if request.status != PENDING:
        said = "answered" if request.status == "answered" else "declined"
        raise UsageError(f"You already {said} this request — thank you.")


def _sides(ctx: RequestContext, request: FeedbackRequest) -> tuple[Person, Person]:
    """The requester and their manager (who reads the answers)."""
    requester = ctx.services.store.people.get(request.requester_id)
    manager = manager_of(ctx.services, requester) if requester else None
    if requester is None or not requester.active or manager is None:
        raise UsageError("This request can't be answered any more: nobody would read the answer.")
    return requester, manager


async def open_answer(interaction: Interaction, ctx: RequestContext) -> list[Outgoing]:
    """The "Give feedback" button of a request: the answer form."""
    request = _request_for(ctx, interaction.value)
    _still_open(request)
    requester, manager = _sides(ctx, request)
    form = render.answer_form(
        request, requester, manager, upward=ctx.actor.manager_id == requester.id
    )
    return [Outgoing(ToRequester(), form, "feedback.answer_form")]


async def decline(interaction: Interaction, ctx: RequestContext) -> list[Outgoing]:
    """The "Decline" button of a request."""
    request = _request_for(ctx, interaction.value)
    assert ctx.actor.id is not None and request.id is not None
    if ctx.services.store.feedback.decline(request.id, ctx.actor.id, ctx.services.clock()) is None:
        _still_open(ctx.services.store.feedback.request(request.id) or request)
        return []
    note = "Declined — no answer will be sent. Thanks for letting them know."
    return [Outgoing(ToRequester(), render.sent_confirmation(note, ()), "feedback.declined")]


def _checked_text(inputs: dict[str, str]) -> str:
    written = (inputs.get("text") or "").strip()
    if not written:
        raise InvalidInput({"text": "Write your feedback: what they did, and its effect."})
    if len(written) > render.MAX_TEXT:
        raise InvalidInput({"text": f"Keep it under {render.MAX_TEXT} characters."})
    return written


async def submit_answer(interaction: Interaction, ctx: RequestContext) -> list[Outgoing]:
    """The answer form was submitted: store it once; the requester's manager reads it."""
    feedback_repo = ctx.services.store.feedback
    if feedback_repo.was_processed(interaction.request_key):
        return []  # a double submit: stored and answered already
    request = _request_for(ctx, interaction.value)
    written = _checked_text(interaction.inputs)
    if request.status != PENDING:
        raise InvalidInput({"text": f"You already {request.status} this request — thank you."})
    requester, manager = _sides(ctx, request)
    hints = coach(written)
    assert request.id is not None
    stored = feedback_repo.answer(
        interaction.request_key, request.id, ctx.actor, written, ctx.services.clock()
    )
    if stored is None:
        return []  # its twin got there first
    log.info("feedback %s answered request %s", stored.id, request.id)
    assert manager.id is not None and requester.id is not None
    batch = feedback_repo.batch_of(request)
    lead = (
        f":white_check_mark: Thank you — your feedback went to {manager.name}, "
        f"{requester.name}'s manager."
    )
    return [
        Outgoing(ToRequester(), render.sent_confirmation(lead, hints), "feedback.answered"),
        Outgoing(
            ToPerson(manager.id),
            render.manager_answer_dm(stored, ctx.actor, requester),
            "feedback.manager",
        ),
        Outgoing(ToPerson(requester.id), render.progress_dm(batch, manager), "feedback.progress"),
    ]


async def submit_give(interaction: Interaction, ctx: RequestContext) -> list[Outgoing]:
    """The give form was submitted: store it once; the manager (and, if shared, the subject)
    reads it."""
    raw = interaction.value
    subject = ctx.services.store.people.get(int(raw)) if raw.isdigit() else None
    if subject is None or subject.id is None or not subject.active:
        raise NotFound("That person is no longer in Candor's org directory.")
    written = _checked_text(interaction.inputs)
    shared = (interaction.inputs.get("share") or render.PRIVATE) == render.SHARE
    manager = manager_of(ctx.services, subject)
    if manager is None and not shared:
        raise InvalidInput(
            {"share": f"{subject.name} has no manager in Candor: share it, or nobody reads it."}
        )
    if subject.id == ctx.actor.id or (manager is not None and manager.id == ctx.actor.id):
        raise PermissionDenied("Use `/review self` or `/review note` for this.")
    hints = coach(written)
    assert ctx.actor.id is not None
    stored = ctx.services.store.feedback.add_once(
        interaction.request_key,
        author_id=ctx.actor.id,
        subject_id=subject.id,
        kind=feedback_kind(ctx.actor, subject.id),
        text=written,
        shareable=shared,
        at=ctx.services.clock(),
    )
    if stored is None:
        return []  # a double submit: stored and sent already
    log.info("feedback %s given (shareable=%s)", stored.id, shared)
    readers = [n for n in (manager.name if manager else "", subject.name if shared else "") if n]
    lead = f":white_check_mark: Thank you — your feedback went to {' and '.join(readers)}."
    out = [Outgoing(ToRequester(), render.sent_confirmation(lead, hints), "feedback.given")]
    if manager is not None and manager.id is not None:
        message = render.manager_given_dm(stored, ctx.actor, subject)
        out.append(Outgoing(ToPerson(manager.id), message, "feedback.manager"))
    if shared:
        message = render.subject_shared_dm(stored, ctx.actor, manager)
        out.append(Outgoing(ToPerson(subject.id), message, "feedback.shared"))
    return out


def register(router: Router) -> None:
    """Add /feedback, its sub-commands, its buttons and its forms (everyone)."""
    commands = (
        ("feedback", "Ask for, give and answer feedback", render.USAGE, help_command),
        ("feedback help", "How to use /feedback", "/feedback help", help_command),
        (
            "feedback request",
            "Ask people for feedback; your manager reads the answers",
            render.REQUEST_USAGE,
            request_command,
        ),
        (
            "feedback give",
            "Give feedback nobody asked for (private to their manager unless shared)",
            render.GIVE_USAGE,
            give_command,
        ),
        ("feedback pending", "Requests waiting for you", render.PENDING_USAGE, pending_command),
    )
    examples = {"feedback request": render.REQUEST_EXAMPLE, "feedback give": render.GIVE_EXAMPLE}
    for name, summary, usage, handler in commands:
        example = examples.get(name, f"/{name}")
        router.command(name, summary=summary, usage=usage, examples=(example,))(handler)
    router.action(render.OPEN_ACTION)(open_answer)
    router.action(render.DECLINE_ACTION)(decline)
    router.action(render.ANSWER_SUBMIT)(submit_answer)
    router.action(render.GIVE_SUBMIT)(submit_give)
