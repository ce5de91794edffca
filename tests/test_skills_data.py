"""Linking indexed records to competencies: the framework's descriptors are embedded once per
framework, not once per indexer batch, and links stay what fresh embeddings would give."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

from handlers.competency_files import parse_framework
from handlers.skills_data import link_documents
from store.people import DirectoryEntry
from store.repository import Store
from store.vector.embedder import HashingEmbedder
from store.vector.index import IndexDoc

AT = datetime(2026, 3, 2, tzinfo=UTC)
YAML = (Path(__file__).parent / "fixtures" / "skills_framework.yaml").read_text()
WRITING = "Writes clear status updates and asks questions when something is unclear."


class CountingEmbedder(HashingEmbedder):
    """The hashing embedder, remembering every text it was asked to embed."""

    def __init__(self) -> None:
        super().__init__()
        self.texts: list[str] = []

    def embed(self, texts: Sequence[str]) -> list[list[float]]:
        self.texts.extend(texts)
        return super().embed(texts)


def _docs(store: Store, start: int) -> list[IndexDoc]:
    store.people.upsert_directory([DirectoryEntry("li@x.io", "Li", None, "", "", "employee")], AT)
    li = store.people.by_email("li@x.io")
    assert li is not None and li.id is not None
    texts = [WRITING, "Helps teammates and responds to requests from colleagues quickly."]
    return [
        IndexDoc(f"kudos:{start + i}", text, {"kind": "kudos", "recipient_ids": f",{li.id},"})
        for i, text in enumerate(texts)
    ]


def _links(store: Store) -> list[tuple[str, int, int | None]]:
    rows = store.skill_evidence.all_links()
    return sorted((r.source, r.competency_id, r.level) for r in rows)


def test_descriptors_are_embedded_once_across_batches(store: Store) -> None:
    framework = parse_framework(YAML, "framework.yaml")
    store.competencies.import_framework(framework.competencies, framework.expectations, at=AT)
    embedder = CountingEmbedder()

    first = link_documents(store, embedder, _docs(store, 1))
    second = link_documents(store, embedder, _docs(store, 11))

    assert embedder.texts.count(WRITING) == 3  # the descriptor once, the two documents
    assert first.links == second.links == 2
    cached = _links(store)
    link_documents(store, HashingEmbedder(), [*_docs(store, 1), *_docs(store, 11)])
    assert _links(store) == cached  # what embedding everything afresh links


def test_a_changed_descriptor_is_embedded_afresh(store: Store) -> None:
    framework = parse_framework(YAML, "framework.yaml")
    store.competencies.import_framework(framework.competencies, framework.expectations, at=AT)
    embedder = CountingEmbedder()
    link_documents(store, embedder, _docs(store, 1))

    edited = YAML.replace(WRITING, "Writes crisp weekly updates.")
    changed = parse_framework(edited, "framework.yaml")
    store.competencies.import_framework(changed.competencies, changed.expectations, at=AT)
    link_documents(store, embedder, _docs(store, 11))

    assert "Writes crisp weekly updates." in embedder.texts
