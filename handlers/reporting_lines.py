"""Who reports to whom: the one definition of a manager's team, used wherever access depends on it.

A manager sees their reports' shared data. With skip-level access on (`CANDOR_SKIP_LEVEL`, the
default) that is their whole reporting line; with it off, only the people who report to them
directly.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from store.models import Person


def team_of(
    manager_id: int, people: Iterable[Person], *, direct_only: bool = False
) -> frozenset[int]:
    """Everyone who reports to a manager: directly, or (by default) through other managers too.

    Args:
        manager_id: the manager's person id.
        people: the org directory.
        direct_only: only direct reports (skip-level access off).
    """
    reports: dict[int, list[int]] = defaultdict(list)
    for person in people:
        if person.manager_id is not None and person.id is not None:
            reports[person.manager_id].append(person.id)
    if direct_only:
        return frozenset(reports.get(manager_id, ()))
    found: set[int] = set()
    stack = list(reports.get(manager_id, []))
    while stack:
        pid = stack.pop()
        if pid not in found and pid != manager_id:
            found.add(pid)
            stack.extend(reports.get(pid, []))
    return frozenset(found)
