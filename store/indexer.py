"""Feeding the vector index from SQL: drain the outbox in batches, or rebuild everything.

The documents themselves (kudos, check-ins, feedback) are built in `store.index_documents`.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime

from store.index_documents import all_documents, kudos_document, load_documents
from store.outbox import DELETE
from store.repository import Store
from store.vector.index import IndexDoc, VectorIndex

__all__ = ["drain_outbox", "kudos_document", "reindex"]

log = logging.getLogger(__name__)


def drain_outbox(
    store: Store,
    index: VectorIndex,
    now: datetime,
    batch_size: int = 64,
    on_indexed: Callable[[list[IndexDoc], list[str]], None] | None = None,
) -> int:
    """Apply up to `batch_size` pending outbox entries to the index; return how many settled.

    Entries are settled only after the index accepted the batch, so a crash or an index
    outage leaves them pending and a later call applies them (upserts are idempotent).
    An upsert is built from the record as SQL holds it now; a record that is gone, or no
    longer indexable, is deleted from the index instead. `on_indexed` is then told the
    documents stored and the ids removed (the competency linker).
    """
    entries = store.outbox.pending(batch_size)
    if not entries:
        return 0
    latest: dict[str, str] = {}
    for entry in entries:  # oldest first: the last op on a document wins
        latest[entry.doc_id] = entry.op
    deletes = [d for d, op in latest.items() if op == DELETE]
    upserts = [d for d, op in latest.items() if op != DELETE]
    found = load_documents(store, upserts)
    # A record erased after it was queued has nothing to index: make sure it is gone.
    deletes += [d for d in upserts if d not in found]
    docs = [found[d] for d in upserts if d in found]
    entry_ids = [e.id for e in entries if e.id is not None]
    try:
        if docs:
            index.upsert(docs)
        if deletes:
            index.delete(deletes)
    except Exception as error:
        store.outbox.mark_failed(entry_ids, type(error).__name__)
        raise
    store.outbox.mark_done(entry_ids, now)
    if on_indexed is not None:
        on_indexed(docs, deletes)
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
        progress: called with the number of documents added after each batch.
    """
    index.reset()
    added = 0
    for docs in all_documents(store, batch_size):
        if not docs:
            continue
        index.upsert(docs)
        added += len(docs)
        if progress:
            progress(len(docs))
    store.outbox.settle_all(now)
    log.info("reindexed %s records", added)
    return added
