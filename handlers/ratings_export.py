"""The ratings part of `/candor mydata` (`handlers.data_export`): ratings about the person,
ratings they gave, and their own protected attributes.

A rating about the person names its rater when a manager gave it: a manager's rating of their
report is theirs to discuss in review conversations, so the report may know who gave it, and
withholding it would hide the one thing that explains the score. Another rater's rating (a peer
in an imported 360 round) comes without the rater, as unshared feedback comes without its
author (`handlers.feedback_export`): in a 360 round peers rate expecting the person to see
the scores, not who gave which. The rule is `RatingData.rater_shown`.

The attributes are the person's own values, as HR imported them: nothing computed from them
(calibration results are statistics about groups) and no one else's.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from handlers.feedback_export import Row
from store.personal_data import PersonalData
from store.rating_models import Rating


def _when(at: datetime | None) -> str | None:
    return at.isoformat() if at else None


def rating_sections(data: PersonalData) -> dict[str, Any]:
    """The export's rating sections: ratings received and given, and the person's attributes."""
    found, names = data.ratings, data.names

    def item(r: Rating) -> dict[str, Any]:
        cycle = found.cycles.get(r.cycle_id)
        return {
            "id": r.id,
            "date": _when(r.rated_at),
            "cycle": cycle.name if cycle else None,
            "competency": r.competency,
            "score": r.score,
            "scale": {"low": cycle.scale_low, "high": cycle.scale_high} if cycle else None,
            "source": r.source,
        }

    return {
        "ratings_received": [
            {**item(r), "rater": names.get(r.rater_id) if found.rater_shown(r) else None}
            for r in found.received
        ],
        "ratings_given": [{**item(r), "ratee": names.get(r.ratee_id)} for r in found.given],
        "your_attributes": dict(sorted(found.attributes.items())),
    }


def rating_rows(document: dict[str, Any]) -> list[Row]:
    """The rating sections as CSV rows: (kind, record, role, details, other people, text)."""
    rows: list[Row] = []
    for kind, key, role, who in (
        ("rating_received", "ratings_received", "ratee", "rater"),
        ("rating_given", "ratings_given", "rater", "ratee"),
    ):
        for r in document[key]:
            details = {k: r[k] for k in ("cycle", "score", "scale", "source")}
            rows.append((kind, r, role, details, r[who] or "", r["competency"]))
    for attribute, value in document["your_attributes"].items():
        record = {"id": attribute, "date": None}
        rows.append(("attribute", record, "subject", {}, "", value))
    return rows
