"""Anonymity guards: which aggregates may be shown without exposing individuals.

Threat model. Each shown key publishes a number that adds up over its people (a count,
a sum, and so a mean once the count is known). The reader is assumed to know who is in
every group (org chart, filters) and to see every shown number plus the ``context``
numbers already published elsewhere. ``k`` is the minimum group size (never below 3).

Covered, over the shown groups together with the context:

1. Small groups: every shown group has at least ``k`` people (empty groups are hidden).
2. Differencing two groups: for any two groups, ``|A ^ B|`` is 0 or at least ``k``. With
   ``B`` inside ``A`` that is the classic ``A - B``; with a near-complete overlap, ``A - B``
   is still a number about the few people outside the overlap (only-in-A minus only-in-B).
3. Isolating a cell with any number of groups: people in exactly the same visible groups
   form a cell; no cell of 1 to k-1 people may follow from the visible numbers by any
   linear combination, e.g. ``dept - team A - team B = hidden team C``.

Not covered:

- Combinations of three or more groups that yield a sum over several small cells, or a
  signed mix such as ``(A - B) - X = (one person) - (another)``: checking every such
  combination is combinatorial, so only single cells and pairs of groups are checked.
- Non-additive statistics (median, min, max) and homogeneity: if all members of a shown
  group gave the same answer, the group reveals each answer. No noise or rounding is added.
- Numbers shown at other times or to other readers, unless the caller passes them as context.
- Background knowledge (a reader who knows four of five answers learns the fifth).
- Disclosures made by ``context`` alone: it is already public and is never changed.

The choice of what to hide is greedy and deterministic: groups are considered largest
first (ties by key), so a parent beats its parts, and each is kept only if everything
visible stays safe. Which keys are shown does not depend on input order.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from math import gcd

MIN_GROUP_FLOOR = 3
DEFAULT_MIN_GROUP = 5
SNIPPET_MIN_PEOPLE = 10

NAME_PLACEHOLDER = "[name]"


def effective_min_group(configured: int | None) -> int:
    """The minimum group size to enforce: 5 when unset, never below 3."""
    if configured is None:
        return DEFAULT_MIN_GROUP
    return max(configured, MIN_GROUP_FLOOR)


@dataclass(frozen=True)
class Group:
    """One number's worth of people: ``key`` names it, ``people`` are distinct person ids."""

    key: str
    people: frozenset[int]


@dataclass(frozen=True)
class Disclosure:
    """Keys that may be shown (input order) and, for the others, why not."""

    shown: tuple[str, ...]
    hidden: dict[str, str]


def safe_groups(
    groups: Sequence[Group], min_group: int, *, context: Sequence[Group] = ()
) -> Disclosure:
    """Decide which groups may be shown alongside the already public ``context``.

    Args:
        groups: Candidates, with unique keys.
        min_group: Configured minimum; raised to the floor of 3 if lower.
        context: Groups already published; never hidden, but they constrain the rest.

    Raises:
        ValueError: A key repeats, or a context key names different people.
    """
    k = effective_min_group(min_group)
    public = _by_key(context, "context")
    _by_key(groups, "groups")
    everyone = sorted(frozenset[int]().union(*(g.people for g in (*context, *groups))))
    span = _Span.empty(everyone, slots=len(context) + len(groups))
    for group in sorted(context, key=_order):
        span = span.add(group)
    # Cells the context alone already gives away: not ours to hide, and unfixable.
    public_cells = {cell for cell, _ in span.isolated()}
    hidden: dict[str, str] = {}
    for group in sorted(groups, key=_order):
        if group.key in public:
            if public[group.key] != group.people:
                raise ValueError(f"{group.key} names different people in groups and context")
            continue
        reason, extended = _admit(group, k, span, public_cells)
        if extended is None:
            hidden[group.key] = reason
        else:
            span = extended
    return Disclosure(
        shown=tuple(group.key for group in groups if group.key not in hidden),
        hidden={group.key: hidden[group.key] for group in groups if group.key in hidden},
    )


def suppress_counts(
    counts: Mapping[str, frozenset[int]], min_group: int, context: Sequence[Group] = ()
) -> dict[str, int | None]:
    """Distinct people per key, or None where the count must be hidden."""
    groups = [Group(key, frozenset(people)) for key, people in counts.items()]
    shown = set(safe_groups(groups, min_group, context=context).shown)
    return {key: len(people) if key in shown else None for key, people in counts.items()}


def snippet_allowed(contributors: int, *, min_people: int = SNIPPET_MIN_PEOPLE) -> bool:
    """Whether verbatim text may be quoted; ``min_people`` can raise the bar, never lower it."""
    return contributors >= max(min_people, SNIPPET_MIN_PEOPLE)


def redact_snippets(
    snippets: Iterable[str],
    contributors: int,
    names: Iterable[str],
    min_people: int = SNIPPET_MIN_PEOPLE,
) -> list[str]:
    """Snippets with names removed, or [] when too few people contributed."""
    if not snippet_allowed(contributors, min_people=min_people):
        return []
    pattern = _name_pattern(names)
    return [_scrub(text, pattern) for text in snippets]


def scrub_names(text: str, names: Iterable[str]) -> str:
    """Replace names, @mentions, Slack/Teams mention markup and emails with "[name]".

    Full names, each of their words and each part of a hyphenated word are matched as
    whole words, case-insensitively; "Ana's" keeps its "'s". Every @handle is treated as
    a person (a handle need not look like the name), except @here, @channel, @everyone.
    """
    return _scrub(text, _name_pattern(names))


def _order(group: Group) -> tuple[int, str]:
    return (-len(group.people), group.key)


def _by_key(groups: Sequence[Group], what: str) -> dict[str, frozenset[int]]:
    seen: dict[str, frozenset[int]] = {}
    for group in groups:
        if group.key in seen:
            raise ValueError(f"duplicate key in {what}: {group.key}")
        seen[group.key] = group.people
    return seen


def _people(n: int) -> str:
    return "1 person" if n == 1 else f"{n} people"


def _admit(
    group: Group, k: int, span: _Span, public_cells: set[frozenset[int]]
) -> tuple[str, _Span | None]:
    """The span with ``group`` visible too, or why it must stay hidden."""
    people = group.people
    if not people:
        return "no people", None
    if len(people) < k:
        return f"fewer than {k} people", None
    for key, other in zip(span.keys, span.groups, strict=True):
        exposed = len(people ^ other)
        if not 0 < exposed < k:
            continue
        if people < other:
            return f"subtracting {group.key} from {key} would expose {_people(exposed)}", None
        if other < people:
            return f"subtracting {key} from {group.key} would expose {_people(exposed)}", None
        return f"{group.key} and {key} differ by only {_people(exposed)}", None
    extended = span.add(group)
    for cell, used in extended.isolated():
        if len(cell) < k and cell not in public_cells:
            others = ", ".join(key for key in used if key != group.key)
            return f"together with {others} it would expose {_people(len(cell))}", None
    return "", extended


@dataclass(frozen=True)
class _Span:
    """Visible groups as exact, reduced indicator rows over people (one column each).

    A cell is the set of people in exactly the same visible groups. Its people have
    identical columns, so at most one reduced row has its pivot in the cell, and the
    cell's total follows from the visible totals iff some row is nonzero on that cell
    alone. One extra column per group records which groups a row combines. Adding a
    group costs one pass over the rows, instead of reducing everything again.
    """

    people: tuple[int, ...]
    column: dict[int, int]
    width: int
    keys: tuple[str, ...] = ()
    groups: tuple[frozenset[int], ...] = ()
    rows: tuple[tuple[int, list[int]], ...] = ()  # (pivot column, integer row)
    cells: tuple[int, ...] = ()  # cell label per person column

    @classmethod
    def empty(cls, everyone: Sequence[int], slots: int) -> _Span:
        people = tuple(everyone)
        column = {person: i for i, person in enumerate(people)}
        return cls(people, column, len(people) + slots, cells=(0,) * len(people))

    def add(self, group: Group) -> _Span:
        """A new span with ``group`` visible too; this one is left as it was."""
        n = len(self.people)
        new = [0] * self.width
        for person in group.people:
            new[self.column[person]] = 1
        new[n + len(self.keys)] = 1
        for pivot, row in self.rows:
            if new[pivot]:
                new = _eliminate(new, row, pivot)
        rows = list(self.rows)
        lead = next((c for c in range(n) if new[c]), None)
        if lead is not None:  # otherwise the group's total already followed from the rest
            rows = [(p, _eliminate(row, new, lead) if row[lead] else row) for p, row in rows]
            rows.append((lead, new))
        labels: dict[tuple[int, bool], int] = {}
        cells = tuple(
            labels.setdefault((cell, person in group.people), len(labels))
            for person, cell in zip(self.people, self.cells, strict=True)
        )
        return replace(
            self,
            keys=(*self.keys, group.key),
            groups=(*self.groups, group.people),
            rows=tuple(rows),
            cells=cells,
        )

    def isolated(self) -> list[tuple[frozenset[int], list[str]]]:
        """Cells whose total follows from the visible totals, with the groups used."""
        n = len(self.people)
        found = []
        for pivot, row in self.rows:
            support = [c for c in range(n) if row[c]]
            if all(self.cells[c] == self.cells[pivot] for c in support):
                used = [key for i, key in enumerate(self.keys) if row[n + i]]
                found.append((frozenset(self.people[c] for c in support), used))
        return found


def _eliminate(row: list[int], pivot_row: list[int], col: int) -> list[int]:
    """``row`` with ``col`` cleared using ``pivot_row``, in integers kept small by gcd."""
    factor, scale = row[col], pivot_row[col]
    combined = [a * scale - b * factor for a, b in zip(row, pivot_row, strict=True)]
    divisor = gcd(*combined)
    return [value // divisor for value in combined] if divisor > 1 else combined


_MARKUP = re.compile(r"<@[^>]*>|<at>.*?</at>|<mailto:[^>]*>", re.IGNORECASE | re.DOTALL)
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_HANDLE = re.compile(r"(?<![\w@])@(\w(?:[\w.-]*\w)?)")
_BROADCASTS = frozenset({"here", "channel", "everyone"})
_WORD = re.compile(r"\w+(?:['’-]\w+)*")
_APOSTROPHE = re.compile(r"['’]")


def _name_pattern(names: Iterable[str]) -> re.Pattern[str] | None:
    variants: set[tuple[str, ...]] = set()
    for name in names:
        words = _WORD.findall(name)
        if words:
            variants.add(tuple(words))
        for word in words:
            variants.add((word,))
            variants.update((part,) for part in word.split("-") if part)
    if not variants:
        return None

    def regex(words: tuple[str, ...]) -> str:
        # Either apostrophe and any run of spaces match, as people type them.
        return r"\s+".join(
            "['’]".join(re.escape(piece) for piece in _APOSTROPHE.split(word)) for word in words
        )

    # Longest first, so "Ana Silva" is taken whole before "Ana".
    ordered = sorted(variants, key=lambda words: (-len(" ".join(words)), words))
    alternatives = "|".join(regex(words) for words in ordered)
    return re.compile(rf"(?<!\w)(?:{alternatives})(?!\w)", re.IGNORECASE)


def _scrub(text: str, pattern: re.Pattern[str] | None) -> str:
    text = _MARKUP.sub(NAME_PLACEHOLDER, text)
    text = _EMAIL.sub(NAME_PLACEHOLDER, text)
    text = _HANDLE.sub(
        lambda m: m.group(0) if m.group(1).lower() in _BROADCASTS else NAME_PLACEHOLDER, text
    )
    return text if pattern is None else pattern.sub(NAME_PLACEHOLDER, text)
