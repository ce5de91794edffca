"""Dead letters: a scheduled send that keeps failing is counted, given up after
`CANDOR_DELIVERY_MAX_ATTEMPTS` tries, and each admin is told once — ids and kinds only."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from bot.settings import Settings, SettingsError
from bot.slack.standin import SlackStandIn
from handlers.messages import Message, Outgoing, ToChannel
from handlers.services import Services
from store.deliveries import DEAD, FAILED
from store.feedback import reminder_key
from store.repository import Store
from tests.conftest import ORG_CSV, FakeClock, SlackHarness, running_candor
from tests.test_store import seed_people

KEY = "report:C0HR:2026-W45"
CONTENT = "Quarterly numbers nobody else may read"
# Omar and Maya administer Candor; everyone else is as in the shared org.
ADMIN_ORG = ORG_CSV.replace(
    "omar@example.com,Omar Haddad,maya@example.com,Platform,SRE,",
    "omar@example.com,Omar Haddad,maya@example.com,Platform,SRE,admin",
).replace(
    "maya@example.com,Maya Okafor,,Leadership,VP Engineering,",
    "maya@example.com,Maya Okafor,,Leadership,VP Engineering,admin",
)


async def report_round(services: Services, now: datetime) -> list[Outgoing]:
    """A scheduled job: one weekly report to the HR channel, claimed as real jobs do."""
    if not services.store.deliveries.claim(KEY, "report", now):
        return []
    return [Outgoing(ToChannel("C0HR"), Message(CONTENT), "report.weekly", delivery_key=KEY)]


def _words(call: Any) -> str:
    return str(call.args.get("text", "")) + json.dumps(call.args.get("blocks", []))


def alerts(slack: SlackHarness) -> list[Any]:
    """Successful DMs carrying the dead-letter alert."""
    return [
        c
        for c in slack.standin.calls_to("chat.postMessage")
        if c.ok and "gave up on" in str(c.args.get("text", ""))
    ]


def report_attempts(slack: SlackHarness) -> int:
    return len([c for c in slack.standin.calls_to("chat.postMessage") if CONTENT in _words(c)])


@pytest.fixture
async def admins_org(
    tmp_path: Path, database_url: str, standin: SlackStandIn, clock: FakeClock
) -> AsyncIterator[SlackHarness]:
    async with running_candor(
        tmp_path,
        database_url,
        standin,
        clock,
        org_csv=ADMIN_ORG,
        CANDOR_DELIVERY_MAX_ATTEMPTS="3",
    ) as harness:
        yield harness


async def test_a_send_failing_every_try_is_dead_lettered_and_each_admin_told_once(
    admins_org: SlackHarness,
) -> None:
    slack, store = admins_org, admins_org.candor.store
    # Slack refuses the report three times (400: not retried by the client).
    slack.standin.fail_next("chat.postMessage", status=400, times=3)

    for expected_attempts in (1, 2):
        await slack.candor.run_scheduled("weekly report", report_round)
        assert report_attempts(slack) == expected_attempts
        assert not store.deliveries.claimed(KEY)  # failed: not sent, tried again next round
        assert alerts(slack) == []
        slack.clock.advance(minutes=5)
    await slack.candor.run_scheduled("weekly report", report_round)

    assert report_attempts(slack) == 3
    (dead,) = store.deliveries.dead()
    assert (dead.key, dead.kind, dead.attempts, dead.job) == (KEY, "report", 3, "weekly report")
    sent_alerts = alerts(slack)
    assert len(sent_alerts) == 2  # Maya and Omar, one DM each
    for alert in sent_alerts:
        words = _words(alert)
        assert "weekly report" in words and "`report` messages: 1" in words and KEY in words
        assert CONTENT not in words  # ids and kinds, never the message
    metric = slack.candor.metrics.deliveries
    assert metric.value(kind="weekly report", outcome="failed") == 2
    assert metric.value(kind="weekly report", outcome="dead") == 1

    for _ in range(3):  # later rounds neither send it again nor alert again
        slack.clock.advance(minutes=5)
        await slack.candor.run_scheduled("weekly report", report_round)
    assert report_attempts(slack) == 3
    assert len(alerts(slack)) == 2
    assert not store.deliveries.claimed(KEY)  # dead is not sent


async def test_an_alert_slack_refused_goes_out_next_round(admins_org: SlackHarness) -> None:
    slack = admins_org
    # Three failed reports, then both alerts refused too.
    slack.standin.fail_next("chat.postMessage", status=400, times=5)
    for _ in range(3):
        await slack.candor.run_scheduled("weekly report", report_round)
    assert alerts(slack) == []

    await slack.candor.run_scheduled("weekly report", report_round)

    assert len(alerts(slack)) == 2
    await slack.candor.run_scheduled("weekly report", report_round)
    assert len(alerts(slack)) == 2


async def test_a_dead_letter_retried_by_an_admin_is_sent_by_the_next_round(
    admins_org: SlackHarness,
) -> None:
    slack, deliveries = admins_org, admins_org.candor.store.deliveries
    slack.standin.fail_next("chat.postMessage", status=400, times=3)
    for _ in range(3):
        await slack.candor.run_scheduled("weekly report", report_round)
    assert [d.key for d in deliveries.dead()] == [KEY]

    assert deliveries.retry(KEY)
    assert not deliveries.retry(KEY)  # no longer dead
    await slack.candor.run_scheduled("weekly report", report_round)

    assert deliveries.claimed(KEY) and deliveries.dead() == []
    assert report_attempts(slack) == 4
    assert len([c for c in slack.standin.posted_messages() if CONTENT in _words(c)]) == 1


async def test_without_an_admin_a_dead_letter_is_logged_and_nothing_breaks(
    slack: SlackHarness, caplog: pytest.LogCaptureFixture
) -> None:
    slack.standin.fail_next("chat.postMessage", status=400, times=5)
    for _ in range(5):  # the default: five tries
        await slack.candor.run_scheduled("weekly report", report_round)

    assert [d.attempts for d in slack.candor.store.deliveries.dead()] == [5]
    assert alerts(slack) == []
    assert "no admin to alert" in caplog.text
    assert CONTENT not in caplog.text


# --- the delivery row's states ---------------------------------------------------------------


def test_a_failed_key_is_claimed_again_until_it_dies(store: Store, clock: FakeClock) -> None:
    deliveries = store.deliveries
    assert deliveries.claim(KEY, "report", clock())
    assert not deliveries.claim(KEY, "report", clock())  # taken while being sent
    assert deliveries.claimed(KEY)

    assert deliveries.record_failure(KEY, clock(), job="j", max_attempts=2) == FAILED
    assert deliveries.record_failure(KEY, clock(), job="j", max_attempts=2) is None  # not claimed
    assert not deliveries.claimed(KEY) and not deliveries.any_claimed(["report:"])
    assert deliveries.claim(KEY, "report", clock())
    assert deliveries.record_failure(KEY, clock(), job="j", max_attempts=2) == DEAD

    assert not deliveries.claim(KEY, "report", clock())  # dead: no more tries
    assert not deliveries.claimed(KEY) and not deliveries.any_claimed(["report:"])
    assert [d.status for d in deliveries.dead()] == [DEAD]


def test_a_sent_key_stays_sent(store: Store, clock: FakeClock) -> None:
    deliveries = store.deliveries
    deliveries.claim(KEY, "report", clock())
    deliveries.mark_sent(KEY)

    assert deliveries.record_failure(KEY, clock(), job="j", max_attempts=1) is None
    assert not deliveries.claim(KEY, "report", clock())
    assert deliveries.claimed(KEY) and deliveries.any_claimed(["report:C0HR"])
    assert deliveries.dead() == []


def test_dead_letters_are_taken_for_an_alert_once(store: Store, clock: FakeClock) -> None:
    deliveries = store.deliveries
    deliveries.claim(KEY, "report", clock())
    deliveries.record_failure(KEY, clock(), job="j", max_attempts=1)

    assert [d.key for d in deliveries.take_unalerted(clock())] == [KEY]
    assert deliveries.take_unalerted(clock()) == []
    deliveries.unmark_alerted([KEY])  # the alert could not be sent
    assert [d.key for d in deliveries.take_unalerted(clock())] == [KEY]


def test_home_s_last_digest_ignores_a_failed_send(store: Store, clock: FakeClock) -> None:
    earlier = clock()
    store.deliveries.claim("digest:C0HR:all:2026-W44", "digest", earlier)
    clock.advance(days=7)
    store.deliveries.claim("digest:C0HR:all:2026-W45", "digest", clock())
    store.deliveries.record_failure(
        "digest:C0HR:all:2026-W45", clock(), job="weekly digest", max_attempts=5
    )

    assert store.org_settings.last_sent("digest") == earlier


def test_a_failed_reminder_comes_up_again_and_a_dead_one_does_not(
    store: Store, clock: FakeClock
) -> None:
    ids = seed_people(store, "ana", "li", "sam")
    made = store.feedback.create_requests(
        "req-1",
        requester_id=ids["ana"],
        responder_ids=[ids["li"], ids["sam"]],
        topic="t",
        at=clock(),
    )
    assert made is not None
    to_li, to_sam = (r.id for r in made)
    assert to_li is not None and to_sam is not None
    for request_id in (to_li, to_sam):
        store.deliveries.claim(reminder_key(request_id), "feedback.reminder", clock())
    store.deliveries.record_failure(reminder_key(to_li), clock(), job="j", max_attempts=2)
    store.deliveries.record_failure(reminder_key(to_sam), clock(), job="j", max_attempts=1)

    assert [r.id for r in store.feedback.to_remind(clock())] == [to_li]


def test_max_attempts_is_a_setting_of_at_least_one() -> None:
    assert Settings.from_env({}, dotenv_path=None).delivery_max_attempts == 5
    read = Settings.from_env({"CANDOR_DELIVERY_MAX_ATTEMPTS": "2"}, dotenv_path=None)
    assert read.delivery_max_attempts == 2
    with pytest.raises(SettingsError, match="CANDOR_DELIVERY_MAX_ATTEMPTS"):
        Settings.from_env({"CANDOR_DELIVERY_MAX_ATTEMPTS": "0"}, dotenv_path=None)


def test_rows_from_before_0011_count_as_sent_and_a_downgrade_frees_failed_keys(
    database_url: str, clock: FakeClock
) -> None:
    from alembic import command
    from sqlalchemy import text

    from store.db import _alembic_config, make_engine, migrate

    engine = make_engine(database_url)
    config = _alembic_config()
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "0010")
    with engine.begin() as connection:
        connection.execute(
            text("INSERT INTO deliveries (key, kind, created_at) VALUES (:k, 'report', :t)"),
            {"k": KEY, "t": clock()},
        )
    migrate(engine)
    store = Store.open(database_url)
    try:
        assert store.deliveries.claimed(KEY)
        assert not store.deliveries.claim(KEY, "report", clock())
        store.deliveries.claim("other", "report", clock())
        store.deliveries.record_failure("other", clock(), job="j", max_attempts=5)
    finally:
        store.close()
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, "0010")
    with engine.connect() as connection:
        keys = connection.execute(text("SELECT key FROM deliveries")).scalars().all()
    engine.dispose()
    assert keys == [KEY]  # the failed one is given back, as before 0011


def test_the_cli_lists_dead_letters_and_retries_one(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    clock: FakeClock,
) -> None:
    from bot.cli import main

    url = f"sqlite:///{tmp_path / 'candor.db'}"
    monkeypatch.setattr("bot.cli.configure_logging", lambda level: None)  # keep pytest's logging
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.setenv("CANDOR_DATA_DIR", str(tmp_path))
    store = Store.open(url)
    try:
        store.deliveries.claim(KEY, "report", clock())
        store.deliveries.record_failure(KEY, clock(), job="weekly report", max_attempts=1)
    finally:
        store.close()

    assert main(["deliveries", "dead"]) == 0
    listed = capsys.readouterr().out
    assert KEY in listed and "weekly report" in listed and "2026-11-02 09:00" in listed
    assert main(["deliveries", "retry", KEY]) == 0
    assert main(["deliveries", "retry", KEY]) == 1  # no longer dead
    capsys.readouterr()
    assert main(["deliveries", "dead"]) == 0
    assert capsys.readouterr().out.strip() == "No dead deliveries."
