"""An exclusive, non-blocking lock on a directory, used to guard the Chroma data dir.

chromadb's persistent client assumes a single writer process per directory; a second
process writing the same files corrupts the index. ``flock`` locks are released by the
kernel when the process dies, so a crash never leaves a stale lock behind.
"""

from __future__ import annotations

import fcntl
import os
from pathlib import Path
from types import TracebackType

__all__ = ["LOCK_FILE_NAME", "DirectoryLock", "LockHeldError"]

LOCK_FILE_NAME = ".candor.lock"


class LockHeldError(RuntimeError):
    """Another process (or another open handle in this one) holds the lock."""


class DirectoryLock:
    """Exclusive ``flock`` on ``<path>/.candor.lock``.

    The lock is taken by :meth:`acquire` (or on entering a ``with`` block) and released
    by :meth:`release`. Two ``DirectoryLock`` objects for the same directory conflict
    even inside one process, because each opens its own file description.
    """

    def __init__(self, path: Path) -> None:
        """Prepare a lock for ``path`` without taking it.

        Args:
            path: The directory to guard; created if missing.
        """
        self.path = path
        self.lock_file = path / LOCK_FILE_NAME
        self._fd: int | None = None

    @property
    def held(self) -> bool:
        """Whether this object currently holds the lock."""
        return self._fd is not None

    def acquire(self) -> None:
        """Take the lock without waiting.

        Raises:
            LockHeldError: If the lock is held elsewhere.
        """
        if self._fd is not None:
            return
        self.path.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.lock_file, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError as exc:
            os.close(fd)
            raise LockHeldError(f"{self.lock_file} is locked by another process") from exc
        except BaseException:
            os.close(fd)
            raise
        # The pid is informational only (helps a human find the holder); flock is the lock.
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode())
        self._fd = fd

    def release(self) -> None:
        """Release the lock; a no-op when not held."""
        fd, self._fd = self._fd, None
        if fd is not None:
            # Closing the descriptor drops the flock. The file itself stays: deleting
            # it would race with a process that has just opened it.
            os.close(fd)

    def __enter__(self) -> DirectoryLock:
        self.acquire()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.release()
