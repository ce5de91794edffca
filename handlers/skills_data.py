"""Between the store and `insights.skills`: linking records to competencies, and loading the
framework, profiles, catalogue and mentoring offers as plain records.

Linking reads the same documents the vector index holds (`store.index_documents`), embeds
them with Candor's offline embedder and stores one link per record, person and competency.
`link_all` recomputes every link (idempotent); ratings link directly by competency name.
"""

from __future__ import annotations

import logging
import weakref
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from insights.skills.mapping import (
    DEFAULT_MARGIN,
    DEFAULT_THRESHOLD,
    Descriptor,
    best_matches,
    descriptor_text,
    evidence_polarity,
)
from insights.skills.profile import EvidenceItem, Profile, RatingItem, build_profile
from insights.skills.suggestions import ALL_COMPETENCIES, CatalogueItem
from store.competencies import Framework
from store.index_documents import all_documents
from store.models import Person
from store.repository import Store
from store.skill_evidence import NewLink
from store.vector.embedder import Embedder
from store.vector.index import IndexDoc, VectorIndex

log = logging.getLogger(__name__)
RATING = "rating"

# The last framework's descriptor vectors, per embedder. The indexer links every batch of 64
# against the same descriptors; embedding them afresh each time cost a tenth of ingest.
_descriptor_vectors: weakref.WeakKeyDictionary[
    Embedder, tuple[tuple[str, ...], list[list[float]]]
] = weakref.WeakKeyDictionary()


@dataclass(frozen=True)
class LinkSummary:
    """What a linking run did, in counts."""

    records: int
    linked_records: int
    links: int


def descriptors(framework: Framework) -> list[Descriptor]:
    """Every level descriptor of the framework."""
    names = framework.by_id()
    return [
        Descriptor(names[level.competency_id].name, level.level, level.descriptor)
        for level in sorted(framework.levels, key=lambda lv: (lv.competency_id, lv.level))
        if level.competency_id in names
    ]


def _subjects(doc: IndexDoc) -> list[int]:
    listed = doc.metadata.get("recipient_ids") or doc.metadata.get("subject_id") or ""
    return [int(p) for p in str(listed).split(",") if p.strip().isdigit()]


def _written_at(doc: IndexDoc) -> datetime:
    return datetime.fromtimestamp(int(doc.metadata.get("created_at") or 0), UTC)


def descriptor_vectors(embedder: Embedder, found: Sequence[Descriptor]) -> list[list[float]]:
    """The embeddings of these descriptors, reused while the framework's texts are unchanged."""
    texts = tuple(descriptor_text(d) for d in found)
    try:
        cached = _descriptor_vectors.get(embedder)
    except TypeError:  # an embedder that can't be weakly referenced (or hashed) goes uncached
        return embedder.embed(texts)
    if cached is not None and cached[0] == texts:
        return cached[1]
    vectors = embedder.embed(texts)
    _descriptor_vectors[embedder] = (texts, vectors)
    return vectors


def link_documents(
    store: Store,
    embedder: Embedder,
    docs: Sequence[IndexDoc],
    *,
    threshold: float = DEFAULT_THRESHOLD,
    margin: float = DEFAULT_MARGIN,
    extra_sources: Iterable[str] = (),
    vectors: Sequence[Sequence[float]] | None = None,
) -> LinkSummary:
    """Link these documents (replacing what they linked before) and drop `extra_sources`'s.

    `vectors` are the documents' embeddings where already known (one per document, made by
    `embedder`), so they aren't embedded twice."""
    framework = store.competencies.framework()
    found = descriptors(framework)
    if not found or not docs:
        store.skill_evidence.replace_links([*extra_sources], [], at=datetime.now(UTC))
        return LinkSummary(len(docs), 0, 0)
    matches = best_matches(
        embedder.embed([d.text for d in docs]) if vectors is None else vectors,
        found,
        descriptor_vectors(embedder, found),
        threshold=threshold,
        margin=margin,
    )
    ids = {c.name: c.id for c in framework.competencies}
    links: list[NewLink] = []
    for doc, match in zip(docs, matches, strict=True):
        competency_id = ids.get(match.competency) if match else None
        if match is None or competency_id is None:
            continue
        polarity = evidence_polarity(str(doc.metadata.get("kind", "")), doc.text)
        links += [
            NewLink(
                doc.id,
                person,
                competency_id,
                match.similarity,
                match.level,
                polarity,
                _written_at(doc),
            )
            for person in _subjects(doc)
        ]
    store.skill_evidence.replace_links(
        [*(d.id for d in docs), *extra_sources], links, at=datetime.now(UTC)
    )
    linked = len({link.source for link in links})
    log.info("linked %s of %s records to competencies (%s links)", linked, len(docs), len(links))
    return LinkSummary(len(docs), linked, len(links))


def link_indexed(
    store: Store, index: VectorIndex, docs: Sequence[IndexDoc], removed: Sequence[str]
) -> None:
    """After the indexer stored `docs` and removed `removed`: link the new documents, with
    the vectors the index already holds, and drop the removed ones' links (idempotent).

    Never raises: indexing has already succeeded, and `candor skills link` catches up."""
    embedder = getattr(index, "embedder", None)
    if embedder is None or not (docs or removed):
        return
    try:
        held = index.vectors([d.id for d in docs]) if docs else {}
        vectors = [held[d.id] for d in docs] if all(d.id in held for d in docs) else None
        link_documents(store, embedder, docs, extra_sources=removed, vectors=vectors)
    except Exception as error:  # linking must never undo indexing
        log.warning("linking indexed records failed (%s)", type(error).__name__)


def link_all(store: Store, embedder: Embedder, *, batch_size: int = 256) -> LinkSummary:
    """Recompute every link: each indexable record, then every rating whose competency the
    framework names. Links of records that no longer exist are dropped."""
    stale = {link.source for link in store.skill_evidence.all_links()}
    records = linked = links = 0
    for docs in all_documents(store, batch_size):
        if not docs:
            continue
        summary = link_documents(store, embedder, docs)
        stale -= {d.id for d in docs}
        records, linked = records + summary.records, linked + summary.linked_records
        links += summary.links
    rated = link_ratings(store)
    stale -= set(rated)
    store.skill_evidence.replace_links(sorted(stale), [], at=datetime.now(UTC))
    return LinkSummary(records + len(rated), linked + len(rated), links + len(rated))


def link_ratings(store: Store) -> list[str]:
    """Link every rating to the competency it names (if the framework has it); returns the
    sources linked."""
    ids = {c.name.lower(): c.id for c in store.competencies.framework().competencies}
    links: list[NewLink] = []
    sources: list[str] = []
    for cycle in store.ratings.cycles():
        assert cycle.id is not None
        for rating in store.ratings.in_cycle(cycle.id):
            source = f"{RATING}:{rating.id}"
            sources.append(source)
            competency_id = ids.get(rating.competency.strip().lower())
            if competency_id is not None:
                links.append(
                    NewLink(
                        source,
                        rating.ratee_id,
                        competency_id,
                        1.0,
                        None,
                        "neutral",
                        rating.rated_at,
                    )
                )
    store.skill_evidence.replace_links(sources, links, at=datetime.now(UTC))
    return [link.source for link in links]


def expected_levels(framework: Framework, role: str) -> dict[str, int]:
    """The levels a role (job title, case-insensitive) is expected at, by competency."""
    names = framework.by_id()
    wanted = role.strip().lower()
    return {
        names[e.competency_id].name: e.level
        for e in framework.expectations
        if e.role.strip().lower() == wanted and e.competency_id in names
    }


def load_profiles(
    store: Store, framework: Framework, people: Sequence[Person], min_evidence: int
) -> dict[int, Profile]:
    """The profiles of these people."""
    names = framework.by_id()
    ids = [p.id for p in people if p.id is not None]
    evidence: dict[int, list[EvidenceItem]] = {i: [] for i in ids}
    for link in store.skill_evidence.for_people(ids):
        if link.source.startswith(f"{RATING}:") or link.competency_id not in names:
            continue
        evidence[link.person_id].append(
            EvidenceItem(
                link.source,
                names[link.competency_id].name,
                link.level,
                link.similarity,
                link.polarity,
                link.created_at,
            )
        )
    by_name = {c.name.lower(): c.name for c in framework.competencies}
    scales = {c.id: c.scale_high for c in store.ratings.cycles()}
    competencies = [c.name for c in framework.competencies]
    profiles: dict[int, Profile] = {}
    for person in people:
        if person.id is None:
            continue
        ratings = [
            RatingItem(
                f"{RATING}:{r.id}",
                by_name[r.competency.strip().lower()],
                r.score,
                scales.get(r.cycle_id, 5.0),
                r.rated_at,
            )
            for r in store.ratings.about(person.id)
            if r.competency.strip().lower() in by_name
        ]
        profiles[person.id] = build_profile(
            person.id,
            person.title,
            competencies,
            expected_levels(framework, person.title),
            evidence[person.id],
            ratings,
            min_evidence=min_evidence,
        )
    return profiles


def catalogue_items(store: Store, framework: Framework) -> list[CatalogueItem]:
    """The learning catalogue as plain records."""
    names = framework.by_id()
    return [
        CatalogueItem(
            i.id, i.title, i.url, names[i.competency_id].name, i.level, i.format, i.duration
        )
        for i in store.competencies.catalogue()
        if i.id is not None and i.competency_id in names
    ]


def mentoring_offers(store: Store, framework: Framework) -> dict[int, frozenset[str]]:
    """Person id -> the competencies they offered to mentor in ("*" for any)."""
    names = framework.by_id()
    offers: dict[int, set[str]] = {}
    for offer in store.skill_evidence.mentoring():
        if offer.competency_id is None:
            offers.setdefault(offer.person_id, set()).add(ALL_COMPETENCIES)
        elif offer.competency_id in names:
            offers.setdefault(offer.person_id, set()).add(names[offer.competency_id].name)
    return {pid: frozenset(c) for pid, c in offers.items()}
