"""Secondary indexes: what CreateTable declared, and the entry an item makes in each.

An item appears in an index only when it holds the index's key attributes (a sparse
index); the entry holds the index keys, the table keys and the projected attributes.
https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/SecondaryIndexes.html
https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/GSI.html#GSI.Projections
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import msgspec

from lamina.services.dynamodb.error import validation
from lamina.services.dynamodb.keys import encode_key
from lamina.services.dynamodb.types import Item, type_of

GLOBAL, LOCAL = "GLOBAL", "LOCAL"
_INVALID = "One or more parameter values were invalid: "


class IndexMeta(msgspec.Struct, frozen=True):
    name: str
    kind: str
    """GLOBAL or LOCAL."""
    partition_key: str
    sort_key: str | None
    projection: str
    """ALL, KEYS_ONLY or INCLUDE."""
    non_key_attributes: tuple[str, ...] = ()
    read_capacity: int = 0
    write_capacity: int = 0

    def key_names(self) -> tuple[str, ...]:
        if self.sort_key is None:
            return (self.partition_key,)
        return (self.partition_key, self.sort_key)


class IndexEntry(msgspec.Struct, frozen=True):
    partition: bytes
    sort: bytes
    item: Item


def entry(
    index: IndexMeta, table_keys: tuple[str, ...], item: Mapping[str, Any]
) -> IndexEntry | None:
    """The item's entry in the index, or None when it lacks an index key (sparse index)."""
    if any(name not in item for name in index.key_names()):
        return None
    sort = b"" if index.sort_key is None else encode_key(item[index.sort_key])
    return IndexEntry(encode_key(item[index.partition_key]), sort, project(index, table_keys, item))


def project(index: IndexMeta, table_keys: tuple[str, ...], item: Mapping[str, Any]) -> Item:
    """The attributes the index's Projection keeps: always the table and index keys."""
    if index.projection == "ALL":
        return dict(item)
    kept = {*table_keys, *index.key_names()}
    if index.projection == "INCLUDE":
        kept.update(index.non_key_attributes)
    return {name: value for name, value in item.items() if name in kept}


def check_index_keys(
    indexes: tuple[IndexMeta, ...], types: Mapping[str, str], item: Mapping[str, Any]
) -> None:
    """An item's index key attributes must have the declared type and not be empty.

    https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/GSI.html#GSI.Writes
    """
    for index in indexes:
        for name in index.key_names():
            if name not in item:
                continue
            actual, value = type_of(item[name]), item[name]
            if actual != types[name]:
                raise validation(
                    f"{_INVALID}Type mismatch for Index Key {name} Expected: {types[name]} "
                    f"Actual: {actual} IndexName: {index.name}"
                )
            if actual in ("S", "B") and not value[actual]:
                empty = "string" if actual == "S" else "binary"
                raise validation(
                    "One or more parameter values are not valid. A value specified for a "
                    "secondary index key is not supported. The AttributeValue for a key "
                    f"attribute cannot contain an empty {empty} value. IndexName: {index.name}, "
                    f"IndexKey: {name}"
                )


def declared(
    params: Mapping[str, Any], table_partition: str, table_sort: str | None
) -> tuple[IndexMeta, ...]:
    """CreateTable's GlobalSecondaryIndexes and LocalSecondaryIndexes, checked.

    https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_CreateTable.html
    """
    indexes = [
        *(_declared(GLOBAL, index) for index in params.get("GlobalSecondaryIndexes", [])),
        *(_declared(LOCAL, index) for index in params.get("LocalSecondaryIndexes", [])),
    ]
    names = [index.name for index in indexes]
    for name in names:
        if names.count(name) > 1:
            raise validation(f"{_INVALID}Duplicate index name: {name}")
    if table_sort is None and "LocalSecondaryIndexes" in params:
        raise validation(
            f"{_INVALID}Table KeySchema does not have a range key, which is required when "
            "specifying a LocalSecondaryIndex"
        )
    for index in indexes:
        if index.kind == LOCAL and index.partition_key != table_partition:
            raise validation(
                f"{_INVALID}Index KeySchema does not have the same leading hash key as table "
                f"KeySchema for index: {index.name}. index hash key: {index.partition_key}, "
                f"table hash key: {table_partition}"
            )
    return tuple(indexes)


def _declared(kind: str, index: Mapping[str, Any]) -> IndexMeta:
    schema = index["KeySchema"]
    sort = schema[1]["AttributeName"] if len(schema) > 1 else None
    projection = index["Projection"]
    projection_type = projection.get("ProjectionType", "ALL")
    include = tuple(projection.get("NonKeyAttributes", ()))
    if projection_type == "INCLUDE" and not include:
        raise validation(
            f"{_INVALID}ProjectionType is INCLUDE, but NonKeyAttributes is not specified"
        )
    if projection_type != "INCLUDE" and include:
        raise validation(
            f"{_INVALID}ProjectionType is {projection_type}, but NonKeyAttributes is specified"
        )
    if kind == LOCAL and sort is None:
        raise validation(f"{_INVALID}Index KeySchema must have a range key")
    throughput = index.get("ProvisionedThroughput", {})
    return IndexMeta(
        index["IndexName"],
        kind,
        schema[0]["AttributeName"],
        sort,
        projection_type,
        include,
        int(throughput.get("ReadCapacityUnits", 0)),
        int(throughput.get("WriteCapacityUnits", 0)),
    )
