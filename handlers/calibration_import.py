"""Importing ratings and protected attributes into the store, whole or not at all."""

from __future__ import annotations

from datetime import datetime

from handlers.calibration_files import FileRejected, parse_attributes, parse_ratings
from insights.calibration.records import Scale
from store.attributes import AttributeImportSummary
from store.ratings import NewRating, RatingImportSummary
from store.repository import Store

NOT_IN_DIRECTORY = "is not in Candor's directory (run `candor org import` first)"


def import_ratings(
    store: Store,
    content: str,
    *,
    scale: Scale | None,
    at: datetime,
    actor_id: int | None = None,
) -> RatingImportSummary:
    """Validate a ratings file against the directory and the cycles' scales, then store it.

    Args:
        scale: the scale of cycles the file creates (default 1–5); a cycle already stored
            keeps its own, and naming a different one is an error.

    Raises:
        FileRejected: every problem by line number; nothing is stored.
    """
    stored = {c.name.lower(): Scale(c.scale_low, c.scale_high) for c in store.ratings.cycles()}
    widest = Scale(-1e9, 1e9)  # checked per cycle below, once each row's cycle is known
    rows = parse_ratings(content, widest)
    people = {p.email.lower(): p.id for p in store.people.all() if p.id is not None}
    problems: list[str] = []
    for name in sorted({r.cycle.lower() for r in rows} & set(stored)):
        if scale is not None and stored[name] != scale:
            cycle = stored[name]
            problems.append(
                f"cycle {name!r} already uses the scale {cycle.low:g}-{cycle.high:g}; "
                "drop --scale or name a new cycle"
            )
    new_rows: list[NewRating] = []
    for row in rows:
        cycle_scale = stored.get(row.cycle.lower(), scale or Scale())
        if not cycle_scale.contains(row.score):
            problems.append(
                f"line {row.line}: score {row.score:g} is not from {cycle_scale.low:g} to "
                f"{cycle_scale.high:g} (the scale of {row.cycle})"
            )
        rater, ratee = people.get(row.rater_email), people.get(row.ratee_email)
        for email, found in ((row.rater_email, rater), (row.ratee_email, ratee)):
            if found is None:
                problems.append(f"line {row.line}: {email} {NOT_IN_DIRECTORY}")
        if rater is not None and ratee is not None:
            new_rows.append(
                NewRating(row.cycle, rater, ratee, row.competency, row.score, row.rated_at)
            )
    if problems:
        raise FileRejected("ratings", problems)
    chosen = scale or Scale()
    return store.ratings.import_ratings(
        new_rows, scale=(chosen.low, chosen.high), at=at, actor_id=actor_id
    )


def import_attributes(
    store: Store, content: str, *, at: datetime, actor_id: int | None = None
) -> AttributeImportSummary:
    """Validate a protected-attributes file against the directory, then store it.

    Raises:
        FileRejected: every problem by line number; nothing is stored.
    """
    rows = parse_attributes(content)
    people = {p.email.lower(): p.id for p in store.people.all() if p.id is not None}
    problems = sorted(
        {f"line {r.line}: {r.email} {NOT_IN_DIRECTORY}" for r in rows if r.email not in people},
        key=lambda p: int(p.split()[1].rstrip(":")),
    )
    if problems:
        raise FileRejected("attributes", problems)
    resolved: list[tuple[int, str, str]] = []
    for r in rows:
        person = people[r.email]
        assert person is not None
        resolved.append((person, r.attribute, r.value))
    return store.attributes.replace_all(resolved, at=at, actor_id=actor_id)
