"""A real Chroma server for the integration tests, started from the installed chromadb package.

The server is chromadb's own (`chroma run`, the Rust frontend shipped in the wheel), run as a
child process on a free local port with a temporary directory. It never computes embeddings:
Candor embeds with its own offline model and sends vectors, so nothing is downloaded.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from types import TracebackType

# `chroma run` through the package's bindings, so no console script on PATH is needed.
_RUN_CHROMA = (
    "import sys, chromadb_rust_bindings; chromadb_rust_bindings.cli(['chroma', *sys.argv[1:]])"
)
_LOG_TAIL = 4000


class ChromaServerError(RuntimeError):
    """The server exited or did not answer its heartbeat in time; the message holds its log."""


def free_port() -> int:
    """A TCP port nobody listens on right now (the OS picks it)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class ChromaServer:
    """One `chroma run` process; `start()` returns once its heartbeat answers."""

    def __init__(self, data_dir: Path, *, port: int | None = None, startup_timeout: float = 60.0):
        """Prepare (but do not start) a server.

        Args:
            data_dir: Where the server keeps its files; its log goes next to them.
            port: Port to listen on; a free one when omitted.
            startup_timeout: Seconds to wait for the first heartbeat.
        """
        self.data_dir = data_dir
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self._startup_timeout = startup_timeout
        self._log_path = data_dir.parent / f"{data_dir.name}-server.log"
        self._process: subprocess.Popen[bytes] | None = None

    def start(self) -> str:
        """Start the server and wait until it is healthy.

        Returns:
            The server's URL, for `CHROMA_URL`.

        Raises:
            ChromaServerError: If the process exits or stays silent past the timeout.
        """
        self.data_dir.mkdir(parents=True, exist_ok=True)
        command = [sys.executable, "-c", _RUN_CHROMA, "run", "--path", str(self.data_dir)]
        command += ["--host", "127.0.0.1", "--port", str(self.port)]
        # Colours off so the log reads as text; telemetry off: the tests run offline.
        env = {**os.environ, "NO_COLOR": "1", "ANONYMIZED_TELEMETRY": "False"}
        with self._log_path.open("wb") as log:
            self._process = subprocess.Popen(
                command, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, env=env
            )
        deadline = time.monotonic() + self._startup_timeout
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                raise ChromaServerError(
                    f"chroma run exited with code {self._process.returncode}:\n{self.log_tail()}"
                )
            if self.healthy():
                return self.url
            time.sleep(0.1)  # polling a child process: there is no event to wait on
        self.stop()
        raise ChromaServerError(
            f"chroma run gave no heartbeat within {self._startup_timeout:.0f}s:\n{self.log_tail()}"
        )

    def healthy(self) -> bool:
        """Whether the server answers its v2 heartbeat."""
        try:
            with urllib.request.urlopen(f"{self.url}/api/v2/heartbeat", timeout=1) as response:
                return bool(response.status == 200)
        except (urllib.error.URLError, OSError):
            return False

    def log_tail(self) -> str:
        """The end of the server's combined stdout and stderr."""
        try:
            text = self._log_path.read_text(errors="replace")
        except OSError:
            return "(no log)"
        return text[-_LOG_TAIL:]

    def stop(self) -> None:
        """Stop the server (SIGTERM, then SIGKILL); safe to call twice."""
        process, self._process = self._process, None
        if process is None or process.poll() is not None:
            return
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()

    def __enter__(self) -> ChromaServer:
        self.start()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self.stop()
