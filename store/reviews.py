"""Review drafts and their versions, with optimistic concurrency on every change.

Every change is an `UPDATE … WHERE version = expected` (and `status = 'draft'`): of two edits
made from the same version only the first lands; the second gets None and is told. Each step
is audited with ids, versions and the engine, never the draft's text.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import func, update
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from store import audit
from store.db import session_scope
from store.models import AIOutput, ReviewDraft, ReviewDraftVersion

DRAFT, APPROVED, DISCARDED = "draft", "approved", "discarded"
DECISIONS = (APPROVED, DISCARDED)
SUPERSEDED = "superseded"  # an AI output a later regeneration replaced
REASONS = ("generated", "regenerated", "edited")
# The key under which a version's content names the AI output that wrote it.
AI_OUTPUT = "ai_output"


class ReviewRepo:
    """Stores review drafts and every version of their content."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def create(
        self,
        *,
        subject_id: int,
        manager_id: int,
        period_start: date,
        period_end: date,
        engine: str,
        content: dict[str, Any],
        at: datetime,
        inputs: Sequence[str] = (),
        ai_output_id: int | None = None,
    ) -> ReviewDraft:
        """Store a new draft and its first version (reason "generated"), audited.

        Args:
            inputs: the refs of the records the engine was given (ids only, for the audit).
            ai_output_id: the AI output this draft's text is (`store.ai_outputs`); its stored
                output is linked to the draft so that approving it can mark it approved.
        """
        content = _with_output(content, ai_output_id)
        with session_scope(self._engine) as session:
            draft = ReviewDraft(
                subject_id=subject_id,
                manager_id=manager_id,
                period_start=period_start,
                period_end=period_end,
                status=DRAFT,
                version=1,
                engine=engine,
                content=content,
                created_at=at,
                updated_at=at,
            )
            session.add(draft)
            session.flush()
            assert draft.id is not None
            session.add(_version(draft.id, 1, content, None, "generated", engine, at))
            _link_output(session, ai_output_id, draft.id, 1)
            audit.record(
                session,
                at=at,
                actor_id=manager_id,
                action="review.generated",
                subject_kind="review_draft",
                subject_id=draft.id,
                detail=_detail(1, engine, subject_id, inputs, ai_output_id),
            )
            return draft

    def get(self, draft_id: int) -> ReviewDraft | None:
        """One draft by id."""
        with session_scope(self._engine) as session:
            return session.get(ReviewDraft, draft_id)

    def latest(self, subject_id: int, manager_id: int) -> ReviewDraft | None:
        """The newest draft a manager has for a report, whatever its status."""
        with session_scope(self._engine) as session:
            return session.exec(
                select(ReviewDraft)
                .where(ReviewDraft.subject_id == subject_id, ReviewDraft.manager_id == manager_id)
                .order_by(col(ReviewDraft.id).desc())
                .limit(1)
            ).first()

    def open_for_manager(self, manager_id: int) -> list[ReviewDraft]:
        """The drafts a manager asked for and has not yet approved or discarded, oldest first."""
        with session_scope(self._engine) as session:
            return list(
                session.exec(
                    select(ReviewDraft)
                    .where(ReviewDraft.manager_id == manager_id, ReviewDraft.status == DRAFT)
                    .order_by(col(ReviewDraft.created_at), col(ReviewDraft.id))
                )
            )

    def status_counts(self, since: datetime) -> dict[str, int]:
        """How many drafts started at or after `since` are open, approved or discarded (every
        status present, zero included): counts only, for HR's view of the review cycle."""
        counts = dict.fromkeys((DRAFT, *DECISIONS), 0)
        with session_scope(self._engine) as session:
            rows = session.exec(
                select(ReviewDraft.status, func.count())
                .where(col(ReviewDraft.created_at) >= since)
                .group_by(col(ReviewDraft.status))
            ).all()
        for status, count in rows:
            counts[status] = counts.get(status, 0) + int(count)
        return counts

    def update_content(
        self,
        draft_id: int,
        expected_version: int,
        content: dict[str, Any],
        author_id: int | None,
        reason: str,
        engine: str,
        at: datetime,
        *,
        inputs: Sequence[str] = (),
        ai_output_id: int | None = None,
    ) -> ReviewDraft | None:
        """Save new content as the next version, if the draft is still at `expected_version`
        and still a draft; None when someone changed or decided it first.

        Args:
            author_id: the person who edited it (None: an engine regenerated it).
            reason: "regenerated" or "edited".
            inputs, ai_output_id: as for `create` (a regenerated draft's provenance).
        """
        if reason not in REASONS:
            raise ValueError(f"unknown reason {reason!r}")
        content = _with_output(content, ai_output_id)
        with session_scope(self._engine) as session:
            moved = session.execute(
                update(ReviewDraft)
                .where(
                    col(ReviewDraft.id) == draft_id,
                    col(ReviewDraft.version) == expected_version,
                    col(ReviewDraft.status) == DRAFT,
                )
                .values(version=expected_version + 1, content=content, engine=engine, updated_at=at)
            )
            if getattr(moved, "rowcount", 0) != 1:
                return None
            version = expected_version + 1
            session.add(_version(draft_id, version, content, author_id, reason, engine, at))
            _link_output(session, ai_output_id, draft_id, version)
            draft = session.get(ReviewDraft, draft_id)
            assert draft is not None
            session.refresh(draft)
            audit.record(
                session,
                at=at,
                actor_id=author_id if author_id is not None else draft.manager_id,
                action=f"review.{reason}",
                subject_kind="review_draft",
                subject_id=draft_id,
                detail=_detail(version, engine, draft.subject_id, inputs, ai_output_id),
            )
            return draft

    def decide(
        self, draft_id: int, expected_version: int, status: str, actor_id: int, at: datetime
    ) -> ReviewDraft | None:
        """Approve or discard the draft as it stands at `expected_version`; None when it moved
        on or was decided already (a second click changes nothing).

        The AI output behind the decided text is marked approved (or discarded), so the people
        whose records it used can see it in `/candor ai`; earlier ones that a regeneration
        replaced are marked superseded.
        """
        if status not in DECISIONS:
            raise ValueError(f"unknown decision {status!r}")
        with session_scope(self._engine) as session:
            moved = session.execute(
                update(ReviewDraft)
                .where(
                    col(ReviewDraft.id) == draft_id,
                    col(ReviewDraft.version) == expected_version,
                    col(ReviewDraft.status) == DRAFT,
                )
                .values(status=status, decided_by=actor_id, decided_at=at, updated_at=at)
            )
            if getattr(moved, "rowcount", 0) != 1:
                return None
            draft = session.get(ReviewDraft, draft_id)
            assert draft is not None
            session.refresh(draft)
            outputs = _outputs_of(session, draft_id, expected_version)
            behind = outputs[-1].id if outputs else None  # the output the decided text is
            for row in outputs:
                final = status if row.id == behind or status == DISCARDED else SUPERSEDED
                row.output = {**row.output, "status": final}
                session.add(row)
            audit.record(
                session,
                at=at,
                actor_id=actor_id,
                action=f"review.{status}",
                subject_kind="review_draft",
                subject_id=draft_id,
                detail={
                    "version": expected_version,
                    "engine": draft.engine,
                    "subject": draft.subject_id,
                    "ai_output": behind,
                },
            )
            return draft

    def versions(self, draft_id: int) -> list[ReviewDraftVersion]:
        """Every version of a draft, oldest first."""
        with session_scope(self._engine) as session:
            return list(
                session.exec(
                    select(ReviewDraftVersion)
                    .where(ReviewDraftVersion.draft_id == draft_id)
                    .order_by(col(ReviewDraftVersion.version))
                )
            )


def _version(
    draft_id: int,
    version: int,
    content: dict[str, Any],
    author_id: int | None,
    reason: str,
    engine: str,
    at: datetime,
) -> ReviewDraftVersion:
    return ReviewDraftVersion(
        draft_id=draft_id,
        version=version,
        content=content,
        author_id=author_id,
        reason=reason,
        engine=engine,
        created_at=at,
    )


def _detail(
    version: int,
    engine: str,
    subject_id: int,
    inputs: Sequence[str],
    ai_output_id: int | None,
) -> dict[str, Any]:
    detail: dict[str, Any] = {"version": version, "engine": engine, "subject": subject_id}
    if inputs:
        detail["inputs"] = list(dict.fromkeys(inputs))
    if ai_output_id is not None:
        detail["ai_output"] = ai_output_id
    return detail


def _link_output(session: Session, output_id: int | None, draft_id: int, version: int) -> None:
    """Note on an AI output which draft version it became (read back by `decide`)."""
    if output_id is None:
        return
    row = session.get(AIOutput, output_id)
    if row is not None:
        row.output = {**row.output, "draft_id": draft_id, "draft_version": version}
        session.add(row)


def _with_output(content: dict[str, Any], output_id: int | None) -> dict[str, Any]:
    # The version remembers which AI output wrote it; an edit keeps none of its own.
    clean = {k: v for k, v in content.items() if k != AI_OUTPUT}
    return clean if output_id is None else {**clean, AI_OUTPUT: output_id}


def _outputs_of(session: Session, draft_id: int, up_to: int) -> list[AIOutput]:
    """The AI outputs that wrote versions of a draft up to `up_to`, in version order."""
    versions = session.exec(
        select(ReviewDraftVersion.content)
        .where(ReviewDraftVersion.draft_id == draft_id, col(ReviewDraftVersion.version) <= up_to)
        .order_by(col(ReviewDraftVersion.version))
    ).all()
    ids = [c.get(AI_OUTPUT) for c in versions if isinstance(c, dict)]
    found = list(dict.fromkeys(i for i in ids if isinstance(i, int)))
    if not found:
        return []
    rows = {r.id: r for r in session.exec(select(AIOutput).where(col(AIOutput.id).in_(found)))}
    return [rows[i] for i in found if i in rows]
