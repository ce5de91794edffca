"""/kudos: public recognition, checked, stored once, posted and sent to recipients and managers."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta

from handlers.errors import RateLimited, UsageError
from handlers.identity import resolve
from handlers.kudos_coach import (
    EDIT_ACTION,
    POST_ACTION,
    HeldKudos,
    already_posted,
    confirm_prompt,
    edit_message,
    posted_message,
    tip_message,
)
from handlers.messages import (
    Block,
    Citation,
    Context,
    Mention,
    Message,
    Outgoing,
    Quote,
    Section,
    Text,
    ToChannel,
    ToPerson,
    ToRequester,
    text,
)
from handlers.router import Router
from handlers.services import RequestContext
from handlers.types import Command, Interaction, MentionRef
from insights.coach import CoachHint, coach
from store.kudos import KudosRecord
from store.models import Person

USAGE = "/kudos @person [@person …] for <what they did> [#value]"
EXAMPLE = "/kudos @ana @li for shipping the billing migration a week early #ownership"
_TAG = re.compile(r"^#([\w-]+)[.,!?;:]*$")
_LEADING_JOINERS = {"for", "thanks", "thank", "to", "and", "&", ",", ":", "-", "—"}


@dataclass(frozen=True)
class KudosDraft:
    """A /kudos command split into its parts, before anyone is looked up."""

    mentions: tuple[MentionRef, ...]
    reason: str
    tags: tuple[str, ...]


def parse(command: Command) -> KudosDraft:
    """Split the command into mentions, #tags and the reason (the words in between)."""
    mentions: list[MentionRef] = []
    tags: list[str] = []
    words: list[str] = []
    for token in command.args:
        if isinstance(token, MentionRef):
            mentions.append(token)
            # Every mention is a recipient; inside the sentence it also reads as a name.
            if words:
                words.append(f"@{token.label}" if token.label else "")
            continue
        match = _TAG.match(token)
        if match:
            tags.append(match.group(1).lower())
        else:
            words.append(token)
    reason = " ".join(w for w in words if w).strip()
    return KudosDraft(tuple(dict.fromkeys(mentions)), reason, tuple(dict.fromkeys(tags)))


def _usage_error(message: str) -> UsageError:
    return UsageError(message, usage=f"Usage: `{USAGE}`\nExample: `{EXAMPLE}`")


def _has_substance(reason: str) -> bool:
    words = [w for w in re.findall(r"[\w']+", reason.lower()) if w not in _LEADING_JOINERS]
    return bool(words)


def help_message() -> Message:
    """What /kudos does and how to use it."""
    return Message(
        summary="How to give kudos",
        blocks=(
            Section(text("*Give kudos* — thank someone in public, for something specific.")),
            Section(text(f"`{USAGE}`\nExample: `{EXAMPLE}`")),
            Context(
                text(
                    "Recipients get a DM and their manager hears about it too. "
                    "Tag a company value with #value."
                )
            ),
        ),
    )


async def give_kudos(command: Command, ctx: RequestContext) -> list[Outgoing]:
    """Check a /kudos command, store it once, and return the post and the DMs to send.

    With the writing coach on, vague or biased wording gets one private suggestion: with the
    post ("hint"), or before it, with *Post anyway* and *Edit* buttons ("confirm").
    """
    draft = parse(command)
    if (command.first_word in ("help", "?") or not command.args) and not draft.mentions:
        return [Outgoing(ToRequester(), help_message(), purpose="help")]
    recipients = await _check(draft, ctx)
    mode = ctx.services.config.coach_mode
    hints = coach(draft.reason) if mode in ("hint", "confirm") else []
    if hints and mode == "confirm":
        held = HeldKudos(draft.mentions, draft.reason, draft.tags, command.request_key)
        value = held.encode()
        if value is not None:
            prompt = confirm_prompt(held, value, hints)
            return [Outgoing(ToRequester(), prompt, "kudos.coach.confirm")]
    out = _give(draft, recipients, command.request_key, command.platform, command.channel_id, ctx)
    return _with_tip(out, hints)


async def post_anyway(interaction: Interaction, ctx: RequestContext) -> list[Outgoing]:
    """*Post anyway* on a held kudos: every check again, then post it once."""
    held = HeldKudos.decode(interaction.value)
    draft = KudosDraft(held.mentions, held.reason, held.tags)
    recipients = await _check(draft, ctx)
    key = f"{held.request_key}:coach"
    out = _give(draft, recipients, key, interaction.platform, interaction.channel_id, ctx)
    if not out:
        return [Outgoing(ToRequester(), already_posted(), "kudos.coach.duplicate")]
    if not any(o.purpose == "kudos.confirm" for o in out):
        names = ", ".join(p.name for p in recipients)
        out.append(Outgoing(ToRequester(), posted_message(names), "kudos.confirm"))
    return out


async def edit_held(interaction: Interaction, ctx: RequestContext) -> list[Outgoing]:
    """*Edit* on a held kudos: nothing is posted; the giver gets their words to rework."""
    held = HeldKudos.decode(interaction.value)
    return [Outgoing(ToRequester(), edit_message(held), "kudos.coach.edit")]


def _with_tip(out: list[Outgoing], hints: list[CoachHint]) -> list[Outgoing]:
    """The giver's one private suggestion, merged into their confirmation when there is one."""
    if not out or not hints:
        return out
    confirm = next((o for o in out if o.purpose == "kudos.confirm"), None)
    previous = confirm.message if confirm and isinstance(confirm.message, Message) else None
    tip = Outgoing(ToRequester(), tip_message(hints, previous), "kudos.coach")
    return [o for o in out if o is not confirm] + [tip]


async def _check(draft: KudosDraft, ctx: RequestContext) -> list[Person]:
    """The recipients of a valid kudos.

    Raises:
        UsageError: no recipient, no reason, too long, an unknown value, a bot, someone not
            in the directory, or the giver themselves.
        RateLimited: the giver reached the daily limit.
    """
    services, config = ctx.services, ctx.services.config
    if not draft.mentions:
        raise _usage_error("Mention at least one person to thank, like `@ana`.")
    if not _has_substance(draft.reason):
        raise _usage_error("Say what they did — a specific reason makes kudos count.")
    if len(draft.reason) > config.kudos_max_chars:
        raise _usage_error(
            f"Please keep kudos under {config.kudos_max_chars} characters "
            f"(yours has {len(draft.reason)})."
        )
    unknown_tags = [t for t in draft.tags if t not in config.values]
    if unknown_tags:
        allowed = ", ".join(f"#{v}" for v in config.values)
        raise _usage_error(
            f"#{unknown_tags[0]} isn't one of the company values. Use one of: {allowed}."
        )

    recipients: list[Person] = []
    for mention in draft.mentions:
        who = await resolve(services, ctx.directory, mention.platform_user_id)
        shown = f"@{mention.label}" if mention.label else "that person"
        if who.is_bot:
            raise _usage_error(f"Kudos are for people — {shown} is a bot.")
        if who.person is None:
            raise _usage_error(
                f"I don't know {shown} yet: they're not in Candor's org directory. "
                "Ask your HR team to add them."
            )
        if who.person.id == ctx.actor.id:
            raise _usage_error("You can't give kudos to yourself — thank a teammate instead.")
        recipients.append(who.person)

    assert ctx.actor.id is not None
    since = services.clock() - timedelta(days=1)
    given_today = services.store.kudos.count_given_since(ctx.actor.id, since)
    if given_today >= config.kudos_daily_limit:
        raise RateLimited(
            f"You've given {given_today} kudos in the last 24 hours, the daily limit. "
            "Thank you for being generous — try again tomorrow."
        )
    return recipients


def _give(
    draft: KudosDraft,
    recipients: list[Person],
    request_key: str,
    platform: str,
    channel_id: str | None,
    ctx: RequestContext,
) -> list[Outgoing]:
    """Store the kudos once (by `request_key`) and return the post and the DMs; nothing for a
    repeat."""
    services = ctx.services
    assert ctx.actor.id is not None
    record = services.store.kudos.create(
        giver_id=ctx.actor.id,
        recipient_ids=[p.id for p in recipients if p.id is not None],
        text=draft.reason,
        company_values=draft.tags,
        platform=platform,
        channel_id=channel_id,
        request_key=request_key,
        at=services.clock(),
    )
    if record is None:
        return []  # a retry or double submit: already stored and announced
    services.notify_indexer()
    return _announcements(record, ctx.actor, recipients, channel_id, ctx)


def _names(people: list[Person]) -> Text:
    spans: list[str | Mention] = []
    for i, person in enumerate(people):
        if i:
            spans.append(" and " if i == len(people) - 1 else ", ")
        assert person.id is not None
        spans.append(Mention(person.id, person.name))
    return tuple(spans)


def _announcements(
    record: KudosRecord,
    giver: Person,
    recipients: list[Person],
    origin: str | None,
    ctx: RequestContext,
) -> list[Outgoing]:
    assert giver.id is not None
    giver_span = Mention(giver.id, giver.name)
    values = " ".join(f"#{v}" for v in record.company_values)
    cite = (Citation("kudos", record.id, f"kudos #{record.id}"),)
    quote = Quote(text(record.text), cite)
    small = Context(text(f"Values: {values}")) if values else None

    def build(summary: str, lead: Text) -> Message:
        blocks: list[Block] = [Section(lead), quote]
        if small:
            blocks.append(small)
        return Message(summary=summary, blocks=tuple(blocks))

    names_plain = ", ".join(p.name for p in recipients)
    out: list[Outgoing] = []
    channel = ctx.services.config.kudos_channel or origin
    if channel:
        lead = text(":tada: ", giver_span, " gave kudos to ", *_names(recipients))
        out.append(
            Outgoing(ToChannel(channel), build(f"Kudos to {names_plain}", lead), "kudos.post")
        )
    for person in recipients:
        assert person.id is not None
        lead = text(":sparkles: ", giver_span, " gave you kudos")
        out.append(
            Outgoing(ToPerson(person.id), build("You received kudos", lead), "kudos.recipient")
        )
    told: set[int] = {giver.id, *(p.id for p in recipients if p.id is not None)}
    people = ctx.services.store.people.many(
        [p.manager_id for p in recipients if p.manager_id is not None]
    )
    for person in recipients:
        manager = people.get(person.manager_id) if person.manager_id is not None else None
        if manager is None or manager.id is None or manager.id in told:
            continue
        told.add(manager.id)
        reports = [p for p in recipients if p.manager_id == manager.id]
        lead = text(":raised_hands: Your report", "s " if len(reports) > 1 else " ")
        lead += _names(reports) + text(" got kudos from ", giver_span)
        summary = f"Your team got kudos from {giver.name}"
        out.append(Outgoing(ToPerson(manager.id), build(summary, lead), "kudos.manager"))
    if channel and channel != origin:
        note = f"Sent! Your kudos to {names_plain} is posted in the kudos channel."
        confirm = Message(summary="Kudos sent", blocks=(Section(text(note)),))
        out.append(Outgoing(ToRequester(), confirm, "kudos.confirm"))
    return out


def register(router: Router) -> None:
    """Add /kudos and the writing coach's *Post anyway* / *Edit* buttons (everyone)."""
    router.command(
        "kudos",
        summary="Thank someone in public for something specific",
        usage=USAGE,
        examples=(EXAMPLE,),
    )(give_kudos)
    router.action(POST_ACTION)(post_anyway)
    router.action(EDIT_ACTION)(edit_held)
