"""Review drafts through the real Bolt app: `/review draft`, the draft DM with its sources, and
Approve / Edit / Regenerate / Discard, with the employee seeing nothing before approval."""

from __future__ import annotations

import csv
import io
import json
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from langchain_core.language_models.fake_chat_models import FakeListChatModel

from bot.slack.standin import SlackStandIn
from handlers.audit import audit_csv, audit_json
from handlers.review_evidence import gather
from handlers.review_render import APPROVE, DISCARD, EDIT, REGENERATE
from insights.review_types import Draft
from store.models import ReviewDraft
from store.repository import Store
from tests.conftest import FakeClock, SlackHarness, running_candor
from tests.oneonone_helpers import ANA, LI, MAYA, OMAR, buttons, dms, replies, texts

NOW = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
LI_AT = "<@U0LI|li>"
SAM_AT = "<@U0SAM|sam>"


def _ids(store: Store) -> dict[str, int]:
    return {p.email.split("@")[0]: p.id for p in store.people.all() if p.id is not None}


def seed(store: Store, now: datetime) -> dict[str, int]:
    """Six months of Li's records: kudos from three people, peer feedback, Ana's note, a note
    Sam may not write as a manager, a self-assessment, a check-in with a mood, a goal."""
    p = _ids(store)
    li, ana, sam, maya, omar = p["li"], p["ana"], p["sam"], p["maya"], p["omar"]

    def ago(days: int) -> datetime:
        return now - timedelta(days=days)

    for giver, words, days in (
        (sam, "for untangling the refund queue and documenting the ledger reconciliation", 150),
        (maya, "for leading the ledger migration calmly through two incidents", 120),
        (omar, "for the on-call runbook for the ledger service, it cut our pages in half", 90),
    ):
        store.kudos.create(
            giver_id=giver, recipient_ids=[li], text=words, company_values=(), platform="slack",
            channel_id=None, request_key=uuid.uuid4().hex, at=ago(days),
        )  # fmt: skip
    for author, kind, words, days in (
        (sam, "peer", "Li's code reviews are thorough, but review turnaround takes days.", 80),
        (omar, "peer", "Li's review turnaround is too slow and blocks the frontend.", 40),
        (ana, "manager_note", "Li ran the ledger migration retro well.", 30),
        (sam, "manager_note", "NOT-A-MANAGER note about Li", 30),
    ):
        store.feedback.add_once(
            uuid.uuid4().hex, author_id=author, subject_id=li, kind=kind, text=words, at=ago(days)
        )
    store.feedback.save_self(
        uuid.uuid4().hex, li, "What went well:\nMy code review turnaround is always fast.", ago(10)
    )
    store.checkins.submit(
        li, "2026-W40", answers={"highlights": "Paired with Sam on the refund queue",
        "blockers": "Waiting on access to the payments sandbox"}, mood=1,
        blocker="Waiting on access to the payments sandbox", at=ago(30),
    )  # fmt: skip
    store.goals.add(li, objective="Cut ledger reconciliation to 15 minutes", key_results=[],
                    due=None, at=ago(100))  # fmt: skip
    return p


async def review(slack: SlackHarness, words: str, *, user: str = ANA) -> None:
    await slack.kudos(words, command="/review", user=user)


def drafts(slack: SlackHarness) -> list[ReviewDraft]:
    found = [slack.candor.store.reviews.get(i) for i in range(1, 20)]
    return [d for d in found if d is not None]


async def draft_for_li(slack: SlackHarness) -> tuple[ReviewDraft, list[dict[str, Any]]]:
    """Seed Li's records, have Ana draft, and return the draft and Ana's DM blocks."""
    seed(slack.candor.store, slack.clock.now)
    slack.standin.clear()
    await review(slack, f"draft {LI_AT}")
    [row] = drafts(slack)
    return row, (await dms(slack, ANA))[-1]


async def press(slack: SlackHarness, action: str, value: str, user: str = ANA) -> None:
    await slack.click(action, value, user=user)


def button_value(blocks: list[dict[str, Any]], action: str) -> str:
    [found] = buttons(blocks, action)
    return str(found["value"])


async def test_the_draft_reaches_the_manager_alone_each_sentence_citing_permitted_records(
    slack: SlackHarness,
) -> None:
    row, blocks = await draft_for_li(slack)
    store = slack.candor.store

    shown = texts(blocks)
    draft = Draft.from_json(row.content)
    sentences = [s for section in draft.sections for s in section.sentences]
    assert sentences and all(s.citations for s in sentences)
    # Each sentence is a quote followed by its numbered sources.
    for sentence in sentences:
        at = next(i for i, b in enumerate(blocks) if sentence.text in texts([b]))
        assert texts([blocks[at + 1]]).startswith("Sources: [1] ")
    allowed = set(row.content["evidence"])
    assert draft.citations() <= allowed
    li, ana = _ids(store)["li"], _ids(store)["ana"]
    manager, subject = store.people.get(ana), store.people.get(li)
    assert manager is not None and subject is not None
    window = gather(slack.candor.services, manager, subject, slack.clock.now - timedelta(days=200),
                    slack.clock.now)  # fmt: skip
    assert allowed == {r.ref for r in window}  # exactly what Ana may see, nothing else
    assert all("NOT-A-MANAGER" not in r.text and "mood" not in r.text.lower() for r in window)
    assert "mood" not in shown.lower() and "NOT-A-MANAGER" not in shown
    assert "Written by the offline engine" in shown
    assert "They wrote" in shown and "Others wrote" in shown  # self vs others, side by side
    assert {b["action_id"] for b in buttons(blocks, "review.draft.")} == {
        APPROVE, EDIT, REGENERATE, DISCARD
    }  # fmt: skip
    assert "sent you the draft" in replies(slack)
    assert await dms(slack, LI) == []  # nothing reaches Li before approval
    [output] = store.ai_outputs.recent("review_draft")
    assert output.model == "offline" and set(output.input_ids) == allowed
    assert output.output["status"] == "draft"


async def test_a_thin_record_gets_no_draft_and_the_manager_hears_what_is_missing(
    slack: SlackHarness,
) -> None:
    await review(slack, f"draft {SAM_AT}")

    said = replies(slack)
    assert "Not enough evidence" in said and "No records about Sam" in said
    assert drafts(slack) == [] and await dms(slack, ANA) == []


async def test_only_managers_draft_and_only_for_their_own_reports(slack: SlackHarness) -> None:
    await review(slack, f"draft {LI_AT}", user=OMAR)
    assert "Only managers" in replies(slack)
    slack.standin.clear()
    await review(slack, "draft <@U0OMAR|omar>", user=ANA)
    assert "only for your own reports" in replies(slack)
    slack.standin.clear()
    await review(slack, f"draft {LI_AT} 30", user=ANA)
    assert "between 1 and 24 months" in replies(slack)
    assert drafts(slack) == []


async def test_approve_sends_the_approved_text_to_the_employee_once(slack: SlackHarness) -> None:
    row, blocks = await draft_for_li(slack)
    value = button_value(blocks, APPROVE)

    await press(slack, APPROVE, value)
    to_li = await dms(slack, LI)
    assert len(to_li) == 1
    first = Draft.from_json(row.content).sections[0].sentences[0].text
    assert first in texts(to_li[0]) and "Sources" not in texts(to_li[0])
    assert "Approved version 1" in texts((await dms(slack, ANA))[-1])
    await press(slack, APPROVE, value)  # a second click changes and sends nothing
    assert len(await dms(slack, LI)) == 1 and "already approved" in replies(slack)

    store = slack.candor.store
    decided = store.reviews.get(row.id or 0)
    assert decided is not None and decided.status == "approved"
    [output] = store.ai_outputs.recent("review_draft")
    assert output.output["status"] == "approved"
    data, _ = audit_csv(store, slack.clock.now - timedelta(days=1))
    rows = list(csv.DictReader(io.StringIO(data.decode())))
    ai = [r for r in rows if r["action"] == "ai.output" and r["subject_kind"] == "review_draft"]
    [generated] = [r for r in rows if r["action"] == "review.generated"]
    [approved] = [r for r in rows if r["action"] == "review.approved"]
    assert [r["subject_id"] for r in ai] == [str(output.id)]
    assert json.loads(generated["detail"])["inputs"] == row.content["evidence"]
    assert json.loads(generated["detail"])["ai_output"] == output.id
    assert approved["actor_id"] == str(_ids(store)["ana"]) and approved["actor_role"] == "manager"
    assert json.loads(approved["detail"])["ai_output"] == output.id
    assert all(first not in r["detail"] for r in rows)  # ids, never the text
    exported, _ = audit_json(store, slack.clock.now - timedelta(days=1))
    document = json.loads(exported)
    [listed] = [o for o in document["ai_outputs"] if o["id"] == output.id]
    assert listed["sources"] == row.content["evidence"]
    assert listed["decision"]["decision"] == "approved"
    assert listed["decision"]["by"] == _ids(store)["ana"]
    assert first not in exported.decode()


async def test_nobody_but_the_drafting_manager_may_decide(slack: SlackHarness) -> None:
    row, blocks = await draft_for_li(slack)
    value = button_value(blocks, APPROVE)

    await press(slack, APPROVE, value, user=MAYA)  # Ana's manager, Li's skip-level manager
    assert "Only the manager who asked for this draft" in replies(slack)
    await press(slack, APPROVE, value, user=LI)
    assert "Only managers" in replies(slack)
    await press(slack, DISCARD, value, user=MAYA)
    still = slack.candor.store.reviews.get(row.id or 0)
    assert still is not None and still.status == "draft" and still.version == 1
    assert await dms(slack, LI) == []


async def test_regenerate_writes_version_2_and_an_old_button_is_caught(
    slack: SlackHarness,
) -> None:
    row, blocks = await draft_for_li(slack)
    old = button_value(blocks, APPROVE)

    await press(slack, REGENERATE, button_value(blocks, REGENERATE))
    latest = (await dms(slack, ANA))[-1]
    assert "version 2" in texts(latest)
    store = slack.candor.store
    assert [v.reason for v in store.reviews.versions(row.id or 0)] == ["generated", "regenerated"]
    await press(slack, APPROVE, old)  # the v1 message's button
    assert "Someone changed this draft since you opened it" in texts((await dms(slack, ANA))[-1])
    assert await dms(slack, LI) == []

    await press(slack, DISCARD, button_value(latest, DISCARD))
    closed = store.reviews.get(row.id or 0)
    assert closed is not None and closed.status == "discarded"
    assert "Discarded" in texts((await dms(slack, ANA))[-1]) and await dms(slack, LI) == []
    actions = [e.action for e in store.audit.events() if e.subject_kind == "review_draft"]
    assert {"review.generated", "review.regenerated", "review.discarded"} <= set(actions)


def _form(slack: SlackHarness) -> dict[str, Any]:
    return [f for f in slack.forms() if f["callback_id"] == "review.draft.save"][-1]


def _initial(form: dict[str, Any], block_id: str) -> str:
    block = next(b for b in form["blocks"] if b.get("block_id") == block_id)
    return str(block["element"].get("initial_value", ""))


async def test_an_edit_needs_a_source_per_sentence_and_saves_a_new_version(
    slack: SlackHarness,
) -> None:
    row, blocks = await draft_for_li(slack)
    await press(slack, EDIT, button_value(blocks, EDIT))
    form = _form(slack)
    strengths = _initial(form, "strengths")
    assert strengths and all("[" in line for line in strengths.splitlines())

    ack = await slack.submit(form, {"strengths": "Li is great.", "growth": "", "focus": ""},
                             user=ANA)  # fmt: skip
    assert ack["response_action"] == "errors" and "no source" in ack["errors"]["strengths"]
    ack = await slack.submit(form, {"strengths": "Li led the ledger migration. [99]"}, user=ANA)
    assert "not in the list" in ack["errors"]["strengths"]

    mine = "Li led the ledger migration through two incidents. [1]"
    ack = await slack.submit(form, {"strengths": mine, "growth": "", "focus": ""}, user=ANA)
    assert not ack.get("errors")
    store = slack.candor.store
    saved = store.reviews.get(row.id or 0)
    assert saved is not None and saved.version == 2
    [sentence] = Draft.from_json(saved.content).sections[0].sentences
    assert sentence.text == "Li led the ledger migration through two incidents."
    assert sentence.citations == (row.content["evidence"][0],)
    [_, edited] = store.reviews.versions(row.id or 0)
    assert edited.reason == "edited" and edited.author_id == _ids(store)["ana"]
    assert "Saved your edit as version 2" in texts((await dms(slack, ANA))[-1])


async def test_an_edit_racing_a_regenerate_is_caught_and_not_lost(slack: SlackHarness) -> None:
    row, blocks = await draft_for_li(slack)
    await press(slack, EDIT, button_value(blocks, EDIT))
    form = _form(slack)
    await press(slack, REGENERATE, button_value(blocks, REGENERATE))

    mine = "Li wrote the on-call runbook. [3]"
    ack = await slack.submit(form, {"strengths": mine, "growth": "", "focus": ""}, user=ANA)
    assert not ack.get("errors")
    latest = texts((await dms(slack, ANA))[-1])
    assert "Someone changed this draft since you opened it" in latest and mine in latest
    kept = slack.candor.store.reviews.get(row.id or 0)
    assert kept is not None and kept.version == 2
    assert [v.reason for v in slack.candor.store.reviews.versions(row.id or 0)][-1] == "regenerated"


@pytest.fixture
async def with_llm(
    request: pytest.FixtureRequest,
    tmp_path: Path,
    database_url: str,
    standin: SlackStandIn,
    clock: FakeClock,
) -> AsyncIterator[SlackHarness]:
    llm = FakeListChatModel(responses=request.param)
    async with running_candor(tmp_path, database_url, standin, clock, llm=llm) as harness:
        yield harness


@pytest.mark.parametrize("with_llm", [["I'd rather not.", "Still no JSON."] * 2], indirect=True)
async def test_an_invalid_llm_answer_falls_back_to_the_offline_engine_and_says_so(
    with_llm: SlackHarness,
) -> None:
    _, blocks = await draft_for_li(with_llm)

    assert "did not pass the checks" in texts(blocks)
    [output] = with_llm.candor.store.ai_outputs.recent("review_draft")
    assert output.model == "offline" and output.output["fallback_from"] == "FakeListChatModel"


VALID = {
    "sections": [
        {
            "name": "strengths",
            "sentences": [
                {
                    "text": "PERSON_1 led the ledger migration calmly through two incidents.",
                    "citations": ["kudos:2"],
                }
            ],
        },
        {
            "name": "growth",
            "sentences": [
                {
                    "text": "Review turnaround is too slow for the frontend.",
                    "citations": ["feedback:2"],
                }
            ],
        },
        {"name": "focus", "sentences": []},
    ],
    "contrasts": [],
}


@pytest.mark.parametrize("with_llm", [[json.dumps(VALID)]], indirect=True)
async def test_a_valid_llm_answer_is_used_and_named(with_llm: SlackHarness) -> None:
    row, blocks = await draft_for_li(with_llm)

    shown = texts(blocks)
    assert "Written by FakeListChatModel, checked against the sources." in shown
    assert "Li led the ledger migration calmly through two incidents." in shown
    assert row.engine == "llm:FakeListChatModel"
    [output] = with_llm.candor.store.ai_outputs.recent("review_draft")
    assert (output.model, output.prompt, output.prompt_version) == (
        "FakeListChatModel", "review_draft", "1"
    )  # fmt: skip
    assert set(output.input_ids) == set(row.content["evidence"])


async def test_asking_again_shows_the_open_draft_instead_of_a_second_one(
    slack: SlackHarness,
) -> None:
    await draft_for_li(slack)
    await review(slack, f"draft {LI_AT} 3")

    assert len(drafts(slack)) == 1
    assert "You already have a draft for Li Wei" in texts((await dms(slack, ANA))[-1])
