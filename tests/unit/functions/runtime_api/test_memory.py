"""The memory watchdog of Runtime API processes: /proc readings and the watch's decisions."""

from __future__ import annotations

import asyncio
import os

from lamina.functions.runtime_api import memory
from lamina.functions.runtime_api.memory import MemoryWatch

_MIB_KB = 1024


def test_process_tree_starts_with_the_process_itself() -> None:
    assert memory.process_tree(os.getpid())[0] == os.getpid()


def test_memory_kb_of_this_process_has_resident_and_peak() -> None:
    rss, peak = memory.memory_kb(os.getpid())
    assert 0 < rss <= peak


def test_memory_kb_of_missing_process_is_zero() -> None:
    assert memory.memory_kb(0) == (0, 0)  # /proc/0 never exists


def test_tree_memory_kb_counts_at_least_this_process() -> None:
    total, peak = memory.tree_memory_kb(os.getpid())
    assert total >= memory.memory_kb(os.getpid())[0] * 0.9
    assert peak > 0


class Readings:
    """Stands in for /proc: answers the (tree, own peak) readings given, then the last."""

    def __init__(self, *readings: tuple[int, int]) -> None:
        self._readings = list(readings)
        self.pids: list[int] = []

    def __call__(self, pid: int) -> tuple[int, int]:
        self.pids.append(pid)
        return self._readings.pop(0) if len(self._readings) > 1 else self._readings[0]


async def test_memory_watch_over_limit_calls_on_exceeded_once_and_stops() -> None:
    exceeded: list[int] = []
    readings = Readings((50 * _MIB_KB, 0), (90 * _MIB_KB, 0), (200 * _MIB_KB, 0))
    watch = MemoryWatch(128, lambda: exceeded.append(1), interval_s=0.001, reader=readings)
    watch.start(42)
    await asyncio.sleep(0.05)
    assert exceeded == [1]
    assert watch.exceeded
    assert watch.peak_kb == 200 * _MIB_KB
    assert readings.pids == [42, 42, 42]  # no reading after the limit was passed


async def test_memory_watch_stop_ends_the_readings() -> None:
    readings = Readings((10 * _MIB_KB, 0))
    watch = MemoryWatch(128, lambda: None, interval_s=0.001, reader=readings)
    watch.start(7)
    await asyncio.sleep(0.01)
    watch.stop()
    seen = len(readings.pids)
    await asyncio.sleep(0.01)
    assert seen > 0
    assert len(readings.pids) == seen


def test_memory_watch_read_keeps_the_highest_of_tree_and_own_peak() -> None:
    readings = Readings((30 * _MIB_KB, 100 * _MIB_KB), (60 * _MIB_KB, 40 * _MIB_KB))
    watch = MemoryWatch(128, lambda: None, reader=readings)
    assert watch.read(1) == 100 * _MIB_KB  # a spike between readings, seen by VmHWM
    assert watch.read(1) == 100 * _MIB_KB
    assert not watch.exceeded


def test_memory_watch_exactly_at_memory_size_is_not_exceeded() -> None:
    watch = MemoryWatch(128, lambda: None, reader=Readings((128 * _MIB_KB, 0)))
    watch.read(1)
    assert not watch.exceeded
