"""What handlers receive: the services container and the per-request context."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from handlers.config import CoreConfig, with_org_settings
from handlers.messages import Outgoing
from handlers.ports import FeedbackIndex, PlatformDirectory
from store.models import Person
from store.repository import Store


def utc_now() -> datetime:
    """The real clock; tests and the demo pass their own."""
    return datetime.now(UTC)


def _nothing() -> None:
    return None


@dataclass
class Services:
    """Long-lived things every handler may use. Built once by `bot.app.create_app`."""

    store: Store
    # The environment's configuration; `config` is what is in force (HR's chat changes on top).
    base_config: CoreConfig = field(default_factory=CoreConfig)
    clock: Callable[[], datetime] = utc_now
    # Wakes the background indexer after new feedback is stored (never indexes inline).
    notify_indexer: Callable[[], None] = _nothing
    # Read access to the vector index, for analytics (themes); None where there is none.
    index: FeedbackIndex | None = None
    # A langchain chat model when CANDOR_LLM is set; None means the offline engine only.
    llm: Any | None = None
    # Sends messages at once and returns how many went out, for the rare message that must
    # leave before the handler changes something that would make it undeliverable (erasure
    # removes the platform ids a DM needs). None where no chat platform is wired (the CLI).
    deliver_now: Callable[[Sequence[Outgoing]], Awaitable[int]] | None = None

    @property
    def config(self) -> CoreConfig:
        """The configuration in force: `base_config` with HR's org settings on top."""
        repo = getattr(self.store, "org_settings", None)
        if repo is None:
            return self.base_config
        return with_org_settings(self.base_config, repo.current())


@dataclass(frozen=True)
class RequestContext:
    """One request: who is asking (already resolved to a person), from which platform."""

    services: Services
    actor: Person
    directory: PlatformDirectory
