"""Erasure: removing a person's content from SQL and — through outbox entries written in the
same transaction — from the vector index (retention, by age, is in `store.retention`).

What erasure keeps, and why:
- The person's row, scrubbed ("Erased person", `erased-<id>@invalid`, no platform ids, no
  manager, inactive): privacy requests and the audit log point at it by id, and an id that
  maps to nothing personal is not personal data.
- Audit events, with the person removed as actor and from kudos recipient lists: the log of
  what happened stays complete, now anonymous. The erasure itself is one `privacy.erased`
  event holding counts only — the "anonymous counts" — so no extra table is needed.
- Idempotency keys (`processed_requests`): a Slack workspace id and a random trigger id, no
  content; keeping them means a late retry of an erased kudos can never store it again.
- AI outputs: aggregate theme summaries that never name people; the erased records' ids are
  taken out of their inputs.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, replace
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy import delete, func, update
from sqlmodel import Session, col, or_, select

from store import audit, outbox
from store.db import session_scope
from store.deletion import chunks, delete_kudos
from store.kudos import doc_id
from store.loop_erasure import count_loop_records, erase_loop_records, loop_doc_ids
from store.models import (
    AIOutput,
    AuditEvent,
    ConversationRef,
    Kudos,
    KudosRecipient,
    Person,
    PrivacyRequest,
)
from store.privacy_requests import APPROVED, DONE, ERASE, PENDING
from store.repository import Store

ERASED_NAME = "Erased person"
REDACTED = "[erased]"
_INSTALLATION_USER_COLUMNS = (
    "user_token",
    "user_scopes",
    "user_refresh_token",
    "user_token_expires_at",
)


@dataclass(frozen=True)
class ErasureReport:
    """What an erasure removed or changed (counts only: this is what the audit log keeps)."""

    kudos_given: int = 0
    kudos_received_deleted: int = 0
    kudos_received_kept: int = 0
    kudos_redacted: int = 0
    ai_outputs_updated: int = 0
    audit_events_anonymized: int = 0
    conversations_deleted: int = 0
    reports_unlinked: int = 0
    checkins_deleted: int = 0
    goals_deleted: int = 0
    oneonones_deleted: int = 0
    agenda_items_deleted: int = 0
    feedback_deleted: int = 0
    feedback_requests_deleted: int = 0
    review_drafts_deleted: int = 0
    ratings_deleted: int = 0
    attributes_deleted: int = 0
    evidence_links_deleted: int = 0
    mentoring_optins_deleted: int = 0

    @property
    def kudos_deleted(self) -> int:
        """Kudos removed outright: written by the person, or received by them alone."""
        return self.kudos_given + self.kudos_received_deleted

    def counts(self) -> dict[str, int]:
        """The report as a plain dict, for the audit log and messages."""
        return asdict(self)


@dataclass(frozen=True)
class _Plan:
    deleted: list[int]  # kudos removed outright
    loop_docs: list[str]  # index documents of their check-ins and feedback (all deleted)
    unlinked: list[int]  # kudos kept for their other recipients, without this person
    redacted: dict[int, str]  # kudos (kept) whose text named the person: the new text
    ai_inputs: dict[int, list[str]]  # AI output id -> its input ids without erased records
    recipient_events: dict[int, dict[str, object]]  # audit event id -> detail without them
    conversations: list[int]
    report: ErasureReport


def _name_pattern(person: Person) -> re.Pattern[str] | None:
    # Full name, email and the @handle a Slack mention leaves in kudos text (usually the
    # email's local part). Best effort: a first name alone is too ambiguous to redact.
    terms = [re.escape(t) for t in (person.name.strip(), person.email.strip()) if len(t) > 2]
    local = person.email.split("@", 1)[0]
    handle = [rf"@{re.escape(local)}"] if local else []
    if not terms and not handle:
        return None
    return re.compile(rf"(?<![\w@])(?:{'|'.join(terms + handle)})(?![\w@-]|\.\w)", re.IGNORECASE)


def _drafted_about(session: Session, output_id: int, person_id: int | None) -> bool:
    output = session.get(AIOutput, output_id)
    return output is not None and (output.output or {}).get("subject") == person_id


def _plan(session: Session, person: Person) -> _Plan:
    pid = person.id
    given = {i for i in session.exec(select(Kudos.id).where(Kudos.giver_id == pid)) if i}
    mine = select(KudosRecipient.kudos_id).where(KudosRecipient.person_id == pid)
    received = set(session.exec(mine))
    shared = set(
        session.exec(
            select(KudosRecipient.kudos_id).where(
                col(KudosRecipient.kudos_id).in_(mine), KudosRecipient.person_id != pid
            )
        )
    )
    deleted = given | (received - shared)
    unlinked = sorted(received - deleted)
    redacted: dict[int, str] = {}
    pattern = _name_pattern(person)
    if pattern is not None:
        needles = [person.name.lower(), person.email.lower(), "@" + person.email.split("@")[0]]
        lowered = func.lower(Kudos.text)
        candidates = select(Kudos).where(
            or_(*(lowered.contains(n, autoescape=True) for n in needles if n))
        )
        for kudos in session.exec(candidates):
            new_text = pattern.sub(REDACTED, kudos.text)
            if kudos.id not in deleted and new_text != kudos.text:
                redacted[kudos.id or 0] = new_text
    loop_docs = loop_doc_ids(session, pid or 0)
    erased_docs = {doc_id(i) for i in deleted} | set(loop_docs)
    ai_inputs: dict[int, list[str]] = {}
    outputs = select(AIOutput.id, AIOutput.kind, AIOutput.input_ids)
    for output_id, kind, inputs in session.exec(outputs):
        kept = [i for i in inputs or [] if i not in erased_docs]
        if output_id is None or len(kept) == len(inputs or []):
            continue
        if kind == "review_draft" and _drafted_about(session, output_id, pid):
            continue  # deleted with the draft about them (`store.loop_erasure`)
        ai_inputs[output_id] = kept
    actor_events = int(session.exec(select(func.count()).where(AuditEvent.actor_id == pid)).one())
    recipient_events: dict[int, dict[str, object]] = {}
    for chunk in chunks(sorted(received)):
        query = select(AuditEvent).where(
            AuditEvent.subject_kind == "kudos", col(AuditEvent.subject_id).in_(chunk)
        )
        for event in session.exec(query):
            listed = event.detail.get("recipients")
            if isinstance(listed, list) and pid in listed and event.id is not None:
                detail = dict(event.detail)
                detail["recipients"] = [r for r in listed if r != pid]
                recipient_events[event.id] = detail
    platform_ids = {"slack": person.slack_user_id, "teams": person.teams_user_id}
    reachable = [
        (col(ConversationRef.platform) == platform) & (col(ConversationRef.user_id) == user_id)
        for platform, user_id in platform_ids.items()
        if user_id
    ]
    conversations = (
        list(session.exec(select(ConversationRef.id).where(or_(*reachable)))) if reachable else []
    )
    reports = int(session.exec(select(func.count()).where(Person.manager_id == pid)).one())
    report = ErasureReport(
        kudos_given=len(given),
        kudos_received_deleted=len(deleted - given),
        kudos_received_kept=len(unlinked),
        kudos_redacted=len(set(redacted) - set(unlinked)),
        ai_outputs_updated=len(ai_inputs),
        audit_events_anonymized=actor_events + len(set(recipient_events)),
        conversations_deleted=len(conversations),
        reports_unlinked=reports,
    )
    return _Plan(
        deleted=sorted(deleted),
        loop_docs=loop_docs,
        unlinked=unlinked,
        redacted=redacted,
        ai_inputs=ai_inputs,
        recipient_events=recipient_events,
        conversations=[c for c in conversations if c is not None],
        report=report,
    )


def preview_erasure(store: Store, person_id: int) -> ErasureReport:
    """What `erase_person` would remove, without changing anything.

    Raises:
        LookupError: no such person.
    """
    with session_scope(store.engine) as session:
        person = session.get(Person, person_id)
        if person is None:
            raise LookupError(f"no person {person_id}")
        return replace(_plan(session, person).report, **count_loop_records(session, person_id))


def _scrub_installations(session: Session, slack_user_id: str) -> None:
    # slack_sdk's OAuth tables remember who installed the app (and their user token, if any).
    connection = session.connection()
    if not sa.inspect(connection).has_table("slack_installations"):
        return
    table = sa.Table("slack_installations", sa.MetaData(), autoload_with=connection)
    values: dict[str, object] = {c: None for c in _INSTALLATION_USER_COLUMNS if c in table.c}
    values["user_id"] = "erased"
    session.execute(table.update().where(table.c.user_id == slack_user_id).values(**values))


def _scrub_person(session: Session, person: Person, at: datetime) -> None:
    if person.slack_user_id:
        _scrub_installations(session, person.slack_user_id)
    session.execute(
        update(Person).where(col(Person.manager_id) == person.id).values(manager_id=None)
    )
    person.name = ERASED_NAME
    person.email = f"erased-{person.id}@invalid"
    person.manager_id = None
    person.department = person.title = ""
    person.role = "employee"
    person.slack_user_id = person.slack_team_id = person.teams_user_id = person.tz = None
    person.active = False
    person.updated_at = at
    session.add(person)


def erase_person(
    store: Store,
    person_id: int,
    at: datetime,
    *,
    actor_id: int | None = None,
    request_id: int | None = None,
) -> ErasureReport | None:
    """Erase a person's content in one transaction and queue its removal from the index.

    Deletes the kudos they wrote and those only they received, and their check-ins, goals,
    1:1s, agendas, feedback and feedback requests (`store.loop_erasure`); removes them from
    the rest (redacting their name, email and @handle where the text names them); takes their
    records out of AI outputs' inputs; anonymizes their audit events; deletes their conversation
    references; scrubs their directory row and unlinks their reports. Their open erasure
    requests are closed as done, and one `privacy.erased` audit event keeps the counts.

    Args:
        actor_id: who decided it (None for the command line).
        request_id: an approved request this fulfils; it is marked done in the same
            transaction, and if it is no longer `approved` nothing happens.

    Returns:
        The counts, or None when `request_id` was already fulfilled (a second Approve).

    Raises:
        LookupError: no such person.
    """
    with session_scope(store.engine) as session:
        if request_id is not None:
            claimed = session.execute(
                update(PrivacyRequest)
                .where(col(PrivacyRequest.id) == request_id, col(PrivacyRequest.status) == APPROVED)
                .values(status=DONE)
            )
            if not getattr(claimed, "rowcount", 0):
                return None
        person = session.get(Person, person_id)
        if person is None:
            raise LookupError(f"no person {person_id}")
        plan = _plan(session, person)
        delete_kudos(session, plan.deleted, at)
        for chunk in chunks(plan.unlinked):
            session.execute(
                delete(KudosRecipient).where(
                    col(KudosRecipient.kudos_id).in_(chunk),
                    col(KudosRecipient.person_id) == person_id,
                )
            )
        for kudos_id, new_text in plan.redacted.items():
            session.execute(update(Kudos).where(col(Kudos.id) == kudos_id).values(text=new_text))
        for kudos_id in sorted(set(plan.unlinked) | set(plan.redacted)):
            outbox.enqueue(session, doc_id(kudos_id), outbox.UPSERT, at)
        for output_id, inputs in plan.ai_inputs.items():
            session.execute(
                update(AIOutput).where(col(AIOutput.id) == output_id).values(input_ids=inputs)
            )
        session.execute(
            update(AuditEvent).where(col(AuditEvent.actor_id) == person_id).values(actor_id=None)
        )
        for event_id, detail in plan.recipient_events.items():
            session.execute(
                update(AuditEvent).where(col(AuditEvent.id) == event_id).values(detail=detail)
            )
        for chunk in chunks(plan.conversations):
            session.execute(delete(ConversationRef).where(col(ConversationRef.id).in_(chunk)))
        report = replace(plan.report, **erase_loop_records(session, person_id))
        for loop_doc in plan.loop_docs:
            outbox.enqueue(session, loop_doc, outbox.DELETE, at)
        _scrub_person(session, person, at)
        session.execute(
            update(PrivacyRequest)
            .where(
                col(PrivacyRequest.subject_id) == person_id,
                col(PrivacyRequest.kind) == ERASE,
                col(PrivacyRequest.status).in_([PENDING, APPROVED]),
            )
            .values(status=DONE, decided_by=actor_id, decided_at=at)
        )
        audit.record(
            session,
            at=at,
            actor_id=actor_id,
            action="privacy.erased",
            subject_kind="person",
            subject_id=person_id,
            detail={**report.counts(), "request": request_id},
        )
    return report
