"""Feedback about people (peer, upward, self-assessment, manager notes) and feedback requests.

Every write is audited with ids only (never the text) in the same transaction as the change,
and stored once: answering a request moves it from pending to answered in one conditional
update, so a double submit finds nothing left to answer; other writes record their request key
(`processed_requests`) with the change, as kudos and goals do.

Self-assessments: one per review cycle. Submitting again within `SELF_CYCLE` (90 days) of the
latest one edits it in place; after that a new one starts, so earlier cycles' stay as written.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from typing import TypeVar

import sqlalchemy as sa
from sqlalchemy import update
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from store import audit, outbox
from store.db import session_scope
from store.deliveries import FAILED
from store.index_documents import INDEXED_FEEDBACK_KINDS, feedback_doc_id
from store.models import Delivery, Feedback, FeedbackRequest, Person
from store.requests import store_once, was_processed

KINDS = ("peer", "upward", "self", "manager_note")
PENDING, ANSWERED, DECLINED = "pending", "answered", "declined"
SELF_CYCLE = timedelta(days=90)
_T = TypeVar("_T")
REMINDER_PREFIX = "feedback-reminder:"


def reminder_key(request_id: int) -> str:
    """The delivery key of a request's one reminder."""
    return f"{REMINDER_PREFIX}{request_id}"


def feedback_kind(author: Person, subject_id: int) -> str:
    """Feedback from someone who reports to its subject is upward; anyone else's is peer."""
    return "upward" if author.manager_id == subject_id else "peer"


class FeedbackRepo:
    """Stores feedback and feedback requests."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    # --- requests ----------------------------------------------------------------------------

    def create_requests(
        self,
        request_key: str,
        *,
        requester_id: int,
        responder_ids: Sequence[int],
        topic: str,
        at: datetime,
    ) -> list[FeedbackRequest] | None:
        """One pending request per responder, about the requester; None for a repeat of
        `request_key` (a retried command)."""

        def write(session: Session) -> tuple[list[FeedbackRequest], int | None]:
            rows = [
                FeedbackRequest(
                    requester_id=requester_id, responder_id=r, topic=topic, created_at=at
                )
                for r in dict.fromkeys(responder_ids)
            ]
            session.add_all(rows)
            session.flush()
            for row in rows:
                _audit(
                    session,
                    at,
                    requester_id,
                    "feedback.requested",
                    "feedback_request",
                    row.id,
                    {"responder": row.responder_id},
                )
            return rows, rows[0].id if rows else None

        return self._once(request_key, "feedback.request", at, write)

    def request(self, request_id: int) -> FeedbackRequest | None:
        """One request by id."""
        with session_scope(self._engine) as session:
            return session.get(FeedbackRequest, request_id)

    def batch_of(self, request: FeedbackRequest) -> list[FeedbackRequest]:
        """The requests sent together with this one (same requester, topic and moment)."""
        with session_scope(self._engine) as session:
            query = select(FeedbackRequest).where(
                FeedbackRequest.requester_id == request.requester_id,
                FeedbackRequest.topic == request.topic,
                FeedbackRequest.created_at == request.created_at,
            )
            return list(session.exec(query.order_by(col(FeedbackRequest.id))))

    def pending_for(self, responder_id: int) -> list[FeedbackRequest]:
        """Requests waiting for a person's answer, oldest first."""
        with session_scope(self._engine) as session:
            query = select(FeedbackRequest).where(
                FeedbackRequest.responder_id == responder_id, FeedbackRequest.status == PENDING
            )
            return list(session.exec(query.order_by(col(FeedbackRequest.id))))

    def to_remind(self, created_before: datetime) -> list[FeedbackRequest]:
        """Pending requests made at or before a moment whose reminder was never claimed
        (`reminder_key`), oldest first. A reminder whose send failed comes up again; a
        dead-lettered one does not (it is neither sent nor retried)."""
        claimed = select(Delivery.key).where(
            col(Delivery.key) == REMINDER_PREFIX + sa.cast(FeedbackRequest.id, sa.String),
            Delivery.status != FAILED,
        )
        with session_scope(self._engine) as session:
            query = select(FeedbackRequest).where(
                FeedbackRequest.status == PENDING,
                col(FeedbackRequest.created_at) <= created_before,
                ~sa.exists(claimed),
            )
            return list(session.exec(query.order_by(col(FeedbackRequest.id))))

    def mark_reminded(self, request_id: int, at: datetime) -> None:
        """Note that a request's reminder went out."""
        with session_scope(self._engine) as session:
            session.execute(
                update(FeedbackRequest)
                .where(col(FeedbackRequest.id) == request_id)
                .values(reminded_at=at)
            )

    def answer(
        self, request_key: str, request_id: int, responder: Person, text: str, at: datetime
    ) -> Feedback | None:
        """Store a responder's answer to a pending request (peer or upward feedback about the
        requester); None when the request is not theirs or no longer pending (answered,
        declined, or this is a double submit)."""

        def write(session: Session) -> tuple[Feedback | None, int | None]:
            request = session.get(FeedbackRequest, request_id)
            if request is None or request.responder_id != responder.id:
                return None, None
            claimed = session.execute(
                update(FeedbackRequest)
                .where(
                    col(FeedbackRequest.id) == request_id,
                    col(FeedbackRequest.status) == PENDING,
                )
                .values(status=ANSWERED, answered_at=at)
            )
            if not getattr(claimed, "rowcount", 0):
                return None, None
            feedback = Feedback(
                author_id=request.responder_id,
                subject_id=request.requester_id,
                kind=feedback_kind(responder, request.requester_id),
                text=text,
                topic=request.topic,
                request_id=request_id,
                created_at=at,
                updated_at=at,
            )
            session.add(feedback)
            session.flush()
            _queue_index(session, feedback, at)
            detail = {"request": request_id, "subject": feedback.subject_id, "kind": feedback.kind}
            _audit(session, at, responder.id, "feedback.answered", "feedback", feedback.id, detail)
            return feedback, feedback.id

        return self._once(request_key, "feedback.answer", at, write)

    def decline(self, request_id: int, responder_id: int, at: datetime) -> FeedbackRequest | None:
        """Decline a pending request of one's own; None when there is nothing to decline."""
        with session_scope(self._engine) as session:
            claimed = session.execute(
                update(FeedbackRequest)
                .where(
                    col(FeedbackRequest.id) == request_id,
                    col(FeedbackRequest.responder_id) == responder_id,
                    col(FeedbackRequest.status) == PENDING,
                )
                .values(status=DECLINED, answered_at=at)
            )
            if not getattr(claimed, "rowcount", 0):
                return None
            _audit(session, at, responder_id, "feedback.declined", "feedback_request", request_id)
            return session.get(FeedbackRequest, request_id)

    # --- feedback ----------------------------------------------------------------------------

    def add_once(
        self,
        request_key: str,
        *,
        author_id: int,
        subject_id: int,
        kind: str,
        text: str,
        at: datetime,
        shareable: bool = False,
        topic: str = "",
    ) -> Feedback | None:
        """Store unsolicited feedback or a manager's note, unless `request_key` was stored
        before: then nothing, and None."""
        if kind not in KINDS or kind == "self":
            raise ValueError(f"add_once stores peer, upward or manager_note feedback, not {kind!r}")

        def write(session: Session) -> tuple[Feedback, int | None]:
            feedback = Feedback(
                author_id=author_id,
                subject_id=subject_id,
                kind=kind,
                text=text,
                topic=topic,
                shareable=shareable,
                created_at=at,
                updated_at=at,
            )
            session.add(feedback)
            session.flush()
            _queue_index(session, feedback, at)
            action = "feedback.note_added" if kind == "manager_note" else "feedback.given"
            detail = {"subject": subject_id, "kind": kind, "shareable": shareable}
            _audit(session, at, author_id, action, "feedback", feedback.id, detail)
            return feedback, feedback.id

        return self._once(request_key, f"feedback.{kind}", at, write)

    def latest_self(self, person_id: int, at: datetime) -> Feedback | None:
        """The person's self-assessment of the current cycle (written within `SELF_CYCLE`)."""
        with session_scope(self._engine) as session:
            return _current_self(session, person_id, at)

    def save_self(
        self, request_key: str, person_id: int, text: str, at: datetime
    ) -> Feedback | None:
        """Write the person's self-assessment: edits this cycle's, or starts a new one.
        None for a repeat of `request_key`."""

        def write(session: Session) -> tuple[Feedback, int | None]:
            current = _current_self(session, person_id, at)
            if current is None:
                current = Feedback(
                    author_id=person_id,
                    subject_id=person_id,
                    kind="self",
                    text=text,
                    created_at=at,
                    updated_at=at,
                )
                action = "feedback.self_added"
            else:
                current.text, current.updated_at = text, at
                action = "feedback.self_edited"
            session.add(current)
            session.flush()
            _queue_index(session, current, at)
            _audit(session, at, person_id, action, "feedback", current.id, {"kind": "self"})
            return current, current.id

        return self._once(request_key, "feedback.self", at, write)

    def about(self, subject_id: int, since: datetime) -> list[Feedback]:
        """Every feedback about a person written at or after `since`, all kinds, oldest
        first. Who may see which is the caller's decision."""
        with session_scope(self._engine) as session:
            query = select(Feedback).where(
                Feedback.subject_id == subject_id, col(Feedback.created_at) >= since
            )
            return list(session.exec(query.order_by(col(Feedback.created_at), col(Feedback.id))))

    def written_between(self, start: datetime, end: datetime) -> list[Feedback]:
        """Peer, upward and self feedback written in [start, end), oldest first (themes)."""
        with session_scope(self._engine) as session:
            query = select(Feedback).where(
                col(Feedback.kind).in_(INDEXED_FEEDBACK_KINDS),
                col(Feedback.created_at) >= start,
                col(Feedback.created_at) < end,
            )
            return list(session.exec(query.order_by(col(Feedback.created_at), col(Feedback.id))))

    def by_id(self, feedback_id: int) -> Feedback | None:
        """One feedback by id."""
        with session_scope(self._engine) as session:
            return session.get(Feedback, feedback_id)

    def was_processed(self, request_key: str) -> bool:
        """Whether a request with this key has already been stored."""
        return was_processed(self._engine, request_key)

    def _once(
        self,
        request_key: str,
        kind: str,
        at: datetime,
        write: Callable[[Session], tuple[_T, int | None]],
    ) -> _T | None:
        return store_once(self._engine, request_key, kind, at, write)


def _queue_index(session: Session, feedback: Feedback, at: datetime) -> None:
    # Manager notes are private to the manager: they never reach the index or the themes.
    if feedback.kind in INDEXED_FEEDBACK_KINDS and feedback.id is not None:
        outbox.enqueue(session, feedback_doc_id(feedback.id), outbox.UPSERT, at)


def _current_self(session: Session, person_id: int, at: datetime) -> Feedback | None:
    query = select(Feedback).where(
        Feedback.subject_id == person_id,
        Feedback.author_id == person_id,
        Feedback.kind == "self",
        col(Feedback.created_at) > at - SELF_CYCLE,
    )
    return session.exec(query.order_by(col(Feedback.created_at).desc()).limit(1)).first()


def _audit(
    session: Session,
    at: datetime,
    actor_id: int | None,
    action: str,
    subject_kind: str,
    subject_id: int | None,
    detail: dict[str, object] | None = None,
) -> None:
    audit.record(
        session,
        at=at,
        actor_id=actor_id,
        action=action,
        subject_kind=subject_kind,
        subject_id=subject_id,
        detail=dict(detail or {}),
    )
