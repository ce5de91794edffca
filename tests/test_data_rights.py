"""Data rights from chat, through the real Bolt app: `/candor mydata` and `/candor erase`."""

from __future__ import annotations

import asyncio
import csv
import io
import json
from datetime import timedelta
from typing import Any

import sqlalchemy as sa
from slack_sdk.web.async_client import AsyncWebClient
from sqlmodel import col, select

from store.db import session_scope
from store.kudos import doc_id
from store.models import Kudos, KudosRecipient
from store.repository import Store
from tests.conftest import BOT_TOKEN, SlackHarness
from tests.slack_contract import assert_calls_match_spec
from tests.test_manifest import declared_scopes, scopes_needed_for

# Li's kudos: one given, one received alone, one shared with Sam. Omar's to Ana is not Li's.
KUDOS = (
    ("U0LI", "<@U0SAM|sam> for fixing the flaky ledger tests #craft"),
    ("U0ANA", "<@U0LI|li> for untangling the refund queue"),
    ("U0ANA", "<@U0LI|li> <@U0SAM|sam> for the billing migration #ownership"),
    ("U0OMAR", "<@U0ANA|ana> for the calm on-call handover"),
)
LI_TRACES = ("li@example.com", "Li Wei", "U0LI", "flaky ledger", "refund queue")


async def _seed(slack: SlackHarness) -> None:
    for user, words in KUDOS:
        await slack.kudos(words, user=user)
    slack.standin.clear()


async def _candor(slack: SlackHarness, words: str, user: str) -> None:
    await slack.kudos(words, command="/candor", user=user)


async def _dm_channel(slack: SlackHarness, user: str) -> str:
    client = AsyncWebClient(token=BOT_TOKEN, base_url=slack.standin.base_url)
    opened = await client.conversations_open(users=user)
    return str(opened["channel"]["id"])


async def _dms(slack: SlackHarness, user: str) -> str:
    channel = await _dm_channel(slack, user)
    posts = slack.standin.calls_to("chat.postMessage")
    return json.dumps([c.args.get("blocks") for c in posts if c.args["channel"] == channel])


def _replies(slack: SlackHarness) -> str:
    return json.dumps([c.args.get("blocks") for c in slack.standin.calls_to("response_url")])


def _buttons(slack: SlackHarness, prefix: str) -> list[dict[str, Any]]:
    calls = slack.standin.calls_to("chat.postMessage") + slack.standin.calls_to("response_url")
    return [
        element
        for call in calls
        for block in call.args.get("blocks") or []
        if block["type"] == "actions"
        for element in block["elements"]
        if element["action_id"].startswith(prefix)
    ]


def _person_id(slack: SlackHarness, email: str) -> int:
    person = slack.candor.store.people.by_email(email)
    assert person is not None and person.id is not None
    return person.id


def _kudos_of(slack: SlackHarness, person_id: int) -> tuple[set[int], set[int]]:
    with session_scope(slack.candor.store.engine) as session:
        given = set(session.exec(select(Kudos.id).where(Kudos.giver_id == person_id)))
        received = set(
            session.exec(
                select(KudosRecipient.kudos_id).where(col(KudosRecipient.person_id) == person_id)
            )
        )
    return {i for i in given if i}, received


def _sql_text(slack: SlackHarness) -> str:
    engine = slack.candor.store.engine
    dumped = []
    with engine.connect() as connection:
        for name in sa.inspect(engine).get_table_names():
            dumped.extend(
                repr(tuple(r)) for r in connection.execute(sa.text(f'SELECT * FROM "{name}"'))
            )
    return "\n".join(dumped).lower()


async def _index_settled(slack: SlackHarness) -> set[str]:
    """Poll until the background indexer has applied every outbox entry; the index's ids."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + 10
    while slack.candor.store.outbox.pending_count() and loop.time() < deadline:
        await asyncio.sleep(0.02)
    assert slack.candor.store.outbox.pending_count() == 0
    return slack.index.ids()


# --- /candor mydata -------------------------------------------------------------------------


async def test_mydata_sends_a_json_and_a_csv_file_in_a_dm(slack: SlackHarness) -> None:
    await _seed(slack)
    li = _person_id(slack, "li@example.com")
    given, received = _kudos_of(slack, li)

    await _candor(slack, "mydata", "U0LI")
    calls = await slack.standin.wait_for(
        lambda calls: sum(c.method == "files.completeUploadExternal" for c in calls) == 2
    )

    dm = await _dm_channel(slack, "U0LI")
    uploads = [c for c in calls if c.method == "files.completeUploadExternal"]
    assert [u.args["channel_id"] for u in uploads] == [dm, dm]
    files = {
        u.args["files"][0]["title"]: slack.standin.uploaded_files[u.args["files"][0]["id"]]
        for u in uploads
    }
    document = json.loads(files["Your Candor data (JSON)"])
    assert document["profile"]["email"] == "li@example.com"
    assert document["profile"]["manager"] == "Ana Silva"
    assert {k["id"] for k in document["kudos_given"]} == given and len(given) == 1
    assert {k["id"] for k in document["kudos_received"]} == received and len(received) == 2
    shared = next(k for k in document["kudos_received"] if len(k["recipients"]) == 2)
    assert shared["giver"]["name"] == "Ana Silva" and shared["values"] == ["ownership"]
    assert {r["name"] for r in shared["recipients"]} == {"Li Wei", "Sam Rivera"}
    everything = files["Your Candor data (JSON)"] + files["Your Candor data (CSV)"]
    assert b"on-call handover" not in everything  # Omar's kudos to Ana isn't Li's
    assert any(e["action"] == "kudos.created" and e["by_you"] for e in document["audit_events"])

    rows = list(csv.DictReader(io.StringIO(files["Your Candor data (CSV)"].decode())))
    kinds = [r["kind"] for r in rows]
    assert kinds.count("profile") == 1 and kinds.count("kudos") == 3
    assert kinds.count("audit_event") == len(document["audit_events"])
    assert len(rows) == 1 + 3 + len(document["audit_events"]) + len(document["ai_outputs"])
    texts = {r["text"] for r in rows if r["kind"] == "kudos"}
    assert "for untangling the refund queue" in texts
    assert "sent you your data as two files" in _replies(slack)
    assert scopes_needed_for({c.method for c in slack.standin.calls}) <= declared_scopes()
    assert_calls_match_spec(slack.standin.calls)


async def test_mydata_includes_check_ins_goals_and_one_on_ones(slack: SlackHarness) -> None:
    store, now = slack.candor.store, slack.clock()
    li, ana = _person_id(slack, "li@example.com"), _person_id(slack, "ana@example.com")
    store.checkins.submit(
        li, "2026-W45", answers={"highlights": "shipped refunds"}, mood=4, blocker="", at=now
    )
    store.settings.set_share_mood(li, True, now)
    store.goals.add(li, objective="Cut p95 to 300 ms", key_results=[], due=None, at=now)
    meeting = store.oneonones.schedule(
        ana,
        li,
        weekday=1,
        hour=10,
        minute=0,
        every_weeks=2,
        tz="Europe/Berlin",
        first_date=now.date(),
        at=now,
    )
    store.oneonones.add_item(meeting.id or 0, ana, "talk about the on-call rota", at=now)
    for words in ("approved words about Li", "a draft Li must not see yet"):
        line = {"text": words, "citations": ["checkin:1"]}
        draft = store.reviews.create(
            subject_id=li,
            manager_id=ana,
            period_start=now.date(),
            period_end=now.date(),
            engine="offline",
            content={"sections": [{"name": "strengths", "sentences": [line]}]},
            at=now,
        )
        if words.startswith("approved"):
            store.reviews.decide(draft.id or 0, 1, "approved", ana, now)

    await _candor(slack, "mydata", "U0LI")
    calls = await slack.standin.wait_for(
        lambda calls: sum(c.method == "files.completeUploadExternal" for c in calls) == 2
    )
    uploads = [c for c in calls if c.method == "files.completeUploadExternal"]
    files = {
        u.args["files"][0]["title"]: slack.standin.uploaded_files[u.args["files"][0]["id"]]
        for u in uploads
    }
    document = json.loads(files["Your Candor data (JSON)"])
    [checkin] = document["checkins"]
    assert (checkin["answers"], checkin["mood"]) == ({"highlights": "shipped refunds"}, 4)
    assert document["settings"]["share_mood_with_manager"] is True
    assert [g["objective"] for g in document["goals"]] == ["Cut p95 to 300 ms"]
    [one_on_one] = document["one_on_ones"]
    assert (one_on_one["manager"], one_on_one["report"]) == ("Ana Silva", "Li Wei")
    assert [i["text"] for i in one_on_one["agenda"]] == ["talk about the on-call rota"]
    [review] = document["reviews"]  # approved only: a draft is its manager's until then
    assert review["sections"] == {"strengths": ["approved words about Li"]}
    assert b"must not see yet" not in files["Your Candor data (JSON)"]
    rows = list(csv.DictReader(io.StringIO(files["Your Candor data (CSV)"].decode())))
    kinds = [r["kind"] for r in rows]
    wanted = ("checkin", "goal", "one_on_one", "agenda_item", "review")
    assert [kinds.count(k) for k in wanted] == [1] * 5


async def test_mydata_includes_feedback_but_not_managers_notes(slack: SlackHarness) -> None:
    store, now = slack.candor.store, slack.clock()
    li, sam, omar, ana = (
        slack.candor.store.people.by_email(f"{n}@example.com") for n in ("li", "sam", "omar", "ana")
    )
    assert li and sam and omar and ana and li.id and sam.id and omar.id and ana.id
    asked = store.feedback.create_requests(
        "k1", requester_id=li.id, responder_ids=[sam.id, omar.id], topic="the ledger", at=now
    )
    assert asked is not None
    store.feedback.answer("k2", asked[0].id or 0, sam, "clear reversible steps", now)
    [from_omar] = store.feedback.create_requests(
        "k3", requester_id=omar.id, responder_ids=[li.id], topic="on-call", at=now
    ) or [None]
    assert from_omar is not None
    store.feedback.answer("k4", from_omar.id or 0, li, "calm pager handovers", now)
    store.feedback.save_self("k5", li.id, "proud of the reconciliation", now)
    store.feedback.add_once(
        "k6",
        author_id=sam.id,
        subject_id=li.id,
        kind="peer",
        text="shared praise",
        shareable=True,
        at=now,
    )
    store.feedback.add_once(
        "k7",
        author_id=ana.id,
        subject_id=li.id,
        kind="manager_note",
        text="promotion case",
        at=now,
    )

    await _candor(slack, "mydata", "U0LI")
    calls = await slack.standin.wait_for(
        lambda calls: sum(c.method == "files.completeUploadExternal" for c in calls) == 2
    )
    files = {
        u.args["files"][0]["title"]: slack.standin.uploaded_files[u.args["files"][0]["id"]]
        for u in calls
        if u.method == "files.completeUploadExternal"
    }
    document = json.loads(files["Your Candor data (JSON)"])
    written = {f["text"]: f for f in document["feedback_written"]}
    assert set(written) == {"calm pager handovers", "proud of the reconciliation"}
    assert written["calm pager handovers"]["about"] == "Omar Haddad"
    about = {f["text"]: f for f in document["feedback_about_you"]}
    assert set(about) == {"clear reversible steps", "shared praise"}  # no manager's note
    assert about["shared praise"]["author"] == "Sam Rivera"
    # An answer to Li's request comes without its author or request: who wrote what stays hidden.
    assert about["clear reversible steps"]["author"] is None
    assert about["clear reversible steps"]["request_id"] is None
    made = document["feedback_requests_made"]
    assert sorted(r["asked"] for r in made) == ["Omar Haddad", "Sam Rivera"]
    assert all("status" not in r for r in made)
    [received] = document["feedback_requests_received"]
    assert (received["asked_by"], received["status"]) == ("Omar Haddad", "answered")
    everything = files["Your Candor data (JSON)"] + files["Your Candor data (CSV)"]
    assert b"promotion case" not in everything
    rows = list(csv.DictReader(io.StringIO(files["Your Candor data (CSV)"].decode())))
    kinds = [r["kind"] for r in rows]
    assert (kinds.count("feedback"), kinds.count("feedback_request")) == (4, 3)
    assert "Sam Rivera" not in {
        r["other_people"] for r in rows if r["text"] == "clear reversible steps"
    }


async def test_mydata_csv_cells_never_start_a_formula(slack: SlackHarness) -> None:
    await slack.kudos("<@U0LI|li> =HYPERLINK for the demo", user="U0SAM")
    slack.standin.clear()

    await _candor(slack, "mydata", "U0LI")
    calls = await slack.standin.wait_for(
        lambda calls: sum(c.method == "files.completeUploadExternal" for c in calls) == 2
    )

    csv_id = next(
        c.args["files"][0]["id"]
        for c in calls
        if c.method == "files.completeUploadExternal" and "CSV" in c.args["files"][0]["title"]
    )
    rows = list(csv.reader(io.StringIO(slack.standin.uploaded_files[csv_id].decode())))
    assert all(not cell.startswith(("=", "+", "-", "@")) for row in rows for cell in row)


# --- /candor erase: an employee asks, HR decides --------------------------------------------


async def test_an_employee_asks_hr_approves_and_nothing_remains(slack: SlackHarness) -> None:
    await _seed(slack)
    li = _person_id(slack, "li@example.com")
    given, received = _kudos_of(slack, li)
    others = {k.id for k in slack.candor.store.kudos.page(0, 100)} - given - received
    shared = {k for k in received if len(_recipients(slack, k)) > 1}
    assert {doc_id(i) for i in given | received | others} <= await _index_settled(slack)

    await _candor(slack, "erase", "U0LI")

    assert "I've asked HR to erase your data" in _replies(slack)
    assert "asked for their data to be erased" in await _dms(slack, "U0HANA")
    [approve] = _buttons(slack, "privacy.approve")

    slack.standin.clear()
    await slack.click("privacy.approve", approve["value"], user="U0SAM")  # not HR
    assert "Only HR and admins" in _replies(slack)
    assert slack.candor.store.people.get(li).active  # type: ignore[union-attr]

    slack.standin.clear()
    await slack.click("privacy.approve", approve["value"], user="U0HANA")

    assert "being erased now, as you asked" in await _dms(slack, "U0LI")  # before the ids went
    assert "Erased Li Wei's data" in _replies(slack)
    ids = await _index_settled(slack)
    assert ids == {doc_id(i) for i in others | shared}
    assert _recipients(slack, next(iter(shared))) == [_person_id(slack, "sam@example.com")]
    dump = _sql_text(slack)
    assert [t for t in LI_TRACES if t.lower() in dump] == []
    assert "on-call handover" in dump  # kudos between other people are untouched

    slack.standin.clear()
    await slack.click("privacy.approve", approve["value"], user="U0HANA")  # again
    assert "already carried out by Hana Kim" in _replies(slack)
    assert len(slack.candor.store.audit.events(action="privacy.erased")) == 1


def _recipients(slack: SlackHarness, kudos_id: int) -> list[int]:
    found = slack.candor.store.kudos.get_many([kudos_id])
    return list(found[0].recipient_ids) if found else []


async def test_asking_twice_opens_one_request(slack: SlackHarness) -> None:
    await _candor(slack, "erase", "U0LI")
    slack.standin.clear()
    await _candor(slack, "erase", "U0LI")

    assert "HR hasn't decided yet" in _replies(slack)
    assert _buttons(slack, "privacy.approve") == []  # HR isn't asked again
    assert len(slack.candor.store.privacy.concerning(_person_id(slack, "li@example.com"))) == 1


async def test_hr_rejects_and_the_employee_hears_about_it(slack: SlackHarness) -> None:
    await _seed(slack)
    await _candor(slack, "erase", "U0LI")
    [reject] = _buttons(slack, "privacy.reject")

    slack.standin.clear()
    await slack.click("privacy.reject", reject["value"], user="U0HANA")

    assert "Nothing was erased" in _replies(slack)
    assert "declined your request" in await _dms(slack, "U0LI")
    slack.standin.clear()
    await slack.click("privacy.approve", reject["value"], user="U0HANA")
    assert "already rejected by Hana Kim" in _replies(slack)
    assert slack.candor.store.people.by_email("li@example.com") is not None


# --- /candor erase @person: HR, behind a confirmation card ----------------------------------


async def test_hr_erases_someone_after_confirming(slack: SlackHarness) -> None:
    await _seed(slack)
    li = _person_id(slack, "li@example.com")

    await _candor(slack, "erase <@U0LI|li>", "U0HANA")

    card = _replies(slack)
    assert "Erase Li Wei's data?" in card and "li@example.com" in card
    assert "Kudos they gave" in card and "1 (deleted)" in card
    assert slack.candor.store.people.get(li).active  # type: ignore[union-attr]
    [confirm] = _buttons(slack, "privacy.approve")
    assert confirm["text"]["text"] == "Confirm erasure"

    slack.standin.clear()
    await slack.click("privacy.approve", confirm["value"], user="U0HANA")

    assert "at HR's request" in await _dms(slack, "U0LI")
    assert "Erased Li Wei's data" in _replies(slack)
    await _index_settled(slack)
    assert [t for t in LI_TRACES if t.lower() in _sql_text(slack)] == []


async def test_hr_cancels_and_nothing_is_erased(slack: SlackHarness) -> None:
    await _candor(slack, "erase <@U0LI|li>", "U0HANA")
    [cancel] = _buttons(slack, "privacy.cancel")

    slack.standin.clear()
    await slack.click("privacy.cancel", cancel["value"], user="U0HANA")

    assert "Cancelled. Nothing was erased." in _replies(slack)
    assert slack.candor.store.people.by_email("li@example.com") is not None
    [request] = slack.candor.store.privacy.concerning(_person_id(slack, "li@example.com"))
    assert request.status == "rejected"


async def test_only_hr_may_erase_someone_else(slack: SlackHarness) -> None:
    await _candor(slack, "erase <@U0SAM|sam>", "U0LI")

    assert "Only HR and admins can erase someone else's data" in _replies(slack)
    assert slack.candor.store.privacy.concerning(_person_id(slack, "sam@example.com")) == []


async def test_erase_help_and_bad_input(slack: SlackHarness) -> None:
    await _candor(slack, "erase help", "U0LI")
    assert "can't be undone" in _replies(slack)

    slack.standin.clear()
    await _candor(slack, "erase everyone", "U0HANA")
    assert "Name one person" in _replies(slack)


async def test_an_interrupted_approval_is_resumed_and_hr_told_to_inform(store: Store) -> None:
    from handlers.erasure_review import STUCK_AFTER, approve
    from handlers.services import RequestContext, Services
    from handlers.types import Interaction
    from tests.test_erasure import NOW, seed

    org = seed(store)  # Li's request approved at NOW but never carried out (a crash)
    [request] = store.privacy.concerning(org.ids["li"])
    hana = store.people.get(org.ids["hana"])
    assert hana is not None
    now = [NOW]
    services = Services(store=store, clock=lambda: now[0])  # no chat platform: no DMs
    ctx = RequestContext(services, hana, directory=None)  # type: ignore[arg-type]
    click = Interaction("privacy.approve", str(request.id), "slack", "U0HANA", "r1")

    [in_flight] = await approve(click, ctx)
    now[0] = NOW + STUCK_AFTER + timedelta(seconds=1)
    [resumed] = await approve(click, ctx)

    assert "being carried out now" in str(in_flight.message.blocks)
    assert store.people.by_email("li@x.io") is None
    rendered = str(resumed.message.blocks)
    assert "Erased Li Wei's data" in rendered and "please let them know" in rendered
