"""SqlStore: what the SQL backends of Store (SQLite, PostgreSQL) share: the `records`
table's reads and row writes, and running the migrations a store has not run.

A backend gives its parameter placeholder, its way of running one statement and of
opening a write transaction, and the few statements its SQL dialect words differently.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from contextlib import AbstractContextManager
from typing import Any, ClassVar

from lamina.core.store import Migration, Transaction, check_version, open_transaction


class SqlStore(ABC):
    """A Store on one SQL connection, `records(seq, kind, key, value)` in first-put order."""

    placeholder: ClassVar[str]
    """The driver's parameter placeholder: `?` (sqlite3) or `%s` (psycopg)."""

    where: str
    """Where the store is, for messages."""

    @abstractmethod
    def _run(self, statement: str, params: Sequence[Any] = ()) -> list[Any]:
        """Execute one statement; the driver's errors become StoreError."""

    @abstractmethod
    def _write(self) -> AbstractContextManager[None]:
        """A write transaction (nested: a savepoint), rolled back if its block raises."""

    @abstractmethod
    def _version(self) -> int:
        """The schema version: 0 for a new store (no store_version table yet)."""

    @abstractmethod
    def _create_version_table(self) -> None:
        """Create store_version (and what holds it) if it is not there yet."""

    @abstractmethod
    def _prefixed(self, prefix: str) -> tuple[str, tuple[Any, ...]]:
        """The condition (and its parameters) keeping exactly the keys that start with
        `prefix`; it starts `key >= prefix` so it narrows the (kind, key) index."""

    def _migrate(self, migrations: Sequence[Migration]) -> int:
        """Run each migration the store has not run, each in its own write transaction;
        the version is read again inside it (under the writers' lock), so processes or
        nodes opening together migrate once. A store already at the current version is
        only read: opening it never waits for another writer's transaction."""
        found = self._version()
        check_version(found, migrations, self.where)
        for migration in migrations:
            if found >= migration.version:
                continue
            with self._write():
                self._create_version_table()
                found = self._version()
                check_version(found, migrations, self.where)
                if found >= migration.version:
                    continue
                for statement in migration.statements:
                    self._run(statement)
                self._run("DELETE FROM store_version")
                self._run(
                    f"INSERT INTO store_version VALUES ({self.placeholder})", (migration.version,)
                )
                found = migration.version
        return found

    def get(self, kind: str, key: str) -> bytes | None:
        p = self.placeholder
        rows = self._run(f"SELECT value FROM records WHERE kind = {p} AND key = {p}", (kind, key))
        return bytes(rows[0][0]) if rows else None

    def scan(self, kind: str, prefix: str = "") -> list[tuple[str, bytes]]:
        where, args = f"kind = {self.placeholder}", (kind,)
        if prefix:
            condition, params = self._prefixed(prefix)
            where, args = f"{where} AND {condition}", (*args, *params)
        rows = self._run(f"SELECT key, value FROM records WHERE {where} ORDER BY seq", args)
        return [(key, bytes(value)) for key, value in rows]

    def kinds(self) -> list[str]:
        return [kind for (kind,) in self._run("SELECT DISTINCT kind FROM records ORDER BY kind")]

    def transaction(self) -> AbstractContextManager[Transaction]:
        return open_transaction(self, self._write())

    def _put_row(self, kind: str, key: str, value: bytes) -> None:
        # An upsert updates the row in place: the record keeps its seq (its scan position).
        p = self.placeholder
        self._run(
            f"INSERT INTO records (kind, key, value) VALUES ({p}, {p}, {p})"
            " ON CONFLICT (kind, key) DO UPDATE SET value = excluded.value",
            (kind, key, value),
        )

    def _delete_row(self, kind: str, key: str) -> bool:
        p = self.placeholder
        rows = self._run(
            f"DELETE FROM records WHERE kind = {p} AND key = {p} RETURNING seq", (kind, key)
        )
        return bool(rows)

    def _delete_rows(self, kind: str, prefix: str) -> int:
        condition, params = self._prefixed(prefix)
        rows = self._run(
            f"DELETE FROM records WHERE kind = {self.placeholder} AND {condition} RETURNING seq",
            (kind, *params),
        )
        return len(rows)
