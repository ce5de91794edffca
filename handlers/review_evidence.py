"""The evidence a review draft may rest on: only records the drafting manager may see.

For one of the manager's own reports (direct, or anywhere in their line with skip-level access
on), over a window: kudos they received; feedback about them that the manager may read (see
`may_read`); their submitted check-ins (the written answers, never the mood); their goals with
progress. Records are referred to as `"<kind>:<id>"` (`insights.review_types`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime

from handlers.errors import PermissionDenied
from handlers.meetings import day_text, manages
from handlers.services import Services
from insights.review_types import EvidenceRecord
from store.models import Checkin, Feedback, Goal, Person

MOOD_ID = "mood"  # never evidence, whatever the plan calls it (see handlers.checkin_forms)
BLOCKER_ID = "blockers"
FEEDBACK_WORDS = {
    "peer": "Peer feedback",
    "upward": "Upward feedback",
    "self": "Self-assessment",
    "manager_note": "Manager's note",
}
NOT_YOURS = "You can draft reviews only for your own reports."


def manager_chain(subject: Person, people: Mapping[int, Person]) -> list[int]:
    """The subject's managers, nearest first (their manager, that person's manager, …)."""
    chain: list[int] = []
    current = subject.manager_id
    while current is not None and current not in chain and current != subject.id:
        chain.append(current)
        found = people.get(current)
        current = found.manager_id if found is not None else None
    return chain


def may_read(feedback: Feedback, manager: Person, subject: Person, chain: Iterable[int]) -> bool:
    """Whether a manager drafting a review of `subject` may use this feedback.

    Self-assessments and requested peer or upward feedback go to the subject's managers.
    Unsolicited feedback is addressed to the subject's own manager, so only they may use it.
    Manager notes count when someone in the subject's manager chain wrote them.
    """
    if feedback.subject_id != subject.id:
        return False
    if feedback.kind == "self":
        return feedback.author_id == subject.id
    if feedback.kind == "manager_note":
        return feedback.author_id in set(chain)
    if feedback.kind in ("peer", "upward"):
        if feedback.request_id is not None:
            return True
        return subject.manager_id == manager.id
    return False


def _checkin_text(checkin: Checkin) -> str:
    lines = [
        answer.strip()
        for key, answer in (checkin.answers or {}).items()
        if key not in (MOOD_ID, BLOCKER_ID) and isinstance(answer, str) and answer.strip()
    ]
    blocker = (checkin.blocker or checkin.answers.get(BLOCKER_ID, "") or "").strip()
    if blocker:
        lines.append(f"Blocker: {blocker}")
    return "\n".join(lines)


def _goal_text(goal: Goal) -> str:
    state = "done" if goal.status == "done" else f"{goal.progress:.0%} done"
    results = "".join(f" {kr.strip().rstrip('.')}." for kr in goal.key_results if kr.strip())
    return f"{goal.objective.strip().rstrip('.')} ({state}).{results}"


def _goal_at(goal: Goal) -> datetime:
    return goal.progress_at or goal.created_at


def _kudos(
    services: Services, subject: Person, since: datetime, until: datetime
) -> list[EvidenceRecord]:
    assert subject.id is not None
    return [
        EvidenceRecord(f"kudos:{k.id}", "kudos", k.giver_id, k.text, k.created_at, "strength")
        for k in services.store.kudos.received_since(subject.id, since)
        if k.created_at < until and k.giver_id != subject.id
    ]


def _feedback(
    services: Services, manager: Person, subject: Person, since: datetime, until: datetime
) -> list[EvidenceRecord]:
    assert subject.id is not None
    people = {p.id: p for p in services.store.people.all() if p.id is not None}
    chain = manager_chain(subject, people)
    return [
        EvidenceRecord(f"feedback:{f.id}", f.kind, f.author_id, f.text, f.created_at)
        for f in services.store.feedback.about(subject.id, since)
        if f.id is not None and f.created_at < until and may_read(f, manager, subject, chain)
    ]


def _checkins(
    services: Services, subject: Person, since: datetime, until: datetime
) -> list[EvidenceRecord]:
    assert subject.id is not None
    found = []
    for checkin in services.store.checkins.recent(subject.id, since):
        said, at = _checkin_text(checkin), checkin.submitted_at
        if checkin.id is not None and at is not None and at < until and said:
            found.append(EvidenceRecord(f"checkin:{checkin.id}", "checkin", subject.id, said, at))
    return found


def _goals(
    services: Services, subject: Person, since: datetime, until: datetime
) -> list[EvidenceRecord]:
    """Goals worked on in the window: updated in it, or still active (dropped ones left out)."""
    assert subject.id is not None
    found = []
    for goal in services.store.goals.for_owners([subject.id], active_only=False):
        if goal.id is None or goal.status == "dropped" or goal.created_at >= until:
            continue
        if _goal_at(goal) >= since or goal.status == "active":
            polarity = "strength" if goal.status == "done" else ""
            at = min(max(_goal_at(goal), since), until)
            found.append(
                EvidenceRecord(f"goal:{goal.id}", "goal", None, _goal_text(goal), at, polarity)
            )
    return found


def gather(
    services: Services, manager: Person, subject: Person, since: datetime, until: datetime
) -> list[EvidenceRecord]:
    """Every record about `subject` from `since` up to (not including) `until` that `manager`
    may see, oldest first. Check-in moods are never part of it.

    Raises:
        PermissionDenied: the subject is not one of the manager's reports.
    """
    assert manager.id is not None and subject.id is not None
    if subject.id == manager.id or not manages(services, manager.id, subject.id):
        raise PermissionDenied(NOT_YOURS)
    found = [
        *_kudos(services, subject, since, until),
        *_feedback(services, manager, subject, since, until),
        *_checkins(services, subject, since, until),
        *_goals(services, subject, since, until),
    ]
    return sorted(found, key=lambda r: (r.at, r.ref))


def describe(services: Services, refs: Iterable[str], tz: str | None) -> dict[str, str]:
    """A short label for each record ref, as the manager sees it: what it is, from whom, when.

    A record that no longer exists (erased) is labelled as such rather than left out, so a
    sentence still shows how many sources it had.
    """
    store = services.store
    wanted: dict[str, list[int]] = {}
    for ref in refs:
        kind, _, raw = ref.partition(":")
        if raw.isdigit():
            wanted.setdefault(kind, []).append(int(raw))
    labels: dict[str, str] = {}
    names = {p.id: p.name for p in store.people.all() if p.id is not None}

    def who(person_id: int | None) -> str:
        return names.get(person_id, "someone") if person_id is not None else "someone"

    for kudos in store.kudos.get_many(wanted.get("kudos", [])):
        when = day_text(kudos.created_at, tz)
        labels[f"kudos:{kudos.id}"] = f"Kudos from {who(kudos.giver_id)}, {when}"
    for feedback_id in wanted.get("feedback", []):
        item = store.feedback.by_id(feedback_id)
        if item is not None:
            word = FEEDBACK_WORDS.get(item.kind, "Feedback")
            by = "" if item.kind in ("self", "upward") else f" from {who(item.author_id)}"
            labels[f"feedback:{feedback_id}"] = f"{word}{by}, {day_text(item.created_at, tz)}"
    for checkin_id in wanted.get("checkin", []):
        checkin = store.checkins.by_id(checkin_id)
        if checkin is not None and checkin.submitted_at is not None:
            labels[f"checkin:{checkin_id}"] = f"Check-in {checkin.period}"
    for goal_id, goal in store.goals.many(wanted.get("goal", [])).items():
        short = goal.objective if len(goal.objective) <= 60 else goal.objective[:59] + "…"
        labels[f"goal:{goal_id}"] = f"Goal: {short}"
    return {ref: labels.get(ref, "A record no longer held") for ref in refs}


def names_of(
    services: Services, evidence: Iterable[EvidenceRecord], subject: Person
) -> dict[int, str]:
    """Names of the subject and of everyone who wrote the evidence (for the LLM's placeholders)."""
    ids = {r.author_id for r in evidence if r.author_id is not None}
    if subject.id is not None:
        ids.add(subject.id)
    found = services.store.people.many(ids)
    return {pid: p.name for pid, p in found.items()}
