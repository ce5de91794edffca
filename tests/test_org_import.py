"""Importing the org chart: validated whole, applied in one go, Slack ids resolved by email."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.slack.app import make_client
from bot.slack.directory import SlackDirectory
from bot.slack.standin import SlackStandIn
from handlers.org_import import OrgImportError, import_directory
from store.repository import Store
from tests.conftest import ORG_CSV, FakeClock, make_settings

HEADER = "email,name,manager_email,department,title,role\n"


def people(store: Store) -> dict[str, tuple[str | None, str, str]]:
    """email → (manager email, role, title) for everyone stored."""
    everyone = store.people.all()
    emails = {p.id: p.email for p in everyone}
    return {
        p.email: (emails.get(p.manager_id) if p.manager_id else None, p.role, p.title)
        for p in everyone
    }


async def rejected(store: Store, content: str, clock: FakeClock) -> list[str]:
    before = people(store)
    with pytest.raises(OrgImportError) as info:
        await import_directory(store, content, clock())
    assert people(store) == before, "a rejected file must change nothing"
    assert "nothing changed" in info.value.user_message
    for problem in info.value.problems:
        assert problem in info.value.user_message
    return info.value.problems


async def test_a_valid_file_imports_with_managers_and_roles(store: Store, clock: FakeClock) -> None:
    report = await import_directory(store, ORG_CSV, clock())

    s = report.summary
    assert (s.created, s.updated, s.unchanged) == (6, 0, 0)
    assert (report.slack_linked, report.slack_missing) == (0, [])
    assert people(store) == {
        "maya@example.com": (None, "manager", "VP Engineering"),
        "ana@example.com": ("maya@example.com", "manager", "Engineering Manager"),
        "li@example.com": ("ana@example.com", "employee", "Backend Engineer"),
        "sam@example.com": ("ana@example.com", "employee", "Frontend Engineer"),
        "omar@example.com": ("maya@example.com", "employee", "SRE"),
        "hana@example.com": (None, "hr", "People Partner"),
    }
    ana = store.people.by_email("ana@example.com")
    assert ana is not None
    assert (ana.name, ana.department, ana.active) == ("Ana Silva", "Payments", True)


async def test_hr_and_admin_keep_their_role_when_they_have_reports(
    store: Store, clock: FakeClock
) -> None:
    content = HEADER + (
        "hana@example.com,Hana Kim,,People,People Partner,HR\n"
        "ivy@example.com,Ivy Cho,hana@example.com,People,Recruiter,\n"
        "root@example.com,Root Admin,,IT,Admin, admin \n"
        "it@example.com,It Person,root@example.com,IT,Helpdesk,employee\n"
        "boss@example.com,Boss,,Sales,Head of Sales,employee\n"
        "rep@example.com,Rep,boss@example.com,Sales,AE,\n"
    )

    await import_directory(store, content, clock())

    roles = {email: role for email, (_, role, _) in people(store).items()}
    assert roles == {
        "hana@example.com": "hr",
        "ivy@example.com": "employee",
        "root@example.com": "admin",
        "it@example.com": "employee",
        # An explicit "employee" with reports is still a manager: reporting lines decide.
        "boss@example.com": "manager",
        "rep@example.com": "employee",
    }


async def test_reimport_updates_in_place(store: Store, clock: FakeClock) -> None:
    await import_directory(store, ORG_CSV, clock())
    ids = {p.email: p.id for p in store.people.all()}
    changed = ORG_CSV.replace(
        "li@example.com,Li Wei,ana@example.com,Payments,Backend Engineer,",
        "LI@Example.com,Li Wei,maya@example.com,Payments,Staff Engineer,",
    )
    assert changed != ORG_CSV
    clock.advance(days=1)

    report = await import_directory(store, changed, clock())

    s = report.summary
    assert (s.created, s.updated, s.unchanged) == (0, 1, 5)
    assert {p.email: p.id for p in store.people.all()} == ids
    assert people(store)["li@example.com"] == ("maya@example.com", "employee", "Staff Engineer")
    li = store.people.by_email("li@example.com")
    assert li is not None and li.updated_at == clock()

    again = await import_directory(store, changed, clock())
    assert (again.summary.created, again.summary.updated, again.summary.unchanged) == (0, 0, 6)


async def test_people_not_in_the_file_are_left_alone(store: Store, clock: FakeClock) -> None:
    await import_directory(store, ORG_CSV, clock())

    report = await import_directory(
        store, HEADER + "new@example.com,New Person,ana@example.com,Payments,Engineer,\n", clock()
    )

    assert (report.summary.created, report.summary.updated) == (1, 0)
    stored = people(store)
    assert len(stored) == 7
    # The manager exists only in the directory, not in the file: accepted and linked.
    assert stored["new@example.com"] == ("ana@example.com", "employee", "Engineer")
    assert stored["hana@example.com"] == (None, "hr", "People Partner")


async def test_bom_blank_lines_and_optional_columns_are_tolerated(
    store: Store, clock: FakeClock
) -> None:
    content = (
        "\ufeffEmail , Name,Manager_Email\r\n"
        "\r\n"
        "maya@example.com,Maya Okafor,\r\n"
        " , , \r\n"
        "li@example.com,Li Wei,maya@example.com\r\n"
    )

    report = await import_directory(store, content, clock())

    assert report.summary.created == 2
    stored = people(store)
    assert stored == {
        "maya@example.com": (None, "manager", ""),
        "li@example.com": ("maya@example.com", "employee", ""),
    }


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        pytest.param(
            HEADER + "maya@example.com,Maya,,,,\n" + "li@example.com,Li,ghost@example.com,,,\n",
            ["line 3: manager ghost@example.com is neither in the file nor in the directory"],
            id="unknown-manager",
        ),
        pytest.param(
            HEADER
            + "maya@example.com,Maya,,,,\n"
            + "li@example.com,Li,maya@example.com,,,\n"
            + "MAYA@example.com,Maya Again,,,,\n",
            ["line 4: duplicate email maya@example.com (first on line 2)"],
            id="duplicate-email",
        ),
        pytest.param(
            HEADER
            + "maya@example.com,Maya,,,,\n"
            + "a@example.com,A,b@example.com,,,\n"
            + "b@example.com,B,a@example.com,,,\n",
            ["line 3: reporting cycle a@example.com → b@example.com → a@example.com"],
            id="cycle",
        ),
        pytest.param(
            HEADER + "maya@example.com,Maya,maya@example.com,,,\n",
            ["line 2: reporting cycle maya@example.com → maya@example.com"],
            id="self-manager",
        ),
        pytest.param(
            HEADER + "maya@example.com,Maya,,,,\n" + "li at example.com,Li,maya@example.com,,,\n",
            ["line 3: li at example.com is not a valid email"],
            id="invalid-email",
        ),
        pytest.param(
            HEADER + "maya@example.com,Maya,,,,boss\n",
            ["line 2: role 'boss' must be one of admin, employee, hr, manager"],
            id="invalid-role",
        ),
        pytest.param(
            HEADER + "maya@example.com,,,,,\n",
            ["line 2: name is empty"],
            id="empty-name",
        ),
        pytest.param(
            "email,name,department\nmaya@example.com,Maya,Leadership\n",
            [
                "line 1: missing column(s) manager_email; expected "
                "email,name,manager_email,department,title,role (role is optional)"
            ],
            id="missing-column",
        ),
        pytest.param(
            HEADER
            + "\n"
            + "maya@example.com,Maya,,,,\n"
            + "\n"
            + "li@example.com,Li,ghost@example.com,,,\n",
            ["line 5: manager ghost@example.com is neither in the file nor in the directory"],
            id="line-numbers-count-blank-lines",
        ),
    ],
)
async def test_bad_files_are_rejected_with_line_numbers(
    store: Store, clock: FakeClock, content: str, expected: list[str]
) -> None:
    assert await rejected(store, content, clock) == expected
    assert store.people.all() == []


async def test_an_invalid_manager_email_is_named(store: Store, clock: FakeClock) -> None:
    problems = await rejected(store, HEADER + "maya@example.com,Maya,not-an-email,,,\n", clock)

    assert problems[0] == "line 2: manager_email not-an-email is not a valid email"
    assert all(p.startswith("line 2: ") for p in problems)


async def test_every_problem_is_listed_and_valid_rows_are_not_stored(
    store: Store, clock: FakeClock
) -> None:
    await import_directory(store, ORG_CSV, clock())
    content = HEADER + (
        "li@example.com,Li Wei,maya@example.com,Payments,Renamed Title,\n"
        "new@example.com,New Person,ana@example.com,Payments,Engineer,\n"
        "bad-email,Someone,,,,\n"
        "x@example.com,X,nobody@example.com,,,\n"
        "y@example.com,Y,,,,wizard\n"
    )

    problems = await rejected(store, content, clock)

    assert [p.split(":")[0] for p in problems] == ["line 4", "line 6", "line 5"]
    assert store.people.by_email("new@example.com") is None
    assert people(store)["li@example.com"] == ("ana@example.com", "employee", "Backend Engineer")


async def test_a_cycle_through_the_directory_is_rejected(store: Store, clock: FakeClock) -> None:
    await import_directory(store, ORG_CSV, clock())

    # maya → li in the file; li → ana → maya already in the directory.
    problems = await rejected(
        store, HEADER + "maya@example.com,Maya Okafor,li@example.com,,,\n", clock
    )

    assert len(problems) == 1
    assert problems[0].startswith("line 2: reporting cycle maya@example.com → li@example.com")


def test_a_long_list_of_problems_is_shortened_in_the_message() -> None:
    error = OrgImportError([f"line {n}: bad" for n in range(2, 62)])

    assert len(error.problems) == 60
    assert "line 51: bad" in error.user_message
    assert "line 52: bad" not in error.user_message
    assert "… and 10 more" in error.user_message


# --- Slack ids ------------------------------------------------------------------------------


def slack_directory(tmp_path: Path, database_url: str, standin: SlackStandIn) -> SlackDirectory:
    return SlackDirectory(make_client(make_settings(tmp_path, database_url, standin.base_url)))


async def test_slack_ids_are_resolved_by_email(
    store: Store, clock: FakeClock, standin: SlackStandIn, tmp_path: Path, database_url: str
) -> None:
    content = ORG_CSV + "zoe@example.com,Zoe Not-In-Slack,maya@example.com,Sales,AE,\n"

    report = await import_directory(
        store, content, clock(), slack_directory(tmp_path, database_url, standin)
    )

    assert report.summary.created == 7
    assert report.slack_linked == 6
    assert report.slack_missing == ["zoe@example.com"]
    linked = {p.email: p.slack_user_id for p in store.people.all()}
    assert linked == {
        "maya@example.com": "U0MAYA",
        "ana@example.com": "U0ANA",
        "li@example.com": "U0LI",
        "sam@example.com": "U0SAM",
        "omar@example.com": "U0OMAR",
        "hana@example.com": "U0HANA",
        "zoe@example.com": None,
    }
    looked_up = sorted(c.args["email"] for c in standin.calls_to("users.lookupByEmail"))
    assert looked_up == sorted(linked)


async def test_people_already_linked_are_not_looked_up_again(
    store: Store, clock: FakeClock, standin: SlackStandIn, tmp_path: Path, database_url: str
) -> None:
    directory = slack_directory(tmp_path, database_url, standin)
    content = ORG_CSV + "zoe@example.com,Zoe Not-In-Slack,maya@example.com,Sales,AE,\n"
    await import_directory(store, content, clock(), directory)
    standin.clear()

    report = await import_directory(store, content, clock(), directory)

    assert [c.args["email"] for c in standin.calls_to("users.lookupByEmail")] == ["zoe@example.com"]
    assert (report.slack_linked, report.slack_missing) == (0, ["zoe@example.com"])
    assert report.summary.unchanged == 7
    maya = store.people.by_email("maya@example.com")
    assert maya is not None and maya.slack_user_id == "U0MAYA"


async def test_a_rejected_file_makes_no_slack_calls(
    store: Store, clock: FakeClock, standin: SlackStandIn, tmp_path: Path, database_url: str
) -> None:
    directory = slack_directory(tmp_path, database_url, standin)

    with pytest.raises(OrgImportError):
        await import_directory(
            store, HEADER + "maya@example.com,Maya,ghost@example.com,,,\n", clock(), directory
        )

    assert standin.calls_to("users.lookupByEmail") == []
    assert store.people.all() == []
