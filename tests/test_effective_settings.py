"""The settings in force: HR's chat changes over the environment, and each person's own times."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from handlers.effective_settings import (
    DEFAULT_DIGEST,
    digest_schedule,
    effective_core_config,
    in_quiet_hours,
    org_settings,
    personal_cadence,
)
from handlers.services import Services
from insights.schedule import Cadence
from store.models import PersonSettings
from store.repository import Store

NOW = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)


@pytest.fixture
def services(store: Store) -> Iterator[Services]:
    yield Services(store=store, clock=lambda: NOW)


def _row(**values: int | None) -> PersonSettings:
    return PersonSettings(person_id=1, updated_at=NOW, **values)


def test_without_org_changes_the_environment_applies(services: Services) -> None:
    assert effective_core_config(services) is services.config
    assert digest_schedule(services) == DEFAULT_DIGEST


def test_the_minimum_group_never_drops_below_three_even_if_stored_lower(
    services: Services,
) -> None:
    org_settings(services).save({"min_group": 2}, at=NOW, actor_id=None)

    assert effective_core_config(services).min_group == 3


def test_removing_an_org_setting_returns_to_the_environment(services: Services) -> None:
    repo = org_settings(services)
    repo.save({"hr_channel": "C0HR", "values": ["care"]}, at=NOW, actor_id=None)
    assert effective_core_config(services).hr_channel == "C0HR"

    changed = repo.save({"hr_channel": None}, at=NOW, actor_id=None)

    assert changed == ["hr_channel"]
    config = effective_core_config(services)
    assert config.hr_channel == services.config.hr_channel and config.values == ("care",)


def test_the_latest_digest_is_the_newest_digest_delivery(services: Services) -> None:
    deliveries = services.store.deliveries
    deliveries.claim("digest:C0HR:all:2026-W44", "digest", datetime(2026, 10, 26, tzinfo=UTC))
    deliveries.claim("digest:C0HR:all:2026-W45", "digest", NOW)
    deliveries.claim("checkin:1:2026-W46", "checkin", datetime(2026, 11, 9, tzinfo=UTC))

    assert org_settings(services).last_sent("digest") == NOW
    assert org_settings(services).last_sent("nothing") is None


def test_a_personal_check_in_time_keeps_the_team_frequency() -> None:
    row = _row(checkin_weekday=0, checkin_hour=10, checkin_minute=30)

    assert personal_cadence(row, every_weeks=2) == Cadence(0, 10, 30, 2)
    assert personal_cadence(_row(checkin_weekday=0)) is None  # half a choice is no choice


@pytest.mark.parametrize(
    ("start", "end", "quiet", "loud"),
    [(18, 8, (18, 23, 0, 7), (8, 12, 17)), (12, 14, (12, 13), (11, 14, 0))],
)
def test_quiet_hours_include_their_start_and_exclude_their_end(
    start: int, end: int, quiet: tuple[int, ...], loud: tuple[int, ...]
) -> None:
    row = _row(quiet_start=start, quiet_end=end)

    assert all(in_quiet_hours(row, hour) for hour in quiet)
    assert not any(in_quiet_hours(row, hour) for hour in loud)
    assert not in_quiet_hours(_row(), 3)
