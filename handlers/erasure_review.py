"""HR's decision on an erasure request: Approve (or Confirm), Reject, Cancel.

Approving tells the person by DM while Candor can still reach them, then erases them in one
transaction (`store.erasure`) and wakes the indexer, which removes their documents from the
vector index. The request moves pending → approved → done with conditional updates, so a
second press (or a second HR person) erases nothing.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta

from handlers.errors import NotFound
from handlers.messages import Context, Message, Outgoing, Section, Text, ToPerson, ToRequester, text
from handlers.services import RequestContext
from handlers.types import Interaction
from store.erasure import ErasureReport, erase_person
from store.models import PrivacyRequest
from store.privacy_requests import APPROVED, DONE, ERASE, PENDING, REJECTED

log = logging.getLogger(__name__)

APPROVE, REJECT, CANCEL = "privacy.approve", "privacy.reject", "privacy.cancel"
# An approved request not done after this long was interrupted (a crash): Approve resumes it.
STUCK_AFTER = timedelta(minutes=5)
EFFECTS = (
    "Erasing removes every kudos they gave, and every kudos they received from the database "
    "and the search index (kudos shared with others stay, without them), strips their records "
    "from AI outputs, anonymizes their audit events and scrubs their directory entry. "
    "Only anonymous counts are kept. It can't be undone."
)


def reply(summary: str, body: str) -> list[Outgoing]:
    """A private one-paragraph reply to whoever pressed the button or ran the command."""
    return [Outgoing(ToRequester(), Message(summary, (Section(text(body)),)), "privacy.reply")]


def erasure_fields(report: ErasureReport) -> tuple[tuple[str, Text], ...]:
    """What an erasure removes (or removed), as message fields."""
    received = report.kudos_received_deleted + report.kudos_received_kept
    return (
        ("Kudos they gave", text(f"{report.kudos_given} (deleted)")),
        (
            "Kudos they received",
            text(f"{received} ({report.kudos_received_kept} kept for others, without them)"),
        ),
        ("AI outputs", text(f"{report.ai_outputs_updated} to update")),
        ("Audit events", text(f"{report.audit_events_anonymized} to anonymize")),
    )


def _request(ctx: RequestContext, interaction: Interaction) -> PrivacyRequest:
    try:
        request = ctx.services.store.privacy.get(int(interaction.value))
    except ValueError:
        request = None
    if request is None or request.kind != ERASE:
        raise NotFound("That erasure request doesn't exist any more.")
    return request


def _already(ctx: RequestContext, request: PrivacyRequest) -> list[Outgoing]:
    decider = ctx.services.store.people.get(request.decided_by) if request.decided_by else None
    by = f" by {decider.name}" if decider else ""
    when = f" on {request.decided_at:%d %b %Y}" if request.decided_at else ""
    word = {DONE: "carried out", REJECTED: "rejected", APPROVED: "approved"}.get(request.status)
    if request.status == APPROVED:
        return reply("Erasure in progress", f"Request #{request.id} is being carried out now.")
    return reply("Already decided", f"Request #{request.id} was already {word}{by}{when}.")


async def _tell_subject(ctx: RequestContext, request: PrivacyRequest) -> bool:
    """DM the person before their platform ids go; False when they can't be reached."""
    services = ctx.services
    subject = services.store.people.get(request.subject_id)
    reachable = subject is not None and (subject.slack_user_id or subject.teams_user_id)
    if not reachable or services.deliver_now is None or request.subject_id == ctx.actor.id:
        return False
    asked = "as you asked" if request.requested_by == request.subject_id else "at HR's request"
    note = (
        f"Everything Candor holds about you is being erased now, {asked} (request "
        f"#{request.id}): the kudos you gave and received, your directory entry and your "
        "chat links. This is the last message Candor will send you."
    )
    message = Message("Your data in Candor is being erased", (Section(text(note)),))
    outgoing = Outgoing(ToPerson(request.subject_id), message, "privacy.erase.notice")
    try:
        return await services.deliver_now([outgoing]) > 0
    except Exception as error:  # a failed notice must not hold up the erasure itself
        log.warning("erasure notice for request %s failed: %s", request.id, type(error).__name__)
        return False


async def approve(interaction: Interaction, ctx: RequestContext) -> list[Outgoing]:
    """HR approved (or confirmed) an erasure: tell the person, erase, update the index."""
    services, store = ctx.services, ctx.services.store
    request = _request(ctx, interaction)
    now = services.clock()
    told = False
    if request.status == PENDING and store.privacy.decide(
        request.id or 0, to=APPROVED, by=ctx.actor.id, at=now
    ):
        told = await _tell_subject(ctx, request)
    else:
        request = _request(ctx, interaction)
        stuck = request.decided_at is None or now - request.decided_at > STUCK_AFTER
        if request.status != APPROVED or not stuck:
            return _already(ctx, request)
    subject = store.people.get(request.subject_id)
    name = subject.name if subject else f"person {request.subject_id}"
    report = await asyncio.to_thread(
        erase_person, store, request.subject_id, now, actor_id=ctx.actor.id, request_id=request.id
    )
    if report is None:
        return _already(ctx, _request(ctx, interaction))
    services.notify_indexer()
    log.info("erasure request %s carried out by person %s", request.id, ctx.actor.id)
    told_line = (
        "I told them by DM before erasing."
        if told
        else "I couldn't tell them by DM (no chat account linked): please let them know."
    )
    if request.subject_id == ctx.actor.id:
        told_line = ""
    done = Message(
        summary="Erasure done",
        blocks=(
            Section(text(f"*Erased {name}'s data* (request #{request.id}). {told_line}")),
            Section(text("What was removed:"), fields=erasure_fields(report)),
            Context(
                text(
                    "The search index is updated in the background. The audit log keeps one "
                    "`privacy.erased` event with these counts and nothing else about them."
                )
            ),
        ),
    )
    return [Outgoing(ToRequester(), done, "privacy.erase.done")]


async def reject(interaction: Interaction, ctx: RequestContext) -> list[Outgoing]:
    """HR rejected a person's request: nothing is erased and the person hears about it."""
    store = ctx.services.store
    request = _request(ctx, interaction)
    at = ctx.services.clock()
    if request.status != PENDING or not store.privacy.decide(
        request.id or 0, to=REJECTED, by=ctx.actor.id, at=at
    ):
        return _already(ctx, _request(ctx, interaction))
    out = reply("Request rejected", f"Rejected request #{request.id}. Nothing was erased.")
    if request.requested_by == request.subject_id and request.subject_id != ctx.actor.id:
        note = (
            f"HR ({ctx.actor.name}) declined your request to erase your data in Candor "
            f"(request #{request.id}). Ask them if you'd like to know why."
        )
        message = Message("Your erasure request was declined", (Section(text(note)),))
        out.append(Outgoing(ToPerson(request.subject_id), message, "privacy.erase.rejected"))
    return out


async def cancel(interaction: Interaction, ctx: RequestContext) -> list[Outgoing]:
    """HR pressed Cancel on their own confirmation card: nothing is erased."""
    request = _request(ctx, interaction)
    if request.status != PENDING:
        return _already(ctx, request)
    if request.requested_by != ctx.actor.id:
        # The card reused the person's own pending request: that one still awaits HR.
        return reply(
            "Cancelled",
            f"Cancelled. Nothing was erased; the person's own request #{request.id} is still "
            "waiting for a decision.",
        )
    at = ctx.services.clock()
    ctx.services.store.privacy.decide(request.id or 0, to=REJECTED, by=ctx.actor.id, at=at)
    return reply("Cancelled", "Cancelled. Nothing was erased.")
