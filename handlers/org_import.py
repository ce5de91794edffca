"""Importing the org directory from a CSV file: validated whole, applied in one transaction."""

from __future__ import annotations

import asyncio
import csv
import io
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

from handlers.errors import UsageError
from handlers.ports import PlatformDirectory
from handlers.types import Role
from store.people import DirectoryEntry, ImportSummary
from store.repository import Store

REQUIRED_COLUMNS = ("email", "name", "manager_email")
OPTIONAL_COLUMNS = ("department", "title", "role")
_EMAIL = re.compile(r"^[^@\s,;<>]+@[^@\s,;<>]+\.[^@\s,;<>]+$")
_ROLES = {r.value for r in Role}


class OrgImportError(UsageError):
    """The file was rejected; `problems` lists every bad row by line number."""

    def __init__(self, problems: list[str]) -> None:
        shown = problems[:50]
        more = f"\n… and {len(problems) - 50} more" if len(problems) > 50 else ""
        super().__init__(
            "The org file was not imported (nothing changed):\n  " + "\n  ".join(shown) + more
        )
        self.problems = problems


@dataclass(frozen=True)
class ImportReport:
    """What an import did, including Slack ids it could and could not resolve."""

    summary: ImportSummary
    slack_linked: int = 0
    slack_missing: list[str] = field(default_factory=list)


def parse_directory_csv(content: str, existing: Mapping[str, str | None]) -> list[DirectoryEntry]:
    """Validate an org CSV against itself and the people already stored.

    Args:
        content: the file's text, with a header row.
        existing: email → manager email of everyone already in the directory.

    Raises:
        OrgImportError: listing every problem with its line number; nothing is returned then.
    """
    reader = csv.DictReader(io.StringIO(content.lstrip("\ufeff")))
    header = [h.strip().lower() for h in reader.fieldnames or []]
    missing = [c for c in REQUIRED_COLUMNS if c not in header]
    if missing:
        raise OrgImportError(
            [
                f"line 1: missing column(s) {', '.join(missing)}; expected "
                f"{','.join(REQUIRED_COLUMNS + OPTIONAL_COLUMNS)} (role is optional)"
            ]
        )
    problems: list[str] = []
    rows: list[tuple[int, dict[str, str]]] = []
    first_line: dict[str, int] = {}
    for row in reader:
        line = reader.line_num
        values = {k.strip().lower(): (v or "").strip() for k, v in row.items() if k is not None}
        if not any(values.values()):
            continue
        email = values.get("email", "").lower()
        manager = values.get("manager_email", "").lower()
        role = values.get("role", "").lower()
        if not _EMAIL.match(email):
            problems.append(f"line {line}: {email or '(empty)'} is not a valid email")
        elif email in first_line:
            problems.append(
                f"line {line}: duplicate email {email} (first on line {first_line[email]})"
            )
        else:
            first_line[email] = line
        if not values.get("name"):
            problems.append(f"line {line}: name is empty")
        if manager and not _EMAIL.match(manager):
            problems.append(f"line {line}: manager_email {manager} is not a valid email")
        if role and role not in _ROLES:
            problems.append(
                f"line {line}: role {role!r} must be one of {', '.join(sorted(_ROLES))}"
            )
        rows.append((line, {**values, "email": email, "manager_email": manager, "role": role}))

    managers: dict[str, str | None] = dict(existing)
    managers.update({v["email"]: v["manager_email"] or None for _, v in rows})
    for line, v in rows:
        manager = v["manager_email"]
        if manager and _EMAIL.match(manager) and manager not in managers:
            problems.append(
                f"line {line}: manager {manager} is neither in the file nor in the directory"
            )
    problems.extend(_cycles(rows, managers))
    if problems:
        raise OrgImportError(problems)

    has_reports = {m for m in managers.values() if m}
    entries = []
    for _, v in rows:
        role = v["role"] or "employee"
        if role == Role.EMPLOYEE and v["email"] in has_reports:
            role = Role.MANAGER.value  # managers are inferred from reporting lines
        entries.append(
            DirectoryEntry(
                email=v["email"],
                name=v["name"],
                manager_email=v["manager_email"] or None,
                department=v.get("department", ""),
                title=v.get("title", ""),
                role=role,
            )
        )
    return entries


def _cycles(
    rows: list[tuple[int, dict[str, str]]], managers: Mapping[str, str | None]
) -> list[str]:
    problems = []
    reported: set[str] = set()
    for line, v in rows:
        chain = [v["email"]]
        seen = {v["email"]}
        current = managers.get(v["email"])
        while current:
            if current in seen:
                loop = chain[chain.index(current) :]
                if not reported & set(loop):
                    problems.append(f"line {line}: reporting cycle {' → '.join([*loop, current])}")
                    reported.update(loop)
                break
            seen.add(current)
            chain.append(current)
            current = managers.get(current)
    return problems


async def import_directory(
    store: Store,
    content: str,
    now: datetime,
    directory: PlatformDirectory | None = None,
    *,
    concurrency: int = 4,
) -> ImportReport:
    """Validate and import an org CSV; then resolve missing chat ids by email.

    Raises:
        OrgImportError: the file is rejected whole; nothing is stored.
    """
    people = store.people.all()
    emails = {p.id: p.email for p in people}
    existing: dict[str, str | None] = {
        p.email: emails.get(p.manager_id) if p.manager_id is not None else None for p in people
    }
    entries = parse_directory_csv(content, existing)
    summary = store.people.upsert_directory(entries, now)
    if directory is None:
        return ImportReport(summary)

    wanted = [p for p in store.people.all() if p.email in {e.email for e in entries}]
    unlinked = [p for p in wanted if getattr(p, f"{directory.platform}_user_id") is None]
    gate = asyncio.Semaphore(concurrency)

    async def lookup(email: str) -> str | None:
        async with gate:
            return await directory.lookup_by_email(email)

    found = await asyncio.gather(*(lookup(p.email) for p in unlinked))
    missing = []
    linked = 0
    for person, user_id in zip(unlinked, found, strict=True):
        if user_id and person.id is not None:
            store.people.link_platform_id(directory.platform, person.id, user_id, now)
            profile = await directory.user(user_id)  # cached by the lookup where it can be
            store.people.set_tz(person.id, profile.tz if profile else None, now)
            linked += 1
        else:
            missing.append(person.email)
    return ImportReport(summary, slack_linked=linked, slack_missing=missing)
