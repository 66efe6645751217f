"""What a worker gives up before it runs user code.

Workers keep uid 0 (code folders written by the Lambda API are owner-only) but drop
every capability, so they cannot undo their mounts, mount anything, override file
permissions, or ptrace and read /proc/<pid>/ of the supervisor, the zygote or other
workers. Marked non-dumpable, a worker is also unreadable to its capability-less
siblings, and its own /proc (hidepid=invisible) lists none of them.
"""

from __future__ import annotations

import errno
import os
import signal

from . import syscall

_MAX_CAPABILITY = 64


def die_with_parent(parent_pid: int) -> None:
    """SIGKILL this process when its parent dies (prctl PR_SET_PDEATHSIG)."""
    syscall.prctl(syscall.PR_SET_PDEATHSIG, signal.SIGKILL)
    if os.getppid() != parent_pid:
        os._exit(1)  # the parent died before prctl took effect


def drop(parent_pid: int) -> None:
    """Empty every capability set, forbid regaining any, and hide from other workers.

    Dropping capabilities resets the parent-death signal and the dumpable flag
    (commit_creds), so both are set again afterwards.
    """
    _drop_bounding_set()
    try:
        syscall.prctl(syscall.PR_CAP_AMBIENT, syscall.PR_CAP_AMBIENT_CLEAR_ALL)
    except OSError as error:
        if error.errno != errno.EINVAL:  # kernels before 4.3 have no ambient set
            raise
    syscall.clear_capabilities()
    syscall.prctl(syscall.PR_SET_NO_NEW_PRIVS, 1)
    die_with_parent(parent_pid)
    syscall.prctl(syscall.PR_SET_DUMPABLE, 0)


def _drop_bounding_set() -> None:
    for capability in range(_MAX_CAPABILITY):
        try:
            syscall.prctl(syscall.PR_CAPBSET_DROP, capability)
        except OSError as error:
            if error.errno == errno.EINVAL:  # past the kernel's last capability
                return
            if error.errno == errno.EPERM:  # not privileged: nothing to drop
                return
            raise
