"""Capacity unit math and index write counting, as AWS's developer guide states them."""

from __future__ import annotations

import pytest

from lamina.services.dynamodb.capacity import Usage, read_units, write_units
from lamina.services.dynamodb.index import IndexMeta
from lamina.services.dynamodb.store import TableMeta
from lamina.services.dynamodb.types import Item

GSI = IndexMeta(name="g", kind="GLOBAL", partition_key="x", sort_key=None, projection="KEYS_ONLY")
LSI = IndexMeta(
    name="l",
    kind="LOCAL",
    partition_key="pk",
    sort_key="y",
    projection="INCLUDE",
    non_key_attributes=("p",),
)
META = TableMeta(
    name="t",
    partition_key="pk",
    sort_key=None,
    attribute_types={"pk": "S", "x": "S", "y": "S"},
    created=0.0,
    billing_mode="PAY_PER_REQUEST",
    secondary_indexes=(GSI, LSI),
)


@pytest.mark.parametrize(
    ("size", "consistent", "expected"),
    [(0, True, 1.0), (4096, True, 1.0), (4097, True, 2.0), (4097, False, 1.0), (1, False, 0.5)],
)
def test_read_units_round_up_to_4_kb(size: int, consistent: bool, expected: float) -> None:
    assert read_units(size, consistent=consistent) == expected


def test_transactional_units_are_double() -> None:
    assert read_units(4097, consistent=False, transactional=True) == 4.0
    assert write_units(1025, transactional=True) == 4.0


@pytest.mark.parametrize(("size", "expected"), [(0, 1.0), (1024, 1.0), (1025, 2.0), (3584, 4.0)])
def test_write_units_round_up_to_1_kb(size: int, expected: float) -> None:
    assert write_units(size) == expected


def item(**values: str) -> Item:
    return {"pk": {"S": "a"}, **{name: {"S": value} for name, value in values.items()}}


def index_writes(old: Item | None, new: Item | None) -> dict[str, float]:
    usage = Usage(META)
    usage.item_write(old, new)
    return {name: units[1] for name, units in usage.indexes.items()}


def test_index_entry_added_removed_moved_or_unchanged() -> None:
    assert index_writes(None, item(x="1")) == {"g": 1.0}  # sparse: no y, no LSI entry
    assert index_writes(item(x="1"), None) == {"g": 1.0}
    assert index_writes(item(x="1"), item(x="2")) == {"g": 2.0}  # key moved: delete + put
    assert index_writes(item(x="1"), item(x="1", q="other")) == {}  # nothing projected changed
    assert index_writes(item(y="1", p="a"), item(y="1", p="b")) == {"l": 1.0}  # projected change


def test_report_shapes_total_and_indexes() -> None:
    usage = Usage(META)
    usage.item_write(None, item(x="1", y="1"))
    assert usage.report("TOTAL") == {"TableName": "t", "CapacityUnits": 3.0}
    assert usage.report("INDEXES", directional=True) == {
        "TableName": "t",
        "CapacityUnits": 3.0,
        "WriteCapacityUnits": 3.0,
        "Table": {"CapacityUnits": 1.0, "WriteCapacityUnits": 1.0},
        "GlobalSecondaryIndexes": {"g": {"CapacityUnits": 1.0, "WriteCapacityUnits": 1.0}},
        "LocalSecondaryIndexes": {"l": {"CapacityUnits": 1.0, "WriteCapacityUnits": 1.0}},
    }
