"""Charts rendered to PNG bytes for messages (matplotlib, no display, imported lazily)."""

from __future__ import annotations

import io
import textwrap
from collections.abc import Callable, Sequence
from typing import Any


def _png(size: tuple[float, float], draw: Callable[[Any], None]) -> bytes:
    """One figure drawn by `draw(axes)` and saved as PNG (no timestamp, so bytes repeat)."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot as plt

    figure, axes = plt.subplots(figsize=size, dpi=110)
    try:
        draw(axes)
        axes.spines[["top", "right"]].set_visible(False)
        figure.tight_layout()
        buffer = io.BytesIO()
        figure.savefig(buffer, format="png", metadata={"Software": None})
        return buffer.getvalue()
    finally:
        plt.close(figure)


def theme_trend_png(rows: Sequence[tuple[str, int, int]]) -> bytes:
    """A horizontal bar chart of mentions per theme: the previous period next to this one.

    Args:
        rows: (label, previous count, current count) per theme, most important first.
    """
    labels = [textwrap.shorten(label, 40, placeholder="…") for label, _, _ in rows]
    previous = [p for _, p, _ in rows]
    current = [c for _, _, c in rows]

    def draw(axes: Any) -> None:
        positions = list(range(len(rows)))[::-1]
        axes.barh(
            [y + 0.2 for y in positions],
            previous,
            height=0.4,
            color="#b8c4d6",
            label="previous period",
        )
        axes.barh(
            [y - 0.2 for y in positions], current, height=0.4, color="#2f6fde", label="this period"
        )
        axes.set_yticks(positions, labels)
        axes.set_xlabel("mentions")
        axes.set_title("Theme trends")
        axes.legend(loc="lower right", frameon=False)

    return _png((8, 1.2 + 0.55 * max(1, len(rows))), draw)


def distribution_png(
    title: str, points: Sequence[float], team: Sequence[int], org: Sequence[int]
) -> bytes:
    """Bars of a team's share of ratings at each score next to the organisation's.

    Args:
        points: the scores on the scale, lowest first.
        team, org: how many ratings fell on each score.
    """

    def shares(counts: Sequence[int]) -> list[float]:
        total = sum(counts) or 1
        return [100 * c / total for c in counts]

    def draw(axes: Any) -> None:
        x = list(range(len(points)))
        axes.bar([i - 0.2 for i in x], shares(org), 0.4, color="#b8c4d6", label="organisation")
        axes.bar([i + 0.2 for i in x], shares(team), 0.4, color="#2f6fde", label="this team")
        axes.set_xticks(x, [f"{p:g}" for p in points])
        axes.set_xlabel("rating")
        axes.set_ylabel("% of ratings")
        axes.set_title(textwrap.shorten(title, 60, placeholder="…"))
        axes.legend(loc="upper left", frameon=False)

    return _png((7, 3.6), draw)
