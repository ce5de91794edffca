"""Goals: objectives with key results, a SMART check when they are written, and progress.

`/goal` lists a person's active goals with their flags (unlinked, stale, behind schedule);
`/goal add` writes one (a form, or a quick one-liner) and answers with concrete SMART
suggestions, which never block the save; `/goal update`, `/goal done` and the buttons record
progress; `/goal team` shows a manager their reports' goals. Every write is stored once per
request and audited by the store; the team read is audited here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from handlers import goal_render as render
from handlers.audit import log_read
from handlers.errors import InvalidInput, NotFound, PermissionDenied, UsageError
from handlers.goal_render import ADD_EXAMPLE, ADD_USAGE, UPDATE_EXAMPLE, UPDATE_USAGE, USAGE
from handlers.goal_state import (
    allowed_levels,
    flags_of,
    goal_states,
    local_today,
    parent_options,
)
from handlers.messages import Outgoing, ToRequester
from handlers.reporting_lines import team_of
from handlers.router import Router
from handlers.services import RequestContext, Services
from handlers.types import Command, Interaction, Role
from insights.goal_check import format_date, smart_check
from store.goals import LEVELS
from store.models import Goal, Person

MAX_OBJECTIVE = 300
MAX_KEY_RESULTS = 10
_RANK = {level: rank for rank, level in enumerate(LEVELS)}
_QUICK_DUE = re.compile(r"^(?P<objective>.*?)\s+by\s+(?P<due>\d{4}-\d{1,2}-\d{1,2})$", re.I)
_MONTH = r"(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?"
_OTHER_DATE = re.compile(
    rf"\bby\s+(?:\d{{1,2}}[/.]\d{{1,2}}[/.]\d{{2,4}}|\d{{1,2}}\s+{_MONTH}\s+\d{{4}}"
    rf"|{_MONTH}\s+\d{{1,2}},?\s+\d{{4}})$",
    re.I,
)
_PERCENT = re.compile(r"^(\d+(?:\.\d+)?)\s*%?$")


@dataclass(frozen=True)
class Draft:
    """A goal as written in a form or a quick command, checked and ready to store."""

    objective: str
    key_results: tuple[str, ...]
    due: date | None
    parent_id: int | None
    level: str


def _usage(message: str, usage: str = USAGE) -> UsageError:
    return UsageError(message, usage=f"Usage: `{usage}`")


def _check(
    ctx: RequestContext, fields: dict[str, str | None], *, goal: Goal | None = None
) -> tuple[Draft, dict[str, str]]:
    """Check a written goal; the problems map each field to what to fix."""
    problems: dict[str, str] = {}
    objective = " ".join((fields.get("objective") or "").split())
    if not objective:
        problems["objective"] = "Write the objective: what you want to achieve."
    elif len(objective) > MAX_OBJECTIVE:
        problems["objective"] = f"Keep the objective under {MAX_OBJECTIVE} characters."
    lines = (fields.get("key_results") or "").splitlines()
    results = tuple(kr for kr in (" ".join(line.lstrip("•-* ").split()) for line in lines) if kr)
    if len(results) > MAX_KEY_RESULTS:
        problems["key_results"] = f"Keep it to {MAX_KEY_RESULTS} key results at most."
    elif any(len(kr) > MAX_OBJECTIVE for kr in results):
        problems["key_results"] = f"Keep each key result under {MAX_OBJECTIVE} characters."
    due: date | None = None
    if raw_due := (fields.get("due") or "").strip():
        try:
            due = date.fromisoformat(raw_due)
        except ValueError:
            problems["due"] = f"{raw_due} isn't a date; write it as YYYY-MM-DD."
    today = local_today(ctx.services, ctx.actor)
    if due is not None and due <= today and (goal is None or due != goal.due):
        when = "today" if due == today else "in the past"
        problems["due"] = f"{format_date(due)} is {when}; pick a future date."
    level = goal.level if goal else (fields.get("level") or "personal")
    allowed = allowed_levels(ctx.actor, ctx.services.store.people.all())
    if goal is None and level not in allowed:  # an edit keeps its level
        who = {"team": "managers", "company": "HR and admins"}.get(level)
        problems["level"] = (
            f"Only {who} can set {level} goals; pick {' or '.join(allowed)}."
            if who
            else "Pick personal, team or company."
        )
    parent_id: int | None = None
    raw_parent = (fields.get("parent") or render.NO_PARENT).strip()
    if raw_parent != render.NO_PARENT:
        options = {g.id: g for g in parent_options(ctx, goal)}
        parent = options.get(int(raw_parent)) if raw_parent.isdigit() else None
        if parent is None:
            problems["parent"] = "Pick a goal from the list, or None."
        elif level in _RANK and _RANK[parent.level] < _RANK[level]:
            problems["parent"] = f"A {level} goal can't be part of a {parent.level} goal."
        else:
            parent_id = parent.id
    return Draft(objective, results, due, parent_id, level), problems


def _may_change(goal: Goal, actor: Person) -> bool:
    if goal.owner_id == actor.id:
        return True
    return goal.level == "company" and actor.role in (Role.HR, Role.ADMIN)


def _changeable(ctx: RequestContext, raw_id: str, usage: str = UPDATE_USAGE) -> Goal:
    """The goal a request names, if the requester may change it."""
    if not re.fullmatch(r"#?\d+", raw_id.strip()):
        raise _usage("Give the goal's number, like `7`; `/goal list` shows them.", usage)
    goal_id = int(raw_id.strip().lstrip("#"))
    goal = ctx.services.store.goals.get(goal_id)
    if goal is None:
        raise NotFound(
            f"There's no goal #{goal_id}.", usage="Run `/goal list` to see your goals' numbers."
        )
    if _may_change(goal, ctx.actor):
        return goal
    owner = ctx.services.store.people.get(goal.owner_id)
    raise PermissionDenied(render.who_may(goal, owner.name if owner else "its owner"))


def _parent_of(services: Services, goal: Goal) -> Goal | None:
    return services.store.goals.get(goal.parent_id) if goal.parent_id else None


def _saved(ctx: RequestContext, goal: Goal, lead: str) -> list[Outgoing]:
    today = local_today(ctx.services, ctx.actor)
    suggestions = smart_check(goal.objective, goal.key_results, goal.due, today)
    parent = _parent_of(ctx.services, goal)
    message = render.saved_message(goal, parent, suggestions, lead)
    return [Outgoing(ToRequester(), message, "goal.saved")]


def _store_new(ctx: RequestContext, draft: Draft, request_key: str) -> list[Outgoing]:
    assert ctx.actor.id is not None
    goal = ctx.services.store.goals.add_once(
        request_key,
        ctx.actor.id,
        objective=draft.objective,
        key_results=draft.key_results,
        due=draft.due,
        at=ctx.services.clock(),
        level=draft.level,
        parent_id=draft.parent_id,
    )
    if goal is None:
        return []  # a retry or double submit: stored and answered already
    return _saved(ctx, goal, f":dart: Saved your {goal.level} goal #{goal.id}.")


def _record(
    ctx: RequestContext, key: str, goal: Goal, progress: float, status: str | None, note: str
) -> list[Outgoing]:
    assert goal.id is not None and ctx.actor.id is not None
    at, actor = ctx.services.clock(), ctx.actor.id
    saved = ctx.services.store.goals.set_progress_once(
        key, goal.id, progress, at=at, actor_id=actor, status=status
    )
    if saved is None:
        return []  # a retry or double submit: stored and answered already
    lead = {
        "done": f":tada: Goal #{goal.id} is done.",
        "dropped": f"Goal #{goal.id} is dropped.",
    }.get(saved.status, f":chart_with_upwards_trend: Updated goal #{goal.id}.")
    owner = ctx.services.store.people.get(saved.owner_id) or ctx.actor
    flags = flags_of(ctx.services, saved, owner)
    message = render.progress_message(saved, flags, _parent_of(ctx.services, saved), note, lead)
    return [Outgoing(ToRequester(), message, "goal.progress")]


def _percent(raw: str) -> float | None:
    match = _PERCENT.match(raw.strip())
    value = float(match.group(1)) if match else None
    return value / 100 if value is not None and value <= 100 else None


async def list_command(command: Command, ctx: RequestContext) -> list[Outgoing]:
    """/goal and /goal list: the requester's active goals with flags and buttons."""
    if command.first_word in ("help", "?"):
        return [Outgoing(ToRequester(), render.help_message(), "help")]
    assert ctx.actor.id is not None
    states = goal_states(ctx.services, [ctx.actor.id])
    parents = ctx.services.store.goals.many(g.parent_id for g, _ in states if g.parent_id)
    return [Outgoing(ToRequester(), render.list_message(states, parents), "goal.list")]


async def add_command(command: Command, ctx: RequestContext) -> list[Outgoing]:
    """/goal add: the form, or the quick form `/goal add <objective> by YYYY-MM-DD`."""
    words = " ".join(command.words).strip()
    if not words:
        people = ctx.services.store.people.all()
        form = render.add_form(allowed_levels(ctx.actor, people), parent_options(ctx))
        return [Outgoing(ToRequester(), form, "goal.add_form")]
    if words.lower() in ("help", "?"):
        return [Outgoing(ToRequester(), render.help_message(), "help")]
    usage = f"Usage: `{ADD_USAGE}` (the due date in ISO form; no text opens a form)"
    if _OTHER_DATE.search(words):
        raise UsageError("Write the due date as YYYY-MM-DD, like `by 2027-03-31`.", usage=usage)
    match = _QUICK_DUE.match(words)
    objective, due = (match.group("objective"), match.group("due")) if match else (words, "")
    draft, problems = _check(ctx, {"objective": objective, "due": due})
    if problems:
        raise UsageError(next(iter(problems.values())), usage=usage)
    return _store_new(ctx, draft, command.request_key)


async def update_command(command: Command, ctx: RequestContext) -> list[Outgoing]:
    """/goal update <id> <progress>% [note]; without a progress it opens the form."""
    words = command.words
    if not words or words[0].lower() in ("help", "?"):
        raise _usage("Say which goal and how far along it is.", UPDATE_USAGE)
    goal = _changeable(ctx, words[0])
    if len(words) == 1:
        return [Outgoing(ToRequester(), render.progress_form(goal), "goal.progress_form")]
    progress = _percent(words[1])
    if progress is None:
        raise _usage(f"{words[1]} isn't a progress from 0 to 100%, like `40%`.", UPDATE_USAGE)
    return _record(ctx, command.request_key, goal, progress, None, " ".join(words[2:]))


async def done_command(command: Command, ctx: RequestContext) -> list[Outgoing]:
    """/goal done <id>: 100% and closed."""
    if not command.words or command.first_word in ("help", "?"):
        raise _usage("Say which goal is done, like `/goal done 7`.", "/goal done <id>")
    goal = _changeable(ctx, command.words[0], "/goal done <id>")
    return _record(ctx, command.request_key, goal, 1.0, "done", "")


async def edit_command(command: Command, ctx: RequestContext) -> list[Outgoing]:
    """/goal edit <id>: the edit form."""
    if not command.words or command.first_word in ("help", "?"):
        raise _usage("Say which goal to edit, like `/goal edit 7`.", "/goal edit <id>")
    goal = _changeable(ctx, command.words[0], "/goal edit <id>")
    form = render.edit_form(goal, parent_options(ctx, goal))
    return [Outgoing(ToRequester(), form, "goal.edit_form")]


async def team_command(command: Command, ctx: RequestContext) -> list[Outgoing]:
    """/goal team: a manager's reports' active goals with their flags."""
    if command.first_word in ("help", "?"):
        return [Outgoing(ToRequester(), render.help_message(), "help")]
    assert ctx.actor.id is not None
    people = ctx.services.store.people.all()
    skip = ctx.services.config.skip_level
    team = team_of(ctx.actor.id, people, direct_only=not skip)
    if not team:
        raise UsageError("Nobody reports to you in Candor's directory, so there are no goals.")
    reports = sorted((p for p in people if p.id in team and p.active), key=lambda p: p.name)
    states = goal_states(ctx.services, [p.id for p in reports if p.id is not None])
    shown = reports[: render.MAX_TEAM]
    for person in shown:
        goal_ids = [g.id for g, _ in states if g.owner_id == person.id]
        log_read(ctx, "individual", "goals", person.id, {"goals": goal_ids})
    stale = ctx.services.config.goal_stale_weeks
    message = render.team_message(reports, states, stale_weeks=stale, direct_only=not skip)
    return [Outgoing(ToRequester(), message, "goal.team")]


async def open_form(interaction: Interaction, ctx: RequestContext) -> list[Outgoing]:
    """Update progress or Edit was pressed on a goal: open its form."""
    goal = _changeable(ctx, interaction.value or interaction.action_id.rpartition(":")[2])
    if interaction.action_id.startswith(render.EDIT_BUTTON):
        form = render.edit_form(goal, parent_options(ctx, goal))
        return [Outgoing(ToRequester(), form, "goal.edit_form")]
    return [Outgoing(ToRequester(), render.progress_form(goal), "goal.progress_form")]


async def submit_add(interaction: Interaction, ctx: RequestContext) -> list[Outgoing]:
    """The new-goal form was submitted."""
    draft, problems = _check(ctx, dict(interaction.inputs))
    if problems:
        raise InvalidInput(problems)
    return _store_new(ctx, draft, interaction.request_key)


async def submit_progress(interaction: Interaction, ctx: RequestContext) -> list[Outgoing]:
    """The progress form was submitted."""
    goal = _changeable(ctx, interaction.value)
    inputs = interaction.inputs
    progress = _percent(inputs.get("progress") or "")
    status = inputs.get("status") or goal.status
    problems: dict[str, str] = {}
    if progress is None:
        problems["progress"] = "Give a whole number from 0 to 100."
    if status not in render.STATUSES:
        problems["status"] = "Pick active, done or dropped."
    if progress is None or problems:
        raise InvalidInput(problems)
    note = " ".join((inputs.get("note") or "").split())
    return _record(ctx, interaction.request_key, goal, progress, status, note)


async def submit_edit(interaction: Interaction, ctx: RequestContext) -> list[Outgoing]:
    """The edit form was submitted."""
    goal = _changeable(ctx, interaction.value, "/goal edit <id>")
    draft, problems = _check(ctx, dict(interaction.inputs), goal=goal)
    if problems:
        raise InvalidInput(problems)
    assert goal.id is not None and ctx.actor.id is not None
    saved = ctx.services.store.goals.revise_once(
        interaction.request_key,
        goal.id,
        at=ctx.services.clock(),
        actor_id=ctx.actor.id,
        objective=draft.objective,
        key_results=draft.key_results,
        due=draft.due,
        parent_id=draft.parent_id,
    )
    return _saved(ctx, saved, f":pencil2: Saved goal #{goal.id}.") if saved else []


def register(router: Router) -> None:
    """Add /goal and its sub-commands, buttons and forms."""

    async def show_help(command: Command, ctx: RequestContext) -> list[Outgoing]:
        return [Outgoing(ToRequester(), render.help_message(), "help")]

    subs = (
        ("goal", "Add, list and update your goals", USAGE, "/goal", list_command),
        ("goal list", "Your active goals with flags", "/goal list", "/goal list", list_command),
        ("goal help", "How to use /goal", "/goal help", "/goal help", show_help),
        ("goal add", "Add a goal; get SMART suggestions", ADD_USAGE, ADD_EXAMPLE, add_command),
        ("goal update", "Record progress on a goal", UPDATE_USAGE, UPDATE_EXAMPLE, update_command),
        ("goal done", "Close a goal as done", "/goal done <id>", "/goal done 7", done_command),
        ("goal edit", "Change a goal or link it", "/goal edit <id>", "/goal edit 7", edit_command),
    )
    for name, summary, usage, example, handler in subs:
        router.command(name, summary=summary, usage=usage, examples=(example,))(handler)
    router.command(
        "goal team",
        summary="Your reports' goals, with what's behind or stale (managers)",
        usage="/goal team",
        examples=("/goal team",),
        roles=frozenset({Role.MANAGER, Role.HR, Role.ADMIN}),
    )(team_command)
    router.action(render.PROGRESS_BUTTON)(open_form)
    router.action(render.EDIT_BUTTON)(open_form)
    router.action(render.ADD_SUBMIT)(submit_add)
    router.action(render.PROGRESS_SUBMIT)(submit_progress)
    router.action(render.EDIT_SUBMIT)(submit_edit)
