"""Check-in forms: the questions of a plan, and the three forms (answers, personal settings, a
team's plan) with the checks on what comes back.

A plan's `questions` is a list of `{"id", "text", "kind"}` with kind `text` or `mood`. Ids are
stable strings: answers are stored under them, so editing a question's wording in a plan keeps
the id of a line it recognises. The question with id `blockers` is the blocker question (its
answer goes to the manager); it and the mood pulse are optional, every other question required.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from datetime import date, timedelta

from handlers.errors import InvalidInput
from handlers.messages import Choice, Context, Form, Input, text
from insights.schedule import WEEKDAYS, Cadence, parse_cadence
from store.models import Checkin, PersonSettings

MOOD_ID = "mood"
BLOCKER_ID = "blockers"
DEFAULT_QUESTIONS: tuple[dict[str, str], ...] = (
    {"id": "progress", "text": "What progress did you make on your goals?", "kind": "text"},
    {"id": "highlights", "text": "What went well — any highlights?", "kind": "text"},
    {"id": BLOCKER_ID, "text": "Is anything blocking you?", "kind": "text"},
    {"id": MOOD_ID, "text": "How are you feeling? (mood pulse)", "kind": "mood"},
)
MOOD_LABELS = {1: "rough", 2: "low", 3: "okay", 4: "good", 5: "great"}
MOOD_CHOICES = tuple(Choice(f"{n} – {label}", str(n)) for n, label in MOOD_LABELS.items())
MAX_ANSWER_CHARS = 3000
MAX_QUESTIONS = 10
MAX_QUESTION_CHARS = 200
AWAY_MAX_DAYS = 366
PERIOD = re.compile(r"\d{4}-W(0[1-9]|[1-4]\d|5[0-3])")

Question = dict[str, str]
PlanScope = str  # "team": the actor's direct reports; "org": the organisation's default


# --- plans -----------------------------------------------------------------------------------


def describe_cadence(cadence: Cadence) -> str:
    """The cadence in words that `parse_cadence` reads back, e.g. ``every week on Fri at 09:00``."""
    every = "every week" if cadence.every_weeks == 1 else f"every {cadence.every_weeks} weeks"
    day = WEEKDAYS[cadence.weekday].title()
    return f"{every} on {day} at {cadence.hour:02d}:{cadence.minute:02d}"


def questions_text(questions: Sequence[Question]) -> str:
    """Questions as the setup form shows them: one per line, mood and blockers marked."""
    lines = []
    for q in questions:
        if q["kind"] == "mood":
            lines.append(f"mood: {q['text']}")
        elif q["id"] == BLOCKER_ID:
            lines.append(f"blockers: {q['text']}")
        else:
            lines.append(q["text"])
    return "\n".join(lines)


def _slug(words: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", words.lower()).strip("-")[:40] or "question"


def parse_questions(raw: str, known: Sequence[Question] = ()) -> list[Question]:
    """Read the setup form's questions: one per line; `mood` or `mood: …` is the mood pulse,
    `blockers: …` the blocker question. A line worded like a known question keeps its id.

    Raises:
        ValueError: with what to fix.
    """
    by_text = {q["text"].strip().lower(): q["id"] for q in [*known, *DEFAULT_QUESTIONS]}
    questions: list[Question] = []
    for line in (raw or "").splitlines():
        line = line.strip().lstrip("•*-").strip()
        if not line:
            continue
        if len(questions) == MAX_QUESTIONS:
            raise ValueError(f"Ask at most {MAX_QUESTIONS} questions, one per line.")
        head, colon, rest = line.partition(":")
        tag = head.strip().lower() if colon else line.lower()
        if tag == MOOD_ID:
            qid, kind, wording = MOOD_ID, "mood", rest.strip() or DEFAULT_QUESTIONS[3]["text"]
        elif colon and tag in ("blocker", BLOCKER_ID):
            qid, kind, wording = BLOCKER_ID, "text", rest.strip() or DEFAULT_QUESTIONS[2]["text"]
        else:
            qid, kind, wording = by_text.get(line.lower()) or _slug(line), "text", line
            if qid == MOOD_ID:
                qid = "mood-question"  # a text question that merely mentions mood
        if len(wording) > MAX_QUESTION_CHARS:
            raise ValueError(f"Keep each question under {MAX_QUESTION_CHARS} characters.")
        used = {q["id"] for q in questions}
        if qid in used and qid in (MOOD_ID, BLOCKER_ID):
            raise ValueError(f"Ask the {qid} question only once.")
        if qid in used:
            qid = next(
                f"{qid}-{n}" for n in range(2, MAX_QUESTIONS + 2) if f"{qid}-{n}" not in used
            )
        questions.append({"id": qid, "text": wording, "kind": kind})
    if not questions:
        raise ValueError("Add at least one question, one per line.")
    return questions


def is_optional(question: Question) -> bool:
    """The mood pulse and the blocker question may be left empty; the others may not."""
    return question["kind"] == "mood" or question["id"] == BLOCKER_ID


# --- the answers form ------------------------------------------------------------------------


def answer_form(
    period: str, questions: Sequence[Question], checkin: Checkin | None, *, share_mood: bool
) -> Form:
    """The check-in for a period, prefilled with the answers already given."""
    answered = checkin is not None and checkin.submitted_at is not None
    answers = checkin.answers if checkin is not None else {}
    mood = "shared with your manager" if share_mood else "only for you"
    blocks: list[Context | Input] = [
        Context(
            text(
                f"Your check-in for {period}. Your manager is told about blockers you name; "
                f"your mood is {mood} (change that in `/checkin settings`)."
            )
        )
    ]
    for q in questions:
        if q["kind"] == "mood":
            initial = str(checkin.mood) if checkin is not None and checkin.mood else ""
            blocks.append(
                Input(
                    q["text"],
                    q["id"],
                    kind="select",
                    choices=MOOD_CHOICES,
                    optional=True,
                    initial=initial,
                )
            )
        else:
            blocks.append(
                Input(
                    q["text"],
                    q["id"],
                    multiline=True,
                    optional=is_optional(q),
                    initial=answers.get(q["id"], ""),
                )
            )
    return Form(
        title=f"Check-in {period}",
        submit_action="checkin.answer",
        blocks=tuple(blocks),
        value=period,
        submit_label="Save changes" if answered else "Submit",
    )


def read_answers(
    questions: Sequence[Question], inputs: Mapping[str, str]
) -> tuple[dict[str, str], int | None, str]:
    """The answers, mood (1–5 or None) and blocker text of a submitted check-in.

    Raises:
        InvalidInput: naming each field to fix (a missing answer, a mood that is not 1–5).
    """
    errors: dict[str, str] = {}
    answers: dict[str, str] = {}
    mood: int | None = None
    for q in questions:
        raw = (inputs.get(q["id"]) or "").strip()
        if q["kind"] == "mood":
            if raw and raw not in {c.value for c in MOOD_CHOICES}:
                errors[q["id"]] = "Pick a mood from 1 (rough) to 5 (great), or leave it empty."
            elif raw:
                mood = int(raw)
        elif not raw and not is_optional(q):
            errors[q["id"]] = "Please answer this question."
        elif len(raw) > MAX_ANSWER_CHARS:
            errors[q["id"]] = (
                f"Please keep this under {MAX_ANSWER_CHARS} characters (yours has {len(raw)})."
            )
        elif raw:
            answers[q["id"]] = raw
    if errors:
        raise InvalidInput(errors)
    return answers, mood, answers.get(BLOCKER_ID, "")


# --- personal settings -----------------------------------------------------------------------


def settings_form(settings: PersonSettings) -> Form:
    """Mood sharing and time away."""
    return Form(
        title="Check-in settings",
        submit_action="checkin.prefs",
        blocks=(
            Input(
                "Share my mood with my manager",
                "share_mood",
                kind="select",
                choices=(Choice("Yes, share my mood", "yes"), Choice("No, keep it to me", "no")),
                initial="yes" if settings.share_mood else "no",
            ),
            Input(
                "Away until (no check-ins or reminders up to and including this day)",
                "away_until",
                kind="date",
                optional=True,
                initial=settings.away_until.isoformat() if settings.away_until else "",
            ),
            Context(
                text(
                    "Leave the date empty when you're back. Blockers you name always go to "
                    "your manager; your mood only if you share it."
                )
            ),
        ),
    )


def read_settings(inputs: Mapping[str, str], today: date) -> tuple[bool, date | None]:
    """Whether to share mood, and the last day away (None: not away).

    Raises:
        InvalidInput: for a missing choice or a date that is past or more than a year ahead.
    """
    errors: dict[str, str] = {}
    choice = (inputs.get("share_mood") or "").strip()
    if choice not in ("yes", "no"):
        errors["share_mood"] = "Choose yes or no."
    away: date | None = None
    raw = (inputs.get("away_until") or "").strip()
    if raw:
        try:
            away = date.fromisoformat(raw)
        except ValueError:
            errors["away_until"] = "Pick a date (YYYY-MM-DD), or leave it empty if you're back."
        else:
            if away < today:
                errors["away_until"] = "That day has passed; leave it empty if you're back."
            elif away > today + timedelta(days=AWAY_MAX_DAYS):
                errors["away_until"] = "Pick a day within the next year."
    if errors:
        raise InvalidInput(errors)
    return choice == "yes", away


# --- a team's plan ---------------------------------------------------------------------------


def setup_form(scope: PlanScope, who: str, questions: Sequence[Question], cadence: Cadence) -> Form:
    """The plan of a team (`who` says whose) or of the organisation, prefilled."""
    return Form(
        title="Check-in plan",
        submit_action="checkin.plan",
        value=scope,
        blocks=(
            Context(text(f"Check-in questions and cadence for {who}.")),
            Input(
                "When (each person's local time)",
                "cadence",
                placeholder="every week on Fri at 09:00",
                initial=describe_cadence(cadence),
            ),
            Input(
                "Questions, one per line",
                "questions",
                multiline=True,
                initial=questions_text(questions),
            ),
            Context(
                text(
                    "A line `mood` (or `mood: your wording`) adds the optional 1–5 mood pulse. "
                    "Start a line with `blockers:` for the optional blocker question; blockers "
                    "are sent to the person's manager. Other questions must be answered."
                )
            ),
        ),
    )


def read_setup(
    inputs: Mapping[str, str], known: Sequence[Question]
) -> tuple[list[Question], Cadence]:
    """The questions and cadence of a submitted plan.

    Raises:
        InvalidInput: with the reason under the cadence or questions field.
    """
    errors: dict[str, str] = {}
    cadence = Cadence()
    try:
        cadence = parse_cadence(inputs.get("cadence") or "")
    except ValueError as error:
        errors["cadence"] = str(error)
    else:
        if cadence.weekday >= 5:
            errors["cadence"] = "Check-ins skip weekends; pick a day from Monday to Friday."
    questions: list[Question] = []
    try:
        questions = parse_questions(inputs.get("questions") or "", known)
    except ValueError as error:
        errors["questions"] = str(error)
    if errors:
        raise InvalidInput(errors)
    return questions, cadence
