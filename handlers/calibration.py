"""/calibration for HR: the cycle's calibration and bias signals, and a manager's
pre-calibration view (their team's distribution against the organisation, with a chart).

Statistics to discuss, never verdicts: every flag shows its test, effect, interval and sample
size, and no breakdown describes fewer people than the minimum group size.
"""

from __future__ import annotations

from collections import Counter

from handlers.audit import log_read
from handlers.calibration_data import CycleData, find_cycle, load_cycle
from handlers.errors import UsageError
from handlers.identity import resolve
from handlers.messages import (
    Message,
    Outgoing,
    Section,
    ToChannel,
    ToPerson,
    ToRequester,
    text,
)
from handlers.router import HR_ONLY, Router
from handlers.services import RequestContext
from handlers.types import Command, Interaction, MentionRef
from insights.anonymity import effective_min_group

USAGE = "/calibration [cycle] | manager @manager [cycle]"
OPEN = "calibration.open"


def _report_for(data: CycleData, ctx: RequestContext) -> Message:
    from handlers.calibration_render import render_report

    report = data.calibrate(effective_min_group(ctx.services.config.min_group))
    names = {str(p.id): p.name for p in ctx.services.store.people.all()}
    log_read(
        ctx,
        "aggregate",
        "calibration",
        None,
        {"cycle": data.cycle.id or 0, "ratings": report.ratings, "flagged": report.flagged},
    )
    return render_report(data.cycle.name, report, names)


async def calibration_command(command: Command, ctx: RequestContext) -> list[Outgoing]:
    """HR: the signals for a cycle, in the HR channel when run there, else privately."""
    if command.first_word in ("help", "?"):
        return [Outgoing(ToRequester(), _help(), "help")]
    if command.first_word == "manager":
        return await _manager_view(command, ctx)
    if any(isinstance(a, MentionRef) for a in command.args):
        raise UsageError(
            "To look at one manager, use `/calibration manager @manager`.", usage=_usage()
        )
    name = " ".join(command.words) or None
    data = load_cycle(ctx.services.store, find_cycle(ctx.services.store, name))
    message = _report_for(data, ctx)
    hr_channel = ctx.services.config.hr_channel
    in_hr_channel = command.channel_id is not None and command.channel_id == hr_channel
    # Kept where HR can find it again: the HR channel when run there, else a DM (with charts).
    to = ToChannel(command.channel_id) if in_hr_channel and command.channel_id else _dm(ctx)
    return [Outgoing(to, message, "calibration.report")]


async def _manager_view(command: Command, ctx: RequestContext) -> list[Outgoing]:
    mentions = [a for a in command.args if isinstance(a, MentionRef)]
    if len(mentions) != 1:
        raise UsageError(
            "Name one manager: `/calibration manager @manager [cycle]`.", usage=_usage()
        )
    who = await resolve(ctx.services, ctx.directory, mentions[0].platform_user_id)
    if who.person is None or who.person.id is None:
        raise UsageError("I don't know that person.", usage=_usage())
    name = " ".join(command.words[1:]) or None
    data = load_cycle(ctx.services.store, find_cycle(ctx.services.store, name))
    manager = str(who.person.id)
    team = [r for r in data.ratings if data.teams.get(r.ratee) == manager]
    min_group = effective_min_group(ctx.services.config.min_group)
    people = len({r.ratee for r in team})
    log_read(
        ctx,
        "aggregate",
        "calibration.manager",
        None,
        {"cycle": data.cycle.id or 0, "manager": who.person.id, "people": people},
    )
    if people < min_group:
        message = Message(
            "Not enough people to show",
            (
                Section(
                    text(
                        f"{who.person.name}'s team has {'no' if not people else 'fewer than'} "
                        f"{min_group} people rated in {data.cycle.name}, so their distribution "
                        "is not shown."
                    )
                ),
            ),
        )
        return [Outgoing(ToRequester(), message, "calibration.manager")]
    from handlers.calibration_render import render_manager_view

    report = data.calibrate(min_group)
    team_counts = Counter(r.score for r in team)
    org_counts = Counter(r.score for r in data.ratings)
    message = render_manager_view(
        data.cycle.name,
        who.person.name,
        manager,
        report,
        data.scale,
        team_counts,
        org_counts,
    )
    return [Outgoing(_dm(ctx), message, "calibration.manager")]


def _dm(ctx: RequestContext) -> ToPerson:
    assert ctx.actor.id is not None
    return ToPerson(ctx.actor.id)


async def open_from_home(interaction: Interaction, ctx: RequestContext) -> list[Outgoing]:
    """HR pressed Calibration on their Home: the latest cycle's signals, privately."""
    data = load_cycle(ctx.services.store, find_cycle(ctx.services.store, None))
    return [Outgoing(_dm(ctx), _report_for(data, ctx), "calibration.report")]


def _usage() -> str:
    return f"Usage: `{USAGE}`"


def _help() -> Message:
    return Message(
        "Calibration signals for HR",
        (
            Section(
                text(
                    "*Calibration signals for HR*\n"
                    f"`{USAGE}`\nRater severity and leniency, halo, 360 outliers, manager "
                    "distributions, group gaps with the four-fifths rule and recency — each with "
                    "its test, effect size, interval and sample size. Import ratings with "
                    "`candor ratings import ratings.csv`."
                )
            ),
        ),
    )


def register(router: Router) -> None:
    """Add /calibration and the Home's Calibration button."""
    router.command(
        "calibration",
        summary="Calibration and bias signals for a review cycle (HR)",
        usage=USAGE,
        examples=("/calibration", "/calibration 2026-H1", "/calibration manager @dana"),
        roles=HR_ONLY,
    )(calibration_command)
    router.action(OPEN, roles=HR_ONLY)(open_from_home)
