"""Which process runs the scheduler: exactly one, elected through a lock every replica tries.

On PostgreSQL the lock is a session-level advisory lock held on a dedicated connection: when the
leader dies or loses its connection, the server releases it and a standby takes over at its next
try. On SQLite (one machine) it is an `flock` on a file in the data directory, which the kernel
releases when the process dies. Deliveries stay idempotent either way (`store.deliveries`), so a
brief overlap during a takeover cannot send anything twice.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from pathlib import Path
from typing import Protocol

from apscheduler.schedulers.base import BaseScheduler
from sqlalchemy import text
from sqlalchemy.engine import Connection, Engine

from store.vector.lock import DirectoryLock, LockHeldError

log = logging.getLogger(__name__)

# pg advisory lock keys are bigints; this one is "candor" in ASCII, so it won't clash by chance.
SCHEDULER_LOCK_KEY = 0x63616E646F72
# How often a standby tries to take over, and the leader checks it still holds the lock.
RETRY_SECONDS = 15.0


class LeaderLock(Protocol):
    """A lock at most one process holds."""

    def try_acquire(self) -> bool:
        """Take the lock if it is free; True if this process now holds it."""
        ...

    def still_held(self) -> bool:
        """Whether the lock is still this process's (its connection may have dropped)."""
        ...

    def release(self) -> None:
        """Give the lock up (idempotent)."""
        ...


class PostgresAdvisoryLock:
    """`pg_try_advisory_lock` on a connection of its own, kept open while leading."""

    def __init__(self, engine: Engine, key: int = SCHEDULER_LOCK_KEY) -> None:
        self._engine = engine
        self._key = key
        self._connection: Connection | None = None

    def try_acquire(self) -> bool:
        if self._connection is not None:
            return self.still_held()
        connection = self._engine.connect().execution_options(isolation_level="AUTOCOMMIT")
        try:
            got = connection.execute(
                text("SELECT pg_try_advisory_lock(:key)"), {"key": self._key}
            ).scalar()
        except Exception:
            connection.close()
            raise
        if not got:
            connection.close()
            return False
        self._connection = connection
        return True

    def still_held(self) -> bool:
        if self._connection is None:
            return False
        try:
            self._connection.execute(text("SELECT 1"))
        except Exception:
            self._drop()
            return False
        return True

    def release(self) -> None:
        if self._connection is None:
            return
        with contextlib.suppress(Exception):
            self._connection.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": self._key})
        self._drop()

    def _drop(self) -> None:
        connection, self._connection = self._connection, None
        if connection is not None:
            with contextlib.suppress(Exception):
                connection.close()


class FileLock:
    """An `flock` on `<data_dir>/scheduler/`, for SQLite installs on one machine."""

    def __init__(self, directory: Path) -> None:
        self._lock = DirectoryLock(directory)

    def try_acquire(self) -> bool:
        try:
            self._lock.acquire()
        except LockHeldError:
            return False
        return True

    def still_held(self) -> bool:
        return self._lock.held

    def release(self) -> None:
        self._lock.release()


def leader_lock(engine: Engine, data_dir: Path) -> LeaderLock:
    """The right lock for the database: advisory on PostgreSQL, a file lock otherwise."""
    if engine.dialect.name == "postgresql":
        return PostgresAdvisoryLock(engine)
    return FileLock(data_dir / "scheduler")


class SchedulerLeadership:
    """Runs the scheduler in this process only while it holds the leader lock.

    `start()` begins trying in the background; `stop()` shuts the scheduler down and releases
    the lock so a standby takes over at once.
    """

    def __init__(
        self,
        lock: LeaderLock,
        build: Callable[[], BaseScheduler],
        *,
        on_lead: Callable[[], None] = lambda: None,
        retry_seconds: float | None = None,
    ) -> None:
        self._lock = lock
        self._build = build
        self._on_lead = on_lead
        self._retry = RETRY_SECONDS if retry_seconds is None else retry_seconds
        self._scheduler: BaseScheduler | None = None
        self._task: asyncio.Task[None] | None = None

    @property
    def leading(self) -> bool:
        """Whether this process runs the scheduler now."""
        return self._scheduler is not None

    def start(self) -> None:
        """Start trying to lead (returns at once)."""
        if self._task is None:
            self._task = asyncio.create_task(self._run(), name="scheduler leadership")

    async def stop(self) -> None:
        """Stop the scheduler if leading, release the lock, and stop trying."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        self._step_down()
        await asyncio.to_thread(self._lock.release)

    async def _run(self) -> None:
        while True:
            try:
                await self._check()
            except Exception as error:  # the database is briefly away: try again later
                log.warning("scheduler election failed: %s", type(error).__name__)
            await asyncio.sleep(self._retry)

    async def _check(self) -> None:
        if self._scheduler is None:
            if await asyncio.to_thread(self._lock.try_acquire):
                self._on_lead()
                scheduler = self._build()
                scheduler.start()
                self._scheduler = scheduler
                log.info("this process now runs the scheduler")
        elif not await asyncio.to_thread(self._lock.still_held):
            log.warning("lost the scheduler lock; standing by")
            self._step_down()

    def _step_down(self) -> None:
        scheduler, self._scheduler = self._scheduler, None
        if scheduler is not None:
            scheduler.shutdown(wait=False)
