"""The demo's two outputs: the terminal summary and the HTML transcript, built from an Outcome."""

from __future__ import annotations

import json
import textwrap
from collections import Counter
from dataclasses import asdict, dataclass
from datetime import timedelta

from bot.demo import scenario
from bot.demo.home_report import home_conversations, home_section, home_total_rows
from bot.demo.layout import INDENT, WIDTH, day, field_lines, title_line
from bot.demo.loop_report import (
    LoopTotals,
    loop_conversations,
    loop_section,
    loop_total_rows,
    loop_totals,
)
from bot.demo.loop_scenario import TITLE as LOOP_TITLE
from bot.demo.replay import Outcome, StepResult, ack_stats
from bot.demo.teams_report import (
    TeamsTotals,
    teams_conversations,
    teams_section,
    teams_total_rows,
    teams_totals,
    teams_users,
)
from bot.demo.transcript import (
    ChatMessage,
    ChatUser,
    Conversation,
    blocks_to_plain,
    render_page,
)
from store.kudos import KudosRecord


def _when(result: StepResult) -> str:
    return f"{day(result.step.at)} {result.step.at:%H:%M}"


def _step_lines(result: StepResult, names: dict[str, str]) -> list[str]:
    step = result.step
    who = names.get(scenario.slack_id(step.actor), step.actor)
    title = f"{result.number:>3}  {_when(result)}  {who}" + (f" {step.note}" if step.note else "")
    acks = " + ".join(f"{ms:.0f}" for ms in result.acks_ms)
    lines = [title_line(title, f"ack {acks} ms")]
    lines += field_lines("typed", [f"{step.command} {step.text}"])
    if step.sends > 1:
        once = "stored and posted once" if result.count("channel") == 1 else "NOT deduplicated"
        lines += field_lines("", [f"(sent {step.sends}× with the same trigger_id: {once})"])
    for seen in result.seen:
        body = blocks_to_plain(seen.blocks, seen.text, names)
        if seen.kind == "channel":
            lines += field_lines(f"#{scenario.CHANNEL_NAME}", body)
        elif seen.kind == "dm":
            # The DM quotes the same kudos as the post: its first line says what it is.
            lines += field_lines("DM", [f"to {names.get(seen.where, seen.where)}: {body[0]}"])
        else:
            lines += field_lines("private", body)
    lines += [" " * INDENT + "✗ " + problem for problem in result.problems]
    return lines


@dataclass(frozen=True)
class Totals:
    """The run in numbers: printed by the demo and written to `summary.json`."""

    steps: int
    requests: int
    kudos_requests: int
    kudos_stored: int  # from Slack; the Teams day's are under `teams`
    duplicates_prevented: int
    kudos_in_sql: int  # Slack and Teams together
    channel_posts: int
    dms: int
    errors_shown: int
    help_shown: int
    ack_p50_ms: float
    ack_max_ms: float
    index_documents: int
    slack_calls: int
    slack_calls_failed: int
    teams: TeamsTotals | None
    loop: LoopTotals | None
    home_tabs: int  # App Home tabs published (an employee's, a manager's, HR's)
    problems: list[str]


def totals(outcome: Outcome) -> Totals:
    """Count what the run did, from the store, the index and the stand-in's records."""
    results = outcome.results

    def private(expect: scenario.Expect) -> int:
        return sum(r.count("ephemeral") for r in results if r.step.expect is expect)

    kudos_requests = sum(r.step.sends for r in results if r.step.expect is scenario.Expect.KUDOS)
    p50, worst = ack_stats(results)
    return Totals(
        steps=len(results),
        requests=sum(len(r.acks_ms) for r in results),
        kudos_requests=kudos_requests,
        kudos_stored=len(outcome.slack_kudos),
        duplicates_prevented=max(kudos_requests - len(outcome.slack_kudos), 0),
        kudos_in_sql=len(outcome.kudos),
        channel_posts=sum(r.count("channel") for r in results),
        dms=sum(r.count("dm") for r in results),
        errors_shown=private(scenario.Expect.ERROR),
        help_shown=private(scenario.Expect.HELP),
        ack_p50_ms=round(p50, 1),
        ack_max_ms=round(worst, 1),
        index_documents=outcome.index_count,
        slack_calls=outcome.calls,
        slack_calls_failed=outcome.failed_calls,
        teams=teams_totals(outcome.teams) if outcome.teams is not None else None,
        loop=loop_totals(outcome.loop) if outcome.loop is not None else None,
        home_tabs=sum(1 for t in outcome.homes.tabs if t.views) if outcome.homes else 0,
        problems=outcome.all_problems(),
    )


def summary_json(outcome: Outcome) -> str:
    """`summary.json`: the totals for scripts and CI, no sample text."""
    return json.dumps(asdict(totals(outcome)), indent=2) + "\n"


def _kudos_line(record: KudosRecord, people: dict[int, str], score: float) -> str:
    giver = people.get(record.giver_id, "?")
    to = ", ".join(people.get(i, "?") for i in record.recipient_ids)
    return f"{score:.2f}  {giver} → {to}: “{record.text}”"


def terminal_report(outcome: Outcome) -> str:
    """The summary printed by `candor demo`: each step, then totals and searches."""
    names = scenario.slack_names()
    results = outcome.results
    teams = Counter(m.department for m in scenario.ORG)
    org = ", ".join(f"{team} {n}" for team, n in teams.items())
    then = ", then a day on Teams" if outcome.teams is not None else ""
    then += ", then a week of check-ins, goals and 1:1s" if outcome.loop is not None else ""
    lines = [
        f"Candor demo · {scenario.COMPANY} · four weeks replayed through the real Slack app"
        f"{then}, offline",
        *textwrap.wrap(
            f"Org: {len(scenario.ORG)} people ({org}) imported from CSV; "
            f"{outcome.linked} linked to Slack by email",
            WIDTH,
            subsequent_indent="     ",
        ),
    ]
    week = -1
    for result in results:
        start = (result.step.at - scenario.START).days // 7
        if start != week:
            week = start
            monday = scenario.START.date() + timedelta(weeks=week)
            lines += ["", f"── Week {week + 1}, from {day(monday)} ".ljust(WIDTH, "─")]
        lines += _step_lines(result, names)
    if outcome.teams is not None:
        lines += teams_section(outcome.teams)
    if outcome.loop is not None:
        lines += loop_section(outcome.loop)
    if outcome.homes is not None:
        lines += home_section(outcome.homes)

    t = totals(outcome)
    dates = sorted(k.created_at for k in outcome.kudos)
    span = f", dated {day(dates[0])} – {day(dates[-1])} {dates[-1]:%Y}" if dates else ""
    values = Counter(v for k in outcome.kudos for v in k.company_values)
    both = f" ({t.kudos_stored} from Slack, {t.kudos_in_sql - t.kudos_stored} from Teams)"
    rows = [
        ("kudos stored", f"{t.kudos_in_sql} in SQL{both if outcome.teams else ''}{span}"),
        ("duplicates", f"{t.duplicates_prevented} prevented ({t.kudos_requests} kudos requests)"),
        ("messages", f"{t.channel_posts} posts in #{scenario.CHANNEL_NAME}, {t.dms} DMs"),
        ("replies", f"{t.errors_shown} errors shown, {t.help_shown} help (only the sender sees)"),
        (
            "ack time",
            f"p50 {t.ack_p50_ms:.0f} ms, max {t.ack_max_ms:.0f} ms over {t.requests} requests "
            "(Slack allows 3 000 ms)",
        ),
        ("index", f"{t.index_documents} documents, MiniLM embeddings computed on this machine"),
        ("Slack calls", f"{t.slack_calls} recorded by the stand-in, {t.slack_calls_failed} failed"),
        *(teams_total_rows(outcome.teams) if outcome.teams is not None else []),
        *(loop_total_rows(outcome.loop) if outcome.loop is not None else []),
        *(home_total_rows(outcome.homes) if outcome.homes is not None else []),
        ("values", " · ".join(f"#{v} {n}" for v, n in values.most_common())),
    ]
    lines += ["", "Totals"]
    lines += [f"  {label:<14}{value}" for label, value in rows]
    lines += ["", "Semantic search over the index (MiniLM: by meaning, not by keyword)"]
    for search in outcome.searches:
        lines.append(f"  “{search.query}”")
        for score, record in search.hits:
            text = _kudos_line(record, outcome.names, score)
            lines += textwrap.wrap(
                text, WIDTH, initial_indent="    ", subsequent_indent="          "
            )
    lines += [
        "",
        f"Transcript: {outcome.transcript_path}",
        f"Log (ids only): {outcome.log_path}",
        f"Finished in {outcome.seconds:.1f} s.",
    ]
    problems = outcome.all_problems()
    if problems:
        lines += ["", "Something unexpected happened:"] + [f"  ✗ {p}" for p in problems]
    return "\n".join(lines)


def transcript_html(outcome: Outcome) -> str:
    """The chat-client transcript: #general with commands and private replies, then each DM,
    then the Teams day: the team's channel and each person's chat with Candor; then the loop
    week's DMs and the App Home tabs."""
    users = {
        scenario.BOT_ID: ChatUser(scenario.BOT_ID, "Candor", "Feedback assistant", is_bot=True)
    }
    for member in scenario.ORG:
        users[member.slack_id] = ChatUser(member.slack_id, member.name, member.title)
    for extra in (scenario.CONTRACTOR, scenario.DEPLOY_BOT):
        users[extra.id] = ChatUser(extra.id, extra.real_name, is_bot=extra.is_bot)

    general = Conversation(scenario.CHANNEL_ID, scenario.CHANNEL_NAME, "channel")
    dms: dict[str, Conversation] = {}
    for result in outcome.results:
        at, actor = result.step.at, scenario.slack_id(result.step.actor)
        typed = f"{result.step.command} {result.step.text}"
        general.messages.append(
            ChatMessage(at, actor, text=typed, kind="command", visible_to=actor)
        )
        for seen in result.seen:
            message = ChatMessage(at, scenario.BOT_ID, seen.blocks, seen.text)
            if seen.kind == "channel":
                general.messages.append(message)
            elif seen.kind == "ephemeral":
                general.messages.append(
                    ChatMessage(
                        at, scenario.BOT_ID, seen.blocks, seen.text, "ephemeral", seen.where
                    )
                )
            else:
                title = users[seen.where].name if seen.where in users else seen.where
                dms.setdefault(seen.where, Conversation(f"dm-{seen.where}", title, "dm"))
                dms[seen.where].messages.append(message)
    order = [m.slack_id for m in scenario.ORG]
    ordered = sorted(dms.values(), key=lambda c: order.index(c.id[3:]) if c.id[3:] in order else 99)
    stored = len(outcome.slack_kudos)
    notes = [
        f"{len(scenario.ORG)} people, {stored} kudos over four weeks",
        "Replayed through the real Candor app; Slack is a local stand-in",
        "DMs are each person's conversation with Candor",
        "Times are the demo clock (UTC)",
    ]
    conversations = [general, *ordered]
    if outcome.teams is not None:
        users.update(teams_users())
        conversations += teams_conversations(outcome.teams)
        notes.insert(2, f"Then a day on Microsoft Teams: {outcome.teams.kudos_stored} more kudos")
        notes.insert(3, "Teams is a local Bot Framework connector stand-in")
    if outcome.loop is not None:
        week = loop_totals(outcome.loop)
        conversations += loop_conversations(outcome.loop)
        notes.append(
            f"Then {LOOP_TITLE.lower()}: {week.checkins_sent} check-ins, "
            f"{week.nudges} pre-1:1 nudge; there, times are each person's local time"
        )
    if outcome.homes is not None:
        conversations += home_conversations(outcome.homes)
        notes.append(
            f"Last, {len(outcome.homes.tabs)} App Home tabs: an employee's, a manager's and HR's"
        )
    return render_page(scenario.COMPANY, conversations, users, notes)
