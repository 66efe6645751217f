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
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from lamina.core.sqlite import open_database
from lamina.core.store import Migration, StoreError
from lamina.core.store_sql import SqlStore

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


class SqliteStore(SqlStore):
    """The records in the SQLite file at `path` (created and migrated on open)."""

    placeholder = "?"

    def __init__(self, path: Path, *, migrations: Sequence[Migration] = MIGRATIONS) -> None:
        self.path = path
        self.where = str(path)
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

    def _create_version_table(self) -> None:
        self._run("CREATE TABLE IF NOT EXISTS store_version (version INTEGER NOT NULL)")

    def _version(self) -> int:
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

    def _prefixed(self, prefix: str) -> tuple[str, tuple[Any, ...]]:
        # substr keeps exactly the prefixed keys.
        return "key >= ? AND substr(key, 1, ?) = ?", (prefix, len(prefix), prefix)

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

    def close(self) -> None:
        with self._lock:
            self._db.close()
