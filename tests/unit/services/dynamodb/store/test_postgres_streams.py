"""PostgreSQL stream records at the store seam: they commit with their item change (a
rolled-back change leaves none), and a transaction's records are numbered in the order
of its changes."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import msgspec
import pytest

from lamina.services.dynamodb.backend import postgres_target
from lamina.services.dynamodb.keys import encode_key
from lamina.services.dynamodb.postgres import PostgresTableStore
from lamina.services.dynamodb.size import item_size
from lamina.services.dynamodb.store import TableMeta
from tests.functional.services.dynamodb.backend import Backend

LABEL = "2026-01-01T00:00:00.000"
META = TableMeta(
    name="events",
    partition_key="pk",
    sort_key=None,
    attribute_types={"pk": "S"},
    created=0.0,
    billing_mode="PAY_PER_REQUEST",
    stream_view_type="NEW_IMAGE",
    stream_label=LABEL,
)


@pytest.fixture
def store() -> Iterator[PostgresTableStore]:
    backend = Backend("postgresql")
    assert backend.url is not None
    opened = PostgresTableStore(*postgres_target(backend.url, Path(".")))
    opened.create_table(META)
    yield opened
    opened.close()
    backend.drop()


def put(key: str) -> tuple[str, bytes, bytes]:
    return "events", encode_key({"S": key}), b""


def test_a_rolled_back_change_leaves_no_record(store: PostgresTableStore) -> None:
    with pytest.raises(RuntimeError), store.transaction() as writer:
        writer.change(*put("a"), item_size, lambda old: {"pk": {"S": "a"}})
        raise RuntimeError("cancelled")
    assert store.stream_records("events", LABEL, 0, 10) == []
    assert store.last_sequence("events", LABEL) == 0


def test_a_transactions_records_follow_its_changes(store: PostgresTableStore) -> None:
    with store.transaction() as writer:
        for key in ("c", "a", "b"):
            writer.change(*put(key), item_size, lambda old, key=key: {"pk": {"S": key}})
        writer.change(*put("a"), item_size, lambda old: None, by_service=True)
    rows = store.stream_records("events", LABEL, 0, 10)
    assert [row.record["dynamodb"]["Keys"]["pk"]["S"] for row in rows] == ["c", "a", "b", "a"]
    assert [row.record["eventName"] for row in rows] == ["INSERT"] * 3 + ["REMOVE"]
    assert rows[-1].record["userIdentity"]["type"] == "Service"
    numbers = [row.sequence for row in rows]
    assert numbers == sorted(numbers) and store.last_sequence("events", LABEL) == numbers[-1]
    assert store.stream_records("events", LABEL, numbers[1], 1)[0].sequence == numbers[2]


def test_records_of_another_stream_label_are_not_served(store: PostgresTableStore) -> None:
    store.change(*put("a"), item_size, lambda old: {"pk": {"S": "a"}})
    renewed = msgspec.structs.replace(META, stream_label="2026-02-01T00:00:00.000")
    store.replace_table(renewed, item_size)
    store.change(*put("b"), item_size, lambda old: {"pk": {"S": "b"}})
    (new,) = store.stream_records("events", "2026-02-01T00:00:00.000", 0, 10)
    (old,) = store.stream_records("events", LABEL, 0, 10)
    assert new.sequence > old.sequence
    assert store.trim_horizon("events", LABEL) == 0
    assert store.trim_streams(before=float("inf")) == 2
    assert store.stream_records("events", LABEL, 0, 10) == []
    assert store.trim_horizon("events", LABEL) == old.sequence
    assert store.trim_horizon("events", "2026-02-01T00:00:00.000") == new.sequence
    assert store.trim_streams(before=float("inf")) == 0  # nothing left: horizons stay
    assert store.trim_horizon("events", LABEL) == old.sequence


def test_a_trim_never_passes_a_younger_record(store: PostgresTableStore) -> None:
    """Two writers of one stream (two nodes): the first changes its item first but commits
    last, so its record is numbered after the other's, younger, one. A trim of what was
    written before the second change removes neither; the horizon never hides a young
    record (reads resume after the horizon)."""
    other = PostgresTableStore(store._conninfo, store.schema)
    try:
        with store.transaction() as writer:
            writer.change(*put("first"), item_size, lambda old: {"pk": {"S": "first"}})
            time.sleep(0.01)
            between = time.time()
            time.sleep(0.01)
            other.change(*put("second"), item_size, lambda old: {"pk": {"S": "second"}})
        rows = store.stream_records("events", LABEL, 0, 10)
        assert [row.record["dynamodb"]["Keys"]["pk"]["S"] for row in rows] == ["second", "first"]
        assert store.trim_streams(before=between) == 0
        horizon = store.trim_horizon("events", LABEL)
        kept = store.stream_records("events", LABEL, horizon, 10)
        assert [row.record["dynamodb"]["Keys"]["pk"]["S"] for row in kept] == ["second", "first"]
        assert store.trim_streams(before=time.time() + 1) == 2
        assert store.trim_horizon("events", LABEL) == rows[-1].sequence
    finally:
        other.close()
