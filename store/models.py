"""SQL tables: the source of truth. The vector index is derived from these via the outbox.

Times are aware UTC datetimes; sqlmodel's `UTCDateTime` stores and returns them the same way on
SQLite and PostgreSQL.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field, SQLModel


class Person(SQLModel, table=True):
    """Someone in the org directory, with their ids on each chat platform."""

    __tablename__ = "people"

    id: int | None = Field(default=None, primary_key=True)
    email: str = Field(max_length=320, unique=True, index=True)
    name: str = Field(max_length=200)
    manager_id: int | None = Field(default=None, foreign_key="people.id", index=True)
    department: str = Field(default="", max_length=200)
    title: str = Field(default="", max_length=200)
    role: str = Field(default="employee", max_length=20)
    slack_user_id: str | None = Field(default=None, max_length=40, unique=True)
    # The Slack workspace the person is in (multi-workspace installs pick the token by it).
    slack_team_id: str | None = Field(default=None, max_length=40)
    teams_user_id: str | None = Field(default=None, max_length=200, unique=True)
    tz: str | None = Field(default=None, max_length=64)
    active: bool = Field(default=True)
    created_at: datetime
    updated_at: datetime


class Kudos(SQLModel, table=True):
    """Public recognition from one person to one or more others."""

    __tablename__ = "kudos"

    id: int | None = Field(default=None, primary_key=True)
    giver_id: int = Field(foreign_key="people.id", index=True)
    text: str = Field(sa_type=sa.Text)
    company_values: list[str] = Field(default_factory=list, sa_type=sa.JSON)
    platform: str = Field(max_length=20)
    # Teams conversation ids run to 100+ characters; Slack's are about 11.
    channel_id: str | None = Field(default=None, max_length=400)
    created_at: datetime = Field(index=True)


class KudosRecipient(SQLModel, table=True):
    """One recipient of a kudos."""

    __tablename__ = "kudos_recipients"

    kudos_id: int = Field(foreign_key="kudos.id", primary_key=True, ondelete="CASCADE")
    person_id: int = Field(foreign_key="people.id", primary_key=True, index=True)


class ProcessedRequest(SQLModel, table=True):
    """Idempotency: a request key seen once is never processed again, even after a restart."""

    __tablename__ = "processed_requests"

    key: str = Field(primary_key=True, max_length=255)
    kind: str = Field(max_length=40)
    record_id: int | None = None
    created_at: datetime


class OutboxEntry(SQLModel, table=True):
    """A change the vector index still has to apply; written in the same transaction as the data."""

    __tablename__ = "outbox"

    id: int | None = Field(default=None, primary_key=True)
    doc_id: str = Field(max_length=80, index=True)
    op: str = Field(max_length=10)  # "upsert" | "delete"
    created_at: datetime
    processed_at: datetime | None = Field(default=None, index=True)
    attempts: int = 0
    last_error: str | None = Field(default=None, max_length=200)


class AuditEvent(SQLModel, table=True):
    """Who did what to which record, and when. Ids only: never feedback text."""

    __tablename__ = "audit_log"

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(index=True)
    actor_id: int | None = Field(default=None, index=True)
    action: str = Field(max_length=60)
    subject_kind: str = Field(max_length=40)
    subject_id: int | None = None
    detail: dict[str, Any] = Field(default_factory=dict, sa_type=sa.JSON)


class Delivery(SQLModel, table=True):
    """A scheduled or proactive message that was sent: its key makes every send happen once.

    The key names the kind, the recipient, the subject and the period, e.g.
    `digest:channel:C123:all:2026-W47`, so a restart or a second replica never sends twice.
    `status` is claimed (being sent), sent, failed (the next round claims it again) or dead
    (given up after `attempts` failed sends; an admin was alerted at `alerted_at`).
    """

    __tablename__ = "deliveries"

    key: str = Field(primary_key=True, max_length=255)
    kind: str = Field(max_length=40)
    created_at: datetime
    # Rows from before statuses existed were all sent.
    status: str = Field(
        default="claimed", max_length=10, index=True, sa_column_kwargs={"server_default": "sent"}
    )
    attempts: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    last_failed_at: datetime | None = None
    # The scheduled job whose sends failed (for the admin alert and `candor deliveries dead`).
    job: str | None = Field(default=None, max_length=40)
    alerted_at: datetime | None = None


class ConversationRef(SQLModel, table=True):
    """Where a platform can reach someone later (Teams proactive messages need these)."""

    __tablename__ = "conversation_refs"
    __table_args__ = (sa.UniqueConstraint("platform", "conversation_id"),)

    id: int | None = Field(default=None, primary_key=True)
    platform: str = Field(max_length=20)
    conversation_id: str = Field(max_length=400)
    conversation_type: str = Field(default="personal", max_length=20)
    user_id: str | None = Field(default=None, max_length=200, index=True)
    tenant_id: str | None = Field(default=None, max_length=100)
    service_url: str = Field(max_length=500)
    reference: dict[str, Any] = Field(default_factory=dict, sa_type=sa.JSON)
    updated_at: datetime


class AIOutput(SQLModel, table=True):
    """An AI-written output with its provenance: model, prompt version and the records used."""

    __tablename__ = "ai_outputs"

    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(max_length=40)
    model: str = Field(max_length=200)
    prompt: str = Field(max_length=80)
    prompt_version: str = Field(max_length=20)
    input_ids: list[str] = Field(default_factory=list, sa_type=sa.JSON)
    output: dict[str, Any] = Field(default_factory=dict, sa_type=sa.JSON)
    created_at: datetime = Field(index=True)


class PrivacyRequest(SQLModel, table=True):
    """A data-rights request (erasure) and the HR decision on it."""

    __tablename__ = "privacy_requests"

    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(max_length=20)  # "erase"
    subject_id: int = Field(index=True)  # the person whose data it concerns
    requested_by: int | None = None
    status: str = Field(default="pending", max_length=20)  # pending|approved|rejected|done
    created_at: datetime
    decided_by: int | None = None
    decided_at: datetime | None = None


# --- The continuous loop: check-ins, goals, 1:1s -------------------------------------------


class PersonSettings(SQLModel, table=True):
    """A person's own choices: mood sharing, time away, and what Candor has already told them."""

    __tablename__ = "person_settings"

    person_id: int = Field(foreign_key="people.id", primary_key=True, ondelete="CASCADE")
    share_mood: bool = Field(default=False)  # the manager sees mood only with this consent
    away_until: date | None = None  # no check-ins or nudges up to and including this day
    welcomed_at: datetime | None = None
    # The person's own check-in day and time (local), overriding their team's plan.
    checkin_weekday: int | None = None
    checkin_hour: int | None = None
    checkin_minute: int | None = None
    # No DMs from Candor between these local hours (start inclusive, end exclusive).
    quiet_start: int | None = None
    quiet_end: int | None = None
    # A manager's own lead time for pre-1:1 nudges (hours), overriding the default.
    prep_lead_hours: int | None = None
    updated_at: datetime


class CheckinPlan(SQLModel, table=True):
    """The check-in questions and cadence of a team (a manager's reports); the row without a
    manager is the organisation's default."""

    __tablename__ = "checkin_plans"

    id: int | None = Field(default=None, primary_key=True)
    manager_id: int | None = Field(
        default=None, foreign_key="people.id", unique=True, ondelete="CASCADE"
    )
    questions: list[dict[str, str]] = Field(default_factory=list, sa_type=sa.JSON)
    weekday: int = Field(default=4)
    hour: int = Field(default=9)
    minute: int = Field(default=0)
    every_weeks: int = Field(default=1)
    updated_at: datetime


class Checkin(SQLModel, table=True):
    """One person's check-in for one period: sent, then answered (and possibly edited)."""

    __tablename__ = "checkins"
    __table_args__ = (sa.UniqueConstraint("person_id", "period"),)

    id: int | None = Field(default=None, primary_key=True)
    person_id: int = Field(foreign_key="people.id", index=True)
    period: str = Field(max_length=20)  # ISO week of the person's local date, "2026-W48"
    sent_at: datetime | None = None
    answers: dict[str, str] = Field(default_factory=dict, sa_type=sa.JSON)
    mood: int | None = None  # 1–5
    blocker: str = Field(default="", sa_type=sa.Text)
    submitted_at: datetime | None = Field(default=None, index=True)
    updated_at: datetime


class Goal(SQLModel, table=True):
    """An objective with key results; personal, team or company level, optionally nested."""

    __tablename__ = "goals"

    id: int | None = Field(default=None, primary_key=True)
    owner_id: int = Field(foreign_key="people.id", index=True)
    level: str = Field(default="personal", max_length=20)  # personal | team | company
    objective: str = Field(sa_type=sa.Text)
    key_results: list[str] = Field(default_factory=list, sa_type=sa.JSON)
    due: date | None = None
    parent_id: int | None = Field(default=None, foreign_key="goals.id", ondelete="SET NULL")
    progress: float = Field(default=0.0)
    status: str = Field(default="active", max_length=20)  # active | done | dropped
    created_at: datetime
    progress_at: datetime | None = None  # the last progress update
    updated_at: datetime


class OneOnOne(SQLModel, table=True):
    """A recurring 1:1 between a manager and a report, in the manager's time zone."""

    __tablename__ = "one_on_ones"
    __table_args__ = (sa.UniqueConstraint("manager_id", "report_id"),)

    id: int | None = Field(default=None, primary_key=True)
    manager_id: int = Field(foreign_key="people.id", index=True)
    report_id: int = Field(foreign_key="people.id", index=True)
    weekday: int
    hour: int
    minute: int
    every_weeks: int = Field(default=1)
    tz: str = Field(max_length=64)
    first_date: date
    active: bool = Field(default=True)
    snoozed_until: datetime | None = None  # the manager snoozed the prep nudge
    created_at: datetime
    updated_at: datetime


class AgendaItem(SQLModel, table=True):
    """A topic on a 1:1's shared agenda; open items carry over until marked done."""

    __tablename__ = "agenda_items"

    id: int | None = Field(default=None, primary_key=True)
    oneonone_id: int = Field(foreign_key="one_on_ones.id", index=True, ondelete="CASCADE")
    author_id: int = Field(foreign_key="people.id")
    text: str = Field(sa_type=sa.Text)
    source_kind: str | None = Field(default=None, max_length=20)  # added from a nudge topic
    source_id: int | None = None
    created_at: datetime
    done_at: datetime | None = None


class OrgSetting(SQLModel, table=True):
    """A setting HR changed from chat (values, minimum group size, digest channel and time);
    it overrides the environment's value."""

    __tablename__ = "org_settings"

    key: str = Field(primary_key=True, max_length=60)
    value: Any = Field(sa_type=sa.JSON)
    updated_by: int | None = None
    updated_at: datetime


# --- Reviews: feedback inputs, drafts and their versions ------------------------------------


class FeedbackRequest(SQLModel, table=True):
    """A request for feedback about the requester, to one responder (one row per responder)."""

    __tablename__ = "feedback_requests"

    id: int | None = Field(default=None, primary_key=True)
    requester_id: int = Field(foreign_key="people.id", index=True)  # also the subject
    responder_id: int = Field(foreign_key="people.id", index=True)
    topic: str = Field(default="", max_length=300)
    status: str = Field(default="pending", max_length=20)  # pending | answered | declined
    created_at: datetime
    reminded_at: datetime | None = None
    answered_at: datetime | None = None


class Feedback(SQLModel, table=True):
    """Written feedback about a person: peer or upward (requested or not), a self-assessment,
    or a manager's note. Unsolicited feedback is private to the subject's manager unless the
    author marked it shareable; manager notes are never shown to the subject."""

    __tablename__ = "feedback"

    id: int | None = Field(default=None, primary_key=True)
    author_id: int = Field(foreign_key="people.id", index=True)
    subject_id: int = Field(foreign_key="people.id", index=True)
    kind: str = Field(max_length=20)  # peer | upward | self | manager_note
    text: str = Field(sa_type=sa.Text)
    topic: str = Field(default="", max_length=300)
    request_id: int | None = Field(default=None, foreign_key="feedback_requests.id")
    shareable: bool = Field(default=False)
    created_at: datetime = Field(index=True)
    updated_at: datetime


class ReviewDraft(SQLModel, table=True):
    """A review draft for one person over a period: AI-prepared, decided by their manager.
    `version` increases with every change, so two edits racing are caught."""

    __tablename__ = "review_drafts"

    id: int | None = Field(default=None, primary_key=True)
    subject_id: int = Field(foreign_key="people.id", index=True)
    manager_id: int = Field(foreign_key="people.id", index=True)
    period_start: date
    period_end: date
    status: str = Field(default="draft", max_length=20)  # draft | approved | discarded
    version: int = Field(default=1)
    engine: str = Field(max_length=200)  # "offline" or "llm:<model>"
    content: dict[str, Any] = Field(default_factory=dict, sa_type=sa.JSON)
    created_at: datetime
    updated_at: datetime
    decided_by: int | None = None
    decided_at: datetime | None = None


class ReviewDraftVersion(SQLModel, table=True):
    """Every version of a draft's content: generated, regenerated or edited, and by whom."""

    __tablename__ = "review_draft_versions"
    __table_args__ = (sa.UniqueConstraint("draft_id", "version"),)

    id: int | None = Field(default=None, primary_key=True)
    draft_id: int = Field(foreign_key="review_drafts.id", index=True, ondelete="CASCADE")
    version: int
    content: dict[str, Any] = Field(default_factory=dict, sa_type=sa.JSON)
    author_id: int | None = None  # None: written by an engine
    reason: str = Field(max_length=20)  # generated | regenerated | edited
    engine: str = Field(default="", max_length=200)
    created_at: datetime
