"""Idempotent writes: a change stored together with its request key, once per request."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import TypeVar

from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from store.db import session_scope
from store.models import ProcessedRequest

_T = TypeVar("_T")


def was_processed(engine: Engine, request_key: str) -> bool:
    """Whether a request with this key has already been stored."""
    with session_scope(engine) as session:
        return session.get(ProcessedRequest, request_key) is not None


def store_once(
    engine: Engine,
    request_key: str,
    kind: str,
    at: datetime,
    write: Callable[[Session], tuple[_T, int | None]],
) -> _T | None:
    """Run `write` (which returns its result and the id of the record it stored) and record
    `request_key`, in one transaction; None without writing when the key was stored before.

    The key and the change commit together: a retry or double submit stores nothing, even when
    its twin is still in flight (the second commit fails on the key and is reported as None).
    """
    try:
        with session_scope(engine) as session:
            if session.get(ProcessedRequest, request_key) is not None:
                return None
            result, record_id = write(session)
            session.add(
                ProcessedRequest(key=request_key, kind=kind, record_id=record_id, created_at=at)
            )
    except IntegrityError:
        if was_processed(engine, request_key):
            return None
        raise
    return result
