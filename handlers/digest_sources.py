"""What a digest reads: kudos, answered check-ins and written feedback as one kind of record,
and check-in completion per department — both k-anonymous by the people they are about.

A kudos is about its recipients, a check-in about the person who answered it, feedback about
its subject (peer, upward and self only: a manager's note is private and never read here).
"""

from __future__ import annotations

import asyncio
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime

from handlers.services import Services
from insights.anonymity import Group, safe_groups
from store.index_documents import (
    INDEXED_FEEDBACK_KINDS,
    checkin_doc_id,
    checkin_text,
    feedback_doc_id,
)
from store.kudos import KudosRecord
from store.kudos import doc_id as kudos_doc_id
from store.models import Checkin, Feedback, Person

KUDOS, CHECKIN, FEEDBACK = "kudos", "checkin", "feedback"


@dataclass(frozen=True)
class Source:
    """One piece of feedback a digest reads, with the ids the anonymity rules count."""

    id: str  # the vector-index document id, e.g. "checkin:12"
    kind: str  # kudos | checkin | feedback
    text: str
    subject_ids: tuple[int, ...]
    author_id: int | None
    at: datetime
    values: tuple[str, ...] = ()  # company values (kudos only)


def from_kudos(record: KudosRecord) -> Source:
    """A kudos: about its recipients."""
    return Source(
        kudos_doc_id(record.id),
        KUDOS,
        record.text,
        record.recipient_ids,
        record.giver_id,
        record.created_at,
        record.company_values,
    )


def from_checkin(checkin: Checkin) -> Source | None:
    """An answered check-in: by and about its person; its written answers, never the mood."""
    text = checkin_text(checkin)
    if checkin.id is None or checkin.submitted_at is None or not text:
        return None
    person = (checkin.person_id,)
    return Source(
        checkin_doc_id(checkin.id), CHECKIN, text, person, checkin.person_id, checkin.submitted_at
    )


def from_feedback(feedback: Feedback) -> Source | None:
    """Peer, upward or self feedback: about its subject."""
    if feedback.id is None or feedback.kind not in INDEXED_FEEDBACK_KINDS:
        return None
    return Source(
        feedback_doc_id(feedback.id),
        FEEDBACK,
        feedback.text,
        (feedback.subject_id,),
        feedback.author_id,
        feedback.created_at,
    )


async def read_sources(services: Services, start: datetime, end: datetime) -> list[Source]:
    """Every kudos, answered check-in and written feedback (not manager notes) in [start, end).

    Reads can be large (months of feedback): they run off the event loop that acks Slack.
    """
    store = services.store
    kudos = await asyncio.to_thread(store.kudos.between, start, end)
    checkins = await asyncio.to_thread(store.checkins.submitted_between, start, end)
    feedback = await asyncio.to_thread(store.feedback.written_between, start, end)
    sources: list[Source | None] = [from_kudos(r) for r in kudos]
    sources += [from_checkin(c) for c in checkins]
    sources += [from_feedback(f) for f in feedback]
    return sorted((s for s in sources if s is not None), key=lambda s: (s.at, s.id))


def in_scope(source: Source, people: frozenset[int]) -> bool:
    """Feedback belongs to a scope when it is about someone in it."""
    return any(p in people for p in source.subject_ids)


@dataclass(frozen=True)
class Completion:
    """Check-ins sent in a window and how many of them were answered, for one group."""

    group: str
    sent: int
    answered: int
    people: int  # distinct people the check-ins were sent to

    @property
    def percent(self) -> int:
        """The share answered, as a whole percentage."""
        return round(100 * self.answered / self.sent) if self.sent else 0


ALL = "all"


def checkin_completion(
    sent: list[Checkin],
    people: dict[int, Person],
    scope: frozenset[int],
    min_group: int,
    end: datetime,
) -> tuple[Completion | None, tuple[Completion, ...]]:
    """The share of check-ins answered (by `end`) among those sent, for the whole scope and
    per department, largest first. A group is shown only when it is k-anonymous together with
    the others shown (small departments, and ones that differencing would expose, are left
    out); nothing is shown when the scope itself is too small."""
    counts: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    members: dict[str, set[int]] = defaultdict(set)
    for checkin in sent:
        person = checkin.person_id
        if person not in scope:
            continue
        answered = checkin.submitted_at is not None and checkin.submitted_at < end
        department = people[person].department if person in people else ""
        for key in (ALL, f"dept:{department}") if department else (ALL,):
            counts[key][0] += 1
            counts[key][1] += int(answered)
            members[key].add(person)
    if not counts:
        return None, ()
    groups = [Group(key, frozenset(members[key])) for key in counts]
    shown = set(safe_groups(groups, min_group).shown)
    if ALL not in shown:
        return None, ()

    def completion(key: str) -> Completion:
        sent_n, answered_n = counts[key]
        return Completion(key.removeprefix("dept:"), sent_n, answered_n, len(members[key]))

    departments = sorted(
        (k for k in shown if k != ALL), key=lambda k: (-len(members[k]), k.lower())
    )
    return completion(ALL), tuple(completion(k) for k in departments)
