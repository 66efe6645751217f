"""Shared test helpers: run `lamina up` as a real subprocess on a free loopback port."""

from __future__ import annotations

import atexit
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Mapping
from pathlib import Path

import pytest

from tests.clock import ManualClock

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "tests" / "fixtures"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class LaminaProcess:
    """`lamina up` in its own process group; `base` is its root URL.

    A template of the repository (tests/fixtures, examples) gets a fresh --state-dir of its
    own unless `state_dir` is given (a restart passing the first run's), so tests running
    the same app in parallel never share tables, secrets or pools. A template copied
    elsewhere keeps `.lamina/` beside it, which its test may inspect.
    """

    def __init__(
        self,
        template: Path,
        *extra: str,
        cwd: Path | None = None,
        state_dir: Path | None = None,
        env: Mapping[str, str] | None = None,
    ) -> None:
        """`env` adds to (or overrides) the test process's environment for `lamina up`."""
        self._env = {**os.environ, **env} if env else None
        if state_dir is None and template.resolve().is_relative_to(ROOT):
            state_dir = Path(tempfile.mkdtemp(prefix="lamina-state-"))
            atexit.register(shutil.rmtree, state_dir, True)  # when this test worker exits
        self.state_dir = state_dir
        # A "free" port can be taken by another test worker before this process binds it:
        # then start again on another (a bounded number of times).
        for attempt in range(3):
            self._start(template, extra, cwd)
            try:
                self._wait_listening(deadline_s=20)
                return
            except RuntimeError:
                taken = "cannot listen on" in self.output() and self.process.poll() is not None
                if not taken or attempt == 2:
                    raise
                self._log.close()

    def _start(self, template: Path, extra: tuple[str, ...], cwd: Path | None) -> None:
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.log_path = Path(os.environ.get("TMPDIR", "/tmp")) / f"lamina-{self.port}.log"
        self._log = self.log_path.open("wb")
        command = [sys.executable, "-m", "lamina.cli", "up", str(template)]
        command += ["--port", str(self.port), *extra]
        if self.state_dir is not None:
            command += ["--state-dir", str(self.state_dir)]
        self.process = subprocess.Popen(
            command,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            cwd=cwd,
            env=self._env,
        )

    def _wait_listening(self, deadline_s: float) -> None:
        """Until this process says it listens: a connection alone could reach another test
        worker's server that took the same free port first (this one then fails to bind)."""
        end = time.monotonic() + deadline_s
        while time.monotonic() < end:
            if self.process.poll() is not None:
                raise RuntimeError(f"lamina up exited early:\n{self.output()}")
            if "Listening on " in self.output():
                try:
                    with socket.create_connection(("127.0.0.1", self.port), timeout=0.2):
                        return
                except OSError:
                    pass  # printed just before the socket accepts: try again
            time.sleep(0.05)
        raise RuntimeError(f"lamina up did not listen in {deadline_s}s:\n{self.output()}")

    def output(self) -> str:
        self._log.flush()
        return self.log_path.read_text(errors="replace")

    def stop(self, sig: int = signal.SIGTERM, timeout_s: float = 15) -> int:
        if self.process.poll() is None:
            self.process.send_signal(sig)
            try:
                self.process.wait(timeout_s)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(5)
        self._log.close()
        return self.process.returncode


@pytest.fixture(scope="module")
def proxy_app() -> Iterator[LaminaProcess]:
    lamina = LaminaProcess(FIXTURES / "apps" / "proxy")
    yield lamina
    lamina.stop()


@pytest.fixture
def clock() -> ManualClock:
    """A hand-set clock starting at the real time (tests/clock.py)."""
    return ManualClock()
