"""Protected attributes stay on the aggregate path: read in one place, never sent to an LLM,
never shown per person."""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.slack.standin import SlackStandIn
from tests.conftest import FakeClock, SlackHarness, running_candor
from tests.test_review_llm import Recording, fixture
from tests.test_reviews import draft_for_li

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("bot", "handlers", "insights", "prompts", "store")
# Where attributes may be named: their table and repo, the erasure, the import, and the one
# reader that turns them into group statistics.
ALLOWED = {
    "store/rating_models.py",
    "store/attributes.py",
    "store/repository.py",
    "store/loop_erasure.py",
    "store/migrations/env.py",
    "handlers/calibration_files.py",
    "handlers/calibration_import.py",
    "handlers/calibration_data.py",
    "bot/calibration_cli.py",
    # A person's own values, in their own export (right of access): `AttributeRepo.own`.
    "store/personal_data.py",
    "handlers/ratings_export.py",
}
READS = re.compile(r"ProtectedAttribute|protected_attributes|\.attributes\.|parse_attributes")


def test_only_the_aggregate_path_reads_protected_attributes() -> None:
    found = set()
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            relative = path.relative_to(ROOT).as_posix()
            if "migrations/versions" in relative:
                continue
            if READS.search(path.read_text(encoding="utf-8")):
                found.add(relative)
    assert found <= ALLOWED, (
        f"protected attributes read outside the aggregate path: {found - ALLOWED}"
    )
    prompts = "\n".join(p.read_text() for p in (ROOT / "prompts").rglob("*.py"))
    assert not re.search(r"import .*(calibration|attributes|rating_models)", prompts)


@pytest.fixture
async def recorded(
    tmp_path: Path, database_url: str, standin: SlackStandIn, clock: FakeClock
) -> AsyncIterator[tuple[SlackHarness, Recording]]:
    llm = Recording(responses=[fixture("valid")] * 4)
    async with running_candor(tmp_path, database_url, standin, clock, llm=llm) as harness:
        yield harness, llm


async def test_a_review_draft_never_sends_attributes_to_the_llm(
    recorded: tuple[SlackHarness, Recording],
) -> None:
    slack, llm = recorded
    store = slack.candor.store
    ids = [p.id for p in store.people.all() if p.id is not None]
    store.attributes.replace_all(
        [(i, "heritage_zeta", f"value_omega_{i}") for i in ids], at=slack.clock()
    )

    await draft_for_li(slack)

    assert llm.sent, "the draft went through the LLM"
    sent = json.dumps([[str(m) for m in messages] for messages in llm.sent])
    assert "value_omega" not in sent and "heritage_zeta" not in sent
