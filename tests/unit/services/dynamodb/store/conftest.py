"""The store the model tests drive, once per backend (SQLite, PostgreSQL) per module."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from lamina.services.dynamodb.store import TableStore
from tests.functional.services.dynamodb.backend import BACKENDS, Backend


@pytest.fixture(scope="module", params=BACKENDS)
def store(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[TableStore]:
    backend = Backend(request.param)
    opened = backend.open(tmp_path_factory.mktemp("state"))
    yield opened
    opened.close()
    backend.drop()


def fresh(store: TableStore, name: str) -> None:
    """Forget the table `name` (if any) so a new example starts from nothing."""
    if store.table(name) is not None:
        store.delete_table(name)
