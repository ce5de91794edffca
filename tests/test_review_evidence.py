"""The evidence a review draft may rest on: only what the drafting manager may see."""

from __future__ import annotations

from datetime import timedelta

import pytest

from handlers.errors import PermissionDenied
from handlers.org_import import parse_directory_csv
from handlers.review_evidence import gather
from handlers.services import Services
from store.repository import Store
from tests.conftest import ORG_CSV
from tests.test_reviews import NOW, _ids, seed


def test_a_skip_level_manager_sees_requested_feedback_but_not_what_was_meant_for_the_manager(
    store: Store,
) -> None:
    store.people.upsert_directory(parse_directory_csv(ORG_CSV, {}), NOW)
    ids = _ids(store)
    seed(store, NOW)
    sam = store.people.get(ids["sam"])
    assert sam is not None
    [request] = (
        store.feedback.create_requests(
            "req", requester_id=ids["li"], responder_ids=[ids["sam"]], topic="the migration", at=NOW
        )
        or []
    )
    assert request.id is not None
    store.feedback.answer("ans", request.id, sam, "Li planned the ledger cutover carefully.", NOW)
    li, ana, maya = (store.people.get(ids[n]) for n in ("li", "ana", "maya"))
    assert li is not None and ana is not None and maya is not None
    services = Services(store=store, clock=lambda: NOW)
    since, until = NOW - timedelta(days=200), NOW + timedelta(seconds=1)

    by_ana = {r.ref: r for r in gather(services, ana, li, since, until)}
    by_maya = {r.ref: r for r in gather(services, maya, li, since, until)}
    unsolicited = {ref for ref, r in by_ana.items() if r.kind == "peer"} - set(by_maya)
    assert len(unsolicited) == 2  # Sam's and Omar's unsolicited feedback went to Ana alone
    requested = [r for r in by_maya.values() if "cutover" in r.text]
    assert requested and requested[0].ref in by_ana
    notes = [r for r in by_ana.values() if r.kind == "manager_note"]
    assert [n.text for n in notes] == ["Li ran the ledger migration retro well."]
    with pytest.raises(PermissionDenied):
        gather(services, ana, maya, since, until)  # not Ana's report


def test_the_window_check_ins_without_mood_and_live_goals(store: Store) -> None:
    store.people.upsert_directory(parse_directory_csv(ORG_CSV, {}), NOW)
    ids = _ids(store)
    seed(store, NOW)
    earlier = NOW - timedelta(days=5)
    dropped = store.goals.add(
        ids["li"], objective="An abandoned idea", key_results=[], due=None, at=earlier
    )
    assert dropped.id is not None
    store.goals.set_progress(dropped.id, 0.1, at=earlier, actor_id=ids["li"], status="dropped")
    li, ana = store.people.get(ids["li"]), store.people.get(ids["ana"])
    assert li is not None and ana is not None
    services = Services(store=store, clock=lambda: NOW)

    found = gather(services, ana, li, NOW - timedelta(days=100), NOW)
    kinds = [r.kind for r in found]
    assert "kudos" in kinds and kinds.count("kudos") == 1  # the two older kudos are outside
    [checkin] = [r for r in found if r.kind == "checkin"]
    assert "refund queue" in checkin.text and "payments sandbox" in checkin.text
    assert "mood" not in checkin.text.lower() and "1" not in checkin.text
    goals = [r.text for r in found if r.kind == "goal"]
    assert goals == ["Cut ledger reconciliation to 15 minutes (0% done)."]
    assert [r.at for r in found] == sorted(r.at for r in found)
    assert all(r.at < NOW for r in found)
