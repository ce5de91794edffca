"""`/review rate @report [cycle]`: a manager rates someone in their reporting line on the
cycle's competencies, in a form. The ratings feed HR's calibration signals.

A rating given in the form counts for its day: submitting again the same day updates it in
place (a double submit stores nothing twice); another day adds a repeated rating, which the
calibration model treats as such.
"""

from __future__ import annotations

import logging
from datetime import datetime, time

from handlers.calibration_data import find_cycle
from handlers.errors import InvalidInput, NotFound, PermissionDenied, UsageError
from handlers.feedback import mentioned_person
from handlers.feedback_render import person
from handlers.meetings import MANAGERS, manages
from handlers.messages import (
    Choice,
    Context,
    Form,
    Input,
    Message,
    Outgoing,
    Section,
    ToRequester,
    text,
)
from handlers.router import Router
from handlers.services import RequestContext
from handlers.types import Command, Interaction, MentionRef
from store.models import Person
from store.rating_models import RatingCycle
from store.ratings import NewRating

log = logging.getLogger(__name__)

RATE_USAGE = "/review rate @report [cycle]"
RATE_SUBMIT = "review.rate_submit"
NO_CYCLE = (
    "No review cycle is open yet: HR opens one with "
    '`candor ratings cycle 2026-H2 --competencies "Delivery, Craft"`.'
)
MAX_POINTS = 11  # a select shows every point of the scale


def _points(cycle: RatingCycle) -> list[float]:
    low, high = cycle.scale_low, cycle.scale_high
    count = int(high - low) + 1
    return [low + i for i in range(count)] if count <= MAX_POINTS else [low, high]


def _cycle(ctx: RequestContext, name: str | None) -> RatingCycle:
    cycle = find_cycle(ctx.services.store, name, none_yet=NO_CYCLE)
    if not cycle.competencies:
        raise UsageError(f"Cycle {cycle.name} names no competencies to rate.")
    return cycle


def _subject(ctx: RequestContext, subject: Person) -> Person:
    assert ctx.actor.id is not None and subject.id is not None
    if not manages(ctx.services, ctx.actor.id, subject.id):
        raise PermissionDenied(
            f"You can rate only people in your reporting line, and {subject.name} isn't in yours."
        )
    return subject


def rate_form(subject: Person, cycle: RatingCycle) -> Form:
    """One select per competency, on the cycle's scale."""
    choices = tuple(Choice(f"{p:g}", f"{p:g}") for p in _points(cycle))
    fields = tuple(
        Input(name[:48], f"c{i}", kind="select", choices=choices)
        for i, name in enumerate(cycle.competencies)
    )
    return Form(
        f"Rate for {cycle.name}"[:24],
        RATE_SUBMIT,
        (
            Section(
                text(
                    "Rate ",
                    person(subject),
                    f" for {cycle.name} ({cycle.scale_low:g} to {cycle.scale_high:g}, "
                    f"{cycle.scale_high:g} is the top rating).",
                )
            ),
            *fields,
            Context(
                text(
                    "HR sees ratings in aggregate calibration signals (rater severity, "
                    "distributions, group gaps), which never decide anything."
                )
            ),
        ),
        value=f"{subject.id}|{cycle.id}",
        submit_label="Save",
    )


async def rate_command(command: Command, ctx: RequestContext) -> list[Outgoing]:
    """Open the rating form for a report."""
    mentions = [a for a in command.args if isinstance(a, MentionRef)]
    if len(mentions) != 1:
        raise UsageError("Mention the one person you are rating.", usage=f"Usage: `{RATE_USAGE}`")
    subject = _subject(ctx, await mentioned_person(ctx, mentions[0], f"Usage: `{RATE_USAGE}`"))
    cycle = _cycle(ctx, " ".join(command.words) or None)
    return [Outgoing(ToRequester(), rate_form(subject, cycle), "review.rate_form")]


async def submit_rating(interaction: Interaction, ctx: RequestContext) -> list[Outgoing]:
    """The rating form was submitted: validate every field, then store all or nothing."""
    try:
        subject_id, cycle_id = (int(part) for part in interaction.value.split("|"))
    except ValueError:
        raise NotFound("That form is out of date. Run `/review rate` again.") from None
    subject = ctx.services.store.people.get(subject_id)
    cycle = next((c for c in ctx.services.store.ratings.cycles() if c.id == cycle_id), None)
    if subject is None or subject.id is None or not subject.active or cycle is None:
        raise NotFound("That person or cycle is no longer in Candor.")
    _subject(ctx, subject)
    points = {f"{p:g}": p for p in _points(cycle)}
    scores: dict[str, float] = {}
    problems: dict[str, str] = {}
    for i, competency in enumerate(cycle.competencies):
        raw = (interaction.inputs.get(f"c{i}") or "").strip()
        if raw in points:
            scores[competency] = points[raw]
        else:
            problems[f"c{i}"] = f"Pick a rating from {cycle.scale_low:g} to {cycle.scale_high:g}."
    if problems:
        raise InvalidInput(problems)
    assert ctx.actor.id is not None
    now = ctx.services.clock()
    day = datetime.combine(now.date(), time(), tzinfo=now.tzinfo)
    rows = [
        NewRating(cycle.name, ctx.actor.id, subject.id, competency, score, day)
        for competency, score in scores.items()
    ]
    summary = ctx.services.store.ratings.import_ratings(
        rows,
        scale=(cycle.scale_low, cycle.scale_high),
        at=now,
        actor_id=ctx.actor.id,
        source="review",
    )
    log.info(
        "ratings saved: cycle %s, %s added, %s updated", cycle.id, summary.added, summary.updated
    )
    lead = "Updated" if summary.updated or summary.unchanged else "Saved"
    message = Message(
        f"{lead} ratings",
        (
            Section(
                text(
                    f":white_check_mark: {lead} {len(rows)} ratings of ",
                    person(subject),
                    f" for {cycle.name}. Run `/review rate` again today to change them.",
                )
            ),
        ),
    )
    return [Outgoing(ToRequester(), message, "review.rated")]


def register(router: Router) -> None:
    """Add /review rate (managers, own reporting line)."""
    router.command(
        "review rate",
        summary="Rate someone in your reporting line on the cycle's competencies (managers)",
        usage=RATE_USAGE,
        examples=("/review rate @li",),
        roles=MANAGERS,
    )(rate_command)
    router.action(RATE_SUBMIT, roles=MANAGERS)(submit_rating)
