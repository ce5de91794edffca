"""/candor help covers the whole registry; unknown sub-commands get the closest suggestion."""

from __future__ import annotations

import json

import pytest

from handlers.catalog import build_router
from handlers.types import Role
from tests.conftest import SlackHarness


def _reply(slack: SlackHarness) -> str:
    return json.dumps([c.args.get("blocks") for c in slack.standin.calls_to("response_url")])


@pytest.mark.parametrize(("user", "role"), [("U0LI", Role.EMPLOYEE), ("U0HANA", Role.HR)])
async def test_help_lists_every_command_the_person_may_use(
    slack: SlackHarness, user: str, role: Role
) -> None:
    await slack.kudos("help", command="/candor", user=user)

    rendered = _reply(slack)
    for name, spec in build_router().commands.items():
        if name == "candor":
            continue
        shown = f"*/{name}*" in rendered
        assert shown is (role in spec.roles), name
        if shown and spec.examples:
            assert spec.examples[0] in rendered


async def test_bare_candor_shows_help(slack: SlackHarness) -> None:
    await slack.kudos("", command="/candor")

    assert "*/kudos*" in _reply(slack)


async def test_an_unknown_sub_command_suggests_the_closest(slack: SlackHarness) -> None:
    await slack.kudos("hlep", command="/candor")

    rendered = _reply(slack)
    assert "Did you mean `/candor help`?" in rendered


def test_sub_commands_are_registered_under_their_top_level_command() -> None:
    router = build_router()

    assert "candor" in router.top_level
    assert all(" " not in name for name in router.top_level)
    assert {n.split(" ")[0] for n in router.commands} == set(router.top_level)
