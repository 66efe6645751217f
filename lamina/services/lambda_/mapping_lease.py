"""Which node delivers an event source mapping: a lease row per mapping in the Store.

Nodes sharing a store (a cluster on PostgreSQL) all see every mapping; exactly one of
them, the lease holder, reads the mapping's stream and invokes its function, so each
record is delivered once while the holder lives. The lease is a record
``(node, beat)`` in ``lambda/event-source-leases``:

    no lease            ─ a node that serves the function writes (itself, 0): it holds it
    held by this node   ─ every HEARTBEAT_S it bumps `beat` (the holder is alive)
    held by another     ─ watched: when (node, beat) has not changed for LEASE_S of this
                          node's own clock, the holder is taken for dead and the lease
                          taken over (in a transaction that finds the record unchanged)
    this node stops     ─ it deletes its leases, so another node takes them at once

Expiry is judged by each watcher's monotonic clock, never by comparing clocks of two
machines. Every write is a store transaction (serialized across nodes), and the holder
moves a mapping's checkpoint only in a transaction that finds the lease still its own
(`held_in`): a holder that was paused past LEASE_S and lost the lease may deliver a batch
the new holder delivers again, but never moves the checkpoint past records the new
holder has not seen — delivery is at least once, with no loss.
"""

from __future__ import annotations

import time
import uuid as uuids
from collections.abc import Callable

import msgspec

from lamina.core.store import Collection, Store, Transaction

LEASES = "lambda/event-source-leases"
HEARTBEAT_S = 1.0
LEASE_S = 3.0
"""A lease whose beat has not moved for this long (as a watcher sees it) is taken over."""


class MappingLease(msgspec.Struct, frozen=True):
    node: str
    beat: int


class Leases:
    """This node's view of the mappings' leases; `tend` once a second, off the loop."""

    def __init__(self, store: Store, clock: Callable[[], float] = time.monotonic) -> None:
        self.node = uuids.uuid4().hex
        self._leases = Collection(store, LEASES, MappingLease)
        self._store = store
        self._clock = clock
        self.held: set[str] = set()
        """The mappings this node delivers now."""
        self._beaten: dict[str, float] = {}
        self._watched: dict[str, tuple[MappingLease, float]] = {}

    def tend(self, wanted: set[str]) -> None:
        """Renew, take or watch the lease of each mapping in `wanted` (enabled mappings
        whose function this node serves); give up the others this node holds."""
        for uuid in self.held - wanted:
            self.release(uuid)
        for uuid in wanted:
            self._tend_one(uuid)
        for uuid in set(self._watched) - wanted:
            del self._watched[uuid]

    def _tend_one(self, uuid: str) -> None:
        now = self._clock()
        lease = self._leases.get(uuid)
        if lease is not None and lease.node == self.node:
            if uuid not in self.held or now - self._beaten.get(uuid, 0.0) >= HEARTBEAT_S:
                self._renew(uuid, now)
            return
        self.held.discard(uuid)
        if lease is None:
            self._take(uuid, None, now)
            return
        seen = self._watched.get(uuid)
        if seen is None or seen[0] != lease:
            self._watched[uuid] = (lease, now)
        elif now - seen[1] >= LEASE_S:
            self._take(uuid, lease, now)

    def _take(self, uuid: str, expected: MappingLease | None, now: float) -> None:
        with self._store.transaction() as tx:
            if self._leases.get(uuid, tx) != expected:
                return  # another node was quicker
            self._leases.put(uuid, MappingLease(self.node, 0), tx)
        self.held.add(uuid)
        self._beaten[uuid] = now
        self._watched.pop(uuid, None)

    def _renew(self, uuid: str, now: float) -> None:
        with self._store.transaction() as tx:
            lease = self._leases.get(uuid, tx)
            if lease is None or lease.node != self.node:
                self.held.discard(uuid)
                return
            self._leases.put(uuid, MappingLease(self.node, lease.beat + 1), tx)
        self.held.add(uuid)
        self._beaten[uuid] = now

    def held_in(self, tx: Transaction, uuid: str) -> bool:
        """Whether this node still holds `uuid`'s lease, read in `tx` (a checkpoint's)."""
        lease = self._leases.get(uuid, tx)
        held = lease is not None and lease.node == self.node
        if not held:
            self.held.discard(uuid)
        return held

    def release(self, uuid: str) -> None:
        self.held.discard(uuid)
        self._beaten.pop(uuid, None)
        with self._store.transaction() as tx:
            lease = self._leases.get(uuid, tx)
            if lease is not None and lease.node == self.node:
                self._leases.delete(uuid, tx)

    def release_all(self) -> None:
        for uuid in list(self.held):
            self.release(uuid)

    def forget(self, tx: Transaction, uuid: str) -> None:
        """A deleted mapping's lease, whoever holds it."""
        self._leases.delete(uuid, tx)
        self.held.discard(uuid)
