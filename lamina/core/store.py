"""Store: where the control plane keeps its records (APIs, deployments, stages, functions,
versions, aliases, keys, plans, domains), behind one Protocol with two backends:

    SQLite (WAL) in `.lamina/control.sqlite3`   the default, one machine
    PostgreSQL (`postgresql://…`)               a cluster: every edge node reads one store

A record is bytes (msgspec-encoded by its owner) under a `kind` ("restapis",
"apigw/resources", "lambda/functions" …) and a `key` unique within the kind; scans return
a kind's records in the order they were first put, so "list" operations page stably.

Every change goes through a transaction: several records written together are all there
after a crash or none is (a deployment and the stage re-pointed to it, a function and its
first version). Readers outside a transaction see only committed state.

The schema is versioned (store_sqlite.MIGRATIONS / store_postgres.MIGRATIONS): opening a
store applies the migrations it has not yet applied, in order, each in its own
transaction, and refuses a store written by a newer Lamina.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from typing import Generic, NamedTuple, Protocol, TypeVar

import msgspec

from lamina.core.error import LaminaError


class StoreError(LaminaError):
    """The store cannot be opened or used (bad URL, server down, schema from the future)."""


class Migration(NamedTuple):
    """Schema version `version` (1, 2, …): the statements that bring a store from the
    version before it to this one, run in one transaction."""

    version: int
    statements: tuple[str, ...]


def check_version(found: int, migrations: Sequence[Migration], where: str) -> None:
    """Refuse a store whose schema is newer than the last of `migrations`: it was written
    by a newer Lamina, and this one would misread (or damage) what it does not know."""
    known = migrations[-1].version if migrations else 0
    if found > known:
        raise StoreError(
            f"the store {where} is at schema version {found}, newer than this Lamina "
            f"knows ({known}): upgrade Lamina to open it"
        )


class Reader(Protocol):
    def get(self, kind: str, key: str) -> bytes | None: ...

    def scan(self, kind: str, prefix: str = "") -> list[tuple[str, bytes]]:
        """Every (key, value) of `kind` whose key starts with `prefix`, in first-put order."""
        ...


class Transaction(Reader, Protocol):
    def put(self, kind: str, key: str, value: bytes) -> None:
        """Insert or replace; a replaced record keeps its place in scan order."""
        ...

    def delete(self, kind: str, key: str) -> bool:
        """Whether there was such a record."""
        ...

    def delete_prefix(self, kind: str, prefix: str) -> int:
        """Delete every record of `kind` whose key starts with `prefix`; how many."""
        ...


class Store(Reader, Protocol):
    def transaction(self) -> AbstractContextManager[Transaction]:
        """A write transaction: committed when the block ends, rolled back if it raises.
        Transactions are serialized (one writer at a time, across processes)."""
        ...

    def kinds(self) -> list[str]:
        """Every kind holding at least one record (for export)."""
        ...

    def close(self) -> None: ...


class RowWriter(Reader, Protocol):
    """What a backend gives `OpenTransaction`: its reads and its SQL writes, run on the
    connection its open transaction holds."""

    def _put_row(self, kind: str, key: str, value: bytes) -> None: ...

    def _delete_row(self, kind: str, key: str) -> bool: ...

    def _delete_rows(self, kind: str, prefix: str) -> int: ...


class OpenTransaction:
    """The Transaction a backend's `transaction()` yields: reads and writes go to the
    store while its block holds the connection; `ended` is set when the block ends, and a
    write after that (it would commit on its own) is refused."""

    __slots__ = ("_store", "ended")

    def __init__(self, store: RowWriter) -> None:
        self._store = store
        self.ended = False

    def _check(self) -> None:
        if self.ended:
            raise StoreError("the transaction has ended: write inside its `with` block")

    def get(self, kind: str, key: str) -> bytes | None:
        return self._store.get(kind, key)

    def scan(self, kind: str, prefix: str = "") -> list[tuple[str, bytes]]:
        return self._store.scan(kind, prefix)

    def put(self, kind: str, key: str, value: bytes) -> None:
        self._check()
        self._store._put_row(kind, key, value)

    def delete(self, kind: str, key: str) -> bool:
        self._check()
        return self._store._delete_row(kind, key)

    def delete_prefix(self, kind: str, prefix: str) -> int:
        self._check()
        return self._store._delete_rows(kind, prefix)


@contextmanager
def open_transaction(
    store: RowWriter, write: AbstractContextManager[None]
) -> Iterator[Transaction]:
    """A backend's `transaction()`: an OpenTransaction of `store` for as long as `write`
    (its BEGIN … COMMIT, or savepoint) lasts."""
    with write:
        tx = OpenTransaction(store)
        try:
            yield tx
        finally:
            tx.ended = True


R = TypeVar("R", bound=msgspec.Struct)


class Collection(Generic[R]):
    """Typed access to one kind: records are msgspec Structs, encoded with msgpack.

    `with store.transaction() as tx: functions.put(key, record, tx)`; reads take an
    optional transaction to read inside it.
    """

    __slots__ = ("_decoder", "_encoder", "kind", "store")

    def __init__(self, store: Store, kind: str, type_: type[R]) -> None:
        self.store = store
        self.kind = kind
        self._encoder = msgspec.msgpack.Encoder()
        self._decoder = msgspec.msgpack.Decoder(type_)

    def get(self, key: str, tx: Reader | None = None) -> R | None:
        raw = (tx or self.store).get(self.kind, key)
        return None if raw is None else self._decoder.decode(raw)

    def all(self, prefix: str = "", tx: Reader | None = None) -> list[R]:
        return [self._decoder.decode(raw) for _, raw in (tx or self.store).scan(self.kind, prefix)]

    def items(self, prefix: str = "", tx: Reader | None = None) -> Iterator[tuple[str, R]]:
        for key, raw in (tx or self.store).scan(self.kind, prefix):
            yield key, self._decoder.decode(raw)

    def put(self, key: str, record: R, tx: Transaction | None = None) -> None:
        if tx is not None:
            tx.put(self.kind, key, self._encoder.encode(record))
            return
        with self.store.transaction() as own:
            own.put(self.kind, key, self._encoder.encode(record))

    def delete(self, key: str, tx: Transaction | None = None) -> bool:
        if tx is not None:
            return tx.delete(self.kind, key)
        with self.store.transaction() as own:
            return own.delete(self.kind, key)
