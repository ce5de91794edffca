"""The authorization matrix: every registered command and action × every role, through Bolt.

The rules are declared where commands are registered (`roles=` on `router.command` and
`router.action`) and enforced in one place (`handlers.router._check_role`). These tests read
the registry, so a new command or button is covered the day it is registered.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from bot.slack.standin import SlackStandIn, SlackUser
from handlers.router import EVERYONE, HR_ONLY, Permission, allowed_roles_text
from handlers.types import Role
from tests.conftest import ANSWERS, BOT_TOKEN, FakeClock, SlackHarness, running_candor

# One person per role (and reports, so the manager is one), in the conftest ORG_CSV style.
ORG_CSV = """email,name,manager_email,department,title,role
vera@example.com,Vera Admin,,IT,Administrator,admin
hugo@example.com,Hugo Partner,,People,People Partner,hr
mona@example.com,Mona Lead,,Payments,Engineering Manager,manager
eli@example.com,Eli Report,mona@example.com,Payments,Engineer,
fay@example.com,Fay Report,mona@example.com,Payments,Engineer,
"""
USERS = [
    SlackUser("U0VERA", "vera", "Vera Admin", "vera@example.com"),
    SlackUser("U0HUGO", "hugo", "Hugo Partner", "hugo@example.com"),
    SlackUser("U0MONA", "mona", "Mona Lead", "mona@example.com"),
    SlackUser("U0ELI", "eli", "Eli Report", "eli@example.com"),
    SlackUser("U0FAY", "fay", "Fay Report", "fay@example.com"),
]
AS_ROLE = {Role.ADMIN: "U0VERA", Role.HR: "U0HUGO", Role.MANAGER: "U0MONA", Role.EMPLOYEE: "U0ELI"}
NAMES = {"Vera Admin": Role.ADMIN, "Hugo Partner": Role.HR, "Mona Lead": Role.MANAGER}
MANAGERS_UP = frozenset({Role.MANAGER, Role.HR, Role.ADMIN})

# The policy, pinned: a change to who may do what must change this table too.
POLICY: dict[str, frozenset[Role]] = {
    "/kudos": EVERYONE,
    "/digest": HR_ONLY,
    "/calibration": HR_ONLY,
    "/themes": MANAGERS_UP,
    "/candor": EVERYONE,
    "/candor help": EVERYONE,
    "/candor privacy": EVERYONE,
    "/candor ai": EVERYONE,
    "/candor audit": HR_ONLY,
    "/candor mydata": EVERYONE,
    "/candor erase": EVERYONE,  # for oneself; naming someone else is HR's (checked in the handler)
    "/candor skills": EVERYONE,  # own profile; a report's for their managers only (in the handler)
    "/candor mentor": EVERYONE,
    "/checkin": EVERYONE,
    "/checkin help": EVERYONE,
    "/checkin settings": EVERYONE,
    "/checkin setup": MANAGERS_UP,  # a manager for their team; HR and admins for the default
    "checkin.open": EVERYONE,
    "checkin.answer": EVERYONE,
    "checkin.prefs": EVERYONE,
    "checkin.plan": MANAGERS_UP,
    "/goal": EVERYONE,
    "/goal add": EVERYONE,  # team goals for managers, company goals for HR (per field)
    "/goal done": EVERYONE,  # the owner only (checked in the handler)
    "/goal edit": EVERYONE,
    "/goal help": EVERYONE,
    "/goal list": EVERYONE,
    "/goal team": MANAGERS_UP,
    "/goal update": EVERYONE,
    "goal.edit": EVERYONE,
    "goal.progress": EVERYONE,
    "goal.submit.add": EVERYONE,
    "goal.submit.edit": EVERYONE,
    "goal.submit.progress": EVERYONE,
    "/oneonone": MANAGERS_UP,  # with someone in the manager's own line (checked in the handler)
    "/oneonone agenda": EVERYONE,  # the two people in that 1:1 only
    "/oneonone cancel": MANAGERS_UP,
    "/oneonone help": EVERYONE,
    "/oneonone list": EVERYONE,
    "oneonone.schedule": MANAGERS_UP,
    "agenda.add": EVERYONE,
    "agenda.done": EVERYONE,
    "agenda.new": EVERYONE,
    "prep.add": MANAGERS_UP,  # the meeting's manager only
    "prep.share": MANAGERS_UP,
    "prep.snooze": MANAGERS_UP,
    "evidence.show": EVERYONE,  # the subject and their manager chain only
    "/candor home": EVERYONE,  # each person's own picture, by role
    "/candor settings": EVERYONE,  # `org` is HR's and admins' (checked in the handler)
    "home.help": EVERYONE,
    "home.settings": EVERYONE,
    "settings.personal": EVERYONE,
    "home.org_settings": HR_ONLY,
    "settings.org": HR_ONLY,
    "kudos.coach.post": EVERYONE,  # re-checked exactly as a typed /kudos
    "kudos.coach.edit": EVERYONE,
    "/feedback": EVERYONE,
    "/feedback give": EVERYONE,  # not about yourself or your own report (checked in the handler)
    "/feedback help": EVERYONE,
    "/feedback pending": EVERYONE,
    "/feedback request": EVERYONE,
    "feedback.answer": EVERYONE,  # only the person asked
    "feedback.decline": EVERYONE,
    "feedback.give": EVERYONE,
    "feedback.open": EVERYONE,
    "/review": EVERYONE,
    "/review self": EVERYONE,
    "review.self_submit": EVERYONE,
    "/review note": MANAGERS_UP,  # people in the manager's own line only
    "/review rate": MANAGERS_UP,  # people in the manager's own line only
    "review.note_submit": MANAGERS_UP,
    "review.rate_submit": MANAGERS_UP,
    "/review draft": MANAGERS_UP,  # own reports only
    "review.draft.approve": MANAGERS_UP,  # only the manager who asked for the draft
    "review.draft.discard": MANAGERS_UP,
    "review.draft.edit": MANAGERS_UP,
    "review.draft.regenerate": MANAGERS_UP,
    "review.draft.save": MANAGERS_UP,
    "digest.theme": HR_ONLY,
    "calibration.open": HR_ONLY,
    "privacy.approve": HR_ONLY,
    "privacy.reject": HR_ONLY,
    "privacy.cancel": HR_ONLY,
}


@pytest.fixture
async def org(tmp_path: Path, database_url: str, clock: FakeClock) -> AsyncIterator[SlackHarness]:
    async with (
        SlackStandIn(users=USERS, token=BOT_TOKEN) as standin,
        running_candor(tmp_path, database_url, standin, clock, org_csv=ORG_CSV) as harness,
    ):
        yield harness


async def _send(org: SlackHarness, permission: Permission, user: str) -> list[Any]:
    """Use a command or press a button as `user`; return every answer Candor gave."""
    before = len(org.standin.calls)
    if permission.kind == "command":
        top, _, sub = permission.name.lstrip("/").partition(" ")
        await org.kudos(sub, command=f"/{top}", user=user)
    else:
        await org.click(permission.name, "", user=user)
    return [c for c in org.standin.calls[before:] if c.method in ANSWERS]


def _refusal(permission: Permission) -> str:
    what = permission.name if permission.kind == "command" else "this"
    return f"Only {allowed_roles_text(permission.roles)} can use {what}."


def test_the_directory_gives_each_test_person_their_role() -> None:
    assert set(AS_ROLE) == set(Role)


def test_the_declared_policy() -> None:
    from handlers.catalog import build_router

    declared = {p.name: p.roles for p in build_router().permissions()}
    # A new command or action must take a position in this table.
    assert set(declared) == set(POLICY)
    for name, roles in POLICY.items():
        assert declared.get(name) == roles, name


def test_every_command_and_action_declares_its_roles() -> None:
    from handlers.catalog import build_router

    router = build_router()
    permissions = router.permissions()
    assert {p.name for p in permissions if p.kind == "command"} == {
        f"/{n}" for n in router.commands
    }
    assert {p.name for p in permissions if p.kind == "action"} == set(router.actions)
    assert all(p.roles and p.roles <= EVERYONE for p in permissions)


@pytest.mark.parametrize("role", list(Role), ids=[r.value for r in Role])
async def test_every_command_and_action_allows_and_denies_by_role(
    org: SlackHarness, role: Role
) -> None:
    assert org.candor.store.people.by_email("eli@example.com") is not None
    mismatches: list[str] = []
    for permission in org.candor.router.permissions():
        answers = await _send(org, permission, AS_ROLE[role])
        rendered = json.dumps([c.args.get("blocks") or c.args.get("text") for c in answers])
        refused = "can use" in rendered and "Only " in rendered
        if not answers:
            mismatches.append(f"{permission.name}: no answer at all")
        elif permission.allows(role) and refused:
            mismatches.append(f"{permission.name}: refused but {role} is allowed")
        elif not permission.allows(role):
            if _refusal(permission) not in rendered:
                mismatches.append(f"{permission.name}: {role} was not refused")
            # The refusal says who may, by name, when a role is restricted.
            allowed_names = [n for n, r in NAMES.items() if r in permission.roles]
            if allowed_names and not any(n in rendered for n in allowed_names):
                mismatches.append(f"{permission.name}: the refusal names nobody who may")
    assert mismatches == []


async def test_a_person_outside_the_directory_is_refused_everything(org: SlackHarness) -> None:
    org.standin.add_user(SlackUser("U0NEW", "new", "New Person", "new@example.com"))
    for permission in org.candor.router.permissions():
        rendered = json.dumps([c.args.get("blocks") for c in await _send(org, permission, "U0NEW")])
        assert "not in Candor's org directory" in rendered, permission.name


# A three-level org for the data-level matrix: who a manager's /themes may cover.
LINES_CSV = """email,name,manager_email,department,title,role
vp@example.com,Val Price,,Leadership,VP,
lead.a@example.com,Ada Lead,vp@example.com,Payments,Manager,
lead.b@example.com,Ben Lead,vp@example.com,Platform,Manager,
a1@example.com,Abe One,lead.a@example.com,Payments,Staff Engineer,
a2@example.com,Amy Two,lead.a@example.com,Payments,Engineer,
a1x@example.com,Axel Sub,a1@example.com,Payments,Engineer,
b1@example.com,Bea One,lead.b@example.com,Platform,Engineer,
hr@example.com,Hana Kim,,People,People Partner,hr
"""
LINES_USERS = [
    SlackUser(f"U{email.split('@')[0].upper().replace('.', '')}", email.split("@")[0], "", email)
    for email in (line.split(",")[0] for line in LINES_CSV.splitlines()[1:])
]


def _reports(csv_text: str) -> dict[str, list[str]]:
    rows = [line.split(",") for line in csv_text.splitlines()[1:]]
    direct: dict[str, list[str]] = {}
    for row in rows:
        if row[2]:
            direct.setdefault(row[2], []).append(row[0])
    return direct


def _expected(manager: str, *, skip_level: bool) -> set[str]:
    direct = _reports(LINES_CSV)
    if not skip_level:
        return set(direct.get(manager, []))
    found: set[str] = set()
    stack = list(direct.get(manager, []))
    while stack:
        email = stack.pop()
        found.add(email)
        stack.extend(direct.get(email, []))
    return found


@pytest.mark.parametrize("skip_level", [True, False], ids=["skip-level", "direct-only"])
async def test_a_managers_themes_cover_their_reports_and_nobody_else(
    tmp_path: Path,
    database_url: str,
    clock: FakeClock,
    monkeypatch: pytest.MonkeyPatch,
    skip_level: bool,
) -> None:
    import handlers.digest as digest

    scopes: list[frozenset[int]] = []
    original = digest.build_report

    async def spy(services: Any, scope: Any, window: Any) -> Any:
        scopes.append(scope.people)
        return await original(services, scope, window)

    monkeypatch.setattr(digest, "build_report", spy)
    env = {"CANDOR_SKIP_LEVEL": "on" if skip_level else "off"}
    async with (
        SlackStandIn(users=LINES_USERS, token=BOT_TOKEN) as standin,
        running_candor(tmp_path, database_url, standin, clock, org_csv=LINES_CSV, **env) as org,
    ):
        people = org.candor.store.people.all()
        email_of = {p.id: p.email for p in people}
        for user in LINES_USERS:
            person = org.candor.store.people.by_email(str(user.email))
            assert person is not None
            scopes.clear()
            await org.kudos("", command="/themes", user=user.id)
            expected = _expected(person.email, skip_level=skip_level)
            if Role(person.role) == Role.EMPLOYEE or not expected:
                assert scopes == [], person.email  # refused, or nobody reports to them
                continue
            [covered] = scopes
            assert {email_of[i] for i in covered} == expected, person.email
        replies = json.dumps([c.args.get("blocks") for c in standin.calls_to("response_url")])
        assert ("your team" if skip_level else "your direct reports") in replies

    # Axel reports to Abe, who reports to Ada: only skip-level access shows Ada's whole line.
    assert _expected("lead.a@example.com", skip_level=True) == {
        "a1@example.com",
        "a2@example.com",
        "a1x@example.com",
    }
