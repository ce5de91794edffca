"""`candor competencies import`, `candor learning import` and `candor skills link`, run
in-process against an SQLite file."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from tests import test_cli
from tests.conftest import ORG_CSV
from tests.test_cli import Cli

# The `candor` command-line fixtures, shared with tests/test_cli.py.
cli = test_cli.cli
restore_logging = test_cli.restore_logging

YAML = (Path(__file__).parent / "fixtures" / "skills_framework.yaml").read_text()
FRAMEWORK_CSV = """role,level,competency,descriptor
Engineer,2,Communication,Explains complex ideas simply to different audiences.
,1,Communication,Writes clear status updates.
Engineer,2,Delivery,Plans and ships projects on schedule.
"""
CATALOGUE = """title,url,competency,level,format,duration
Writing for busy readers,https://learn.example/writing,Communication,2,course,2h
Shipping small,,Delivery,2,book,
"""


def write(cli: Cli, name: str, content: str) -> str:
    (cli.root / name).write_text(content, encoding="utf-8")
    return name


def test_a_yaml_framework_imports_once_and_updates_in_place(cli: Cli) -> None:
    name = write(cli, "framework.yaml", YAML)

    first = cli.run("competencies", "import", name)
    again = cli.run("competencies", "import", name)
    changed = cli.run(
        "competencies", "import", write(cli, "f.yaml", YAML.replace("Mentoring: 1", "Mentoring: 2"))
    )

    assert first[0] == 0, first[2]
    assert "5 competencies, 10 role expectations — 30 added, 0 updated, 0 unchanged" in first[1]
    assert "0 added, 0 updated, 30 unchanged" in again[1]
    assert "0 added, 1 updated, 29 unchanged" in changed[1]
    framework = cli.store().competencies.framework()
    assert [c.name for c in framework.competencies] == [
        "Collaboration",
        "Communication",
        "Delivery",
        "Mentoring",
        "Technical quality",
    ]
    assert len(framework.levels) == 15


def test_a_csv_framework_imports_and_a_bad_one_is_rejected_by_line(cli: Cli) -> None:
    good = cli.run("competencies", "import", write(cli, "framework.csv", FRAMEWORK_CSV))
    bad_csv = FRAMEWORK_CSV + "Engineer,3,Communication,Leads the narrative.\n,x,Delivery,\n"
    bad = cli.run("competencies", "import", write(cli, "bad.csv", bad_csv))

    assert good[0] == 0, good[2]
    assert "2 competencies, 2 role expectations — 7 added" in good[1]
    assert bad[0] == 2
    assert "nothing changed" in bad[2]
    assert "line 5: Engineer already expects level 2 in Communication (line 2)" in bad[2]
    assert "line 6: level must be a whole number 1-10; descriptor is empty" in bad[2]
    assert len(cli.store().competencies.framework().levels) == 3  # the bad file added nothing


def test_a_yaml_file_naming_an_unknown_competency_is_rejected(cli: Cli) -> None:
    bad = YAML + "  Manager:\n    Leadership: 2\n"

    code, _, err = cli.run("competencies", "import", write(cli, "framework.yaml", bad))

    assert code == 2
    assert "Manager names unknown competency Leadership" in err
    assert cli.store().competencies.framework().competencies == []


def test_the_catalogue_needs_a_framework_then_imports_in_place(cli: Cli) -> None:
    name = write(cli, "catalogue.csv", CATALOGUE)

    early = cli.run("learning", "import", name)
    cli.run("competencies", "import", write(cli, "framework.yaml", YAML))
    first = cli.run("learning", "import", name)
    again = cli.run("learning", "import", name)
    bad = cli.run(
        "learning", "import", write(cli, "bad.csv", CATALOGUE + "Talk,ftp://x,Sales,2,,\n")
    )

    assert early[0] == 2 and "import a competency framework first" in early[2]
    assert "2 added, 0 updated, 0 unchanged" in first[1]
    assert "0 added, 0 updated, 2 unchanged" in again[1]
    assert bad[0] == 2
    assert "line 4: url must start with http:// or https://; unknown competency Sales" in bad[2]
    assert [i.title for i in cli.store().competencies.catalogue()] == [
        "Writing for busy readers",
        "Shipping small",
    ]


def test_skills_link_links_records_to_competencies_idempotently(cli: Cli) -> None:
    cli.run("org", "import", "--no-slack", write(cli, "people.csv", ORG_CSV))
    cli.run("competencies", "import", write(cli, "framework.yaml", YAML))
    store = cli.store()
    li, ana = store.people.by_email("li@example.com"), store.people.by_email("ana@example.com")
    assert li is not None and li.id is not None and ana is not None and ana.id is not None
    # The hashing embedder matches words, so a kudos in a descriptor's own words must link to
    # its competency, and one sharing no words with any descriptor must not link at all.
    for key, text in (
        ("k1", "Writes clear status updates and asks questions when something is unclear."),
        ("k2", "Zebra giraffe okapi."),
    ):
        store.kudos.create(
            giver_id=ana.id,
            recipient_ids=[li.id],
            text=text,
            company_values=[],
            platform="slack",
            channel_id=None,
            request_key=key,
            at=datetime(2026, 3, 2, tzinfo=UTC),
        )

    first = cli.run("skills", "link")
    again = cli.run("skills", "link")

    assert first[0] == 0, first[2]
    assert first[1] == again[1] == "Linked 1 of 2 records to competencies (1 links).\n"
    links = cli.store().skill_evidence.all_links()
    communication = cli.store().competencies.framework().by_name("Communication")
    assert communication is not None
    assert [(x.person_id, x.competency_id, x.level) for x in links] == [
        (li.id, communication.id, 1)
    ]


def test_commands_need_an_action_and_an_existing_file(cli: Cli) -> None:
    missing = cli.run("competencies", "import", "nope.yaml")

    assert missing[0] == 2 and "no such file: nope.yaml" in missing[2]
