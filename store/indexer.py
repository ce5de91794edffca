"""Feeding the vector index from SQL: drain the outbox in batches, or rebuild everything."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime

from store.kudos import KudosRecord, doc_id
from store.outbox import DELETE
from store.repository import Store
from store.vector.index import IndexDoc, VectorIndex

log = logging.getLogger(__name__)


def kudos_document(record: KudosRecord) -> IndexDoc:
    """The index document for a kudos: its text plus ids to filter on (never names)."""
    return IndexDoc(
        id=doc_id(record.id),
        text=record.text,
        metadata={
            "kind": "kudos",
            "record_id": record.id,
            "giver_id": record.giver_id,
            # Chroma metadata holds scalars only: delimited lists keep `contains` filters exact.
            "recipient_ids": "," + ",".join(str(i) for i in record.recipient_ids) + ",",
            "values": "," + ",".join(record.company_values) + ",",
            "created_at": int(record.created_at.timestamp()),
        },
    )


def drain_outbox(store: Store, index: VectorIndex, now: datetime, batch_size: int = 64) -> int:
    """Apply up to `batch_size` pending outbox entries to the index; return how many settled.

    Entries are settled only after the index accepted the batch, so a crash or an index
    outage leaves them pending and a later call applies them (upserts are idempotent).
    """
    entries = store.outbox.pending(batch_size)
    if not entries:
        return 0
    latest: dict[str, str] = {}
    for entry in entries:  # oldest first: the last op on a document wins
        latest[entry.doc_id] = entry.op
    deletes = [d for d, op in latest.items() if op == DELETE]
    kudos_ids = [
        int(d.split(":", 1)[1])
        for d, op in latest.items()
        if op != DELETE and d.startswith("kudos:")
    ]
    records = store.kudos.get_many(kudos_ids)
    found = {doc_id(r.id) for r in records}
    # A record erased after it was queued has nothing to index: make sure it is gone.
    deletes += [doc_id(i) for i in kudos_ids if doc_id(i) not in found]
    entry_ids = [e.id for e in entries if e.id is not None]
    try:
        if records:
            index.upsert([kudos_document(r) for r in records])
        if deletes:
            index.delete(deletes)
    except Exception as error:
        store.outbox.mark_failed(entry_ids, type(error).__name__)
        raise
    store.outbox.mark_done(entry_ids, now)
    return len(entry_ids)


def reindex(
    store: Store,
    index: VectorIndex,
    now: datetime,
    *,
    batch_size: int = 256,
    progress: Callable[[int], None] | None = None,
) -> int:
    """Rebuild the index from SQL: drop it, add every record, settle the outbox.

    Args:
        progress: called with the number of records added after each batch.
    """
    index.reset()
    added = 0
    last_id = 0
    while True:
        page = store.kudos.page(last_id, batch_size)
        if not page:
            break
        index.upsert([kudos_document(r) for r in page])
        added += len(page)
        last_id = page[-1].id
        if progress:
            progress(len(page))
    store.outbox.settle_all(now)
    log.info("reindexed %s records", added)
    return added
