"""The `candor` command, run in-process: org import, migrate, reindex, serve's fail-fast checks."""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from bot.cli import main
from bot.logging_setup import CHATTY_LIBRARIES
from bot.slack.standin import SlackStandIn, StandInThread
from store.db import make_engine, schema_is_current
from store.people import DirectoryEntry
from store.repository import Store
from store.vector.chroma import ChromaIndex
from store.vector.embedder import HashingEmbedder
from store.vector.index import IndexDoc
from tests.conftest import BOT_TOKEN, ORG_CSV, SLACK_USERS, FakeClock

CLEARED = ("DATABASE_URL", "CHROMA_URL")


@dataclass
class Cli:
    """A working directory and environment for one `candor` run."""

    root: Path
    database_url: str
    monkeypatch: pytest.MonkeyPatch
    capsys: pytest.CaptureFixture[str]

    @property
    def data_dir(self) -> Path:
        return self.root / "data"

    def use_database(self, url: str) -> None:
        self.database_url = url
        self.monkeypatch.setenv("DATABASE_URL", url)

    def run(self, *argv: str) -> tuple[int, str, str]:
        """Run `candor argv...`; return the exit code, stdout and stderr."""
        self.capsys.readouterr()
        code = main(list(argv))
        out, err = self.capsys.readouterr()
        return code, out, err

    def store(self) -> Store:
        return Store.open(self.database_url)


@pytest.fixture
def cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> Cli:
    """A clean environment: no Slack settings, a data dir and an SQLite file under tmp_path."""
    for name in list(os.environ):
        if name.startswith(("SLACK_", "CANDOR_")) or name in CLEARED:
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)
    url = f"sqlite:///{tmp_path / 'data' / 'candor.db'}"
    monkeypatch.setenv("CANDOR_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.setenv("CANDOR_EMBEDDER", "hashing")
    return Cli(tmp_path, url, monkeypatch, capsys)


@pytest.fixture(autouse=True)
def restore_logging() -> Iterator[None]:
    """`main` configures logging for the process; give the next test the logging it had."""
    loggers = [logging.getLogger(), *(logging.getLogger(n) for n in CHATTY_LIBRARIES)]
    levels = [logger.level for logger in loggers]
    filters = {handler: list(handler.filters) for handler in logging.getLogger().handlers}
    yield
    for logger, level in zip(loggers, levels, strict=True):
        logger.setLevel(level)
    for handler, kept in filters.items():
        handler.filters[:] = kept


@pytest.fixture
def slack_thread() -> Iterator[StandInThread]:
    with StandInThread(SlackStandIn(users=SLACK_USERS, token=BOT_TOKEN)) as running:
        yield running


def emails(cli: Cli) -> dict[str, str | None]:
    store = cli.store()
    try:
        return {p.email: p.slack_user_id for p in store.people.all()}
    finally:
        store.close()


# --- org import -----------------------------------------------------------------------------


def test_org_import_stores_people_and_prints_a_summary(cli: Cli, database_url: str) -> None:
    cli.use_database(database_url)
    (cli.root / "people.csv").write_text(ORG_CSV, encoding="utf-8")

    code, out, err = cli.run("org", "import", "people.csv")

    assert code == 0, err
    assert "Imported people.csv: 6 added, 0 updated, 0 unchanged." in out
    assert "SLACK_BOT_TOKEN is not set" in out
    assert "Slack:" not in out
    assert set(emails(cli)) == {
        "maya@example.com",
        "ana@example.com",
        "li@example.com",
        "sam@example.com",
        "omar@example.com",
        "hana@example.com",
    }

    # Again, with a changed title and a BOM (Excel's "CSV UTF-8"): updated in place.
    changed = ORG_CSV.replace("Backend Engineer", "Staff Engineer")
    (cli.root / "people.csv").write_text("\ufeff" + changed, encoding="utf-8")
    code, out, err = cli.run("org", "import", "people.csv")
    assert code == 0, err
    assert "Imported people.csv: 0 added, 1 updated, 5 unchanged." in out
    assert len(emails(cli)) == 6


def test_org_import_links_slack_ids_by_email(cli: Cli, slack_thread: StandInThread) -> None:
    cli.monkeypatch.setenv("SLACK_BOT_TOKEN", BOT_TOKEN)
    cli.monkeypatch.setenv("SLACK_API_URL", slack_thread.base_url)
    content = ORG_CSV + "zoe@example.com,Zoe Not-In-Slack,maya@example.com,Sales,AE,\n"
    (cli.root / "people.csv").write_text(content, encoding="utf-8")

    code, out, err = cli.run("org", "import", "people.csv")

    assert code == 0, err
    assert "Imported people.csv: 7 added, 0 updated, 0 unchanged." in out
    assert "Slack: 6 linked by email, 1 not found." in out
    assert "  not in Slack: zoe@example.com" in out
    linked = emails(cli)
    assert linked["li@example.com"] == "U0LI"
    assert linked["zoe@example.com"] is None


def test_org_import_no_slack_makes_no_slack_calls(cli: Cli, slack_thread: StandInThread) -> None:
    cli.monkeypatch.setenv("SLACK_BOT_TOKEN", BOT_TOKEN)
    cli.monkeypatch.setenv("SLACK_API_URL", slack_thread.base_url)
    (cli.root / "people.csv").write_text(ORG_CSV, encoding="utf-8")

    code, out, err = cli.run("org", "import", "--no-slack", "people.csv")

    assert code == 0, err
    assert "6 added" in out
    assert "Slack" not in out
    assert slack_thread.standin.calls == []
    assert set(emails(cli).values()) == {None}


def test_org_import_rejects_a_bad_file_and_stores_nothing(cli: Cli, database_url: str) -> None:
    cli.use_database(database_url)
    bad = ORG_CSV + "zoe@example.com,Zoe,ghost@example.com,Sales,AE,\nana@example.com,Ana,,,,\n"
    (cli.root / "people.csv").write_text(bad, encoding="utf-8")

    code, out, err = cli.run("org", "import", "people.csv")

    assert code == 2
    assert "Imported" not in out
    assert err.startswith("candor: error: The org file was not imported (nothing changed)")
    assert "line 8: manager ghost@example.com is neither in the file nor in the directory" in err
    assert "line 9: duplicate email ana@example.com (first on line 3)" in err
    assert "Traceback" not in err
    assert emails(cli) == {}


def test_org_import_of_a_missing_file_says_so(cli: Cli) -> None:
    code, out, err = cli.run("org", "import", "nope.csv")

    assert code == 2
    assert out == ""
    assert err.strip() == "candor: error: no such file: nope.csv"


# --- migrate and reindex --------------------------------------------------------------------


def test_migrate_brings_the_schema_up_to_date(cli: Cli, database_url: str) -> None:
    cli.use_database(database_url)

    for _ in range(2):  # and again: nothing to do, no error
        code, out, err = cli.run("migrate")
        assert code == 0, err
        assert out.strip() == "Database schema is up to date."

    engine = make_engine(database_url)
    try:
        assert schema_is_current(engine)
    finally:
        engine.dispose()


def seed_kudos(cli: Cli, clock: FakeClock, count: int) -> list[str]:
    """Store `count` kudos the normal way (outbox entries pending); return their doc ids."""
    store = cli.store()
    try:
        store.people.upsert_directory(
            [
                DirectoryEntry(f"{n}@example.com", n.title(), None, "", "", "employee")
                for n in ("ana", "li")
            ],
            clock(),
        )
        ana, li = (store.people.by_email(f"{n}@example.com") for n in ("ana", "li"))
        assert ana is not None and ana.id is not None and li is not None and li.id is not None
        ids = []
        for n in range(count):
            record = store.kudos.create(
                giver_id=ana.id,
                recipient_ids=[li.id],
                text=f"thanks for review number {n}",
                company_values=["craft"],
                platform="slack",
                channel_id="C0GENERAL",
                request_key=f"seed-{n}",
                at=clock(),
            )
            assert record is not None
            ids.append(f"kudos:{record.id}")
            clock.advance(minutes=1)
        return ids
    finally:
        store.close()


def test_reindex_rebuilds_the_index_from_sql(cli: Cli, database_url: str, clock: FakeClock) -> None:
    cli.use_database(database_url)
    doc_ids = seed_kudos(cli, clock, 3)
    stale = ChromaIndex(HashingEmbedder(), path=cli.data_dir / "chroma")
    try:
        stale.upsert([IndexDoc("kudos:999", "erased long ago")])
    finally:
        stale.close()

    code, out, err = cli.run("reindex")

    assert code == 0, err
    assert out.strip().endswith("Rebuilt the vector index: 3 documents.")
    assert "reindex" in err and "3/3" in err  # the progress bar
    index = ChromaIndex(HashingEmbedder(), path=cli.data_dir / "chroma")
    try:
        assert index.ids() == set(doc_ids)
        [hit] = index.query("thanks for review number 1", k=1)
        assert hit.id == doc_ids[1]
    finally:
        index.close()
    store = cli.store()
    try:
        assert store.outbox.pending_count() == 0
    finally:
        store.close()


def test_reindex_refuses_while_the_index_is_in_use(
    cli: Cli, database_url: str, clock: FakeClock
) -> None:
    cli.use_database(database_url)
    seed_kudos(cli, clock, 1)
    holder = ChromaIndex(HashingEmbedder(), path=cli.data_dir / "chroma")
    try:
        holder.upsert([IndexDoc("kudos:1", "kept")])

        code, out, err = cli.run("reindex")

        assert code == 2
        assert "Rebuilt" not in out
        assert err.startswith("candor: error: ")
        assert "candor serve" in err
        assert "Traceback" not in err
        assert holder.ids() == {"kudos:1"}
    finally:
        holder.close()
    store = cli.store()
    try:
        assert store.outbox.pending_count() == 1  # still to be applied by the running server
    finally:
        store.close()


# --- serve and help -------------------------------------------------------------------------


@pytest.fixture
def no_server(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fail the test if a web server would start."""

    def refuse(*_args: object, **_kwargs: object) -> None:
        raise AssertionError("a server was started despite missing settings")

    monkeypatch.setattr("aiohttp.web.AppRunner", refuse)
    monkeypatch.setattr("aiohttp.web.TCPSite", refuse)


@pytest.mark.parametrize(
    ("env", "argv", "missing", "present"),
    [
        pytest.param({}, ["serve"], ["SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET"], [], id="both"),
        pytest.param(
            {"SLACK_BOT_TOKEN": "xoxb-1"},
            ["serve"],
            ["SLACK_SIGNING_SECRET"],
            ["SLACK_BOT_TOKEN"],
            id="signing-secret",
        ),
        pytest.param(
            {"SLACK_SIGNING_SECRET": "s"},
            ["serve"],
            ["SLACK_BOT_TOKEN"],
            ["SLACK_SIGNING_SECRET"],
            id="bot-token",
        ),
        pytest.param(
            {"SLACK_BOT_TOKEN": "xoxb-1", "SLACK_SIGNING_SECRET": "s"},
            ["serve", "--socket"],
            ["SLACK_APP_TOKEN"],
            ["SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET"],
            id="socket-app-token",
        ),
    ],
)
def test_serve_fails_fast_naming_missing_settings(
    cli: Cli,
    no_server: None,
    env: dict[str, str],
    argv: list[str],
    missing: list[str],
    present: list[str],
) -> None:
    for name, value in env.items():
        cli.monkeypatch.setenv(name, value)

    code, _, err = cli.run(*argv, "--port", "0")

    assert code == 2
    assert err.startswith("candor: error: missing required setting")
    for name in missing:
        assert name in err
    for name in present:
        assert name not in err


def test_help_lists_the_sub_commands(cli: Cli) -> None:
    with pytest.raises(SystemExit) as info:
        cli.run("--help")

    assert info.value.code == 0
    out = cli.capsys.readouterr().out
    for command in ("serve", "org", "reindex", "migrate", "demo"):
        assert command in out


def test_no_sub_command_is_a_usage_error(cli: Cli) -> None:
    with pytest.raises(SystemExit) as info:
        cli.run()

    assert info.value.code == 2
    assert "COMMAND" in cli.capsys.readouterr().err
