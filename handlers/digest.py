"""/digest for HR, /themes for managers, theme details, and the scheduled weekly HR digest."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

from handlers.audit import log_read
from handlers.digest_render import render_digest, theme_line
from handlers.digest_report import DigestReport, Scope, Window, build_report
from handlers.effective_settings import digest_schedule
from handlers.errors import UsageError
from handlers.messages import (
    Block,
    Context,
    Header,
    Message,
    Outgoing,
    Quote,
    Section,
    ToChannel,
    ToRequester,
    text,
)
from handlers.reporting_lines import team_of
from handlers.router import HR_ONLY, Router
from handlers.services import RequestContext, Services
from handlers.types import Command, Interaction, MentionRef, Role
from insights.schedule import checkin_due
from store.models import Person

DIGEST_USAGE = "/digest [department | @manager] [weeks]"
THEMES_USAGE = "/themes [weeks]"
MAX_WEEKS = 26


def _weeks(words: list[str], usage: str) -> tuple[int, list[str]]:
    numbers = [w for w in words if re.fullmatch(r"\d+w?", w.lower())]
    rest = [w for w in words if w not in numbers]
    if len(numbers) > 1:
        raise UsageError("Give one number of weeks.", usage=f"Usage: `{usage}`")
    weeks = int(numbers[0].rstrip("wW")) if numbers else 1
    if not 1 <= weeks <= MAX_WEEKS:
        raise UsageError(f"Weeks must be between 1 and {MAX_WEEKS}.", usage=f"Usage: `{usage}`")
    return weeks, rest


async def _digest_scope(command: Command, ctx: RequestContext) -> tuple[Scope, int]:
    from handlers.identity import resolve

    people = ctx.services.store.people.all()
    everyone = frozenset(p.id for p in people if p.id is not None)
    weeks, rest = _weeks(command.words, DIGEST_USAGE)
    mentions = [a for a in command.args if isinstance(a, MentionRef)]
    if mentions:
        who = await resolve(ctx.services, ctx.directory, mentions[0].platform_user_id)
        if who.person is None or who.person.id is None:
            raise UsageError("I don't know that person.", usage=f"Usage: `{DIGEST_USAGE}`")
        team = team_of(who.person.id, people)
        return Scope(f"team:{who.person.id}", f"{who.person.name}'s team", team), weeks
    if not rest or [w.lower() for w in rest] in (["all"], ["everyone"]):
        return Scope("all", "the whole organisation", everyone), weeks
    wanted = " ".join(rest).lower()
    departments = sorted({p.department for p in people if p.department})
    match = [d for d in departments if d.lower() == wanted]
    if not match:
        raise UsageError(
            f"There's no department called {' '.join(rest)!r}. "
            f"Departments: {', '.join(departments) or 'none imported yet'}.",
            usage=f"Usage: `{DIGEST_USAGE}`",
        )
    dept = frozenset(p.id for p in people if p.department == match[0] and p.id is not None)
    return Scope(f"dept:{match[0]}", match[0], dept), weeks


async def digest_command(command: Command, ctx: RequestContext) -> list[Outgoing]:
    """HR runs /digest in a channel: the digest is posted there."""
    if command.first_word in ("help", "?"):
        return [Outgoing(ToRequester(), _help(DIGEST_USAGE, "A themes digest for HR"), "help")]
    scope, weeks = await _digest_scope(command, ctx)
    report = await build_report(ctx.services, scope, Window(ctx.services.clock(), weeks))
    _log_aggregate(ctx, "digest", report)
    title = f"Themes digest · {weeks} week{'s' if weeks > 1 else ''}"
    message = render_digest(report, title=title, details=True)
    to = ToChannel(command.channel_id) if command.channel_id else ToRequester()
    return [Outgoing(to, message, "digest.post")]


async def themes_command(command: Command, ctx: RequestContext) -> list[Outgoing]:
    """A manager's themes for their own reports, sent privately."""
    if command.first_word in ("help", "?"):
        return [Outgoing(ToRequester(), _help(THEMES_USAGE, "Themes for your team"), "help")]
    weeks, rest = _weeks(command.words, THEMES_USAGE)
    if rest or any(isinstance(a, MentionRef) for a in command.args):
        raise UsageError("/themes covers your own team only.", usage=f"Usage: `{THEMES_USAGE}`")
    people = ctx.services.store.people.all()
    scope = manager_scope(ctx.actor, people, ctx.services.config.skip_level)
    if not scope.people:
        raise UsageError("Nobody reports to you in Candor's directory, so there are no themes.")
    report = await build_report(ctx.services, scope, Window(ctx.services.clock(), weeks))
    _log_aggregate(ctx, "themes", report)
    message = render_digest(report, title="Themes in your team", details=False)
    return [Outgoing(ToRequester(), message, "themes.reply")]


def manager_scope(manager: Person, people: list[Person], skip_level: bool) -> Scope:
    """The people a manager's /themes covers: their reporting line, or direct reports only."""
    assert manager.id is not None
    team = team_of(manager.id, people, direct_only=not skip_level)
    label = "your team" if skip_level else "your direct reports"
    return Scope(f"team:{manager.id}", label, team)


def _log_aggregate(
    ctx: RequestContext, kind: str, report: DigestReport, **detail: str | int
) -> None:
    # Aggregate reads name the scope and counts, never the people in the group.
    counts = {"records": report.records, "themes": len(report.themes)}
    window = {"weeks": report.window.weeks, "end": report.window.end.isoformat()}
    scope = {"scope": report.scope.key}
    log_read(ctx, "aggregate", kind, None, {**scope, **window, **counts, **detail})


async def theme_details(interaction: Interaction, ctx: RequestContext) -> list[Outgoing]:
    """HR pressed Details on a digest theme: recompute the same window and show more."""
    try:
        scope_key, end, weeks, theme_id = interaction.value.split("|")
        window = Window(datetime.fromisoformat(end), int(weeks))
    except ValueError:
        raise UsageError("That digest is too old to expand. Run /digest again.") from None
    people = ctx.services.store.people.all()
    if scope_key.startswith("team:"):
        manager = int(scope_key.split(":", 1)[1])
        scope = Scope(scope_key, "team", team_of(manager, people))
    elif scope_key.startswith("dept:"):
        name = scope_key.split(":", 1)[1]
        scope = Scope(
            scope_key, name, frozenset(p.id for p in people if p.department == name and p.id)
        )
    else:
        scope = Scope("all", "the whole organisation", frozenset(p.id for p in people if p.id))
    report = await build_report(ctx.services, scope, window)
    found = [s for s in report.themes if s.theme.id == theme_id]
    if not found:
        raise UsageError("That theme can no longer be shown (too few people). Run /digest again.")
    shown = found[0]
    _log_aggregate(ctx, "theme", report, theme=shown.theme.id, records=shown.theme.size)
    blocks: list[Block] = [
        Header(f"Theme: {shown.label}"[:150]),
        Section(text(theme_line(shown))),
        Section(text("Key phrases: " + ", ".join(shown.theme.keywords))),
    ]
    if shown.departments:
        blocks.append(
            Section(
                text("*By department*"),
                fields=tuple((d, text(f"{n} mentions")) for d, n in shown.departments),
            )
        )
    blocks.extend(Quote(text(s)) for s in shown.snippets)
    if not shown.snippets:
        blocks.append(Context(text("Quotes appear only where 10 or more people contributed.")))
    return [
        Outgoing(
            ToRequester(), Message(f"Theme {shown.theme.label}", tuple(blocks)), "digest.details"
        )
    ]


# A digest missed while the server was down still goes out this much later, once.
DIGEST_GRACE = timedelta(hours=6)


async def weekly_digest(services: Services, now: datetime) -> list[Outgoing]:
    """The weekly digest for the HR channel at HR's chosen day and time (Monday 09:00 org time
    unless changed in `/candor settings org`), claimed once per week. Run every few minutes."""
    channel = services.config.hr_channel
    if not channel:
        return []
    due = checkin_due(now, services.config.timezone, digest_schedule(services), grace=DIGEST_GRACE)
    if due is None:
        return []
    key = f"digest:{channel}:all:{due.period}"
    if not services.store.deliveries.claim(key, "digest", now):
        return []
    people = services.store.people.all()
    scope = Scope("all", "the whole organisation", frozenset(p.id for p in people if p.id))
    report = await build_report(services, scope, Window(now, 1))
    message = render_digest(report, title="Weekly themes digest", details=True)
    return [Outgoing(ToChannel(channel), message, "digest.weekly", delivery_key=key)]


def _help(usage: str, summary: str) -> Message:
    return Message(summary=summary, blocks=(Section(text(f"*{summary}*\n`{usage}`")),))


def register(router: Router) -> None:
    """Add /digest, /themes and the digest's Details button."""
    router.command(
        "digest",
        summary="Post a k-anonymous themes digest in this channel (HR)",
        usage=DIGEST_USAGE,
        examples=("/digest", "/digest Payments 4"),
        roles=HR_ONLY,
    )(digest_command)
    router.command(
        "themes",
        summary="Recurring themes in your team's feedback (managers)",
        usage=THEMES_USAGE,
        examples=("/themes", "/themes 4"),
        roles=frozenset({Role.MANAGER, Role.HR, Role.ADMIN}),
    )(themes_command)
    router.action("digest.theme", roles=HR_ONLY)(theme_details)
