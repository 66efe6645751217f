"""Resource limits of an execution environment, as Lambda sets them.

https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html
(file descriptors 1,024; execution processes/threads 1,024). The largest file a worker
may write is its /tmp size. Memory is limited by the worker itself (RLIMIT_AS, after
init) and by the supervisor (resident memory after each call).
"""

from __future__ import annotations

import resource

OPEN_FILES = 1024
PROCESSES = 1024
_MIB = 1 << 20


def apply(tmp_mb: int) -> None:
    """Lower this process's limits (soft and hard, so the handler cannot raise them)."""
    _lower(resource.RLIMIT_NOFILE, OPEN_FILES)
    _lower(resource.RLIMIT_NPROC, PROCESSES)
    _lower(resource.RLIMIT_FSIZE, tmp_mb * _MIB)
    _lower(resource.RLIMIT_CORE, 0)


def _lower(kind: int, value: int) -> None:
    _, hard = resource.getrlimit(kind)
    if hard != resource.RLIM_INFINITY:
        value = min(value, hard)
    resource.setrlimit(kind, (value, value))
