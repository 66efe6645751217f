"""The zygote: a process that has imported the runtime and forks workers on request.

Protocol on its control socket (SOCK_SEQPACKET, one frame per message):
SPAWN (meta = spawn spec, one fd attached: the worker's end of a socketpair) is answered
with SPAWNED {token, pid}; when a worker exits the zygote reaps it and sends
EXITED {pid, code} (``code`` as os.waitstatus_to_exitcode: negative for a signal).
EOF on the control socket means the server is gone: kill every worker, reap, exit.
"""

from __future__ import annotations

import contextlib
import json
import os
import select
import shutil
import signal
import socket
import sys
import traceback
from typing import Any

from . import frame, isolation, worker
from .privilege import die_with_parent

_MAX_SPAWN_MESSAGE = 1 << 20


def _preload() -> None:
    """Modules a handler is likely to import, loaded once here and shared by every fork."""
    import base64  # noqa: F401
    import datetime  # noqa: F401
    import decimal  # noqa: F401
    import uuid  # noqa: F401

    with contextlib.suppress(ImportError):
        import orjson  # noqa: F401


class Zygote:
    def __init__(self, control: socket.socket) -> None:
        self._control = control
        self._children: set[int] = set()
        self._scratch: dict[int, str] = {}  # worker pid -> its fallback-mode /tmp folder
        self._wake_read, self._wake_write = os.pipe2(os.O_NONBLOCK | os.O_CLOEXEC)
        signal.set_wakeup_fd(self._wake_write)
        signal.signal(signal.SIGCHLD, lambda signum, stack: None)

    def serve(self) -> None:
        while True:
            control = self._control.fileno()
            ready, _, _ = select.select([control, self._wake_read], [], [])
            if self._wake_read in ready:
                self._reap()
            if control in ready and not self._accept():
                break
        self._shutdown()

    def _accept(self) -> bool:
        try:
            message, fds, _, _ = socket.recv_fds(self._control, _MAX_SPAWN_MESSAGE, 2)
        except OSError:  # the supervisor went away mid-message
            return False
        if not message:
            return False
        _, meta, _, _ = frame.decode(message)
        spec = json.loads(meta)
        if len(fds) != 2:  # the worker's socket and its output memfd
            for fd in fds:
                os.close(fd)
            return True
        zygote_pid = os.getpid()
        pid = os.fork()
        if pid == 0:
            self._become_worker(fds[0], fds[1], spec, zygote_pid)
        for fd in fds:
            os.close(fd)
        self._children.add(pid)
        self._scratch[pid] = isolation.scratch_dir(spec, zygote_pid, pid)
        self._tell(frame.SPAWNED, {"token": spec["token"], "pid": pid})
        return True

    def _become_worker(
        self, sock_fd: int, output_fd: int, spec: dict[str, Any], zygote_pid: int
    ) -> None:
        code = 1
        try:
            signal.set_wakeup_fd(-1)
            signal.signal(signal.SIGCHLD, signal.SIG_DFL)
            self._control.detach()
            _close_all_but(sock_fd, output_fd)
            die_with_parent(zygote_pid)
            worker.run(socket.socket(fileno=sock_fd), output_fd, spec, zygote_pid)
            code = 0
        except SystemExit as exit_:
            code = exit_.code if isinstance(exit_.code, int) else 1
        except BaseException:
            traceback.print_exc()
        finally:
            os._exit(code)

    def _reap(self) -> None:
        with contextlib.suppress(BlockingIOError):  # drained: the wake-up pipe is empty
            while os.read(self._wake_read, 4096):
                continue
        while self._children:
            try:
                pid, status = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                return
            if pid == 0:
                return
            self._children.discard(pid)
            self._remove_scratch(pid)
            self._tell(frame.EXITED, {"pid": pid, "code": os.waitstatus_to_exitcode(status)})

    def _tell(self, kind: int, meta: dict[str, Any]) -> None:
        with contextlib.suppress(OSError):  # the supervisor is gone; EOF ends the loop
            self._control.sendall(frame.encode(kind, json.dumps(meta).encode()))

    def _remove_scratch(self, pid: int) -> None:
        """A fallback-mode environment's /tmp ends with it, as on Lambda."""
        path = self._scratch.pop(pid, None)
        if path is not None and os.path.isdir(path):
            shutil.rmtree(path, ignore_errors=True)
            with contextlib.suppress(OSError):  # the zygote's folder, once empty
                os.rmdir(os.path.dirname(path))

    def _shutdown(self) -> None:
        for pid in self._children:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        for pid in self._children:
            with contextlib.suppress(ChildProcessError):
                os.waitpid(pid, 0)
            self._remove_scratch(pid)


def _close_all_but(*keep: int) -> None:
    """Close every descriptor above stderr except `keep`."""
    low = 3
    for fd in sorted(keep):
        os.closerange(low, fd)
        low = fd + 1
    os.closerange(low, 1 << 16)


def main(argv: list[str]) -> None:
    """``argv``: [control fd, server pid]."""
    control_fd, server_pid = int(argv[0]), int(argv[1])
    die_with_parent(server_pid)
    _preload()
    control = socket.socket(fileno=control_fd)
    control.setblocking(True)
    Zygote(control).serve()


if __name__ == "__main__":
    main(sys.argv[1:])
