"""Starting a Runtime API process in its own execution environment (the supervisor's side).

The process starts as ``python -I -S -c <bootstrap/launch.py>``: the launcher isolates
itself exactly as a forked Python worker does (bootstrap/isolation.py, with the same
``sandbox`` fields) and then execs the runtime's command. ``-S`` skips site-packages: the
launcher needs the standard library alone, and that saves a few milliseconds of every cold
start. When the command cannot be executed, the launcher says why on a pipe that a
successful exec closes, so the first invocation can answer Runtime.InvalidEntrypoint with
the error Lambda's init reports.
"""

from __future__ import annotations

import contextlib
import functools
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Mapping
from typing import Any

import orjson

from lamina.functions.bootstrap import isolation
from lamina.functions.environment import BOOTSTRAP_DIR, bootstrap_script
from lamina.functions.model import FunctionConfig
from lamina.functions.sandbox.policy import requested_mode, sandbox_fields
from lamina.functions.sandbox.probe import IsolationPolicy

_LAUNCHER = bootstrap_script(
    """\
from lamina_runtime import launch
launch.main(sys.argv[2:])
"""
)
_STATUS_MAX = 4096


class Launched:
    """A started launcher: its process and the read end of its exec status pipe."""

    __slots__ = ("_spec", "_status_fd", "process")

    def __init__(
        self, process: subprocess.Popen[bytes], status_fd: int, spec: dict[str, Any]
    ) -> None:
        self.process = process
        self._status_fd = status_fd
        self._spec = spec

    def exec_failure(self) -> str | None:
        """Why the command could not be executed (``fork/exec <path>: <reason>``, worded
        as Lambda's init, which is written in Go), or None. Call once it has exited."""
        if self._status_fd < 0:
            return None
        try:
            report = os.read(self._status_fd, _STATUS_MAX)
        except OSError:
            return None
        if not report:
            return None
        strerror = str(orjson.loads(report).get("strerror", "exec failed"))
        return f"fork/exec {self._spec['argv'][0]}: {strerror.lower()}"

    def clean_up(self) -> None:
        """Close the pipe and remove a fallback-mode environment's /tmp folder (it ends
        with the environment, as on Lambda). Call once the process is reaped."""
        if self._status_fd >= 0:
            os.close(self._status_fd)
            self._status_fd = -1
        folder = isolation.scratch_dir(self._spec, int(self._spec["parent_pid"]), self.process.pid)
        if os.path.isdir(folder):
            shutil.rmtree(folder, ignore_errors=True)
            with contextlib.suppress(OSError):  # the server's folder, once empty
                os.rmdir(os.path.dirname(folder))


def launch(
    argv: list[str],
    env: Mapping[str, str],
    *,
    task_root: str,
    sandbox: Mapping[str, Any],
    runtime_dirs: tuple[str, ...],
    output_fd: int,
) -> Launched:
    """Start the launcher for ``argv``; its stdout and stderr go to ``output_fd``.

    ``sandbox``: what policy.sandbox_fields returns. Raises OSError when the launcher
    itself cannot start.
    """
    status_read, status_write = os.pipe2(os.O_CLOEXEC)
    spec: dict[str, Any] = {
        **sandbox,
        "argv": list(argv),
        "env": dict(env),
        "task_root": os.path.abspath(task_root),
        "parent_pid": os.getpid(),
        "status_fd": status_write,
        "runtime_dirs": list(runtime_dirs),
    }
    command = [sys.executable, "-I", "-S", "-c", _LAUNCHER, BOOTSTRAP_DIR]
    try:
        process = subprocess.Popen(
            [*command, orjson.dumps(spec).decode()],
            stdin=subprocess.DEVNULL,
            stdout=output_fd,
            stderr=output_fd,
            # The launcher's own TMPDIR is the server's, so both name the same folder for
            # a fallback-mode environment's /tmp (isolation.scratch_dir).
            env={"TMPDIR": tempfile.gettempdir()},
            pass_fds=(status_write,),
            start_new_session=True,  # its own process group: a kill takes its children
        )
    except OSError:
        os.close(status_read)
        raise
    finally:
        os.close(status_write)
    return Launched(process, status_read, spec)


@functools.cache
def _default_policy() -> IsolationPolicy:
    return IsolationPolicy(requested_mode(os.environ))


def default_sandbox(config: FunctionConfig) -> dict[str, Any]:
    """The sandbox fields of a process whose creator gave none: the mode LAMINA_ISOLATION
    and the probe of this interpreter decide (probed once per server process, blocking)."""
    return sandbox_fields(config, _default_policy().mode_for(sys.executable))
