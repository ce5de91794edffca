"""SQL feeds the vector index through the outbox; a rebuild from SQL loses nothing."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import pytest

from bot.indexer_task import BackgroundIndexer
from store.indexer import drain_outbox, reindex
from store.kudos import KudosRecord
from store.people import DirectoryEntry
from store.repository import Store
from store.vector.embedder import HashingEmbedder
from store.vector.index import IndexDoc, InMemoryIndex

NOW = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)


def _people(store: Store) -> tuple[int, int]:
    store.people.upsert_directory(
        [
            DirectoryEntry("a@x.io", "A", None, "", "", "employee"),
            DirectoryEntry("b@x.io", "B", None, "", "", "employee"),
        ],
        NOW,
    )
    a, b = store.people.by_email("a@x.io"), store.people.by_email("b@x.io")
    assert a and b and a.id and b.id
    return a.id, b.id


def _kudos(store: Store, n: int, text: str = "thanks for the help") -> list[KudosRecord]:
    a, b = (
        _people(store)
        if not store.people.all()
        else (
            store.people.all()[0].id or 0,
            store.people.all()[1].id or 0,
        )
    )
    records = []
    for i in range(n):
        record = store.kudos.create(
            giver_id=a,
            recipient_ids=[b],
            text=f"{text} {i}",
            company_values=["craft"],
            platform="slack",
            channel_id="C1",
            request_key=f"k{i}-{text}",
            at=NOW,
        )
        assert record
        records.append(record)
    return records


def test_drain_applies_pending_entries_in_batches(store: Store) -> None:
    records = _kudos(store, 5)
    index = InMemoryIndex(HashingEmbedder())

    assert drain_outbox(store, index, NOW, batch_size=3) == 3
    assert drain_outbox(store, index, NOW, batch_size=3) == 2
    assert drain_outbox(store, index, NOW, batch_size=3) == 0

    assert index.ids() == {f"kudos:{r.id}" for r in records}
    hit = index.query("thanks for the help 2", k=1)[0]
    assert hit.metadata["kind"] == "kudos"
    assert hit.metadata["values"] == ",craft,"
    assert str(records[0].recipient_ids[0]) in str(hit.metadata["recipient_ids"])


def test_a_failing_index_keeps_entries_pending_for_the_next_try(store: Store) -> None:
    _kudos(store, 2)

    class Down(InMemoryIndex):
        def upsert(self, docs: object) -> None:  # type: ignore[override]
            raise ConnectionError("index down")

    with pytest.raises(ConnectionError):
        drain_outbox(store, Down(HashingEmbedder()), NOW)
    assert store.outbox.pending_count() == 2
    assert {e.last_error for e in store.outbox.pending(10)} == {"ConnectionError"}

    index = InMemoryIndex(HashingEmbedder())
    assert drain_outbox(store, index, NOW) == 2
    assert index.count() == 2


def test_reindex_rebuilds_everything_from_sql(store: Store) -> None:
    records = _kudos(store, 7)
    index = InMemoryIndex(HashingEmbedder())
    index.upsert([IndexDoc("kudos:999", "stale document")])
    seen: list[int] = []

    added = reindex(store, index, NOW, batch_size=3, progress=seen.append)

    assert added == 7 and seen == [3, 3, 1]
    assert index.ids() == {f"kudos:{r.id}" for r in records}
    assert store.outbox.pending_count() == 0


async def test_background_indexer_drains_when_woken(store: Store) -> None:
    index = InMemoryIndex(HashingEmbedder())
    indexer = BackgroundIndexer(store, lambda: index, lambda: NOW, idle_seconds=60)
    indexer.start()
    try:
        _kudos(store, 3)
        indexer.wake()
        for _ in range(200):
            if index.count() == 3:
                break
            await asyncio.sleep(0.01)
        assert index.count() == 3
        assert indexer.last_error is None
    finally:
        await indexer.stop()


async def test_background_indexer_backs_off_and_recovers(store: Store) -> None:
    index = InMemoryIndex(HashingEmbedder())
    attempts = {"n": 0}

    def flaky_open() -> InMemoryIndex:
        attempts["n"] += 1
        if attempts["n"] == 1:
            raise ConnectionError("not yet")
        return index

    _kudos(store, 2)
    indexer = BackgroundIndexer(store, flaky_open, lambda: NOW, idle_seconds=60)
    indexer.start()
    try:
        for _ in range(300):
            if index.count() == 2:
                break
            await asyncio.sleep(0.01)
        assert index.count() == 2  # retried after a 1 s backoff
        assert attempts["n"] == 2
    finally:
        await indexer.stop()
