"""Messages for /candor skills: a profile (cells with the records behind them, suggestions)
and a team summary (counts only). No overall score is ever shown."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from handlers.messages import Block, Context, Header, Message, Section, Span, text
from insights.skills.profile import NOT_ENOUGH, Cell, Profile
from insights.skills.suggestions import CatalogueItem, Suggestion
from insights.skills.team import TeamSummary

SHOWN_SOURCES = 5
NO_FRAMEWORK = (
    "No competency framework is imported yet, so there is no skill profile to show. "
    "HR imports one with `candor competencies import framework.yaml`."
)


def _cell_line(cell: Cell) -> str:
    parts = [f"*{cell.competency}* — {cell.status}"]
    if cell.expected_level is not None:
        parts.append(f"role expects level {cell.expected_level}")
    if cell.shown_level is not None:
        parts.append(f"evidence shows level {cell.shown_level}")
    parts.append(
        f"{cell.evidence} record{'' if cell.evidence == 1 else 's'} "
        f"({cell.strengths} strength, {cell.growth} growth, {cell.other} other)"
    )
    if cell.latest_rating is not None:
        r = cell.latest_rating
        parts.append(f"latest rating {r.score:g}/{r.scale_high:g}")
    line = " · ".join(parts)
    if cell.sources:
        shown = ", ".join(f"`{s}`" for s in cell.sources[:SHOWN_SOURCES])
        more = len(cell.sources) - SHOWN_SOURCES
        line += f"\n    records: {shown}" + (f" and {more} more" if more > 0 else "")
    return line


def _suggestion_spans(
    suggestion: Suggestion,
    items: Mapping[int, CatalogueItem],
    mentors: Mapping[int, Span],
) -> list[Span]:
    evidence = ", ".join(f"`{s}`" for s in suggestion.evidence) or "none"
    if suggestion.item_id is not None:
        item = items[suggestion.item_id]
        extra = " · ".join(x for x in (item.format, item.duration) if x)
        link = f"{item.title} {item.url}" if item.url else item.title
        head: list[Span] = [f"\n• {link}" + (f" ({extra})" if extra else "")]
    else:
        assert suggestion.mentor_id is not None
        head = ["\n• Ask ", mentors[suggestion.mentor_id], " about mentoring"]
    return [*head, f" — {suggestion.reason}. Evidence: {evidence}"]


def profile_message(
    profile: Profile,
    whose: str,
    suggestions: Sequence[Suggestion],
    items: Mapping[int, CatalogueItem],
    mentors: Mapping[int, Span],
    min_evidence: int,
) -> Message:
    """A person's profile: every competency, then suggestions for the top gaps."""
    blocks: list[Block] = [Header(f"{whose} skill profile")]
    role = profile.role or "no job title"
    blocks.append(Section(text(f"Role: {role}\n" + "\n".join(map(_cell_line, profile.cells)))))
    if suggestions:
        spans: list[Span] = ["*Suggestions for the top gaps*"]
        for suggestion in suggestions:
            spans += _suggestion_spans(suggestion, items, mentors)
        blocks.append(Section(tuple(spans)))
    elif profile.top_gaps():
        blocks.append(
            Section(text("*Suggestions:* none yet — no catalogue item or mentor fits the gaps."))
        )
    blocks.append(
        Context(
            text(
                f"Fewer than {min_evidence} linked records is “{NOT_ENOUGH}”, never a gap. "
                "Each competency stands on its own records; there is no overall score. "
                "Only the person and their manager see a profile."
            )
        )
    )
    return Message(summary=f"{whose} skill profile", blocks=tuple(blocks))


def team_message(title: str, summary: TeamSummary) -> Message:
    """A group's summary in counts, or why it isn't shown."""
    if not summary.shown:
        note = (
            f"{title} has fewer than {summary.min_group} people, so no summary is shown "
            "(small groups could single someone out)."
        )
        return Message(summary="Team skills not shown", blocks=(Section(text(note)),))

    def shown(n: int | None) -> str:
        return "–" if n is None else str(n)

    lines = [
        f"*{row.competency}* — enough evidence: {shown(row.evidenced)} · meets expected: "
        f"{shown(row.meets)} · to develop: {shown(row.to_develop)}"
        for row in summary.rows
    ]
    blocks: list[Block] = [
        Header(f"Skills across {title}"),
        Section(text(f"{summary.people} people\n" + "\n".join(lines))),
        Context(
            text(
                f"Counts of people; “–” is hidden because it could single out fewer than "
                f"{summary.min_group} people. No names, no scores."
            )
        ),
    ]
    return Message(summary=f"Skills across {title}", blocks=tuple(blocks))
