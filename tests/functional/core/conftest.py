"""The Store backends every store test runs on: SQLite and PostgreSQL (the real server at
127.0.0.1:5432, or LAMINA_TEST_POSTGRES_URL).

A PostgreSQL test gets a schema of its own (named with the xdist worker and a random
suffix, so parallel workers never share one), dropped when the test ends.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator, Sequence
from pathlib import Path

import pytest

from lamina.core.store import Migration, Store
from lamina.core.store_open import open_store
from lamina.core.store_postgres import MIGRATIONS as POSTGRES_MIGRATIONS
from lamina.core.store_postgres import PostgresStore, drop_schema
from lamina.core.store_sqlite import FILE_NAME, SqliteStore
from lamina.core.store_sqlite import MIGRATIONS as SQLITE_MIGRATIONS

POSTGRES_URL = os.environ.get(
    "LAMINA_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test"
)


class Backend:
    """One test's store on one backend; every `open()` is another connection to it."""

    def __init__(self, kind: str, state_dir: Path) -> None:
        self.kind = kind
        self.state_dir = state_dir
        worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
        self.schema = f"lamina_test_{worker}_{uuid.uuid4().hex[:12]}"
        self.url = None if kind == "sqlite" else f"{POSTGRES_URL}?schema={self.schema}"
        self.migrations: tuple[Migration, ...] = (
            SQLITE_MIGRATIONS if kind == "sqlite" else POSTGRES_MIGRATIONS
        )
        self._opened: list[Store] = []

    def open(self, migrations: Sequence[Migration] | None = None) -> Store:
        """The store through open_store, or with other migrations than the backend's."""
        store: Store
        if migrations is None:
            store = open_store(self.url, self.state_dir)
        elif self.kind == "sqlite":
            store = SqliteStore(self.state_dir / FILE_NAME, migrations=migrations)
        else:
            store = PostgresStore(POSTGRES_URL, self.schema, migrations=migrations)
        self._opened.append(store)
        return store

    def version(self, store: Store) -> int:
        assert isinstance(store, SqliteStore | PostgresStore)
        return store.schema_version

    def cleanup(self) -> None:
        for store in self._opened:
            store.close()
        if self.kind == "postgresql":
            drop_schema(POSTGRES_URL, self.schema)


@pytest.fixture(params=["sqlite", "postgresql"])
def backend(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Backend]:
    chosen = Backend(request.param, tmp_path / "state")
    try:
        yield chosen
    finally:
        chosen.cleanup()
