"""Evidence links (handlers/evidence.py): who may open which record, what it shows, the audit."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from bot.slack.standin import SlackStandIn
from tests.conftest import FakeClock, SlackHarness, running_candor
from tests.oneonone_helpers import (
    ANA,
    HANA,
    LI,
    MAYA,
    MENTION,
    OMAR,
    SAM,
    oneonone,
    person_id,
    replies,
)

DENIED = "Only the person this record is about and their managers can see it"


async def _records(slack: SlackHarness) -> dict[str, str]:
    """One record of each kind about Li, as evidence button values."""
    store, now = slack.candor.store, slack.clock.now
    li = person_id(slack, "li@example.com")
    checkin, _ = store.checkins.submit(
        li,
        "2026-W45",
        answers={"progress": "shipped refunds v2", "blockers": "no test data"},
        mood=4,
        blocker="no test data",
        at=now,
    )
    goal = store.goals.add(
        li, objective="Halve refund time", key_results=["auto-match"], due=date(2027, 3, 31), at=now
    )
    await slack.kudos(f"{MENTION[LI]} for untangling the refund queue #ownership", user=SAM)
    (kudos,) = store.kudos.page(0, 10)
    await oneonone(slack, f"{MENTION[LI]} every tue 10:00", user=ANA)
    await oneonone(slack, f"agenda {MENTION[ANA]} add conference budget", user=LI)
    (meeting,) = store.oneonones.active()
    assert meeting.id is not None
    (item,) = store.oneonones.open_items(meeting.id)
    slack.standin.clear()
    return {
        "checkin": f"checkin:{checkin.id}",
        "goal": f"goal:{goal.id}",
        "kudos": f"kudos:{kudos.id}",
        "agenda": f"agenda:{item.id}",
    }


async def _view(slack: SlackHarness, value: str, user: str) -> str:
    slack.standin.clear()
    await slack.click("evidence.show", value, user=user)
    return replies(slack)


SHOWN = {
    "checkin": "shipped refunds v2",
    "goal": "Halve refund time",
    "kudos": "untangling the refund queue",
    "agenda": "conference budget",
}
# Who may open a record about Li: Li, her manager Ana and Ana's manager Maya (skip-level on);
# kudos also their giver, Sam; agenda items only the two people of the 1:1.
ALLOWED = {
    "checkin": {LI, ANA, MAYA},
    "goal": {LI, ANA, MAYA},
    "kudos": {LI, ANA, MAYA, SAM},
    "agenda": {LI, ANA},
}


@pytest.mark.parametrize("kind", sorted(SHOWN))
async def test_a_record_opens_for_its_subject_and_their_managers_only(
    slack: SlackHarness, kind: str
) -> None:
    value = (await _records(slack))[kind]
    for user in (LI, ANA, MAYA, SAM, OMAR, HANA):
        said = await _view(slack, value, user)
        if user in ALLOWED[kind]:
            assert SHOWN[kind] in said, user
        else:
            assert SHOWN[kind] not in said and "Only the" in said, user


async def test_what_each_record_shows(slack: SlackHarness) -> None:
    values = await _records(slack)

    kudos = await _view(slack, values["kudos"], ANA)
    assert "From Sam Rivera to Li Wei, 2 Nov 2026" in kudos and "#ownership" in kudos
    checkin = await _view(slack, values["checkin"], ANA)
    assert "Progress" in checkin and "shipped refunds v2" in checkin
    assert "no test data" in checkin and "2026-W45" in checkin
    goal = await _view(slack, values["goal"], ANA)
    assert "auto-match" in goal and "0%" in goal and "2027-03-31" in goal
    agenda = await _view(slack, values["agenda"], ANA)
    assert "Added by Li Wei" in agenda and "open" in agenda


async def test_a_manager_sees_mood_only_with_consent(slack: SlackHarness) -> None:
    value = (await _records(slack))["checkin"]
    assert "4/5" not in await _view(slack, value, ANA)
    assert "4/5" not in await _view(slack, value, MAYA)
    assert "4/5" in await _view(slack, value, LI)

    li = person_id(slack, "li@example.com")
    slack.candor.store.settings.set_share_mood(li, True, slack.clock.now)
    assert "4/5" in await _view(slack, value, ANA)


async def test_every_view_is_audited_with_ids_only(slack: SlackHarness) -> None:
    values = await _records(slack)
    start = slack.clock.now
    await _view(slack, values["checkin"], ANA)
    await _view(slack, values["checkin"], LI)
    await _view(slack, values["checkin"], OMAR)  # refused: nothing was read

    reads = [e for e in slack.candor.store.audit.since(start) if e.action.startswith("read.")]
    li, ana = person_id(slack, "li@example.com"), person_id(slack, "ana@example.com")
    record = int(values["checkin"].split(":")[1])
    assert [(e.action, e.actor_id, e.subject_kind, e.subject_id) for e in reads] == [
        ("read.individual", ana, "checkin", li),
        ("read.self", li, "checkin", li),
    ]
    assert all(e.detail["record"] == record for e in reads)
    assert "no test data" not in str([e.detail for e in reads])


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("theme:1", "out of date"),
        ("checkin:abc", "out of date"),
        ("checkin:999", "doesn't exist"),
        ("goal:999", "doesn't exist"),
    ],
)
async def test_unknown_records_get_a_clear_answer(
    slack: SlackHarness, value: str, expected: str
) -> None:
    assert expected in await _view(slack, value, ANA)


async def test_without_skip_level_only_the_direct_manager_may_look(
    tmp_path: Path, database_url: str, standin: SlackStandIn, clock: FakeClock
) -> None:
    async with running_candor(
        tmp_path, database_url, standin, clock, CANDOR_SKIP_LEVEL="off"
    ) as slack:
        value = (await _records(slack))["goal"]
        assert "Halve refund time" in await _view(slack, value, ANA)
        assert DENIED in await _view(slack, value, MAYA)
