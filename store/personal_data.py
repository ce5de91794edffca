"""Everything Candor holds about one person, gathered for their own export (`/candor mydata`).

Feedback: everything the person wrote, and everything written about them except their
managers' private notes (a manager's working notes for a review, like notes kept outside
Candor). Feedback about them that its author did not share with them comes without the
author's name or the request it answered: those who answer a request are told the requester
learns how many answered, never who wrote what. For the same reason the requests they made
list whom they asked, not who answered.

Ratings: every rating about the person and every rating they gave; a rating about them names
its rater when a manager gave it (`RatingData.rater_shown`). Protected attributes: the
person's own values only (`AttributeRepo.own`), never anyone else's and nothing computed from
them (calibration results are group statistics, not the person's records).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlmodel import Session, and_, col, or_, select

from store.ai_outputs import PersonalAIOutput
from store.db import session_scope
from store.kudos import KudosRecord
from store.models import (
    AgendaItem,
    AuditEvent,
    Checkin,
    Feedback,
    FeedbackRequest,
    Goal,
    Kudos,
    KudosRecipient,
    OneOnOne,
    Person,
    PersonSettings,
    PrivacyRequest,
    ReviewDraft,
)
from store.rating_models import Rating, RatingCycle
from store.repository import Store


@dataclass(frozen=True)
class LoopData:
    """The person's check-ins, settings, goals, 1:1s and the agenda items of those 1:1s."""

    settings: PersonSettings | None = None
    checkins: list[Checkin] = field(default_factory=list)
    goals: list[Goal] = field(default_factory=list)
    oneonones: list[OneOnOne] = field(default_factory=list)
    agenda: list[AgendaItem] = field(default_factory=list)
    # Reviews about them that their manager approved (drafts are the manager's until then).
    reviews: list[ReviewDraft] = field(default_factory=list)


def _loop(session: Session, person_id: int) -> LoopData:
    meetings = list(
        session.exec(
            select(OneOnOne)
            .where(or_(OneOnOne.manager_id == person_id, OneOnOne.report_id == person_id))
            .order_by(col(OneOnOne.id))
        )
    )
    meeting_ids = [m.id for m in meetings]
    return LoopData(
        settings=session.get(PersonSettings, person_id),
        checkins=list(
            session.exec(
                select(Checkin).where(Checkin.person_id == person_id).order_by(col(Checkin.id))
            )
        ),
        goals=list(
            session.exec(select(Goal).where(Goal.owner_id == person_id).order_by(col(Goal.id)))
        ),
        oneonones=meetings,
        agenda=list(
            session.exec(
                select(AgendaItem)
                .where(col(AgendaItem.oneonone_id).in_(meeting_ids))
                .order_by(col(AgendaItem.id))
            )
        ),
        reviews=list(
            session.exec(
                select(ReviewDraft)
                .where(ReviewDraft.subject_id == person_id, ReviewDraft.status == "approved")
                .order_by(col(ReviewDraft.id))
            )
        ),
    )


@dataclass(frozen=True)
class FeedbackData:
    """Feedback the person wrote, feedback about them they may read, and their requests."""

    written: list[Feedback] = field(default_factory=list)
    about: list[Feedback] = field(default_factory=list)  # by others, no manager notes
    requests_made: list[FeedbackRequest] = field(default_factory=list)
    requests_received: list[FeedbackRequest] = field(default_factory=list)


def _feedback(session: Session, person_id: int) -> FeedbackData:
    by_id = col(Feedback.id)
    written = select(Feedback).where(Feedback.author_id == person_id)
    about = select(Feedback).where(
        Feedback.subject_id == person_id,
        Feedback.author_id != person_id,
        Feedback.kind != "manager_note",
    )
    made = select(FeedbackRequest).where(FeedbackRequest.requester_id == person_id)
    received = select(FeedbackRequest).where(FeedbackRequest.responder_id == person_id)
    return FeedbackData(
        written=list(session.exec(written.order_by(by_id))),
        about=list(session.exec(about.order_by(by_id))),
        requests_made=list(session.exec(made.order_by(col(FeedbackRequest.id)))),
        requests_received=list(session.exec(received.order_by(col(FeedbackRequest.id)))),
    )


@dataclass(frozen=True)
class RatingData:
    """Ratings about the person and by them, their cycles, and the person's own attributes."""

    received: list[Rating] = field(default_factory=list)
    given: list[Rating] = field(default_factory=list)
    cycles: dict[int, RatingCycle] = field(default_factory=dict)
    managers: frozenset[int] = frozenset()  # everyone above the person in their line, now
    attributes: dict[str, str] = field(default_factory=dict)  # theirs only

    def rater_shown(self, rating: Rating) -> bool:
        """Whether the person sees who gave a rating about them: a manager's rating (given in
        the review form, which only their reporting line can use, or by someone above them
        now) is theirs to discuss; another rater's, e.g. a peer in a 360, stays unnamed."""
        return rating.source == "review" or rating.rater_id in self.managers


def _managers(session: Session, person: Person) -> frozenset[int]:
    found: set[int] = set()
    manager_id = person.manager_id
    while manager_id is not None and manager_id not in found and manager_id != person.id:
        found.add(manager_id)
        above = session.get(Person, manager_id)
        manager_id = above.manager_id if above else None
    return frozenset(found)


def _ratings(store: Store, person_id: int, managers: frozenset[int]) -> RatingData:
    return RatingData(
        received=store.ratings.about(person_id),
        given=store.ratings.given_by(person_id),
        cycles={c.id: c for c in store.ratings.cycles() if c.id is not None},
        managers=managers,
        attributes=store.attributes.own(person_id),
    )


@dataclass(frozen=True)
class PersonalData:
    """A person's directory entry and every record that is about them or by them."""

    person: Person
    manager: Person | None
    given: list[KudosRecord]
    received: list[KudosRecord]
    names: dict[int, str]  # everyone the kudos name, by id
    ai_outputs: list[PersonalAIOutput]  # that used their kudos (which ones, not the text)
    audit_events: list[AuditEvent]
    privacy_requests: list[PrivacyRequest]
    loop: LoopData = field(default_factory=lambda: LoopData())
    feedback: FeedbackData = field(default_factory=lambda: FeedbackData())
    ratings: RatingData = field(default_factory=lambda: RatingData())

    def counts(self) -> dict[str, int]:
        """How many records of each kind (for the audit log and the message)."""
        return {
            "kudos_given": len(self.given),
            "kudos_received": len(self.received),
            "ai_outputs": len(self.ai_outputs),
            "audit_events": len(self.audit_events),
            "privacy_requests": len(self.privacy_requests),
            "checkins": len(self.loop.checkins),
            "goals": len(self.loop.goals),
            "one_on_ones": len(self.loop.oneonones),
            "agenda_items": len(self.loop.agenda),
            "feedback_written": len(self.feedback.written),
            "feedback_about_you": len(self.feedback.about),
            "feedback_requests": len(self.feedback.requests_made)
            + len(self.feedback.requests_received),
            "ratings_received": len(self.ratings.received),
            "ratings_given": len(self.ratings.given),
            "attributes": len(self.ratings.attributes),
        }


def collect(store: Store, person_id: int) -> PersonalData:
    """Gather a person's data: profile, kudos given and received, AI outputs that used those
    kudos, audit events they did or that concern them or their records, privacy requests,
    their check-ins, goals, 1:1s, feedback, ratings and their own protected attributes.

    Raises:
        LookupError: no such person.
    """
    with session_scope(store.engine) as session:
        person = session.get(Person, person_id)
        if person is None:
            raise LookupError(f"no person {person_id}")
        given_q = select(Kudos.id).where(Kudos.giver_id == person_id)
        received_q = select(KudosRecipient.kudos_id).where(KudosRecipient.person_id == person_id)
        given_ids = [i for i in session.exec(given_q) if i is not None]
        received_ids = list(session.exec(received_q))
        requests_q = select(PrivacyRequest).where(
            or_(PrivacyRequest.subject_id == person_id, PrivacyRequest.requested_by == person_id)
        )
        requests = list(session.exec(requests_q.order_by(col(PrivacyRequest.id))))
        request_ids = [r.id for r in requests if r.id is not None]
        events_q = select(AuditEvent).where(
            or_(
                AuditEvent.actor_id == person_id,
                and_(AuditEvent.subject_kind == "person", AuditEvent.subject_id == person_id),
                and_(
                    AuditEvent.subject_kind == "kudos",
                    or_(
                        col(AuditEvent.subject_id).in_(given_q),
                        col(AuditEvent.subject_id).in_(received_q),
                    ),
                ),
                and_(
                    AuditEvent.subject_kind == "privacy_request",
                    col(AuditEvent.subject_id).in_(request_ids),
                ),
            )
        )
        events = list(session.exec(events_q.order_by(col(AuditEvent.id))))
        manager = session.get(Person, person.manager_id) if person.manager_id else None
        loop = _loop(session, person_id)
        feedback = _feedback(session, person_id)
        managers = _managers(session, person)
    outputs = store.ai_outputs.concerning(person_id)
    ratings = _ratings(store, person_id, managers)
    given = store.kudos.get_many(given_ids)
    received = store.kudos.get_many(received_ids)
    named = {k.giver_id for k in [*given, *received]}
    named.update(m.manager_id for m in loop.oneonones)
    named.update(m.report_id for m in loop.oneonones)
    named.update(i.author_id for i in loop.agenda)
    named.update(r for k in [*given, *received] for r in k.recipient_ids)
    named.update(f.subject_id for f in feedback.written)
    named.update(f.author_id for f in feedback.about if f.shareable)
    named.update(r.responder_id for r in feedback.requests_made)
    named.update(r.requester_id for r in feedback.requests_received)
    named.update(r.rater_id for r in ratings.received if ratings.rater_shown(r))
    named.update(r.ratee_id for r in ratings.given)
    names = {pid: p.name for pid, p in store.people.many(named).items()}
    return PersonalData(
        person, manager, given, received, names, outputs, events, requests, loop, feedback, ratings
    )
