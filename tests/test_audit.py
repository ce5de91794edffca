"""The audit log: reads by managers and HR are recorded, and HR exports it as CSV."""

from __future__ import annotations

import csv
import io
import json
import os
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest

from bot.cli import main
from handlers.audit import COLUMNS, audit_command, audit_csv
from handlers.messages import ToPerson, ToRequester
from handlers.services import RequestContext, utc_now
from handlers.types import Command
from store.repository import Store
from tests.conftest import FakeClock, SlackHarness
from tests.digest_org import TOPICS, ThemeLabeller, posted, running_digest_org


@pytest.fixture
async def org(tmp_path: Path, database_url: str, clock: FakeClock) -> AsyncIterator[SlackHarness]:
    async with running_digest_org(
        tmp_path, database_url, clock, llm=ThemeLabeller(responses=["unused"])
    ) as harness:
        yield harness


def _rows(data: bytes) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(data.decode("utf-8"))))


async def _digest_and_details(org: SlackHarness) -> None:
    await org.post(org.command_body("", command="/digest", user="U0HR", channel="C0PEOPLE"))
    await org.settle(len(org.standin.calls), quiet=0.5)
    [post] = posted(org, "C0PEOPLE")
    value = next(
        e["value"]
        for b in post.args["blocks"]
        if b["type"] == "actions"
        for e in b["elements"]
        if e["action_id"] == "digest.theme"
    )
    await org.click("digest.theme", value, user="U0HR")


async def test_hr_and_manager_reads_are_logged_as_aggregates_without_people(
    org: SlackHarness,
) -> None:
    await _digest_and_details(org)
    await org.kudos("", command="/themes", user="UPA0")  # the Payments lead

    store = org.candor.store
    hr = store.people.by_email("hr@x.io")
    lead = store.people.by_email("payments0@x.io")
    assert hr is not None and lead is not None
    reads = {e.subject_kind: e for e in store.audit.events(action="read.aggregate")}
    assert set(reads) == {"digest", "theme", "themes"}
    digest, theme, themes = reads["digest"], reads["theme"], reads["themes"]
    assert digest.actor_id == hr.id and digest.detail["role"] == "hr"
    assert digest.detail["scope"] == "all" and digest.detail["records"] > 0
    assert theme.detail["theme"].startswith("t") and theme.detail["records"] > 0
    assert themes.actor_id == lead.id and themes.detail["role"] == "manager"
    assert themes.detail["scope"] == f"team:{lead.id}"
    for event in reads.values():
        assert event.subject_id is None  # a group, not a person
        assert set(event.detail) <= {"role", "scope", "weeks", "end", "records", "themes", "theme"}


async def test_every_ai_output_is_audited(org: SlackHarness) -> None:
    await _digest_and_details(org)

    outputs = {o.id: o for o in org.candor.store.ai_outputs.recent()}
    events = {e.subject_id: e for e in org.candor.store.audit.events(action="ai.output")}
    assert outputs and set(events) == set(outputs)
    for output_id, event in events.items():
        assert event.detail["inputs"] == len(outputs[output_id].input_ids)
        assert event.detail["prompt"] == "theme_summaries@1"


async def test_hr_exports_the_audit_log_as_csv_in_a_dm(org: SlackHarness) -> None:
    await _digest_and_details(org)
    org.standin.clear()

    await org.kudos("audit 7", command="/candor", user="U0HR")

    confirm = json.dumps([c.args["blocks"] for c in org.standin.calls_to("response_url")])
    assert "sent you the audit log for the last 7 days" in confirm
    [dm] = org.standin.calls_to("chat.postMessage")
    assert dm.args["channel"].startswith("D") and "Audit log export" in json.dumps(dm.args)
    [exported] = org.candor.store.audit.events(action="audit.exported")
    hr = org.candor.store.people.by_email("hr@x.io")
    assert hr is not None and exported.actor_id == hr.id
    assert exported.detail == {"role": "hr", "days": 7, "events": exported.detail["events"]} | {
        "via": "slack",
        "format": "csv",
    }


async def test_the_export_file_has_every_event_with_ids_only(org: SlackHarness) -> None:
    await _digest_and_details(org)
    hr = org.candor.store.people.by_email("hr@x.io")
    assert hr is not None

    command = Command("candor", ("30",), "slack", "U0HR", "req-1")
    ctx = RequestContext(org.candor.services, hr, None)  # type: ignore[arg-type]
    dm, confirm = await audit_command(command, ctx)

    assert dm.to == ToPerson(hr.id) and confirm.to == ToRequester()
    [attachment] = dm.message.attachments
    assert attachment.mime_type == "text/csv" and attachment.filename.endswith(".csv")
    rows = _rows(attachment.data)
    assert tuple(rows[0]) == COLUMNS
    actions = {r["action"] for r in rows}
    assert {"kudos.created", "ai.output", "read.aggregate"} <= actions
    roles: dict[str, set[str]] = {}
    for row in rows:
        roles.setdefault(row["action"], set()).add(row["actor_role"])
    assert roles["ai.output"] == {"system"} and roles["read.aggregate"] == {"hr"}
    # Kudos events recorded no role: the export shows each giver's role in the directory.
    assert roles["kudos.created"] == {"employee", "manager"}
    raw = attachment.data.decode()
    for reason in TOPICS.values():
        assert reason[:25] not in raw
    assert "Person" not in raw and "@x.io" not in raw
    # The export itself is in the log.
    [exported] = org.candor.store.audit.events(action="audit.exported")
    assert exported.detail["events"] == len(rows)


async def test_the_export_covers_only_the_days_asked_for(org: SlackHarness) -> None:
    store = org.candor.store
    now = org.clock()
    store.audit.add(
        at=now - timedelta(days=40), actor_id=None, action="old", subject_kind="x", subject_id=1
    )
    data, count = audit_csv(store, now - timedelta(days=30))

    assert "old" not in {r["action"] for r in _rows(data)} and count == len(_rows(data))
    data, _ = audit_csv(store, now - timedelta(days=41))
    assert "old" in {r["action"] for r in _rows(data)}


async def test_spreadsheet_formulas_in_the_export_are_defused(org: SlackHarness) -> None:
    org.candor.store.audit.add(
        at=org.clock(), actor_id=None, action="=HYPERLINK(1)", subject_kind="+x", subject_id=None
    )
    data, _ = audit_csv(org.candor.store, org.clock() - timedelta(days=1))

    [row] = [r for r in _rows(data) if "HYPERLINK" in r["action"]]
    assert row["action"] == "'=HYPERLINK(1)" and row["subject_kind"] == "'+x"


@pytest.mark.parametrize(
    ("text", "reason"), [("audit lots", "number of days"), ("audit 0", "between 1 and")]
)
async def test_bad_export_requests_get_the_usage(org: SlackHarness, text: str, reason: str) -> None:
    await org.kudos(text, command="/candor", user="U0HR")

    rendered = json.dumps([c.args["blocks"] for c in org.standin.calls_to("response_url")])
    assert reason in rendered and "/candor audit [days]" in rendered
    assert org.candor.store.audit.events(action="audit.exported") == []


def test_the_cli_exports_the_audit_log(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    for name in list(os.environ):
        if name.startswith(("SLACK_", "CANDOR_")) or name in ("DATABASE_URL", "CHROMA_URL"):
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)
    url = f"sqlite:///{tmp_path / 'candor.db'}"
    monkeypatch.setenv("DATABASE_URL", url)
    store = Store.open(url)
    store.audit.record_read(
        at=utc_now(),
        actor_id=7,
        actor_role="hr",
        scope="individual",
        subject_kind="mydata",
        subject_id=3,
        detail={"records": 2},
    )
    store.close()
    out = tmp_path / "audit.csv"

    assert main(["audit", "export", "--out", str(out), "--days", "7"]) == 0

    assert "Wrote 1 audit events" in capsys.readouterr().out
    [row] = _rows(out.read_bytes())
    assert row["actor_id"] == "7" and row["actor_role"] == "hr"
    assert row["action"] == "read.individual" and row["subject_id"] == "3"
    assert json.loads(row["detail"]) == {"records": 2, "role": "hr"}
    store = Store.open(url)
    [exported] = store.audit.events(action="audit.exported")
    store.close()
    assert exported.actor_id is None and exported.detail["via"] == "cli"

    as_json = tmp_path / "audit.json"
    assert main(["audit", "export", "--out", str(as_json), "--days", "7"]) == 0
    document = json.loads(as_json.read_text())
    assert [e["action"] for e in document["events"]][:1] == ["read.individual"]
    assert document["ai_outputs"] == []
    assert main(["audit", "export", "--out", str(out), "--days", "0"]) == 2
    assert "--days must be between 1 and" in capsys.readouterr().err
