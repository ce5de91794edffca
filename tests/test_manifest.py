"""The Slack manifest declares exactly what the code registers and calls."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from handlers.catalog import build_router
from tests.conftest import SlackHarness

MANIFEST = Path(__file__).resolve().parents[1] / "manifests" / "slack" / "manifest.yaml"

# The bot scopes each Web API method needs (Slack's method reference pages).
METHOD_SCOPES: dict[str, set[str]] = {
    "auth.test": set(),
    "chat.postMessage": {"chat:write"},
    "chat.postEphemeral": {"chat:write"},
    "conversations.open": {"im:write"},
    "users.info": {"users:read"},
    "users.lookupByEmail": {"users:read.email"},
    "files.getUploadURLExternal": {"files:write"},
    "files.completeUploadExternal": {"files:write"},
    "views.open": set(),
    "views.publish": set(),
    "response_url": set(),
}


def _manifest() -> dict[str, Any]:
    return yaml.safe_load(MANIFEST.read_text())


def test_manifest_declares_every_registered_command_and_nothing_else() -> None:
    declared = {c["command"] for c in _manifest()["features"]["slash_commands"]}

    assert declared == {f"/{name}" for name in build_router().top_level}


def test_commands_and_interactivity_point_at_the_one_events_endpoint() -> None:
    manifest = _manifest()
    urls = {c["url"] for c in manifest["features"]["slash_commands"]}
    urls.add(manifest["settings"]["interactivity"]["request_url"])

    assert {u.split("://", 1)[1].split("/", 1)[1] for u in urls} == {"slack/events"}


def test_command_hints_match_usage() -> None:
    router = build_router()
    for entry in _manifest()["features"]["slash_commands"]:
        spec = router.commands[entry["command"].lstrip("/")]  # every top level has a spec
        assert entry["usage_hint"] in spec.usage
        assert entry["description"] == spec.summary


def test_manifest_subscribes_to_the_events_the_app_handles() -> None:
    from bot.slack.app import SUBSCRIBED_EVENTS

    events = _manifest()["settings"].get("event_subscriptions", {}).get("bot_events", [])

    assert sorted(events) == sorted(SUBSCRIBED_EVENTS)


def test_interactivity_is_on_exactly_when_the_app_handles_it() -> None:
    handles_actions = bool(build_router().actions)

    assert _manifest()["settings"]["interactivity"]["is_enabled"] is handles_actions


async def test_scopes_cover_every_web_api_method_the_app_calls(slack: SlackHarness) -> None:
    # Drive the flows that touch Slack: a kudos with DMs, an error reply, and the org import.
    await slack.kudos("<@U0SAM|sam> for the runbook #craft")
    await slack.kudos("<@U0LI|li> for nothing", user="U0LI")
    await slack.kudos("<@U0GUEST|gia> for the review")
    called = {c.method for c in slack.standin.calls}
    unknown = called - METHOD_SCOPES.keys()
    assert not unknown, f"add the scopes for {unknown} to METHOD_SCOPES and the manifest"

    needed = set().union(*(METHOD_SCOPES[m] for m in called)) | {"commands"}
    declared = set(_manifest()["oauth_config"]["scopes"]["bot"])

    assert needed <= declared
    # Least privilege: every declared scope is one the app uses (chat:write.public lets the
    # kudos post land in public channels the bot hasn't joined; files:write uploads the digest
    # chart, checked in test_digest; im:history delivers the `message.im` event, so a DM to
    # the bot gets an answer).
    assert declared - needed <= {"chat:write.public", "files:write", "im:history"}


def scopes_needed_for(methods: set[str]) -> set[str]:
    """The bot scopes a set of called Web API methods needs (fails on an unknown method)."""
    unknown = methods - METHOD_SCOPES.keys()
    assert not unknown, f"add the scopes for {unknown} to METHOD_SCOPES and the manifest"
    return set().union(*(METHOD_SCOPES[m] for m in methods))


def declared_scopes() -> set[str]:
    """The bot scopes the manifest asks for."""
    return set(_manifest()["oauth_config"]["scopes"]["bot"])
