"""Candor's Home: each person's own picture, their team's for managers, HR's links for HR.

`home_view` builds it for any platform: Slack publishes it as the App Home tab
(`bot.slack.home`), and `/candor home` (Teams: `candor home`) sends the same content as a
message. Each part shows only what the person's role may see: managers see their reports'
shared data (never a mood without the report's consent), and each read of a report's
individual data is audited (ids only).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from handlers.calibration import OPEN as OPEN_CALIBRATION
from handlers.effective_settings import digest_schedule, effective_core_config, org_settings
from handlers.errors import UsageError
from handlers.help import help_message
from handlers.home_sections import (
    HELP_ACTION,
    clip,
    employee_blocks,
    flags_of,
    mention,
    mood_trend,
    next_start,
    period_of,
    when,
    zone_of,
)
from handlers.messages import (
    Actions,
    Block,
    Button,
    Context,
    Divider,
    Header,
    Message,
    Outgoing,
    Section,
    Span,
    ToRequester,
    text,
)
from handlers.reporting_lines import team_of
from handlers.review_render import period_text
from handlers.router import HR_ONLY, Router
from handlers.services import RequestContext, Services
from handlers.settings_forms import OPEN_ORG
from handlers.types import Command, Interaction, Role
from insights.anonymity import effective_min_group
from insights.goal_check import format_date
from insights.schedule import WEEKDAYS
from store.models import Person

BLOCKER_WINDOW = timedelta(days=14)
REVIEW_WINDOW = timedelta(days=90)
SHOWN_TEAM_LINES = 8
MOOD_POINTS = 4


def _listed(lines: Sequence[tuple[Span, ...]], title: str, empty: str) -> Section:
    if not lines:
        return Section(text(f"*{title}:* {empty}"))
    spans: list[Span] = [f"*{title}*"]
    for line in lines[:SHOWN_TEAM_LINES]:
        spans += ["\n• ", *line]
    if len(lines) > SHOWN_TEAM_LINES:
        spans.append(f"\n…and {len(lines) - SHOWN_TEAM_LINES} more")
    return Section(tuple(spans))


def _team_meetings(
    services: Services, manager: Person, reports: list[Person], now: datetime
) -> Section:
    assert manager.id is not None
    repo = services.store.oneonones
    by_id = {p.id: p for p in reports}
    zone = zone_of(services, manager)
    planned: list[tuple[datetime, tuple[Span, ...]]] = []
    met: set[int] = set()
    for meeting in repo.involving(manager.id):
        report = by_id.get(meeting.report_id)
        start = next_start(meeting, now)
        if meeting.manager_id != manager.id or report is None or start is None:
            continue
        met.add(meeting.report_id)
        assert meeting.id is not None
        items = len(repo.open_items(meeting.id))
        agenda = f" · {items} open agenda item{'' if items == 1 else 's'}" if items else ""
        planned.append((start, (mention(report), f" — {when(start, zone)}{agenda}")))
    lines = [line for _, line in sorted(planned, key=lambda pair: pair[0])]
    for report in reports:
        if report.manager_id == manager.id and report.id not in met:
            lines.append((mention(report), " — no 1:1 yet: `/oneonone @name every 2 weeks …`"))
    return _listed(lines, "Upcoming 1:1s", "none — schedule one with `/oneonone`")


def manager_blocks(
    services: Services, manager: Person, reports: list[Person], now: datetime
) -> list[Block]:
    """The team part of Home: 1:1s, review drafts waiting for the manager's decision (name,
    period and version, never the text), check-in completion, blockers, goals at risk, and
    mood only of reports who chose to share it. Each report's individual data read is
    audited."""
    store = services.store
    ids = [p.id for p in reports if p.id is not None]
    read: dict[int, dict[str, list[int]]] = {}

    def note(person_id: int, kind: str, record_id: int | None) -> None:
        if record_id is not None:
            read.setdefault(person_id, {}).setdefault(kind, []).append(record_id)

    answered = 0
    for period in {period_of(services, p, now) for p in reports}:
        members = [p.id for p in reports if p.id and period_of(services, p, now) == period]
        rows = store.checkins.for_period(members, period)
        answered += sum(1 for row in rows.values() if row.submitted_at is not None)
    completion = Section(text(f"*Check-ins this week:* {answered} of {len(ids)} answered"))

    blockers: list[tuple[Span, ...]] = []
    moods: list[tuple[Span, ...]] = []
    consent = store.settings.many(ids)
    for person in reports:
        assert person.id is not None
        recent = store.checkins.recent(person.id, now - BLOCKER_WINDOW)
        for row in reversed(recent):
            if row.blocker.strip():
                blockers.append((mention(person), f" ({row.period}): {clip(row.blocker, 120)}"))
                note(person.id, "checkins", row.id)
        if consent[person.id].share_mood:
            history = store.checkins.history(person.id, MOOD_POINTS * 2)
            shown, _ = mood_trend(history)
            if shown:
                trend = " → ".join(str(m) for m in shown[-MOOD_POINTS:])
                moods.append((mention(person), f": {trend}"))
                note(person.id, "mood", person.id)

    at_risk: list[tuple[Span, ...]] = []
    owners = {p.id: p for p in reports}
    stale = services.config.goal_stale_weeks
    for goal in store.goals.for_owners(ids):
        owner = owners.get(goal.owner_id)
        flags = flags_of(goal, now.astimezone(zone_of(services, manager)).date(), stale)
        if owner is None or not (flags.at_risk or flags.stale):
            continue
        labels = "; ".join(label for label in flags.labels() if "linked" not in label)
        at_risk.append((mention(owner), f": {clip(goal.objective, 60)} — {labels}"))
        note(goal.owner_id, "goals", goal.id)

    drafts: list[tuple[Span, ...]] = []
    assert manager.id is not None
    for draft in store.reviews.open_for_manager(manager.id):
        subject = owners.get(draft.subject_id)
        if subject is None:  # no longer in the manager's line: the buttons would refuse
            continue
        drafts.append((mention(subject), f" — {period_text(draft)} · version {draft.version}"))
        note(draft.subject_id, "review_drafts", draft.id)

    blocks: list[Block] = [
        Header("Your team"),
        _team_meetings(services, manager, reports, now),
        _listed(drafts, "Review drafts waiting for your decision", "none"),
        completion,
        _listed(blockers, "Blockers, last 14 days", "none raised"),
        _listed(at_risk, "Goals at risk", "none behind or stale"),
    ]
    if moods:
        blocks.append(_listed(moods, "Mood, shared with consent", ""))
    lead = store.settings.get(manager.id).prep_lead_hours or services.config.prep_lead_hours
    blocks.append(
        Context(
            text(
                "You see a report's mood only if they chose to share it. Prep for each 1:1 "
                f"arrives {lead} h before it; `/review draft @name` shows a waiting draft "
                "again with its buttons; `/goal team` and `/oneonone list` show more."
            )
        )
    )
    for person_id, detail in read.items():
        store.audit.record_read(
            at=now,
            actor_id=manager.id,
            actor_role=manager.role,
            scope="individual",
            subject_kind="home",
            subject_id=person_id,
            detail=dict(detail),
        )
    return blocks


def _review_cycle(services: Services, now: datetime) -> str:
    """The review cycle in counts: drafts started in the last 90 days, by status. No names."""
    counts = services.store.reviews.status_counts(now - REVIEW_WINDOW)
    total = sum(counts.values())
    if not total:
        return "*Review cycle, last 90 days:* no review drafts yet"
    drafts = "1 draft" if total == 1 else f"{total} drafts"
    return (
        f"*Review cycle, last 90 days:* {drafts} — {counts.get('draft', 0)} waiting for a "
        f"manager's decision · {counts.get('approved', 0)} approved · "
        f"{counts.get('discarded', 0)} discarded"
    )


def hr_blocks(services: Services, now: datetime) -> list[Block]:
    """HR's part: where the digest goes and when it last went, the review cycle in counts,
    and the HR commands."""
    config = effective_core_config(services)
    digest = digest_schedule(services)
    day = f"{WEEKDAYS[digest.weekday].title()} {digest.hour:02d}:{digest.minute:02d}"
    where = (
        f"goes to `{config.hr_channel}` every {day} ({config.timezone})"
        if config.hr_channel
        else "has no channel yet: set one in Org settings"
    )
    last = org_settings(services).last_sent("digest")
    latest = format_date(last.date()) if last else "none sent yet"
    k = effective_min_group(config.min_group)
    return [
        Header("HR"),
        Section(
            text(
                f"*Weekly themes digest:* {where}\n*Latest digest:* {latest}\n"
                f"*Minimum group size:* {k} · *Values:* "
                + ", ".join(f"#{v}" for v in config.values)
            )
        ),
        Section(
            text(
                f"{_review_cycle(services, now)}\n{_calibration(services)}\n"
                "`/digest` posts the current themes in a channel · `/candor audit` exports "
                "the audit log · `/candor settings org` changes values, group size and digest"
            )
        ),
        Actions((Button("Org settings", OPEN_ORG), Button("Calibration", OPEN_CALIBRATION))),
    ]


def _calibration(services: Services) -> str:
    cycle = services.store.ratings.latest_cycle()
    if cycle is None:
        return "*Calibration view:* no ratings yet (`candor ratings import ratings.csv`)"
    return f"*Calibration view:* cycle {cycle.name} · `/calibration` or the button below"


async def home_view(services: Services, person: Person) -> Message:
    """The Home for a person: their own part, their team's if they manage anyone, HR's for HR
    and admins."""
    assert person.id is not None
    now = services.clock()
    first = person.name.split()[0] if person.name.strip() else "there"
    blocks: list[Block] = [
        Section(text(f":wave: Hi {first}! This is your Candor Home — only you see this page.")),
        *employee_blocks(services, person, now),
    ]
    people = services.store.people.all()
    team = team_of(person.id, people, direct_only=not services.config.skip_level)
    reports = sorted((p for p in people if p.id in team and p.active), key=lambda p: p.name)
    if reports:
        blocks += [Divider(), *manager_blocks(services, person, reports, now)]
    if Role(person.role) in HR_ONLY:
        blocks += [Divider(), *hr_blocks(services, now)]
    blocks.append(
        Context(
            text(
                "Candor prepares, never decides: no ratings, no small groups, no private notes "
                "for managers. `/candor privacy` says who sees what."
            )
        )
    )
    return Message(summary="Your Candor Home", blocks=tuple(blocks))


async def home_command(command: Command, ctx: RequestContext) -> list[Outgoing]:
    """/candor home: the Home as a message (Teams users type `candor home`)."""
    if command.args:
        raise UsageError("`/candor home` takes nothing after it.", usage="Usage: `/candor home`")
    return [Outgoing(ToRequester(), await home_view(ctx.services, ctx.actor), "home")]


def register(router: Router) -> None:
    """Add /candor home and the Home's help buttons."""

    async def explain(interaction: Interaction, ctx: RequestContext) -> list[Outgoing]:
        # A button can't run a slash command: it shows how, from the registry.
        name = interaction.value.strip().lstrip("/") or "candor help"
        commands = router.commands
        role = Role(ctx.actor.role)
        if name in ("candor", "candor help"):
            return [Outgoing(ToRequester(), help_message(router, role), "help")]
        spec = commands.get(name)
        if spec is None or role not in spec.roles:
            raise UsageError("That command isn't available. Try `/candor help`.")
        lines = [f"*/{spec.name}* — {spec.summary}", f"Usage: `{spec.usage}`"]
        lines += [f"Example: `{example}`" for example in spec.examples[:2]]
        message = Message(
            summary=f"How to use /{spec.name}", blocks=(Section(text("\n".join(lines))),)
        )
        return [Outgoing(ToRequester(), message, "help")]

    router.command(
        "candor home",
        summary="Your Candor Home: kudos, goals, next 1:1, check-ins (and your team's)",
        usage="/candor home",
        examples=("/candor home",),
    )(home_command)
    router.action(HELP_ACTION)(explain)
