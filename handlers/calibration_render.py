"""Calibration reports as messages: flagged signals first, each with its test, effect,
interval, sample size and caveat; nothing for groups under the minimum size."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from handlers.messages import Attachment, Block, Context, Divider, Header, Message, Section, text
from insights.calibration.records import Scale
from insights.calibration.report import CalibrationReport

MAX_ROWS = 6  # per signal: a Slack message holds 50 blocks, a Teams card less text
MAX_RECORDS = 5
CAVEAT = (
    "Statistics to discuss in calibration, not verdicts: a flag says where to look, with "
    "Benjamini–Hochberg-adjusted p-values across each signal's tests."
)


def _ci(low: float | None, high: float | None) -> str:
    if low is None or high is None:
        return ""
    return f" (95% CI {low:+.2f} to {high:+.2f})"


def _records(records: Sequence[str]) -> str:
    if not records:
        return ""
    shown = ", ".join(records[:MAX_RECORDS])
    more = f" and {len(records) - MAX_RECORDS} more" if len(records) > MAX_RECORDS else ""
    return f"\nRecords: {shown}{more}"


def _rows(title: str, rows: Sequence[Any], line: Any, empty: str) -> list[Block]:
    flagged = [r for r in rows if r.flag]
    blocks: list[Block] = [Section(text(f"*{title}* — {len(flagged)} flagged of {len(rows)}"))]
    for row in flagged[:MAX_ROWS]:
        blocks.append(Section(text(line(row))))
    if len(flagged) > MAX_ROWS:
        blocks.append(Context(text(f"…and {len(flagged) - MAX_ROWS} more (`candor calibration`).")))
    if not rows:
        blocks.append(Context(text(empty)))
    elif flagged:
        blocks.append(Context(text(flagged[0].caveat)))
    return blocks


def render_report(cycle: str, report: CalibrationReport, names: Mapping[str, str]) -> Message:
    """The whole cycle's signals for HR."""

    def who(person: str) -> str:
        return names.get(person, person)

    def rater_line(r: Any) -> str:
        return (
            f"• {who(r.rater)}: {r.flag}, {r.severity:+.2f} points{_ci(r.ci_low, r.ci_high)}, "
            f"{r.n} ratings of {r.ratees} people, p_adj {r.p_adjusted:.3f} · {r.test}"
            + _records(r.records)
        )

    def effect_line(r: Any) -> str:
        return (
            f"• {who(r.rater)}: {r.flag}, effect {r.effect:+.2f}{_ci(r.ci_low, r.ci_high)}, "
            f"n {r.n}, p_adj {_p(r.p_adjusted)} · {r.test}" + _records(r.records)
        )

    def group_line(g: Any) -> str:
        ratio = f", impact ratio {g.impact_ratio:.2f}" if g.impact_ratio is not None else ""
        return (
            f"• {g.attribute} = {g.group}: {g.flag}; mean {g.mean:.2f}, gap {g.gap:+.2f}"
            f"{_ci(g.ci_low, g.ci_high)}, {g.n} people, p_adj {_p(g.p_adjusted)}{ratio} · {g.test}"
        )

    blocks: list[Block] = [
        Header(f"Calibration · {cycle}"[:150]),
        Section(
            text(
                f"{report.ratings} ratings of {report.ratees} people by {report.raters_total} "
                f"raters on a {report.scale.low:g}–{report.scale.high:g} scale. "
                f"Nothing below describes fewer than {report.min_group} people."
            )
        ),
        Context(text(f"Rater model: {report.raters.model}")),
        Divider(),
        *_rows(
            "Rater severity / leniency",
            report.raters.signals,
            rater_line,
            f"No rater rated {report.min_group} or more people.",
        ),
    ]
    if report.raters.hidden:
        blocks.append(
            Context(
                text(
                    f"{report.raters.hidden} raters rated fewer than {report.min_group} people: "
                    "their ratings inform the model, but they are not listed."
                )
            )
        )
    blocks += _manager_rows(report, who)
    blocks += _rows("Halo / horn", report.halo, effect_line, "Not enough multi-competency data.")
    blocks += _rows("360 outlier raters", report.outliers, effect_line, "No 360 ratings.")
    blocks += _rows(
        "Recency", report.recency, effect_line, "No dated evidence about the people rated."
    )
    blocks += _rows(
        "Group gaps and the four-fifths rule",
        report.groups.signals,
        group_line,
        "No protected attributes imported (`candor org import-attributes`).",
    )
    hidden = sum(n for _, n in report.groups.hidden)
    if hidden:
        blocks.append(
            Context(text(f"{hidden} group(s) hidden: too small, or recoverable by subtraction."))
        )
    blocks += [Divider(), Context(text(CAVEAT))]
    return Message(summary=f"Calibration · {cycle}: {report.flagged} flags", blocks=tuple(blocks))


def _manager_rows(report: CalibrationReport, who: Any) -> list[Block]:
    flagged = [m for m in report.managers if m.flags]
    blocks: list[Block] = [
        Section(
            text(
                f"*Manager distributions* — {len(flagged)} flagged of {len(report.managers)} teams"
            )
        )
    ]
    blocks += [Section(text(_manager_line(m, who(m.manager)))) for m in flagged[:MAX_ROWS]]
    if flagged:
        blocks.append(Context(text(flagged[0].caveat)))
    return blocks


def _manager_line(m: Any, name: str) -> str:
    return (
        f"• {name}: {', '.join(m.flags) or 'in line with the organisation'}; mean {m.mean:.2f} "
        f"vs {m.org_mean:.2f} (shift {m.shift:+.2f}{_ci(m.shift_ci_low, m.shift_ci_high)}, "
        f"p_adj {_p(m.shift_p_adjusted)}); spread {m.sd:.2f} vs {m.org_sd:.2f} "
        f"(ratio {m.sd_ratio:.2f}, p_adj {_p(m.spread_p_adjusted)}); {m.n} people · {m.test}"
    )


def render_manager_view(
    cycle: str,
    name: str,
    manager: str,
    report: CalibrationReport,
    scale: Scale,
    team: Mapping[float, int],
    org: Mapping[float, int],
) -> Message:
    """One manager's team against the organisation, with a chart, before calibration."""
    from handlers.charts import distribution_png

    points = sorted(set(team) | set(org) | {scale.low, scale.high})
    blocks: list[Block] = [Header(f"Pre-calibration · {name}'s team · {cycle}"[:150])]
    found = [m for m in report.managers if m.manager == manager]
    if found:
        blocks.append(Section(text(_manager_line(found[0], name))))
        blocks.append(Context(text(found[0].caveat)))
    severity = [r for r in report.raters.signals if r.rater == manager]
    if severity:
        r = severity[0]
        blocks.append(
            Section(
                text(
                    f"As a rater: {r.flag or 'no flag'}, {r.severity:+.2f} points"
                    f"{_ci(r.ci_low, r.ci_high)} against peers rating the same people "
                    f"({r.n} ratings)."
                )
            )
        )
    table = " · ".join(f"{p:g}: {team.get(p, 0)} / {org.get(p, 0)}" for p in points)
    blocks += [
        Section(text(f"Ratings per score (team / organisation): {table}")),
        Context(text(CAVEAT)),
    ]
    chart = distribution_png(
        f"{name}'s team vs organisation",
        points,
        [team.get(p, 0) for p in points],
        [org.get(p, 0) for p in points],
    )
    alt = "Bar chart: share of ratings at each score, team next to organisation"
    return Message(
        summary=f"Pre-calibration view: {name}'s team",
        blocks=tuple(blocks),
        attachments=(Attachment("calibration.png", chart, "Team vs organisation", alt),),
    )


def _p(value: float | None) -> str:
    return "–" if value is None else f"{value:.3f}"
