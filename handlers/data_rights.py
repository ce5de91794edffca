"""Data rights from chat: `/candor mydata` (built in `data_export`) and `/candor erase`.

An employee's `/candor erase` opens a request and sends every HR person a DM with Approve and
Reject. HR's `/candor erase @person` opens one too, behind a private Confirm/Cancel card, so a
typo never erases anyone. The decisions are in `erasure_review`.
"""

from __future__ import annotations

import asyncio
import logging

from handlers.data_export import mydata_command
from handlers.erasure_review import (
    APPROVE,
    CANCEL,
    EFFECTS,
    REJECT,
    approve,
    cancel,
    erasure_fields,
    reject,
    reply,
)
from handlers.errors import PermissionDenied, UsageError
from handlers.identity import resolve
from handlers.messages import (
    Actions,
    Button,
    Context,
    Header,
    Mention,
    Message,
    Outgoing,
    Section,
    ToPerson,
    ToRequester,
    text,
)
from handlers.router import HR_ONLY, Router
from handlers.services import RequestContext
from handlers.types import Command, MentionRef, Role
from store.erasure import preview_erasure
from store.models import Person

log = logging.getLogger(__name__)

ERASE_USAGE = "/candor erase [@person]"


def _approvers(people: list[Person], subject_id: int) -> list[Person]:
    """Active HR people other than the subject; admins where there is no HR."""
    for role in (Role.HR, Role.ADMIN):
        found = [p for p in people if p.active and p.role == role and p.id != subject_id]
        if found:
            return found
    return []


async def erase_command(command: Command, ctx: RequestContext) -> list[Outgoing]:
    """`/candor erase` for yourself; `/candor erase @person` for HR."""
    if command.first_word in ("help", "?"):
        return reply("How erasure works", f"*Erase your data*\n`{ERASE_USAGE}`\n{EFFECTS}")
    mentions = [a for a in command.args if isinstance(a, MentionRef)]
    if len(mentions) > 1 or command.words:
        raise UsageError("Name one person, or nobody to erase your own data.", usage=ERASE_USAGE)
    if not mentions:
        return await _own_request(ctx)
    who = await resolve(ctx.services, ctx.directory, mentions[0].platform_user_id)
    if who.person is None or who.person.id is None:
        raise UsageError("I don't know that person in Candor.", usage=f"Usage: `{ERASE_USAGE}`")
    if who.person.id == ctx.actor.id:
        return await _own_request(ctx)
    if Role(ctx.actor.role) not in HR_ONLY:
        raise PermissionDenied(
            "Only HR and admins can erase someone else's data. "
            "To ask for your own to be erased, use `/candor erase`."
        )
    return await _confirmation_card(ctx, who.person)


async def _own_request(ctx: RequestContext) -> list[Outgoing]:
    store, subject = ctx.services.store, ctx.actor
    assert subject.id is not None
    approvers = _approvers(store.people.all(), subject.id)
    if not approvers:
        raise UsageError("Nobody in HR is set up in Candor to approve an erasure yet. Ask HR.")
    request, created = store.privacy.open_erasure(subject.id, subject.id, ctx.services.clock())
    if not created:
        return reply(
            "Erasure already requested",
            f"You asked on {request.created_at:%d %b %Y} (request #{request.id}); HR hasn't "
            "decided yet. You'll hear from me in a DM.",
        )
    log.info("erasure request %s opened by person %s", request.id, subject.id)
    preview = await asyncio.to_thread(preview_erasure, store, subject.id)
    review = Message(
        summary="An erasure request needs a decision",
        blocks=(
            Header("Erasure request"),
            Section(
                text(
                    Mention(subject.id, subject.name),
                    f" asked for their data to be erased (request #{request.id}).",
                ),
                fields=erasure_fields(preview),
            ),
            Context(text(EFFECTS)),
            Actions(
                (
                    Button("Approve and erase", APPROVE, str(request.id), "danger"),
                    Button("Reject", REJECT, str(request.id)),
                )
            ),
        ),
    )
    note = (
        f"I've asked HR to erase your data (request #{request.id}); you'll hear back in a DM. "
        "Meanwhile `/candor mydata` sends you a copy of everything Candor holds about you."
    )
    return [
        *(Outgoing(ToPerson(p.id), review, "privacy.erase.review") for p in approvers if p.id),
        *reply("Erasure requested", note),
    ]


async def _confirmation_card(ctx: RequestContext, subject: Person) -> list[Outgoing]:
    store = ctx.services.store
    assert subject.id is not None
    request, _ = store.privacy.open_erasure(subject.id, ctx.actor.id, ctx.services.clock())
    preview = await asyncio.to_thread(preview_erasure, store, subject.id)
    card = Message(
        summary=f"Erase {subject.name}'s data?",
        blocks=(
            Header(f"Erase {subject.name}'s data?"[:150]),
            Section(
                text(f"{subject.name} ({subject.email}), request #{request.id}."),
                fields=erasure_fields(preview),
            ),
            Context(text(EFFECTS)),
            Actions(
                (
                    Button("Confirm erasure", APPROVE, str(request.id), "danger"),
                    Button("Cancel", CANCEL, str(request.id)),
                )
            ),
        ),
    )
    return [Outgoing(ToRequester(), card, "privacy.erase.confirm")]


def register(router: Router) -> None:
    """Add /candor mydata, /candor erase and HR's Approve / Reject / Cancel buttons."""
    router.command(
        "candor mydata",
        summary="A copy of everything Candor holds about you, as files in a DM",
        usage="/candor mydata",
        examples=("/candor mydata",),
    )(mydata_command)
    router.command(
        "candor erase",
        summary="Ask for your data to be erased (HR approves); HR: erase someone's data",
        usage=ERASE_USAGE,
        examples=("/candor erase",),
    )(erase_command)
    router.action(APPROVE, roles=HR_ONLY)(approve)
    router.action(REJECT, roles=HR_ONLY)(reject)
    router.action(CANCEL, roles=HR_ONLY)(cancel)
