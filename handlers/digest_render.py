"""How a theme digest looks: the message model for /digest, /themes and the weekly HR digest."""

from __future__ import annotations

from handlers.digest_report import DigestReport, ShownTheme, Window
from handlers.digest_sources import Completion
from handlers.messages import (
    Actions,
    Attachment,
    Block,
    Button,
    Citation,
    Context,
    Divider,
    Header,
    Message,
    Quote,
    Section,
    text,
)

POLARITY = {"strength": ":large_green_circle: strength", "growth": ":large_orange_circle: growth"}
TREND = {"rising": "↑ rising", "falling": "↓ falling", "steady": "→ steady", "new": "★ new"}
SOURCE_NAMES = {
    "kudos": ("kudos", "kudos"),
    "checkin": ("check-in", "check-ins"),
    "feedback": ("feedback answer", "feedback answers"),
}


def _period(window: Window) -> str:
    last = window.end.date()
    first = window.start.date()
    return f"{first:%a %d %b} – {last:%a %d %b %Y}"


def theme_line(shown: ShownTheme) -> str:
    """One theme's summary line: label, polarity, people, mentions and trend."""
    theme = shown.theme
    trend = TREND.get(theme.trend, theme.trend)
    polarity = POLARITY.get(theme.polarity, theme.polarity)
    return (
        f"*{shown.label}* — {polarity} · about {shown.people} people · "
        f"{theme.size} mentions ({trend}; {theme.previous_size} the period before)"
    )


def sources_line(report: DigestReport) -> str:
    """What the digest read, e.g. ``From 120 kudos, 40 check-ins and 12 feedback answers about
    58 people.`` Kinds about too few people to count are left out (and said to be)."""
    parts = [
        f"{n} {SOURCE_NAMES[kind][n != 1]}" for kind, n in report.sources if kind in SOURCE_NAMES
    ]
    listed = ", ".join(parts[:-1]) + f" and {parts[-1]}" if len(parts) > 1 else "".join(parts)
    read = f"From {listed} about" if listed else "Feedback about"
    counted = {kind for kind, _ in report.sources}
    totals = {"kudos": report.kudos or 0, "checkin": report.checkins, "feedback": report.feedback}
    missing = any(n and kind not in counted for kind, n in totals.items())
    rest = f" Kinds about fewer than {report.min_group} people are not counted." if missing else ""
    return f"{read} {report.people} people.{rest}"


def completion_text(completion: Completion) -> str:
    """``85% answered · 34 of 40 check-ins · 12 people``."""
    return (
        f"{completion.percent}% answered · {completion.answered} of {completion.sent} "
        f"check-ins · {completion.people} people"
    )


def _completion_section(report: DigestReport) -> Section | None:
    if report.completion is None:
        return None
    return Section(
        text(f"*Check-in completion* (sent in this period): {completion_text(report.completion)}"),
        fields=tuple(
            (c.group, text(completion_text(c))) for c in report.completion_by_department[:10]
        ),
    )


def render_digest(report: DigestReport, *, title: str, details: bool) -> Message:
    """The digest as a message; `details` adds a Details button per theme (for HR)."""
    blocks: list[Block] = [
        Header(title),
        Context(text(f"{report.scope.label} · {_period(report.window)}")),
    ]
    if report.kudos is None:
        blocks.append(Section(text(*report.notes)))
        return Message(summary=title, blocks=tuple(blocks))
    blocks.append(
        Section(
            text(sources_line(report)),
            fields=tuple(
                (f"#{v}", text(f"{n} kudos · {p} people")) for v, n, p in report.values[:6]
            ),
        )
    )
    blocks.append(Divider())
    if report.themes:
        blocks.append(Section(text("*Top themes*")))
        for number, shown in enumerate(report.themes[:5], start=1):
            blocks.append(Section(text(theme_line(shown))))
            if shown.ai_summary:
                cite = Citation(
                    "theme", number, f"theme {shown.theme.id}: {shown.theme.size} mentions"
                )
                blocks.append(Quote(text(shown.ai_summary), (cite,)))
            if shown.snippets:
                blocks.append(Quote(text(shown.snippets[0])))
            if details:
                window = report.window
                value = (
                    f"{report.scope.key}|{window.end.isoformat()}|{window.weeks}|{shown.theme.id}"
                )
                blocks.append(Actions((Button("Details", "digest.theme", value),)))
        rising = [s.label for s in report.themes if s.theme.trend in ("rising", "new")]
        falling = [s.label for s in report.themes if s.theme.trend == "falling"]
        if rising or falling:
            blocks.append(
                Section(
                    text("*Changes*"),
                    fields=(
                        ("Rising", text(", ".join(rising[:5]) or "—")),
                        ("Falling", text(", ".join(falling[:5]) or "—")),
                    ),
                )
            )
    else:
        blocks.append(Section(text("No theme is shared by enough people to show yet.")))
    if report.departments:
        blocks.append(
            Section(
                text("*Feedback by department* (kudos received)"),
                fields=tuple(
                    (d, text(f"{n} kudos · {p} people")) for d, n, p in report.departments[:10]
                ),
            )
        )
    completion = _completion_section(report)
    if completion is not None:
        blocks.append(completion)
    hidden = f"{report.hidden} smaller theme(s) hidden. " if report.hidden else ""
    writer = (
        "Theme labels are key phrases from the feedback (offline engine). "
        if report.engine.startswith("offline")
        else f"Labels and summaries by {report.engine}, checked against the themes they cite. "
    )
    blocks.append(
        Context(
            text(
                f"{writer}{hidden}Nothing here stands for fewer than {report.min_group} "
                "people; quotes appear only where 10 or more contributed, with names removed."
            )
        )
    )
    attachments: tuple[Attachment, ...] = ()
    if report.themes:
        from handlers.charts import theme_trend_png

        chart = theme_trend_png(
            [(s.label, s.theme.previous_size, s.theme.size) for s in report.themes[:8]]
        )
        attachments = (
            Attachment("theme-trends.png", chart, "Theme trends", "Bar chart of theme mentions"),
        )
    return Message(summary=title, blocks=tuple(blocks), attachments=attachments)
