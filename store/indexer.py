"""Feeding the vector index from SQL: drain the outbox in batches, or rebuild everything.

A drain of several batches is a two-stage pipeline: while batch N is written to the index and
settled in the outbox on the calling thread, batch N+1 is embedded on one helper thread, so
the embedder (the slow part) is rarely idle. Writes stay strictly in outbox order, one batch
at a time, so a document's later op is never applied before an earlier one; each batch is
fetched from past the last entry of the one before, which is still pending until written.

The documents themselves (kudos, check-ins, feedback) are built in `store.index_documents`.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime
from functools import partial

from store.index_documents import all_documents, kudos_document, load_documents
from store.outbox import DELETE
from store.repository import Store
from store.vector.index import IndexDoc, VectorIndex

__all__ = ["drain_outbox", "kudos_document", "reindex"]

log = logging.getLogger(__name__)

OnIndexed = Callable[[list[IndexDoc], list[str]], None]


@dataclass(frozen=True)
class _Batch:
    """Outbox entries resolved against SQL: the documents to store and the ids to remove."""

    entry_ids: list[int]
    docs: list[IndexDoc]
    deletes: list[str]
    full: bool  # as many entries as were asked for: more may be waiting


def _fetch(store: Store, after: int | None, size: int) -> _Batch | None:
    """The next batch after entry `after`, or None when nothing is pending past it.

    An upsert is built from the record as SQL holds it now; a record that is gone, or no
    longer indexable, is deleted from the index instead.
    """
    entries = store.outbox.pending(size, after=after)
    if not entries:
        return None
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
    return _Batch(entry_ids, docs, deletes, full=len(entries) >= size)


def _embedded(store: Store, batch: _Batch, result: Callable[[], list[IndexDoc]]) -> list[IndexDoc]:
    """The batch's documents with their vectors; a failure counts against its entries."""
    try:
        return result()
    except Exception as error:
        store.outbox.mark_failed(batch.entry_ids, type(error).__name__)
        raise


def _write(
    store: Store,
    index: VectorIndex,
    batch: _Batch,
    embedded: list[IndexDoc],
    now: datetime,
    on_indexed: OnIndexed | None,
) -> int:
    """Apply one batch to the index, then settle its entries; return how many settled.

    Entries are settled only after the index accepted the batch, so a crash or an index
    outage leaves them pending, and a later drain applies them again (upserts are idempotent).
    """
    try:
        if embedded:
            index.upsert(embedded)
        if batch.deletes:
            index.delete(batch.deletes)
    except Exception as error:
        store.outbox.mark_failed(batch.entry_ids, type(error).__name__)
        raise
    store.outbox.mark_done(batch.entry_ids, now)
    if on_indexed is not None:
        on_indexed(batch.docs, batch.deletes)  # without the vectors: the linker holds many
    return len(batch.entry_ids)


def _feed(
    store: Store, size: int, limit: int | None, stop: threading.Event | None
) -> Iterator[_Batch]:
    """Batches in outbox order, each fetched when asked for, from past the last one given
    (its entries are still pending while it is written), until one comes back short, `limit`
    batches were given, or `stop` is set."""
    after: int | None = None
    given = 0
    while limit is None or given < limit:
        batch = _fetch(store, after, size)
        if batch is None:
            return
        yield batch
        given += 1
        if not batch.full or (stop is not None and stop.is_set()):
            return
        after = batch.entry_ids[-1]


def drain_outbox(
    store: Store,
    index: VectorIndex,
    now: datetime,
    batch_size: int = 64,
    on_indexed: OnIndexed | None = None,
    *,
    batches: int | None = 1,
    stop: threading.Event | None = None,
) -> int:
    """Apply pending outbox entries to the index, `batch_size` at a time; return how many
    settled.

    Each batch is settled only after the index accepted it, so a crash or an index outage
    leaves it pending for a later call (upserts are idempotent); a failed batch ends the drain
    with its error, and the batches fetched after it stay pending untouched. `on_indexed` is
    told each batch's documents stored and ids removed (the competency linker).

    Args:
        batches: How many batches at most (None: until a batch comes back short). From the
            second batch on, each is embedded while the one before is written.
        stop: Set from another thread to end the drain once the batches it has fetched
            (at most two past the one being written) are written.
    """
    if batches is not None and batches < 1:
        raise ValueError("batches must be at least 1")
    feed = _feed(store, batch_size, batches, stop)
    batch = next(feed, None)
    if batch is None:
        return 0
    if batches == 1 or not batch.full:  # nothing to overlap with: stay on this thread
        embedded = _embedded(store, batch, partial(index.embed, batch.docs))
        return _write(store, index, batch, embedded, now, on_indexed)
    settled = 0
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="candor-embed") as lane:
        embedding = lane.submit(index.embed, batch.docs)
        upcoming = next(feed, None)
        while True:
            embedded = _embedded(store, batch, embedding.result)
            following = None
            if upcoming is not None:
                embedding = lane.submit(index.embed, upcoming.docs)
                # Fetch before writing: the local Chroma write holds the GIL from start to
                # end (~1 ms a document), and the embedding needs it for a moment to start
                # before it runs without it. Fetching first lets it through.
                following = next(feed, None)
            # On an error the lane finishes the upcoming embedding (pure computation) and
            # the batches fetched ahead stay pending, with no attempt counted.
            settled += _write(store, index, batch, embedded, now, on_indexed)
            if upcoming is None:
                return settled
            batch, upcoming = upcoming, following


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
