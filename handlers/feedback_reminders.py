"""The one reminder of a feedback request: sent while it is still unanswered three days on.

Each reminder claims `feedback-reminder:<request id>` before it goes out, so a second run, a
restart or a second replica never sends it twice; a failed send gives the claim back and the
next run tries again.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from handlers import feedback_render as render
from handlers.messages import Outgoing, ToPerson
from handlers.services import Services
from store.feedback import reminder_key
from store.models import Person

REMIND_AFTER = timedelta(days=3)


def manager_of(services: Services, who: Person) -> Person | None:
    """A person's active manager: who reads the feedback about them."""
    manager = services.store.people.get(who.manager_id) if who.manager_id else None
    return manager if manager is not None and manager.active else None


async def feedback_reminder_round(services: Services, now: datetime) -> list[Outgoing]:
    """One reminder per request still pending `REMIND_AFTER` (3 days) after it was made,
    claimed under `feedback-reminder:<request id>` so no run sends it twice."""
    repo = services.store.feedback
    due = repo.to_remind(now - REMIND_AFTER)
    people = services.store.people.many(
        {r.requester_id for r in due} | {r.responder_id for r in due}
    )
    out: list[Outgoing] = []
    for request in due:
        requester, responder = people.get(request.requester_id), people.get(request.responder_id)
        manager = manager_of(services, requester) if requester else None
        if requester is None or responder is None or manager is None or request.id is None:
            continue
        if not (requester.active and responder.active):
            continue
        key = reminder_key(request.id)
        if not services.store.deliveries.claim(key, "feedback.reminder", now):
            continue
        repo.mark_reminded(request.id, now)
        upward = responder.manager_id == requester.id
        message = render.request_dm(request, requester, manager, upward=upward, reminder=True)
        out.append(Outgoing(ToPerson(request.responder_id), message, "feedback.reminder", key))
    return out
