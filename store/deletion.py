"""Deleting kudos with everything that hangs off them, inside the caller's transaction."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import datetime

from sqlalchemy import delete
from sqlmodel import Session, col

from store import outbox
from store.kudos import doc_id
from store.models import Kudos, KudosRecipient

CHUNK = 500  # ids per IN (...) list, well under every database's parameter limit


def chunks(ids: Iterable[int]) -> Iterator[list[int]]:
    """Split ids into lists of at most `CHUNK`."""
    items = list(ids)
    for start in range(0, len(items), CHUNK):
        yield items[start : start + CHUNK]


def delete_kudos(session: Session, kudos_ids: list[int], at: datetime) -> None:
    """Delete kudos and their recipients, and queue their removal from the vector index."""
    for chunk in chunks(kudos_ids):
        session.execute(delete(KudosRecipient).where(col(KudosRecipient.kudos_id).in_(chunk)))
        session.execute(delete(Kudos).where(col(Kudos.id).in_(chunk)))
    for kudos_id in kudos_ids:
        outbox.enqueue(session, doc_id(kudos_id), outbox.DELETE, at)
