"""Where DynamoDB-compatible tables live: the `TableStore` seam and its SQLite backend.

Each DynamoDB table is one SQL table of (partition key, sort key, item) rows, the keys
encoded by `keys.encode_key` so that SQL's BLOB order is DynamoDB's order; items are the
wire form packed with msgpack (bytes stay bytes). Table metadata sits in `tables`.
SQLite runs in WAL mode: readers do not block the single writer.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, Protocol

import msgspec

from lamina.services.dynamodb.types import Item

_encoder = msgspec.msgpack.Encoder()
_decoder = msgspec.msgpack.Decoder(dict[str, dict[str, Any]])


class TableMeta(msgspec.Struct, frozen=True):
    """What CreateTable declared, as DescribeTable reports it."""

    name: str
    partition_key: str
    sort_key: str | None
    attribute_types: dict[str, str]
    """Attribute name -> "S", "N" or "B", from AttributeDefinitions."""
    created: float
    billing_mode: str
    read_capacity: int = 0
    write_capacity: int = 0
    indexes: bytes = b""
    """GlobalSecondaryIndexes/LocalSecondaryIndexes as declared (msgpack), not yet served."""


class SortRange(msgspec.Struct, frozen=True):
    """Bounds on the encoded sort key; None means unbounded."""

    lower: bytes | None = None
    lower_inclusive: bool = True
    upper: bytes | None = None
    upper_inclusive: bool = True
    prefix: bytes | None = None


class StoredItem(msgspec.Struct, frozen=True):
    partition: bytes
    sort: bytes
    item: Item


Change = Callable[[Item | None], Item | None]
"""Given the stored item (or None), the item to store (None deletes)."""


class TableStore(Protocol):
    def create_table(self, meta: TableMeta) -> bool: ...
    def table(self, name: str) -> TableMeta | None: ...
    def table_names(self) -> list[str]: ...
    def delete_table(self, name: str) -> None: ...
    def stats(self, name: str) -> tuple[int, int]: ...
    def get(self, name: str, partition: bytes, sort: bytes) -> Item | None: ...
    def change(
        self, name: str, partition: bytes, sort: bytes, size: Callable[[Item], int], how: Change
    ) -> Item | None: ...
    def query(
        self, name: str, partition: bytes, bounds: SortRange, *, forward: bool, after: bytes | None
    ) -> Iterator[StoredItem]: ...
    def scan(self, name: str, after: tuple[bytes, bytes] | None) -> Iterator[StoredItem]: ...
    def close(self) -> None: ...


def _sql_name(name: str) -> str:
    # Table names are [a-zA-Z0-9_.-]{3,255} (validated before this), so quoting is safe.
    return f'"t:{name}"'


class SqliteTableStore:
    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.execute("CREATE TABLE IF NOT EXISTS tables (name TEXT PRIMARY KEY, meta BLOB)")
        self._lock = threading.Lock()

    def create_table(self, meta: TableMeta) -> bool:
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                found = self._db.execute("SELECT 1 FROM tables WHERE name = ?", (meta.name,))
                if found.fetchone() is not None:
                    self._db.execute("ROLLBACK")
                    return False
                self._db.execute(
                    "INSERT INTO tables VALUES (?, ?)", (meta.name, _encoder.encode(meta))
                )
                self._db.execute(
                    f"CREATE TABLE {_sql_name(meta.name)} (pk BLOB NOT NULL, sk BLOB NOT NULL, "
                    "size INTEGER NOT NULL, item BLOB NOT NULL, PRIMARY KEY (pk, sk)) WITHOUT ROWID"
                )
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")
            return True

    def table(self, name: str) -> TableMeta | None:
        row = self._db.execute("SELECT meta FROM tables WHERE name = ?", (name,)).fetchone()
        return None if row is None else msgspec.msgpack.decode(row[0], type=TableMeta)

    def table_names(self) -> list[str]:
        return [row[0] for row in self._db.execute("SELECT name FROM tables ORDER BY name")]

    def delete_table(self, name: str) -> None:
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            self._db.execute("DELETE FROM tables WHERE name = ?", (name,))
            self._db.execute(f"DROP TABLE IF EXISTS {_sql_name(name)}")
            self._db.execute("COMMIT")

    def stats(self, name: str) -> tuple[int, int]:
        row = self._db.execute(f"SELECT count(*), total(size) FROM {_sql_name(name)}").fetchone()
        return int(row[0]), int(row[1])

    def get(self, name: str, partition: bytes, sort: bytes) -> Item | None:
        sql = f"SELECT item FROM {_sql_name(name)} WHERE pk = ? AND sk = ?"
        row = self._db.execute(sql, (partition, sort)).fetchone()
        return None if row is None else _decode(row[0])

    def change(
        self, name: str, partition: bytes, sort: bytes, size: Callable[[Item], int], how: Change
    ) -> Item | None:
        """Apply `how` to the stored item in one transaction; return the old item."""
        table = _sql_name(name)
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                old = self.get(name, partition, sort)
                new = how(old)
                if new is None:
                    self._db.execute(
                        f"DELETE FROM {table} WHERE pk = ? AND sk = ?", (partition, sort)
                    )
                else:
                    self._db.execute(
                        f"INSERT OR REPLACE INTO {table} VALUES (?, ?, ?, ?)",
                        (partition, sort, size(new), _encoder.encode(new)),
                    )
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")
            return old

    def query(
        self, name: str, partition: bytes, bounds: SortRange, *, forward: bool, after: bytes | None
    ) -> Iterator[StoredItem]:
        """A partition's items in sort key order (reversed unless forward), after `after`."""
        where, args = ["pk = ?"], list[object]([partition])
        if bounds.lower is not None:
            where.append("sk >= ?" if bounds.lower_inclusive else "sk > ?")
            args.append(bounds.lower)
        if bounds.upper is not None:
            where.append("sk <= ?" if bounds.upper_inclusive else "sk < ?")
            args.append(bounds.upper)
        if bounds.prefix is not None:
            where.append("substr(sk, 1, ?) = ?")
            args.extend([len(bounds.prefix), bounds.prefix])
        if after is not None:
            where.append("sk > ?" if forward else "sk < ?")
            args.append(after)
        order = "ASC" if forward else "DESC"
        sql = f"SELECT pk, sk, item FROM {_sql_name(name)} WHERE {' AND '.join(where)} "
        for row in self._db.execute(sql + f"ORDER BY sk {order}", args):
            yield StoredItem(row[0], row[1], _decode(row[2]))

    def scan(self, name: str, after: tuple[bytes, bytes] | None) -> Iterator[StoredItem]:
        sql = f"SELECT pk, sk, item FROM {_sql_name(name)}"
        args: tuple[bytes, ...] = ()
        if after is not None:
            sql += " WHERE (pk, sk) > (?, ?)"
            args = after
        for row in self._db.execute(sql + " ORDER BY pk, sk", args):
            yield StoredItem(row[0], row[1], _decode(row[2]))

    def close(self) -> None:
        self._db.close()


def _decode(blob: bytes) -> Item:
    return _decoder.decode(blob)
