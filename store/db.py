"""Database engine, sessions and migrations, the same on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from functools import partial
from pathlib import Path, PurePosixPath
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlmodel import Session, create_engine

MIGRATIONS = Path(__file__).parent / "migrations"


# How long a SQLite statement waits for another connection's write lock before it fails.
LOCK_WAIT_MS = 30_000


def make_engine(url: str, *, lock_wait_ms: int = LOCK_WAIT_MS, autocommit: bool = False) -> Engine:
    """Create an engine; for SQLite, create the file's folder and turn on WAL and foreign keys.

    `lock_wait_ms` is SQLite's busy timeout (while it waits, SQLite sleeps 1, 2, 5, 10, 15 …
    ms between tries); 0 fails at once, for callers that retry on their own schedule. With
    `autocommit` every statement is its own transaction (for SQLite only)."""
    if url.startswith("sqlite"):
        path = url.split("///", 1)[-1]
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(
            url,
            connect_args={"check_same_thread": False, "timeout": lock_wait_ms / 1000},
            hide_parameters=True,  # error messages must never carry feedback text
            **({"isolation_level": "AUTOCOMMIT"} if autocommit else {}),
        )
        event.listen(engine, "connect", partial(_sqlite_pragmas, lock_wait_ms=lock_wait_ms))
        return engine
    return create_engine(url, pool_pre_ping=True, hide_parameters=True)


def queue_url(url: str) -> str | None:
    """Where a SQLite database keeps its request queue: a file of its own beside it.

    The web process writes one row per Slack request before it acks. In the main file that
    insert would wait for every write the worker makes while storing feedback; in a file of
    its own it only meets the worker's claims and deletes. PostgreSQL locks rows, not the
    database, so there the queue stays in the main database (None).
    """
    prefix, slashes, path = url.partition("///")
    if not prefix.startswith("sqlite") or not slashes or path in ("", ":memory:") or "?" in path:
        return None  # (a URL with query options keeps the queue in the main file)
    file = PurePosixPath(path)
    return f"{prefix}///{file.with_name(f'{file.stem}-requests{file.suffix}')}"


def _sqlite_pragmas(dbapi_connection: Any, _record: Any, *, lock_wait_ms: int) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    # With WAL, NORMAL syncs at checkpoints rather than every commit: safe against crashes of
    # the process (only an OS crash or power loss can lose the last commits), and it takes a
    # commit from ~7 ms to well under 1 ms on the embedded default.
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute(f"PRAGMA busy_timeout={int(lock_wait_ms)}")
    cursor.close()


def _alembic_config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return config


def migrate(engine: Engine) -> None:
    """Bring the schema up to the latest migration (idempotent)."""
    config = _alembic_config()
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "head")


def schema_is_current(engine: Engine) -> bool:
    """Whether the database is at the latest migration."""
    head = ScriptDirectory.from_config(_alembic_config()).get_current_head()
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision() == head


@contextmanager
def session_scope(engine: Engine) -> Iterator[Session]:
    """A session whose work commits together at the end, or rolls back on any error."""
    with Session(engine, expire_on_commit=False) as session:
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise
