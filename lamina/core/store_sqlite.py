"""SqliteStore: the control plane's records in one SQLite file (WAL), the default Store.

Layout: `records(seq, kind, key, value)`, `seq` an autoincrementing rowid given when a
(kind, key) is first put and kept when it is replaced, so a kind scans in first-put order;
`store_version(version)` holds the schema version (how far MIGRATIONS have run).

Writers: `BEGIN IMMEDIATE` takes SQLite's write lock at the start of the transaction, so
writers from every process are serialized and each reads the state the previous one
committed (a writer waits up to the busy timeout, then StoreError). Readers never wait for
a writer of another process (WAL) and see only committed state.
Commits are `synchronous=FULL`: control-plane writes are rare, and an answered
CreateDeployment should survive a power cut, not only a kill.

One connection per store, guarded by a re-entrant lock: the event loop's thread and
executor threads take turns, and a transaction holds the lock until it ends, so another
thread's reads wait for the commit rather than see the writes in flight. A transaction
opened inside another on the same thread is a savepoint of the outer one.
Do not `await` inside a transaction: the loop's other tasks share its thread.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from typing import Any

from lamina.core.sqlite import open_database
from lamina.core.store import (
    Migration,
    StoreError,
    Transaction,
    check_version,
    open_transaction,
)

MIGRATIONS: tuple[Migration, ...] = (
    Migration(
        1,
        (
            "CREATE TABLE records (seq INTEGER PRIMARY KEY AUTOINCREMENT, kind TEXT NOT NULL,"
            " key TEXT NOT NULL, value BLOB NOT NULL, UNIQUE (kind, key))",
            # (kind) indexes (kind, rowid): a kind's records in seq order.
            "CREATE INDEX records_kind ON records (kind)",
        ),
    ),
)
"""Every schema version, in order; opening a store runs the ones it has not run."""

FILE_NAME = "control.sqlite3"


class SqliteStore:
    """The records in the SQLite file at `path` (created and migrated on open)."""

    def __init__(self, path: Path, *, migrations: Sequence[Migration] = MIGRATIONS) -> None:
        self.path = path
        self._lock = threading.RLock()
        self._depth = 0
        try:
            self._db = open_database(path, synchronous="FULL")
        except (OSError, sqlite3.Error) as error:
            raise StoreError(f"cannot open the store {path}: {error}") from error
        try:
            self.schema_version = self._migrate(migrations)
        except BaseException:
            self._db.close()
            raise

    def _migrate(self, migrations: Sequence[Migration]) -> int:
        """Run each migration the file has not run, each in its own transaction; the
        version is read again inside it, so processes opening together migrate once.
        A file already at the current version is only read: opening it never waits for
        another process's transaction."""
        where = str(self.path)
        found = self._version()
        check_version(found, migrations, where)
        for migration in migrations:
            if found >= migration.version:
                continue
            with self._write():
                self._run("CREATE TABLE IF NOT EXISTS store_version (version INTEGER NOT NULL)")
                found = self._version()
                check_version(found, migrations, where)
                if found >= migration.version:
                    continue
                for statement in migration.statements:
                    self._run(statement)
                self._run("DELETE FROM store_version")
                self._run("INSERT INTO store_version VALUES (?)", (migration.version,))
                found = migration.version
        return found

    def _version(self) -> int:
        """The schema version: 0 for a new file (no store_version table yet)."""
        if not self._run(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'store_version'"
        ):
            return 0
        rows = self._run("SELECT version FROM store_version")
        return int(rows[0][0]) if rows else 0

    def _run(self, statement: str, params: Sequence[Any] = ()) -> list[Any]:
        """Execute one statement under the lock; SQLite's errors become StoreError."""
        with self._lock:
            try:
                return self._db.execute(statement, params).fetchall()
            except sqlite3.Error as error:
                raise StoreError(f"the store {self.path}: {error}") from error

    def get(self, kind: str, key: str) -> bytes | None:
        rows = self._run("SELECT value FROM records WHERE kind = ? AND key = ?", (kind, key))
        return bytes(rows[0][0]) if rows else None

    def scan(self, kind: str, prefix: str = "") -> list[tuple[str, bytes]]:
        if prefix:
            # key >= prefix narrows the (kind, key) index; substr keeps exactly the prefixed.
            rows = self._run(
                "SELECT key, value FROM records WHERE kind = ? AND key >= ?"
                " AND substr(key, 1, ?) = ? ORDER BY seq",
                (kind, prefix, len(prefix), prefix),
            )
        else:
            rows = self._run("SELECT key, value FROM records WHERE kind = ? ORDER BY seq", (kind,))
        return [(key, bytes(value)) for key, value in rows]

    def kinds(self) -> list[str]:
        return [kind for (kind,) in self._run("SELECT DISTINCT kind FROM records ORDER BY kind")]

    def transaction(self) -> AbstractContextManager[Transaction]:
        return open_transaction(self, self._write())

    @contextmanager
    def _write(self) -> Iterator[None]:
        """BEGIN IMMEDIATE … COMMIT, or ROLLBACK if the block raises; nested: a savepoint."""
        with self._lock:
            if self._depth:
                yield from self._savepoint()
                return
            self._run("BEGIN IMMEDIATE")
            self._depth = 1
            try:
                yield
                self._run("COMMIT")
            except BaseException:
                if self._db.in_transaction:
                    self._db.execute("ROLLBACK")
                raise
            finally:
                self._depth = 0

    def _savepoint(self) -> Iterator[None]:
        name = f"nested_{self._depth}"
        self._run(f"SAVEPOINT {name}")
        self._depth += 1
        try:
            yield
        except BaseException:
            self._run(f"ROLLBACK TO {name}")
            raise
        finally:
            self._depth -= 1
            self._run(f"RELEASE {name}")

    def _put_row(self, kind: str, key: str, value: bytes) -> None:
        # An upsert updates the row in place: the record keeps its seq (its scan position).
        self._run(
            "INSERT INTO records (kind, key, value) VALUES (?, ?, ?)"
            " ON CONFLICT (kind, key) DO UPDATE SET value = excluded.value",
            (kind, key, value),
        )

    def _delete_row(self, kind: str, key: str) -> bool:
        rows = self._run(
            "DELETE FROM records WHERE kind = ? AND key = ? RETURNING seq", (kind, key)
        )
        return bool(rows)

    def _delete_rows(self, kind: str, prefix: str) -> int:
        rows = self._run(
            "DELETE FROM records WHERE kind = ? AND key >= ? AND substr(key, 1, ?) = ?"
            " RETURNING seq",
            (kind, prefix, len(prefix), prefix),
        )
        return len(rows)

    def close(self) -> None:
        with self._lock:
            self._db.close()
