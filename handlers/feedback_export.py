"""The feedback part of `/candor mydata` (`handlers.data_export`).

Feedback about the person that its author did not share with them carries no author and no
request id, and the requests they made list whom they asked but not who answered: people who
answer a request are told the requester never learns who wrote what (`store.personal_data`).
Their managers' private notes about them are not part of it.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from store.models import Feedback, FeedbackRequest
from store.personal_data import PersonalData

# kind, record, the person's role, details, the other people, the text
Row = tuple[str, dict[str, Any], str, dict[str, Any], str, str]


def _when(at: datetime | None) -> str | None:
    return at.isoformat() if at else None


def feedback_sections(data: PersonalData) -> dict[str, Any]:
    """The export's feedback sections: written, about the person, requests made and received."""
    found, names = data.feedback, data.names

    def item(f: Feedback, *, about_you: bool) -> dict[str, Any]:
        named = not about_you or f.shareable
        return {
            "id": f.id,
            "date": _when(f.created_at),
            "edited": _when(f.updated_at) if f.updated_at != f.created_at else None,
            "kind": f.kind,
            "topic": f.topic,
            "text": f.text,
            "shared_with_subject": f.shareable,
            "about": names.get(f.subject_id) if not about_you else data.person.name,
            "author": names.get(f.author_id) if named else None,
            "request_id": f.request_id if not about_you else None,
        }

    def request(r: FeedbackRequest, *, made: bool) -> dict[str, Any]:
        other = names.get(r.responder_id if made else r.requester_id)
        return {
            "id": r.id,
            "date": _when(r.created_at),
            "topic": r.topic,
            "asked" if made else "asked_by": other,
            **({} if made else {"status": r.status, "answered_at": _when(r.answered_at)}),
        }

    return {
        "feedback_written": [item(f, about_you=False) for f in found.written],
        "feedback_about_you": [item(f, about_you=True) for f in found.about],
        "feedback_requests_made": [request(r, made=True) for r in found.requests_made],
        "feedback_requests_received": [request(r, made=False) for r in found.requests_received],
    }


def feedback_rows(document: dict[str, Any]) -> list[Row]:
    """The feedback sections as CSV rows: (kind, record, role, details, other people, text)."""
    rows: list[Row] = []
    for role, key in (("author", "feedback_written"), ("subject", "feedback_about_you")):
        for f in document[key]:
            other = f["about"] if role == "author" else f["author"]
            details = {k: f[k] for k in ("kind", "topic", "shared_with_subject", "edited")}
            rows.append(("feedback", f, role, details, other or "", f["text"]))
    for role, key, who in (
        ("requester", "feedback_requests_made", "asked"),
        ("responder", "feedback_requests_received", "asked_by"),
    ):
        for r in document[key]:
            details = {k: v for k, v in r.items() if k not in ("id", "date", "topic", who)}
            rows.append(("feedback_request", r, role, details, r[who] or "", r["topic"]))
    return rows
