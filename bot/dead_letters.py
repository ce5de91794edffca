"""Dead letters: scheduled sends Candor gave up on, and the alert admins get about them.

One alert per admin per round at most, covering every delivery that died since the last alert
that went out, so a long outage ends in one message, not a storm. The alert names the job, the
delivery kind, counts and keys (ids only), never the message text.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime

from handlers.messages import Context, Header, Message, Outgoing, Section, ToPerson, text
from handlers.types import Role
from store.models import Delivery
from store.repository import Store

log = logging.getLogger(__name__)

ALERT_PURPOSE = "alert.dead-letter"
# Keys listed in one alert; the rest are counted (`candor deliveries dead` lists them all).
LISTED_KEYS = 10


def alert_message(dead: Sequence[Delivery], max_attempts: int) -> Message:
    """The admin alert about deliveries Candor stopped trying."""
    groups = Counter((d.job or "unknown job", d.kind) for d in dead)
    lines = [f"• `{job}` job, `{kind}` messages: {n}" for (job, kind), n in sorted(groups.items())]
    keys = [f"`{d.key}`" for d in dead[:LISTED_KEYS]]
    more = len(dead) - len(keys)
    listed = ", ".join(keys) + (f" and {more} more" if more else "")
    summary = f"Candor gave up on {len(dead)} scheduled message(s)"
    return Message(
        summary,
        (
            Header("Scheduled messages not delivered"),
            Section(
                text(f"{summary} after {max_attempts} failed attempt(s) each:\n" + "\n".join(lines))
            ),
            Context(
                text(
                    f"Keys: {listed}. `candor deliveries dead` lists them; "
                    "`candor deliveries retry KEY` tries one again."
                )
            ),
        ),
    )


async def alert_admins(
    store: Store,
    deliver: Callable[[Sequence[Outgoing]], Awaitable[int]],
    at: datetime,
    max_attempts: int,
) -> int:
    """DM every active admin about dead deliveries not alerted yet; return how many it covered.

    When no admin could be reached the deliveries are left unalerted for the next round."""
    dead = store.deliveries.take_unalerted(at)
    if not dead:
        return 0
    admins = [p for p in store.people.all() if p.active and p.role == Role.ADMIN and p.id]
    keys = [d.key for d in dead]
    if not admins:
        log.warning("%s delivery(ies) dead-lettered; no admin to alert", len(dead))
        return 0
    message = alert_message(dead, max_attempts)
    alerts = [Outgoing(ToPerson(a.id), message, ALERT_PURPOSE) for a in admins if a.id]
    reached = await deliver(alerts)
    if reached == 0:
        store.deliveries.unmark_alerted(keys)
        log.warning("dead-letter alert for %s delivery(ies) not sent; next round", len(dead))
        return 0
    log.info("dead-letter alert for %s delivery(ies) sent to %s admin(s)", len(dead), reached)
    return len(dead)
