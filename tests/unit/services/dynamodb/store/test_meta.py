"""Table metadata written by earlier Lamina versions still loads."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import msgspec

from lamina.services.dynamodb.store import SqliteTableStore


def test_table_meta_with_unparsed_index_bytes_loads_without_indexes(tmp_path: Path) -> None:
    path = tmp_path / "dynamodb.sqlite3"
    SqliteTableStore(path).close()
    old = {
        "name": "old",
        "partition_key": "pk",
        "sort_key": None,
        "attribute_types": {"pk": "S", "g": "S"},
        "created": 1.0,
        "billing_mode": "PAY_PER_REQUEST",
        "indexes": msgspec.msgpack.encode({"GlobalSecondaryIndexes": [{"IndexName": "g"}]}),
    }
    with sqlite3.connect(path) as db:
        db.execute("INSERT INTO tables VALUES (?, ?)", ("old", msgspec.msgpack.encode(old)))
    store = SqliteTableStore(path)
    meta = store.table("old")
    store.close()
    assert meta is not None
    assert (meta.name, meta.secondary_indexes) == ("old", ())
