"""Terminal layout shared by the demo's Slack and Teams summaries: a label column, wrapped."""

from __future__ import annotations

import textwrap
from datetime import date, datetime

WIDTH = 96
INDENT = 5
LABEL = 10


def field_lines(label: str, lines: list[str]) -> list[str]:
    """Lines under a label column, wrapped to WIDTH; quoted lines keep their bar."""
    hang = " " * (INDENT + LABEL)
    out: list[str] = []
    for line in lines or [""]:
        bar = "│ " if line.startswith("│ ") else ""
        body = line.removeprefix(bar)
        for piece in textwrap.wrap(body, WIDTH - len(hang) - len(bar)) or [""]:
            prefix = hang if out else " " * INDENT + label.ljust(LABEL)
            out.append(prefix + bar + piece)
    return out


def day(at: datetime | date) -> str:
    """`Mon 2 Nov`."""
    return f"{at:%a} {at.day} {at:%b}"


def title_line(title: str, right: str) -> str:
    """A step's first line: the title, cut to fit, and `right` aligned to WIDTH."""
    if len(title) + len(right) + 2 > WIDTH:
        title = title[: WIDTH - len(right) - 3] + "…"
    return title.ljust(WIDTH - len(right)) + right
