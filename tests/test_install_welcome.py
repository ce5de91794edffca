"""The installer's welcome: installing Candor through Slack OAuth welcomes the person who
installed it, once ever, in the new workspace, and still shows Bolt's own success page."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import pytest

from bot.slack.standin import SlackStandIn
from handlers.org_import import import_directory
from tests.conftest import ORG_CSV, FakeClock, SlackHarness
from tests.home_harness import ANA, GUEST, LI, dms, texts
from tests.test_slack_oauth import (
    ALPHA,
    BETA,
    event,
    eventually,
    finish_install,
    install,
    oauth_candor,
    start_install,
)


@pytest.fixture
async def oauth(
    tmp_path: Path, database_url: str, standin: SlackStandIn, clock: FakeClock
) -> AsyncIterator[SlackHarness]:
    async with oauth_candor(tmp_path, database_url, standin, clock) as harness:
        yield harness


async def _installed_by(h: SlackHarness, team_id: str, installer: str) -> str:
    """The whole install flow, then wait until Candor is done with what follows it."""
    before = len(h.standin.calls)
    token = await install(h, team_id, installer_id=installer)
    await h.settle(before, answer=False)
    return token


async def _welcomes(h: SlackHarness, user: str) -> list[list[dict[str, object]]]:
    return [blocks for blocks in await dms(h, user) if "Welcome to Candor" in texts(blocks)]


async def test_the_installer_is_welcomed_once_with_the_new_workspaces_token(
    oauth: SlackHarness,
) -> None:
    token = await _installed_by(oauth, ALPHA, ANA)

    [welcome] = await _welcomes(oauth, ANA)
    assert "What Candor never does" in texts(welcome) and "How AI is used" in texts(welcome)
    [post] = [c for c in oauth.standin.calls_to("chat.postMessage") if c.ok]
    assert post.token == token  # sent with the workspace's own bot token
    ana = oauth.candor.store.people.by_platform_id("slack", ANA)
    assert ana is not None and ana.slack_team_id == ALPHA  # later posts pick this workspace

    await _installed_by(oauth, ALPHA, ANA)  # reinstalled: no second welcome
    await _installed_by(oauth, BETA, ANA)  # and none from another workspace either
    before = len(oauth.standin.calls)
    home = {"type": "app_home_opened", "user": ANA, "channel": "D0HOME", "tab": "home"}
    assert await event(oauth, ALPHA, home) == 200  # nor when she first opens the Home tab
    await eventually(lambda: bool(oauth.standin.calls_to("views.publish")))
    await oauth.settle(before, answer=False)

    assert len(await _welcomes(oauth, ANA)) == 1


async def test_the_success_page_is_bolts_own(oauth: SlackHarness) -> None:
    _, _, link = await start_install(oauth)
    query = parse_qs(urlparse(link).query)
    code = oauth.standin.authorize_install(ALPHA, installer_id=ANA, scopes=["chat:write"])

    status, page = await finish_install(oauth, code, query["state"][0])

    assert status == 200 and "Thank you!" in page


async def test_an_installer_outside_the_org_directory_gets_nothing(
    oauth: SlackHarness,
) -> None:
    await _installed_by(oauth, ALPHA, GUEST)

    assert not oauth.standin.calls_to("chat.postMessage")
    assert oauth.candor.store.people.by_email("gia@contractor.example") is None


async def test_an_installer_not_yet_linked_is_found_by_their_email(
    tmp_path: Path, database_url: str, standin: SlackStandIn, clock: FakeClock
) -> None:
    async with oauth_candor(tmp_path, database_url, standin, clock, import_org=False) as h:
        await import_directory(h.candor.store, ORG_CSV, clock())  # no Slack ids linked
        assert h.candor.store.people.by_platform_id("slack", LI) is None

        await _installed_by(h, ALPHA, LI)

        assert len(await _welcomes(h, LI)) == 1
        linked = h.candor.store.people.by_platform_id("slack", LI)
        assert linked is not None and linked.email == "li@example.com"
