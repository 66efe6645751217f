"""The stage cache in this process: per stage, an LRU bounded in bytes (the stage's cache
cluster size) whose entries expire after their TTL."""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable

ENTRY_OVERHEAD_BYTES = 64
"""Counted per entry on top of its key and value (the bookkeeping each one costs)."""


class _Cluster:
    """One stage's entries, least recently used first."""

    __slots__ = ("capacity", "entries", "size")

    def __init__(self, capacity: int) -> None:
        self.capacity = capacity
        self.entries: OrderedDict[str, tuple[float, bytes]] = OrderedDict()
        self.size = 0

    def drop(self, key: str) -> None:
        found = self.entries.pop(key, None)
        if found is not None:
            self.size -= _cost(key, found[1])

    def shrink(self) -> None:
        while self.size > self.capacity and self.entries:
            key, (_, entry) = self.entries.popitem(last=False)
            self.size -= _cost(key, entry)


class MemoryResponseCache:
    """`clock` returns seconds (monotonic); tests pass their own to step time."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clusters: dict[str, _Cluster] = {}
        self._clock = clock

    def size(self, stage: str) -> int:
        """Bytes the stage's entries count for."""
        cluster = self._clusters.get(stage)
        return 0 if cluster is None else cluster.size

    def entries(self, stage: str) -> list[bytes]:
        """The stage's stored entries as they are kept (what a memory dump would show)."""
        cluster = self._clusters.get(stage)
        return [] if cluster is None else [entry for _, entry in cluster.entries.values()]

    async def get(self, stage: str, key: str) -> bytes | None:
        cluster = self._clusters.get(stage)
        if cluster is None:
            return None
        found = cluster.entries.get(key)
        if found is None:
            return None
        expires, entry = found
        if self._clock() >= expires:
            cluster.drop(key)
            return None
        cluster.entries.move_to_end(key)
        return entry

    async def put(
        self, stage: str, key: str, entry: bytes, ttl_seconds: int, capacity_bytes: int
    ) -> None:
        if ttl_seconds <= 0 or _cost(key, entry) > capacity_bytes:
            return
        cluster = self._clusters.get(stage)
        if cluster is None:
            cluster = self._clusters[stage] = _Cluster(capacity_bytes)
        cluster.capacity = capacity_bytes  # a resized cluster keeps what still fits
        cluster.drop(key)
        cluster.entries[key] = (self._clock() + ttl_seconds, entry)
        cluster.size += _cost(key, entry)
        cluster.shrink()

    async def flush(self, stage: str) -> None:
        self._clusters.pop(stage, None)

    async def close(self) -> None:
        self._clusters.clear()


def _cost(key: str, entry: bytes) -> int:
    return len(key) + len(entry) + ENTRY_OVERHEAD_BYTES
