"""Charts rendered to PNG bytes for messages (matplotlib, no display, imported lazily)."""

from __future__ import annotations

import io
import textwrap
from collections.abc import Sequence


def theme_trend_png(rows: Sequence[tuple[str, int, int]]) -> bytes:
    """A horizontal bar chart of mentions per theme: the previous period next to this one.

    Args:
        rows: (label, previous count, current count) per theme, most important first.
    """
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot as plt

    labels = [textwrap.shorten(label, 40, placeholder="…") for label, _, _ in rows]
    previous = [p for _, p, _ in rows]
    current = [c for _, _, c in rows]
    height = 1.2 + 0.55 * max(1, len(rows))
    figure, axes = plt.subplots(figsize=(8, height), dpi=110)
    try:
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
        axes.spines[["top", "right"]].set_visible(False)
        figure.tight_layout()
        buffer = io.BytesIO()
        figure.savefig(buffer, format="png", metadata={"Software": None})
        return buffer.getvalue()
    finally:
        plt.close(figure)
