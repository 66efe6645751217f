"""The DynamoDB store backends every DynamoDB test runs on: SQLite and PostgreSQL.

A PostgreSQL test gets schemas of its own (named with the xdist worker and a random
suffix, so parallel workers never share one), dropped when the test ends.
"""

from __future__ import annotations

import os
import uuid
from pathlib import Path

from lamina.services.dynamodb.backend import open_store
from lamina.services.dynamodb.postgres import drop_schema
from lamina.services.dynamodb.store import TableStore

POSTGRES_URL = os.environ.get(
    "LAMINA_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test"
)
BACKENDS = ["sqlite", "postgresql"]


class Backend:
    """One test's storage on one backend: `url` is what DynamoDbProvider(url=...) takes."""

    def __init__(self, kind: str) -> None:
        self.kind = kind
        self._schemas: list[str] = []
        self.url = self.new_url()

    def new_url(self) -> str | None:
        """None for SQLite (a state dir of the test's own); a fresh schema for PostgreSQL."""
        if self.kind == "sqlite":
            return None
        worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
        schema = f"lamina_test_{worker}_{uuid.uuid4().hex[:12]}"
        self._schemas.append(schema)
        return f"{POSTGRES_URL}?schema={schema}"

    def open(self, state_dir: Path) -> TableStore:
        return open_store(self.url, state_dir)

    def drop(self) -> None:
        for schema in self._schemas:
            drop_schema(POSTGRES_URL, schema)
