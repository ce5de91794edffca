"""Evidence links (which record speaks to whose competency, and why) and mentoring opt-ins.

Linking is recomputed per source: `replace_links` drops what a set of sources linked before and
stores the new links, so running it twice stores the same rows once.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from store.competency_models import EvidenceLink, MentoringOptIn
from store.db import session_scope
from store.deletion import CHUNK, chunks


@dataclass(frozen=True)
class NewLink:
    """A link to store: `source` is "kind:id" ("kudos:12", "rating:7")."""

    source: str
    person_id: int
    competency_id: int
    similarity: float
    level: int | None
    polarity: str
    written_at: datetime | None = None  # when the record was written (default: `at`)


class SkillEvidenceRepo:
    """Stores evidence links and mentoring opt-ins."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def replace_links(
        self, sources: Sequence[str], links: Sequence[NewLink], *, at: datetime
    ) -> int:
        """Replace whatever `sources` linked with `links` (each link's source must be one of
        them); a link's `created_at` is when its record was written. Returns how many links
        are stored."""
        wanted = set(sources)
        if any(link.source not in wanted for link in links):
            raise ValueError("a link names a source that is not being replaced")
        with session_scope(self._engine) as session:
            ordered = sorted(wanted)
            for start in range(0, len(ordered), CHUNK):
                chunk = ordered[start : start + CHUNK]
                session.execute(delete(EvidenceLink).where(col(EvidenceLink.source).in_(chunk)))
            unique = {(link.source, link.person_id, link.competency_id): link for link in links}
            for link in unique.values():
                session.add(
                    EvidenceLink(
                        source=link.source,
                        person_id=link.person_id,
                        competency_id=link.competency_id,
                        similarity=round(link.similarity, 4),
                        level=link.level,
                        polarity=link.polarity,
                        created_at=link.written_at or at,
                    )
                )
        return len(unique)

    def for_people(self, person_ids: Sequence[int]) -> list[EvidenceLink]:
        """Every link about these people, oldest first."""
        found: list[EvidenceLink] = []
        with session_scope(self._engine) as session:
            for chunk in chunks(sorted(set(person_ids))):
                found += session.exec(
                    select(EvidenceLink).where(col(EvidenceLink.person_id).in_(chunk))
                )
        return sorted(found, key=lambda link: (link.created_at, link.id or 0))

    def all_links(self) -> list[EvidenceLink]:
        """Every link, by id."""
        with session_scope(self._engine) as session:
            return list(session.exec(select(EvidenceLink).order_by(col(EvidenceLink.id))))

    def opt_in(self, person_id: int, competency_id: int | None, *, at: datetime) -> bool:
        """Offer to mentor in one competency (None: any); False if already offered."""
        with session_scope(self._engine) as session:
            if self._find(session, person_id, competency_id) is not None:
                return False
            session.add(MentoringOptIn(person_id=person_id, competency_id=competency_id, at=at))
        return True

    def opt_out(self, person_id: int, competency_id: int | None) -> int:
        """Withdraw an offer (None: every offer of theirs); returns how many were withdrawn."""
        with session_scope(self._engine) as session:
            where = col(MentoringOptIn.person_id) == person_id
            if competency_id is not None:
                where = where & (col(MentoringOptIn.competency_id) == competency_id)
            result = session.execute(delete(MentoringOptIn).where(where))
            return int(getattr(result, "rowcount", 0) or 0)

    def mentoring(self) -> list[MentoringOptIn]:
        """Every standing offer to mentor."""
        with session_scope(self._engine) as session:
            return list(session.exec(select(MentoringOptIn).order_by(col(MentoringOptIn.id))))

    @staticmethod
    def _find(session: Session, person_id: int, competency_id: int | None) -> MentoringOptIn | None:
        query = select(MentoringOptIn).where(MentoringOptIn.person_id == person_id)
        if competency_id is None:
            query = query.where(col(MentoringOptIn.competency_id).is_(None))
        else:
            query = query.where(MentoringOptIn.competency_id == competency_id)
        return session.exec(query).first()
