"""Reading the calibration CSV files: ratings, protected attributes and dated evidence.

Each file is validated whole: every bad row is reported with its line number and nothing is
returned (so nothing is imported) while any problem remains.
"""

from __future__ import annotations

import csv
import io
import math
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time

from handlers.errors import UsageError
from insights.calibration.records import Scale

RATING_COLUMNS = ("cycle", "rater_email", "ratee_email", "competency", "score", "rated_at")
EVIDENCE_COLUMNS = ("ratee_email", "date", "signal")
_EMAIL = re.compile(r"^[^@\s,;<>]+@[^@\s,;<>]+\.[^@\s,;<>]+$")
_ATTRIBUTE = re.compile(r"^[a-z][a-z0-9_ ]{0,59}$")
MAX_PROBLEMS = 50


class FileRejected(UsageError):
    """A file was rejected whole; `problems` lists every bad row by line number."""

    def __init__(self, what: str, problems: list[str]) -> None:
        shown = problems[:MAX_PROBLEMS]
        more = (
            f"\n  … and {len(problems) - MAX_PROBLEMS} more" if len(problems) > MAX_PROBLEMS else ""
        )
        super().__init__(
            f"The {what} file was not imported (nothing changed):\n  " + "\n  ".join(shown) + more
        )
        self.problems = problems


@dataclass(frozen=True)
class RatingRow:
    """One valid row of a ratings file."""

    line: int
    cycle: str
    rater_email: str
    ratee_email: str
    competency: str
    score: float
    rated_at: datetime


@dataclass(frozen=True)
class AttributeRow:
    """One person's value of one protected attribute (an empty value clears it)."""

    line: int
    email: str
    attribute: str
    value: str


@dataclass(frozen=True)
class EvidenceRow:
    """A dated signal about a ratee: +1 praise, -1 criticism, 0 neutral."""

    line: int
    ratee_email: str
    at: datetime
    signal: float


def _rows(
    content: str, what: str, required: tuple[str, ...]
) -> tuple[list[str], csv.DictReader[str]]:
    reader = csv.DictReader(io.StringIO(content.lstrip("\ufeff")))
    header = [(h or "").strip().lower() for h in reader.fieldnames or []]
    missing = [c for c in required if c not in header]
    if missing:
        raise FileRejected(
            what, [f"line 1: missing column(s) {', '.join(missing)}; expected {','.join(required)}"]
        )
    return header, reader


def _clean(row: dict[str | None, str | None]) -> dict[str, str]:
    return {k.strip().lower(): (v or "").strip() for k, v in row.items() if isinstance(k, str)}


def parse_when(value: str) -> datetime:
    """An ISO date (midnight UTC) or date-time (UTC when it has no offset).

    Raises:
        ValueError: not an ISO date or date-time.
    """
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        return datetime.combine(date.fromisoformat(value), time(), tzinfo=UTC)
    parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


def _email(value: str, column: str, line: int, problems: list[str]) -> str:
    email = value.lower()
    if not _EMAIL.match(email):
        problems.append(f"line {line}: {column} {value or '(empty)'} is not a valid email")
    return email


def parse_ratings(content: str, scale: Scale) -> list[RatingRow]:
    """Validate a ratings file (`cycle,rater_email,ratee_email,competency,score,rated_at`).

    Raises:
        FileRejected: listing every problem; nothing is returned then.
    """
    _, reader = _rows(content, "ratings", RATING_COLUMNS)
    problems: list[str] = []
    rows: list[RatingRow] = []
    first: dict[tuple[str, str, str, str, datetime], int] = {}
    for raw in reader:
        line, v = reader.line_num, _clean(raw)
        if not any(v.values()):
            continue
        before = len(problems)
        rater = _email(v["rater_email"], "rater_email", line, problems)
        ratee = _email(v["ratee_email"], "ratee_email", line, problems)
        if rater == ratee and rater:
            problems.append(f"line {line}: {rater} rates themselves; leave self-ratings out")
        for column in ("cycle", "competency"):
            if not v[column]:
                problems.append(f"line {line}: {column} is empty")
            elif len(v[column]) > 100:
                problems.append(f"line {line}: {column} is longer than 100 characters")
        try:
            score = float(v["score"])
        except ValueError:
            score = math.nan
        if not math.isfinite(score) or not scale.contains(score):
            problems.append(
                f"line {line}: score {v['score'] or '(empty)'} is not a number from "
                f"{scale.low:g} to {scale.high:g}"
            )
        try:
            rated_at = parse_when(v["rated_at"])
        except ValueError:
            problems.append(
                f"line {line}: rated_at {v['rated_at'] or '(empty)'} is not a date like 2026-06-30"
            )
            continue
        if len(problems) > before:
            continue
        key = (v["cycle"].lower(), rater, ratee, v["competency"].lower(), rated_at)
        if key in first:
            problems.append(f"line {line}: the same rating as line {first[key]}")
            continue
        first[key] = line
        rows.append(RatingRow(line, v["cycle"], rater, ratee, v["competency"], score, rated_at))
    if problems:
        raise FileRejected("ratings", problems)
    if not rows:
        raise FileRejected("ratings", ["the file has a header but no ratings"])
    return rows


def parse_attributes(content: str) -> list[AttributeRow]:
    """Validate a protected-attributes file: `email` plus one column per attribute.

    Raises:
        FileRejected: listing every problem; nothing is returned then.
    """
    header, reader = _rows(content, "attributes", ("email",))
    names = [h for h in header if h != "email"]
    problems = [
        f"line 1: column {name!r} must start with a letter and use letters, digits, _ or spaces"
        for name in names
        if not _ATTRIBUTE.match(name)
    ]
    if not names:
        problems.append("line 1: add at least one attribute column next to email")
    rows: list[AttributeRow] = []
    seen: dict[str, int] = {}
    for raw in reader:
        line, v = reader.line_num, _clean(raw)
        if not any(v.values()):
            continue
        email = _email(v["email"], "email", line, problems)
        if email in seen:
            problems.append(f"line {line}: duplicate email {email} (first on line {seen[email]})")
        seen.setdefault(email, line)
        for name in names:
            value = v.get(name, "")
            if len(value) > 100:
                problems.append(f"line {line}: {name} is longer than 100 characters")
            rows.append(AttributeRow(line, email, name, value))
    if problems:
        raise FileRejected("attributes", problems)
    return rows


def parse_evidence(content: str) -> list[EvidenceRow]:
    """Validate an evidence file (`ratee_email,date,signal`; signal from -1 to 1).

    Raises:
        FileRejected: listing every problem; nothing is returned then.
    """
    _, reader = _rows(content, "evidence", EVIDENCE_COLUMNS)
    problems: list[str] = []
    rows: list[EvidenceRow] = []
    for raw in reader:
        line, v = reader.line_num, _clean(raw)
        if not any(v.values()):
            continue
        email = _email(v["ratee_email"], "ratee_email", line, problems)
        try:
            signal = float(v["signal"])
        except ValueError:
            signal = math.nan
        if not (math.isfinite(signal) and -1.0 <= signal <= 1.0):
            problems.append(f"line {line}: signal {v['signal'] or '(empty)'} must be from -1 to 1")
        try:
            at = parse_when(v["date"])
        except ValueError:
            problems.append(f"line {line}: date {v['date'] or '(empty)'} is not like 2026-06-30")
            continue
        rows.append(EvidenceRow(line, email, at, signal))
    if problems:
        raise FileRejected("evidence", problems)
    return rows


def parse_scale(value: str) -> Scale:
    """`1-5` or `1..4` → a Scale.

    Raises:
        UsageError: not two increasing numbers.
    """
    match = re.fullmatch(r"\s*(-?\d+(?:\.\d+)?)\s*(?:-|\.\.|to)\s*(-?\d+(?:\.\d+)?)\s*", value)
    if not match or float(match[1]) >= float(match[2]):
        raise UsageError(f"A scale looks like 1-5, lowest first; got {value!r}.")
    return Scale(float(match[1]), float(match[2]))
