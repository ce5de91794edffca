"""Contract tests for the vector index port, run against every adapter."""

from __future__ import annotations

import itertools
import subprocess
import sys
import uuid
from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path

import pytest

from store.vector import (
    ChromaIndex,
    EmbedderMismatchError,
    HashingEmbedder,
    IndexBusyError,
    IndexDoc,
    InMemoryIndex,
    MiniLMEmbedder,
    VectorIndex,
    open_index,
)
from store.vector.lock import LOCK_FILE_NAME, DirectoryLock, LockHeldError

Factory = Callable[[], VectorIndex]

DOCS = [
    IndexDoc("f1", "clear code review comments on the billing service", {"team": "pay", "q": 1}),
    IndexDoc(
        "f2", "missed the deadline for the billing service migration", {"team": "pay", "q": 2}
    ),
    IndexDoc("f3", "great onboarding session for new hires", {"team": "people", "q": 1}),
    IndexDoc("f4", "cafeteria lunch was cold again", {"team": "ops", "q": 1, "flag": True}),
]


@pytest.fixture(params=["memory", "chroma", "chroma-server"])
def make_index(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Factory]:
    """Yield a factory; with Chroma, each call reopens the same directory or collection.

    "chroma-server" is the HTTP client against the session's Chroma server (`chroma_url`),
    with a collection of its own per test.
    """
    opened: list[VectorIndex] = []
    url = request.getfixturevalue("chroma_url") if request.param == "chroma-server" else None
    collection = f"contract_{uuid.uuid4().hex}"

    def factory() -> VectorIndex:
        index: VectorIndex
        if request.param == "memory":
            index = InMemoryIndex(HashingEmbedder())
        elif url is not None:
            index = ChromaIndex(HashingEmbedder(), url=url, collection=collection)
        else:
            index = ChromaIndex(HashingEmbedder(), path=tmp_path / "chroma")
        opened.append(index)
        return index

    yield factory
    for index in opened:
        index.close()


def test_upsert_count_ids(make_index: Factory) -> None:
    index = make_index()
    assert index.count() == 0
    assert index.ids() == set()
    assert index.query("anything") == []
    index.upsert(DOCS)
    index.upsert([])
    assert index.count() == 4
    assert index.ids() == {"f1", "f2", "f3", "f4"}


def test_query_ranks_by_cosine_similarity(make_index: Factory) -> None:
    index = make_index()
    index.upsert(DOCS)
    hits = index.query("clear code review comments on the billing service", k=3)
    assert [h.id for h in hits][:2] == ["f1", "f2"]
    assert hits[0].score == pytest.approx(1.0, abs=1e-4)
    assert hits[0].metadata == {"team": "pay", "q": 1}
    assert all(a.score >= b.score for a, b in itertools.pairwise(hits))
    assert len(index.query("billing", k=10)) == 4  # k beyond count returns everything
    assert index.query("billing", k=0) == []


def test_where_filters_are_equality_and(make_index: Factory) -> None:
    index = make_index()
    index.upsert(DOCS)
    assert {h.id for h in index.query("billing", where={"team": "pay"})} == {"f1", "f2"}
    assert [h.id for h in index.query("billing", where={"team": "pay", "q": 2})] == ["f2"]
    assert index.query("billing", where={"team": "nobody"}) == []
    assert index.query("billing", where={"missing_key": "x"}) == []
    assert [h.id for h in index.query("lunch", where={"flag": True})] == ["f4"]
    # Like Chroma: bools never equal numbers, but ints and floats compare by value.
    assert index.query("lunch", where={"flag": 1}) == []
    assert len(index.query("lunch", where={"q": 1.0})) == 3
    assert len(index.query("billing", where={})) == 4


def test_upsert_replaces_existing_ids(make_index: Factory) -> None:
    index = make_index()
    index.upsert(DOCS)
    index.upsert([IndexDoc("f4", "clear code review comments", {"team": "pay"})])
    assert index.count() == 4
    (hit,) = index.query("cafeteria lunch", where={"team": "pay", "q": 1})
    assert hit.id == "f1"  # f4 lost its old metadata
    assert index.query("clear code review comments", k=1)[0].id == "f4"
    # Duplicates within one batch: the last one wins, as with two separate upserts.
    index.upsert([IndexDoc("d", "first", {"v": 1}), IndexDoc("d", "second", {"v": 2})])
    assert index.query("second", where={"v": 2})[0].id == "d"
    assert index.count() == 5


def test_delete(make_index: Factory) -> None:
    index = make_index()
    index.upsert(DOCS)
    index.delete(["f1", "nope", "f1"])
    index.delete([])
    assert index.ids() == {"f2", "f3", "f4"}
    assert "f1" not in {h.id for h in index.query("clear code review comments")}


def test_reset_and_metadata_edge_cases(make_index: Factory) -> None:
    index = make_index()
    index.upsert(DOCS)
    index.reset()
    assert index.count() == 0
    assert index.ids() == set()
    index.upsert([IndexDoc("bare", "no metadata at all")])
    assert index.query("no metadata")[0].metadata == {}
    with pytest.raises(ValueError, match=r"\$and"):
        index.upsert([IndexDoc("bad", "x", {"$and": "y"})])


def test_chroma_persists_across_reopen(tmp_path: Path) -> None:
    first = ChromaIndex(HashingEmbedder(), path=tmp_path)
    first.upsert(DOCS)
    first.close()
    first.close()  # idempotent
    second = ChromaIndex(HashingEmbedder(), path=tmp_path)
    try:
        assert second.ids() == {"f1", "f2", "f3", "f4"}
        assert second.query("great onboarding", k=1)[0].id == "f3"
    finally:
        second.close()


def test_chroma_directory_is_locked_while_open(tmp_path: Path) -> None:
    first = ChromaIndex(HashingEmbedder(), path=tmp_path)
    with pytest.raises(IndexBusyError, match="candor serve") as info:
        ChromaIndex(HashingEmbedder(), path=tmp_path)
    assert str(tmp_path) in str(info.value) and "CHROMA_URL" in str(info.value)
    # Another process is refused too (flock is per open file, so this also covers threads).
    probe = (
        "import sys; from pathlib import Path; from store.vector.lock import *\n"
        "try: DirectoryLock(Path(sys.argv[1])).acquire()\n"
        "except LockHeldError: sys.exit(3)"
    )
    root = Path(__file__).resolve().parents[1]
    run = [sys.executable, "-c", probe, str(tmp_path)]
    assert subprocess.run(run, cwd=root).returncode == 3
    first.close()
    assert subprocess.run(run, cwd=root).returncode == 0
    ChromaIndex(HashingEmbedder(), path=tmp_path).close()
    assert (tmp_path / LOCK_FILE_NAME).is_file()


def test_directory_lock_context_manager(tmp_path: Path) -> None:
    with DirectoryLock(tmp_path / "new") as lock:
        assert lock.held
        with pytest.raises(LockHeldError):
            DirectoryLock(tmp_path / "new").acquire()
    assert not lock.held
    DirectoryLock(tmp_path / "new").acquire()


def test_chroma_rejects_other_embedder(tmp_path: Path) -> None:
    index = ChromaIndex(HashingEmbedder(), path=tmp_path)
    index.upsert(DOCS)
    index.close()
    with pytest.raises(EmbedderMismatchError, match="candor reindex") as info:
        ChromaIndex(HashingEmbedder(dimension=64), path=tmp_path)
    assert "hashing-384" in str(info.value) and "hashing-64" in str(info.value)
    # The failed open must not leave the directory locked.
    rebuilt = ChromaIndex(HashingEmbedder(dimension=64), path=tmp_path, recreate=True)
    try:
        assert rebuilt.count() == 0
        rebuilt.upsert(DOCS)
        assert rebuilt.query("great onboarding", k=1)[0].id == "f3"
    finally:
        rebuilt.close()


def test_chroma_batches_large_writes(tmp_path: Path) -> None:
    index = ChromaIndex(HashingEmbedder(dimension=16), path=tmp_path)
    try:
        index._batch = 7  # force several chunks for upsert, delete and ids() paging
        docs = [IndexDoc(f"d{i}", f"note {i}", {"i": i}) for i in range(30)]
        index.upsert(docs)
        assert index.count() == 30
        assert index.ids() == {d.id for d in docs}
        index.delete([f"d{i}" for i in range(20)])
        assert index.ids() == {f"d{i}" for i in range(20, 30)}
    finally:
        index.close()


def test_open_index_and_argument_checks(tmp_path: Path) -> None:
    index = open_index(HashingEmbedder(), data_dir=tmp_path, chroma_url=None)
    try:
        assert (tmp_path / "chroma" / LOCK_FILE_NAME).is_file()
    finally:
        index.close()
    with pytest.raises(ValueError, match="CHROMA_URL"):
        open_index(HashingEmbedder(), data_dir=tmp_path, chroma_url="localhost:8000")
    with pytest.raises(ValueError, match="exactly one"):
        ChromaIndex(HashingEmbedder(), path=tmp_path, url="http://localhost:8000")


def test_chroma_with_minilm(tmp_path: Path, tmp_path_factory: pytest.TempPathFactory) -> None:
    # Same cache directory as tests/test_embedder.py, so the model is converted once per run.
    embedder = MiniLMEmbedder(tmp_path_factory.getbasetemp() / "minilm-models")
    index = ChromaIndex(embedder, path=tmp_path)
    try:
        index.upsert(
            [
                IndexDoc(
                    "a", "She shipped the billing migration ahead of schedule", {"who": "ana"}
                ),
                IndexDoc("b", "The cafeteria lunch was cold", {"who": "ben"}),
                IndexDoc("c", "Led a calm, well-run incident retrospective", {"who": "ana"}),
            ]
        )
        hits = index.query("delivered the payments database move early", k=3)
        assert hits[0].id == "a"
        assert hits[0].score > hits[-1].score + 0.2
        assert next(h.id for h in index.query("incident review", where={"who": "ana"})) == "c"
    finally:
        index.close()


def test_vectors_returns_stored_embeddings_for_known_ids(make_index: Factory) -> None:
    index = make_index()
    index.upsert([IndexDoc("a", "billing migration"), IndexDoc("b", "lunch menu")])

    found = index.vectors(["a", "missing", "b"])

    assert set(found) == {"a", "b"}
    assert len(found["a"]) == 384
    assert abs(sum(x * x for x in found["a"]) - 1.0) < 1e-4
    assert found["a"] != found["b"]


def test_embedded_ahead_documents_are_stored_with_the_vectors_they_carry(
    make_index: Factory,
) -> None:
    index = make_index()

    embedded = index.embed(DOCS[:2])
    assert index.count() == 0  # embedding stores nothing
    assert [d.id for d in embedded] == ["f1", "f2"] and embedded[0] == DOCS[0]
    # A vector carried in is stored as it is, never recomputed from the text.
    elsewhere = index.embed([IndexDoc("x", "cafeteria lunch was cold again")])[0].vector
    index.upsert([replace(embedded[0], vector=elsewhere), embedded[1], DOCS[2]])

    assert index.count() == 3
    assert index.query("cafeteria lunch was cold again", k=1)[0].id == "f1"
    assert index.vectors(["f2"])["f2"] == pytest.approx(embedded[1].vector, abs=1e-6)
