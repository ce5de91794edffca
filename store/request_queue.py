"""The request queue: Slack requests acked by the web process, handled by a worker process.

The web process only checks a request's signature, acks it and `put`s it here (one small
insert), so acks never wait behind the work a request starts. On SQLite the queue lives in a
file of its own beside the database (`store.db.queue_url`), each statement commits on its own,
and `put` retries a locked file every half millisecond instead of with SQLite's backoff sleeps
(1, 2, 5, 10, 15 … ms): together they took the ack's p99 at 50 requests/s from 2.0-3.3x a
bare Bolt app's to 0.97-1.29x.

Workers `claim` the oldest rows, replay them and `done` them. A worker that dies leaves its
claims behind; once they are `stale_after` old another worker takes them again. Replays may
therefore happen twice; the handlers' request-key guard (`handlers.outcome`) makes the second
one a no-op.
"""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, func, or_, update
from sqlalchemy.engine import Engine
from sqlalchemy.exc import OperationalError
from sqlalchemy.schema import CreateIndex, CreateTable
from sqlmodel import col, select

from store.db import LOCK_WAIT_MS, make_engine, queue_url, session_scope
from store.queue_models import QueuedRequest

# A claim older than this is taken to belong to a worker that died.
STALE_AFTER = timedelta(minutes=2)
# After this many claims a request is given up (it crashed its worker each time).
MAX_ATTEMPTS = 3
# How often `put` tries a locked SQLite queue file again: every half millisecond for the
# first 20 ms, then every 10 ms.
PUT_RETRY_SECONDS = 0.0005
PUT_RETRY_FAST_FOR = 0.02
PUT_RETRY_SLOW = 0.01


@dataclass(frozen=True)
class Claimed:
    """A request a worker has taken: what to replay, and its id to settle."""

    id: int
    body: str
    content_type: str
    request_id: str
    attempts: int


class RequestQueue:
    """Puts, claims and settles queued requests (any number of processes)."""

    def __init__(self, engine: Engine, *, put_engine: Engine | None = None) -> None:
        """`engine` serves everything; `put_engine`, if given, serves `put` (its connections
        fail at once on a locked SQLite file, and `put` retries). Engines made by `beside`
        are disposed by `close`."""
        self._engine = engine
        self._put_engine = put_engine
        self._owned: list[Engine] = []

    @classmethod
    def beside(cls, url: str, engine: Engine) -> RequestQueue:
        """The queue for the database at `url` (whose engine is `engine`): on SQLite in a file
        of its own, elsewhere in the same database (migration 0013 made its table)."""
        own_file = queue_url(url)
        if own_file is None:
            return cls(engine)
        # Every statement is its own transaction (each of `put`, `claim`'s UPDATE and `done`
        # is one statement): the file's write lock is then taken and released inside one
        # SQLite call, never held while a worker thread waits for the interpreter lock.
        queue_engine = make_engine(own_file, autocommit=True)
        put_engine = make_engine(own_file, lock_wait_ms=0, autocommit=True)
        table = QueuedRequest.metadata.tables[str(QueuedRequest.__tablename__)]
        with queue_engine.begin() as connection:  # IF NOT EXISTS: processes start together
            connection.execute(CreateTable(table, if_not_exists=True))
            for index in table.indexes:
                connection.execute(CreateIndex(index, if_not_exists=True))
        queue = cls(queue_engine, put_engine=put_engine)
        queue._owned = [queue_engine, put_engine]
        return queue

    def close(self) -> None:
        """Release the engines `beside` made (not one passed in)."""
        for engine in self._owned:
            engine.dispose()

    def put(self, body: str, content_type: str, request_id: str, at: datetime) -> int:
        """Queue an acked request; return its id.

        Raises:
            OperationalError: the database failed, or a SQLite queue file stayed locked as
                long as any other statement would wait.
        """
        if self._put_engine is None:
            return self._insert(self._engine, body, content_type, request_id, at)
        started = time.monotonic()
        while True:
            try:
                return self._insert(self._put_engine, body, content_type, request_id, at)
            except OperationalError as error:
                waited = time.monotonic() - started
                if "locked" not in str(error.orig) or waited > LOCK_WAIT_MS / 1000:
                    raise
            # A lock held longer than a worker's statement (a backup, VACUUM) is waited for
            # more slowly, so the retries don't take a core.
            time.sleep(PUT_RETRY_SECONDS if waited < PUT_RETRY_FAST_FOR else PUT_RETRY_SLOW)

    @staticmethod
    def _insert(engine: Engine, body: str, content_type: str, request_id: str, at: datetime) -> int:
        with session_scope(engine) as session:
            row = QueuedRequest(
                body=body, content_type=content_type, request_id=request_id, enqueued_at=at
            )
            session.add(row)
            session.flush()
            assert row.id is not None
            return row.id

    def claim(
        self, worker: str, at: datetime, limit: int, stale_after: timedelta = STALE_AFTER
    ) -> list[Claimed]:
        """Take up to `limit` of the oldest unclaimed (or stale) requests for `worker`.

        One conditional UPDATE: two workers never both win a row (on PostgreSQL the
        condition is checked again on the row a concurrent claim has just changed). The rows
        carry `worker` and a token of this claim in `claimed_by`."""
        free = or_(
            col(QueuedRequest.claimed_by).is_(None),
            col(QueuedRequest.claimed_at) < at - stale_after,
        )
        oldest = select(QueuedRequest.id).where(free).order_by(col(QueuedRequest.id)).limit(limit)
        # Look before taking the write lock: an idle worker polls 20 times a second, and on
        # SQLite every UPDATE, even one that matches nothing, locks the file against puts.
        with session_scope(self._engine) as session:
            if session.execute(oldest).first() is None:
                return []
        # The UPDATE marks the rows with a token of this claim and the SELECT reads them back:
        # an UPDATE … RETURNING would hold the file's write lock until its last row is fetched.
        token = f"{worker[:50]}#{secrets.token_hex(6)}"
        with session_scope(self._engine) as session:
            session.execute(
                update(QueuedRequest)
                .where(col(QueuedRequest.id).in_(oldest.scalar_subquery()), free)
                .values(claimed_by=token, claimed_at=at, attempts=QueuedRequest.attempts + 1)
            )
        with session_scope(self._engine) as session:
            rows = session.exec(
                select(QueuedRequest)
                .where(col(QueuedRequest.claimed_by) == token)
                .order_by(col(QueuedRequest.id))
            ).all()
            return [
                Claimed(r.id or 0, r.body, r.content_type, r.request_id, r.attempts) for r in rows
            ]

    def done(self, request_id: int) -> None:
        """Forget a handled request (its body quotes what someone wrote)."""
        with session_scope(self._engine) as session:
            session.execute(delete(QueuedRequest).where(col(QueuedRequest.id) == request_id))

    def depth(self) -> int:
        """How many requests wait for a worker or are being handled."""
        with session_scope(self._engine) as session:
            return int(session.exec(select(func.count()).select_from(QueuedRequest)).one())
