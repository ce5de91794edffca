"""Wiring: which platforms start, and where scheduled messages go."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from bot.app import create_app
from bot.settings import Settings, SettingsError
from handlers.messages import Message, Outgoing, ToChannel, ToPerson
from handlers.services import Services
from store.people import DirectoryEntry
from tests.conftest import FakeClock


def _settings(tmp_path: Path, **env: str) -> Settings:
    base = {"CANDOR_DATA_DIR": str(tmp_path), "CANDOR_EMBEDDER": "hashing"}
    return Settings.from_env({**base, **env}, dotenv_path=None)


def test_without_any_platform_settings_start_up_names_the_slack_ones(tmp_path: Path) -> None:
    with pytest.raises(SettingsError, match="SLACK_BOT_TOKEN, SLACK_SIGNING_SECRET"):
        create_app(_settings(tmp_path))


async def test_a_teams_only_install_needs_no_slack_app(tmp_path: Path) -> None:
    candor = create_app(_settings(tmp_path, CANDOR_TEAMS_AUTH_DISABLED="1"))
    try:
        routes = {r.resource.canonical for r in candor.web_app(run_scheduler=False).router.routes()}
        assert candor.slack is None and candor.teams is not None
        assert "/api/messages" in routes and "/slack/events" not in routes
    finally:
        await candor.close()


async def test_half_configured_slack_still_fails_fast(tmp_path: Path) -> None:
    settings = _settings(tmp_path, CANDOR_TEAMS_AUTH_DISABLED="1", SLACK_BOT_TOKEN="xoxb-1")
    with pytest.raises(SettingsError, match="SLACK_SIGNING_SECRET"):
        create_app(settings)


@dataclass
class Recorder:
    """Stands in for a platform sender: records what it was asked to deliver."""

    got: list[Outgoing] = field(default_factory=list)
    sent: int = 0
    failed: list[str] = field(default_factory=list)

    async def deliver(self, outgoing: list[Outgoing], *_: Any) -> Recorder:
        self.got += outgoing
        return self

    async def send(self, outgoing: list[Outgoing]) -> Recorder:
        self.got += outgoing
        return self

    async def close(self) -> None:
        return None


async def test_scheduled_messages_go_to_the_platform_that_owns_the_destination(
    tmp_path: Path,
) -> None:
    settings = _settings(
        tmp_path,
        CANDOR_TEAMS_AUTH_DISABLED="1",
        SLACK_BOT_TOKEN="xoxb-1",
        SLACK_SIGNING_SECRET="s",
    )
    clock = FakeClock()
    candor = create_app(settings, clock=clock)
    slack, teams = Recorder(), Recorder()
    candor.slack_sender = slack  # type: ignore[assignment]
    await candor.teams.close()  # type: ignore[union-attr]
    candor.teams = teams  # type: ignore[assignment]
    store = candor.store
    store.people.upsert_directory(
        [
            DirectoryEntry("s@x.io", "On Slack", None, "", "", "employee"),
            DirectoryEntry("t@x.io", "On Teams", None, "", "", "employee"),
        ],
        clock(),
    )
    on_slack, on_teams = store.people.by_email("s@x.io"), store.people.by_email("t@x.io")
    assert on_slack and on_slack.id and on_teams and on_teams.id
    store.people.link_platform_id("slack", on_slack.id, "U1", clock())
    store.people.link_platform_id("teams", on_teams.id, "29:1t", clock())
    teams_channel = "19:hr@thread.tacv2"
    store.conversations.save(
        platform="teams",
        conversation_id=teams_channel,
        conversation_type="channel",
        user_id=None,
        tenant_id="tenant",
        service_url="https://smba.example/",
        reference={},
        at=clock(),
    )
    message = Message("hello")
    outgoing = [
        Outgoing(ToChannel("C0SLACK"), message),
        Outgoing(ToChannel(teams_channel), message),
        Outgoing(ToPerson(on_slack.id), message),
        Outgoing(ToPerson(on_teams.id), message),
    ]

    async def job(_services: Services, _now: Any) -> list[Outgoing]:
        return outgoing

    await candor.run_scheduled("test", job)
    await candor.close()

    assert slack.got == [outgoing[0], outgoing[2]]
    assert teams.got == [outgoing[1], outgoing[3]]
