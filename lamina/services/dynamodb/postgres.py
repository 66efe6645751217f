"""PostgresTableStore: the `TableStore` seam on PostgreSQL, for a cluster of Lamina nodes.

The layout mirrors the SQLite store, inside one PostgreSQL schema per Lamina state:
`tables` holds each table's metadata (msgpack, the same bytes SQLite keeps); each
DynamoDB table is one SQL table of (pk, sk, size, item) rows and each secondary index one
more of (ipk, isk, pk, sk, size, item) rows, the keys encoded by `keys.encode_key`.
PostgreSQL compares bytea bytewise (memcmp, then length), as SQLite compares BLOBs, so
ORDER BY and row-value comparisons follow DynamoDB's key order.
DynamoDB names run to 255 characters and PostgreSQL's identifiers to 63 bytes, so the SQL
tables are named by a digest of the DynamoDB names.

Isolation: READ COMMITTED, and a transaction-scoped advisory lock per item key taken
before the item is read. SERIALIZABLE would make every conflict a retry of the whole
operation (the `transaction()` block cannot be replayed by the store) and its predicate
locks on bytea ranges report false conflicts under load; SELECT ... FOR UPDATE cannot
lock a key that has no row yet, which a conditional put (attribute_not_exists) needs.
The advisory lock covers both: a writer of a key holds it until commit, and the read that
follows it sees every earlier commit. Writers also hold a shared advisory lock on their
table, which UpdateTable (adding an index, backfilled) and DeleteTable take exclusively,
so a writer never maintains an index list that is being changed. Advisory locks live in
memory: unlike SELECT ... FOR SHARE on the metadata row, they write no tuple.
A deadlock between two transactions locking keys in opposite orders is answered with
DynamoDB's TransactionConflictException; callers lock keys in sorted order to avoid it.

Streams: `stream_records` holds every table's records, as SQLite's table of that name,
written in the item change's transaction. Their sequence numbers come from one
PostgreSQL sequence, so they increase across streams and nodes as SQLite's AUTOINCREMENT
does. A reader resumes after the last number it saw, so within a stream numbers must be
committed in order: a writer appends its transaction's records only at its end, after
taking the stream's advisory lock (held to commit) and then drawing the numbers, so a
later number of the stream is never visible before an earlier one. The stream locks are
the last a transaction takes (in sorted order, after its item locks), so they add no
deadlock.
"""

from __future__ import annotations

import hashlib
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import msgspec
import psycopg
from psycopg import sql

from lamina.aws.service import ServiceError
from lamina.services.dynamodb import streams
from lamina.services.dynamodb.index import IndexMeta, entry
from lamina.services.dynamodb.store import (
    Change,
    SortRange,
    StoredItem,
    StreamRow,
    TableMeta,
    Writer,
    after_condition,
    backfill_rows,
    index_changes,
    key_conditions,
    pack_record,
    stream_statements,
)
from lamina.services.dynamodb.types import Item

_encoder = msgspec.msgpack.Encoder()
_decoder = msgspec.msgpack.Decoder(dict[str, dict[str, Any]])

MIGRATIONS: tuple[tuple[str, ...], ...] = (
    ("CREATE TABLE tables (name text PRIMARY KEY, meta bytea NOT NULL)",),
    (
        "CREATE TABLE client_tokens (token text PRIMARY KEY, "
        "recorded double precision NOT NULL, fingerprint bytea NOT NULL)",
        "CREATE INDEX client_tokens_recorded ON client_tokens (recorded)",
    ),
    (
        "CREATE SEQUENCE stream_sequence",
        "CREATE TABLE stream_records (seq bigint PRIMARY KEY, tbl text NOT NULL, "
        "label text NOT NULL, created double precision NOT NULL, record bytea NOT NULL)",
        "CREATE INDEX stream_records_by_stream ON stream_records (tbl, label, seq)",
        "CREATE INDEX stream_records_by_time ON stream_records (created)",
    ),
    (
        "CREATE TABLE stream_trims (tbl text NOT NULL, label text NOT NULL, "
        "through bigint NOT NULL, PRIMARY KEY (tbl, label))",
    ),
)
"""Schema migration N+1 is MIGRATIONS[N]; schema_version holds how many have run."""
FIRST_BATCH, LAST_BATCH = 32, 1024
"""Rows a read fetches per round trip: few at first (a Limit of 1 reads one page), more
while the caller keeps reading (a 1 MB page of small items)."""
BATCH_BYTES = 1024 * 1024
"""A batch grows only while its rows' size, as measured so far, stays near this: a page
of 400 KB items does not fetch a thousand of them."""


class PostgresTableStore:
    """Tables in `schema` of the database at `conninfo` (created and migrated on open)."""

    concurrent = True
    """Calls may come from several threads at once (see `_db`)."""

    def __init__(self, conninfo: str, schema: str) -> None:
        self._conninfo = conninfo
        self.schema = schema
        self._local = threading.local()
        self._connections: list[psycopg.Connection[tuple[Any, ...]]] = []
        self._connections_lock = threading.Lock()
        migrate(self._db, schema)

    def _connect(self) -> psycopg.Connection[tuple[Any, ...]]:
        db = psycopg.connect(self._conninfo, autocommit=True)
        db.execute(sql.SQL("SET search_path TO {}").format(sql.Identifier(self.schema)))
        return db

    @property
    def _db(self) -> psycopg.Connection[tuple[Any, ...]]:
        """This thread's connection, opened on first use and again if the server dropped
        it (a restart, a failover). One connection per thread: calls from several
        threads (`concurrent`) run side by side, each transaction on its thread's own."""
        db: psycopg.Connection[tuple[Any, ...]] | None = getattr(self._local, "db", None)
        if db is None or db.closed or db.broken:
            dropped, db = db, self._connect()
            self._local.db = db
            with self._connections_lock:
                if dropped is not None and dropped in self._connections:
                    self._connections.remove(dropped)
                    dropped.close()
                self._connections.append(db)
        return db

    def create_table(self, meta: TableMeta) -> bool:
        with self._db.transaction():
            created = self._db.execute(
                "INSERT INTO tables VALUES (%s, %s) ON CONFLICT DO NOTHING",
                (meta.name, _encoder.encode(meta)),
            )
            if created.rowcount == 0:
                return False
            self._db.execute(
                sql.SQL(
                    "CREATE TABLE {} (pk bytea NOT NULL, sk bytea NOT NULL, size integer NOT NULL,"
                    " item bytea NOT NULL, PRIMARY KEY (pk, sk))"
                ).format(_table(meta.name))
            )
            for index in meta.secondary_indexes:
                self._create_index(meta.name, index.name)
            return True

    def _create_index(self, name: str, index: str) -> None:
        self._db.execute(
            sql.SQL(
                "CREATE TABLE {} (ipk bytea NOT NULL, isk bytea NOT NULL, pk bytea NOT NULL, "
                "sk bytea NOT NULL, size integer NOT NULL, item bytea NOT NULL, "
                "PRIMARY KEY (ipk, isk, pk, sk))"
            ).format(_table(name, index))
        )

    def replace_table(self, meta: TableMeta, size: Callable[[Item], int]) -> None:
        """Store new metadata: drop the indexes it no longer has, build (backfill) new ones."""
        with self._db.transaction():
            self._db.execute(_LOCK_TABLE, (_table_lock(self.schema, meta.name),))
            dropped, added = index_changes(self._meta(meta.name), meta)
            for name in dropped:
                self._db.execute(sql.SQL("DROP TABLE {}").format(_table(meta.name, name)))
            self._db.execute(
                "UPDATE tables SET meta = %s WHERE name = %s", (_encoder.encode(meta), meta.name)
            )
            for index in added:
                self._create_index(meta.name, index.name)
                rows = list(self.scan(meta.name, None))
                for row in backfill_rows(meta, index, iter(rows)):
                    self._index(meta, index, (row.partition, row.sort), None, row.item, size)

    def table(self, name: str) -> TableMeta | None:
        return self._meta(name)

    def _meta(self, name: str) -> TableMeta | None:
        row = self._db.execute("SELECT meta FROM tables WHERE name = %s", (name,)).fetchone()
        return None if row is None else msgspec.msgpack.decode(row[0], type=TableMeta)

    def table_names(self) -> list[str]:
        rows = self._db.execute('SELECT name FROM tables ORDER BY name COLLATE "C"')
        return [row[0] for row in rows]

    def delete_table(self, name: str) -> None:
        with self._db.transaction():
            self._db.execute(_LOCK_TABLE, (_table_lock(self.schema, name),))
            meta = self._meta(name)
            self._db.execute("DELETE FROM tables WHERE name = %s", (name,))
            self._db.execute("DELETE FROM stream_records WHERE tbl = %s", (name,))
            self._db.execute("DELETE FROM stream_trims WHERE tbl = %s", (name,))
            self._db.execute(sql.SQL("DROP TABLE IF EXISTS {}").format(_table(name)))
            for index in meta.secondary_indexes if meta is not None else ():
                self._db.execute(
                    sql.SQL("DROP TABLE IF EXISTS {}").format(_table(name, index.name))
                )

    def stats(self, name: str, index: str | None = None) -> tuple[int, int]:
        query = sql.SQL("SELECT count(*), coalesce(sum(size), 0) FROM {}").format(
            _table(name, index)
        )
        row = self._db.execute(query).fetchone()
        assert row is not None  # an aggregate always answers one row
        return int(row[0]), int(row[1])

    def get(self, name: str, partition: bytes, sort: bytes) -> Item | None:
        query = sql.SQL("SELECT item FROM {} WHERE pk = %s AND sk = %s").format(_table(name))
        row = self._db.execute(query, (partition, sort)).fetchone()
        return None if row is None else _decoder.decode(row[0])

    def change(
        self, name: str, partition: bytes, sort: bytes, size: Callable[[Item], int], how: Change
    ) -> Item | None:
        """Apply `how` to the stored item in one transaction; return the old item."""
        with self.transaction() as writer:
            return writer.change(name, partition, sort, size, how)

    @contextmanager
    def transaction(self) -> Iterator[Writer]:
        """One PostgreSQL transaction, rolled back if the block raises."""
        try:
            with self._db.transaction():
                writer = _PostgresWriter(self)
                yield writer
                self._append_records(writer.records)
        except (psycopg.errors.DeadlockDetected, psycopg.errors.SerializationFailure) as error:
            # https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/CommonErrors.html
            raise ServiceError(
                "TransactionConflictException",
                "Transaction is ongoing for the item",
                status=400,
            ) from error

    def _change(
        self,
        name: str,
        partition: bytes,
        sort: bytes,
        size: Callable[[Item], int],
        how: Change,
        records: list[_PendingRecord],
        by_service: bool = False,
    ) -> Item | None:
        """The change inside a transaction: lock the key, then the item and its index
        entries; its stream record joins `records`, appended when the transaction ends."""
        # Lock first; the next statement's snapshot then sees every earlier commit.
        self._db.execute(
            "SELECT pg_advisory_xact_lock_shared(%s), pg_advisory_xact_lock(%s)",
            (_table_lock(self.schema, name), self._lock_id(name, partition, sort)),
        )
        meta, old = self._meta_and_item(name, partition, sort)
        new = how(old)
        table = _table(name)
        if new is None:
            query = sql.SQL("DELETE FROM {} WHERE pk = %s AND sk = %s").format(table)
            self._db.execute(query, (partition, sort))
        else:
            query = sql.SQL(
                "INSERT INTO {} VALUES (%s, %s, %s, %s) ON CONFLICT (pk, sk) "
                "DO UPDATE SET size = excluded.size, item = excluded.item"
            ).format(table)
            self._db.execute(query, (partition, sort, size(new), _encoder.encode(new)))
        for index in meta.secondary_indexes:
            self._index(meta, index, (partition, sort), old, new, size)
        if meta.stream_view_type is not None and meta.stream_label is not None:
            record = streams.record(meta, old, new, size, by_service=by_service, now=time.time())
            if record is not None:
                records.append(_PendingRecord(name, meta.stream_label, *pack_record(record)))
        return old

    def _append_records(self, records: list[_PendingRecord]) -> None:
        """A transaction's stream records, numbered in order under their streams' locks
        (see the module's docstring)."""
        if not records:
            return
        for name, label in sorted({(record.table, record.label) for record in records}):
            self._db.execute(_LOCK_TABLE, (_stream_lock(self.schema, name, label),))
        with self._db.cursor() as cursor:
            cursor.executemany(
                _APPEND_RECORD, [(r.table, r.label, r.created, r.record) for r in records]
            )

    def _meta_and_item(
        self, name: str, partition: bytes, sort: bytes
    ) -> tuple[TableMeta, Item | None]:
        """The table's metadata and the stored item, in one round trip."""
        query = sql.SQL(
            "SELECT meta, (SELECT item FROM {} WHERE pk = %s AND sk = %s) "
            "FROM tables WHERE name = %s"
        ).format(_table(name))
        try:
            row = self._db.execute(query, (partition, sort, name)).fetchone()
        except psycopg.errors.UndefinedTable as error:  # deleted since the caller looked
            raise KeyError(name) from error
        if row is None:
            raise KeyError(name)
        meta = msgspec.msgpack.decode(row[0], type=TableMeta)
        return meta, None if row[1] is None else _decoder.decode(row[1])

    def _lock_id(self, name: str, partition: bytes, sort: bytes) -> int:
        """The item's advisory lock: 64 bits of a digest (a collision only serializes)."""
        digest = hashlib.blake2b(digest_size=8)
        for part in (self.schema.encode(), name.encode(), partition, sort):
            digest.update(len(part).to_bytes(4, "big") + part)
        return int.from_bytes(digest.digest(), "big", signed=True)

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
        table = _table(meta.name, index.name)
        before = None if old is None else entry(index, meta.key_names(), old)
        if before is not None:
            query = sql.SQL(
                "DELETE FROM {} WHERE ipk = %s AND isk = %s AND pk = %s AND sk = %s"
            ).format(table)
            self._db.execute(query, (before.partition, before.sort, *key))
        after = None if new is None else entry(index, meta.key_names(), new)
        if after is not None:
            query = sql.SQL("INSERT INTO {} VALUES (%s, %s, %s, %s, %s, %s)").format(table)
            self._db.execute(
                query,
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
        partition_column, order = ("pk", ("sk",)) if index is None else ("ipk", ("isk", "pk", "sk"))
        sort = order[0]
        where, args = key_conditions(partition_column, sort, partition, bounds, "%s")
        yield from self._pages(
            _Read(_table(name, index), partition_column, order, forward, where, args), after
        )

    def scan(
        self, name: str, after: tuple[bytes, ...] | None, index: str | None = None
    ) -> Iterator[StoredItem]:
        """Every row in (partition, sort) order, after the `after` position."""
        columns = ("pk", "sk") if index is None else ("ipk", "isk", "pk", "sk")
        yield from self._pages(_Read(_table(name, index), None, columns, True, [], []), after)

    def _pages(self, read: _Read, after: tuple[bytes, ...] | None) -> Iterator[StoredItem]:
        """The rows of `read`, fetched a batch at a time, each batch resuming after the last.

        Each batch is one statement (no cursor held open between them), so a caller that
        stops early leaves nothing behind.
        """
        batch = FIRST_BATCH
        while True:
            rows = self._db.execute(read.statement(after, batch), read.args(after)).fetchall()
            for row in rows:
                yield StoredItem(row[0], row[1], _decoder.decode(row[-1]))
            if len(rows) < batch:
                return
            after = tuple(rows[-1][len(read.selected) - len(read.order) : -1])
            average = sum(len(row[-1]) for row in rows) / len(rows)
            batch = max(1, min(batch * 2, LAST_BATCH, int(BATCH_BYTES / average)))

    def stream_records(self, name: str, label: str, after: int, limit: int) -> list[StreamRow]:
        rows = self._db.execute(_STREAMS.records.encode(), (name, label, after, limit))
        return [StreamRow.stored(row[0], row[1]) for row in rows]

    def last_sequence(self, name: str, label: str) -> int:
        row = self._db.execute(_STREAMS.last_sequence.encode(), (name, label)).fetchone()
        assert row is not None  # an aggregate always answers one row
        return int(row[0])

    def trim_streams(self, before: float) -> int:
        with self._db.transaction():
            self._db.execute(_STREAMS.raise_horizons.encode(), (before,))
            return self._db.execute(_STREAMS.trim.encode(), (before,)).rowcount

    def trim_horizon(self, name: str, label: str) -> int:
        row = self._db.execute(_STREAMS.trim_horizon.encode(), (name, label)).fetchone()
        return 0 if row is None else int(row[0])

    def close(self) -> None:
        with self._connections_lock:
            for db in self._connections:
                db.close()
            self._connections.clear()


class _Read(msgspec.Struct, frozen=True):
    """One ordered read: a table, an optional partition, the order columns and filters."""

    table: sql.Composable
    partition: str | None
    order: tuple[str, ...]
    forward: bool
    where: list[str]
    where_args: list[object]

    @property
    def selected(self) -> tuple[str, ...]:
        return self.order if self.partition is None else (self.partition, *self.order)

    def statement(self, after: tuple[bytes, ...] | None, limit: int) -> sql.Composed:
        where = list(self.where)
        if after is not None:
            where.append(after_condition(self.order, self.forward, "%s"))
        direction = "ASC" if self.forward else "DESC"
        text = (
            f"SELECT {', '.join(self.selected)}, item FROM {{}} "
            + (f"WHERE {' AND '.join(where)} " if where else "")
            + f"ORDER BY {', '.join(f'{column} {direction}' for column in self.order)} "
            + f"LIMIT {int(limit)}"
        )
        return sql.SQL(text).format(self.table)

    def args(self, after: tuple[bytes, ...] | None) -> list[object]:
        return [*self.where_args, *(after or ())]


class _PendingRecord(msgspec.Struct, frozen=True):
    """A stream record of the transaction, not yet numbered."""

    table: str
    label: str
    created: float
    record: bytes


class _PostgresWriter:
    __slots__ = ("_store", "records")

    def __init__(self, store: PostgresTableStore) -> None:
        self._store = store
        self.records: list[_PendingRecord] = []

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
        return self._store._change(name, partition, sort, size, how, self.records, by_service)

    def token(self, token: str) -> tuple[float, bytes] | None:
        store = self._store
        digest = hashlib.blake2b(f"lamina-token\0{store.schema}\0{token}".encode(), digest_size=8)
        lock = int.from_bytes(digest.digest(), "big", signed=True)
        store._db.execute("SELECT pg_advisory_xact_lock(%s)", (lock,))
        sql_text = "SELECT recorded, fingerprint FROM client_tokens WHERE token = %s"
        row = store._db.execute(sql_text, (token,)).fetchone()
        return None if row is None else (float(row[0]), bytes(row[1]))

    def record_token(
        self, token: str, when: float, fingerprint: bytes, forget_before: float
    ) -> None:
        db = self._store._db
        db.execute("DELETE FROM client_tokens WHERE recorded < %s", (forget_before,))
        db.execute(
            "INSERT INTO client_tokens VALUES (%s, %s, %s) ON CONFLICT (token) "
            "DO UPDATE SET recorded = excluded.recorded, fingerprint = excluded.fingerprint",
            (token, when, fingerprint),
        )


def _table(name: str, index: str | None = None) -> sql.Identifier:
    """The SQL table of a DynamoDB table or of one of its indexes."""
    if index is None:
        return sql.Identifier("t_" + hashlib.sha256(name.encode()).hexdigest()[:40])
    digest = hashlib.sha256(f"{name}\0{index}".encode()).hexdigest()[:40]
    return sql.Identifier("i_" + digest)


def migrate(db: psycopg.Connection[tuple[Any, ...]], schema: str) -> None:
    """Create `schema` if needed and run the migrations it has not run yet, in one
    transaction under an advisory lock, so nodes starting together migrate it once."""
    with db.transaction():
        db.execute("SELECT pg_advisory_xact_lock(%s)", (_schema_lock(schema),))
        db.execute(sql.SQL("CREATE SCHEMA IF NOT EXISTS {}").format(sql.Identifier(schema)))
        db.execute("CREATE TABLE IF NOT EXISTS schema_version (version integer NOT NULL)")
        row = db.execute("SELECT version FROM schema_version").fetchone()
        version = 0 if row is None else int(row[0])
        if version > len(MIGRATIONS):
            raise RuntimeError(
                f"PostgreSQL schema {schema} is at version {version}, newer than this Lamina "
                f"knows ({len(MIGRATIONS)}): upgrade Lamina"
            )
        for statements in MIGRATIONS[version:]:
            for statement in statements:
                db.execute(statement.encode())
        if row is None:
            db.execute("INSERT INTO schema_version VALUES (%s)", (len(MIGRATIONS),))
        else:
            db.execute("UPDATE schema_version SET version = %s", (len(MIGRATIONS),))


_APPEND_RECORD = (
    "INSERT INTO stream_records (seq, tbl, label, created, record) "
    "SELECT nextval('stream_sequence'), n.tbl, n.label, greatest(n.created, coalesce(("
    "SELECT created FROM stream_records WHERE tbl = n.tbl AND label = n.label "
    "ORDER BY seq DESC LIMIT 1), n.created)), n.record "
    "FROM (VALUES (%s, %s, %s::double precision, %s::bytea)) AS n (tbl, label, created, record)"
)
"""Number a record under its stream's lock, its `created` (the time `trim_streams` goes
by) raised to its stream's last: a transaction's records get their time at its changes
but their numbers at its end, so without it a writer committing after a younger record's
could number an older one after it, and trimming the older (its number the horizon) would
hide the younger from every reader. Kept in number order, a trim removes a prefix of the
stream, never a record younger than 24 hours (one held back goes with the one before it)."""

_LOCK_TABLE = "SELECT pg_advisory_xact_lock(%s)"
"""Taken with a table's `_table_lock` by the changes of its metadata (exclusive)."""


def _table_lock(schema: str, name: str) -> int:
    """A table's advisory lock: shared by item writers, exclusive for metadata changes."""
    digest = hashlib.blake2b(f"lamina-table\0{schema}\0{name}".encode(), digest_size=8)
    return int.from_bytes(digest.digest(), "big", signed=True)


def _stream_lock(schema: str, name: str, label: str) -> int:
    """A stream's advisory lock, held by a writer from numbering its records to commit."""
    digest = hashlib.blake2b(f"lamina-stream\0{schema}\0{name}\0{label}".encode(), digest_size=8)
    return int.from_bytes(digest.digest(), "big", signed=True)


def _schema_lock(schema: str) -> int:
    digest = hashlib.blake2b(b"lamina-schema\0" + schema.encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


def drop_schema(conninfo: str, schema: str) -> None:
    """Remove a schema and every table in it (tests, and `lamina` state resets)."""
    with psycopg.connect(conninfo, autocommit=True) as db:
        db.execute(sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(sql.Identifier(schema)))


_STREAMS = stream_statements("%s")
