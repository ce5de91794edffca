"""Team summaries of skill profiles: per competency, how many people show enough evidence,
how many meet their role's expectation and how many have something to develop — counts only,
each hidden unless `insights.anonymity` says it is safe to show. No names, no per-person cells.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from insights.anonymity import Group, effective_min_group, safe_groups
from insights.skills.profile import MEETS, NOT_ENOUGH, Profile


@dataclass(frozen=True)
class TeamRow:
    """One competency's counts; None where showing the number could single someone out."""

    competency: str
    evidenced: int | None
    meets: int | None
    to_develop: int | None


@dataclass(frozen=True)
class TeamSummary:
    """A group's summary; `rows` is empty when the group itself is below the minimum."""

    people: int
    min_group: int
    rows: tuple[TeamRow, ...]

    @property
    def shown(self) -> bool:
        """Whether the group was large enough to summarise at all."""
        return self.people >= self.min_group


def team_summary(
    profiles: Sequence[Profile], competencies: Sequence[str], min_group: int | None
) -> TeamSummary:
    """Summarise the profiles of one group (a manager's team, a department, the org).

    The group's own size is public context; every count is a group of people checked together
    with it and with each other, so no difference of two shown counts isolates fewer than
    `min_group` people.
    """
    k = effective_min_group(min_group)
    everyone = frozenset(p.person_id for p in profiles)
    if len(everyone) < k:
        return TeamSummary(len(everyone), k, ())
    groups: list[Group] = []
    for name in competencies:
        cells = [(p.person_id, p.cell(name)) for p in profiles]
        evidenced = frozenset(pid for pid, c in cells if c is not None and c.status != NOT_ENOUGH)
        meets = frozenset(pid for pid, c in cells if c is not None and c.status == MEETS)
        develop = frozenset(pid for pid, c in cells if c is not None and c.is_gap)
        groups += [
            Group(f"{name}\x00evidenced", evidenced),
            Group(f"{name}\x00meets", meets),
            Group(f"{name}\x00develop", develop),
        ]
    shown = set(safe_groups(groups, k, context=[Group("\x00team", everyone)]).shown)
    by_key = {g.key: g for g in groups}

    def count(name: str, what: str) -> int | None:
        key = f"{name}\x00{what}"
        return len(by_key[key].people) if key in shown else None

    rows = tuple(
        TeamRow(name, count(name, "evidenced"), count(name, "meets"), count(name, "develop"))
        for name in competencies
    )
    return TeamSummary(len(everyone), k, rows)
