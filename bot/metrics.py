"""Prometheus metrics at `GET /metrics`: requests and their latency (Slack's ack time is the
latency of `/slack/events`), replies by outcome, scheduled sends, outbox depth, work in flight
and which replica runs the scheduler. Labels carry routes and kinds, never ids or content.

Written in the Prometheus text format directly: a handful of counters and one histogram do not
justify another dependency.
"""

from __future__ import annotations

import bisect
import threading
from collections import defaultdict
from collections.abc import Callable, Iterable

# Seconds; Slack's ack deadline is 3 s, so the interesting range is well below it.
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0)

Labels = tuple[tuple[str, str], ...]


def _labels(labels: Labels) -> str:
    if not labels:
        return ""
    escaped = (
        f'{k}="{v.replace(chr(92), chr(92) * 2).replace(chr(34), chr(92) + chr(34))}"'
        for k, v in labels
    )
    return "{" + ",".join(escaped) + "}"


class Counter:
    """A monotonically increasing count per label set."""

    def __init__(self, name: str, help_text: str) -> None:
        self.name, self.help = name, help_text
        self._values: dict[Labels, float] = defaultdict(float)
        self._lock = threading.Lock()

    def inc(self, amount: float = 1.0, **labels: str) -> None:
        with self._lock:
            self._values[tuple(sorted(labels.items()))] += amount

    def value(self, **labels: str) -> float:
        return self._values.get(tuple(sorted(labels.items())), 0.0)

    def lines(self) -> Iterable[str]:
        yield f"# HELP {self.name} {self.help}"
        yield f"# TYPE {self.name} counter"
        for labels, value in sorted(self._values.items()):
            yield f"{self.name}{_labels(labels)} {value:g}"


class Histogram:
    """Observations in cumulative buckets, per label set."""

    def __init__(self, name: str, help_text: str, buckets: tuple[float, ...]) -> None:
        self.name, self.help, self.buckets = name, help_text, buckets
        self._counts: dict[Labels, list[int]] = {}
        self._sums: dict[Labels, float] = defaultdict(float)
        self._lock = threading.Lock()

    def observe(self, value: float, **labels: str) -> None:
        key = tuple(sorted(labels.items()))
        with self._lock:
            counts = self._counts.setdefault(key, [0] * (len(self.buckets) + 1))
            counts[bisect.bisect_left(self.buckets, value)] += 1
            self._sums[key] += value

    def lines(self) -> Iterable[str]:
        yield f"# HELP {self.name} {self.help}"
        yield f"# TYPE {self.name} histogram"
        for labels, counts in sorted(self._counts.items()):
            running = 0
            for bound, count in zip((*self.buckets, float("inf")), counts, strict=True):
                running += count
                le = "+Inf" if bound == float("inf") else f"{bound:g}"
                yield f"{self.name}_bucket{_labels((*labels, ('le', le)))} {running}"
            yield f"{self.name}_sum{_labels(labels)} {self._sums[labels]:.6f}"
            yield f"{self.name}_count{_labels(labels)} {running}"


class Metrics:
    """Candor's metrics; gauges are read at scrape time from the callables given."""

    def __init__(self) -> None:
        self.requests = Counter("candor_http_requests_total", "HTTP requests by route and status")
        self.latency = Histogram(
            "candor_http_request_seconds",
            "Time to answer an HTTP request (for /slack/events: the ack)",
            LATENCY_BUCKETS,
        )
        self.replies = Counter(
            "candor_requests_handled_total",
            "Commands, button presses and forms handled, by platform and outcome",
        )
        self.deliveries = Counter(
            "candor_deliveries_total",
            "Scheduled messages by job and outcome: sent, failed (tried again next round) or "
            "dead (given up after CANDOR_DELIVERY_MAX_ATTEMPTS failures; admins alerted)",
        )
        self._gauges: dict[str, tuple[str, Callable[[], float | None]]] = {}

    def gauge(self, name: str, help_text: str, read: Callable[[], float | None]) -> None:
        """Register a value read when Prometheus scrapes (outbox depth, work in flight)."""
        self._gauges[name] = (help_text, read)

    def render(self) -> str:
        """Everything in the Prometheus text exposition format."""
        lines: list[str] = []
        for metric in (self.requests, self.latency, self.replies, self.deliveries):
            lines.extend(metric.lines())
        for name, (help_text, read) in sorted(self._gauges.items()):
            try:
                value = read()
            except Exception:  # a gauge that can't be read now (database away) is left out
                value = None
            if value is None:
                continue
            lines += [f"# HELP {name} {help_text}", f"# TYPE {name} gauge", f"{name} {value:g}"]
        return "\n".join(lines) + "\n"
