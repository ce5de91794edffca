"""The Teams directory: profiles from payload accounts or member lookups, cached."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pytest

from bot.teams.directory import ProfileCache, TeamsDirectory, profile_from_account
from handlers.types import PlatformUser

SAM = {"id": "29:1sam", "name": "Sam Rivera", "email": "Sam@Example.com"}


@pytest.mark.parametrize(
    ("account", "email", "is_bot"),
    [
        (SAM, "sam@example.com", False),
        ({"id": "29:1sam", "userPrincipalName": "sam@example.com"}, "sam@example.com", False),
        ({"id": "29:1sam", "properties": {"email": "sam@example.com"}}, "sam@example.com", False),
        ({"id": "29:1sam", "userPrincipalName": "sam_example#EXT"}, None, False),
        ({"id": "28:a-bot", "name": "Deploy Bot"}, None, True),
        ({"id": "29:1x", "userRole": "bot"}, None, True),
    ],
)
def test_profiles_from_accounts(account: dict[str, Any], email: str | None, is_bot: bool) -> None:
    profile = profile_from_account(account)

    assert profile is not None
    assert profile.email == email and profile.is_bot is is_bot


def test_names_fall_back_to_given_name_and_surname() -> None:
    profile = profile_from_account({"id": "29:1sam", "givenName": "Sam", "surname": "Rivera"})

    assert profile is not None and profile.name == "Sam Rivera"
    assert profile_from_account({"name": "no id"}) is None


class Lookups:
    def __init__(self, answers: dict[str, Mapping[str, Any] | Exception | None]) -> None:
        self.answers = answers
        self.asked: list[str] = []

    async def __call__(self, user_id: str) -> Mapping[str, Any] | None:
        self.asked.append(user_id)
        answer = self.answers.get(user_id)
        if isinstance(answer, Exception):
            raise answer
        return answer


async def test_lookups_are_cached_including_unknown_ids() -> None:
    fetch = Lookups({"29:1sam": SAM, "29:1gone": None})
    cache = ProfileCache()

    first = TeamsDirectory(cache, fetch)
    assert (await first.user("29:1sam")) == PlatformUser("29:1sam", "Sam Rivera", "sam@example.com")
    assert await first.user("29:1gone") is None
    second = TeamsDirectory(cache, fetch)
    await second.user("29:1sam")
    await second.user("29:1gone")

    assert fetch.asked == ["29:1sam", "29:1gone"]


async def test_failed_lookups_are_not_cached() -> None:
    fetch = Lookups({"29:1sam": RuntimeError("connector down")})
    directory = TeamsDirectory(ProfileCache(), fetch)

    assert await directory.user("29:1sam") is None
    fetch.answers["29:1sam"] = SAM
    profile = await directory.user("29:1sam")

    assert profile is not None and profile.email == "sam@example.com"


async def test_accounts_with_emails_need_no_lookup() -> None:
    fetch = Lookups({})
    directory = TeamsDirectory(ProfileCache(), fetch, accounts=[SAM, {"id": "29:1li"}])

    assert (await directory.user("29:1sam")) is not None
    assert await directory.user("29:1li") is None  # no email in the payload: looked up
    assert await directory.user("28:some-bot") == PlatformUser("28:some-bot", "", None, True)
    assert fetch.asked == ["29:1li"]
    assert await directory.lookup_by_email("sam@example.com") == "29:1sam"
    assert await directory.lookup_by_email("li@example.com") is None


async def test_cache_entries_expire() -> None:
    now = [0.0]
    cache = ProfileCache(ttl_s=100, monotonic=lambda: now[0], max_entries=2)
    profile = PlatformUser("29:1sam", "Sam", "sam@example.com")
    cache.put("29:1sam", profile)
    cache.put("29:1gone", None)

    now[0] = 50
    assert cache.get("29:1sam") == (True, profile)
    assert cache.get("29:1gone") == (False, None)  # unknown ids are kept for less
    now[0] = 150
    assert cache.get("29:1sam") == (False, None)
    cache.put("a", None)
    cache.put("b", None)
    cache.put("c", None)
    assert cache.get("a") == (False, None)  # the oldest entry made room
