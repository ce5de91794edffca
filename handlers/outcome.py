"""Running a use case for a request: its messages, or the reply its error deserves.

Both chat adapters use this, so a refusal or a bug reads the same on every platform and a bug
never shows its exception text to anyone.
"""

from __future__ import annotations

import logging
import traceback
import uuid
from collections.abc import Awaitable, Callable

from handlers.errors import CandorError, error_message, internal_error_message
from handlers.messages import Message, Outgoing, Section, ToRequester, text
from store.availability import is_database_unavailable

log = logging.getLogger(__name__)

_AWAY = (
    "Candor can't reach its database right now. Nothing was saved; please try again in a minute."
)
DATABASE_AWAY = Message(summary=_AWAY, blocks=(Section(text(f":hourglass: {_AWAY}")),))


async def outcome(
    what: str, key: str, work: Callable[[], Awaitable[list[Outgoing]]]
) -> list[Outgoing]:
    """Run `work`; a `CandorError` or a bug becomes a private reply to the requester."""
    try:
        return await work()
    except CandorError as error:
        log.info("%s refused: %s (request %s)", what, type(error).__name__, key)
        return [Outgoing(ToRequester(), error_message(error), "error")]
    except Exception as error:
        if is_database_unavailable(error):
            log.warning(
                "%s: database unavailable, %s (request %s)", what, type(error).__name__, key
            )
            return [Outgoing(ToRequester(), DATABASE_AWAY, "error")]
        reference = uuid.uuid4().hex[:8]
        # Type and stack only: an exception's message may quote what the user wrote.
        log.error(
            "%s failed, reference %s: %s\n%s",
            what,
            reference,
            type(error).__name__,
            "".join(traceback.format_tb(error.__traceback__)),
        )
        return [Outgoing(ToRequester(), internal_error_message(reference), "error")]
