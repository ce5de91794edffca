"""Request ids: every log line of a request (and of the listener work after its ack) carries the
id the response names in `X-Request-Id`; each scheduled job run gets its own; none of those
lines holds feedback text, names, emails or tokens."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable, Iterator
from datetime import datetime

import pytest

from bot.logging_setup import JsonLines, configure_logging
from bot.slack.signed_requests import signed_headers
from handlers.messages import Outgoing
from handlers.services import Services
from tests.conftest import BOT_TOKEN, ORG_CSV, SIGNING_SECRET, SlackHarness

KUDOS_TEXT = "for the quietly heroic failover drill"


class Records:
    """The records the test itself logged (not its fixtures'), read when asked."""

    def __init__(self, caplog: pytest.LogCaptureFixture) -> None:
        self._caplog = caplog

    def __iter__(self) -> Iterator[logging.LogRecord]:
        return iter(self._caplog.get_records("call"))


@pytest.fixture
def records(caplog: pytest.LogCaptureFixture) -> Records:
    """Every record from INFO up, stamped with its request id as in production."""
    configure_logging("INFO")
    caplog.set_level(logging.INFO)
    return Records(caplog)


def _content() -> list[str]:
    names_and_emails = [part for line in ORG_CSV.splitlines()[1:] for part in line.split(",")[:2]]
    return [KUDOS_TEXT, *names_and_emails, BOT_TOKEN, SIGNING_SECRET]


def _assert_no_content(lines: Iterable[logging.LogRecord]) -> None:
    formatted = "\n".join(JsonLines().format(r) for r in lines).lower()
    assert [c for c in _content() if c and c.lower() in formatted] == []


async def _post_kudos(slack: SlackHarness, headers: dict[str, str] | None = None) -> str:
    body = slack.command_body(f"<@U0SAM|sam> {KUDOS_TEXT} #craft")
    before = len(slack.standin.calls)
    sent = {**signed_headers(SIGNING_SECRET, body), **(headers or {})}
    async with slack.http.post(slack.url, data=body.encode(), headers=sent) as response:
        assert response.status == 200
        request_id = response.headers["X-Request-Id"]
    await slack.settle(before)
    return request_id


async def test_a_kudos_logs_under_the_id_its_response_names(
    slack: SlackHarness, records: Records
) -> None:
    request_id = await _post_kudos(slack)

    mine = [r for r in records if getattr(r, "request_id", None) == request_id]
    messages = [r.getMessage() for r in mine]
    assert any("command /kudos" in m for m in messages)  # the router, before the work
    # The listener after the ack (a task started in the request) logs under the same id.
    assert any(r.name == "bot.slack.app" and "delivered" in r.getMessage() for r in mine)
    assert slack.candor.store.kudos.count() == 1
    lines = [json.loads(JsonLines().format(r)) for r in mine]
    assert {line["request_id"] for line in lines} == {request_id}
    _assert_no_content(mine)


async def test_each_request_gets_its_own_id(slack: SlackHarness, records: Records) -> None:
    first = await _post_kudos(slack)
    async with slack.http.get(slack.server.make_url("/healthz")) as health:
        second = health.headers["X-Request-Id"]

    assert first != second and len(first) >= 16


@pytest.mark.parametrize(
    ("sent", "reused"),
    [
        ("edge-7f3a9c1d2b", True),  # a proxy's id: kept, so its logs and ours line up
        ("short", False),
        ("x" * 65, False),
        ('abc" level=ERROR', False),  # could forge a log field
        ("caf\u00e9-1234567", False),
    ],
)
async def test_an_incoming_id_is_reused_only_if_it_is_a_short_safe_token(
    slack: SlackHarness, records: Records, sent: str, reused: bool
) -> None:
    async with slack.http.get(
        slack.server.make_url("/healthz"), headers={"X-Request-Id": sent}
    ) as health:
        echoed = health.headers["X-Request-Id"]

    assert (echoed == sent) is reused
    assert echoed.isascii() and echoed.replace("-", "").isalnum()


async def test_a_refusal_and_an_unexpected_error_carry_the_id(
    slack: SlackHarness, records: Records, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with slack.http.post(slack.url, data=b"text=x") as unsigned:
        assert unsigned.status == 401 and unsigned.headers["X-Request-Id"]

    def broken() -> bool:
        raise RuntimeError(f"database said: {KUDOS_TEXT}")  # an error that quotes content

    monkeypatch.setattr(slack.candor.store, "ping", broken)
    async with slack.http.get(slack.server.make_url("/healthz")) as health:
        assert health.status == 500
        request_id = health.headers["X-Request-Id"]
        assert KUDOS_TEXT not in await health.text()

    [failure] = [r for r in records if r.levelno == logging.ERROR]
    assert failure.request_id == request_id  # type: ignore[attr-defined]
    assert "RuntimeError" in failure.getMessage()
    _assert_no_content(records)


async def test_each_scheduled_job_run_logs_under_its_own_job_id(
    slack: SlackHarness, records: Records
) -> None:
    async def nothing_to_send(_services: Services, _now: datetime) -> list[Outgoing]:
        logging.getLogger("handlers.digest").info("digest: 0 teams")
        return []

    await slack.candor.run_scheduled("weekly digest", nothing_to_send)
    await slack.candor.run_scheduled("weekly digest", nothing_to_send)

    ran = [r for r in records if r.name in ("handlers.digest", "bot.app")]
    ids = [getattr(r, "request_id", None) for r in ran if "digest" in r.getMessage()]
    assert len(ids) == 4
    assert all(i and i.startswith("job-weekly-digest-") for i in ids)
    assert ids[0] == ids[1] != ids[2] == ids[3]  # the job's own line and Candor's, per run
    _assert_no_content(records)
