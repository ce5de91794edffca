"""Where goals stand: their flags in the owner's time zone, and which levels and parents a
person may choose (shared by `/goal`, the 1:1 prep and App Home)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from datetime import date, datetime
from zoneinfo import ZoneInfo

from handlers.services import RequestContext, Services
from handlers.types import Role
from insights.goal_check import GoalFlags, GoalState, goal_flags
from store.models import Goal, Person


def _zone(tz: str | None) -> ZoneInfo:
    try:
        return ZoneInfo(tz or "UTC")
    except (KeyError, ValueError, OSError):
        return ZoneInfo("UTC")


def _local_date(moment: datetime, zone: ZoneInfo) -> date:
    return moment.astimezone(zone).date() if moment.tzinfo else moment.date()


def local_today(services: Services, person: Person) -> date:
    """Today in the person's time zone (the company's when theirs is unknown)."""
    return _local_date(services.clock(), _zone(person.tz or services.config.timezone))


def flags_of(services: Services, goal: Goal, owner: Person) -> GoalFlags:
    zone = _zone(owner.tz or services.config.timezone)
    assert goal.id is not None
    state = GoalState(
        goal_id=goal.id,
        created=_local_date(goal.created_at, zone),
        due=goal.due,
        progress=goal.progress,
        last_update=_local_date(goal.progress_at, zone) if goal.progress_at else None,
        parent_id=goal.parent_id,
        done=goal.status == "done",
    )
    flags = goal_flags(
        state, local_today(services, owner), stale_weeks=services.config.goal_stale_weeks
    )
    # Company goals are the top of the tree: there is nothing for them to be linked to.
    return replace(flags, unlinked=False) if goal.level == "company" else flags


def goal_states(services: Services, owner_ids: Iterable[int]) -> list[tuple[Goal, GoalFlags]]:
    """The active goals of some people with their flags, oldest first (for 1:1 prep too)."""
    ids = set(owner_ids)
    owners = services.store.people.many(ids)
    goals = services.store.goals.for_owners(ids)
    return [(g, flags_of(services, g, owners[g.owner_id])) for g in goals if g.owner_id in owners]


def allowed_levels(actor: Person, people: list[Person]) -> list[str]:
    levels = ["personal"]
    if actor.role == Role.MANAGER or any(p.manager_id == actor.id for p in people):
        levels.append("team")
    if actor.role in (Role.HR, Role.ADMIN):
        levels.append("company")
    return levels


def parent_options(ctx: RequestContext, goal: Goal | None = None) -> list[Goal]:
    """Goals a goal may sit under: team goals of the requester's own manager chain (their own
    included) and company goals; never the goal itself or one below it. An edited goal keeps
    its current parent on offer even where the chain has changed since."""
    services, actor, exclude = ctx.services, ctx.actor, goal.id if goal else None
    people = {p.id: p for p in services.store.people.all()}
    chain: set[int] = set()
    current: Person | None = actor
    while current is not None and current.id is not None and current.id not in chain:
        chain.add(current.id)
        current = people.get(current.manager_id) if current.manager_id else None
    shared = services.store.goals.shared_goals()
    below: set[int | None] = {exclude} if exclude else set()
    while more := {g.id for g in shared if g.parent_id in below} - below:
        below |= more
    kept = goal.parent_id if goal else None
    offered = [g for g in shared if g.level == "company" or g.owner_id in chain]
    options = [g for g in offered if g.id not in below]
    if kept and all(g.id != kept for g in options) and (parent := services.store.goals.get(kept)):
        options.append(parent)
    return options
