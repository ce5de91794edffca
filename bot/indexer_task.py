"""The background indexer: embeds new feedback after the ack, in batches, never in a request."""

from __future__ import annotations

import asyncio
import contextlib
import logging
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
    indexed at the embedder's pace, and the links follow (a process stopped before then
    leaves them to `candor skills link`, which recomputes every link).
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
        self._task = asyncio.create_task(self._run(), name="candor-indexer")

    async def stop(self) -> None:
        """Stop the loop and close the index."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        if self._index is not None:
            self._index.close()
            self._index = None

    async def current(self) -> VectorIndex:
        """Drain everything pending, then return the index (for readers such as the digest)."""
        while await self.drain_once():
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
        if self._index is None:
            self._index = await asyncio.to_thread(self._open_index)
        settled = await asyncio.to_thread(
            drain_outbox, self._store, self._index, self._clock(), self._batch_size, self._indexed
        )
        self.indexed += settled
        return settled

    async def _run(self) -> None:
        backoff = 1.0
        while True:
            try:
                settled = await self.drain_once()
                self.last_error = None
                backoff = 1.0
                waiting = sum(len(docs) for docs, _ in self._to_link)
                if settled >= self._batch_size and waiting < LINK_AT_MOST:
                    continue  # more waiting: keep going without sleeping
                await self.link_pending()  # caught up (or holding enough): link them
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
