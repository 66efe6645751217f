"""PostgresStore: the control plane's records in a PostgreSQL schema, for a cluster of
Lamina nodes that all read (and write) one store.

Layout (inside the state's own schema): `records(seq bigserial, kind, key, value bytea)`,
`seq` given when a (kind, key) is first put and kept when it is replaced, so a kind scans
in first-put order; `store_version(version)` holds the schema version. Keys compare in
the "C" collation (code point order, as SQLite and Python do).

Writers: READ COMMITTED, and every write transaction first takes one transaction-scoped
advisory lock of the schema, so writers of every node are serialized and each one's
statements, run after the lock, see every earlier commit (a read-modify-write never loses
an update). SERIALIZABLE would make conflicts retries, and a `transaction()` block
cannot be replayed by the store. Readers never wait and see only committed state.
A writer that dies mid-transaction (kill -9) loses its connection: the server rolls the
transaction back and releases the lock.

One connection per store, guarded by a re-entrant lock, as in SqliteStore: threads take
turns, a transaction holds the lock until it ends, a nested transaction is a savepoint.
A connection the server dropped (restart, failover) is replaced at the next call outside
a transaction.
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import psycopg
from psycopg import sql
from psycopg.conninfo import conninfo_to_dict

from lamina.core.store import Migration, StoreError
from lamina.core.store_sql import SqlStore

MIGRATIONS: tuple[Migration, ...] = (
    Migration(
        1,
        (
            'CREATE TABLE records (seq bigserial PRIMARY KEY, kind text COLLATE "C" NOT NULL,'
            ' key text COLLATE "C" NOT NULL, value bytea NOT NULL, UNIQUE (kind, key))',
            "CREATE INDEX records_kind ON records (kind, seq)",
        ),
    ),
)
"""Every schema version, in order; opening a store runs the ones it has not run."""

CONNECT_TIMEOUT = 5
"""Seconds to reach the server, unless the URL sets connect_timeout."""

Connection = psycopg.Connection[tuple[Any, ...]]


class PostgresStore(SqlStore):
    """The records in `schema` of the database at `conninfo` (created and migrated on open)."""

    placeholder = "%s"

    def __init__(
        self, conninfo: str, schema: str, *, migrations: Sequence[Migration] = MIGRATIONS
    ) -> None:
        self.schema = schema
        self.where = f"{public_url(conninfo)} (schema {schema})"
        """Where the store is, for messages: the URL without its password."""
        self._conninfo = conninfo
        self._password = str(conninfo_to_dict(conninfo).get("password") or "")
        self._lock = threading.RLock()
        self._depth = 0
        self._closed = False
        self._advisory = _lock_id(schema)
        self._db = self._connect()
        try:
            self.schema_version = self._migrate(migrations)
        except BaseException:
            self._db.close()
            raise

    def _connect(self) -> Connection:
        if self._closed:
            raise StoreError(f"the store at PostgreSQL {self.where} is closed")
        options: dict[str, Any] = {}
        if "connect_timeout" not in conninfo_to_dict(self._conninfo):
            options["connect_timeout"] = CONNECT_TIMEOUT
        try:
            db = psycopg.connect(self._conninfo, autocommit=True, **options)
            db.execute(sql.SQL("SET search_path TO {}").format(sql.Identifier(self.schema)))
        except psycopg.Error as error:
            raise self._error("cannot open the store at", error) from error
        return db

    def _reconnect(self) -> None:
        dropped, self._db = self._db, self._connect()
        dropped.close()

    def _error(self, what: str, error: psycopg.Error) -> StoreError:
        detail = str(error).strip()
        if self._password:
            detail = detail.replace(self._password, "***")
        return StoreError(f"{what} PostgreSQL {self.where}: {detail}")

    def _create_version_table(self) -> None:
        self._run(sql.SQL("CREATE SCHEMA IF NOT EXISTS {}").format(sql.Identifier(self.schema)))
        self._run("CREATE TABLE IF NOT EXISTS store_version (version integer NOT NULL)")

    def _version(self) -> int:
        (exists,) = self._run("SELECT to_regclass('store_version') IS NOT NULL")[0]
        if not exists:
            return 0
        rows = self._run("SELECT version FROM store_version")
        return int(rows[0][0]) if rows else 0

    def _run(
        self, statement: str | bytes | sql.Composable, params: Sequence[Any] = ()
    ) -> list[tuple[Any, ...]]:
        """Execute one statement under the lock; psycopg's errors become StoreError."""
        with self._lock:
            if self._depth == 0 and (self._db.closed or self._db.broken):
                self._reconnect()
            try:
                return self._execute(statement, params)
            except psycopg.OperationalError as error:
                if self._depth or not self._db.broken:
                    raise self._error("the store at", error) from error
            except psycopg.Error as error:
                raise self._error("the store at", error) from error
            # The server dropped the connection between transactions: once more, on a new one.
            self._reconnect()
            try:
                return self._execute(statement, params)
            except psycopg.Error as error:
                raise self._error("the store at", error) from error

    def _execute(
        self, statement: str | bytes | sql.Composable, params: Sequence[Any]
    ) -> list[tuple[Any, ...]]:
        cursor = self._db.execute(statement, params)  # type: ignore[arg-type]
        return cursor.fetchall() if cursor.description is not None else []

    def _prefixed(self, prefix: str) -> tuple[str, tuple[Any, ...]]:
        # starts_with keeps exactly the prefixed keys.
        return "key >= %s AND starts_with(key, %s)", (prefix, prefix)

    @contextmanager
    def _write(self) -> Iterator[None]:
        """A transaction holding the writers' advisory lock, committed when the block ends
        and rolled back if it raises; nested: a savepoint (psycopg nests them)."""
        with self._lock:
            outermost = self._depth == 0
            if outermost and (self._db.closed or self._db.broken):
                self._reconnect()
            self._depth += 1
            try:
                with self._db.transaction():
                    if outermost:
                        self._run("SELECT pg_advisory_xact_lock(%s)", (self._advisory,))
                    yield
            except psycopg.Error as error:  # BEGIN, COMMIT, SAVEPOINT: the block's are StoreError
                raise self._error("the store at", error) from error
            finally:
                self._depth -= 1

    def close(self) -> None:
        with self._lock:
            self._closed = True
            self._db.close()


def public_url(conninfo: str) -> str:
    """`conninfo` without its password (and without query parameters, which may hold one)."""
    parts = urlsplit(conninfo)
    host = parts.hostname or "localhost"
    netloc = f"{parts.username}@{host}" if parts.username else host
    if parts.port:
        netloc += f":{parts.port}"
    return urlunsplit((parts.scheme, netloc, parts.path, "", ""))


def drop_schema(conninfo: str, schema: str) -> None:
    """Remove a store's schema and every record in it (tests, state resets)."""
    try:
        with psycopg.connect(conninfo, autocommit=True) as db:
            db.execute(sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(sql.Identifier(schema)))
    except psycopg.Error as error:
        raise StoreError(
            f"cannot drop schema {schema} at {public_url(conninfo)}: {error}"
        ) from error


def _lock_id(schema: str) -> int:
    """The schema's writers' advisory lock: 64 bits of a digest."""
    digest = hashlib.blake2b(b"lamina-store\0" + schema.encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)
