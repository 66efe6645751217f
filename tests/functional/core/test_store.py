"""The Store contract, the same suite on SQLite and PostgreSQL: records, scan order,
prefixes, transactions (atomic, isolated, serialized across connections and threads)."""

from __future__ import annotations

import threading
import time

import msgspec
import pytest

from lamina.core.store import Collection, StoreError

from .conftest import Backend


def test_store_put_get_delete_round_trip(backend: Backend) -> None:
    store = backend.open()
    with store.transaction() as tx:
        tx.put("restapis", "a1", b"\x00first\xff")
    assert store.get("restapis", "a1") == b"\x00first\xff"
    assert store.get("restapis", "missing") is None
    assert store.get("stages", "a1") is None
    with store.transaction() as tx:
        assert tx.delete("restapis", "a1") is True
        assert tx.delete("restapis", "a1") is False
    assert store.get("restapis", "a1") is None


def test_store_scan_first_put_order_replace_keeps_place(backend: Backend) -> None:
    store = backend.open()
    with store.transaction() as tx:
        for key in ("c", "a", "b"):
            tx.put("restapis", key, key.encode())
    with store.transaction() as tx:
        tx.put("restapis", "a", b"new a")
        tx.delete("restapis", "c")
        tx.put("restapis", "c", b"c again")
    assert store.scan("restapis") == [("a", b"new a"), ("b", b"b"), ("c", b"c again")]


def test_store_scan_and_delete_prefix_match_exactly(backend: Backend) -> None:
    store = backend.open()
    keys = ["api1/r1", "api1/r2", "api10/r1", "api1%/x", "api_/y", "api1/é", "api2/r1"]
    with store.transaction() as tx:
        for key in keys:
            tx.put("apigw/resources", key, key.encode())
        tx.put("apigw/methods", "api1/r1/GET", b"m")
    assert [key for key, _ in store.scan("apigw/resources", "api1/")] == [
        "api1/r1",
        "api1/r2",
        "api1/é",
    ]
    assert [key for key, _ in store.scan("apigw/resources", "api_")] == ["api_/y"]
    assert store.scan("apigw/resources", "zzz") == []
    with store.transaction() as tx:
        assert tx.delete_prefix("apigw/resources", "api1/") == 3
        assert tx.delete_prefix("apigw/resources", "api1/") == 0
    assert [key for key, _ in store.scan("apigw/resources")] == [
        "api10/r1",
        "api1%/x",
        "api_/y",
        "api2/r1",
    ]
    assert store.get("apigw/methods", "api1/r1/GET") == b"m"


def test_store_kinds_lists_only_kinds_holding_records(backend: Backend) -> None:
    store = backend.open()
    assert store.kinds() == []
    with store.transaction() as tx:
        tx.put("stages", "s", b"1")
        tx.put("restapis", "r", b"1")
        tx.put("lambda/functions", "f", b"1")
    with store.transaction() as tx:
        tx.delete("stages", "s")
    assert store.kinds() == ["lambda/functions", "restapis"]


def test_store_transaction_that_raises_writes_nothing(backend: Backend) -> None:
    store = backend.open()
    with store.transaction() as tx:
        tx.put("restapis", "kept", b"1")
    with pytest.raises(RuntimeError, match="boom"), store.transaction() as tx:
        tx.put("restapis", "new", b"1")
        tx.put("restapis", "kept", b"changed")
        tx.delete_prefix("restapis", "")
        assert tx.scan("restapis") == []  # the transaction reads its own writes
        raise RuntimeError("boom")
    assert store.scan("restapis") == [("kept", b"1")]
    assert backend.open().scan("restapis") == [("kept", b"1")]


def test_store_nested_transaction_rolls_back_alone(backend: Backend) -> None:
    store = backend.open()
    with store.transaction() as outer:
        outer.put("k", "outer", b"1")
        with pytest.raises(ValueError), store.transaction() as inner:
            inner.put("k", "inner", b"1")
            raise ValueError
        with store.transaction() as inner:
            inner.put("k", "inner2", b"1")
    assert [key for key, _ in store.scan("k")] == ["outer", "inner2"]


def test_store_other_connection_sees_only_committed_writes(backend: Backend) -> None:
    writer, reader = backend.open(), backend.open()
    with writer.transaction() as tx:
        tx.put("restapis", "a", b"1")
        assert reader.get("restapis", "a") is None
        assert reader.scan("restapis") == []
        assert reader.kinds() == []
    assert reader.get("restapis", "a") == b"1"


def test_store_writers_of_two_connections_are_serialized(backend: Backend) -> None:
    first, second = backend.open(), backend.open()
    done = threading.Event()

    def write_second() -> None:
        with second.transaction() as tx:
            tx.put("order", "second", b"2")
        done.set()

    with first.transaction() as tx:
        tx.put("order", "first", b"1")
        thread = threading.Thread(target=write_second)
        thread.start()
        assert not done.wait(0.3)  # waits for the first writer's commit
    thread.join(5)
    assert done.is_set()
    assert [key for key, _ in first.scan("order")] == ["first", "second"]


def test_store_read_modify_write_loses_no_update(backend: Backend) -> None:
    stores = [backend.open(), backend.open()]
    with stores[0].transaction() as tx:
        tx.put("counter", "n", b"0")

    def increment(index: int) -> None:
        store = stores[index % 2]  # two connections, two threads on each
        for _ in range(20):
            with store.transaction() as tx:
                value = int(tx.get("counter", "n") or b"0")
                tx.put("counter", "n", str(value + 1).encode())

    threads = [threading.Thread(target=increment, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    assert stores[1].get("counter", "n") == b"80"


def test_store_other_thread_reads_wait_for_commit(backend: Backend) -> None:
    store = backend.open()
    seen: list[bytes | None] = []
    with store.transaction() as tx:
        tx.put("restapis", "a", b"1")
        thread = threading.Thread(target=lambda: seen.append(store.get("restapis", "a")))
        thread.start()
        time.sleep(0.1)
        assert seen == []
    thread.join(5)
    assert seen == [b"1"]


class Function(msgspec.Struct):
    name: str
    memory: int = 128
    tags: dict[str, str] = {}


def test_collection_round_trips_structs(backend: Backend) -> None:
    store = backend.open()
    functions = Collection(store, "lambda/functions", Function)
    functions.put("b", Function("b", tags={"team": "x"}))
    with store.transaction() as tx:
        functions.put("a", Function("a", 512), tx)
        assert functions.get("a", tx) == Function("a", 512)
    assert functions.all() == [Function("b", tags={"team": "x"}), Function("a", 512)]
    assert list(functions.items("a")) == [("a", Function("a", 512))]
    assert functions.delete("b") is True
    assert functions.get("b") is None


def test_store_closed_answers_store_error(backend: Backend) -> None:
    store = backend.open()
    store.close()
    with pytest.raises(StoreError):
        store.get("restapis", "a")


def test_store_write_after_transaction_ended_is_refused(backend: Backend) -> None:
    store = backend.open()
    with store.transaction() as tx:
        tx.put("restapis", "a", b"1")
    with pytest.raises(StoreError, match="transaction has ended"):
        tx.put("restapis", "late", b"1")
    with pytest.raises(StoreError, match="transaction has ended"):
        tx.delete_prefix("restapis", "")
    assert store.scan("restapis") == [("a", b"1")]
