"""Erasure of a person's evidence links and mentoring offers (part of `store.loop_erasure`).

Links about the person go. Links about others whose source record the erasure deleted (kudos,
feedback or ratings the person wrote) go too: after everything else is deleted, every link
whose record no longer exists is dropped, so no link points at nothing.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, func
from sqlmodel import Session, col, select

from store.competency_models import EvidenceLink, MentoringOptIn
from store.deletion import CHUNK
from store.models import Checkin, Feedback, Kudos
from store.rating_models import Rating

# The record behind each kind of source id ("kudos:12").
_SOURCES: dict[str, Any] = {
    "kudos": Kudos,
    "feedback": Feedback,
    "checkin": Checkin,
    "rating": Rating,
}


def _count(result: object) -> int:
    return int(getattr(result, "rowcount", 0) or 0)


def _authored(session: Session, person_id: int) -> list[str]:
    """Sources the person wrote or gave: erased with them, so links from them go too."""
    kudos = session.exec(select(Kudos.id).where(Kudos.giver_id == person_id))
    feedback = session.exec(select(Feedback.id).where(Feedback.author_id == person_id))
    ratings = session.exec(select(Rating.id).where(Rating.rater_id == person_id))
    return (
        [f"kudos:{i}" for i in kudos]
        + [f"feedback:{i}" for i in feedback]
        + [f"rating:{i}" for i in ratings]
    )


def count_skill_records(session: Session, person_id: int) -> dict[str, int]:
    """What `erase_skill_records` would delete, without deleting anything."""
    sources = _authored(session, person_id)
    links = 0
    for start in range(0, max(len(sources), 1), CHUNK):
        chunk = sources[start : start + CHUNK]
        where = (col(EvidenceLink.person_id) == person_id) | col(EvidenceLink.source).in_(chunk)
        if start:  # links about the person are counted with the first chunk only
            where = (col(EvidenceLink.person_id) != person_id) & col(EvidenceLink.source).in_(chunk)
        links += int(
            session.exec(select(func.count()).select_from(EvidenceLink).where(where)).one()
        )
    offers = session.exec(
        select(func.count())
        .select_from(MentoringOptIn)
        .where(MentoringOptIn.person_id == person_id)
    ).one()
    return {"evidence_links_deleted": links, "mentoring_optins_deleted": int(offers)}


def drop_orphan_links(session: Session) -> int:
    """Delete every link whose source record no longer exists; returns how many."""
    by_kind: dict[str, dict[int, list[str]]] = {}
    for source in set(session.exec(select(EvidenceLink.source))):
        kind, _, number = source.partition(":")
        if number.isdigit():
            by_kind.setdefault(kind, {}).setdefault(int(number), []).append(source)
    orphans: list[str] = []
    for kind, ids in by_kind.items():
        model = _SOURCES.get(kind)
        wanted = sorted(ids)
        found: set[int] = set()
        for start in range(0, len(wanted), CHUNK):
            if model is not None:
                chunk = wanted[start : start + CHUNK]
                found |= set(session.exec(select(model.id).where(col(model.id).in_(chunk))))
        orphans += [s for i in wanted if i not in found for s in ids[i]]
    dropped = 0
    for start in range(0, len(orphans), CHUNK):
        batch = orphans[start : start + CHUNK]
        dropped += _count(
            session.execute(delete(EvidenceLink).where(col(EvidenceLink.source).in_(batch)))
        )
    return dropped


def erase_skill_records(session: Session, person_id: int) -> dict[str, int]:
    """Delete, in the caller's transaction and after the person's records are gone, the links
    about them, links whose record was deleted, and their mentoring offers. Returns counts."""
    about = session.execute(delete(EvidenceLink).where(col(EvidenceLink.person_id) == person_id))
    orphans = drop_orphan_links(session)
    offers = session.execute(
        delete(MentoringOptIn).where(col(MentoringOptIn.person_id) == person_id)
    )
    return {
        "evidence_links_deleted": _count(about) + orphans,
        "mentoring_optins_deleted": _count(offers),
    }
