"""Telling "the database is away" apart from a bug, so users get "try again in a minute"
rather than an apology for an error that is not Candor's."""

from __future__ import annotations

from sqlalchemy.exc import DBAPIError, DisconnectionError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout


def is_database_unavailable(error: BaseException) -> bool:
    """Whether `error` says the database could not be reached or dropped the connection
    (a server down or restarting, a refused or lost connection, an exhausted pool)."""
    if isinstance(error, OperationalError | DisconnectionError | PoolTimeout):
        return True
    return isinstance(error, DBAPIError) and error.connection_invalidated
