"""Logs never hold feedback text, names, emails or tokens, across a full day of use.

The flow runs at the most verbose production setting (`configure_logging("DEBUG")`) through the
real Bolt app and the Teams endpoint: kudos, an error that quotes user text, the HR digest with
its chart and Details, a manager's themes, the privacy commands, help, an audit export, and a
kudos in Teams. Every captured record, formatted with its exception, is checked.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import pytest

from bot.logging_setup import configure_logging
from tests.conftest import BOT_TOKEN, ORG_CSV, SIGNING_SECRET, FakeClock
from tests.digest_org import ThemeLabeller, org_and_users, posted, running_digest_org
from tests.teams_fixtures import LI, SAM, personal_message, running_teams

SLACK_KUDOS = "for the quietly heroic database failover"
TEAMS_KUDOS = "for the midnight rollback rescue"
# Distinctive phrases of the seeded feedback (tests/test_digest.py TOPICS) and of this flow.
FEEDBACK = (
    SLACK_KUDOS,
    TEAMS_KUDOS,
    "synergy",
    "production outage calmly",
    "mentoring new engineers",
    "design critique",
    "checkout flow prototypes",
)


def _org_names_and_emails(*csv_texts: str) -> list[str]:
    found = []
    for csv_text in csv_texts:
        for line in csv_text.splitlines()[1:]:
            email, name = line.split(",")[:2]
            found += [email, name]
    return found


async def test_a_full_flow_logs_ids_never_content(
    tmp_path: Path,
    database_url: str,
    clock: FakeClock,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    configure_logging("DEBUG")  # the most verbose production setting
    caplog.set_level(logging.DEBUG)
    async with running_digest_org(
        tmp_path,
        database_url,
        clock,
        llm=ThemeLabeller(responses=["unused"]),
        CANDOR_HR_CHANNEL="C0HR",
    ) as org:
        assert await org.kudos(f"<@UPA2|payments2> {SLACK_KUDOS} #courage", user="UPA1") == 200
        await org.kudos("<@UPA2|payments2> for the docs #synergy", user="UPA1")  # refused

        def broken(**kwargs: Any) -> None:
            raise RuntimeError(f"boom: {kwargs['text']}")  # an error that quotes user text

        with monkeypatch.context() as patch:
            patch.setattr(org.candor.store.kudos, "create", broken)
            await org.kudos(f"<@UPA3|payments3> {SLACK_KUDOS}", user="UPA1")
        await org.candor.indexer.drain_once()

        await org.post(org.command_body("", command="/digest", user="U0HR", channel="C0PEOPLE"))
        await org.settle(len(org.standin.calls), quiet=0.5)
        [post] = posted(org, "C0PEOPLE")
        assert org.standin.uploaded_files  # the chart went out
        buttons = [
            e["value"] for b in post.args["blocks"] if b["type"] == "actions" for e in b["elements"]
        ]
        await org.click("digest.theme", buttons[0], user="U0HR")
        await org.kudos("", command="/themes", user="UPA0")
        for sub, user in (
            ("privacy", "UPA1"),
            ("ai", "UPA1"),
            ("help", "UPA1"),
            ("audit 7", "U0HR"),
            ("hlep", "UPA1"),
        ):
            await org.kudos(sub, command="/candor", user=user)
        if "candor mydata" in org.candor.router.commands:
            await org.kudos("mydata", command="/candor", user="UPA1")
        from handlers.digest import weekly_digest

        await org.candor.run_scheduled("weekly digest", weekly_digest)
        assert org.candor.store.audit.events(action="read.self")

    async with running_teams(database_url, clock) as teams:
        assert await teams.send(personal_message("kudos", SAM, f"{TEAMS_KUDOS} #courage")) == 201
        await teams.send(personal_message("candor", "privacy", user=LI))
        await teams.send(personal_message("kudos", SAM, "for the #synergy", user=LI))

    texts = "\n".join(r.getMessage() for r in caplog.records)
    for happened in (
        "command /kudos",  # Slack and Teams
        "/kudos failed, reference",  # the error
        "/kudos refused: UsageError",
        "command /digest",
        "action digest.theme",
        "command /themes",
        "command /candor privacy",
        "command /candor ai",
        "command /candor audit",
        "weekly digest: 1 sent",
    ):
        assert happened in texts, happened
    assert any(r.name.startswith("bot.teams") for r in caplog.records)
    logged = texts + "\n" + caplog.text  # caplog.text carries tracebacks too
    secrets = [
        *FEEDBACK,
        *_org_names_and_emails(org_and_users()[0], ORG_CSV),
        BOT_TOKEN,
        SIGNING_SECRET,
    ]
    leaked = sorted({s for s in secrets if s.lower() in logged.lower()})
    assert leaked == []
