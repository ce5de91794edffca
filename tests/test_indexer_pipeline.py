"""A drain of several batches embeds the next batch while the one before is written, and keeps
every guarantee of the one-batch drain: outbox order, settling after the write, no skips."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Sequence

import pytest
from sqlmodel import col, select

from bot.indexer_task import BackgroundIndexer
from store.db import session_scope
from store.indexer import drain_outbox
from store.models import OutboxEntry
from store.outbox import DELETE, UPSERT, enqueue
from store.repository import Store
from store.vector.embedder import HashingEmbedder
from store.vector.index import IndexDoc, InMemoryIndex
from tests.test_indexer import NOW, _kudos

WAIT = 10.0  # seconds a test waits for the other thread before it fails


class Ledger(InMemoryIndex):
    """An in-memory index that records, in order, what was embedded and what was written."""

    def __init__(self) -> None:
        super().__init__(HashingEmbedder())
        self.embedded: list[list[str]] = []
        self.writes: list[tuple[str, list[str]]] = []

    def embed(self, docs: Sequence[IndexDoc]) -> list[IndexDoc]:
        self.embedded.append([d.id for d in docs])
        return super().embed(docs)

    def upsert(self, docs: Sequence[IndexDoc]) -> None:
        assert all(d.vector is not None for d in docs), "written without embedding again"
        super().upsert(docs)
        self.writes.append(("upsert", [d.id for d in docs]))

    def delete(self, ids: Sequence[str]) -> None:
        super().delete(ids)
        self.writes.append(("delete", list(ids)))


def _queue(store: Store, *ops: tuple[str, str]) -> None:
    """Append raw outbox entries (document id, op), in order."""
    with session_scope(store.engine) as session:
        for doc_id, op in ops:
            enqueue(session, doc_id, op, NOW)


def _entries(store: Store) -> list[OutboxEntry]:
    with session_scope(store.engine) as session:
        return list(session.exec(select(OutboxEntry).order_by(col(OutboxEntry.id))))


def test_an_upsert_then_a_delete_in_the_next_batch_ends_deleted(store: Store) -> None:
    first, second, third = _kudos(store, 3)
    # Batches of two: [upsert 1, upsert 2], then [upsert 3, delete 1].
    _queue(store, (f"kudos:{first.id}", DELETE))
    index = Ledger()

    assert drain_outbox(store, index, NOW, batch_size=2, batches=None) == 4

    assert index.ids() == {f"kudos:{second.id}", f"kudos:{third.id}"}
    assert index.writes == [
        ("upsert", [f"kudos:{first.id}", f"kudos:{second.id}"]),
        ("upsert", [f"kudos:{third.id}"]),
        ("delete", [f"kudos:{first.id}"]),
    ]
    assert store.outbox.pending_count() == 0


def test_a_delete_then_an_upsert_in_the_next_batch_ends_stored(store: Store) -> None:
    first, second = _kudos(store, 2)
    # Batches of two: [upsert 1, upsert 2], [delete 1, delete 2], then [upsert 1].
    _queue(
        store,
        (f"kudos:{first.id}", DELETE),
        (f"kudos:{second.id}", DELETE),
        (f"kudos:{first.id}", UPSERT),
    )
    index = Ledger()

    assert drain_outbox(store, index, NOW, batch_size=2, batches=None) == 5

    assert index.ids() == {f"kudos:{first.id}"}
    assert [op for op, _ in index.writes] == ["upsert", "delete", "upsert"]


def test_the_next_batch_is_embedded_while_the_one_before_is_written(store: Store) -> None:
    _kudos(store, 4)
    # The first write and the second embedding each wait for the other to be under way:
    # they only both get through if they run at the same time.
    meet = threading.Barrier(2, timeout=WAIT)

    class Overlapping(Ledger):
        def embed(self, docs: Sequence[IndexDoc]) -> list[IndexDoc]:
            if self.embedded:
                meet.wait()
            return super().embed(docs)

        def upsert(self, docs: Sequence[IndexDoc]) -> None:
            if not self.writes:
                meet.wait()
            super().upsert(docs)

    index = Overlapping()
    assert drain_outbox(store, index, NOW, batch_size=2, batches=None) == 4
    assert index.count() == 4 and store.outbox.pending_count() == 0


def test_no_entry_is_fetched_or_embedded_twice(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    records = _kudos(store, 7)
    fetched: list[int] = []
    real = store.outbox.pending

    def spy(limit: int, *, after: int | None = None) -> list[OutboxEntry]:
        entries = real(limit, after=after)
        fetched.extend(e.id or 0 for e in entries)
        return entries

    monkeypatch.setattr(store.outbox, "pending", spy)
    index = Ledger()

    assert drain_outbox(store, index, NOW, batch_size=3, batches=None) == 7

    assert sorted(fetched) == sorted(set(fetched)) == [e.id for e in _entries(store)]
    embedded = [doc_id for batch in index.embedded for doc_id in batch]
    assert sorted(embedded) == sorted(f"kudos:{r.id}" for r in records)


def test_an_index_failure_leaves_that_batch_and_later_ones_pending(store: Store) -> None:
    records = _kudos(store, 6)

    class FailsSecondWrite(Ledger):
        def upsert(self, docs: Sequence[IndexDoc]) -> None:
            if self.writes:
                raise ConnectionError("index down")
            super().upsert(docs)

    with pytest.raises(ConnectionError):
        drain_outbox(store, FailsSecondWrite(), NOW, batch_size=2, batches=None)

    entries = _entries(store)
    done = [(e.processed_at is not None, e.attempts, e.last_error) for e in entries]
    assert done == [
        (True, 1, None),
        (True, 1, None),
        (False, 1, "ConnectionError"),  # the batch the index refused
        (False, 1, "ConnectionError"),
        (False, 0, None),  # fetched and embedded ahead, never offered to the index
        (False, 0, None),
    ]

    index = Ledger()
    assert drain_outbox(store, index, NOW, batch_size=2, batches=None) == 4
    assert store.outbox.pending_count() == 0
    assert index.ids() == {f"kudos:{r.id}" for r in records[2:]}


def test_an_embedding_failure_counts_against_its_batch_only(store: Store) -> None:
    _kudos(store, 4)

    class FailsSecondEmbedding(Ledger):
        def embed(self, docs: Sequence[IndexDoc]) -> list[IndexDoc]:
            if self.embedded:
                raise RuntimeError("model crashed")
            return super().embed(docs)

    index = FailsSecondEmbedding()
    with pytest.raises(RuntimeError):
        drain_outbox(store, index, NOW, batch_size=2, batches=None)

    assert index.count() == 2
    assert [(e.attempts, e.last_error) for e in store.outbox.pending(10)] == [
        (1, "RuntimeError"),
        (1, "RuntimeError"),
    ]


def test_batches_and_stop_bound_a_drain(store: Store) -> None:
    _kudos(store, 14)
    index = Ledger()

    assert drain_outbox(store, index, NOW, batch_size=2, batches=2) == 4
    assert store.outbox.pending_count() == 10

    stop = threading.Event()
    # Stopped while the first batch is written: the two batches fetched ahead still go in.
    settled = drain_outbox(
        store, index, NOW, batch_size=2, on_indexed=lambda *_: stop.set(), batches=None, stop=stop
    )
    assert settled == 6
    assert store.outbox.pending_count() == 4
    assert index.count() == 10


async def test_a_burst_is_drained_and_linked_in_one_go(store: Store) -> None:
    _kudos(store, 5)
    index = Ledger()
    indexer = BackgroundIndexer(store, lambda: index, lambda: NOW, batch_size=2)

    assert await indexer.drain_burst() == 5
    assert len(index.writes) == 3 and store.outbox.pending_count() == 0


async def test_stopping_waits_for_the_batch_in_hand_before_closing_the_index(
    store: Store,
) -> None:
    _kudos(store, 2)
    writing, release = threading.Event(), threading.Event()
    closed_after: list[int] = []

    class Slow(Ledger):
        def upsert(self, docs: Sequence[IndexDoc]) -> None:
            writing.set()
            assert release.wait(WAIT)
            super().upsert(docs)

        def close(self) -> None:
            closed_after.append(len(self.writes))

    index = Slow()
    indexer = BackgroundIndexer(store, lambda: index, lambda: NOW, idle_seconds=60)
    indexer.start()
    assert await asyncio.to_thread(writing.wait, WAIT)
    stopping = asyncio.create_task(indexer.stop())
    for _ in range(20):  # let stop() cancel the loop and get as far as it will
        await asyncio.sleep(0)
    assert not stopping.done() and closed_after == []
    release.set()
    await stopping

    assert closed_after == [1]  # closed only once the write was done
    assert store.outbox.pending_count() == 0
