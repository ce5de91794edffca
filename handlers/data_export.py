"""/candor mydata: a person's own data, as a JSON file and a CSV file in a direct message."""

from __future__ import annotations

import asyncio
import csv
import io
import json
from datetime import datetime
from typing import Any

from handlers.audit import log_read
from handlers.feedback_export import feedback_rows, feedback_sections
from handlers.messages import Attachment, Context, Message, Outgoing, Section, ToPerson, ToRequester
from handlers.messages import text as rich
from handlers.ratings_export import rating_rows, rating_sections
from handlers.services import RequestContext
from handlers.types import Command
from store.kudos import KudosRecord
from store.personal_data import PersonalData, collect

FORMAT = "candor-personal-data/1"
CSV_COLUMNS = ("kind", "id", "date", "your_role", "other_people", "text", "values", "details")
# Spreadsheets run cells that start with these as formulas (CSV injection): quote them.
_FORMULA = ("=", "+", "-", "@", "\t", "\r")


def _when(at: datetime | None) -> str | None:
    return at.isoformat() if at else None


def _kudos(record: KudosRecord, names: dict[int, str]) -> dict[str, Any]:
    return {
        "id": record.id,
        "date": _when(record.created_at),
        "text": record.text,
        "values": list(record.company_values),
        "giver": {"id": record.giver_id, "name": names.get(record.giver_id, "")},
        "recipients": [{"id": r, "name": names.get(r, "")} for r in record.recipient_ids],
        "platform": record.platform,
        "channel_id": record.channel_id,
    }


def export_document(data: PersonalData, now: datetime) -> dict[str, Any]:
    """The export as one JSON-ready document: every record about or by the person."""
    person = data.person
    return {
        "format": FORMAT,
        "generated_at": now.isoformat(),
        "profile": {
            "id": person.id,
            "name": person.name,
            "email": person.email,
            "department": person.department,
            "title": person.title,
            "role": person.role,
            "manager": data.manager.name if data.manager else None,
            "slack_user_id": person.slack_user_id,
            "teams_user_id": person.teams_user_id,
            "time_zone": person.tz,
            "active": person.active,
            "created_at": _when(person.created_at),
            "updated_at": _when(person.updated_at),
        },
        "kudos_given": [_kudos(k, data.names) for k in data.given],
        "kudos_received": [_kudos(k, data.names) for k in data.received],
        # Which of your records each AI output used; its text is about groups, not you.
        "ai_outputs": [
            {
                "id": found.output.id,
                "date": _when(found.output.created_at),
                "kind": found.output.kind,
                "model": found.output.model,
                "prompt": found.output.prompt,
                "prompt_version": found.output.prompt_version,
                "your_records": [f"{s.kind}:{s.record_id}" for s in found.sources],
                "other_records": found.other_inputs,
            }
            for found in data.ai_outputs
        ],
        "audit_events": [
            {
                "id": event.id,
                "date": _when(event.at),
                "action": event.action,
                "by_you": event.actor_id == person.id,
                "subject_kind": event.subject_kind,
                "subject_id": event.subject_id,
                "detail": event.detail,
            }
            for event in data.audit_events
        ],
        "privacy_requests": [
            {
                "id": request.id,
                "kind": request.kind,
                "status": request.status,
                "about_you": request.subject_id == person.id,
                "requested_by_you": request.requested_by == person.id,
                "date": _when(request.created_at),
                "decided_at": _when(request.decided_at),
            }
            for request in data.privacy_requests
        ],
        **_loop_sections(data),
        **feedback_sections(data),
        **rating_sections(data),
    }


_PERSONAL_SETTINGS = (
    "checkin_weekday",
    "checkin_hour",
    "checkin_minute",
    "quiet_start",
    "quiet_end",
    "prep_lead_hours",
)


def _loop_sections(data: PersonalData) -> dict[str, Any]:
    loop, names = data.loop, data.names
    settings = loop.settings
    return {
        "settings": {
            "share_mood_with_manager": bool(settings and settings.share_mood),
            "away_until": settings.away_until.isoformat()
            if settings and settings.away_until
            else None,
            **{name: getattr(settings, name, None) for name in _PERSONAL_SETTINGS},
            "welcomed_at": _when(settings.welcomed_at) if settings else None,
        },
        "checkins": [
            {
                "id": c.id,
                "date": _when(c.submitted_at or c.sent_at),
                "period": c.period,
                "answers": c.answers,
                "mood": c.mood,
                "blocker": c.blocker,
            }
            for c in loop.checkins
        ],
        "goals": [
            {
                "id": g.id,
                "date": _when(g.created_at),
                "objective": g.objective,
                "key_results": g.key_results,
                "due": g.due.isoformat() if g.due else None,
                "level": g.level,
                "parent_id": g.parent_id,
                "progress": g.progress,
                "status": g.status,
            }
            for g in loop.goals
        ],
        "reviews": [
            {
                "id": r.id,
                "date": _when(r.decided_at),
                "period": f"{r.period_start.isoformat()}..{r.period_end.isoformat()}",
                "sections": {
                    section.get("name", ""): [
                        line.get("text", "") for line in section.get("sentences", [])
                    ]
                    for section in (r.content or {}).get("sections", [])
                },
            }
            for r in loop.reviews
        ],
        "one_on_ones": [
            {
                "id": m.id,
                "date": _when(m.created_at),
                "manager": names.get(m.manager_id),
                "report": names.get(m.report_id),
                "weekday": m.weekday,
                "time": f"{m.hour:02d}:{m.minute:02d}",
                "every_weeks": m.every_weeks,
                "time_zone": m.tz,
                "active": m.active,
                "agenda": [
                    {
                        "id": i.id,
                        "date": _when(i.created_at),
                        "author": names.get(i.author_id),
                        "text": i.text,
                        "done_at": _when(i.done_at),
                    }
                    for i in loop.agenda
                    if i.oneonone_id == m.id
                ],
            }
            for m in loop.oneonones
        ],
    }


def _cell(value: object) -> str:
    shown = "" if value is None else str(value)
    return "'" + shown if shown.startswith(_FORMULA) else shown


def _json(value: object) -> str:
    return json.dumps(value, sort_keys=True, ensure_ascii=False, default=str)


def _row(
    kind: str,
    record: dict[str, Any],
    role: str,
    details: dict[str, Any],
    *,
    others: str = "",
    words: str = "",
    values: str = "",
) -> list[str]:
    cells = [kind, record["id"], record.get("date"), role, others, words, values, _json(details)]
    return [_cell(c) for c in cells]


def export_rows(document: dict[str, Any]) -> list[list[str]]:
    """The export as CSV rows (header first): one row per record, its kind in the first column."""
    profile = document["profile"]
    rows = [
        list(CSV_COLUMNS),
        _row("profile", {**profile, "date": profile["created_at"]}, profile["role"], profile),
    ]
    for role, key in (("giver", "kudos_given"), ("recipient", "kudos_received")):
        for k in document[key]:
            people = [k["giver"], *k["recipients"]]
            others = "; ".join(p["name"] for p in people if p["id"] != profile["id"])
            values = " ".join(f"#{v}" for v in k["values"])
            details = {"platform": k["platform"], "channel_id": k["channel_id"]}
            rows.append(
                _row("kudos", k, role, details, others=others, words=k["text"], values=values)
            )
    for output in document["ai_outputs"]:
        details = {k: v for k, v in output.items() if k not in ("id", "date")}
        rows.append(_row("ai_output", output, "source", details))
    for event in document["audit_events"]:
        role = "actor" if event["by_you"] else "subject"
        details = {k: event[k] for k in ("subject_kind", "subject_id", "detail")}
        rows.append(_row("audit_event", event, role, details, words=event["action"]))
    for c in document["checkins"]:
        details = {"period": c["period"], "mood": c["mood"]}
        rows.append(_row("checkin", c, "author", details, words=_json(c["answers"])))
    for g in document["goals"]:
        details = {k: g[k] for k in ("key_results", "due", "level", "progress", "status")}
        rows.append(_row("goal", g, "owner", details, words=g["objective"]))
    for r in document["reviews"]:
        rows.append(
            _row("review", r, "subject", {"period": r["period"]}, words=_json(r["sections"]))
        )
    for m in document["one_on_ones"]:
        role = "report" if m["report"] == profile["name"] else "manager"
        details = {k: m[k] for k in ("weekday", "time", "every_weeks", "time_zone", "active")}
        other = m["manager"] if role == "report" else m["report"]
        rows.append(_row("one_on_one", m, role, details, others=other or ""))
        for item in m["agenda"]:
            details = {"one_on_one": m["id"], "done_at": item["done_at"]}
            rows.append(
                _row(
                    "agenda_item",
                    item,
                    "participant",
                    details,
                    others=item["author"] or "",
                    words=item["text"],
                )
            )
    sections = feedback_rows(document) + rating_rows(document)
    for kind, record, role, details, others, words in sections:
        rows.append(_row(kind, record, role, details, others=others, words=words))
    for request in document["privacy_requests"]:
        role = "subject" if request["about_you"] else "requester"
        details = {k: request[k] for k in ("status", "decided_at", "requested_by_you")}
        rows.append(_row("privacy_request", request, role, details, words=request["kind"]))
    return rows


def export_files(data: PersonalData, now: datetime) -> tuple[Attachment, Attachment]:
    """The JSON and CSV attachments of a person's export."""
    document = export_document(data, now)
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows(export_rows(document))
    stem = f"candor-my-data-{now:%Y-%m-%d}"
    as_json = json.dumps(document, indent=2, ensure_ascii=False, default=str)
    return (
        Attachment(
            f"{stem}.json",
            as_json.encode("utf-8"),
            "Your Candor data (JSON)",
            "Everything Candor holds about you, as JSON",
            mime_type="application/json",
        ),
        Attachment(
            f"{stem}.csv",
            buffer.getvalue().encode("utf-8"),
            "Your Candor data (CSV)",
            "Everything Candor holds about you, one row per record",
            mime_type="text/csv",
        ),
    )


async def mydata_command(command: Command, ctx: RequestContext) -> list[Outgoing]:
    """Send the person everything Candor holds about them, as files in a DM."""
    if command.first_word in ("help", "?"):
        note = (
            "*Your data* — `/candor mydata` sends you a copy of everything Candor holds about you."
        )
        return [Outgoing(ToRequester(), Message("Your data", (Section(rich(note)),)), "help")]
    assert ctx.actor.id is not None
    now = ctx.services.clock()
    data = await asyncio.to_thread(collect, ctx.services.store, ctx.actor.id)
    counts = data.counts()
    files = export_files(data, now)
    log_read(ctx, "self", "mydata", ctx.actor.id, counts)
    summary = (
        f"*Everything Candor holds about you* — {counts['kudos_given']} kudos given, "
        f"{counts['kudos_received']} received, {counts['ai_outputs']} AI outputs that used "
        f"them, {counts['audit_events']} audit events and your profile."
    )
    dm = Message(
        summary="Your data in Candor",
        blocks=(
            Section(rich(summary)),
            Context(
                rich(
                    "JSON for programs, CSV for spreadsheets (one row per record). "
                    "To have it erased, use `/candor erase`."
                )
            ),
        ),
        attachments=files,
    )
    confirm = Message(
        summary="Your data is on its way",
        blocks=(Section(rich("I've sent you your data as two files in a direct message.")),),
    )
    return [
        Outgoing(ToPerson(ctx.actor.id), dm, "privacy.export"),
        Outgoing(ToRequester(), confirm, "privacy.export.confirm"),
    ]
