"""ReturnConsumedCapacity: the capacity units an operation consumes on AWS, by AWS's math.

Reads count in 4 KB blocks (half a unit when eventually consistent, two when
transactional); writes in 1 KB blocks (two when transactional). A read of a missing item
still costs one block. PutItem and UpdateItem cost the larger of the item before and
after; DeleteItem the deleted item. Query and Scan round the total size of the items
they read (before any filter) once; BatchGetItem and BatchWriteItem round each item.
https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/read-write-operations.html

A write to a table with secondary indexes also writes each index whose entry it changes:
one write for an entry added or removed, two when the index key changes (the old entry
deleted, the new one put), one when only projected attributes change, none otherwise;
each sized by the projected entry, in 1 KB blocks.
https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/GSI.html#GSI.ThroughputConsiderations.Writes
https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/LSI.html#LSI.ThroughputConsiderations.Writes

Shape (API_ConsumedCapacity): TOTAL gives TableName and CapacityUnits; INDEXES adds Table
and the GlobalSecondaryIndexes / LocalSecondaryIndexes each operation touched. The
directional ReadCapacityUnits / WriteCapacityUnits are given by the transaction
operations, which mix reads (ConditionCheck) and writes.
https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_ConsumedCapacity.html
"""

from __future__ import annotations

import math
from typing import Any

from lamina.aws.service import OperationInput
from lamina.services.dynamodb.error import validation
from lamina.services.dynamodb.index import GLOBAL, LOCAL, entry
from lamina.services.dynamodb.size import item_size
from lamina.services.dynamodb.store import TableMeta
from lamina.services.dynamodb.types import Item

READ_BLOCK, WRITE_BLOCK = 4096, 1024
_MODES = ("INDEXES", "TOTAL", "NONE")


def mode_of(params: OperationInput) -> str | None:
    """TOTAL or INDEXES when the request asks for consumed capacity; None otherwise."""
    mode = params.get("ReturnConsumedCapacity", "NONE")
    if mode not in _MODES:
        raise validation(
            f"1 validation error detected: Value '{mode}' at 'returnConsumedCapacity' failed to "
            "satisfy constraint: Member must satisfy enum value set: [INDEXES, TOTAL, NONE]"
        )
    return None if mode == "NONE" else str(mode)


def read_units(size: int, *, consistent: bool, transactional: bool = False) -> float:
    blocks = max(1, math.ceil(size / READ_BLOCK))
    if transactional:
        return 2.0 * blocks
    return float(blocks) if consistent else blocks / 2


def write_units(size: int, *, transactional: bool = False) -> float:
    blocks = max(1, math.ceil(size / WRITE_BLOCK))
    return 2.0 * blocks if transactional else float(blocks)


class Usage:
    """Units one operation consumed on one table and its indexes, reads and writes apart."""

    __slots__ = ("indexes", "meta", "table")

    def __init__(self, meta: TableMeta) -> None:
        self.meta = meta
        self.table = [0.0, 0.0]
        """[read, write] units on the table itself."""
        self.indexes: dict[str, list[float]] = {}

    def read(self, units: float, index: str | None = None) -> None:
        self._slot(index)[0] += units

    def write(self, units: float, index: str | None = None) -> None:
        self._slot(index)[1] += units

    def _slot(self, index: str | None) -> list[float]:
        return self.table if index is None else self.indexes.setdefault(index, [0.0, 0.0])

    def item_write(
        self, old: Item | None, new: Item | None, *, transactional: bool = False
    ) -> None:
        """A put, update or delete of one item: the table, then every index it changes."""
        sizes = [item_size(item) for item in (old, new) if item is not None]
        self.write(write_units(max(sizes, default=0), transactional=transactional))
        keys = self.meta.key_names()
        for index in self.meta.secondary_indexes:
            before = None if old is None else entry(index, keys, old)
            after = None if new is None else entry(index, keys, new)
            entries = [item for item in (before, after) if item is not None]
            moved = (
                before is not None
                and after is not None
                and ((before.partition, before.sort) != (after.partition, after.sort))
            )
            if moved:
                units = sum(
                    write_units(item_size(e.item), transactional=transactional) for e in entries
                )
            elif entries and not (
                before is not None and after is not None and before.item == after.item
            ):
                largest = max(item_size(e.item) for e in entries)
                units = write_units(largest, transactional=transactional)
            else:
                continue
            self.write(units, index.name)

    def report(self, mode: str, *, directional: bool = False) -> dict[str, Any]:
        """The ConsumedCapacity object for this table."""
        total = sum(self.table) + sum(sum(units) for units in self.indexes.values())
        output: dict[str, Any] = {"TableName": self.meta.name, "CapacityUnits": total}
        if directional:
            output.update(_directional(self.table, *self.indexes.values()))
        if mode != "INDEXES":
            return output
        output["Table"] = _capacity(self.table, directional)
        for kind, field in ((GLOBAL, "GlobalSecondaryIndexes"), (LOCAL, "LocalSecondaryIndexes")):
            named = {
                name: _capacity(units, directional)
                for name, units in self.indexes.items()
                if (index := self.meta.index(name)) is not None and index.kind == kind
            }
            if named:
                output[field] = named
        return output


def _capacity(units: list[float], directional: bool) -> dict[str, float]:
    capacity = {"CapacityUnits": sum(units)}
    if directional:
        capacity.update(_directional(units))
    return capacity


def _directional(*slots: list[float]) -> dict[str, float]:
    read, write = sum(slot[0] for slot in slots), sum(slot[1] for slot in slots)
    fields = {}
    if read:
        fields["ReadCapacityUnits"] = read
    if write:
        fields["WriteCapacityUnits"] = write
    return fields


def reports(mode: str | None, usages: list[Usage], *, directional: bool = False) -> dict[str, Any]:
    """The output member for a multi-table operation: a list, one entry per table."""
    if mode is None:
        return {}
    return {"ConsumedCapacity": [usage.report(mode, directional=directional) for usage in usages]}


def single(mode: str | None, usage: Usage) -> dict[str, Any]:
    """The output member for a one-table operation."""
    return {} if mode is None else {"ConsumedCapacity": usage.report(mode)}
