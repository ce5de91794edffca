"""The audit log for HR: reads are recorded where they happen, and `/candor audit` exports it.

Every read of individual-level data by a manager or HR, every AI output and every approval is
an audit event (who, what, when, which records). Events carry ids and counts, never content.
"""

from __future__ import annotations

import asyncio
import csv
import io
import json
import re
from datetime import datetime, timedelta
from typing import Any

from handlers.errors import UsageError
from handlers.messages import (
    Attachment,
    Context,
    Message,
    Outgoing,
    Section,
    ToPerson,
    ToRequester,
    text,
)
from handlers.router import HR_ONLY, Router
from handlers.services import RequestContext
from handlers.types import Command
from store.audit import ReadScope
from store.models import AuditEvent
from store.repository import Store

USAGE = "/candor audit [days]"
DEFAULT_DAYS = 30
MAX_DAYS = 3660
COLUMNS = ("at", "actor_id", "actor_role", "action", "subject_kind", "subject_id", "detail")
# Spreadsheets run cells that start with these as formulas (CSV injection).
_FORMULA = ("=", "+", "-", "@", "\t", "\r")


def log_read(
    ctx: RequestContext,
    scope: ReadScope,
    subject_kind: str,
    subject_id: int | None,
    detail: dict[str, Any] | None = None,
) -> None:
    """Record that the person behind this request read data (see `AuditRepo.record_read`).

    Args:
        scope: "self" (their own data), "individual" (another person's) or "aggregate".
        subject_kind: what was read ("mydata", "ai_outputs", "digest", "theme", …).
        subject_id: the person whose data it was (None for a group).
        detail: ids and counts only, never content and never the people in a group.
    """
    ctx.services.store.audit.record_read(
        at=ctx.services.clock(),
        actor_id=ctx.actor.id,
        actor_role=ctx.actor.role,
        scope=scope,
        subject_kind=subject_kind,
        subject_id=subject_id,
        detail=detail,
    )


def _cell(value: object) -> str:
    shown = "" if value is None else str(value)
    return "'" + shown if shown.startswith(_FORMULA) else shown


def _role(event: AuditEvent, roles: dict[int, str]) -> str:
    recorded = event.detail.get("role") if isinstance(event.detail, dict) else None
    if isinstance(recorded, str) and recorded:
        return recorded  # the role at the time of the event
    if event.actor_id is None:
        return "system"
    return roles.get(event.actor_id, "unknown")


def audit_csv(store: Store, since: datetime) -> tuple[bytes, int]:
    """The audit log since a moment as CSV (UTF-8), and how many events it holds.

    Columns: at (ISO 8601, UTC), actor_id, actor_role (as recorded at the time, else the
    actor's current role; "system" for Candor itself), action, subject_kind, subject_id and
    detail (JSON of ids and counts).
    """
    events = store.audit.since(since)
    roles = {p.id: p.role for p in store.people.all() if p.id is not None}
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(COLUMNS)
    for event in events:
        detail = json.dumps(event.detail or {}, sort_keys=True, default=str)
        writer.writerow(
            [
                event.at.isoformat(),
                _cell(event.actor_id),
                _cell(_role(event, roles)),
                _cell(event.action),
                _cell(event.subject_kind),
                _cell(event.subject_id),
                _cell(detail),
            ]
        )
    return buffer.getvalue().encode("utf-8"), len(events)


def audit_json(store: Store, since: datetime) -> tuple[bytes, int]:
    """The audit log since a moment as JSON: the events (as in the CSV) and every AI output
    of the period with its model, prompt version, the records it used, and who decided on it
    (from the `review.approved` / `review.discarded` events that name it)."""
    events = store.audit.since(since)
    roles = {p.id: p.role for p in store.people.all() if p.id is not None}
    decisions: dict[int, dict[str, object]] = {}
    for event in events:
        output = (event.detail or {}).get("ai_output") if isinstance(event.detail, dict) else None
        if event.action in ("review.approved", "review.discarded") and isinstance(output, int):
            decisions[output] = {
                "decision": event.action.split(".", 1)[1],
                "by": event.actor_id,
                "role": _role(event, roles),
                "at": event.at.isoformat(),
            }
    outputs = [o for o in store.ai_outputs.recent(limit=100_000) if o.created_at >= since]
    document = {
        "since": since.isoformat(),
        "events": [
            {
                "at": e.at.isoformat(),
                "actor_id": e.actor_id,
                "actor_role": _role(e, roles),
                "action": e.action,
                "subject_kind": e.subject_kind,
                "subject_id": e.subject_id,
                "detail": e.detail or {},
            }
            for e in events
        ],
        "ai_outputs": [
            {
                "id": o.id,
                "at": o.created_at.isoformat(),
                "kind": o.kind,
                "model": o.model,
                "prompt": o.prompt,
                "prompt_version": o.prompt_version,
                "sources": list(o.input_ids),
                "decision": decisions.get(o.id or 0),
            }
            for o in sorted(outputs, key=lambda o: o.id or 0)
        ],
    }
    return json.dumps(document, indent=2, default=str).encode("utf-8"), len(events)


def export_audit(
    store: Store,
    *,
    now: datetime,
    days: int,
    actor_id: int | None,
    actor_role: str,
    via: str,
    fmt: str = "csv",
) -> tuple[bytes, int]:
    """The audit log of the last `days` days as CSV or JSON, and its event count; the export
    itself is audited."""
    since = now - timedelta(days=days)
    data, count = audit_json(store, since) if fmt == "json" else audit_csv(store, since)
    store.audit.add(
        at=now,
        actor_id=actor_id,
        action="audit.exported",
        subject_kind="audit_log",
        subject_id=None,
        detail={"role": actor_role, "days": days, "events": count, "via": via, "format": fmt},
    )
    return data, count


def _days(command: Command) -> int:
    words = command.words
    if not words:
        return DEFAULT_DAYS
    if len(words) > 1 or len(command.args) > 1 or not re.fullmatch(r"\d+d?", words[0].lower()):
        raise UsageError(
            "Give the number of days to export, like `/candor audit 90`.", usage=f"Usage: `{USAGE}`"
        )
    days = int(words[0].lower().rstrip("d"))
    if not 1 <= days <= MAX_DAYS:
        raise UsageError(f"Days must be between 1 and {MAX_DAYS}.", usage=f"Usage: `{USAGE}`")
    return days


async def audit_command(command: Command, ctx: RequestContext) -> list[Outgoing]:
    """HR exports the audit log: a CSV file in a direct message to the requester."""
    if command.first_word in ("help", "?"):
        usage = f"*Export the audit log* (HR)\n`{USAGE}` — the last {DEFAULT_DAYS} days by default."
        return [Outgoing(ToRequester(), Message("Audit log export", (Section(text(usage)),)))]
    days = _days(command)
    now = ctx.services.clock()
    assert ctx.actor.id is not None
    data, count = await asyncio.to_thread(
        export_audit,
        ctx.services.store,
        now=now,
        days=days,
        actor_id=ctx.actor.id,
        actor_role=ctx.actor.role,
        via=command.platform,
    )
    start = now - timedelta(days=days)
    csv_file = Attachment(
        f"candor-audit-{now:%Y%m%d}-{days}d.csv",
        data,
        f"Candor audit log, last {days} days",
        "The audit log as a CSV file",
        mime_type="text/csv",
    )
    dm = Message(
        summary="Candor audit log export",
        blocks=(
            Section(
                text(
                    f"*Audit log export* — {count} events from {start:%d %b %Y} "
                    f"to {now:%d %b %Y} (UTC)."
                )
            ),
            Context(
                text(
                    "Columns: " + ", ".join(COLUMNS) + ". Ids and counts only, never feedback "
                    "text. This export is itself recorded in the audit log."
                )
            ),
        ),
        attachments=(csv_file,),
    )
    note = (
        f"I've sent you the audit log for the last {days} days ({count} events) "
        "as a CSV file in a direct message."
    )
    confirm = Message(summary="Audit log sent", blocks=(Section(text(note)),))
    return [
        Outgoing(ToPerson(ctx.actor.id), dm, "audit.export"),
        Outgoing(ToRequester(), confirm, "audit.confirm"),
    ]


def register(router: Router) -> None:
    """Add /candor audit (HR and admins)."""
    router.command(
        "candor audit",
        summary="Export the audit log as a CSV file (HR)",
        usage=USAGE,
        examples=("/candor audit 90",),
        roles=HR_ONLY,
    )(audit_command)
