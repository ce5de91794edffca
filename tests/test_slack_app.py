"""The Slack adapter end to end: signed HTTP requests to the real Bolt app, a local Web API."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import pytest
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_sdk.signature import SignatureVerifier

from bot.app import create_app
from bot.slack.app import build_slack_app
from bot.slack.standin import RecordedCall
from handlers.catalog import build_router
from handlers.services import Services
from store.repository import Store
from store.vector.embedder import HashingEmbedder
from store.vector.index import InMemoryIndex
from tests.conftest import SlackHarness, make_settings, running_candor
from tests.slack_contract import SPEC_PATH, assert_calls_match_spec

SIGNING_VECTOR = SPEC_PATH.parent / "slack_docs_signing_vector.json"


def _texts(calls: list[RecordedCall]) -> str:
    return json.dumps([c.args.get("blocks") or c.args.get("text") for c in calls])


def _posts(slack: SlackHarness, channel: str) -> list[RecordedCall]:
    return [c for c in slack.standin.calls_to("chat.postMessage") if c.args["channel"] == channel]


def _dm_users(slack: SlackHarness) -> list[str]:
    return [c.args["users"] for c in slack.standin.calls_to("conversations.open")]


def _replies(slack: SlackHarness) -> list[RecordedCall]:
    return slack.standin.calls_to("response_url")


async def test_kudos_is_stored_posted_and_sent_to_recipient_and_manager(
    slack: SlackHarness,
) -> None:
    status = await slack.kudos("<@U0SAM|sam> for fixing the flaky checkout tests #craft")

    assert status == 200
    [kudos] = slack.candor.store.kudos.page(0, 10)
    sam = slack.candor.store.people.by_email("sam@example.com")
    li = slack.candor.store.people.by_email("li@example.com")
    assert sam and li
    assert kudos.recipient_ids == (sam.id,)
    assert kudos.giver_id == li.id
    assert kudos.text == "for fixing the flaky checkout tests"
    assert kudos.company_values == ("craft",)
    [post] = _posts(slack, "C0GENERAL")
    assert "<@U0SAM>" in _texts([post]) and "<@U0LI>" in _texts([post])
    assert "fixing the flaky checkout tests" in _texts([post])
    # Sam hears it in a DM, and so does Sam's manager Ana.
    assert sorted(_dm_users(slack)) == ["U0ANA", "U0SAM"]
    assert _replies(slack) == []


async def test_two_recipients_with_one_manager_gives_one_manager_dm(slack: SlackHarness) -> None:
    await slack.kudos("<@U0SAM|sam> <@U0LI|li> for pairing on the billing migration", user="U0OMAR")

    [kudos] = slack.candor.store.kudos.page(0, 10)
    assert len(kudos.recipient_ids) == 2
    assert sorted(_dm_users(slack)) == ["U0ANA", "U0LI", "U0SAM"]
    manager_dm = [
        c for c in slack.standin.calls_to("chat.postMessage") if "Your team" in c.args["text"]
    ]
    assert (
        len(manager_dm) == 1
        and "<@U0SAM>" in _texts(manager_dm)
        and "<@U0LI>" in _texts(manager_dm)
    )


async def test_the_giver_manager_is_not_told_about_their_own_kudos(slack: SlackHarness) -> None:
    await slack.kudos("<@U0SAM|sam> for the accessibility audit", user="U0ANA")

    assert _dm_users(slack) == ["U0SAM"]


async def test_kudos_channel_setting_posts_there_and_confirms_privately(
    tmp_path: Path, database_url: str, standin: Any, clock: Any
) -> None:
    async with running_candor(
        tmp_path, database_url, standin, clock, CANDOR_KUDOS_CHANNEL="C0KUDOS"
    ) as harness:
        await harness.kudos("<@U0SAM|sam> for the release notes", channel="C0RANDOM")

    assert len(_posts(harness, "C0KUDOS")) == 1
    assert _posts(harness, "C0RANDOM") == []
    [confirm] = _replies(harness)
    assert confirm.args["response_type"] == "ephemeral"
    assert "kudos channel" in _texts([confirm])


async def test_same_request_twice_is_stored_and_posted_once(slack: SlackHarness) -> None:
    body = slack.command_body("<@U0SAM|sam> for the on-call handover notes", trigger="trig-1")

    assert await slack.post(body) == 200
    await slack.settle(0)
    before = len(slack.standin.calls)
    assert await slack.post(body) == 200
    await slack.settle(before, quiet=0.3, answer=False)

    assert slack.candor.store.kudos.count() == 1
    assert len(_posts(slack, "C0GENERAL")) == 1
    assert len(slack.standin.calls) == before  # the repeat sends nothing at all


async def test_same_request_after_restart_is_not_stored_again(
    slack: SlackHarness, tmp_path: Path, database_url: str
) -> None:
    body = slack.command_body("<@U0SAM|sam> for the on-call handover notes", trigger="trig-2")
    await slack.post(body)
    await slack.settle(0)
    posts = len(_posts(slack, "C0GENERAL"))

    # A second Candor process on the same database: the request key survives the restart.
    from aiohttp.test_utils import TestServer

    settings = make_settings(tmp_path / "second", database_url, slack.standin.base_url)
    second = create_app(settings, clock=slack.clock, open_vector_index=lambda: slack.index)
    server = TestServer(second.web_app())
    await server.start_server()
    try:
        restarted = SlackHarness(
            second, server, slack.standin, slack.clock, slack.index, slack.http
        )
        before = len(slack.standin.calls)
        assert await restarted.post(body) == 200
        await restarted.settle(before, quiet=0.3, answer=False)
    finally:
        await server.close()

    assert slack.candor.store.kudos.count() == 1
    assert len(_posts(slack, "C0GENERAL")) == posts


@pytest.mark.parametrize(
    ("text", "user", "expected"),
    [
        ("<@U0LI|li> for being great", "U0LI", "can't give kudos to yourself"),
        ("<@U0SAM|sam> <@U0LI|li> for the demo", "U0LI", "can't give kudos to yourself"),
        ("<@U0GUEST|gia> for the contract review", "U0LI", "not in Candor's org directory"),
        ("<@U0NOSUCH> for the contract review", "U0LI", "not in Candor's org directory"),
        ("<@U0DEPLOYBOT|deploybot> for deploying", "U0LI", "is a bot"),
        ("<@U0SAM|sam>", "U0LI", "Say what they did"),
        ("<@U0SAM|sam> for", "U0LI", "Say what they did"),
        ("<@U0SAM|sam> #craft", "U0LI", "Say what they did"),
        ("for nothing in particular", "U0LI", "Mention at least one person"),
        ("<@U0SAM|sam> for the docs #synergy", "U0LI", "#synergy isn't one of the company values"),
        ("<@U0SAM|sam> for " + "x" * 600, "U0LI", "under 500 characters"),
        ("<@U0SAM|sam> for the docs", "U0GUEST", "not in Candor's org directory yet"),
    ],
)
async def test_bad_kudos_get_a_private_reason_and_store_nothing(
    slack: SlackHarness, text: str, user: str, expected: str
) -> None:
    status = await slack.kudos(text, user=user)

    assert status == 200
    assert slack.candor.store.kudos.count() == 0
    assert slack.candor.store.outbox.pending_count() == 0
    assert slack.standin.calls_to("chat.postMessage") == []
    [reply] = _replies(slack)
    assert reply.args["response_type"] == "ephemeral"
    assert expected in _texts([reply])


async def test_usage_is_shown_with_a_usage_error(slack: SlackHarness) -> None:
    await slack.kudos("<@U0SAM|sam> for the docs #synergy")

    rendered = _texts(_replies(slack))
    assert "#ownership" in rendered  # says which values are allowed
    assert "Usage:" in rendered and "/kudos @person" in rendered


@pytest.mark.parametrize("text", ["help", "", "  ", "?"])
async def test_kudos_help_shows_usage(slack: SlackHarness, text: str) -> None:
    await slack.kudos(text)

    [reply] = _replies(slack)
    assert reply.args["response_type"] == "ephemeral"
    assert "/kudos @person" in _texts([reply])
    assert slack.candor.store.kudos.count() == 0


async def test_daily_limit_per_giver(slack: SlackHarness) -> None:
    for n in range(10):
        await slack.kudos(f"<@U0SAM|sam> for review number {n}")
    assert slack.candor.store.kudos.count() == 10

    await slack.kudos("<@U0SAM|sam> for one more review")
    assert slack.candor.store.kudos.count() == 10
    assert "daily limit" in _texts(_replies(slack))

    slack.clock.advance(hours=24, minutes=1)
    await slack.kudos("<@U0SAM|sam> for the next day's review")
    assert slack.candor.store.kudos.count() == 11


@pytest.mark.parametrize(
    ("secret", "age", "label"),
    [("wrong-secret", 0, "wrong secret"), (None, 6 * 60, "stale timestamp")],
)
async def test_bad_signatures_get_401_and_do_nothing(
    slack: SlackHarness, secret: str | None, age: int, label: str
) -> None:
    body = slack.command_body("<@U0SAM|sam> for the docs")
    kwargs: dict[str, Any] = {"timestamp": int(time.time()) - age}
    if secret:
        kwargs["secret"] = secret

    assert await slack.post(body, **kwargs) == 401, label
    assert slack.candor.store.kudos.count() == 0
    assert [c for c in slack.standin.calls if c.method != "users.lookupByEmail"] == []


async def test_unsigned_request_gets_401(slack: SlackHarness) -> None:
    body = slack.command_body("<@U0SAM|sam> for the docs")
    async with slack.http.post(slack.url, data=body.encode()) as response:
        assert response.status == 401


def test_slack_signing_example_verifies_only_with_the_clock_frozen() -> None:
    if not SIGNING_VECTOR.is_file():
        pytest.skip(f"Slack's signing example is not at {SIGNING_VECTOR}")
    vector = json.loads(SIGNING_VECTOR.read_text())
    headers = {
        "x-slack-request-timestamp": vector["x_slack_request_timestamp"],
        "x-slack-signature": vector["expected_x_slack_signature"],
    }

    class Frozen:
        def now(self) -> float:
            return float(vector["x_slack_request_timestamp"])

    frozen = SignatureVerifier(vector["signing_secret"], clock=Frozen())  # type: ignore[arg-type]
    assert frozen.is_valid_request(vector["raw_body"], headers)
    real = SignatureVerifier(vector["signing_secret"])
    assert not real.is_valid_request(vector["raw_body"], headers)


async def test_slack_signing_example_is_rejected_by_candor_with_the_real_clock(
    tmp_path: Path, store: Store, standin: Any
) -> None:
    if not SIGNING_VECTOR.is_file():
        pytest.skip(f"Slack's signing example is not at {SIGNING_VECTOR}")
    vector = json.loads(SIGNING_VECTOR.read_text())
    settings = make_settings(
        tmp_path, "sqlite://", standin.base_url, SLACK_SIGNING_SECRET=vector["signing_secret"]
    )
    app = build_slack_app(settings, Services(store=store), build_router())
    request = AsyncBoltRequest(
        body=vector["raw_body"],
        headers={
            "content-type": vector["content_type"],
            "x-slack-request-timestamp": vector["x_slack_request_timestamp"],
            "x-slack-signature": vector["expected_x_slack_signature"],
        },
    )

    response = await app.async_dispatch(request)

    assert response.status == 401


async def test_outgoing_web_api_calls_match_slacks_spec(slack: SlackHarness) -> None:
    await slack.kudos("<@U0SAM|sam> <@U0OMAR|omar> for the incident review #learning")
    await slack.kudos("<@U0LI|li> for being great", user="U0LI")

    assert slack.standin.calls_to("chat.postMessage")
    assert_calls_match_spec(slack.standin.calls)


async def test_new_feedback_reaches_the_vector_index_after_the_ack(slack: SlackHarness) -> None:
    await slack.kudos("<@U0SAM|sam> for rescuing the payment retries during the outage")
    assert slack.candor.store.outbox.pending_count() in (0, 1)

    await slack.candor.indexer.drain_once()

    [kudos] = slack.candor.store.kudos.page(0, 1)
    assert slack.index.ids() == {f"kudos:{kudos.id}"}
    assert slack.candor.store.outbox.pending_count() == 0


async def test_feedback_is_kept_when_the_index_is_down(
    tmp_path: Path, database_url: str, standin: Any, clock: Any
) -> None:
    index = InMemoryIndex(HashingEmbedder())
    up = {"value": False}

    def open_index() -> InMemoryIndex:
        if not up["value"]:
            raise ConnectionError("chroma is down")
        return index

    async with running_candor(
        tmp_path, database_url, standin, clock, open_index=open_index
    ) as harness:
        candor = harness.candor
        assert await harness.kudos("<@U0SAM|sam> for the failover drill") == 200
        assert candor.store.kudos.count() == 1
        with pytest.raises(ConnectionError):
            await candor.indexer.drain_once()
        assert candor.store.outbox.pending_count() == 1

        up["value"] = True
        assert await candor.indexer.drain_once() == 1
        assert index.count() == 1


async def test_an_unexpected_error_gets_an_apology_not_a_traceback(
    slack: SlackHarness, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(**_kwargs: Any) -> None:
        raise RuntimeError("database exploded: SELECT secret FROM kudos")

    monkeypatch.setattr(slack.candor.store.kudos, "create", broken)

    assert await slack.kudos("<@U0SAM|sam> for the docs") == 200
    rendered = _texts(_replies(slack))
    assert "Something went wrong on our side" in rendered
    assert "exploded" not in rendered and "SELECT" not in rendered


async def test_healthz_reports_database_and_outbox(slack: SlackHarness) -> None:
    async with slack.http.get(slack.server.make_url("/healthz")) as response:
        body = await response.json()
    assert response.status == 200
    assert body["ok"] is True and body["database"] == "ok" and body["outbox_pending"] == 0


def test_serve_refuses_to_start_without_the_signing_secret(tmp_path: Path) -> None:
    from bot.settings import Settings, SettingsError

    settings = Settings.from_env(
        {"CANDOR_DATA_DIR": str(tmp_path), "SLACK_BOT_TOKEN": "xoxb-1"}, dotenv_path=None
    )
    with pytest.raises(SettingsError, match="SLACK_SIGNING_SECRET"):
        create_app(settings)
