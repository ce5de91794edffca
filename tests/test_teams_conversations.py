"""`ConversationRepo`: saved conversation references, on SQLite and PostgreSQL."""

from __future__ import annotations

from typing import Any

from store.repository import Store
from tests.conftest import FakeClock


def _save(store: Store, clock: FakeClock, conversation_id: str, **overrides: Any) -> bool:
    values: dict[str, Any] = {
        "platform": "teams",
        "conversation_id": conversation_id,
        "conversation_type": "personal",
        "service_url": "https://smba.example/emea/",
        "reference": {"conversation": {"id": conversation_id}},
        "at": clock(),
        "user_id": "29:1sam",
        "tenant_id": "tenant-1",
    }
    values.update(overrides)
    return store.conversations.save(**values)


def test_save_creates_then_updates_only_on_change(store: Store, clock: FakeClock) -> None:
    assert _save(store, clock, "a:sam") is True
    clock.advance(minutes=5)
    assert _save(store, clock, "a:sam") is False  # unchanged: not rewritten
    assert _save(store, clock, "a:sam", service_url="https://smba.example/amer/") is True

    row = store.conversations.get("teams", "a:sam")
    assert row is not None
    assert row.service_url == "https://smba.example/amer/"
    assert row.updated_at == clock()
    assert len(store.conversations.all("teams")) == 1


def test_personal_chat_is_found_by_user(store: Store, clock: FakeClock) -> None:
    _save(store, clock, "19:general@thread.tacv2", conversation_type="channel", user_id=None)
    _save(store, clock, "a:sam-old")
    clock.advance(days=1)
    _save(store, clock, "a:sam-new")

    found = store.conversations.personal_for("teams", "29:1sam")

    assert found is not None and found.conversation_id == "a:sam-new"
    assert store.conversations.personal_for("teams", "29:1nobody") is None
    assert store.conversations.personal_for("slack", "29:1sam") is None


def test_latest_is_the_most_recent_route_in_a_tenant(store: Store, clock: FakeClock) -> None:
    _save(store, clock, "a:one", tenant_id="tenant-1")
    clock.advance(hours=1)
    _save(store, clock, "a:two", tenant_id="tenant-2", user_id="29:1li")

    latest = store.conversations.latest("teams")
    in_first = store.conversations.latest("teams", "tenant-1")

    assert latest is not None and latest.conversation_id == "a:two"
    assert in_first is not None and in_first.conversation_id == "a:one"


def test_all_filters_by_type_and_delete_forgets(store: Store, clock: FakeClock) -> None:
    _save(store, clock, "a:sam")
    _save(store, clock, "19:general@thread.tacv2", conversation_type="channel", user_id=None)

    assert [r.conversation_id for r in store.conversations.all("teams", "channel")] == [
        "19:general@thread.tacv2"
    ]
    assert store.conversations.delete("teams", "a:sam") is True
    assert store.conversations.delete("teams", "a:sam") is False
    assert [r.conversation_id for r in store.conversations.all("teams")] == [
        "19:general@thread.tacv2"
    ]


def test_references_survive_reopening_the_database(database_url: str, clock: FakeClock) -> None:
    first = Store.open(database_url)
    _save(first, clock, "a:sam")
    first.close()

    second = Store.open(database_url)
    try:
        row = second.conversations.get("teams", "a:sam")
        assert row is not None and row.reference == {"conversation": {"id": "a:sam"}}
    finally:
        second.close()
