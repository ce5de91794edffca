"""The org directory: people, their managers, roles and chat-platform ids."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import or_, update
from sqlalchemy.engine import Engine
from sqlmodel import col, select

from store.db import session_scope
from store.models import Person


@dataclass(frozen=True)
class DirectoryEntry:
    """One validated row of an org import: a person and their manager, by email."""

    email: str
    name: str
    manager_email: str | None
    department: str
    title: str
    role: str
    slack_user_id: str | None = None


@dataclass(frozen=True)
class ImportSummary:
    """What an import changed."""

    created: int
    updated: int
    unchanged: int


def _platform_column(platform: str) -> Any:
    columns = {"slack": Person.slack_user_id, "teams": Person.teams_user_id}
    if platform not in columns:
        raise ValueError(f"unknown platform {platform!r}")
    return col(columns[platform])


class PeopleRepo:
    """Reads and writes the org directory."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def get(self, person_id: int) -> Person | None:
        """One person by id."""
        with session_scope(self._engine) as session:
            return session.get(Person, person_id)

    def many(self, person_ids: Iterable[int]) -> dict[int, Person]:
        """People by id; ids that do not exist are left out."""
        ids = sorted(set(person_ids))
        if not ids:
            return {}
        with session_scope(self._engine) as session:
            rows = session.exec(select(Person).where(col(Person.id).in_(ids)))
            return {p.id: p for p in rows if p.id is not None}

    def by_email(self, email: str) -> Person | None:
        """One person by email (case-insensitive)."""
        with session_scope(self._engine) as session:
            return session.exec(select(Person).where(Person.email == email.strip().lower())).first()

    def by_platform_id(self, platform: str, user_id: str) -> Person | None:
        """One person by their user id on a chat platform ("slack" or "teams")."""
        column = _platform_column(platform)
        with session_scope(self._engine) as session:
            return session.exec(select(Person).where(column == user_id)).first()

    def all(self) -> list[Person]:
        """Everyone, ordered by id."""
        with session_scope(self._engine) as session:
            return list(session.exec(select(Person).order_by(col(Person.id))))

    def link_platform_id(self, platform: str, person_id: int, user_id: str, at: datetime) -> None:
        """Remember a person's id on a chat platform, moving it off anyone who held it before."""
        column = _platform_column(platform)
        attr = column.key
        with session_scope(self._engine) as session:
            for holder in session.exec(select(Person).where(column == user_id)):
                if holder.id != person_id:
                    setattr(holder, attr, None)
                    session.add(holder)
            session.flush()
            person = session.get(Person, person_id)
            if person is not None and getattr(person, attr) != user_id:
                setattr(person, attr, user_id)
                person.updated_at = at
                session.add(person)

    def set_tz(self, person_id: int, tz: str | None, at: datetime) -> None:
        """Remember the person's time zone as their chat profile gives it (IANA name)."""
        if not tz:
            return
        with session_scope(self._engine) as session:
            person = session.get(Person, person_id)
            if person is not None and person.tz != tz:
                person.tz = tz
                person.updated_at = at
                session.add(person)

    def set_slack_team(self, slack_user_ids: Iterable[str], team_id: str) -> int:
        """Record the Slack workspace of the people with these Slack ids (several-workspace
        installs pick a bot token by it). Writes only rows that change; returns how many."""
        ids = sorted({u for u in slack_user_ids if u})
        if not ids or not team_id:
            return 0
        column = col(Person.slack_team_id)
        statement = (
            update(Person)
            .where(col(Person.slack_user_id).in_(ids))
            .where(or_(column.is_(None), column != team_id))
            .values(slack_team_id=team_id)
        )
        with session_scope(self._engine) as session:
            return session.connection().execute(statement).rowcount

    def upsert_directory(self, entries: Sequence[DirectoryEntry], at: datetime) -> ImportSummary:
        """Create or update everyone in `entries` in one transaction, matched by email.

        Entries must already be validated (no unknown managers, duplicates or cycles); people
        not in the file are left untouched. A Slack id is only overwritten by a non-empty one.
        """
        updated = unchanged = 0
        new_emails: set[str] = set()
        with session_scope(self._engine) as session:
            existing = {p.email: p for p in session.exec(select(Person))}
            by_email: dict[str, Person] = {}
            for entry in entries:
                person = existing.get(entry.email)
                if person is None:
                    person = Person(
                        email=entry.email,
                        name=entry.name,
                        department=entry.department,
                        title=entry.title,
                        role=entry.role,
                        created_at=at,
                        updated_at=at,
                    )
                    session.add(person)
                    new_emails.add(entry.email)
                by_email[entry.email] = person
            session.flush()  # new people get ids before managers are linked
            for entry in entries:
                person = by_email[entry.email]
                manager_id = None
                if entry.manager_email:
                    manager = by_email.get(entry.manager_email) or existing.get(entry.manager_email)
                    manager_id = manager.id if manager else None
                wanted = {
                    "name": entry.name,
                    "department": entry.department,
                    "title": entry.title,
                    "role": entry.role,
                    "manager_id": manager_id,
                    "active": True,
                }
                if entry.slack_user_id:
                    wanted["slack_user_id"] = entry.slack_user_id
                changed = {k: v for k, v in wanted.items() if getattr(person, k) != v}
                if changed:
                    for key, value in changed.items():
                        setattr(person, key, value)
                    person.updated_at = at
                    session.add(person)
                    updated += entry.email not in new_emails
                elif entry.email not in new_emails:
                    unchanged += 1
        return ImportSummary(created=len(new_emails), updated=updated, unchanged=unchanged)
