"""The Slack stand-in answers slack_sdk like Slack does, and the contract helper checks calls."""

from __future__ import annotations

import asyncio
import json
import logging
import random
import time
from collections.abc import AsyncIterator, Awaitable
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_async_handlers import AsyncRateLimitErrorRetryHandler
from slack_sdk.web.async_client import AsyncWebClient

from bot.slack.standin import RecordedCall, SlackStandIn, SlackUser, StandInThread
from tests.slack_contract import (
    NOT_WEB_API,
    assert_calls_match_spec,
    check_call,
    load_spec,
)

ALICE = SlackUser("U0ALICE", "alice", "Alice Example", "alice@example.com")
BOB = SlackUser("U0BOB", "bob", "Bob Example", "bob@example.com", tz="America/New_York")
BLOCKS = [{"type": "section", "text": {"type": "mrkdwn", "text": "*Thanks* for the review"}}]


@pytest.fixture
async def standin() -> AsyncIterator[SlackStandIn]:
    async with SlackStandIn(users=[ALICE, BOB]) as server:
        yield server


@pytest.fixture
def client(standin: SlackStandIn) -> AsyncWebClient:
    return AsyncWebClient(token="xoxb-test", base_url=standin.base_url)


async def _error_of(call: Awaitable[Any]) -> str:
    """The Slack error code a failing slack_sdk call raised."""
    with pytest.raises(SlackApiError) as raised:
        await call
    return str(raised.value.response["error"])


async def test_base_urls_end_like_slacks(standin: SlackStandIn) -> None:
    assert standin.base_url.startswith("http://127.0.0.1:")
    assert standin.base_url.endswith("/api/")
    assert standin.response_url_base.endswith("/response/")


async def test_auth_test_names_the_bot(client: AsyncWebClient) -> None:
    response = await client.auth_test()
    assert response["ok"] is True
    assert (response["team_id"], response["user_id"]) == ("T0CANDOR", "U0CANDORBOT")
    assert response["bot_id"]


async def test_users_lookup_by_email_found_and_not_found(client: AsyncWebClient) -> None:
    found = await client.users_lookupByEmail(email="Alice@Example.com")
    assert found["user"]["id"] == "U0ALICE"
    assert found["user"]["profile"]["email"] == "alice@example.com"
    assert await _error_of(client.users_lookupByEmail(email="nobody@example.com")) == (
        "users_not_found"
    )


async def test_users_info_shape_and_runtime_users(
    standin: SlackStandIn, client: AsyncWebClient
) -> None:
    user = (await client.users_info(user="U0BOB"))["user"]
    assert user["tz"] == "America/New_York"
    assert user["is_bot"] is False and user["deleted"] is False
    assert user["profile"]["real_name"] == "Bob Example"
    assert await _error_of(client.users_info(user="U0CAROL")) == "user_not_found"
    standin.add_user(SlackUser("U0CAROL", "carol", "Carol", None, deleted=True))
    carol = (await client.users_info(user="U0CAROL"))["user"]
    assert carol["deleted"] is True and "email" not in carol["profile"]


async def test_conversations_open_gives_stable_dm_ids(client: AsyncWebClient) -> None:
    first = (await client.conversations_open(users="U0ALICE"))["channel"]["id"]
    again = (await client.conversations_open(users="U0ALICE"))["channel"]["id"]
    bob = (await client.conversations_open(users="U0BOB"))["channel"]["id"]
    assert first == again and first.startswith("D") and bob != first
    group_ab = await client.conversations_open(users="U0ALICE,U0BOB")
    group_ba = await client.conversations_open(users="U0BOB,U0ALICE")
    assert group_ab["channel"]["id"] == group_ba["channel"]["id"] != first
    assert await _error_of(client.conversations_open(users="U0NOBODY")) == "user_not_found"
    # The same users get the same DM id from a brand-new stand-in too.
    async with SlackStandIn(users=[ALICE]) as other:
        fresh = AsyncWebClient(token="xoxb-test", base_url=other.base_url)
        assert (await fresh.conversations_open(users="U0ALICE"))["channel"]["id"] == first


async def test_post_message_with_blocks_is_recorded_decoded(
    standin: SlackStandIn, client: AsyncWebClient
) -> None:
    one = await client.chat_postMessage(channel="D0ALICE", text="fallback", blocks=BLOCKS)
    two = await client.chat_postMessage(channel="D0ALICE", text="second")
    assert one["channel"] == "D0ALICE" and float(two["ts"]) > float(one["ts"])
    assert one["message"]["blocks"] == BLOCKS
    (call, _) = standin.calls_to("chat.postMessage")
    assert call.args["blocks"] == BLOCKS and call.args["text"] == "fallback"
    assert "token" not in call.args
    assert [c.args["text"] for c in standin.posted_messages()] == ["fallback", "second"]


async def test_form_bodies_with_json_string_blocks_and_token_field(standin: SlackStandIn) -> None:
    form = {"token": "xoxb-test", "channel": "C0TEAM", "blocks": json.dumps(BLOCKS)}
    async with (
        aiohttp.ClientSession() as session,
        session.post(standin.base_url + "chat.postMessage", data=form) as response,
    ):
        body = await response.json()
    assert body["ok"] is True and body["channel"] == "C0TEAM"
    assert standin.calls_to("chat.postMessage")[0].args["blocks"] == BLOCKS


async def test_posting_to_a_user_id_lands_in_their_dm(client: AsyncWebClient) -> None:
    dm = (await client.conversations_open(users="U0ALICE"))["channel"]["id"]
    assert (await client.chat_postMessage(channel="U0ALICE", text="hi"))["channel"] == dm


async def test_slack_errors_for_bad_calls(client: AsyncWebClient) -> None:
    assert await _error_of(client.api_call("chat.postMessage", json={"text": "x"})) == (
        "channel_not_found"
    )
    no_text = client.api_call("chat.postMessage", json={"channel": "C0TEAM"})
    assert await _error_of(no_text) == "no_text"
    assert await _error_of(client.api_call("reactions.add")) == "unknown_method"
    assert await _error_of(client.api_call("auth_test")) == "unknown_method"


async def test_bad_or_missing_token(standin: SlackStandIn) -> None:
    wrong = AsyncWebClient(token="xoxb-wrong", base_url=standin.base_url)
    assert await _error_of(wrong.auth_test()) == "invalid_auth"
    anonymous = AsyncWebClient(base_url=standin.base_url)
    assert await _error_of(anonymous.auth_test()) == "not_authed"
    assert [c.error for c in standin.calls] == ["invalid_auth", "not_authed"]


async def test_ephemeral_update_and_views(standin: SlackStandIn, client: AsyncWebClient) -> None:
    posted = await client.chat_postMessage(channel="C0TEAM", text="draft")
    ephemeral = await client.chat_postEphemeral(channel="C0TEAM", user="U0ALICE", text="psst")
    assert float(ephemeral["message_ts"]) > float(posted["ts"])
    updated = await client.chat_update(channel="C0TEAM", ts=posted["ts"], text="final")
    assert updated["ts"] == posted["ts"] and updated["message"]["text"] == "final"
    modal = {"type": "modal", "title": {"type": "plain_text", "text": "Kudos"}, "blocks": []}
    opened = (await client.views_open(trigger_id="123.456", view=modal))["view"]
    assert opened["id"].startswith("V") and opened["type"] == "modal"
    moved = await client.views_update(view_id=opened["id"], view=modal | {"blocks": BLOCKS})
    assert moved["view"]["id"] == opened["id"] and moved["view"]["blocks"] == BLOCKS
    home = await client.views_publish(user_id="U0ALICE", view={"type": "home", "blocks": []})
    assert home["view"]["type"] == "home"
    assert await _error_of(client.views_open(trigger_id="", view=modal)) == "invalid_arguments"
    assert [c.method for c in standin.posted_messages()] == [
        "chat.postMessage",
        "chat.postEphemeral",
    ]
    assert standin.calls_to("views.open")[0].args["view"] == modal


async def test_files_upload_v2_round_trip(standin: SlackStandIn, client: AsyncWebClient) -> None:
    response = await client.files_upload_v2(
        content="a,b\n1,2\n", filename="export.csv", channel="D0ALICE"
    )
    file_id = response["file"]["id"]
    assert standin.uploaded_files[file_id] == b"a,b\n1,2\n"
    completed = standin.calls_to("files.completeUploadExternal")[0]
    assert completed.args["files"][0]["id"] == file_id


async def test_fail_next_answers_429_with_retry_after(standin: SlackStandIn) -> None:
    standin.fail_next("auth.test", retry_after=7, times=2)
    headers = {"Authorization": "Bearer xoxb-test"}
    statuses = []
    async with aiohttp.ClientSession(headers=headers) as session:
        for _ in range(3):
            async with session.post(standin.base_url + "auth.test") as response:
                statuses.append((response.status, response.headers.get("Retry-After")))
                body = await response.json()
    assert statuses == [(429, "7"), (429, "7"), (200, None)]
    assert body["ok"] is True
    assert [c.error for c in standin.calls] == ["ratelimited", "ratelimited", None]


async def test_fail_next_server_error(standin: SlackStandIn, client: AsyncWebClient) -> None:
    standin.fail_next("chat.postMessage", status=503)
    with pytest.raises(SlackApiError) as raised:
        await client.chat_postMessage(channel="C0TEAM", text="x")
    assert raised.value.response.status_code == 503
    assert "Retry-After" not in raised.value.response.headers


async def test_rate_limit_retry_handler_retries_then_succeeds(
    standin: SlackStandIn, client: AsyncWebClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    # slack_sdk sleeps Retry-After plus random() seconds; zero both to keep the test fast.
    monkeypatch.setattr(random, "random", lambda: 0.0)
    client.retry_handlers.append(AsyncRateLimitErrorRetryHandler(max_retry_count=2))
    standin.fail_next("chat.postMessage", retry_after=0, times=2)
    response = await client.chat_postMessage(channel="C0TEAM", text="eventually")
    assert response["ok"] is True
    attempts = standin.calls_to("chat.postMessage")
    assert [c.status for c in attempts] == [429, 429, 200]
    assert len(standin.posted_messages()) == 1


async def test_response_url_posts_are_recorded(standin: SlackStandIn) -> None:
    url = standin.response_url_base + "T0CANDOR/1234/abcd"
    async with aiohttp.ClientSession() as session:
        async with session.post(url, json={"text": "Saved", "response_type": "ephemeral"}) as ok:
            assert ok.status == 200 and (await ok.json())["ok"] is True
        async with session.post(url, data="not json") as bad:
            assert bad.status == 400
    (call,) = standin.posted_messages()
    assert call.method == "response_url" and call.args["text"] == "Saved"
    assert call.args["response_url"] == url
    assert [c.error for c in standin.calls_to("response_url")] == [None, "invalid_payload"]


async def test_wait_for_sees_later_calls_and_times_out(
    standin: SlackStandIn, client: AsyncWebClient
) -> None:
    standin.clear()
    assert await standin.wait_for(0, timeout=0.1) == []
    await client.chat_postMessage(channel="C0TEAM", text="secret words")

    def two_messages(calls: list[RecordedCall]) -> bool:
        return sum(c.method == "chat.postMessage" for c in calls) >= 2

    started = time.monotonic()
    with pytest.raises(TimeoutError) as raised:
        await standin.wait_for(two_messages, timeout=0.2)
    assert 0.2 <= time.monotonic() - started < 1.0
    summary = str(raised.value)
    assert "two_messages" in summary and "chat.postMessage[C0TEAM]" in summary
    assert "secret words" not in summary  # summaries carry keys and ids, never text
    assert len(await standin.wait_for(1)) == 1
    # A call still in flight when waiting starts is seen as soon as it lands.
    later = asyncio.create_task(client.chat_postMessage(channel="C0TEAM", text="later"))
    assert len(await standin.wait_for(two_messages)) == 2
    await later


def test_standin_thread_serves_sync_clients() -> None:
    standin = SlackStandIn(users=[ALICE])
    with StandInThread(standin) as thread:
        client = WebClient(token="xoxb-test", base_url=thread.base_url)
        assert client.auth_test()["user_id"] == "U0CANDORBOT"
        assert client.users_info(user="U0ALICE")["user"]["name"] == "alice"
        dm = client.conversations_open(users="U0ALICE")["channel"]["id"]
        client.chat_postMessage(channel=dm, text="from a thread", blocks=BLOCKS)
        (call,) = standin.wait_for_sync(lambda calls: len(calls) >= 4)[3:]
        assert call.args["blocks"] == BLOCKS
    with pytest.raises(TimeoutError):
        standin.wait_for_sync(5, timeout=0.05)


async def test_message_text_is_never_logged(
    client: AsyncWebClient, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.DEBUG, logger="bot.slack.standin"):
        await client.chat_postMessage(channel="C0TEAM", text="private feedback", blocks=BLOCKS)
    assert "chat.postMessage" in caplog.text
    assert "private feedback" not in caplog.text and "Thanks" not in caplog.text


# -- contract helper ------------------------------------------------------------------------


async def test_recorded_calls_pass_the_contract(
    standin: SlackStandIn, client: AsyncWebClient
) -> None:
    load_spec()  # skips without the spec
    await client.auth_test()
    await client.users_lookupByEmail(email="bob@example.com")
    await client.conversations_open(users="U0ALICE")
    await client.chat_postMessage(channel="D0ALICE", text="hi", blocks=BLOCKS)
    await client.views_publish(user_id="U0ALICE", view={"type": "home", "blocks": []})
    async with aiohttp.ClientSession() as session:
        await session.post(standin.response_url_base + "x", json={"text": "done"})
    assert "response_url" in NOT_WEB_API and standin.calls_to("response_url")
    assert assert_calls_match_spec(standin.calls) == []


def test_unknown_method_is_a_problem() -> None:
    result = check_call("chat.postFeedback", {"channel": "C1"})
    assert result.problems == ["chat.postFeedback: no such Web API method in the spec"]


def test_missing_required_parameters_are_problems() -> None:
    # The spec marks channel required for chat.postMessage, email for users.lookupByEmail, and
    # trigger_id and view for views.open. conversations.open has none: channel or users will do.
    assert check_call("chat.postMessage", {"text": "hi"}).problems == [
        "chat.postMessage: required parameter 'channel' missing"
    ]
    assert check_call("users.lookupByEmail", {"email": ""}).problems == [
        "users.lookupByEmail: required parameter 'email' missing"
    ]
    assert len(check_call("views.open", {}).problems) == 2
    assert check_call("conversations.open", {}).ok


def test_unknown_parameters_are_only_warnings() -> None:
    # chat.postMessage's ``metadata`` arrived in 2022, after the spec.
    result = check_call("chat.postMessage", {"channel": "C1", "text": "x", "metadata": {}})
    assert result.ok
    assert result.warnings == ["chat.postMessage: parameter 'metadata' not in the 2021 spec"]


def test_methods_newer_than_the_spec_are_warnings_with_required_params() -> None:
    result = check_call("files.getUploadURLExternal", {"filename": "a.csv"})
    assert result.problems == ["files.getUploadURLExternal: required parameter 'length' missing"]
    assert result.warnings


def test_assert_calls_match_spec_lists_every_problem() -> None:
    calls = [
        RecordedCall("chat.postMessage", {"text": "x"}, 0.0),
        RecordedCall("response_url", {"text": "skipped"}, 0.0),
        RecordedCall("no.such", {}, 0.0),
    ]
    with pytest.raises(pytest.fail.Exception) as raised:
        assert_calls_match_spec(calls)
    assert "call #0 chat.postMessage" in str(raised.value)
    assert "call #2 no.such" in str(raised.value)
    assert "response_url" not in str(raised.value)


def test_missing_spec_skips(tmp_path: Path) -> None:
    with pytest.raises(pytest.skip.Exception):
        load_spec(tmp_path / "absent.json")
