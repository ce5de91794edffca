"""The Teams day in the demo's outputs: the terminal section, totals and transcript views."""

from __future__ import annotations

from dataclasses import dataclass

from bot.demo import scenario
from bot.demo.adaptive import card_to_plain, teams_text_plain
from bot.demo.layout import INDENT, WIDTH, day, field_lines, title_line
from bot.demo.teams_replay import TeamsOutcome, TeamsSeen, TeamsStepResult, answer_stats
from bot.demo.teams_scenario import (
    BOT_ID,
    BOT_NAME,
    CHANNEL_NAME,
    DAY,
    HANDLES,
    TEAM_NAME,
    Expect,
    Kind,
    original,
    teams_id,
    typed_text,
)
from bot.demo.transcript import ChatMessage, ChatUser, Conversation

CHANNEL_VIEW = "teams-general"
_EVENTS = {
    Kind.TEAM_INSTALL: "added Candor to the {team} team",
    Kind.CHAT_INSTALL: "added Candor to a 1:1 chat",
}


def _name(handle: str) -> str:
    member = scenario.member(handle)
    return member.name if member else handle


def _names() -> dict[str, str]:
    return {teams_id(h): _name(h) for h in HANDLES}


def _body(seen: TeamsSeen) -> list[str]:
    lines = card_to_plain(seen.card) if seen.card is not None else [seen.summary]
    return (lines or [seen.summary]) + [f"[image: {name}]" for _url, name in seen.images]


def _seen_lines(result: TeamsStepResult, seen: TeamsSeen, names: dict[str, str]) -> list[str]:
    body = _body(seen)
    if result.step.expect is Expect.WELCOME and len(body) > 1:
        body = [body[0], "(then the list of commands)"]
    if seen.kind == "channel":
        return field_lines(f"#{CHANNEL_NAME}", body)
    if seen.kind == "chat":
        # Like the Slack DMs: the 1:1 message quotes the same kudos, its first line says what.
        return field_lines("1:1", [f"to {names.get(seen.where, seen.where)}: {body[0]}"])
    return field_lines("1:1 reply", body)


def _step_lines(result: TeamsStepResult, names: dict[str, str]) -> list[str]:
    step, sent = result.step, original(result.step)
    who = _name(step.actor)
    if step.kind is Kind.REDELIVERY:
        who = f"Teams sends {who}'s message of T{step.again} again"
    when = f"{day(step.at)} {step.at:%H:%M}"
    title = f"T{result.number:<2}  {when}  {who}" + (f" {step.note}" if step.note else "")
    answers = " + ".join(f"{ms:.0f}" for ms in result.answers_ms)
    lines = [title_line(title, f"answer {answers} ms")]
    if step.kind is Kind.REDELIVERY:
        stored = "stored once" if not result.messages else "NOT deduplicated"
        sent_again = len(result.messages)
        lines += field_lines(
            "again",
            [f"activity {result.activity.get('id')} (same id): {stored}, {sent_again} sent"],
        )
    elif step.kind in _EVENTS:
        event = _EVENTS[step.kind].format(team=TEAM_NAME)
        lines += field_lines("event", [f"{result.activity.get('type')}: {who} {event}"])
    else:
        where = f"in #{CHANNEL_NAME}" if sent.kind is Kind.CHANNEL else "in a 1:1 chat"
        lines += field_lines("typed", [f"{teams_text_plain(typed_text(sent))}  ({where})"])
    for seen in result.seen:
        lines += _seen_lines(result, seen, names)
    if step.kind is Kind.TEAM_INSTALL:
        lines += field_lines("", ["(Candor read the team's members and linked them by email)"])
    lines += [" " * INDENT + "✗ " + problem for problem in result.problems]
    return lines


def teams_section(outcome: TeamsOutcome) -> list[str]:
    """The terminal lines for the Teams day: each step and what Teams users saw."""
    linked = sum(1 for h, i in outcome.linked.items() if i == teams_id(h))
    lines = [
        "",
        f"── Microsoft Teams, {day(DAY)}: the same Candor on POST /api/messages ".ljust(WIDTH, "─"),
        f"     {len(HANDLES)} of the {len(scenario.ORG)} people are in the {TEAM_NAME} team; "
        f"{linked} linked to the org directory by email",
        "     Teams is a local Bot Framework connector stand-in; requests are not authenticated",
        "     (CANDOR_TEAMS_AUTH_DISABLED: offline, no Bot Framework service can sign them)",
    ]
    names = _names()
    for result in outcome.results:
        lines += _step_lines(result, names)
    return lines


@dataclass(frozen=True)
class TeamsTotals:
    """The Teams day in numbers, for the terminal and `summary.json`."""

    steps: int
    activities: int
    kudos_stored: int
    redeliveries_ignored: int
    channel_posts: int
    chat_messages: int
    private_replies: int
    welcomes: int
    help_shown: int
    errors_shown: int
    members_linked: int
    answer_p50_ms: float
    answer_max_ms: float
    connector_calls: int
    connector_calls_failed: int


def teams_totals(outcome: TeamsOutcome) -> TeamsTotals:
    """Count what the Teams day did, from the store and the connector stand-in's records."""
    results = outcome.results
    p50, worst = answer_stats(results)
    return TeamsTotals(
        steps=len(results),
        activities=sum(len(r.statuses) for r in results),
        kudos_stored=outcome.kudos_stored,
        redeliveries_ignored=sum(
            1 for r in results if r.step.kind is Kind.REDELIVERY and not r.messages
        ),
        channel_posts=sum(r.count("channel") for r in results),
        chat_messages=sum(r.count("chat") for r in results),
        private_replies=sum(r.count("private") for r in results),
        welcomes=sum(len(r.seen) for r in results if r.step.expect is Expect.WELCOME),
        help_shown=sum(r.count("private") for r in results if r.step.expect is Expect.HELP),
        errors_shown=sum(r.count("private") for r in results if r.step.expect is Expect.ERROR),
        members_linked=sum(1 for h, i in outcome.linked.items() if i == teams_id(h)),
        answer_p50_ms=round(p50, 1),
        answer_max_ms=round(worst, 1),
        connector_calls=outcome.calls,
        connector_calls_failed=outcome.failed_calls,
    )


def teams_total_rows(outcome: TeamsOutcome) -> list[tuple[str, str]]:
    """The Teams rows of the terminal's totals."""
    t = teams_totals(outcome)
    rows = [
        f"{t.activities} activities to /api/messages: {t.kudos_stored} kudos stored, "
        f"{t.redeliveries_ignored} redelivery stored once",
        f"{t.channel_posts} posts in #{CHANNEL_NAME}, {t.chat_messages} 1:1 messages, "
        f"{t.private_replies} private replies",
        f"{t.welcomes} welcomes, {t.help_shown} help, {t.errors_shown} error shown; "
        f"{t.members_linked} of {len(HANDLES)} team members linked by email",
        f"answers p50 {t.answer_p50_ms:.0f} ms, max {t.answer_max_ms:.0f} ms; "
        f"{t.connector_calls} connector calls recorded, {t.connector_calls_failed} failed",
    ]
    return [("Teams" if n == 0 else "", row) for n, row in enumerate(rows)]


def teams_users() -> dict[str, ChatUser]:
    """Everyone who appears in the Teams views, by Teams id."""
    users = {BOT_ID: ChatUser(BOT_ID, BOT_NAME, "Feedback assistant", is_bot=True)}
    for handle in HANDLES:
        member = scenario.member(handle)
        title = member.title if member else ""
        users[teams_id(handle)] = ChatUser(teams_id(handle), _name(handle), title)
    return users


def teams_conversations(outcome: TeamsOutcome) -> list[Conversation]:
    """The team's channel, then each person's 1:1 chat with Candor (in the org's order)."""
    channel = Conversation(CHANNEL_VIEW, f"{TEAM_NAME} › {CHANNEL_NAME}", "channel", [], "teams")
    chats: dict[str, Conversation] = {}

    def chat(user_id: str) -> Conversation:
        handle = next((h for h in HANDLES if teams_id(h) == user_id), user_id)
        if user_id not in chats:
            chats[user_id] = Conversation(f"teams-chat-{handle}", _name(handle), "dm", [], "teams")
        return chats[user_id]

    for result in outcome.results:
        step, sent = result.step, original(result.step)
        at, actor = step.at, teams_id(step.actor)
        here = channel if sent.kind in (Kind.TEAM_INSTALL, Kind.CHANNEL) else chat(actor)
        if step.kind is Kind.REDELIVERY:
            answer = "answered twice" if result.messages else "stored it once and sent nothing"
            note = (
                f"Teams delivered {_name(step.actor)}'s message of {sent.at:%H:%M} again "
                f"(same activity id): Candor {answer}."
            )
            here.messages.append(ChatMessage(at, BOT_ID, text=note, kind="event"))
        elif step.kind in _EVENTS:
            event = f"{_name(step.actor)} " + _EVENTS[step.kind].format(team=TEAM_NAME) + "."
            here.messages.append(ChatMessage(at, actor, text=event, kind="event"))
        else:
            here.messages.append(ChatMessage(at, actor, text=typed_text(sent), kind="said"))
        for seen in result.seen:
            target = channel if seen.kind == "channel" else chat(seen.where)
            target.messages.append(
                ChatMessage(
                    at,
                    BOT_ID,
                    text=seen.summary,
                    card=seen.card,
                    images=seen.images,
                    in_thread=seen.in_thread,
                )
            )
    order = [teams_id(h) for h in HANDLES]
    ordered = sorted(chats.items(), key=lambda kv: order.index(kv[0]) if kv[0] in order else 99)
    return [channel, *(c for _uid, c in ordered)]
