"""The launcher of a Runtime API process: isolate this process, then become the runtime.

Node.js, ``provided`` bootstraps and ``python -m awslambdaric`` are not forked from the
zygote, yet each must run in the same execution environment as a forked Python worker.
The supervisor starts ``python -I -S -c <environment.bootstrap_script> <bootstrap dir>
<spec>``; this module applies the worker's isolation (``isolation.enter``: the namespace
root or the fallback /tmp folder, Lambda's rlimits, dropped capabilities, death with the
supervisor) and then execs the runtime's command, which keeps all of it: the mount
namespace, the rlimits, the empty capability sets (the bounding set is empty, so not even
a root-owned binary regains any), no_new_privs and the parent-death signal.

The spec (JSON, one argument):

    argv          the runtime's command; argv[0] is a path
    env           its whole environment
    task_root     the function's code folder (its working directory)
    sandbox       as in a forked worker's spawn spec (isolation.py)
    parent_pid    the supervisor; this process is killed when it dies
    status_fd     a pipe's write end, closed by a successful exec; when the command
                  cannot be executed the launcher writes {"errno", "strerror"} to it
    runtime_dirs  folders the command needs besides the interpreter's (node's
                  installation, Lamina's Node.js client), shown at their own paths
"""

from __future__ import annotations

import json
import os
from typing import Any

from . import isolation
from .privilege import die_with_parent

EXEC_FAILED = 127
"""The launcher's exit status when the command could not be executed (as a shell's)."""


def main(argv: list[str]) -> None:
    """``argv``: [spec JSON]. Returns only by raising (the exec replaces this process)."""
    spec: dict[str, Any] = json.loads(argv[0])
    parent_pid = int(spec["parent_pid"])
    status_fd = int(spec["status_fd"])
    die_with_parent(parent_pid)
    os.environ.clear()
    os.environ.update(spec["env"])
    _show(tuple(str(folder) for folder in spec.get("runtime_dirs", ())))
    isolation.enter(spec, parent_pid)  # fallback mode sets TMPDIR in os.environ
    os.set_inheritable(status_fd, False)  # a successful exec closes it: EOF, no report
    command = [str(part) for part in spec["argv"]]
    try:
        os.execve(command[0], command, os.environ)
    except OSError as error:
        report = {"errno": error.errno, "strerror": error.strerror or str(error)}
        os.write(status_fd, json.dumps(report).encode())
        os._exit(EXEC_FAILED)


def _show(folders: tuple[str, ...]) -> None:
    """Add ``folders`` to what ``isolation.enter`` binds into a namespace root.

    isolation.runtime_dirs() names the folders of the interpreter running it; the command
    this launcher execs may live elsewhere (a node installed under /opt/node, Lamina's
    Node.js client next to this package), and a root without them could not exec it.
    """
    if not folders:
        return
    own = isolation.runtime_dirs

    def with_command_folders() -> tuple[str, ...]:
        return (*own(), *folders)

    isolation.runtime_dirs = with_command_folders
