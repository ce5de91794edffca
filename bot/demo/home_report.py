"""The App Home visits in the demo's outputs: the terminal section, the totals row and the
transcript's "App Home" views (each Home as published, then the welcome DM of a first visit)."""

from __future__ import annotations

from bot.demo import scenario
from bot.demo.home_tabs import TITLE, HomeOutcome, HomeTab, texts
from bot.demo.layout import WIDTH, day, field_lines, title_line
from bot.demo.loop_report import city, local
from bot.demo.transcript import ChatMessage, Conversation


def _zone(tab: HomeTab) -> str:
    member = scenario.member(tab.handle)
    return member.tz if member else "UTC"


def _name(tab: HomeTab) -> str:
    member = scenario.member(tab.handle)
    return member.name if member else tab.handle


def headers(tab: HomeTab) -> list[str]:
    """The Home's section headers, in order ("You", "Your team", "HR")."""
    blocks = tab.view.get("blocks") or ()
    return [" ".join(texts(b)) for b in blocks if b.get("type") == "header"]


def home_section(outcome: HomeOutcome) -> list[str]:
    """The terminal lines for the Home visits."""
    lines = ["", f"── {TITLE}: each role's Home tab, after the week ".ljust(WIDTH, "─")]
    for n, tab in enumerate(outcome.tabs, start=1):
        tz = _zone(tab)
        at = local(tab.at, tz)
        title = f"H{n:<3} {day(at)} {at:%H:%M} {city(tz)}  {_name(tab)} ({tab.role}) opens Home"
        acks = " + ".join(f"{ms:.0f}" for ms in tab.acks_ms)
        lines.append(title_line(title, f"ack {acks} ms") if acks else title)
        blocks = len(tab.view.get("blocks") or ())
        published = f"published {len(tab.views)}×, {blocks} blocks: {' · '.join(headers(tab))}"
        lines += field_lines("Home", [published])
        if tab.dms:
            lines += field_lines("DM", [f"to {_name(tab)}: the welcome, on a first visit"])
        lines += [" " * 5 + "✗ " + problem for problem in tab.problems]
    return lines


def home_total_rows(outcome: HomeOutcome) -> list[tuple[str, str]]:
    """The Home visits' row of the terminal's totals."""
    once = sum(1 for t in outcome.tabs if len(t.views) == 1)
    roles = ", ".join(t.role for t in outcome.tabs)
    welcomes = sum(len(t.dms) for t in outcome.tabs)
    return [
        (TITLE, f"{len(outcome.tabs)} Home tabs ({roles}), {once} published exactly once"),
        ("", f"{welcomes} welcome DMs, one on each first visit"),
    ]


def home_conversations(outcome: HomeOutcome) -> list[Conversation]:
    """One transcript view per Home: the visit, the Home as published, any welcome DM."""
    views = []
    for tab in outcome.tabs:
        user, at = scenario.slack_id(tab.handle), local(tab.at, _zone(tab))
        conversation = Conversation(
            f"home-{tab.handle}", f"{_name(tab)} · {tab.role}", "home", group=TITLE
        )
        said = f"{_name(tab)} opened Candor's Home tab"
        conversation.messages.append(ChatMessage(at, user, text=said, kind="event"))
        if tab.views:
            conversation.messages.append(
                ChatMessage(at, scenario.BOT_ID, visible_to=user, view=tab.view)
            )
        for blocks in tab.dms:
            note = "On this first visit Candor also sent a welcome DM:"
            conversation.messages.append(ChatMessage(at, user, text=note, kind="event"))
            conversation.messages.append(ChatMessage(at, scenario.BOT_ID, blocks))
        views.append(conversation)
    return views
