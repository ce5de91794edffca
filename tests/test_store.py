"""The SQL store on SQLite and PostgreSQL: migrations, kudos, the outbox and the org directory."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import event, func
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, SQLModel, select

from store.db import migrate, schema_is_current, session_scope
from store.indexer import drain_outbox
from store.kudos import KudosRecord
from store.models import AuditEvent, KudosRecipient, OutboxEntry, Person, ProcessedRequest
from store.outbox import enqueue
from store.people import DirectoryEntry
from store.repository import Store
from store.vector.embedder import HashingEmbedder
from store.vector.index import InMemoryIndex
from tests.conftest import FakeClock

T0 = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)


def entry(
    email: str,
    manager: str | None = None,
    *,
    title: str = "",
    role: str = "employee",
    slack: str | None = None,
) -> DirectoryEntry:
    return DirectoryEntry(
        email=email,
        name=email.split("@")[0].title(),
        manager_email=manager,
        department="Payments",
        title=title,
        role=role,
        slack_user_id=slack,
    )


def seed_people(store: Store, *names: str) -> dict[str, int]:
    """Create people named `names` (emails name@example.com); return name → id."""
    store.people.upsert_directory([entry(f"{n}@example.com") for n in names], T0)
    return {n: _id(store, n) for n in names}


def _id(store: Store, name: str) -> int:
    person = store.people.by_email(f"{name}@example.com")
    assert person is not None and person.id is not None
    return person.id


def give(
    store: Store,
    giver: int,
    recipients: list[int],
    key: str,
    at: datetime = T0,
    text: str = "shipped the billing migration",
) -> KudosRecord | None:
    return store.kudos.create(
        giver_id=giver,
        recipient_ids=recipients,
        text=text,
        company_values=["ownership", "craft"],
        platform="slack",
        channel_id="C0GENERAL",
        request_key=key,
        at=at,
    )


def rows(store: Store, model: type[SQLModel]) -> list[Any]:
    with Session(store.engine) as session:
        return list(session.exec(select(model)))


def row_count(store: Store, model: type[SQLModel]) -> int:
    with Session(store.engine) as session:
        return int(session.exec(select(func.count()).select_from(model)).one())


# --- migrations -----------------------------------------------------------------------------


# Tables slack_sdk owns (its OAuth installation store); the migration builds them from its code.
SLACK_SDK_TABLES = {"slack_installations", "slack_bots", "slack_oauth_states"}


def test_migration_matches_the_models(store: Store) -> None:
    def ours(obj: Any, name: str | None, type_: str, reflected: bool, compare_to: Any) -> bool:
        table = name if type_ == "table" else getattr(getattr(obj, "table", None), "name", None)
        return table not in SLACK_SDK_TABLES

    with store.engine.connect() as connection:
        context = MigrationContext.configure(
            connection, opts={"compare_type": True, "include_object": ours}
        )
        differences = compare_metadata(context, SQLModel.metadata)
    assert differences == []
    assert schema_is_current(store.engine)


def test_a_fresh_database_is_not_current_until_migrated(database_url: str) -> None:
    unmigrated = Store.open(database_url, run_migrations=False)
    try:
        assert not schema_is_current(unmigrated.engine)
        migrate(unmigrated.engine)
        assert schema_is_current(unmigrated.engine)
    finally:
        unmigrated.close()


def test_migrating_again_keeps_data_and_schema(store: Store, database_url: str) -> None:
    ids = seed_people(store, "ana")
    migrate(store.engine)
    again = Store.open(database_url)
    try:
        assert schema_is_current(again.engine)
        assert again.people.get(ids["ana"]) is not None
        assert again.ping()
    finally:
        again.close()


# --- kudos ----------------------------------------------------------------------------------


def test_create_stores_everything_together(store: Store) -> None:
    ids = seed_people(store, "ana", "li", "sam")
    record = give(store, ids["ana"], [ids["li"], ids["sam"]], "slack:T1:trigger-1")

    assert record is not None
    assert record.giver_id == ids["ana"]
    assert record.recipient_ids == (ids["li"], ids["sam"])
    assert record.text == "shipped the billing migration"
    assert record.company_values == ("ownership", "craft")
    assert (record.platform, record.channel_id) == ("slack", "C0GENERAL")
    assert store.kudos.get_many([record.id]) == [record]

    links = rows(store, KudosRecipient)
    assert {(link.kudos_id, link.person_id) for link in links} == {
        (record.id, ids["li"]),
        (record.id, ids["sam"]),
    }
    assert store.kudos.was_processed("slack:T1:trigger-1")
    [processed] = rows(store, ProcessedRequest)
    assert (processed.kind, processed.record_id) == ("kudos", record.id)

    [queued] = store.outbox.pending(10)
    assert (queued.doc_id, queued.op, queued.attempts) == (f"kudos:{record.id}", "upsert", 0)

    [event_] = store.audit.events()
    assert (event_.action, event_.actor_id, event_.subject_kind, event_.subject_id) == (
        "kudos.created",
        ids["ana"],
        "kudos",
        record.id,
    )
    # Ids only: the audit log never holds feedback text.
    assert event_.detail == {"recipients": [ids["li"], ids["sam"]]}
    assert "billing" not in repr(event_.detail)


def test_a_repeated_request_key_stores_nothing(store: Store) -> None:
    ids = seed_people(store, "ana", "li")
    first = give(store, ids["ana"], [ids["li"]], "key-1")
    assert first is not None

    repeat = give(store, ids["ana"], [ids["li"]], "key-1", text="a different text")

    assert repeat is None
    assert store.kudos.count() == 1
    assert [r.text for r in store.kudos.page(0, 10)] == ["shipped the billing migration"]
    assert row_count(store, KudosRecipient) == 1
    assert row_count(store, OutboxEntry) == 1
    assert row_count(store, AuditEvent) == 1


def test_a_request_key_is_honoured_after_a_restart(store: Store, database_url: str) -> None:
    ids = seed_people(store, "ana", "li")
    assert give(store, ids["ana"], [ids["li"]], "key-restart") is not None
    store.close()

    restarted = Store.open(database_url)
    try:
        assert restarted.kudos.was_processed("key-restart")
        assert give(restarted, ids["ana"], [ids["li"]], "key-restart") is None
        assert restarted.kudos.count() == 1
        assert restarted.outbox.pending_count() == 1
        # A new key still goes through.
        assert give(restarted, ids["ana"], [ids["li"]], "key-other") is not None
    finally:
        restarted.close()


def test_recipients_are_deduplicated(store: Store) -> None:
    ids = seed_people(store, "ana", "li", "sam")
    record = give(store, ids["ana"], [ids["li"], ids["sam"], ids["li"], ids["sam"]], "k")

    assert record is not None
    assert record.recipient_ids == (ids["li"], ids["sam"])
    assert store.kudos.get_many([record.id])[0].recipient_ids == (ids["li"], ids["sam"])
    assert row_count(store, KudosRecipient) == 2
    assert store.audit.events()[0].detail == {"recipients": [ids["li"], ids["sam"]]}


def test_times_round_trip_as_aware_utc(store: Store) -> None:
    ids = seed_people(store, "ana", "li")
    berlin = timezone(timedelta(hours=1))
    at = datetime(2026, 11, 2, 10, 30, 15, tzinfo=berlin)
    record = give(store, ids["ana"], [ids["li"]], "k", at=at)
    assert record is not None

    [stored] = store.kudos.get_many([record.id])
    assert stored.created_at == at
    assert stored.created_at.utcoffset() == timedelta(0)
    assert stored.created_at == datetime(2026, 11, 2, 9, 30, 15, tzinfo=UTC)
    [queued] = store.outbox.pending(1)
    assert queued.created_at == at and queued.created_at.utcoffset() == timedelta(0)
    person = store.people.get(ids["ana"])
    assert person is not None and person.created_at == T0
    assert person.created_at.utcoffset() == timedelta(0)


def test_count_given_since_counts_one_givers_kudos_in_the_window(
    store: Store, clock: FakeClock
) -> None:
    ids = seed_people(store, "ana", "li", "sam")
    give(store, ids["ana"], [ids["li"]], "k1", at=clock())
    clock.advance(hours=1)
    window_start = clock()
    give(store, ids["ana"], [ids["li"]], "k2", at=clock())
    clock.advance(hours=23)
    give(store, ids["ana"], [ids["sam"]], "k3", at=clock())
    give(store, ids["li"], [ids["ana"]], "k4", at=clock())

    assert store.kudos.count_given_since(ids["ana"], window_start) == 2  # the start is inclusive
    assert store.kudos.count_given_since(ids["ana"], window_start - timedelta(hours=1)) == 3
    assert store.kudos.count_given_since(ids["ana"], clock() + timedelta(seconds=1)) == 0
    assert store.kudos.count_given_since(ids["li"], window_start) == 1
    assert store.kudos.count_given_since(ids["sam"], window_start) == 0


def test_page_and_get_many_are_in_id_order(store: Store, clock: FakeClock) -> None:
    ids = seed_people(store, "ana", "li")
    made = []
    for n in range(5):
        record = give(store, ids["ana"], [ids["li"]], f"k{n}", at=clock(), text=f"kudos {n}")
        assert record is not None
        made.append(record.id)
        clock.advance(minutes=1)
    assert made == sorted(made)

    first = store.kudos.page(0, 2)
    second = store.kudos.page(first[-1].id, 2)
    third = store.kudos.page(second[-1].id, 2)
    assert [r.id for r in first + second + third] == made
    assert [r.text for r in first] == ["kudos 0", "kudos 1"]
    assert store.kudos.page(made[-1], 2) == []

    picked = store.kudos.get_many([made[3], made[0], 999_999, made[3]])
    assert [r.id for r in picked] == [made[0], made[3]]
    assert [r.recipient_ids for r in picked] == [(ids["li"],), (ids["li"],)]
    assert store.kudos.get_many([]) == []
    assert store.kudos.count() == 5


@pytest.mark.parametrize("bad", ["recipient", "giver"])
def test_a_failure_inside_the_transaction_leaves_nothing_behind(store: Store, bad: str) -> None:
    ids = seed_people(store, "ana", "li")
    giver, recipients = ids["ana"], [ids["li"], 987_654]
    if bad == "giver":
        giver, recipients = 987_654, [ids["li"]]

    with pytest.raises(IntegrityError):
        give(store, giver, recipients, "key-broken")

    assert store.kudos.count() == 0
    assert row_count(store, KudosRecipient) == 0
    assert not store.kudos.was_processed("key-broken")
    assert store.outbox.pending_count() == 0
    assert row_count(store, OutboxEntry) == 0
    assert store.audit.events() == []
    # The key was not burnt: a corrected retry goes through.
    assert give(store, ids["ana"], [ids["li"]], "key-broken") is not None


def test_concurrent_duplicates_store_one_kudos(store: Store) -> None:
    ids = seed_people(store, "ana", "li")
    workers = 2
    start = threading.Barrier(workers, timeout=10)
    checked = threading.Barrier(workers, timeout=10)
    waited: set[int] = set()
    worker_threads: set[int] = set()

    def after_execute(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        # Hold each worker right after its "was this key seen?" check until both have
        # checked, so both really race to insert the same key.
        me = threading.get_ident()
        if (
            me in worker_threads
            and me not in waited
            and statement.lstrip().upper().startswith("SELECT")
            and "processed_requests" in statement
        ):
            waited.add(me)
            checked.wait()

    event.listen(store.engine, "after_cursor_execute", after_execute)
    results: list[KudosRecord | None] = []
    errors: list[BaseException] = []
    lock = threading.Lock()

    def run() -> None:
        worker_threads.add(threading.get_ident())
        start.wait()
        try:
            outcome = give(store, ids["ana"], [ids["li"]], "slack:double-submit")
        except BaseException as error:  # reported below, with the other thread's outcome
            with lock:
                errors.append(error)
            return
        with lock:
            results.append(outcome)

    threads = [threading.Thread(target=run) for _ in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    event.remove(store.engine, "after_cursor_execute", after_execute)

    assert errors == []
    assert len(waited) == workers  # both checked the key before either stored it
    assert len(results) == workers
    stored = [r for r in results if r is not None]
    assert len(stored) == 1
    assert results.count(None) == 1
    assert [r.id for r in store.kudos.page(0, 10)] == [stored[0].id]
    assert row_count(store, KudosRecipient) == 1
    assert row_count(store, ProcessedRequest) == 1
    assert store.outbox.pending_count() == 1
    assert len(store.audit.events()) == 1


# --- outbox ---------------------------------------------------------------------------------


def _three_queued(store: Store, clock: FakeClock) -> list[OutboxEntry]:
    ids = seed_people(store, "ana", "li")
    for n in range(3):
        give(store, ids["ana"], [ids["li"]], f"k{n}", at=clock())
        clock.advance(minutes=1)
    return store.outbox.pending(10)


def test_outbox_pending_is_oldest_first_and_limited(store: Store, clock: FakeClock) -> None:
    queued = _three_queued(store, clock)
    kudos_ids = [r.id for r in store.kudos.page(0, 10)]

    assert [e.doc_id for e in queued] == [f"kudos:{i}" for i in kudos_ids]
    assert [e.id for e in store.outbox.pending(2)] == [e.id for e in queued[:2]]
    assert store.outbox.pending_count() == 3
    assert all(e.processed_at is None and e.attempts == 0 for e in queued)


def test_outbox_mark_done_settles_only_those_entries(store: Store, clock: FakeClock) -> None:
    queued = _three_queued(store, clock)
    clock.advance(minutes=5)
    store.outbox.mark_done([queued[1].id or 0], clock())
    store.outbox.mark_done([], clock())

    assert [e.id for e in store.outbox.pending(10)] == [queued[0].id, queued[2].id]
    assert store.outbox.pending_count() == 2
    with Session(store.engine) as session:
        done = session.get(OutboxEntry, queued[1].id)
        assert done is not None
        assert done.processed_at == clock()
        assert done.attempts == 1


def test_outbox_mark_failed_counts_attempts_and_keeps_entries_pending(
    store: Store, clock: FakeClock
) -> None:
    queued = _three_queued(store, clock)
    first = [queued[0].id or 0]
    store.outbox.mark_failed(first, "TimeoutError")
    store.outbox.mark_failed(first, "ConnectionError")
    store.outbox.mark_failed([queued[1].id or 0], "E" * 500)
    store.outbox.mark_failed([], "ignored")

    pending = {e.id: e for e in store.outbox.pending(10)}
    assert list(pending) == [e.id for e in queued]
    assert (pending[queued[0].id].attempts, pending[queued[0].id].last_error) == (
        2,
        "ConnectionError",
    )
    assert pending[queued[1].id].last_error == "E" * 200  # fits the column on every backend
    assert (pending[queued[2].id].attempts, pending[queued[2].id].last_error) == (0, None)
    assert store.outbox.pending_count() == 3


def test_settle_all_marks_every_pending_entry_done(store: Store, clock: FakeClock) -> None:
    queued = _three_queued(store, clock)
    store.outbox.mark_done([queued[0].id or 0], clock())

    assert store.outbox.settle_all(clock()) == 2
    assert store.outbox.pending_count() == 0
    assert store.outbox.pending(10) == []
    assert store.outbox.settle_all(clock()) == 0


def test_enqueue_rejects_unknown_operations(store: Store, clock: FakeClock) -> None:
    with session_scope(store.engine) as session, pytest.raises(ValueError, match="frobnicate"):
        enqueue(session, "kudos:1", "frobnicate", clock())
    assert store.outbox.pending_count() == 0


class _BrokenIndex(InMemoryIndex):
    def upsert(self, docs: Any) -> None:
        raise ConnectionError("index is down")


def test_a_failed_index_batch_stays_pending_with_the_error_class(
    store: Store, clock: FakeClock
) -> None:
    _three_queued(store, clock)

    with pytest.raises(ConnectionError):
        drain_outbox(store, _BrokenIndex(HashingEmbedder()), clock())
    pending = store.outbox.pending(10)
    assert len(pending) == 3
    assert {(e.attempts, e.last_error) for e in pending} == {(1, "ConnectionError")}

    index = InMemoryIndex(HashingEmbedder())
    assert drain_outbox(store, index, clock()) == 3
    assert store.outbox.pending_count() == 0
    assert index.ids() == {f"kudos:{r.id}" for r in store.kudos.page(0, 10)}


# --- people ---------------------------------------------------------------------------------


def test_upsert_directory_counts_created_updated_and_unchanged(store: Store) -> None:
    first = store.people.upsert_directory(
        [entry("maya@example.com"), entry("ana@example.com", "maya@example.com")], T0
    )
    assert (first.created, first.updated, first.unchanged) == (2, 0, 0)

    later = T0 + timedelta(days=1)
    second = store.people.upsert_directory(
        [
            entry("maya@example.com"),
            entry("ana@example.com", "maya@example.com", title="Engineering Manager"),
            entry("li@example.com", "ana@example.com"),
        ],
        later,
    )
    assert (second.created, second.updated, second.unchanged) == (1, 1, 1)

    people = {p.email: p for p in store.people.all()}
    assert len(people) == 3
    assert people["ana@example.com"].title == "Engineering Manager"
    assert people["ana@example.com"].updated_at == later
    assert people["ana@example.com"].created_at == T0
    assert people["maya@example.com"].updated_at == T0


def test_upsert_directory_links_managers(store: Store) -> None:
    store.people.upsert_directory(
        [
            # The report comes before the manager: managers are linked after everyone exists.
            entry("li@example.com", "ana@example.com"),
            entry("ana@example.com", "maya@example.com"),
            entry("maya@example.com"),
        ],
        T0,
    )
    ids = {n: _id(store, n) for n in ("maya", "ana", "li")}
    assert set(store.people.many(ids.values())) == set(ids.values())
    managers = {p.email: p.manager_id for p in store.people.all()}
    assert managers == {
        "maya@example.com": None,
        "ana@example.com": ids["maya"],
        "li@example.com": ids["ana"],
    }

    # A manager already in the directory (not in this batch) is linked too; and a change of
    # manager moves the person.
    summary = store.people.upsert_directory(
        [entry("sam@example.com", "ana@example.com"), entry("li@example.com", "maya@example.com")],
        T0,
    )
    assert (summary.created, summary.updated) == (1, 1)
    managers = {p.email: p.manager_id for p in store.people.all()}
    assert managers["sam@example.com"] == ids["ana"]
    assert managers["li@example.com"] == ids["maya"]
    assert managers["ana@example.com"] == ids["maya"]  # people not in the batch are untouched


def test_upsert_directory_never_clears_a_slack_id(store: Store) -> None:
    store.people.upsert_directory([entry("ana@example.com", slack="U0ANA")], T0)

    summary = store.people.upsert_directory([entry("ana@example.com")], T0)

    assert (summary.updated, summary.unchanged) == (0, 1)
    assert store.people.by_platform_id("slack", "U0ANA") == store.people.by_email("ana@example.com")
    store.people.upsert_directory([entry("ana@example.com", slack="U0ANA2")], T0)
    person = store.people.by_email("ana@example.com")
    assert person is not None and person.slack_user_id == "U0ANA2"


def test_upsert_directory_reactivates_people(store: Store) -> None:
    ids = seed_people(store, "ana")
    with session_scope(store.engine) as session:
        person = session.get(Person, ids["ana"])
        assert person is not None
        person.active = False
        session.add(person)

    summary = store.people.upsert_directory([entry("ana@example.com")], T0)

    assert summary.updated == 1
    again = store.people.get(ids["ana"])
    assert again is not None and again.active


def test_link_platform_id_moves_the_id_from_its_previous_holder(
    store: Store, clock: FakeClock
) -> None:
    ids = seed_people(store, "ana", "li")
    store.people.link_platform_id("slack", ids["ana"], "U0SHARED", clock())
    clock.advance(hours=1)

    store.people.link_platform_id("slack", ids["li"], "U0SHARED", clock())

    ana, li = store.people.get(ids["ana"]), store.people.get(ids["li"])
    assert ana is not None and li is not None
    assert ana.slack_user_id is None
    assert li.slack_user_id == "U0SHARED"
    assert li.updated_at == clock()
    holder = store.people.by_platform_id("slack", "U0SHARED")
    assert holder is not None and holder.id == ids["li"]


def test_link_platform_id_per_platform(store: Store, clock: FakeClock) -> None:
    ids = seed_people(store, "ana", "li")
    store.people.link_platform_id("slack", ids["ana"], "U0ANA", clock())
    store.people.link_platform_id("teams", ids["ana"], "29:ana-aad", clock())
    # Linking again to the same person is harmless.
    store.people.link_platform_id("slack", ids["ana"], "U0ANA", clock())

    slack = store.people.by_platform_id("slack", "U0ANA")
    teams = store.people.by_platform_id("teams", "29:ana-aad")
    assert slack is not None and teams is not None
    assert slack.id == teams.id == ids["ana"]
    assert store.people.by_platform_id("teams", "U0ANA") is None
    assert store.people.by_platform_id("slack", "U0NOBODY") is None


def test_unknown_platform_is_rejected(store: Store, clock: FakeClock) -> None:
    ids = seed_people(store, "ana")
    with pytest.raises(ValueError, match="discord"):
        store.people.by_platform_id("discord", "123")
    with pytest.raises(ValueError, match="discord"):
        store.people.link_platform_id("discord", ids["ana"], "123", clock())


def test_by_email_ignores_case_and_spaces(store: Store) -> None:
    ids = seed_people(store, "ana")

    found = store.people.by_email("  Ana@EXAMPLE.com ")

    assert found is not None and found.id == ids["ana"]
    assert store.people.by_email("nobody@example.com") is None
    assert store.people.get(987_654) is None
    assert store.people.many([]) == {}
    assert set(store.people.many([ids["ana"], 987_654])) == {ids["ana"]}


def test_widening_channel_ids_keeps_every_kudos_recipient(database_url: str) -> None:
    """Migration 0004 rebuilds `kudos` on SQLite; its recipients must survive the rebuild."""
    from alembic import command
    from sqlalchemy import text

    from store.db import _alembic_config, make_engine

    engine = make_engine(database_url)
    config = _alembic_config()
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "0003")
    with engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO people (id, email, name, department, title, role, active, "
                "created_at, updated_at) VALUES (1, 'a@x.io', 'A', '', '', 'employee', true, "
                ":t, :t), (2, 'b@x.io', 'B', '', '', 'employee', true, :t, :t)"
            ),
            {"t": T0},
        )
        connection.execute(
            text(
                "INSERT INTO kudos (giver_id, text, company_values, platform, channel_id, "
                "created_at) VALUES (1, 'thanks', '[]', 'slack', 'C1', :t)"
            ),
            {"t": T0},
        )
        kudos_id = connection.execute(text("SELECT id FROM kudos")).scalar()
        connection.execute(text("INSERT INTO kudos_recipients VALUES (:k, 2)"), {"k": kudos_id})
    migrate(engine)
    with engine.begin() as connection:
        assert connection.execute(text("SELECT count(*) FROM kudos_recipients")).scalar() == 1
    store = Store(engine)
    teams_conversation = "19:" + "x" * 150 + "@thread.tacv2"
    record = store.kudos.create(
        giver_id=1,
        recipient_ids=[2],
        text="long channel id",
        company_values=[],
        platform="teams",
        channel_id=teams_conversation,
        request_key="teams-long",
        at=T0,
    )
    assert record is not None and record.channel_id == teams_conversation
    engine.dispose()


def test_the_slack_oauth_tables_match_what_slack_sdk_reads(store: Store) -> None:
    """Migration 0006 spells out slack_sdk's tables; they must match its own definitions."""
    import sqlalchemy as sa
    from slack_sdk.oauth.installation_store.sqlalchemy import SQLAlchemyInstallationStore
    from slack_sdk.oauth.state_store.sqlalchemy import SQLAlchemyOAuthStateStore

    expected = sa.MetaData()
    SQLAlchemyInstallationStore.build_installations_table(expected, "slack_installations")
    SQLAlchemyInstallationStore.build_bots_table(expected, "slack_bots")
    SQLAlchemyOAuthStateStore.build_oauth_states_table(expected, "slack_oauth_states")
    inspector = sa.inspect(store.engine)
    for table in expected.sorted_tables:
        columns = {c["name"]: c for c in inspector.get_columns(table.name)}
        assert set(columns) == {c.name for c in table.columns}, table.name
        for column in table.columns:
            assert columns[column.name]["nullable"] == column.nullable, column.name
            length = getattr(column.type, "length", None)
            assert getattr(columns[column.name]["type"], "length", None) == length, column.name
