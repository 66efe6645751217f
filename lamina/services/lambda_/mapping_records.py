"""Event source mappings kept in the control-plane Store, with their checkpoints.

    lambda/event-source-mappings   UUID   EventSourceMapping (its settings and checkpoint)
    lambda/event-source-leases     UUID   MappingLease (which node delivers it: mapping_lease.py)

The store is the only copy: the API reads and changes a mapping there, and the node that
delivers it moves its checkpoint there, each in one transaction that reads the record
again first (a change made on another node in between is kept). Nodes sharing a
PostgreSQL store see one set of mappings; a restart resumes at the stored checkpoint.

Before mappings lived in the store, each state kept them in
``<state_dir>/event-source-mappings.json``: such a file is moved into the store once.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path

import msgspec

from lamina.core.store import Collection, Store, Transaction
from lamina.core.store_sqlite import FILE_NAME, SqliteStore

log = logging.getLogger("lamina.services.lambda")

MAPPINGS = "lambda/event-source-mappings"
LEGACY_FILE = "event-source-mappings.json"


class EventSourceMapping(msgspec.Struct, kw_only=True):
    uuid: str
    function_name: str
    qualifier: str | None
    event_source_arn: str
    batch_size: int
    starting_position: str
    enabled: bool
    checkpoint: int
    """The sequence number of the last record the function took successfully."""
    last_modified: float
    last_result: str = "No records processed"
    bisect: bool = False
    """BisectBatchOnFunctionError: a failed batch is retried in halves."""
    max_retries: int = -1
    """MaximumRetryAttempts: -1 retries until the function succeeds; N drops a batch that
    failed N + 1 times (there is no on-failure destination yet)."""
    attempts: int = 0
    """Failed invocations of the batch at the checkpoint so far."""
    bisect_limit: int | None = None
    bisect_until: int = 0
    """While the checkpoint is below this, batches hold at most `bisect_limit` records."""


class MappingRecords:
    """The mappings of one state in its Store (a SQLite store of the state folder when
    the provider was given none)."""

    def __init__(self, store: Store | None, state_dir: Path) -> None:
        self._state_dir = state_dir
        self._own_store: Store | None = None
        if store is None:
            state_dir.mkdir(parents=True, exist_ok=True)
            store = self._own_store = SqliteStore(state_dir / FILE_NAME)
        self.store = store
        self._mappings = Collection(store, MAPPINGS, EventSourceMapping)
        self._import_legacy()

    def _import_legacy(self) -> None:
        path = self._state_dir / LEGACY_FILE
        if not path.is_file():
            return
        legacy = msgspec.json.decode(path.read_bytes(), type=list[EventSourceMapping])
        with self.store.transaction() as tx:
            for mapping in legacy:
                if self._mappings.get(mapping.uuid, tx) is None:
                    self._mappings.put(mapping.uuid, mapping, tx)
        path.replace(path.with_suffix(".json.imported"))
        log.info("moved %d event source mappings from %s into the store", len(legacy), path)

    def get(self, uuid: str, tx: Transaction | None = None) -> EventSourceMapping | None:
        return self._mappings.get(uuid, tx)

    def all(self) -> list[EventSourceMapping]:
        return self._mappings.all()

    def put(self, mapping: EventSourceMapping, tx: Transaction | None = None) -> None:
        self._mappings.put(mapping.uuid, mapping, tx)

    def delete(self, uuid: str) -> bool:
        return self._mappings.delete(uuid)

    def change(
        self,
        uuid: str,
        apply: Callable[[EventSourceMapping], None],
        check: Callable[[Transaction], bool] | None = None,
    ) -> EventSourceMapping | None:
        """Read the mapping again in a transaction, `apply` a change to it and store it;
        None (nothing written) if it is gone or `check` (run first, in the transaction)
        says no."""
        with self.store.transaction() as tx:
            if check is not None and not check(tx):
                return None
            mapping = self._mappings.get(uuid, tx)
            if mapping is None:
                return None
            apply(mapping)
            self._mappings.put(uuid, mapping, tx)
            return mapping

    def close(self) -> None:
        if self._own_store is not None:
            self._own_store.close()
