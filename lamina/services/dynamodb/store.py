"""Where DynamoDB-compatible tables live: the `TableStore` seam and its SQLite backend.

Each DynamoDB table is one SQL table of (partition key, sort key, item) rows, the keys
encoded by `keys.encode_key` so that SQL's BLOB order is DynamoDB's order; items are the
wire form packed with msgpack (bytes stay bytes). Table metadata sits in `tables`.
Metadata written before a field existed decodes with that field's default.
Each secondary index is one more SQL table of (index partition, index sort, partition,
sort) rows holding the projected item, written in the same transaction as the item, so
an index read orders ties on the index sort key by the table's keys.
SQLite runs in WAL mode: readers do not block the single writer.
"""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from typing import Any, NamedTuple, Protocol

import msgspec

from lamina.services.dynamodb import streams
from lamina.services.dynamodb.index import IndexMeta, entry
from lamina.services.dynamodb.types import Item, type_of

_encoder = msgspec.msgpack.Encoder()
_decoder = msgspec.msgpack.Decoder(dict[str, dict[str, Any]])
_record_decoder = msgspec.msgpack.Decoder(dict[str, Any])


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
    secondary_indexes: tuple[IndexMeta, ...] = ()
    """The declared GSIs and LSIs. Metadata stored before indexes were served holds an
    "indexes" field instead, which decoding ignores: those tables have no index tables."""
    ttl_attribute: str | None = None
    """The Number attribute holding each item's expiry (epoch seconds) while TTL is
    enabled; None while it is disabled."""
    tags: dict[str, str] = msgspec.field(default_factory=dict)
    stream_view_type: str | None = None
    """KEYS_ONLY, NEW_IMAGE, OLD_IMAGE or NEW_AND_OLD_IMAGES while the table's stream is
    enabled (see `streams`); None while it is disabled."""
    stream_label: str | None = None
    """The latest stream's label (an ISO timestamp), kept after the stream is disabled."""

    def key_names(self) -> tuple[str, ...]:
        if self.sort_key is None:
            return (self.partition_key,)
        return (self.partition_key, self.sort_key)

    def index(self, name: str) -> IndexMeta | None:
        return next((index for index in self.secondary_indexes if index.name == name), None)


class SortRange(msgspec.Struct, frozen=True):
    """Bounds on the encoded sort key; None means unbounded."""

    lower: bytes | None = None
    lower_inclusive: bool = True
    upper: bytes | None = None
    upper_inclusive: bool = True
    prefix: bytes | None = None


def prefix_end(prefix: bytes) -> bytes | None:
    """The least byte string above every string that starts with `prefix` (None: there
    is none, the prefix being all 0xff), so begins_with is a key range an index serves."""
    kept = prefix.rstrip(b"\xff")
    return None if not kept else kept[:-1] + bytes([kept[-1] + 1])


def index_changes(old: TableMeta | None, new: TableMeta) -> tuple[list[str], list[IndexMeta]]:
    """What a table's new metadata does to its secondary indexes: (the names of those it
    no longer has, those it adds). Both stores apply it the same way."""
    before = {} if old is None else {index.name: index for index in old.secondary_indexes}
    dropped = [name for name in before if new.index(name) is None]
    added = [index for index in new.secondary_indexes if index.name not in before]
    return dropped, added


def backfill_rows(
    meta: TableMeta, index: IndexMeta, rows: Iterator[StoredItem]
) -> Iterator[StoredItem]:
    """The items a new index takes in: those whose index key attributes, where present,
    have the declared types.
    https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/GSI.OnlineOps.html
    """
    names = index.key_names()
    for row in rows:
        if all(
            name not in row.item or type_of(row.item[name]) == meta.attribute_types[name]
            for name in names
        ):
            yield row


class StoredItem(msgspec.Struct, frozen=True):
    partition: bytes
    sort: bytes
    item: Item


Change = Callable[[Item | None], Item | None]
"""Given the stored item (or None), the item to store (None deletes)."""


class StreamRow(msgspec.Struct, frozen=True):
    """One stream record as stored: its sequence and the record (see `streams.record`)."""

    sequence: int
    record: dict[str, Any]

    @classmethod
    def stored(cls, sequence: int, blob: bytes) -> StreamRow:
        """A row as both stores keep it: the record packed with msgpack."""
        return cls(int(sequence), _record_decoder.decode(blob))


class StreamStatements(NamedTuple):
    """Both stores' stream statements, written with one store's parameter placeholder."""

    records: str
    """(table, label, after, limit) -> (seq, record) rows of the stream after `after`."""
    last_sequence: str
    """(table, label) -> one row: the stream's highest sequence number, 0 when none."""
    trim_horizon: str
    """(table, label) -> the highest number trimmed from the stream, no row when none."""
    raise_horizons: str
    """(before,) -> raise the trim horizons of the streams that lose records written
    before the parameter: each to its highest number trimmed, never lowered."""
    trim: str
    """(before,) -> delete the records written before the parameter."""


def stream_statements(p: str) -> StreamStatements:
    """The stream statements with `p` as the parameter placeholder (`?` or `%s`)."""
    return StreamStatements(
        records=(
            f"SELECT seq, record FROM stream_records WHERE tbl = {p} AND label = {p} "
            f"AND seq > {p} ORDER BY seq LIMIT {p}"
        ),
        last_sequence=(
            f"SELECT coalesce(max(seq), 0) FROM stream_records WHERE tbl = {p} AND label = {p}"
        ),
        trim_horizon=f"SELECT through FROM stream_trims WHERE tbl = {p} AND label = {p}",
        raise_horizons=(
            "INSERT INTO stream_trims (tbl, label, through) SELECT tbl, label, max(seq) "
            f"FROM stream_records WHERE created < {p} GROUP BY tbl, label "
            "ON CONFLICT (tbl, label) DO UPDATE SET through = CASE "
            "WHEN excluded.through > stream_trims.through THEN excluded.through "
            "ELSE stream_trims.through END"
        ),
        trim=f"DELETE FROM stream_records WHERE created < {p}",
    )


def key_conditions(
    partition_column: str, sort: str, partition: bytes, bounds: SortRange, p: str
) -> tuple[list[str], list[object]]:
    """Both stores' WHERE conditions (and their arguments) for a query of one partition
    within `bounds` of the `sort` column, with `p` as the parameter placeholder."""
    where, args = [f"{partition_column} = {p}"], list[object]([partition])
    if bounds.lower is not None:
        where.append(f"{sort} >= {p}" if bounds.lower_inclusive else f"{sort} > {p}")
        args.append(bounds.lower)
    if bounds.upper is not None:
        where.append(f"{sort} <= {p}" if bounds.upper_inclusive else f"{sort} < {p}")
        args.append(bounds.upper)
    if bounds.prefix is not None:
        where.append(f"{sort} >= {p}")
        args.append(bounds.prefix)
        end = prefix_end(bounds.prefix)
        if end is not None:
            where.append(f"{sort} < {p}")
            args.append(end)
    return where, args


def after_condition(columns: Sequence[str], forward: bool, p: str) -> str:
    """A row-value comparison: the rows past a position in this order (`p` the placeholder)."""
    placeholders = ", ".join(p for _ in columns)
    return f"({', '.join(columns)}) {'>' if forward else '<'} ({placeholders})"


def pack_record(record: dict[str, Any]) -> tuple[float, bytes]:
    """What both stores keep of a record besides its stream: when it was written (for
    `trim_streams`) and its msgpack bytes."""
    return float(record["dynamodb"]["ApproximateCreationDateTime"]), _encoder.encode(record)


class Writer(Protocol):
    """Changes inside one transaction: all are committed, or none (if the block raises)."""

    def get(self, name: str, partition: bytes, sort: bytes) -> Item | None: ...
    def change(
        self,
        name: str,
        partition: bytes,
        sort: bytes,
        size: Callable[[Item], int],
        how: Change,
        *,
        by_service: bool = False,
    ) -> Item | None:
        """`by_service`: the change is DynamoDB's own (a TTL removal), as its stream
        record says."""
        ...

    def token(self, token: str) -> tuple[float, bytes] | None:
        """A TransactWriteItems ClientRequestToken's (when, request fingerprint), if recorded;
        writers asking for the same token wait for each other."""
        ...

    def record_token(
        self, token: str, when: float, fingerprint: bytes, forget_before: float
    ) -> None:
        """Record the token (replacing an older record); forget those recorded before
        `forget_before`."""
        ...


class TableStore(Protocol):
    concurrent: bool
    """Whether calls may come from several threads at once (then the provider runs
    operations on a thread pool, so one waiting on the database does not stall the rest)."""

    def create_table(self, meta: TableMeta) -> bool: ...
    def table(self, name: str) -> TableMeta | None: ...
    def table_names(self) -> list[str]: ...
    def delete_table(self, name: str) -> None: ...
    def replace_table(self, meta: TableMeta, size: Callable[[Item], int]) -> None: ...
    def stats(self, name: str, index: str | None = None) -> tuple[int, int]: ...
    def get(self, name: str, partition: bytes, sort: bytes) -> Item | None: ...
    def change(
        self, name: str, partition: bytes, sort: bytes, size: Callable[[Item], int], how: Change
    ) -> Item | None: ...
    def transaction(self) -> AbstractContextManager[Writer]: ...
    def query(
        self,
        name: str,
        partition: bytes,
        bounds: SortRange,
        *,
        forward: bool,
        after: tuple[bytes, ...] | None,
        index: str | None = None,
    ) -> Iterator[StoredItem]: ...
    def scan(
        self, name: str, after: tuple[bytes, ...] | None, index: str | None = None
    ) -> Iterator[StoredItem]: ...

    def stream_records(self, name: str, label: str, after: int, limit: int) -> list[StreamRow]:
        """At most `limit` records of the table's stream `label`, sequence above `after`."""
        ...

    def last_sequence(self, name: str, label: str) -> int:
        """The stream's latest sequence number (0 if it has no record)."""
        ...

    def trim_streams(self, before: float) -> int:
        """Remove the stream records written before `before` (epoch seconds), raising their
        streams' trim horizons; say how many."""
        ...

    def trim_horizon(self, name: str, label: str) -> int:
        """The highest sequence number trimmed from the stream (0 if none was)."""
        ...

    def close(self) -> None: ...


def _sql_name(name: str, index: str | None = None) -> str:
    # Table and index names are [a-zA-Z0-9_.-]{3,255} (validated before this): quoting is safe.
    return f'"t:{name}"' if index is None else f'"i:{name}/{index}"'


class _Layout(msgspec.Struct, frozen=True):
    """A table's or an index's SQL table: its partition column and its order columns."""

    table: str
    partition: str
    order: tuple[str, ...]


def _layout(name: str, index: str | None) -> _Layout:
    if index is None:
        return _Layout(_sql_name(name), "pk", ("sk",))
    return _Layout(_sql_name(name, index), "ipk", ("isk", "pk", "sk"))


_STREAMS = stream_statements("?")


class SqliteTableStore:
    concurrent = False
    """One connection, one writer: operations run on the event loop's thread."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.execute("CREATE TABLE IF NOT EXISTS tables (name TEXT PRIMARY KEY, meta BLOB)")
        self._db.execute(
            "CREATE TABLE IF NOT EXISTS client_tokens "
            "(token TEXT PRIMARY KEY, recorded REAL NOT NULL, fingerprint BLOB NOT NULL)"
        )
        self._db.execute(
            "CREATE TABLE IF NOT EXISTS stream_records (seq INTEGER PRIMARY KEY AUTOINCREMENT, "
            "tbl TEXT NOT NULL, label TEXT NOT NULL, record BLOB NOT NULL)"
        )
        self._db.execute(
            "CREATE INDEX IF NOT EXISTS stream_records_by_stream "
            "ON stream_records (tbl, label, seq)"
        )
        columns = [row[1] for row in self._db.execute("PRAGMA table_info(stream_records)")]
        if "created" not in columns:
            # Records stored before retention was kept have no time: they are never trimmed.
            self._db.execute("ALTER TABLE stream_records ADD COLUMN created REAL")
        self._db.execute(
            "CREATE INDEX IF NOT EXISTS stream_records_by_time ON stream_records (created)"
        )
        self._db.execute(
            "CREATE TABLE IF NOT EXISTS stream_trims (tbl TEXT NOT NULL, label TEXT NOT NULL, "
            "through INTEGER NOT NULL, PRIMARY KEY (tbl, label))"
        )
        self._lock = threading.RLock()
        """Held by a write transaction, and by the stream reads that may come from another
        thread than the operations' (an event source mapping's poller on the loop while
        operations run on their thread): they never see a transaction in flight."""

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
                for index in meta.secondary_indexes:
                    self._create_index(meta.name, index.name)
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")
            return True

    def _create_index(self, name: str, index: str) -> None:
        self._db.execute(
            f"CREATE TABLE {_sql_name(name, index)} (ipk BLOB NOT NULL, isk BLOB NOT NULL, "
            "pk BLOB NOT NULL, sk BLOB NOT NULL, size INTEGER NOT NULL, item BLOB NOT NULL, "
            "PRIMARY KEY (ipk, isk, pk, sk)) WITHOUT ROWID"
        )

    def replace_table(self, meta: TableMeta, size: Callable[[Item], int]) -> None:
        """Store new metadata: drop the indexes it no longer has, build (backfill) new ones."""
        with self.transaction():
            dropped, added = index_changes(self.table(meta.name), meta)
            for name in dropped:
                self._db.execute(f"DROP TABLE {_sql_name(meta.name, name)}")
            self._db.execute(
                "UPDATE tables SET meta = ? WHERE name = ?", (_encoder.encode(meta), meta.name)
            )
            for index in added:
                self._create_index(meta.name, index.name)
                rows = list(self.scan(meta.name, None))
                for row in backfill_rows(meta, index, iter(rows)):
                    self._index(meta, index, (row.partition, row.sort), None, row.item, size)

    def table(self, name: str) -> TableMeta | None:
        with self._lock:
            row = self._db.execute("SELECT meta FROM tables WHERE name = ?", (name,)).fetchone()
        return None if row is None else msgspec.msgpack.decode(row[0], type=TableMeta)

    def table_names(self) -> list[str]:
        with self._lock:
            rows = self._db.execute("SELECT name FROM tables ORDER BY name").fetchall()
        return [row[0] for row in rows]

    def delete_table(self, name: str) -> None:
        with self._lock:
            meta = self.table(name)
            self._db.execute("BEGIN IMMEDIATE")
            self._db.execute("DELETE FROM tables WHERE name = ?", (name,))
            self._db.execute("DELETE FROM stream_records WHERE tbl = ?", (name,))
            self._db.execute("DELETE FROM stream_trims WHERE tbl = ?", (name,))
            self._db.execute(f"DROP TABLE IF EXISTS {_sql_name(name)}")
            for index in meta.secondary_indexes if meta is not None else ():
                self._db.execute(f"DROP TABLE IF EXISTS {_sql_name(name, index.name)}")
            self._db.execute("COMMIT")

    def stats(self, name: str, index: str | None = None) -> tuple[int, int]:
        sql = f"SELECT count(*), total(size) FROM {_sql_name(name, index)}"
        row = self._db.execute(sql).fetchone()
        return int(row[0]), int(row[1])

    def get(self, name: str, partition: bytes, sort: bytes) -> Item | None:
        sql = f"SELECT item FROM {_sql_name(name)} WHERE pk = ? AND sk = ?"
        row = self._db.execute(sql, (partition, sort)).fetchone()
        return None if row is None else _decode(row[0])

    def change(
        self, name: str, partition: bytes, sort: bytes, size: Callable[[Item], int], how: Change
    ) -> Item | None:
        """Apply `how` to the stored item in one transaction; return the old item."""
        with self.transaction() as writer:
            return writer.change(name, partition, sort, size, how)

    @contextmanager
    def transaction(self) -> Iterator[Writer]:
        """One SQLite write transaction, rolled back if the block raises."""
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield _SqliteWriter(self)
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")

    def _change(
        self,
        name: str,
        partition: bytes,
        sort: bytes,
        size: Callable[[Item], int],
        how: Change,
        by_service: bool = False,
    ) -> Item | None:
        """The change inside a transaction: the item, its entries in every index, and its
        stream record (in the same transaction, so the stream holds exactly the commits)."""
        meta = self.table(name)
        if meta is None:
            raise KeyError(name)
        old = self.get(name, partition, sort)
        new = how(old)
        table = _sql_name(name)
        if new is None:
            self._db.execute(f"DELETE FROM {table} WHERE pk = ? AND sk = ?", (partition, sort))
        else:
            self._db.execute(
                f"INSERT OR REPLACE INTO {table} VALUES (?, ?, ?, ?)",
                (partition, sort, size(new), _encoder.encode(new)),
            )
        for index in meta.secondary_indexes:
            self._index(meta, index, (partition, sort), old, new, size)
        if meta.stream_view_type is not None and meta.stream_label is not None:
            record = streams.record(meta, old, new, size, by_service=by_service, now=time.time())
            if record is not None:
                self._db.execute(
                    "INSERT INTO stream_records (tbl, label, created, record) VALUES (?, ?, ?, ?)",
                    (name, meta.stream_label, *pack_record(record)),
                )
        return old

    def stream_records(self, name: str, label: str, after: int, limit: int) -> list[StreamRow]:
        with self._lock:
            rows = self._db.execute(_STREAMS.records, (name, label, after, limit)).fetchall()
        return [StreamRow.stored(row[0], row[1]) for row in rows]

    def last_sequence(self, name: str, label: str) -> int:
        with self._lock:
            return int(self._db.execute(_STREAMS.last_sequence, (name, label)).fetchone()[0])

    def trim_streams(self, before: float) -> int:
        with self.transaction():
            self._db.execute(_STREAMS.raise_horizons, (before,))
            return self._db.execute(_STREAMS.trim, (before,)).rowcount

    def trim_horizon(self, name: str, label: str) -> int:
        with self._lock:
            row = self._db.execute(_STREAMS.trim_horizon, (name, label)).fetchone()
        return 0 if row is None else int(row[0])

    def _index(
        self,
        meta: TableMeta,
        index: IndexMeta,
        key: tuple[bytes, bytes],
        old: Item | None,
        new: Item | None,
        size: Callable[[Item], int],
    ) -> None:
        """Replace the old item's index entry (if any) by the new item's (if any)."""
        table = _sql_name(meta.name, index.name)
        before = None if old is None else entry(index, meta.key_names(), old)
        if before is not None:
            self._db.execute(
                f"DELETE FROM {table} WHERE ipk = ? AND isk = ? AND pk = ? AND sk = ?",
                (before.partition, before.sort, *key),
            )
        after = None if new is None else entry(index, meta.key_names(), new)
        if after is not None:
            self._db.execute(
                f"INSERT INTO {table} VALUES (?, ?, ?, ?, ?, ?)",
                (after.partition, after.sort, *key, size(after.item), _encoder.encode(after.item)),
            )

    def query(
        self,
        name: str,
        partition: bytes,
        bounds: SortRange,
        *,
        forward: bool,
        after: tuple[bytes, ...] | None,
        index: str | None = None,
    ) -> Iterator[StoredItem]:
        """A partition's rows in sort key order (reversed unless forward), after `after`.

        Index rows with equal index sort keys follow in the table's key order.
        """
        layout = _layout(name, index)
        sort = layout.order[0]
        where, args = key_conditions(layout.partition, sort, partition, bounds, "?")
        if after is not None:
            where.append(after_condition(layout.order, forward, "?"))
            args.extend(after)
        order = ", ".join(f"{column} {'ASC' if forward else 'DESC'}" for column in layout.order)
        yield from self._rows(layout, f"WHERE {' AND '.join(where)} ORDER BY {order}", args)

    def scan(
        self, name: str, after: tuple[bytes, ...] | None, index: str | None = None
    ) -> Iterator[StoredItem]:
        """Every row in (partition, sort) order, after the `after` position."""
        layout = _layout(name, index)
        columns = (layout.partition, *layout.order)
        where = "" if after is None else f"WHERE {after_condition(columns, True, '?')} "
        yield from self._rows(layout, f"{where}ORDER BY {', '.join(columns)}", after or ())

    def _rows(self, layout: _Layout, clauses: str, args: Sequence[object]) -> Iterator[StoredItem]:
        columns = ", ".join((layout.partition, *layout.order))
        sql = f"SELECT {columns}, item FROM {layout.table} {clauses}"
        for row in self._db.execute(sql, args):
            yield StoredItem(row[0], row[1], _decode(row[-1]))

    def close(self) -> None:
        self._db.close()


class _SqliteWriter:
    __slots__ = ("_store",)

    def __init__(self, store: SqliteTableStore) -> None:
        self._store = store

    def get(self, name: str, partition: bytes, sort: bytes) -> Item | None:
        return self._store.get(name, partition, sort)

    def change(
        self,
        name: str,
        partition: bytes,
        sort: bytes,
        size: Callable[[Item], int],
        how: Change,
        *,
        by_service: bool = False,
    ) -> Item | None:
        return self._store._change(name, partition, sort, size, how, by_service)

    def token(self, token: str) -> tuple[float, bytes] | None:
        # The write transaction (BEGIN IMMEDIATE) already excludes every other writer.
        sql = "SELECT recorded, fingerprint FROM client_tokens WHERE token = ?"
        row = self._store._db.execute(sql, (token,)).fetchone()
        return None if row is None else (float(row[0]), bytes(row[1]))

    def record_token(
        self, token: str, when: float, fingerprint: bytes, forget_before: float
    ) -> None:
        db = self._store._db
        db.execute("DELETE FROM client_tokens WHERE recorded < ?", (forget_before,))
        db.execute(
            "INSERT OR REPLACE INTO client_tokens VALUES (?, ?, ?)", (token, when, fingerprint)
        )


def _decode(blob: bytes) -> Item:
    return _decoder.decode(blob)
