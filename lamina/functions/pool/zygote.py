"""The supervisor's side of a zygote: starts the process and asks it for workers.

The zygote runs lamina/functions/bootstrap/zygote.py on the chosen interpreter, loaded
under the package name ``lamina_runtime`` so that nothing else of Lamina (and nothing
that a handler's own modules could shadow) is importable through it. Control messages
travel over a SOCK_SEQPACKET pair, one frame per message, the worker's socket attached
to SPAWN with SCM_RIGHTS.
"""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
from collections.abc import Mapping
from typing import Any, Protocol

import orjson

from lamina.functions.bootstrap import frame
from lamina.functions.environment import BOOTSTRAP_DIR, bootstrap_script
from lamina.functions.error import RuntimeStartError

_LAUNCHER = bootstrap_script(
    """\
from lamina_runtime import zygote
zygote.main(sys.argv[2:])
"""
)

_CONTROL_MESSAGE_MAX = 1 << 16
_EXIT_POLL_S = 0.005
_EXIT_WAIT_S = 5.0


class SpawnListener(Protocol):
    """What the zygote reports about a worker it forked."""

    def spawned(self, pid: int) -> None: ...
    def exited(self, code: int) -> None: ...


class ZygoteProcess:
    """One zygote; ``spawn`` is fire-and-forget, answers arrive through the listener."""

    def __init__(self, interpreter: str, host_env: Mapping[str, str]) -> None:
        self._interpreter = interpreter
        self._host_env = host_env
        self._process: subprocess.Popen[bytes] | None = None
        self._control: socket.socket | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._next_token = 0
        self._by_token: dict[int, SpawnListener] = {}
        self._by_pid: dict[int, SpawnListener] = {}

    @property
    def alive(self) -> bool:
        return self._control is not None

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process is not None else None

    def start(self) -> None:
        """Start the process; it loads the runtime while the caller carries on."""
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        env = {k: self._host_env[k] for k in ("PATH", "LANG") if k in self._host_env}
        argv = [self._interpreter, "-I", "-c", _LAUNCHER, BOOTSTRAP_DIR]
        argv += [str(theirs.fileno()), str(os.getpid())]
        try:
            self._process = subprocess.Popen(
                argv,
                pass_fds=(theirs.fileno(),),
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                env=env,
                start_new_session=True,  # a terminal's Ctrl-C goes to the server alone
            )
        except OSError as error:
            ours.close()
            raise RuntimeStartError(f"cannot start {self._interpreter}: {error}") from error
        finally:
            theirs.close()
        self._control = ours
        self._loop = asyncio.get_running_loop()
        self._loop.add_reader(ours.fileno(), self._on_readable)

    def spawn(
        self,
        spec: dict[str, Any],
        worker_socket: socket.socket,
        output_fd: int,
        listener: SpawnListener,
    ) -> None:
        """Ask for a worker that serves on ``worker_socket`` and writes its stdout/stderr
        to ``output_fd`` (a memfd); the caller closes its copy of the socket."""
        if self._control is None:
            raise RuntimeStartError("the zygote is not running")
        self._next_token += 1
        token = self._next_token
        self._by_token[token] = listener
        message = frame.encode(frame.SPAWN, orjson.dumps({**spec, "token": token}))
        socket.send_fds(self._control, [message], [worker_socket.fileno(), output_fd])

    def _on_readable(self) -> None:
        assert self._control is not None
        try:
            message = self._control.recv(_CONTROL_MESSAGE_MAX)
        except BlockingIOError:
            return
        except OSError:
            message = b""
        if not message:
            self._lost()
            return
        kind, meta, _, _ = frame.decode(message)
        fields = orjson.loads(meta)
        if kind == frame.SPAWNED:
            listener = self._by_token.pop(fields["token"], None)
            if listener is not None:
                self._by_pid[fields["pid"]] = listener
                listener.spawned(fields["pid"])
        elif kind == frame.EXITED:
            listener = self._by_pid.pop(fields["pid"], None)
            if listener is not None:
                listener.exited(fields["code"])

    def _lost(self) -> None:
        """The zygote is gone; its workers die with it (PR_SET_PDEATHSIG)."""
        if self._control is not None and self._loop is not None:
            self._loop.remove_reader(self._control.fileno())
            self._control.close()
        self._control = None
        listeners = [*self._by_token.values(), *self._by_pid.values()]
        self._by_token.clear()
        self._by_pid.clear()
        for listener in listeners:
            listener.exited(-signal.SIGKILL)

    async def close(self) -> None:
        """Close the control socket (the zygote kills and reaps its workers) and wait."""
        self._lost()
        process = self._process
        if process is None:
            return
        waited = 0.0
        while process.poll() is None and waited < _EXIT_WAIT_S:
            await asyncio.sleep(_EXIT_POLL_S)
            waited += _EXIT_POLL_S
        if process.poll() is None:
            process.kill()
            process.wait()
