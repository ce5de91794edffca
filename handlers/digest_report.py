"""What a theme digest says, computed from stored feedback — k-anonymous by construction.

Every number and quote passes through `insights.anonymity` before it can be rendered: a theme,
a company value or a department is shown only when the feedback behind it is about at least
`min_group` distinct people (and they could not be isolated by combining shown groups); quotes
only where ten or more people contributed, with names removed. Groups are counted by the people
feedback is *about*, not by who wrote it: many authors praising or criticising one person must
never make that person visible.
"""

from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

from handlers.errors import CandorError
from handlers.services import Services
from insights.anonymity import Group, effective_min_group, safe_groups, scrub_names, snippet_allowed
from insights.themes import FeedbackItem, Theme, find_themes
from prompts.llm import model_name
from prompts.theme_summaries import SPEC, ThemeInput, summarise_themes
from store.kudos import KudosRecord, doc_id
from store.models import Person


@dataclass(frozen=True)
class Scope:
    """Whose feedback a digest covers: everyone, a department, or a manager's whole team."""

    key: str
    label: str
    people: frozenset[int]


@dataclass(frozen=True)
class Window:
    """The period a digest covers and the one before it, for trends."""

    end: datetime
    weeks: int

    @property
    def start(self) -> datetime:
        return self.end - timedelta(weeks=self.weeks)

    @property
    def previous_start(self) -> datetime:
        return self.end - timedelta(weeks=2 * self.weeks)


@dataclass(frozen=True)
class ShownTheme:
    """A theme that passed the anonymity checks, with what may be said about it."""

    theme: Theme
    people: int
    snippets: tuple[str, ...]
    departments: tuple[tuple[str, int], ...]
    # Written by the LLM when one is configured and its answer passed validation.
    ai_label: str | None = None
    ai_summary: str | None = None

    @property
    def label(self) -> str:
        """The label to show: the validated AI label, else the key phrases."""
        return self.ai_label or self.theme.label


@dataclass(frozen=True)
class DigestReport:
    """Everything a digest may show. Hidden things are only counted, never described."""

    scope: Scope
    window: Window
    min_group: int
    kudos: int | None
    people: int | None
    themes: tuple[ShownTheme, ...] = ()
    values: tuple[tuple[str, int, int], ...] = ()  # value, kudos, people
    departments: tuple[tuple[str, int, int], ...] = ()  # department, kudos, people
    hidden: int = 0
    unindexed: int = 0
    notes: tuple[str, ...] = field(default_factory=tuple)
    # "offline" or "<model> (prompt <name> v<version>)": who wrote the labels and summaries.
    engine: str = "offline"


class IndexUnavailable(CandorError):
    """Themes need the vector index, which could not be reached."""


def _about(record: KudosRecord, scope: Scope) -> set[int]:
    return set(record.recipient_ids) & scope.people


def in_scope(record: KudosRecord, scope: Scope) -> bool:
    """Feedback belongs to a scope when it is about someone in it."""
    return any(r in scope.people for r in record.recipient_ids)


async def build_report(services: Services, scope: Scope, window: Window) -> DigestReport:
    """Gather the window's feedback, find themes and apply the anonymity rules."""
    min_group = effective_min_group(services.config.min_group)
    # Reads can be large (months of feedback): keep them off the event loop that acks Slack.
    window_records = await asyncio.to_thread(
        services.store.kudos.between, window.previous_start, window.end
    )
    records = [r for r in window_records if in_scope(r, scope)]
    current = [r for r in records if r.created_at >= window.start]
    directory = await asyncio.to_thread(services.store.people.all)
    people = {p.id: p for p in directory if p.id is not None}
    everyone = frozenset(pid for r in current for pid in _about(r, scope))
    if len(everyone) < min_group:
        return DigestReport(scope, window, min_group, None, None, notes=(_too_few(min_group),))

    vectors: dict[str, list[float]] = {}
    if records:
        if services.index is None:
            raise IndexUnavailable("Themes need the search index, which isn't configured.")
        try:
            index = await services.index.current()
        except Exception:
            raise IndexUnavailable(
                "The search index is unavailable right now, so I can't find themes. "
                "Your feedback is safe in the database; try again in a few minutes."
            ) from None
        vectors = await asyncio.to_thread(index.vectors, [doc_id(r.id) for r in records])
    items = [
        FeedbackItem(
            id=doc_id(r.id),
            text=r.text,
            vector=vectors[doc_id(r.id)],
            subject_ids=r.recipient_ids,
            author_id=r.giver_id,
            at=r.created_at,
            period="current" if r.created_at >= window.start else "previous",
        )
        for r in records
        if doc_id(r.id) in vectors
    ]
    result = await asyncio.to_thread(find_themes, items, min_size=min_group)
    by_doc = {doc_id(r.id): r for r in current}
    context = [Group("scope", everyone)]

    theme_people = {
        t.id: frozenset(pid for i in t.item_ids if i in by_doc for pid in _about(by_doc[i], scope))
        for t in result.themes
    }
    disclosure = safe_groups(
        [Group(f"theme:{t.id}", theme_people[t.id]) for t in result.themes],
        min_group,
        context=context,
    )
    names = [p.name for p in people.values()]
    shown: list[ShownTheme] = []
    for theme in result.themes:
        if f"theme:{theme.id}" not in disclosure.shown:
            continue
        contributors = len(theme_people[theme.id])
        snippets: tuple[str, ...] = ()
        writers = {by_doc[i].giver_id for i in theme.item_ids if i in by_doc}
        if snippet_allowed(len(writers | theme_people[theme.id])) and snippet_allowed(contributors):
            snippets = tuple(
                scrub_names(by_doc[i].text, names) for i in theme.representative_ids if i in by_doc
            )
        theme_records = [by_doc[i] for i in theme.item_ids if i in by_doc]
        shown.append(
            ShownTheme(
                theme,
                contributors,
                snippets,
                _department_counts(theme_records, people, scope, min_group, theme_people[theme.id]),
            )
        )

    values = _grouped(current, lambda r: r.company_values, scope, min_group, context)
    departments = _grouped(
        current,
        lambda r: tuple({people[p].department for p in r.recipient_ids if p in people}),
        scope,
        min_group,
        context,
    )
    engine = "offline"
    if services.llm is not None and shown:
        shown, engine = await _ai_labels(services, shown, names)
    return DigestReport(
        scope=scope,
        window=window,
        min_group=min_group,
        kudos=len(current),
        people=len(everyone),
        themes=tuple(shown),
        engine=engine,
        values=values,
        departments=departments,
        hidden=len(disclosure.hidden),
        unindexed=len(records) - len(items),
    )


async def _ai_labels(
    services: Services, shown: list[ShownTheme], names: list[str]
) -> tuple[list[ShownTheme], str]:
    """Ask the LLM for labels and summaries; keep the offline ones if its answer is invalid.

    Only key phrases (names scrubbed), polarity, counts and quotes that already passed the
    anonymity rules leave the machine.
    """
    inputs = [
        ThemeInput(
            theme_id=s.theme.id,
            keywords=tuple(
                k for k in (scrub_names(k, names) for k in s.theme.keywords) if "[name]" not in k
            ),
            polarity=s.theme.polarity,
            mentions=s.theme.size,
            quotes=s.snippets,
        )
        for s in shown
    ]
    written = await summarise_themes(services.llm, inputs, names)
    if not written:
        return shown, "offline (the language model's answer was not usable)"
    model = model_name(services.llm)
    services.store.ai_outputs.record(
        kind="theme_summaries",
        model=model,
        prompt=SPEC.name,
        prompt_version=SPEC.version,
        input_ids=[i for s in shown for i in s.theme.item_ids],
        output={k: v.model_dump() for k, v in written.items()},
        at=services.clock(),
    )
    labelled = [
        replace(s, ai_label=written[s.theme.id].label, ai_summary=written[s.theme.id].summary)
        for s in shown
    ]
    return labelled, f"{model} (prompt {SPEC.name} v{SPEC.version})"


def _grouped(
    records: list[KudosRecord],
    keys_of: Callable[[KudosRecord], Iterable[str]],
    scope: Scope,
    min_group: int,
    context: list[Group],
) -> tuple[tuple[str, int, int], ...]:
    """Count kudos and the people they're about per key (value, department); safe groups only."""
    counts: dict[str, int] = defaultdict(int)
    members: dict[str, set[int]] = defaultdict(set)
    for record in records:
        for key in keys_of(record):
            if key:
                counts[key] += 1
                members[key] |= _about(record, scope)
    ordered = sorted(counts, key=lambda k: (-counts[k], k))
    groups = [Group(k, frozenset(members[k])) for k in ordered]
    shown = set(safe_groups(groups, min_group, context=context).shown)
    return tuple((k, counts[k], len(members[k])) for k in ordered if k in shown)


def _department_counts(
    records: list[KudosRecord],
    people: dict[int, Person],
    scope: Scope,
    min_group: int,
    theme_people: frozenset[int],
) -> tuple[tuple[str, int], ...]:
    rows = _grouped(
        records,
        lambda r: tuple({people[p].department for p in r.recipient_ids if p in people}),
        scope,
        min_group,
        [Group("theme", theme_people)],
    )
    return tuple((name, kudos) for name, kudos, _ in rows)


def _too_few(min_group: int) -> str:
    return (
        f"Fewer than {min_group} people received feedback in this scope and period, "
        "so there is nothing I can show without risking identifying someone."
    )
