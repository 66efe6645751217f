"""Start a server as a subprocess, wait until it listens, and always stop it."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import time
from pathlib import Path
from types import TracebackType

import memory

HOST = "127.0.0.1"


class ServerError(RuntimeError):
    """The server exited or never listened."""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


class Server:
    """A subprocess in its own process group, with its output in a log file.

    Use it as a context manager: on exit the whole group, and any descendant that
    left it, is terminated, then killed if still alive after a grace period.
    """

    def __init__(
        self,
        command: list[str],
        port: int,
        log_path: Path,
        *,
        cwd: Path | None = None,
        env: dict[str, str] | None = None,
    ) -> None:
        self.command = command
        self.port = port
        self.log_path = log_path
        self.cwd = cwd
        self.env = env
        self.started_at = 0.0
        self.process: subprocess.Popen[bytes] | None = None

    def __enter__(self) -> Server:
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        with self.log_path.open("wb") as log:
            self.started_at = time.perf_counter()
            self.process = subprocess.Popen(
                self.command,
                stdout=log,
                stderr=subprocess.STDOUT,
                cwd=self.cwd,
                env=self.env,
                start_new_session=True,
            )
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self.stop()

    @property
    def pid(self) -> int:
        assert self.process is not None, "the server was not started"
        return self.process.pid

    def wait_listening(self, timeout_s: float) -> float:
        """Seconds from process start until the port accepted a connection."""
        deadline = self.started_at + timeout_s
        while time.perf_counter() < deadline:
            if self.process is not None and self.process.poll() is not None:
                raise ServerError(
                    f"{self.command[0]} exited with {self.process.returncode}:\n{self.log_tail()}"
                )
            with contextlib.suppress(OSError), socket.create_connection((HOST, self.port), 0.5):
                return time.perf_counter() - self.started_at
            time.sleep(0.002)
        raise ServerError(f"nothing listened on {HOST}:{self.port} within {timeout_s} s")

    def log_tail(self, lines: int = 20) -> str:
        try:
            text = self.log_path.read_text(errors="replace")
        except OSError:
            return ""
        return "\n".join(text.splitlines()[-lines:])

    def stop(self, grace_s: float = 5.0) -> None:
        if self.process is None or self.process.poll() is not None:
            self.process = None
            return
        family = memory.descendants(self.process.pid)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=grace_s)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=grace_s)
        for pid in family:  # descendants that left the process group (setsid)
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        self.process = None
