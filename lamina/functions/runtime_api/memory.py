"""MemorySize for Runtime API processes: the resident memory of the process tree, watched.

A forked Python worker limits itself (its peak resident memory is checked after each call,
with RLIMIT_AS as a backstop). A Runtime API process cannot be held by RLIMIT_AS: V8
reserves address space it never touches (a pointer-compression cage of several GB, guard
regions of 8 GB and more per WebAssembly memory), so a limit near MemorySize stops ``node``
from starting at all and a limit far above it stops nothing. What Lambda counts is memory
in use. So the supervisor sums VmRSS over the process and its descendants every 20 ms
while an invocation runs, and once more when it ends; over MemorySize, the environment is
killed and the invocation answers Runtime.OutOfMemory.
https://docs.aws.amazon.com/lambda/latest/dg/configuration-memory.html
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Callable

WATCH_INTERVAL_S = 0.02
"""Between two readings while an invocation runs (each costs some 50 µs per process)."""


def process_tree(pid: int) -> list[int]:
    """``pid`` and every live process below it (/proc/<pid>/task/<tid>/children)."""
    found = [pid]
    at = 0
    while at < len(found):
        parent = found[at]
        at += 1
        try:
            tasks = os.listdir(f"/proc/{parent}/task")
        except OSError:
            continue
        for task in tasks:
            try:
                with open(f"/proc/{parent}/task/{task}/children", "rb") as children:
                    found.extend(int(child) for child in children.read().split())
            except OSError:
                continue
    return found


def memory_kb(pid: int) -> tuple[int, int]:
    """(VmRSS, VmHWM) of one process in kB; (0, 0) when it is gone or a zombie."""
    rss = peak = 0
    try:
        with open(f"/proc/{pid}/status", "rb") as status:
            for line in status:
                if line.startswith(b"VmRSS:"):
                    rss = int(line.split()[1])
                elif line.startswith(b"VmHWM:"):
                    peak = int(line.split()[1])
    except (OSError, ValueError):
        return 0, 0
    return rss, peak


def tree_memory_kb(pid: int) -> tuple[int, int]:
    """(resident memory of the whole tree now, the peak of ``pid`` itself), in kB."""
    total = peak = 0
    for each in process_tree(pid):
        rss, high = memory_kb(each)
        total += rss
        if each == pid:
            peak = high
    return total, peak


class MemoryWatch:
    """The memory one execution environment uses, read while an invocation runs.

    ``peak_kb`` is the most seen over the environment's life (Lambda's Max Memory Used);
    ``on_exceeded`` is called (once per ``start``) when a reading goes over the limit.
    """

    def __init__(
        self,
        memory_mb: int,
        on_exceeded: Callable[[], None],
        interval_s: float = WATCH_INTERVAL_S,
        reader: Callable[[int], tuple[int, int]] = tree_memory_kb,
    ) -> None:
        self.limit_kb = memory_mb * 1024
        self.peak_kb = 0
        self._on_exceeded = on_exceeded
        self._interval_s = interval_s
        self._reader = reader
        self._pid = 0
        self._timer: asyncio.TimerHandle | None = None

    @property
    def exceeded(self) -> bool:
        return self.peak_kb > self.limit_kb

    def read(self, pid: int) -> int:
        """Read the tree's memory now; returns the peak so far."""
        current, own_peak = self._reader(pid)
        self.peak_kb = max(self.peak_kb, current, own_peak)
        return self.peak_kb

    def start(self, pid: int) -> None:
        """Read every interval until ``stop`` (or until the limit is passed)."""
        self._pid = pid
        self._schedule()

    def stop(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None

    def _schedule(self) -> None:
        loop = asyncio.get_running_loop()
        self._timer = loop.call_later(self._interval_s, self._tick)

    def _tick(self) -> None:
        self._timer = None
        self.read(self._pid)
        if self.exceeded:
            self._on_exceeded()
        else:
            self._schedule()
