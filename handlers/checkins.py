"""Check-ins: questions in DM at each person's local time, answered in a form.

`/checkin` opens this period's check-in (prefilled once answered, so it can be edited);
`/checkin settings` sets mood sharing and time away; `/checkin setup` lets a manager set their
team's questions and cadence, and HR the organisation's default (`/checkin setup org`). The
scheduled round is `checkin_round` (in `handlers.checkin_rounds`).

Privacy: a blocker someone names goes to their manager, once per check-in (again only when its
text changes). Their mood reaches the manager only with their consent (`share_mood`); without
it no message to the manager mentions mood at all.
"""

from __future__ import annotations

import hashlib
import logging
from datetime import datetime

from handlers.checkin_forms import (
    DEFAULT_QUESTIONS,
    MOOD_LABELS,
    PERIOD,
    answer_form,
    describe_cadence,
    read_answers,
    read_settings,
    read_setup,
    settings_form,
    setup_form,
)
from handlers.checkin_rounds import (
    OPEN_ACTION,
    checkin_round,
    current_period,
    effective_plan,
    local_today,
    plan_questions_and_cadence,
)
from handlers.errors import PermissionDenied, UsageError
from handlers.messages import (
    Actions,
    Block,
    Button,
    Citation,
    Context,
    Header,
    Mention,
    Message,
    Outgoing,
    Quote,
    Section,
    ToPerson,
    ToRequester,
    text,
)
from handlers.reporting_lines import team_of
from handlers.router import HR_ONLY, Router
from handlers.services import RequestContext
from handlers.types import Command, Interaction, Role
from insights.schedule import Cadence
from store.models import Checkin

__all__ = ["DEFAULT_QUESTIONS", "checkin_round", "effective_plan", "register"]

log = logging.getLogger(__name__)

USAGE = "/checkin [settings | setup] | /checkin setup org | /checkin help"
EXAMPLES = ("/checkin", "/checkin settings", "/checkin setup")
MANAGERS_UP = frozenset({Role.MANAGER, Role.HR, Role.ADMIN})
TREND_LENGTH = 8
HISTORY = 60


def _usage(message: str) -> UsageError:
    return UsageError(message, usage=f"Usage: `{USAGE}`")


def help_message() -> Message:
    """What /checkin does and how to use it."""
    lines = (
        "*Check-ins* — a few questions in a DM at your local time (by default every Friday at "
        "09:00), answered in a short form.\n"
        "• `/checkin` — answer (or edit) this week's check-in\n"
        "• `/checkin settings` — share your mood with your manager or not; time away\n"
        "• `/checkin setup` — your team's questions and cadence (managers); "
        "`/checkin setup org` — the organisation's default (HR)"
    )
    privacy = "Blockers you name go to your manager; your mood only if you choose to share it."
    return Message(
        summary="How check-ins work",
        blocks=(Section(text(lines)), Context(text(f"Usage: `{USAGE}`. {privacy}"))),
    )


def _checkin_period(value: str, ctx: RequestContext) -> str:
    """The period a button or form names (this one when it names none), never a future one."""
    current = current_period(ctx.services, ctx.actor, ctx.services.clock())
    if not value:
        return current
    if not PERIOD.fullmatch(value):
        raise _usage("That check-in link isn't valid. Run `/checkin` to open this week's.")
    if value > current:
        raise _usage(f"The check-in for {value} hasn't started yet.")
    return value


def _answer_form_for(ctx: RequestContext, period: str) -> Outgoing:
    assert ctx.actor.id is not None
    store = ctx.services.store
    questions, _ = effective_plan(ctx.services, ctx.actor)
    found = store.checkins.get(ctx.actor.id, period)
    share = store.settings.get(ctx.actor.id).share_mood
    return Outgoing(ToRequester(), answer_form(period, questions, found, share_mood=share), "form")


async def checkin_command(command: Command, ctx: RequestContext) -> list[Outgoing]:
    """/checkin: this period's check-in form, prefilled if already answered."""
    if command.args:
        raise _usage("`/checkin` takes no words after it, except a sub-command.")
    period = current_period(ctx.services, ctx.actor, ctx.services.clock())
    return [_answer_form_for(ctx, period)]


async def open_checkin(interaction: Interaction, ctx: RequestContext) -> list[Outgoing]:
    """The "Answer check-in" and "Edit answers" buttons: the form for the button's period."""
    return [_answer_form_for(ctx, _checkin_period(interaction.value, ctx))]


async def submit_checkin(interaction: Interaction, ctx: RequestContext) -> list[Outgoing]:
    """A submitted check-in: store it once, confirm with the mood trend, flag a new blocker."""
    services, actor = ctx.services, ctx.actor
    assert actor.id is not None
    period = _checkin_period(interaction.value, ctx)
    questions, _ = effective_plan(services, actor)
    answers, mood, blocker = read_answers(questions, interaction.inputs)
    now = services.clock()
    prior = services.store.checkins.get(actor.id, period)
    before = prior.blocker.strip() if prior is not None and prior.submitted_at else ""
    row, edited = services.store.checkins.submit(
        actor.id, period, answers=answers, mood=mood, blocker=blocker, at=now
    )
    share = services.store.settings.get(actor.id).share_mood
    flags = _flag_blocker(ctx, row, before, share, now) if blocker and blocker != before else []
    log.info("check-in %s %s by person %s", row.id, "edited" if edited else "submitted", actor.id)
    told = bool(flags)
    return [_confirmation(ctx, row, edited=edited, manager_told=told, share=share), *flags]


def mood_trend(history: list[Checkin]) -> tuple[list[int], int]:
    """The last moods given (oldest first, at most 8) and the streak of answered check-ins.

    `history` is newest period first. The streak counts answered periods back from the newest
    and stops at a check-in that was sent and left unanswered; weeks without a check-in
    (holidays, time away) don't break it.
    """
    moods = [c.mood for c in reversed(history) if c.submitted_at and c.mood is not None]
    streak = 0
    for row in history:
        if row.submitted_at is not None:
            streak += 1
        elif row.sent_at is not None:
            break
    return moods[-TREND_LENGTH:], streak


def _confirmation(
    ctx: RequestContext, row: Checkin, *, edited: bool, manager_told: bool, share: bool
) -> Outgoing:
    assert ctx.actor.id is not None
    moods, streak = mood_trend(ctx.services.store.checkins.history(ctx.actor.id, HISTORY))
    trend = " → ".join(str(m) for m in moods) if moods else "no moods yet (the pulse is optional)"
    runs = "1 check-in" if streak == 1 else f"{streak} check-ins in a row"
    done = "updated" if edited else "saved"
    seen = ["Your mood is shared with your manager." if share else "Your mood stays with you."]
    if manager_told:
        seen.insert(0, "Your manager was told about your blocker.")
    blocks: list[Block] = [
        Section(text(f":chart_with_upwards_trend: *Your mood:* {trend}\n*Streak:* {runs}")),
        Section(text(f":white_check_mark: Thanks! Your check-in for {row.period} is {done}.")),
        Context(text(" ".join(seen) + " Change that in `/checkin settings`.")),
        Actions((Button("Edit answers", OPEN_ACTION, row.period),)),
    ]
    message = Message(summary=f"Check-in {row.period} {done}", blocks=tuple(blocks))
    return Outgoing(ToPerson(ctx.actor.id), message, "checkin.confirm")


def _digest(words: str) -> str:
    return hashlib.sha256(words.encode()).hexdigest()[:12] if words else "none"


def _flag_blocker(
    ctx: RequestContext, row: Checkin, before: str, share: bool, now: datetime
) -> list[Outgoing]:
    """The manager's DM about a new or changed blocker, claimed so a double submit sends once."""
    actor, store = ctx.actor, ctx.services.store
    assert actor.id is not None and row.id is not None
    manager = store.people.get(actor.manager_id) if actor.manager_id is not None else None
    if manager is None or manager.id is None or not manager.active or manager.id == actor.id:
        return []
    key = f"checkin-blocker:{actor.id}:{row.period}:{_digest(before)}:{_digest(row.blocker)}"
    if not store.deliveries.claim(key, "checkin-blocker", now):
        return []
    changed = " (updated)" if before else ""
    blocks: list[Block] = [
        Section(
            text(
                ":construction: ",
                Mention(actor.id, actor.name),
                f" flagged a blocker in their check-in for {row.period}{changed}:",
            )
        ),
        Quote(text(row.blocker), (Citation("checkin", row.id, f"check-in {row.period}"),)),
    ]
    if share and row.mood is not None:
        label = MOOD_LABELS.get(row.mood, "")
        blocks.append(Context(text(f"Mood: {row.mood}/5 ({label}), shared with their consent.")))
    blocks.append(Context(text("A quick word with them may help unblock it.")))
    summary = f"{actor.name} flagged a blocker in their check-in"
    message = Message(summary=summary, blocks=tuple(blocks))
    return [Outgoing(ToPerson(manager.id), message, "checkin.blocker", delivery_key=key)]


async def settings_command(command: Command, ctx: RequestContext) -> list[Outgoing]:
    """/checkin settings: the form for mood sharing and time away."""
    if command.args:
        raise _usage("`/checkin settings` takes no words after it.")
    assert ctx.actor.id is not None
    found = ctx.services.store.settings.get(ctx.actor.id)
    return [Outgoing(ToRequester(), settings_form(found), "form")]


async def save_settings(interaction: Interaction, ctx: RequestContext) -> list[Outgoing]:
    """The settings form: save both choices and say what the manager can and cannot see."""
    services, actor = ctx.services, ctx.actor
    assert actor.id is not None
    now = services.clock()
    share, away = read_settings(interaction.inputs, local_today(services, actor, now))
    services.store.settings.set_share_mood(actor.id, share, now)
    services.store.settings.set_away(actor.id, away, now)
    # Check-ins feed the 1:1: the manager sees the answers (a blocker is flagged at once);
    # the mood pulse stays the employee's unless they share it. HR never sees raw answers.
    can = "your answers, with any blocker flagged to them at once"
    can += ", and your mood (1–5) with each check-in" if share else ""
    private = "" if share else "*Only you see:* your mood and its trend.\n"
    away_line = (
        f"You're away until {away:%a %d %b %Y}: no check-ins or reminders up to and including "
        "that day."
        if away
        else "You're not marked away: check-ins come as scheduled."
    )
    blocks: list[Block] = [
        Section(text(":gear: Your check-in settings are saved.")),
        Section(
            text(f"*Your manager can see:* {can}.\n{private}HR never sees your check-in answers.")
        ),
        Section(text(away_line)),
        Context(text("Change these any time with `/checkin settings`.")),
    ]
    message = Message(summary="Check-in settings saved", blocks=tuple(blocks))
    return [Outgoing(ToPerson(actor.id), message, "checkin.settings")]


def _plan_scope(ctx: RequestContext, wanted: str) -> tuple[str, str]:
    """Which plan the actor may set ("team" or "org") and whose it is, in words.

    `wanted` is "org", "team" or "" (the actor's team if they have reports, else — for HR
    and admins — the organisation's default)."""
    assert ctx.actor.id is not None
    is_hr = Role(ctx.actor.role) in HR_ONLY
    reports = team_of(ctx.actor.id, ctx.services.store.people.all(), direct_only=True)
    if wanted == "org" or (not wanted and not reports and is_hr):
        if not is_hr:
            raise PermissionDenied(
                "Only HR and admins can set the organisation's default check-in. "
                "Use `/checkin setup` for your own team."
            )
        return "org", "everyone whose manager has no team plan (the organisation's default)"
    if not reports:
        raise _usage(
            "Nobody reports to you in Candor's directory, so there's no team check-in to set up."
        )
    count = f"{len(reports)} direct report" + ("" if len(reports) == 1 else "s")
    return "team", f"your {count}"


def _plan_in_force(ctx: RequestContext, scope: str) -> tuple[list[dict[str, str]], Cadence]:
    """The plan a scope has today: a team without its own has the org default (or built-in)."""
    repo = ctx.services.store.checkins
    plan = repo.plan(None if scope == "org" else ctx.actor.id)
    if plan is None and scope == "team":
        plan = repo.plan(None)
    return plan_questions_and_cadence(plan)


async def setup_command(command: Command, ctx: RequestContext) -> list[Outgoing]:
    """/checkin setup [org]: the plan form, prefilled with the plan in force."""
    words = [w.lower() for w in command.words]
    if command.args and words != ["org"]:
        raise _usage("`/checkin setup` takes nothing after it, or `org` for the org default.")
    scope, who = _plan_scope(ctx, "org" if words else "")
    questions, cadence = _plan_in_force(ctx, scope)
    return [Outgoing(ToRequester(), setup_form(scope, who, questions, cadence), "form")]


async def save_plan(interaction: Interaction, ctx: RequestContext) -> list[Outgoing]:
    """The plan form: check the cadence and questions, then save the team's or org's plan."""
    services, actor = ctx.services, ctx.actor
    assert actor.id is not None
    wanted = interaction.value if interaction.value in ("org", "team") else ""
    scope, who = _plan_scope(ctx, wanted)
    owner = None if scope == "org" else actor.id
    known, _ = _plan_in_force(ctx, scope)
    questions, cadence = read_setup(interaction.inputs, known)
    now = services.clock()
    services.store.checkins.save_plan(
        owner,
        questions=questions,
        weekday=cadence.weekday,
        hour=cadence.hour,
        minute=cadence.minute,
        every_weeks=cadence.every_weeks,
        at=now,
        actor_id=actor.id,
    )
    listed = "\n".join(f"• {q['text']}" for q in questions)
    blocks: list[Block] = [
        Header("Check-in plan saved"),
        Section(
            text(
                f"Check-ins for {who} now go out {describe_cadence(cadence)}, each person's "
                f"local time, starting with the next one."
            )
        ),
        Section(text(f"*Questions*\n{listed}")),
        Context(text("Change it any time with `/checkin setup`.")),
    ]
    message = Message(summary="Check-in plan saved", blocks=tuple(blocks))
    return [Outgoing(ToPerson(actor.id), message, "checkin.plan")]


def register(router: Router) -> None:
    """Add /checkin, its sub-commands, its buttons and its forms."""

    async def show_help(command: Command, ctx: RequestContext) -> list[Outgoing]:
        return [Outgoing(ToRequester(), help_message(), "help")]

    router.command(
        "checkin",
        summary="Answer this week's check-in, or change your check-in settings",
        usage=USAGE,
        examples=EXAMPLES,
    )(checkin_command)
    router.command("checkin help", summary="How check-ins work", usage="/checkin help")(show_help)
    router.command(
        "checkin settings",
        summary="Share your mood with your manager or not, and set time away",
        usage="/checkin settings",
        examples=("/checkin settings",),
    )(settings_command)
    router.command(
        "checkin setup",
        summary="Your team's check-in questions and cadence (managers), or the org default (HR)",
        usage="/checkin setup [org]",
        examples=("/checkin setup", "/checkin setup org"),
        roles=MANAGERS_UP,
    )(setup_command)
    router.action(OPEN_ACTION)(open_checkin)
    router.action("checkin.answer")(submit_checkin)
    router.action("checkin.prefs")(save_settings)
    router.action("checkin.plan", roles=MANAGERS_UP)(save_plan)
