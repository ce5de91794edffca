"""Who writes a review draft, over which window, and how its provenance is kept.

The offline engine (`insights.review_draft`) always runs first: it decides whether there is
enough evidence at all. With a language model set, `prompts.review_draft` writes the draft
instead; its answer is checked again here against the records the manager may see, and when
it fails (twice, or here) the offline draft is used and marked as a fallback. Every draft an
engine writes is stored as an AI output with its model, prompt version and every input ref.
Either way, the person's top skill gap (where the competency framework shows one) leads the
next-quarter focus, citing those of its records that the draft rests on.
"""

from __future__ import annotations

import logging
from calendar import monthrange
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from handlers.meetings import person_tz, zone
from handlers.review_evidence import names_of
from handlers.services import Services
from handlers.skills_feed import focus_of
from insights.review_draft import draft_review
from insights.review_types import Draft, EvidenceRecord, NotEnoughEvidence, check_citations
from insights.skills.focus import focus_sentence, with_focus
from store.models import Person, ReviewDraft

log = logging.getLogger(__name__)

# No draft rests on fewer records than this, or on fewer people.
MIN_SOURCES = 4
MIN_PEOPLE = 2
# The offline engine has no prompt; its outputs are recorded under this name and version.
OFFLINE_PROMPT = ("review_draft_offline", "1")


@dataclass(frozen=True)
class Written:
    """A draft and how it came to be."""

    draft: Draft
    evidence: tuple[EvidenceRecord, ...]
    model: str | None  # the language model that wrote it or was tried; None: offline only
    fallback: bool  # the model's answer failed the checks; the offline engine wrote it


def called(subject: Person) -> str:
    """What a draft calls its subject: their first name."""
    return (subject.name.split() or ["They"])[0]


async def write_draft(
    services: Services,
    evidence: list[EvidenceRecord],
    subject: Person,
    since: datetime,
    until: datetime,
) -> Written | NotEnoughEvidence:
    """A draft from the evidence, or what is missing for one.

    The offline engine decides whether there is enough evidence; with a language model set,
    the model's draft is used when every sentence cites records among the evidence, else the
    offline one (`fallback`).
    """
    names = names_of(services, evidence, subject)
    offline = draft_review(
        evidence,
        subject=called(subject),
        period_end=until,
        min_sources=MIN_SOURCES,
        min_people=MIN_PEOPLE,
        period_start=since,
        names=[n for pid, n in names.items() if pid != subject.id],
    )
    if isinstance(offline, NotEnoughEvidence):
        return offline
    offline = _with_development(services, offline, subject, evidence)
    if services.llm is None:
        return Written(offline, tuple(evidence), None, False)
    from prompts.llm import model_name
    from prompts.review_draft import llm_draft

    model = model_name(services.llm)
    try:
        written = await llm_draft(
            services.llm,
            evidence,
            subject=called(subject),
            period_end=until,
            names=names,
            period_start=since,
        )
    except Exception as error:  # the engine must never take the command down with it
        log.warning("review draft: the LLM engine failed (%s)", type(error).__name__)
        written = None
    if written is not None and not check_citations(written, {r.ref for r in evidence}):
        written = _with_development(services, written, subject, evidence)
        return Written(written, tuple(evidence), model, False)
    return Written(offline, tuple(evidence), model, True)


def _with_development(
    services: Services, draft: Draft, subject: Person, evidence: list[EvidenceRecord]
) -> Draft:
    """The draft with the top skill gap first in its focus, citing only the evidence given
    (the records the manager may see); unchanged without a gap or such records."""
    focus = focus_of(services.store, subject)
    if focus is None:
        return draft
    return with_focus(draft, focus_sentence(focus, called(subject), {r.ref for r in evidence}))


def content_of(written: Written) -> dict[str, Any]:
    """What `store.reviews` keeps of a written draft (see `handlers.review_render`)."""
    return {
        **written.draft.to_json(),
        "evidence": [r.ref for r in written.evidence],
        "fallback": written.fallback,
        "edited": False,
    }


def record_output(services: Services, written: Written, subject: Person, at: datetime) -> int:
    """Store the engine's output as an AI output: model, prompt version and every input."""
    if written.model is not None and not written.fallback:
        from prompts.review_draft import SPEC

        model, prompt, version = written.model, SPEC.name, SPEC.version
    else:
        model, (prompt, version) = "offline", OFFLINE_PROMPT
    output: dict[str, Any] = {
        **written.draft.to_json(),
        "status": "draft",  # shown to the people it concerns only once approved
        "subject": subject.id,
    }
    if written.fallback:
        output["fallback_from"] = written.model
    return services.store.ai_outputs.record(
        kind="review_draft",
        model=model,
        prompt=prompt,
        prompt_version=version,
        input_ids=[r.ref for r in written.evidence],
        output=output,
        at=at,
    )


def months_before(day: date, months: int) -> date:
    """The same day `months` months earlier (the month's last day where it is shorter)."""
    year, month = divmod(day.year * 12 + day.month - 1 - months, 12)
    return date(year, month + 1, min(day.day, monthrange(year, month + 1)[1]))


def window(
    services: Services, manager: Person, months: int, now: datetime
) -> tuple[datetime, datetime]:
    """The last `months` months up to now, from midnight in the manager's zone."""
    tz = zone(person_tz(services, manager))
    start = months_before(now.astimezone(tz).date(), months)
    return datetime.combine(start, time(0), tzinfo=tz), now


def draft_window(
    row: ReviewDraft, manager: Person, services: Services, now: datetime
) -> tuple[datetime, datetime]:
    """A stored draft's window again, for regenerating it (up to now at most)."""
    tz = zone(person_tz(services, manager))
    since = datetime.combine(row.period_start, time(0), tzinfo=tz)
    until = datetime.combine(row.period_end + timedelta(days=1), time(0), tzinfo=tz)
    return since, min(until, now)
