"""SQL table for Slack requests acked by the web process and waiting for a worker.

A row holds the request as Slack sent it (body and content type), after its signature was
checked; the worker replays it through the same Bolt app and deletes it. The body quotes
what someone wrote, so rows live only until a worker has handled them.
"""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, SQLModel


class QueuedRequest(SQLModel, table=True):
    """One acked Slack request waiting for (or being handled by) a worker."""

    __tablename__ = "queued_requests"

    id: int | None = Field(default=None, primary_key=True)
    body: str
    content_type: str = Field(max_length=100)
    # The web request's id, so the worker's log lines carry the same one.
    request_id: str = Field(max_length=64)
    enqueued_at: datetime
    # Which worker took it and when; a claim older than the stale limit is taken again.
    claimed_by: str | None = Field(default=None, max_length=64, index=True)
    claimed_at: datetime | None = None
    attempts: int = Field(default=0)
