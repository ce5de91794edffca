"""What goes into the vector index: one document per kudos, answered check-in and shareable
kind of written feedback, built from SQL rows.

Only text meant for themes is indexed. A check-in's document is its written answers (the mood
pulse never); feedback is indexed for peer, upward and self kinds, never a manager's private
note. Metadata holds ids and times only (never names), with person lists written ``",3,7,"``
so an equality or ``contains`` filter on one id is exact.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import func
from sqlmodel import col, select

from store.db import session_scope
from store.kudos import KudosRecord
from store.kudos import doc_id as kudos_doc_id
from store.models import Checkin, Feedback
from store.vector.index import IndexDoc

if TYPE_CHECKING:  # the repositories import this module for the document ids
    from store.repository import Store

KUDOS, CHECKIN, FEEDBACK = "kudos", "checkin", "feedback"
INDEXED_FEEDBACK_KINDS = ("peer", "upward", "self")
# Check-in answers that are never indexed, whatever a plan stores under them.
_UNINDEXED_ANSWERS = frozenset({"mood"})
_BLOCKER = "blockers"


def checkin_doc_id(checkin_id: int) -> str:
    """The vector-index document id of a check-in."""
    return f"{CHECKIN}:{checkin_id}"


def feedback_doc_id(feedback_id: int) -> str:
    """The vector-index document id of a feedback."""
    return f"{FEEDBACK}:{feedback_id}"


def parse_doc_id(doc_id: str) -> tuple[str, int] | None:
    """The kind and record id a document id names, or None for one Candor doesn't make."""
    kind, _, number = doc_id.partition(":")
    if kind not in (KUDOS, CHECKIN, FEEDBACK) or not number.isdigit():
        return None
    return kind, int(number)


def _people(ids: Sequence[int]) -> str:
    # Chroma metadata holds scalars only: delimited lists keep `contains` filters exact.
    return "," + ",".join(str(i) for i in ids) + ","


def _epoch(at: datetime) -> int:
    return int(at.timestamp())


def kudos_document(record: KudosRecord) -> IndexDoc:
    """The index document for a kudos: its text plus ids to filter on (never names)."""
    return IndexDoc(
        id=kudos_doc_id(record.id),
        text=record.text,
        metadata={
            "kind": KUDOS,
            "record_id": record.id,
            "giver_id": record.giver_id,
            "recipient_ids": _people(record.recipient_ids),
            "values": "," + ",".join(record.company_values) + ",",
            "created_at": _epoch(record.created_at),
        },
    )


def checkin_text(checkin: Checkin) -> str:
    """A check-in's written answers, one per line, the blocker last; never the mood."""
    answers = {
        key: value.strip()
        for key, value in (checkin.answers or {}).items()
        if key not in _UNINDEXED_ANSWERS and isinstance(value, str) and value.strip()
    }
    blocker = answers.pop(_BLOCKER, "") or (checkin.blocker or "").strip()
    return "\n".join([*answers.values(), *([blocker] if blocker else [])])


def checkin_document(checkin: Checkin) -> IndexDoc | None:
    """The index document of an answered check-in; None when there is nothing to index."""
    text = checkin_text(checkin)
    if checkin.id is None or checkin.submitted_at is None or not text:
        return None
    return IndexDoc(
        id=checkin_doc_id(checkin.id),
        text=text,
        metadata={
            "kind": CHECKIN,
            "record_id": checkin.id,
            # A check-in is by and about the person who answered it.
            "author_id": checkin.person_id,
            "subject_id": _people([checkin.person_id]),
            "created_at": _epoch(checkin.submitted_at),
        },
    )


def feedback_document(feedback: Feedback) -> IndexDoc | None:
    """The index document of peer, upward or self feedback; None for a manager's note."""
    if feedback.id is None or feedback.kind not in INDEXED_FEEDBACK_KINDS:
        return None
    if not feedback.text.strip():
        return None
    return IndexDoc(
        id=feedback_doc_id(feedback.id),
        text=feedback.text,
        metadata={
            "kind": FEEDBACK,
            "feedback_kind": feedback.kind,
            "record_id": feedback.id,
            "author_id": feedback.author_id,
            "subject_id": _people([feedback.subject_id]),
            "created_at": _epoch(feedback.created_at),
        },
    )


def _checkins(store: Store, ids: Sequence[int]) -> list[Checkin]:
    with session_scope(store.engine) as session:
        query = select(Checkin).where(col(Checkin.id).in_(list(ids))).order_by(col(Checkin.id))
        return list(session.exec(query))


def _feedback(store: Store, ids: Sequence[int]) -> list[Feedback]:
    with session_scope(store.engine) as session:
        query = select(Feedback).where(col(Feedback.id).in_(list(ids))).order_by(col(Feedback.id))
        return list(session.exec(query))


def load_documents(store: Store, doc_ids: Sequence[str]) -> dict[str, IndexDoc]:
    """The current documents for these ids, from SQL. An id whose record is gone, or is not
    (or no longer) indexable, is left out: the caller removes it from the index."""
    wanted: dict[str, list[int]] = {KUDOS: [], CHECKIN: [], FEEDBACK: []}
    for doc_id in doc_ids:
        parsed = parse_doc_id(doc_id)
        if parsed is not None:
            wanted[parsed[0]].append(parsed[1])
    docs: list[IndexDoc | None] = []
    if wanted[KUDOS]:
        docs += [kudos_document(r) for r in store.kudos.get_many(wanted[KUDOS])]
    if wanted[CHECKIN]:
        docs += [checkin_document(c) for c in _checkins(store, wanted[CHECKIN])]
    if wanted[FEEDBACK]:
        docs += [feedback_document(f) for f in _feedback(store, wanted[FEEDBACK])]
    return {doc.id: doc for doc in docs if doc is not None}


def _checkin_page(store: Store, after_id: int, limit: int) -> list[Checkin]:
    with session_scope(store.engine) as session:
        query = (
            select(Checkin)
            .where(col(Checkin.id) > after_id, col(Checkin.submitted_at).is_not(None))
            .order_by(col(Checkin.id))
            .limit(limit)
        )
        return list(session.exec(query))


def _feedback_page(store: Store, after_id: int, limit: int) -> list[Feedback]:
    with session_scope(store.engine) as session:
        query = (
            select(Feedback)
            .where(col(Feedback.id) > after_id, col(Feedback.kind).in_(INDEXED_FEEDBACK_KINDS))
            .order_by(col(Feedback.id))
            .limit(limit)
        )
        return list(session.exec(query))


def all_documents(store: Store, batch_size: int) -> Iterator[list[IndexDoc]]:
    """Every indexable record's document, in batches of at most `batch_size` (for a rebuild):
    kudos, then check-ins, then feedback, each in id order."""
    last = 0
    while page := store.kudos.page(last, batch_size):
        last = page[-1].id
        yield [kudos_document(r) for r in page]
    last = 0
    while checkins := _checkin_page(store, last, batch_size):
        last = checkins[-1].id or last
        yield [d for d in map(checkin_document, checkins) if d is not None]
    last = 0
    while feedback := _feedback_page(store, last, batch_size):
        last = feedback[-1].id or last
        yield [d for d in map(feedback_document, feedback) if d is not None]


def document_count(store: Store) -> int:
    """About how many documents a rebuild adds (for a progress bar): kudos, answered
    check-ins and indexable feedback."""
    with session_scope(store.engine) as session:
        checkins = session.exec(
            select(func.count()).where(col(Checkin.submitted_at).is_not(None))
        ).one()
        feedback = session.exec(
            select(func.count()).where(col(Feedback.kind).in_(INDEXED_FEEDBACK_KINDS))
        ).one()
    return store.kudos.count() + int(checkins) + int(feedback)
