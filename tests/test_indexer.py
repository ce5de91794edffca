"""SQL feeds the vector index through the outbox; a rebuild from SQL loses nothing."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from datetime import UTC, datetime

import pytest

from bot.indexer_task import BackgroundIndexer
from store.erasure import erase_person
from store.index_documents import checkin_doc_id, document_count, feedback_doc_id
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


class Recording(InMemoryIndex):
    """An in-memory index that remembers the text of every document it was given."""

    def __init__(self) -> None:
        super().__init__(HashingEmbedder())
        self.texts: dict[str, str] = {}

    def upsert(self, docs: Sequence[IndexDoc]) -> None:
        super().upsert(docs)
        self.texts.update({d.id: d.text for d in docs})


def _loop(store: Store) -> dict[str, int]:
    """A manager with one report: a check-in, peer, upward and self feedback, a private note."""
    store.people.upsert_directory(
        [
            DirectoryEntry("m@x.io", "M", None, "Eng", "", "manager"),
            DirectoryEntry("r@x.io", "R", "m@x.io", "Eng", "", "employee"),
            DirectoryEntry("p@x.io", "P", "m@x.io", "Eng", "", "employee"),
        ],
        NOW,
    )
    ids = {p.email[0]: p.id or 0 for p in store.people.all()}
    checkin, _ = store.checkins.submit(
        ids["r"],
        "2026-W45",
        answers={"progress": "shipped the ledger", "highlights": "pairing went well"},
        mood=1,
        blocker="",
        at=NOW,
    )
    store.checkins.mark_sent(ids["p"], "2026-W45", NOW)  # sent, never answered
    kinds = {"peer": ("p", "r"), "upward": ("r", "m"), "manager_note": ("m", "r")}
    for kind, (author, subject) in kinds.items():
        given = store.feedback.add_once(
            f"k-{kind}",
            author_id=ids[author],
            subject_id=ids[subject],
            kind=kind,
            text=f"{kind} words",
            at=NOW,
        )
        assert given is not None
        ids[kind] = given.id or 0
    written = store.feedback.save_self("k-self", ids["r"], "self words", NOW)
    assert written is not None and checkin.id is not None
    return {**ids, "self": written.id or 0, "checkin": checkin.id}


def test_checkins_and_feedback_are_indexed_but_never_mood_or_manager_notes(store: Store) -> None:
    ids = _loop(store)
    index = Recording()

    drain_outbox(store, index, NOW)

    docs = {checkin_doc_id(ids["checkin"])} | {
        feedback_doc_id(ids[k]) for k in ("peer", "upward", "self")
    }
    assert index.ids() == docs  # the note and the unanswered check-in are not there
    answers = index.texts[checkin_doc_id(ids["checkin"])]
    assert "shipped the ledger" in answers and "pairing went well" in answers
    assert "1" not in answers and "mood" not in answers.lower()
    assert all("manager_note" not in text for text in index.texts.values())
    [hit] = index.query("shipped the ledger", k=1, where={"kind": "checkin"})
    assert hit.metadata["author_id"] == ids["r"] and hit.metadata["subject_id"] == f",{ids['r']},"
    assert hit.metadata["created_at"] == int(NOW.timestamp())
    [upward] = index.query("upward words", k=1, where={"feedback_kind": "upward"})
    assert upward.metadata["kind"] == "feedback"
    assert (upward.metadata["author_id"], upward.metadata["subject_id"]) == (
        ids["r"],
        f",{ids['m']},",
    )


def test_an_edited_checkin_or_self_assessment_replaces_its_document(store: Store) -> None:
    ids = _loop(store)
    index = Recording()
    drain_outbox(store, index, NOW)

    store.checkins.submit(
        ids["r"], "2026-W45", answers={"progress": "rewrote the plan"}, mood=5, blocker="", at=NOW
    )
    store.feedback.save_self("k-self-2", ids["r"], "better self words", NOW)
    assert drain_outbox(store, index, NOW) == 2

    assert index.texts[checkin_doc_id(ids["checkin"])] == "rewrote the plan"
    assert index.texts[feedback_doc_id(ids["self"])] == "better self words"
    assert index.count() == 4


def test_a_blocker_is_indexed_with_the_answers(store: Store) -> None:
    ids = _loop(store)
    store.checkins.submit(
        ids["p"],
        "2026-W45",
        answers={"progress": "a bit", "blockers": "waiting on the vendor"},
        mood=None,
        blocker="waiting on the vendor",
        at=NOW,
    )
    index = Recording()
    drain_outbox(store, index, NOW)

    [text] = [t for t in index.texts.values() if "a bit" in t]
    assert text == "a bit\nwaiting on the vendor"


def test_erasure_removes_their_checkins_and_feedback_from_the_index(store: Store) -> None:
    ids = _loop(store)
    index = Recording()
    drain_outbox(store, index, NOW)

    erase_person(store, ids["r"], NOW)
    while drain_outbox(store, index, NOW):
        pass

    # Everything R wrote or that is about R goes; P's unanswered check-in was never there.
    assert index.ids() == set()
    assert store.outbox.pending_count() == 0


def test_within_a_batch_the_last_op_on_a_document_wins(store: Store) -> None:
    ids = _loop(store)
    index = Recording()
    drain_outbox(store, index, NOW)
    # An edit's upsert, then the erasure's delete of the same document, in one batch.
    store.feedback.save_self("k-self-3", ids["r"], "edited again", NOW)
    erase_person(store, ids["r"], NOW)
    answered, _ = store.checkins.submit(
        ids["p"], "2026-W45", answers={"progress": "p's answer"}, mood=3, blocker="", at=NOW
    )

    drain_outbox(store, index, NOW, batch_size=100)

    assert index.ids() == {checkin_doc_id(answered.id or 0)}
    assert index.texts[checkin_doc_id(answered.id or 0)] == "p's answer"
    assert "edited again" not in index.texts.values()


def test_reindex_rebuilds_checkins_and_feedback_too(store: Store) -> None:
    ids = _loop(store)
    _kudos(store, 2)
    index = InMemoryIndex(HashingEmbedder())

    added = reindex(store, index, NOW, batch_size=2)

    assert added == 2 + 1 + 3 == document_count(store)
    assert checkin_doc_id(ids["checkin"]) in index.ids()
    assert feedback_doc_id(ids["manager_note"]) not in index.ids()
    assert store.outbox.pending_count() == 0


async def test_competency_links_wait_until_the_indexer_has_caught_up(store: Store) -> None:
    from handlers.competency_files import parse_framework
    from tests.test_skills import YAML

    framework = parse_framework(YAML, "framework.yaml")
    store.competencies.import_framework(framework.competencies, framework.expectations, at=NOW)
    words = "explains complex ideas simply to different audiences, in docs and presentations"
    _kudos(store, 3, text=words)
    index = InMemoryIndex(HashingEmbedder())
    indexer = BackgroundIndexer(store, lambda: index, lambda: NOW, batch_size=2, idle_seconds=60)

    assert await indexer.drain_once() == 2  # a burst: indexed at the embedder's pace...
    assert store.skill_evidence.all_links() == []  # ...and not linked yet

    await indexer.current()  # caught up: the three are linked, in one go

    assert index.count() == 3
    assert len(store.skill_evidence.all_links()) == 3
