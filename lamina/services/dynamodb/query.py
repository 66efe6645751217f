"""Query and Scan: pages of items read in key order, then filtered and projected.

Limit and the 1 MB page bound count items read, before FilterExpression, as DynamoDB
does; a page that stops on either returns LastEvaluatedKey.
https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/Query.Pagination.html
https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/Query.FilterExpression.html
https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/Scan.html#Scan.ParallelScan
"""

from __future__ import annotations

import zlib
from collections.abc import Iterator

import msgspec

from lamina.aws.service import AwsRequestContext, OperationInput, OperationOutput
from lamina.services.dynamodb.capacity import Usage, mode_of, read_units, single
from lamina.services.dynamodb.error import validation
from lamina.services.dynamodb.expression import (
    Condition,
    KeyCondition,
    KeyTerm,
    Projection,
    check_unused,
    compile_condition,
    compile_key_condition,
    compile_projection,
)
from lamina.services.dynamodb.index import GLOBAL, IndexMeta
from lamina.services.dynamodb.items import encoded_key, parse_key, reject_legacy
from lamina.services.dynamodb.keys import encode_key
from lamina.services.dynamodb.size import item_size
from lamina.services.dynamodb.store import SortRange, StoredItem, TableMeta
from lamina.services.dynamodb.tables import Database, Operation
from lamina.services.dynamodb.types import Item

PAGE_BYTES = 1024 * 1024
"""https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/Query.Pagination.html"""

_LEGACY = ("KeyConditions", "QueryFilter", "ScanFilter")
_INVALID = "One or more parameter values were invalid: "


class Reading(msgspec.Struct, frozen=True):
    """What a Query or Scan does with the items it reads."""

    filter: Condition | None
    projection: Projection | None
    count_only: bool
    limit: int | None
    key_names: tuple[str, ...]
    """What LastEvaluatedKey holds: the table's keys, then an index's."""


def check_supported(params: OperationInput) -> None:
    """Legacy parameters and index reads are named in an error, never ignored."""
    for name in _LEGACY:
        if name in params:
            raise validation(
                f"Lamina does not support the legacy parameter {name}; use expressions"
            )
    reject_legacy(params)


def reading(
    meta: TableMeta, index: IndexMeta | None, params: OperationInput, *extra: KeyCondition
) -> Reading:
    """Compile the filter and projection; check placeholders across all expressions."""
    names, values = params.get("ExpressionAttributeNames"), params.get("ExpressionAttributeValues")
    text = params.get("FilterExpression")
    condition = (
        None if text is None else compile_condition(text, names, values, label="FilterExpression")
    )
    text = params.get("ProjectionExpression")
    projection = None if text is None else compile_projection(text, names)
    check_unused(names, values, condition, projection, *extra)
    select = params.get("Select", "SPECIFIC_ATTRIBUTES" if projection else "ALL_ATTRIBUTES")
    if select == "COUNT" and projection is not None:
        raise validation("Cannot specify the ProjectionExpression when choosing to get COUNT")
    keys = meta.key_names() if index is None else (*meta.key_names(), *index.key_names())
    unique = tuple(dict.fromkeys(keys))
    return Reading(condition, projection, select == "COUNT", params.get("Limit"), unique)


def target(meta: TableMeta, params: OperationInput) -> IndexMeta | None:
    """The index IndexName names (None for the table), with DynamoDB's checks.

    https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/GSI.html#GSI.Reading
    """
    name = params.get("IndexName")
    if name is None:
        return None
    index = meta.index(name)
    if index is None:
        raise validation(f"The table does not have the specified index: {name}")
    if index.kind == GLOBAL and params.get("ConsistentRead"):
        raise validation("Consistent reads are not supported on global secondary indexes")
    select = params.get("Select")
    if select == "ALL_ATTRIBUTES" and index.kind == GLOBAL and index.projection != "ALL":
        raise validation(
            f"{_INVALID}Select type ALL_ATTRIBUTES is not supported for global secondary index "
            f"{name} because its projection type is not ALL"
        )
    return index


def resume_after(
    meta: TableMeta, index: IndexMeta | None, params: OperationInput
) -> tuple[bytes, ...] | None:
    """ExclusiveStartKey as a store position: (partition, sort), or index keys first."""
    if "ExclusiveStartKey" not in params:
        return None
    start = params["ExclusiveStartKey"]
    if index is None:
        return encoded_key(meta, parse_key(meta, start))
    names = {*meta.key_names(), *index.key_names()}
    if set(start) != names:
        raise validation("The provided starting key is invalid")
    table = encoded_key(meta, parse_key(meta, {name: start[name] for name in meta.key_names()}))
    sort = b"" if index.sort_key is None else encode_key(start[index.sort_key])
    return (encode_key(start[index.partition_key]), sort, *table)


def page(meta: TableMeta, rows: Iterator[StoredItem], how: Reading) -> OperationOutput:
    """Read until Limit or 1 MB; the page's Items (or Count only) and LastEvaluatedKey."""
    items: list[Item] = []
    scanned = read = 0
    last: Item | None = None
    for row in rows:
        scanned += 1
        read += item_size(row.item)
        if how.filter is None or how.filter.matches(row.item):
            items.append(row.item if how.projection is None else how.projection.apply(row.item))
        if scanned == how.limit or read >= PAGE_BYTES:
            last = row.item
            break
    output: OperationOutput = {"Count": len(items), "ScannedCount": scanned}
    if not how.count_only:
        output["Items"] = items
    if last is not None:
        output["LastEvaluatedKey"] = {name: last[name] for name in how.key_names}
    return output


class Charge(msgspec.Struct, frozen=True):
    """Where a read's capacity goes: the table, or the index read."""

    usage: Usage
    index: str | None
    consistent: bool


class Metered:
    """The rows of a table or index read, counting the bytes of those consumed, so the
    read is charged once for what the page read (before any filter), rounded as one read."""

    __slots__ = ("_rows", "bytes")

    def __init__(self, rows: Iterator[StoredItem]) -> None:
        self._rows = rows
        self.bytes = 0

    def __iter__(self) -> Iterator[StoredItem]:
        return self

    def __next__(self) -> StoredItem:
        row = next(self._rows)
        self.bytes += item_size(row.item)
        return row

    def charge(self, charged: Charge) -> None:
        units = read_units(self.bytes, consistent=charged.consistent)
        charged.usage.read(units, charged.index)


def charge_of(meta: TableMeta, index: IndexMeta | None, params: OperationInput) -> Charge:
    consistent = bool(params.get("ConsistentRead"))
    return Charge(Usage(meta), None if index is None else index.name, consistent)


async def query(db: Database, ctx: AwsRequestContext, params: OperationInput) -> OperationOutput:
    meta = db.require(params["TableName"])
    check_supported(params)
    if "KeyConditionExpression" not in params:
        raise validation(
            "Either the KeyConditions or KeyConditionExpression parameter must be specified "
            "in the request."
        )
    index = target(meta, params)
    keys = meta if index is None else index
    key = compile_key_condition(
        params["KeyConditionExpression"],
        params.get("ExpressionAttributeNames"),
        params.get("ExpressionAttributeValues"),
        partition_key=keys.partition_key,
        sort_key=keys.sort_key,
        key_types=meta.attribute_types,
    )
    how = reading(meta, index, params, key)
    forward = bool(params.get("ScanIndexForward", True))
    capacity, charged = mode_of(params), charge_of(meta, index, params)
    after = resume_after(meta, index, params)
    rows = db.store.query(
        meta.name,
        encode_key(key.partition_value),
        sort_range(key.sort),
        forward=forward,
        after=None if after is None else after[1:],
        index=None if index is None else index.name,
    )
    if capacity is None:  # sizes are counted only when someone asks
        return page(meta, _whole(db, meta, index, params, rows, charged), how)
    metered = Metered(rows)
    output = page(meta, _whole(db, meta, index, params, metered, charged), how)
    metered.charge(charged)
    return output | single(capacity, charged.usage)


def _whole(
    db: Database,
    meta: TableMeta,
    index: IndexMeta | None,
    params: OperationInput,
    rows: Iterator[StoredItem],
    charged: Charge,
) -> Iterator[StoredItem]:
    """A local index read with Select ALL_ATTRIBUTES fetches each item from the table,
    each fetch charged to the table as one read.

    https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/LSI.html#LSI.Projections
    """
    if index is None or index.projection == "ALL" or params.get("Select") != "ALL_ATTRIBUTES":
        yield from rows
        return
    for row in rows:
        item = db.store.get(meta.name, *encoded_key(meta, row.item))
        if item is not None:
            charged.usage.read(read_units(item_size(item), consistent=charged.consistent))
            yield StoredItem(row.partition, row.sort, item)


def sort_range(term: KeyTerm | None) -> SortRange:
    """The encoded sort key range of a key condition's sort key term."""
    if term is None:
        return SortRange()
    bounds = [encode_key(value) for value in term.values]
    match term.operator:
        case "=":
            return SortRange(lower=bounds[0], upper=bounds[0])
        case "<" | "<=":
            return SortRange(upper=bounds[0], upper_inclusive=term.operator == "<=")
        case ">" | ">=":
            return SortRange(lower=bounds[0], lower_inclusive=term.operator == ">=")
        case "BETWEEN":
            return SortRange(lower=bounds[0], upper=bounds[1])
        case _:
            return SortRange(prefix=bounds[0])


async def scan(db: Database, ctx: AwsRequestContext, params: OperationInput) -> OperationOutput:
    meta = db.require(params["TableName"])
    check_supported(params)
    index = target(meta, params)
    how = reading(meta, index, params)
    segment, total = _segment(params)
    capacity, charged = mode_of(params), charge_of(meta, index, params)
    after = resume_after(meta, index, params)
    rows = db.store.scan(meta.name, after, None if index is None else index.name)
    if total > 1:
        rows = (row for row in rows if zlib.crc32(row.partition) % total == segment)
    if capacity is None:  # sizes are counted only when someone asks
        return page(meta, _whole(db, meta, index, params, rows, charged), how)
    metered = Metered(rows)
    output = page(meta, _whole(db, meta, index, params, metered, charged), how)
    metered.charge(charged)
    return output | single(capacity, charged.usage)


def _segment(params: OperationInput) -> tuple[int, int]:
    """Parallel scan: a partition belongs to one of TotalSegments segments."""
    segment, total = params.get("Segment"), params.get("TotalSegments")
    if segment is None and total is None:
        return 0, 1
    if total is None:
        raise validation(
            "The TotalSegments parameter is required but was not present in the request when "
            "Segment parameter is present"
        )
    if segment is None:
        raise validation(
            "The Segment parameter is required but was not present in the request when "
            "parameter TotalSegments is present"
        )
    if segment >= total:
        raise validation(
            "The Segment parameter is zero-based and must be less than parameter TotalSegments: "
            f"Segment: {segment} is not less than TotalSegments: {total}"
        )
    return int(segment), int(total)


OPERATIONS: dict[str, Operation] = {"Query": query, "Scan": scan}
