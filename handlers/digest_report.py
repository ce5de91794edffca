"""What a theme digest says, computed from stored feedback — k-anonymous by construction.

Themes are found over kudos, answered check-ins and written feedback (peer, upward, self;
never a manager's note), as read by `handlers.digest_sources`.

Every number and quote passes through `insights.anonymity` before it can be rendered: a theme,
a company value or a department is shown only when the feedback behind it is about at least
`min_group` distinct people (and they could not be isolated by combining shown groups); quotes
only where ten or more people contributed, with names removed. Groups are counted by the people
feedback is *about*, not by who wrote it: many authors praising or criticising one person must
never make that person visible. A check-in is about the person who answered it.
"""

from __future__ import annotations

import asyncio
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

from handlers.digest_sources import (
    CHECKIN,
    FEEDBACK,
    KUDOS,
    Completion,
    Source,
    checkin_completion,
    in_scope,
    read_sources,
)
from handlers.errors import CandorError
from handlers.services import Services
from insights.anonymity import Group, effective_min_group, safe_groups, scrub_names, snippet_allowed
from insights.themes import FeedbackItem, Theme, find_themes
from prompts.llm import model_name
from prompts.theme_summaries import SPEC, ThemeInput, summarise_themes
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
    kudos: int | None  # None: too few people to show anything
    people: int | None
    themes: tuple[ShownTheme, ...] = ()
    values: tuple[tuple[str, int, int], ...] = ()  # value, kudos, people
    departments: tuple[tuple[str, int, int], ...] = ()  # department, kudos, people
    hidden: int = 0
    unindexed: int = 0
    notes: tuple[str, ...] = field(default_factory=tuple)
    # "offline" or "<model> (prompt <name> v<version>)": who wrote the labels and summaries.
    engine: str = "offline"
    checkins: int = 0  # answered check-ins the themes read
    feedback: int = 0  # peer, upward and self feedback the themes read
    # (kind, records) for each kind whose records are about enough people to count them.
    sources: tuple[tuple[str, int], ...] = ()
    completion: Completion | None = None  # check-ins answered of those sent, whole scope
    completion_by_department: tuple[Completion, ...] = ()

    @property
    def records(self) -> int:
        """How many pieces of feedback the digest read, of every kind."""
        return (self.kudos or 0) + self.checkins + self.feedback


class IndexUnavailable(CandorError):
    """Themes need the vector index, which could not be reached."""


def _about(record: Source, scope: Scope) -> set[int]:
    return set(record.subject_ids) & scope.people


async def build_report(services: Services, scope: Scope, window: Window) -> DigestReport:
    """Gather the window's feedback, find themes and apply the anonymity rules."""
    min_group = effective_min_group(services.config.min_group)
    window_records = await read_sources(services, window.previous_start, window.end)
    records = [r for r in window_records if in_scope(r, scope.people)]
    current = [r for r in records if r.at >= window.start]
    directory = await asyncio.to_thread(services.store.people.all)
    people = {p.id: p for p in directory if p.id is not None}
    everyone = frozenset(pid for r in current for pid in _about(r, scope))
    if len(everyone) < min_group:
        return DigestReport(scope, window, min_group, None, None, notes=(_too_few(min_group),))
    sent = await asyncio.to_thread(services.store.checkins.sent_between, window.start, window.end)
    completion, by_department = checkin_completion(
        sent, people, scope.people, min_group, window.end
    )

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
        vectors = await asyncio.to_thread(index.vectors, [r.id for r in records])
    items = [
        FeedbackItem(
            id=r.id,
            text=r.text,
            vector=vectors[r.id],
            subject_ids=r.subject_ids,
            author_id=r.author_id,
            at=r.at,
            period="current" if r.at >= window.start else "previous",
        )
        for r in records
        if r.id in vectors
    ]
    result = await asyncio.to_thread(find_themes, items, min_size=min_group)
    by_doc = {r.id: r for r in current}
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
        writers = {by_doc[i].author_id for i in theme.item_ids if i in by_doc} - {None}
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

    kinds, sources, kudos_people = _sources(current, scope, min_group)
    # Values and departments break the kudos count down: both it and the scope are public.
    kudos_context = [*context, Group("kind:kudos", kudos_people)]
    kudos = [r for r in current if r.kind == KUDOS]
    values = _grouped(kudos, lambda r: r.values, scope, min_group, kudos_context)
    departments = _grouped(
        kudos,
        lambda r: tuple({people[p].department for p in r.subject_ids if p in people}),
        scope,
        min_group,
        kudos_context,
    )
    engine = "offline"
    if services.llm is not None and shown:
        shown, engine = await _ai_labels(services, shown, names)
    return DigestReport(
        scope=scope,
        window=window,
        min_group=min_group,
        kudos=kinds[KUDOS],
        checkins=kinds[CHECKIN],
        feedback=kinds[FEEDBACK],
        completion=completion,
        completion_by_department=by_department,
        sources=sources,
        people=len(everyone),
        themes=tuple(shown),
        engine=engine,
        values=values,
        departments=departments,
        hidden=len(disclosure.hidden),
        unindexed=len(records) - len(items),
    )


def _sources(
    current: list[Source], scope: Scope, min_group: int
) -> tuple[Counter[str], tuple[tuple[str, int], ...], frozenset[int]]:
    """Records per kind; the (kind, count) pairs that may be shown, each about at least
    `min_group` people (each kind's count is its own statistic); the people kudos are about."""
    kinds = Counter(r.kind for r in current)
    about: dict[str, set[int]] = defaultdict(set)
    for record in current:
        about[record.kind] |= _about(record, scope)
    sources = tuple(
        (kind, kinds[kind])
        for kind in (KUDOS, CHECKIN, FEEDBACK)
        if about[kind] and safe_groups([Group(kind, frozenset(about[kind]))], min_group).shown
    )
    return kinds, sources, frozenset(about[KUDOS])


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
    records: list[Source],
    keys_of: Callable[[Source], Iterable[str]],
    scope: Scope,
    min_group: int,
    context: list[Group],
) -> tuple[tuple[str, int, int], ...]:
    """Count records and the people they're about per key (value, department); safe groups
    only."""
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
    records: list[Source],
    people: dict[int, Person],
    scope: Scope,
    min_group: int,
    theme_people: frozenset[int],
) -> tuple[tuple[str, int], ...]:
    rows = _grouped(
        records,
        lambda r: tuple({people[p].department for p in r.subject_ids if p in people}),
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
