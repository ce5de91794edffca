"""The background indexer: embeds new feedback after the ack, in batches, never in a request."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
from collections.abc import Callable, Sequence
from datetime import datetime

from handlers.skills_data import link_indexed
from store.index_documents import IndexDoc
from store.indexer import drain_outbox
from store.repository import Store
from store.vector.index import VectorIndex

log = logging.getLogger(__name__)

# Documents held for competency linking during a long burst before they are linked anyway.
LINK_AT_MOST = 2048


class BackgroundIndexer:
    """Drains the outbox into the vector index whenever woken, and every `idle_seconds`.

    If the index is unavailable, feedback stays safely in SQL and the outbox; the indexer
    backs off and retries, so nothing is lost.

    Linking what was indexed to competencies waits until the outbox is drained: a burst is
    indexed at the embedder's pace (each batch embedded while the one before is written), and
    the links follow (a process stopped before then leaves them to `candor skills link`, which
    recomputes every link). One drain runs at a time, so writes keep the outbox's order.
    """

    def __init__(
        self,
        store: Store,
        open_index: Callable[[], VectorIndex],
        clock: Callable[[], datetime],
        *,
        batch_size: int = 64,
        idle_seconds: float = 5.0,
        max_backoff: float = 60.0,
    ) -> None:
        self._store = store
        self._open_index = open_index
        self._clock = clock
        self._batch_size = batch_size
        self._idle = idle_seconds
        self._max_backoff = max_backoff
        self._index: VectorIndex | None = None
        self._wake = asyncio.Event()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._task: asyncio.Task[None] | None = None
        self.indexed = 0
        self.last_error: str | None = None
        self._to_link: list[tuple[list[IndexDoc], list[str]]] = []
        self._draining = asyncio.Lock()
        self._in_thread: asyncio.Future[int] | None = None
        self._stopping = threading.Event()

    def wake(self) -> None:
        """Ask for a drain soon. Safe to call from any thread."""
        if self._loop is not None and not self._loop.is_closed():
            self._loop.call_soon_threadsafe(self._wake.set)

    @property
    def index(self) -> VectorIndex | None:
        """The open index, if it has been opened."""
        return self._index

    def start(self) -> None:
        """Start the loop on the running event loop."""
        self._loop = asyncio.get_running_loop()
        self._stopping.clear()
        self._task = asyncio.create_task(self._run(), name="candor-indexer")

    async def stop(self) -> None:
        """Stop the loop, let the batch in hand finish, and close the index."""
        self._stopping.set()
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        if self._in_thread is not None:
            # Its outcome is the outbox's business; the index must not close under it.
            with contextlib.suppress(Exception):
                await self._in_thread
        if self._index is not None:
            self._index.close()
            self._index = None

    async def current(self) -> VectorIndex:
        """Drain everything pending, then return the index (for readers such as the digest)."""
        while await self._drain(None):
            pass
        await self.link_pending()
        assert self._index is not None
        return self._index

    def _indexed(self, docs: Sequence[IndexDoc], removed: Sequence[str]) -> None:
        self._to_link.append((list(docs), list(removed)))

    async def link_pending(self) -> None:
        """Link the documents indexed since the last call to competencies (never raises)."""
        batches, self._to_link = self._to_link, []
        if not batches or self._index is None:
            return
        docs = [d for stored, _ in batches for d in stored]
        removed = [r for _, gone in batches for r in gone]
        await asyncio.to_thread(link_indexed, self._store, self._index, docs, removed)

    async def warm_up(self) -> None:
        """Open the index and load the model before serving, so the first batch of embeddings
        doesn't compete with the first requests. Failures are left for the loop to retry."""
        try:
            if self._index is None:
                self._index = await asyncio.to_thread(self._open_index)
            await asyncio.to_thread(self._index.query, "warm up", 1)
        except Exception as error:
            self.last_error = type(error).__name__
            log.warning(
                "indexer: warm-up failed (%s); will retry in the background", self.last_error
            )

    async def drain_once(self) -> int:
        """Apply one batch now; return how many outbox entries settled."""
        return await self._drain(1)

    async def drain_burst(self) -> int:
        """Apply batches until the outbox is empty or `LINK_AT_MOST` documents wait to be
        linked; return how many outbox entries settled."""
        waiting = sum(len(docs) for docs, _ in self._to_link)
        room = max(LINK_AT_MOST - waiting, self._batch_size)
        return await self._drain(-(-room // self._batch_size))

    async def _drain(self, batches: int | None) -> int:
        async with self._draining:
            if self._index is None:
                self._index = await asyncio.to_thread(self._open_index)
            work = asyncio.ensure_future(
                asyncio.to_thread(
                    drain_outbox,
                    self._store,
                    self._index,
                    self._clock(),
                    self._batch_size,
                    self._indexed,
                    batches=batches,
                    stop=self._stopping,
                )
            )
            self._in_thread = work
            # Shielded: a cancelled caller (stop) leaves the thread to finish its batch.
            settled = await asyncio.shield(work)
            self.indexed += settled
            return settled

    async def _run(self) -> None:
        backoff = 1.0
        while True:
            try:
                settled = await self.drain_burst()
                self.last_error = None
                backoff = 1.0
                await self.link_pending()  # caught up, or holding enough: link them
                if settled and settled % self._batch_size == 0:
                    continue  # the burst stopped at the linking budget: more may be waiting
            except asyncio.CancelledError:
                raise
            except Exception as error:
                self.last_error = type(error).__name__
                log.warning("indexer: %s; retrying in %.0fs", self.last_error, backoff)
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, self._max_backoff)
                continue
            self._wake.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout=self._idle)
