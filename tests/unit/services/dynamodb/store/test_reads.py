"""Long reads through the store seam, on each backend: enough rows to cross the
PostgreSQL store's fetch batches (32, 64, 128, ...) in both directions and from a
resume position, on the table and on an index."""

from __future__ import annotations

from collections.abc import Iterable

from lamina.services.dynamodb.index import IndexMeta
from lamina.services.dynamodb.keys import encode_key
from lamina.services.dynamodb.size import item_size
from lamina.services.dynamodb.store import (
    Change,
    SortRange,
    StoredItem,
    TableMeta,
    TableStore,
    prefix_end,
)
from lamina.services.dynamodb.types import Item

from .conftest import fresh

ROWS = 300
INDEX = IndexMeta(name="by_g", kind="GLOBAL", partition_key="g", sort_key="n", projection="ALL")
META = TableMeta(
    name="long",
    partition_key="pk",
    sort_key="n",
    attribute_types={"pk": "S", "n": "N", "g": "S"},
    created=0.0,
    billing_mode="PAY_PER_REQUEST",
    secondary_indexes=(INDEX,),
)


def filled(store: TableStore) -> list[bytes]:
    """ROWS items in partition "p" (n = 0..ROWS-1, all in index group "x"); their sort keys."""
    fresh(store, "long")
    store.create_table(META)
    sorts = []
    with store.transaction() as writer:
        for n in range(ROWS):
            sort = encode_key({"N": str(n)})
            item = {"pk": {"S": "p"}, "n": {"N": str(n)}, "g": {"S": "x"}}
            writer.change("long", encode_key({"S": "p"}), sort, item_size, replacing(item))
            sorts.append(sort)
    return sorts


def replacing(item: Item) -> Change:
    return lambda old: item


def numbers(rows: Iterable[StoredItem]) -> list[int]:
    return [int(row.item["n"]["N"]) for row in rows]


def test_long_query_crosses_fetch_batches_both_ways_and_resumes(store: TableStore) -> None:
    sorts = filled(store)
    partition = encode_key({"S": "p"})
    forward = store.query("long", partition, SortRange(), forward=True, after=None)
    assert numbers(forward) == list(range(ROWS))
    backward = store.query("long", partition, SortRange(), forward=False, after=None)
    assert numbers(backward) == list(reversed(range(ROWS)))
    resumed = store.query("long", partition, SortRange(), forward=True, after=(sorts[99],))
    assert numbers(resumed) == list(range(100, ROWS))
    bounded = SortRange(lower=sorts[10], upper=sorts[250], upper_inclusive=False)
    assert numbers(store.query("long", partition, bounded, forward=False, after=None)) == list(
        reversed(range(10, 250))
    )


def test_long_scans_of_table_and_index_cross_fetch_batches(store: TableStore) -> None:
    sorts = filled(store)
    assert numbers(store.scan("long", None)) == list(range(ROWS))
    partition = encode_key({"S": "p"})
    assert numbers(store.scan("long", (partition, sorts[149]))) == list(range(150, ROWS))
    indexed = store.query(
        "long", encode_key({"S": "x"}), SortRange(), forward=False, after=None, index="by_g"
    )
    assert numbers(indexed) == list(reversed(range(ROWS)))
    assert numbers(store.scan("long", None, "by_g")) == list(range(ROWS))
    assert store.stats("long", "by_g")[0] == ROWS


def test_prefix_end_is_the_least_string_above_the_prefix() -> None:
    assert prefix_end(b"ab") == b"ac"
    assert prefix_end(b"a\xff\xff") == b"b"
    assert prefix_end(b"\xff") is None
    assert prefix_end(b"") is None


def test_begins_with_on_binary_sort_keys_with_ff_bytes(store: TableStore) -> None:
    fresh(store, "bin")
    meta = TableMeta(
        name="bin",
        partition_key="pk",
        sort_key="b",
        attribute_types={"pk": "S", "b": "B"},
        created=0.0,
        billing_mode="PAY_PER_REQUEST",
    )
    store.create_table(meta)
    values = [b"\xfe", b"\xff", b"\xff\x00", b"\xff\xff", b"\xff\xff\x01", b"\x00\xff"]
    partition = encode_key({"S": "p"})
    for value in values:
        item = {"pk": {"S": "p"}, "b": {"B": value}}
        store.change("bin", partition, value, item_size, replacing(item))

    def begins(prefix: bytes) -> list[bytes]:
        rows = store.query("bin", partition, SortRange(prefix=prefix), forward=True, after=None)
        return [row.sort for row in rows]

    assert begins(b"\xff") == [b"\xff", b"\xff\x00", b"\xff\xff", b"\xff\xff\x01"]
    assert begins(b"\xff\xff") == [b"\xff\xff", b"\xff\xff\x01"]
    assert begins(b"\x00") == [b"\x00\xff"]
    assert begins(b"\xfe") == [b"\xfe"]
