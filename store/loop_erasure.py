"""Erasure of a person's check-ins, goals, 1:1s, settings and feedback (part of
`store.erasure`)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, func, update
from sqlmodel import Session, col, or_, select

from store.index_documents import checkin_doc_id, feedback_doc_id
from store.models import (
    AgendaItem,
    AIOutput,
    Checkin,
    CheckinPlan,
    Feedback,
    FeedbackRequest,
    Goal,
    OneOnOne,
    PersonSettings,
    ReviewDraft,
    ReviewDraftVersion,
)
from store.rating_models import ProtectedAttribute, Rating
from store.skills_erasure import count_skill_records, erase_skill_records


def _meetings(session: Session, person_id: int) -> list[int | None]:
    return list(
        session.exec(
            select(OneOnOne.id).where(
                or_(OneOnOne.manager_id == person_id, OneOnOne.report_id == person_id)
            )
        )
    )


def _agenda_filter(meetings: list[int | None], person_id: int) -> Any:
    return or_(col(AgendaItem.oneonone_id).in_(meetings), col(AgendaItem.author_id) == person_id)


def _feedback_filter(person_id: int) -> Any:
    # Everything they wrote (answers, notes, self-assessments) and everything about them.
    return or_(col(Feedback.author_id) == person_id, col(Feedback.subject_id) == person_id)


def _request_filter(person_id: int) -> Any:
    return or_(
        col(FeedbackRequest.requester_id) == person_id,
        col(FeedbackRequest.responder_id) == person_id,
    )


def _rating_filter(person_id: int) -> Any:
    # Ratings they gave and ratings about them: both describe a judgement involving them.
    return or_(col(Rating.rater_id) == person_id, col(Rating.ratee_id) == person_id)


def loop_doc_ids(session: Session, person_id: int) -> list[str]:
    """The index documents of what `erase_loop_records` deletes: the person's check-ins and
    all feedback by or about them (every kind: removing a document never indexed is a no-op)."""
    checkins = session.exec(select(Checkin.id).where(col(Checkin.person_id) == person_id))
    feedback = session.exec(select(Feedback.id).where(_feedback_filter(person_id)))
    return [checkin_doc_id(i) for i in checkins if i is not None] + [
        feedback_doc_id(i) for i in feedback if i is not None
    ]


def count_loop_records(session: Session, person_id: int) -> dict[str, int]:
    """What `erase_loop_records` would delete, without deleting anything."""
    meetings = _meetings(session, person_id)

    def count(model: Any, where: Any) -> int:
        return int(session.exec(select(func.count()).select_from(model).where(where)).one())

    return {
        "checkins_deleted": count(Checkin, col(Checkin.person_id) == person_id),
        "goals_deleted": count(Goal, col(Goal.owner_id) == person_id),
        "oneonones_deleted": len(meetings),
        "agenda_items_deleted": count(AgendaItem, _agenda_filter(meetings, person_id)),
        "feedback_deleted": count(Feedback, _feedback_filter(person_id)),
        "feedback_requests_deleted": count(FeedbackRequest, _request_filter(person_id)),
        "review_drafts_deleted": count(ReviewDraft, col(ReviewDraft.subject_id) == person_id),
        "ratings_deleted": count(Rating, _rating_filter(person_id)),
        "attributes_deleted": count(
            ProtectedAttribute, col(ProtectedAttribute.person_id) == person_id
        ),
        **count_skill_records(session, person_id),  # competencies (`store.skills_erasure`)
    }


def erase_loop_records(session: Session, person_id: int) -> dict[str, int]:
    """Delete, inside the caller's transaction, everything of the continuous loop that is the
    person's: their check-ins and settings, the goals they own (goals nested under them are
    kept, unlinked), their 1:1s with both sides' agendas, agenda items they wrote elsewhere,
    their team's check-in plan (the team falls back to the default), all feedback they wrote
    or that is about them, the feedback requests they made or were asked, review drafts
    about them (with their versions and AI outputs), the ratings they gave or received and
    their protected attributes. Returns counts."""
    meetings = _meetings(session, person_id)
    agenda = session.execute(delete(AgendaItem).where(_agenda_filter(meetings, person_id)))
    oneonones = session.execute(delete(OneOnOne).where(col(OneOnOne.id).in_(meetings)))
    goal_ids = list(session.exec(select(Goal.id).where(Goal.owner_id == person_id)))
    session.execute(update(Goal).where(col(Goal.parent_id).in_(goal_ids)).values(parent_id=None))
    goals = session.execute(delete(Goal).where(col(Goal.id).in_(goal_ids)))
    checkins = session.execute(delete(Checkin).where(col(Checkin.person_id) == person_id))
    session.execute(delete(CheckinPlan).where(col(CheckinPlan.manager_id) == person_id))
    session.execute(delete(PersonSettings).where(col(PersonSettings.person_id) == person_id))
    feedback = session.execute(delete(Feedback).where(_feedback_filter(person_id)))
    request_ids = select(FeedbackRequest.id).where(_request_filter(person_id))
    # Answers are by or about a requester or responder, so none should remain; unlink any.
    session.execute(
        update(Feedback).where(col(Feedback.request_id).in_(request_ids)).values(request_id=None)
    )
    requests = session.execute(delete(FeedbackRequest).where(_request_filter(person_id)))
    reviews = _erase_reviews(session, person_id)
    ratings = session.execute(delete(Rating).where(_rating_filter(person_id)))
    attributes = session.execute(
        delete(ProtectedAttribute).where(col(ProtectedAttribute.person_id) == person_id)
    )
    # Competencies: last, so links from every record deleted above go too.
    skills = erase_skill_records(session, person_id)
    return {
        **skills,
        "ratings_deleted": _count(ratings),
        "attributes_deleted": _count(attributes),
        "review_drafts_deleted": reviews,
        "checkins_deleted": _count(checkins),
        "goals_deleted": _count(goals),
        "oneonones_deleted": _count(oneonones),
        "agenda_items_deleted": _count(agenda),
        "feedback_deleted": _count(feedback),
        "feedback_requests_deleted": _count(requests),
    }


def _erase_reviews(session: Session, person_id: int) -> int:
    """Drafts about the person go, with their versions and the AI outputs that wrote them;
    in drafts about others the person only edited, their authorship is removed."""
    drafts = [
        d for d in session.exec(select(ReviewDraft.id).where(ReviewDraft.subject_id == person_id))
    ]
    session.execute(delete(ReviewDraftVersion).where(col(ReviewDraftVersion.draft_id).in_(drafts)))
    deleted = session.execute(delete(ReviewDraft).where(col(ReviewDraft.id).in_(drafts)))
    session.execute(
        update(ReviewDraftVersion)
        .where(col(ReviewDraftVersion.author_id) == person_id)
        .values(author_id=None)
    )
    written = [
        o.id
        for o in session.exec(select(AIOutput).where(AIOutput.kind == "review_draft"))
        if (o.output or {}).get("subject") == person_id
    ]
    session.execute(delete(AIOutput).where(col(AIOutput.id).in_(written)))
    return _count(deleted)


def _count(result: object) -> int:
    return int(getattr(result, "rowcount", 0) or 0)
