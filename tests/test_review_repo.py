"""Review drafts in the store: versions, optimistic concurrency, decisions and their audit."""

from __future__ import annotations

from datetime import UTC, datetime

from handlers.org_import import parse_directory_csv
from store.repository import Store
from tests.conftest import ORG_CSV

NOW = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)


def _ids(store: Store) -> dict[str, int]:
    return {p.email.split("@")[0]: p.id for p in store.people.all() if p.id is not None}


def test_a_change_from_an_old_version_or_after_a_decision_changes_nothing(store: Store) -> None:
    store.people.upsert_directory(parse_directory_csv(ORG_CSV, {}), NOW)
    ids = _ids(store)
    repo = store.reviews
    row = repo.create(
        subject_id=ids["li"], manager_id=ids["ana"], period_start=NOW.date(),
        period_end=NOW.date(), engine="offline", content={"sections": []}, at=NOW,
    )  # fmt: skip
    assert row.id is not None and row.version == 1
    first = repo.update_content(row.id, 1, {"a": 1}, ids["ana"], "edited", "offline", NOW)
    assert first is not None and first.version == 2
    assert repo.update_content(row.id, 1, {"b": 2}, ids["ana"], "edited", "offline", NOW) is None
    assert repo.decide(row.id, 1, "approved", ids["ana"], NOW) is None  # from a stale version
    assert repo.decide(row.id, 2, "discarded", ids["ana"], NOW) is not None
    assert repo.decide(row.id, 2, "approved", ids["ana"], NOW) is None  # decided already
    assert repo.update_content(row.id, 2, {"c": 3}, None, "regenerated", "offline", NOW) is None
    kept = repo.get(row.id)
    assert kept is not None and (kept.status, kept.version, kept.content) == (
        "discarded",
        2,
        {"a": 1},
    )
    assert [(v.version, v.reason) for v in repo.versions(row.id)] == [
        (1, "generated"),
        (2, "edited"),
    ]
    actions = [e.action for e in store.audit.events() if e.subject_kind == "review_draft"]
    assert sorted(actions) == ["review.discarded", "review.edited", "review.generated"]


def test_approving_marks_the_output_behind_the_text_and_supersedes_the_rest(store: Store) -> None:
    store.people.upsert_directory(parse_directory_csv(ORG_CSV, {}), NOW)
    ids = _ids(store)

    def output() -> int:
        return store.ai_outputs.record(
            kind="review_draft", model="offline", prompt="p", prompt_version="1",
            input_ids=["kudos:1"], output={"status": "draft"}, at=NOW,
        )  # fmt: skip

    first, second = output(), output()
    repo = store.reviews
    row = repo.create(
        subject_id=ids["li"], manager_id=ids["ana"], period_start=NOW.date(),
        period_end=NOW.date(), engine="offline", content={}, at=NOW, inputs=["kudos:1"],
        ai_output_id=first,
    )  # fmt: skip
    assert row.id is not None and row.content["ai_output"] == first
    repo.update_content(
        row.id, 1, {}, None, "regenerated", "offline", NOW, inputs=["kudos:1"], ai_output_id=second
    )
    edited = repo.update_content(row.id, 2, {"ai_output": second}, ids["ana"], "edited", "o", NOW)
    assert edited is not None and "ai_output" not in edited.content  # an edit is no AI output
    assert repo.decide(row.id, 3, "approved", ids["ana"], NOW) is not None

    status = {o.id: o.output["status"] for o in store.ai_outputs.recent("review_draft")}
    assert status == {first: "superseded", second: "approved"}
    [approved] = store.audit.events(action="review.approved")
    assert approved.actor_id == ids["ana"] and approved.detail["ai_output"] == second
