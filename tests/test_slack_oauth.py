"""Slack OAuth for several workspaces, end to end: the real Bolt app behind aiohttp, the
installation store in Candor's database, and the Web API stand-in playing Slack."""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlparse

import pytest
import yaml
from aiohttp import ClientSession
from aiohttp.test_utils import TestServer
from slack_sdk.web.async_client import AsyncWebClient
from sqlalchemy import text

from bot.app import create_app
from bot.settings import SLACK_DEFAULT_SCOPES, Settings, SettingsError
from bot.slack.directory import SlackDirectory
from bot.slack.signed_requests import signed_headers, slash_command_body
from bot.slack.standin import RecordedCall, SlackStandIn
from bot.web import AccessLog
from handlers.messages import Message, Outgoing, ToChannel, ToPerson
from handlers.org_import import import_directory
from handlers.services import Services
from store.vector.embedder import HashingEmbedder
from store.vector.index import InMemoryIndex
from tests.conftest import (
    BOT_TOKEN,
    ORG_CSV,
    SIGNING_SECRET,
    FakeClock,
    SlackHarness,
    make_settings,
)
from tests.slack_contract import assert_calls_match_spec

CLIENT_ID = "1111.2222"
CLIENT_SECRET = "client-secret-" + uuid.uuid4().hex
ALPHA, BETA = "T0ALPHA", "T0BETA"
MANIFEST = Path(__file__).resolve().parents[1] / "manifests" / "slack" / "manifest.yaml"
COOKIE = "slack-app-oauth-state"
# Bolt's answer, through the response_url, to a workspace it has no installation for.
NO_INSTALLATION = "your installation with this app is no longer available"


@asynccontextmanager
async def oauth_candor(
    tmp_path: Path,
    database_url: str,
    standin: SlackStandIn,
    clock: FakeClock,
    *,
    import_org: bool = True,
    **env: str,
) -> AsyncIterator[SlackHarness]:
    """Candor in OAuth mode (no SLACK_BOT_TOKEN) with the sample org imported."""
    standin.enable_oauth(CLIENT_ID, CLIENT_SECRET, rotation=env.get("SLACK_TOKEN_ROTATION") == "1")
    settings = make_settings(
        tmp_path,
        database_url,
        standin.base_url,
        SLACK_BOT_TOKEN="",
        SLACK_CLIENT_ID=CLIENT_ID,
        SLACK_CLIENT_SECRET=CLIENT_SECRET,
        **env,
    )
    index = InMemoryIndex(HashingEmbedder())
    candor = create_app(settings, clock=clock, open_vector_index=lambda: index)
    # The org import links Slack ids by email (here through the stand-in's own workspace).
    lookups = SlackDirectory(AsyncWebClient(token=BOT_TOKEN, base_url=standin.base_url))
    if import_org:
        await import_directory(candor.store, ORG_CSV, clock(), lookups)
    server = TestServer(candor.web_app(run_scheduler=False))
    await server.start_server(access_log_class=AccessLog)  # as `candor serve` runs it
    try:
        async with ClientSession() as http:
            yield SlackHarness(candor, server, standin, clock, index, http)
    finally:
        await server.close()


@pytest.fixture
async def oauth(
    tmp_path: Path, database_url: str, standin: SlackStandIn, clock: FakeClock
) -> AsyncIterator[SlackHarness]:
    async with oauth_candor(tmp_path, database_url, standin, clock) as harness:
        yield harness


def _url(h: SlackHarness, path: str) -> str:
    return str(h.server.make_url(path))


async def start_install(h: SlackHarness) -> tuple[int, str, str]:
    """GET /slack/install: the status, the page, and the "Add to Slack" link."""
    async with h.http.get(_url(h, "/slack/install")) as response:
        page = await response.text()
        status = response.status
    start = page.index('<a href="') + len('<a href="')
    return status, page, page[start : page.index('"', start)].replace("&amp;", "&")


async def finish_install(
    h: SlackHarness, code: str, state: str, cookie: str | None = None
) -> tuple[int, str]:
    """The installer's browser back on /slack/oauth_redirect with Slack's code."""
    headers = {"Cookie": f"{COOKIE}={state if cookie is None else cookie}"}
    query = {"code": code, "state": state}
    async with h.http.get(
        _url(h, "/slack/oauth_redirect"), params=query, headers=headers
    ) as response:
        return response.status, await response.text()


async def install(
    h: SlackHarness, team_id: str, name: str = "", installer_id: str = "U0INSTALLER"
) -> str:
    """The whole flow for one workspace; returns the bot token Slack issued."""
    _, _, link = await start_install(h)
    query = parse_qs(urlparse(link).query)
    scopes = query["scope"][0].split(",")
    code = h.standin.authorize_install(
        team_id, name or team_id, installer_id=installer_id, scopes=scopes
    )
    status, page = await finish_install(h, code, query["state"][0])
    assert status == 200, page
    return h.standin.bot_tokens(team_id)[-1]


def rows(h: SlackHarness, sql: str, **params: Any) -> list[tuple[Any, ...]]:
    with h.candor.store.engine.connect() as connection:
        return [tuple(r) for r in connection.execute(text(sql), params)]


def bots(h: SlackHarness) -> dict[str, str]:
    return dict(rows(h, "SELECT team_id, bot_token FROM slack_bots"))


async def kudos_from(h: SlackHarness, team_id: str, text_: str, user: str) -> list[RecordedCall]:
    """A signed /kudos from a workspace; the calls Candor made answering it."""
    body = slash_command_body(
        command="/kudos",
        text=text_,
        user_id=user,
        team_id=team_id,
        trigger_id=uuid.uuid4().hex,
        response_url=h.standin.response_url_base + uuid.uuid4().hex,
    )
    before = len(h.standin.calls)
    assert await h.post(body) == 200
    await h.settle(before)
    return h.standin.calls[before:]


async def event(h: SlackHarness, team_id: str, payload: dict[str, Any]) -> int:
    """A signed Events API envelope, as Slack posts it (first delivery, no retry headers)."""
    envelope = {
        "token": "deprecated-verification-token",
        "team_id": team_id,
        "api_app_id": "A0CANDOR",
        "event": {**payload, "event_ts": f"{time.time():.6f}"},
        "type": "event_callback",
        "event_id": "Ev" + uuid.uuid4().hex[:10].upper(),
        "event_time": int(time.time()),
    }
    body = json.dumps(envelope)
    headers = {**signed_headers(SIGNING_SECRET, body), "Content-Type": "application/json"}
    async with h.http.post(h.url, data=body.encode(), headers=headers) as response:
        await response.read()
        return response.status


async def eventually(check: Callable[[], bool], timeout: float = 5.0) -> None:
    """Bolt acks an event first and runs its listener after: poll for the outcome."""
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, "timed out"
        await asyncio.sleep(0.02)


def tokens_used(calls: list[RecordedCall]) -> set[str | None]:
    return {c.token for c in calls if c.method not in ("response_url", "oauth.v2.access")}


async def test_install_page_links_to_slack_with_client_id_scopes_and_a_stored_state(
    oauth: SlackHarness,
) -> None:
    status, page, link = await start_install(oauth)

    assert status == 200 and "Add to Slack" in page
    url = urlparse(link)
    query = parse_qs(url.query)
    assert (url.netloc, url.path) == ("slack.com", "/oauth/v2/authorize")
    assert query["client_id"] == [CLIENT_ID]
    assert query["scope"][0].split(",") == list(SLACK_DEFAULT_SCOPES)
    [state] = query["state"]
    assert rows(oauth, "SELECT state FROM slack_oauth_states") == [(state,)]


async def test_redirect_exchanges_the_code_and_stores_the_installation(
    oauth: SlackHarness,
) -> None:
    _, _, link = await start_install(oauth)
    state = parse_qs(urlparse(link).query)["state"][0]
    code = oauth.standin.authorize_install(ALPHA, "Alpha Inc", installer_id="U0LI")

    status, page = await finish_install(oauth, code, state)

    assert status == 200 and "Thank you!" in page
    [exchange] = oauth.standin.calls_to("oauth.v2.access")
    assert exchange.ok and exchange.args["code"] == code
    [token] = oauth.standin.bot_tokens(ALPHA)
    assert rows(
        oauth, "SELECT team_id, team_name, bot_token, bot_user_id, user_id FROM slack_installations"
    ) == [(ALPHA, "Alpha Inc", token, "U0ALPHABOT", "U0LI")]
    assert rows(oauth, "SELECT team_id, bot_token, bot_id FROM slack_bots") == [
        (ALPHA, token, "B0ALPHABOT")
    ]
    assert rows(oauth, "SELECT state FROM slack_oauth_states") == []  # used once
    assert_calls_match_spec(oauth.standin.calls)


@pytest.mark.parametrize("problem", ["unknown state", "expired state", "other browser"])
async def test_a_bad_state_fails_and_stores_nothing(oauth: SlackHarness, problem: str) -> None:
    _, _, link = await start_install(oauth)
    state = parse_qs(urlparse(link).query)["state"][0]
    code = oauth.standin.authorize_install(ALPHA)
    cookie = None
    if problem == "unknown state":
        state = cookie = str(uuid.uuid4())
    elif problem == "expired state":
        with oauth.candor.store.engine.begin() as connection:
            connection.execute(
                text("UPDATE slack_oauth_states SET expire_at = :past"),
                {"past": datetime(2020, 1, 1)},
            )
    else:
        cookie = "another-browsers-state"

    status, page = await finish_install(oauth, code, state, cookie)

    assert status in (400, 401) and "Oops, Something Went Wrong!" in page
    assert oauth.standin.calls_to("oauth.v2.access") == []
    assert rows(oauth, "SELECT count(*) FROM slack_installations") == [(0,)]
    assert bots(oauth) == {}


async def test_a_refused_code_fails_and_stores_nothing(oauth: SlackHarness) -> None:
    _, _, link = await start_install(oauth)
    state = parse_qs(urlparse(link).query)["state"][0]

    status, page = await finish_install(oauth, "code-nobody-issued", state)

    assert status == 401 and "Oops, Something Went Wrong!" in page
    [exchange] = oauth.standin.calls_to("oauth.v2.access")
    assert exchange.error == "invalid_code"
    assert bots(oauth) == {}


async def test_each_workspace_is_answered_with_its_own_token(oauth: SlackHarness) -> None:
    alpha = await install(oauth, ALPHA)
    beta = await install(oauth, BETA)
    assert alpha != beta and bots(oauth) == {ALPHA: alpha, BETA: beta}

    from_alpha = await kudos_from(oauth, ALPHA, "<@U0SAM|sam> for the runbook #craft", "U0LI")
    from_beta = await kudos_from(oauth, BETA, "<@U0OMAR|omar> for the failover drill", "U0MAYA")

    for calls, token in ((from_alpha, alpha), (from_beta, beta)):
        assert {c.method for c in calls if c.ok} >= {"auth.test", "chat.postMessage"}
        assert tokens_used(calls) == {token}
        assert all(c.ok for c in calls)
    assert oauth.candor.store.kudos.count() == 2
    # Each person's workspace is remembered for posts no request carries.
    teams = dict(rows(oauth, "SELECT slack_user_id, slack_team_id FROM people"))
    assert teams["U0LI"] == teams["U0SAM"] == ALPHA
    assert teams["U0MAYA"] == teams["U0OMAR"] == BETA
    assert teams["U0HANA"] is None


async def test_expiring_tokens_are_refreshed_before_use_and_saved(
    tmp_path: Path, database_url: str, standin: SlackStandIn, clock: FakeClock
) -> None:
    async with oauth_candor(tmp_path, database_url, standin, clock, SLACK_TOKEN_ROTATION="1") as h:
        first = await install(h, ALPHA)
        [(refresh, expires)] = rows(
            h, "SELECT bot_refresh_token, bot_token_expires_at FROM slack_bots"
        )
        assert first.startswith("xoxe.xoxb-") and refresh.startswith("xoxe-1-")
        assert expires is not None

        calls = await kudos_from(h, ALPHA, "<@U0SAM|sam> for the runbook", "U0LI")
        assert tokens_used(calls) == {first}  # 12 hours left: no refresh
        assert not any(c.method == "oauth.v2.access" for c in calls)

        # Eleven hours later the token is inside Bolt's two-hour refresh window.
        standin.expire(first)
        with h.candor.store.engine.begin() as connection:
            for table in ("slack_bots", "slack_installations"):
                connection.execute(
                    text(f"UPDATE {table} SET bot_token_expires_at = :soon"),
                    {"soon": datetime(2020, 1, 1)},
                )
        calls = await kudos_from(h, ALPHA, "<@U0SAM|sam> for the handover", "U0LI")

        [rotation] = [c for c in calls if c.method == "oauth.v2.access"]
        assert rotation.ok and rotation.args["grant_type"] == "refresh_token"
        assert rotation.args["refresh_token"] == refresh
        [second] = standin.bot_tokens(ALPHA)
        assert second != first and tokens_used(calls) == {second}
        assert h.candor.store.kudos.count() == 2
        for table in ("slack_bots", "slack_installations"):
            [(token, new_refresh)] = rows(
                h,
                f"SELECT bot_token, bot_refresh_token FROM {table}",
            )
            assert token == second and new_refresh not in (None, refresh)

        calls = await kudos_from(h, ALPHA, "<@U0SAM|sam> for the review", "U0LI")
        assert tokens_used(calls) == {second}


@pytest.mark.parametrize(
    "gone",
    [
        {"type": "app_uninstalled"},
        {"type": "tokens_revoked", "tokens": {"oauth": ["U0INSTALLER"], "bot": ["U0ALPHABOT"]}},
    ],
    ids=["app_uninstalled", "tokens_revoked"],
)
async def test_uninstall_or_revocation_deletes_the_workspace_tokens(
    oauth: SlackHarness, gone: dict[str, Any]
) -> None:
    await install(oauth, ALPHA)
    beta = await install(oauth, BETA)
    oauth.standin.revoke(ALPHA)  # Slack's side of the uninstall

    assert await event(oauth, ALPHA, gone) == 200
    installed = "SELECT team_id FROM slack_installations"
    await eventually(lambda: rows(oauth, installed) == [(BETA,)])
    assert await event(oauth, ALPHA, gone) == 200  # a repeat is harmless
    await asyncio.sleep(0.1)

    assert bots(oauth) == {BETA: beta}
    assert rows(oauth, installed) == [(BETA,)]
    # Alpha's next command gets Bolt's "reinstall" answer and changes nothing.
    calls = await kudos_from(oauth, ALPHA, "<@U0SAM|sam> for the runbook", "U0LI")
    [reply] = [c for c in calls if c.method == "response_url"]
    assert NO_INSTALLATION in reply.args["text"]
    assert [c for c in calls if c.method != "response_url"] == []
    assert oauth.candor.store.kudos.count() == 0
    # Beta is untouched.
    calls = await kudos_from(oauth, BETA, "<@U0OMAR|omar> for the drill", "U0MAYA")
    assert tokens_used(calls) == {beta} and oauth.candor.store.kudos.count() == 1


async def test_user_token_revocation_keeps_the_bot(oauth: SlackHarness) -> None:
    await install(oauth, ALPHA)
    await install(oauth, ALPHA, installer_id="U0LI")  # Li installs it again
    installers = "SELECT user_id FROM slack_installations ORDER BY user_id"
    assert rows(oauth, installers) == [("U0INSTALLER",), ("U0LI",)]

    revoked = {"type": "tokens_revoked", "tokens": {"oauth": ["U0LI"], "bot": []}}
    assert await event(oauth, ALPHA, revoked) == 200

    await eventually(lambda: rows(oauth, installers) == [("U0INSTALLER",)])
    assert rows(oauth, "SELECT count(*) FROM slack_bots") == [(2,)]
    calls = await kudos_from(oauth, ALPHA, "<@U0SAM|sam> for the runbook", "U0LI")
    [token] = tokens_used(calls)
    assert token in oauth.standin.bot_tokens(ALPHA)
    assert oauth.candor.store.kudos.count() == 1


async def test_scheduled_posts_use_the_token_of_each_workspace(
    tmp_path: Path, database_url: str, standin: SlackStandIn, clock: FakeClock
) -> None:
    async with oauth_candor(tmp_path, database_url, standin, clock, CANDOR_SLACK_TEAM_ID=BETA) as h:
        alpha = await install(h, ALPHA)
        beta = await install(h, BETA)
        await kudos_from(h, ALPHA, "<@U0SAM|sam> for the runbook", "U0LI")
        sam = h.candor.store.people.by_email("sam@example.com")
        hana = h.candor.store.people.by_email("hana@example.com")  # workspace never seen
        assert sam and sam.id and hana and hana.id
        message = Message("weekly")
        outgoing = [
            Outgoing(ToChannel("C0HR"), message, "digest"),
            Outgoing(ToPerson(sam.id), message, "dm"),
            Outgoing(ToPerson(hana.id), message, "dm"),
        ]

        async def job(_services: Services, _now: Any) -> list[Outgoing]:
            return outgoing

        before = len(standin.calls)
        await h.candor.run_scheduled("test", job)
        calls = standin.calls[before:]

    posts = {c.args["channel"]: c.token for c in calls if c.method == "chat.postMessage"}
    opened = {c.args["users"]: c.token for c in calls if c.method == "conversations.open"}
    assert posts["C0HR"] == beta  # the channel post goes to CANDOR_SLACK_TEAM_ID
    assert opened == {"U0SAM": alpha, "U0HANA": beta}  # people in their own workspace


async def test_scheduled_channel_posts_need_a_chosen_workspace_when_several_exist(
    oauth: SlackHarness, caplog: pytest.LogCaptureFixture
) -> None:
    async def job(_services: Services, _now: Any) -> list[Outgoing]:
        return [Outgoing(ToChannel("C0HR"), Message("weekly"), "digest")]

    alpha = await install(oauth, ALPHA)
    await oauth.candor.run_scheduled("test", job)
    assert [c.token for c in oauth.standin.calls_to("chat.postMessage")] == [alpha]

    await install(oauth, BETA)
    oauth.standin.clear()
    await oauth.candor.run_scheduled("test", job)
    assert oauth.standin.calls_to("chat.postMessage") == []
    assert "CANDOR_SLACK_TEAM_ID" in caplog.text


async def test_logs_carry_ids_never_tokens_codes_or_secrets(
    tmp_path: Path,
    database_url: str,
    standin: SlackStandIn,
    clock: FakeClock,
    caplog: pytest.LogCaptureFixture,
) -> None:
    import logging

    from bot.logging_setup import configure_logging

    configure_logging("DEBUG")
    caplog.set_level(logging.DEBUG)
    async with oauth_candor(tmp_path, database_url, standin, clock, SLACK_TOKEN_ROTATION="1") as h:
        token = await install(h, ALPHA)
        await kudos_from(h, ALPHA, "<@U0SAM|sam> for the runbook", "U0LI")
        await event(h, ALPHA, {"type": "app_uninstalled"})
        await eventually(lambda: "uninstalled" in caplog.text)

    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert ALPHA in logged and "uninstalled" in logged
    for secret in (token, token.split("-", 1)[1], CLIENT_SECRET, "xoxe-1-", "code-T0ALPHA"):
        assert secret not in logged


async def test_org_import_looks_people_up_in_the_default_workspace(
    tmp_path: Path,
    database_url: str,
    standin: SlackStandIn,
    clock: FakeClock,
    capsys: pytest.CaptureFixture[str],
) -> None:
    from bot.cli import _org_import

    org = tmp_path / "people.csv"
    org.write_text(ORG_CSV)
    async with oauth_candor(tmp_path, database_url, standin, clock, import_org=False) as h:
        settings = h.candor.settings
        assert await _org_import(settings, org, use_slack=True) == 0
        assert "importing without Slack ids" in capsys.readouterr().out  # nothing installed

        alpha = await install(h, ALPHA)
        standin.clear()
        assert await _org_import(settings, org, use_slack=True) == 0

        lookups = standin.calls_to("users.lookupByEmail")
        assert lookups and {c.token for c in lookups} == {alpha}
        teams = dict(rows(h, "SELECT email, slack_team_id FROM people"))
        assert teams["li@example.com"] == ALPHA
        assert "6 linked by email" in capsys.readouterr().out


async def test_single_workspace_mode_has_no_install_routes(slack: SlackHarness) -> None:
    async with slack.http.get(_url(slack, "/slack/install")) as response:
        assert response.status in (404, 405)
    # Its uninstall event is acknowledged; there is nothing stored to delete.
    assert await event(slack, "T0CANDOR", {"type": "app_uninstalled"}) == 200
    assert await slack.kudos("<@U0SAM|sam> for the runbook") == 200
    assert {c.token for c in slack.standin.calls if c.method != "response_url"} == {BOT_TOKEN}


def test_oauth_mode_needs_client_id_secret_and_signing_secret_not_a_bot_token(
    tmp_path: Path,
) -> None:
    def settings(**env: str) -> Settings:
        return Settings.from_env(
            {"CANDOR_DATA_DIR": str(tmp_path), "CANDOR_EMBEDDER": "hashing", **env},
            dotenv_path=None,
        )

    with pytest.raises(SettingsError, match="SLACK_CLIENT_SECRET") as info:
        create_app(settings(SLACK_CLIENT_ID="1.2", SLACK_SIGNING_SECRET="s"))
    assert "SLACK_BOT_TOKEN" not in str(info.value)
    with pytest.raises(SettingsError, match="SLACK_SIGNING_SECRET"):
        create_app(settings(SLACK_CLIENT_ID="1.2", SLACK_CLIENT_SECRET="c"))

    parsed = settings(
        SLACK_CLIENT_ID="1.2",
        SLACK_CLIENT_SECRET="very-secret",
        SLACK_SCOPES="commands, chat:write",
        SLACK_TOKEN_ROTATION="yes",
        CANDOR_SLACK_TEAM_ID="T0HR",
    ).slack_oauth
    assert parsed.scopes == ("commands", "chat:write")
    assert parsed.token_rotation and parsed.team_id == "T0HR"
    assert "very-secret" not in repr(parsed)
    assert settings().slack_oauth.scopes == SLACK_DEFAULT_SCOPES


def test_default_scopes_are_the_manifests() -> None:
    manifest = yaml.safe_load(MANIFEST.read_text())

    assert list(SLACK_DEFAULT_SCOPES) == manifest["oauth_config"]["scopes"]["bot"]
    [redirect] = manifest["oauth_config"]["redirect_urls"]
    assert redirect.endswith("/slack/oauth_redirect")
    assert manifest["settings"]["event_subscriptions"]["request_url"].endswith("/slack/events")
