"""Erasure in the store and the `candor erase` command (retention: `test_retention.py`).

The core proof: after an erasure, no table in the database and no document in the vector
index holds anything of the person's, while kudos between other people are untouched.
"""

from __future__ import annotations

import io
import os
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlmodel import SQLModel

from bot.cli import main
from store.erasure import ERASED_NAME, ErasureReport, erase_person, preview_erasure
from store.index_documents import checkin_doc_id, feedback_doc_id
from store.indexer import drain_outbox
from store.kudos import doc_id
from store.people import DirectoryEntry
from store.privacy_requests import APPROVED, DONE
from store.repository import Store
from store.vector import ChromaIndex
from store.vector.embedder import HashingEmbedder
from store.vector.index import VectorIndex

NOW = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
PEOPLE = [
    DirectoryEntry("hana@x.io", "Hana Kim", None, "People", "People Partner", "hr"),
    DirectoryEntry("ana@x.io", "Ana Silva", None, "Payments", "Engineering Manager", "manager"),
    DirectoryEntry("li@x.io", "Li Wei", "ana@x.io", "Payments", "Backend Engineer", "manager"),
    DirectoryEntry("sam@x.io", "Sam Rivera", "li@x.io", "Payments", "Engineer", "employee"),
    DirectoryEntry("omar@x.io", "Omar Haddad", "ana@x.io", "Platform", "SRE", "employee"),
]
# What must not survive Li's erasure anywhere: identity, chat ids, a token, exclusive texts.
LI_TRACES = (
    "li@x.io",
    "Li Wei",
    "U0LI",
    "29:li-teams",
    "xoxp-li-token",
    "flaky ledger",
    "refund",
    "waiting on the vendor",  # a check-in blocker
    "ledger rewrite",  # a goal
    "career chat",  # an agenda item in Li's 1:1
    "payout ledger",  # a review draft about Li
    "unblocked the settlement job",  # upward feedback about Li, answering Li's request
    "pager handover notes",  # feedback Li wrote about Omar
    "promotion case",  # Ana's private note about Li
    "proud of the reconciliation",  # Li's self-assessment
)


@dataclass
class Org:
    ids: dict[str, int]
    kudos: dict[str, int]


def give(store: Store, giver: int, to: list[int], words: str, at: datetime = NOW) -> int:
    record = store.kudos.create(
        giver_id=giver,
        recipient_ids=to,
        text=words,
        company_values=["craft"],
        platform="slack",
        channel_id="C0GENERAL",
        request_key=f"slack:T0CANDOR:{uuid.uuid4().hex}",
        at=at,
    )
    assert record is not None
    return record.id


def seed_loop(store: Store, ids: dict[str, int]) -> None:
    """Li's check-in, goal, settings and 1:1 with Ana (with an agenda), and Ana's own goal."""
    li, ana = ids["li"], ids["ana"]
    store.checkins.submit(
        li,
        "2026-W45",
        answers={"progress": "ok", "blockers": "waiting on the vendor"},
        mood=2,
        blocker="waiting on the vendor",
        at=NOW,
    )
    store.settings.set_share_mood(li, True, NOW)
    team_goal = store.goals.add(ana, objective="Ship payments v2", key_results=[], due=None, at=NOW)
    store.goals.add(
        li,
        objective="Finish the ledger rewrite",
        key_results=["p95 under 300 ms"],
        due=None,
        at=NOW,
        parent_id=team_goal.id,
    )
    meeting = store.oneonones.schedule(
        ana,
        li,
        weekday=1,
        hour=10,
        minute=0,
        every_weeks=2,
        tz="Europe/Berlin",
        first_date=NOW.date(),
        at=NOW,
    )
    store.oneonones.add_item(meeting.id or 0, ana, "career chat", at=NOW)
    seed_feedback(store, ids)


def seed_feedback(store: Store, ids: dict[str, int]) -> None:
    """Li asked Sam and Omar for feedback (Sam answered), answered Omar's request, wrote a
    self-assessment; Ana keeps a note about Li; Sam's feedback about Omar is nobody else's."""
    li, sam, omar = (store.people.get(ids[n]) for n in ("li", "sam", "omar"))
    assert li and sam and omar and li.id and sam.id and omar.id
    asked = store.feedback.create_requests(
        "k-li-asks", requester_id=li.id, responder_ids=[sam.id, omar.id], topic="Q4", at=NOW
    )
    assert asked is not None
    store.feedback.answer("k-sam", asked[0].id or 0, sam, "unblocked the settlement job", NOW)
    [omar_asks] = store.feedback.create_requests(
        "k-omar-asks", requester_id=omar.id, responder_ids=[li.id], topic="on-call", at=NOW
    ) or [None]
    assert omar_asks is not None
    store.feedback.answer("k-li", omar_asks.id or 0, li, "pager handover notes were clear", NOW)
    store.feedback.save_self("k-self", li.id, "proud of the reconciliation work", NOW)
    store.feedback.add_once(
        "k-note",
        author_id=ids["ana"],
        subject_id=li.id,
        kind="manager_note",
        text="start the promotion case",
        at=NOW,
    )
    store.feedback.add_once(
        "k-sam-omar",
        author_id=sam.id,
        subject_id=omar.id,
        kind="peer",
        text="runbooks saved the night",
        at=NOW,
    )


def seed_review(store: Store, ids: dict[str, int]) -> None:
    """Ana's review draft about Li, written by the offline engine and edited once."""
    content = {
        "engine": "offline",
        "sections": [
            {
                "name": "strengths",
                "sentences": [{"text": "Li Wei owns the payout ledger", "citations": ["k:1"]}],
            }
        ],
    }
    output = store.ai_outputs.record(
        kind="review_draft",
        model="offline",
        prompt="review_draft_offline",
        prompt_version="1",
        input_ids=["feedback:1"],
        output={**content, "subject": ids["li"]},
        at=NOW,
    )
    draft = store.reviews.create(
        subject_id=ids["li"],
        manager_id=ids["ana"],
        period_start=NOW.date(),
        period_end=NOW.date(),
        engine="offline",
        content=content,
        at=NOW,
        ai_output_id=output,
    )
    assert draft.id is not None


def seed(store: Store) -> Org:
    """Li gave one kudos, received one alone and one with Sam, and is named in Hana's."""
    store.people.upsert_directory(PEOPLE, NOW)
    ids = {p.email.split("@")[0]: p.id or 0 for p in store.people.all()}
    store.people.link_platform_id("slack", ids["li"], "U0LI", NOW)
    store.people.link_platform_id("teams", ids["li"], "29:li-teams", NOW)
    kudos = {
        "given": give(store, ids["li"], [ids["sam"]], "for fixing the flaky ledger tests"),
        "only": give(store, ids["ana"], [ids["li"]], "for untangling the refund queue"),
        "shared": give(store, ids["ana"], [ids["li"], ids["sam"]], "with @li for the migration"),
        "others": give(store, ids["omar"], [ids["ana"]], "for the calm on-call handover"),
        "named": give(store, ids["hana"], [ids["omar"]], "for mentoring, with Li Wei"),
    }
    seed_loop(store, ids)
    seed_review(store, ids)
    li_checkin = store.checkins.get(ids["li"], "2026-W45")
    assert li_checkin is not None and li_checkin.id is not None
    store.ai_outputs.record(
        kind="theme_summaries",
        model="fake",
        prompt="theme_summaries",
        prompt_version="1",
        input_ids=[doc_id(kudos["given"]), checkin_doc_id(li_checkin.id), doc_id(kudos["others"])],
        output={"t1": {"label": "Testing", "summary": "Praise for careful testing."}},
        at=NOW,
    )
    store.conversations.save(
        platform="teams",
        conversation_id="a:li-personal-chat",
        conversation_type="personal",
        service_url="https://smba.example/",
        reference={"user": {"id": "29:li-teams", "name": "Li Wei"}},
        at=NOW,
        user_id="29:li-teams",
    )
    store.conversations.save(
        platform="teams",
        conversation_id="19:payments@thread.tacv2",
        conversation_type="channel",
        service_url="https://smba.example/",
        reference={"conversation": {"id": "19:payments@thread.tacv2"}},
        at=NOW,
    )
    with store.engine.begin() as connection:  # Li installed the Slack app (OAuth)
        connection.execute(
            sa.text(
                "INSERT INTO slack_installations (client_id, app_id, team_id, bot_token, "
                "user_id, user_token, is_enterprise_install, installed_at) VALUES "
                "('c1', 'A1', 'T0CANDOR', 'xoxb-bot', 'U0LI', 'xoxp-li-token', false, :at)"
            ),
            {"at": NOW},
        )
    request, _ = store.privacy.open_erasure(ids["li"], ids["li"], NOW)
    assert store.privacy.decide(request.id or 0, to=APPROVED, by=ids["hana"], at=NOW)
    return Org(ids, kudos)


def everything_in_sql(store: Store) -> str:
    """Every row of every table in the database (ours, slack_sdk's, the job store), as text."""
    tables = set(sa.inspect(store.engine).get_table_names())
    assert set(SQLModel.metadata.tables) <= tables
    assert {"slack_installations", "slack_bots"} <= tables
    dumped = []
    with store.engine.connect() as connection:
        for name in sorted(tables):
            rows = connection.execute(sa.text(f'SELECT * FROM "{name}"'))
            dumped.extend(f"{name}: {tuple(row)!r}" for row in rows)
    return "\n".join(dumped).lower()


def fill(store: Store, index: VectorIndex) -> None:
    while drain_outbox(store, index, NOW):
        pass


@pytest.fixture
def chroma(tmp_path: Path) -> Iterator[ChromaIndex]:
    index = ChromaIndex(HashingEmbedder(), path=tmp_path / "chroma")
    yield index
    index.close()


def test_erasure_leaves_nothing_in_sql_or_the_index(store: Store, chroma: ChromaIndex) -> None:
    org = seed(store)
    fill(store, chroma)
    li = org.ids["li"]
    request = store.privacy.concerning(li)[0]
    assert all(t.lower() in everything_in_sql(store) for t in LI_TRACES)  # the test can see
    # Li's check-in and the four peer, upward and self feedback are indexed; the note is not.
    loop_docs = {d for d in chroma.ids() if not d.startswith("kudos:")}
    assert len([d for d in loop_docs if d.startswith("checkin:")]) == 1
    assert len([d for d in loop_docs if d.startswith("feedback:")]) == 4

    report = erase_person(store, li, NOW, actor_id=org.ids["hana"], request_id=request.id)
    fill(store, chroma)

    assert report is not None
    dump = everything_in_sql(store)
    assert [t for t in LI_TRACES if t.lower() in dump] == []
    gone = {doc_id(org.kudos["given"]), doc_id(org.kudos["only"])}
    [kept_feedback] = store.feedback.about(org.ids["omar"], NOW)
    kept_docs = {doc_id(k) for k in org.kudos.values()} - gone
    assert chroma.ids() == kept_docs | {feedback_doc_id(kept_feedback.id or 0)}
    assert store.outbox.pending_count() == 0
    # Shared and naming kudos stay, without Li; kudos between others are untouched.
    kept = {k.id: k for k in store.kudos.get_many(list(org.kudos.values()))}
    shared, named, others = (kept[org.kudos[k]] for k in ("shared", "named", "others"))
    assert shared.recipient_ids == (org.ids["sam"],)
    assert shared.text == "with [erased] for the migration"
    assert named.text == "for mentoring, with [erased]"
    assert (others.text, others.recipient_ids) == (
        "for the calm on-call handover",
        (org.ids["ana"],),
    )
    [hit] = chroma.query("migration", where={"record_id": shared.id})
    assert hit.metadata["recipient_ids"] == f",{org.ids['sam']},"
    # The scrubbed row, the unlinked report, the stripped AI inputs.
    person = store.people.get(li)
    assert person is not None
    assert (person.name, person.email, person.active) == (
        ERASED_NAME,
        f"erased-{li}@invalid",
        False,
    )
    assert store.people.get(org.ids["sam"]).manager_id is None  # type: ignore[union-attr]
    [output] = store.ai_outputs.recent()
    assert output.input_ids == [doc_id(org.kudos["others"])]
    assert store.conversations.get("teams", "19:payments@thread.tacv2") is not None
    # Only anonymous counts remain: one event, no actor left pointing at Li.
    [event] = store.audit.events(action="privacy.erased")
    assert event.detail["kudos_given"] == 1 and event.detail["kudos_received_deleted"] == 1
    assert event.detail["kudos_received_kept"] == 1 and event.detail["kudos_redacted"] == 1
    assert all(e.actor_id != li for e in store.audit.events())
    assert store.privacy.get(request.id or 0).status == DONE  # type: ignore[union-attr]
    assert (event.detail["checkins_deleted"], event.detail["goals_deleted"]) == (1, 1)
    assert (event.detail["oneonones_deleted"], event.detail["agenda_items_deleted"]) == (1, 1)
    [team_goal] = store.goals.for_owners([org.ids["ana"]])  # Ana's goal stays
    assert team_goal.objective == "Ship payments v2"
    # Feedback by or about Li and the requests Li made or was asked are gone; others' stay.
    assert (event.detail["feedback_deleted"], event.detail["feedback_requests_deleted"]) == (4, 3)
    assert kept_feedback.text == "runbooks saved the night"
    assert store.feedback.pending_for(org.ids["omar"]) == []


def test_preview_counts_what_erasure_removes_and_changes_nothing(store: Store) -> None:
    org = seed(store)
    before = everything_in_sql(store)

    preview = preview_erasure(store, org.ids["li"])

    assert everything_in_sql(store) == before
    assert preview == erase_person(store, org.ids["li"], NOW)
    assert preview.kudos_deleted == 2 and preview.conversations_deleted == 1
    assert preview.reports_unlinked == 1 and preview.ai_outputs_updated == 1


def test_a_request_is_fulfilled_once(store: Store) -> None:
    org = seed(store)
    request = store.privacy.concerning(org.ids["li"])[0]

    first = erase_person(store, org.ids["li"], NOW, request_id=request.id)
    second = erase_person(store, org.ids["li"], NOW, request_id=request.id)

    assert first is not None and second is None
    assert len(store.audit.events(action="privacy.erased")) == 1


def test_erasing_someone_unknown_is_an_error(store: Store) -> None:
    with pytest.raises(LookupError):
        erase_person(store, 999, NOW)


# --- candor erase ---------------------------------------------------------------------------


@dataclass
class Shell:
    root: Path
    url: str
    capsys: pytest.CaptureFixture[str]
    monkeypatch: pytest.MonkeyPatch

    def run(self, *argv: str, stdin: str = "") -> tuple[int, str, str]:
        self.monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
        self.capsys.readouterr()
        code = main(list(argv))
        out, err = self.capsys.readouterr()
        return code, out, err

    def store(self) -> Store:
        return Store.open(self.url)


@pytest.fixture
def shell(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> Shell:
    for name in list(os.environ):
        if name.startswith(("SLACK_", "CANDOR_", "MICROSOFT_")) or name in ("DATABASE_URL",):
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr("bot.cli.configure_logging", lambda _level: None)
    url = f"sqlite:///{tmp_path / 'data' / 'candor.db'}"
    monkeypatch.setenv("CANDOR_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.setenv("CANDOR_EMBEDDER", "hashing")
    shell = Shell(tmp_path, url, capsys, monkeypatch)
    store = shell.store()
    seed(store)
    store.close()
    assert shell.run("reindex")[0] == 0
    return shell


def _li_is_there(shell: Shell) -> bool:
    store = shell.store()
    try:
        return store.people.by_email("li@x.io") is not None
    finally:
        store.close()


def test_cli_erase_with_yes_erases_from_sql_and_the_index(shell: Shell) -> None:
    code, out, err = shell.run("erase", "--email", "LI@x.io", "--yes")

    assert code == 0, err
    assert "This erases Li Wei <li@x.io>" in out and "kudos they gave: 1" in out
    assert "Vector index updated" in out
    assert not _li_is_there(shell)
    store = shell.store()
    index = ChromaIndex(HashingEmbedder(), path=shell.root / "data" / "chroma")
    try:
        assert [t for t in LI_TRACES if t.lower() in everything_in_sql(store)] == []
        # Three kudos between others and Sam's feedback about Omar are left.
        assert index.count() == 4 and store.outbox.pending_count() == 0
    finally:
        index.close()
        store.close()


@pytest.mark.parametrize("typed", ["", "sam@x.io", "li@x"])
def test_cli_erase_without_a_matching_confirmation_erases_nothing(shell: Shell, typed: str) -> None:
    code, out, _ = shell.run("erase", "--email", "li@x.io", stdin=typed + "\n")

    assert code == 1
    assert "Type the email again to confirm" in out and "nothing was erased" in out
    assert _li_is_there(shell)


def test_cli_erase_after_typing_the_email_again(shell: Shell) -> None:
    code, _, err = shell.run("erase", "--email", "li@x.io", stdin="li@x.io\n")

    assert code == 0, err
    assert not _li_is_there(shell)


def test_cli_erase_of_an_unknown_email_exits_2(shell: Shell) -> None:
    code, out, err = shell.run("erase", "--email", "nobody@x.io", "--yes")

    assert code == 2
    assert "nobody with the email 'nobody@x.io'" in err
    assert out == ""


def test_cli_erase_while_the_server_holds_the_index_leaves_it_to_the_server(shell: Shell) -> None:
    held = ChromaIndex(HashingEmbedder(), path=shell.root / "data" / "chroma")  # `candor serve`
    try:
        code, out, err = shell.run("erase", "--email", "li@x.io", "--yes")

        assert code == 0, err
        assert "held by a running `candor serve`" in out
        assert not _li_is_there(shell)
        store = shell.store()
        try:
            fill(store, held)  # what the server's indexer does next
            assert held.count() == 4  # three kudos and one feedback between others
        finally:
            store.close()
    finally:
        held.close()


def test_the_audit_trail_of_a_cli_erasure_holds_counts_only(shell: Shell) -> None:
    shell.run("erase", "--email", "li@x.io", "--yes")

    store = shell.store()
    try:
        [event] = store.audit.events(action="privacy.erased")
        assert event.actor_id is None
        assert all(isinstance(v, int) or v is None for v in event.detail.values())
        assert set(event.detail) == {*ErasureReport().counts(), "request"}
    finally:
        store.close()
