"""BatchGetItem and BatchWriteItem: many items of many tables in one call.

Lamina answers every request it accepts, so UnprocessedKeys and UnprocessedItems are empty
except where BatchGetItem's 16 MB response bound stops it.
https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_BatchGetItem.html
https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_BatchWriteItem.html
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from lamina.aws.service import AwsRequestContext, OperationInput, OperationOutput
from lamina.services.dynamodb.capacity import Usage, mode_of, read_units, reports
from lamina.services.dynamodb.error import validation
from lamina.services.dynamodb.expression import check_unused, compile_projection
from lamina.services.dynamodb.items import check_item_key, encoded_key, parse_key
from lamina.services.dynamodb.size import check_item_size, item_size
from lamina.services.dynamodb.store import Change, TableMeta
from lamina.services.dynamodb.tables import Database, Operation
from lamina.services.dynamodb.types import Item, validate_item

MAX_GET_KEYS = 100
MAX_WRITE_REQUESTS = 25
RESPONSE_BYTES = 16 * 1024 * 1024
_DUPLICATES = "Provided list of item keys contains duplicates"


async def batch_get_item(
    db: Database, ctx: AwsRequestContext, params: OperationInput
) -> OperationOutput:
    requests: Mapping[str, Any] = params["RequestItems"]
    if sum(len(request["Keys"]) for request in requests.values()) > MAX_GET_KEYS:
        raise validation("Too many items requested for the BatchGetItem call")
    capacity = mode_of(params)
    reads = [_read(db, name, request) for name, request in requests.items()]
    responses: dict[str, list[Item]] = {name: [] for name in requests}
    unprocessed: dict[str, Any] = {}
    usages: list[Usage] = []
    total = 0
    for meta, keys, apply in reads:
        # Each key is read as its own GetItem would be, missing or not.
        usages.append(usage := Usage(meta))
        consistent = bool(requests[meta.name].get("ConsistentRead"))
        for position, key in enumerate(keys):
            if total >= RESPONSE_BYTES:
                unprocessed[meta.name] = {**requests[meta.name], "Keys": keys[position:]}
                break
            item = db.store.get(meta.name, *encoded_key(meta, key))
            usage.read(read_units(0 if item is None else item_size(item), consistent=consistent))
            if item is not None:
                total += item_size(item)
                responses[meta.name].append(apply(item))
    output = {"Responses": responses, "UnprocessedKeys": unprocessed}
    return output | reports(capacity, usages)


def _read(
    db: Database, name: str, request: Mapping[str, Any]
) -> tuple[TableMeta, list[Item], Callable[[Item], Item]]:
    """A table's keys (checked, no duplicates) and the projection to apply to its items."""
    meta = db.require(name)
    if "AttributesToGet" in request:
        raise validation("Lamina does not support the legacy parameter AttributesToGet")
    keys = [parse_key(meta, key) for key in request["Keys"]]
    _check_unique(meta, keys)
    names = request.get("ExpressionAttributeNames")
    text = request.get("ProjectionExpression")
    projection = None if text is None else compile_projection(text, names)
    check_unused(names, None, projection)
    return meta, keys, (lambda item: item) if projection is None else projection.apply


def _check_unique(meta: TableMeta, keys: list[Item]) -> None:
    encoded = [encoded_key(meta, key) for key in keys]
    if len(set(encoded)) != len(encoded):
        raise validation(_DUPLICATES)


async def batch_write_item(
    db: Database, ctx: AwsRequestContext, params: OperationInput
) -> OperationOutput:
    """Every request is checked before any is written; then all are written together.

    Each item is at most 400 KB, so 25 of them stay under the 16 MB request bound.
    """
    requests: Mapping[str, list[Mapping[str, Any]]] = params["RequestItems"]
    if sum(len(batch) for batch in requests.values()) > MAX_WRITE_REQUESTS:
        raise validation("Too many items requested for the BatchWriteItem call")
    capacity = mode_of(params)
    writes: list[tuple[str, tuple[bytes, bytes], Change]] = []
    usages: list[Usage] = []
    for name, batch in requests.items():
        meta = db.require(name)
        usages.append(usage := Usage(meta))
        planned = [_write(meta, request) for request in batch]
        if len({key for key, _ in planned}) != len(planned):
            raise validation(_DUPLICATES)
        writes.extend((name, key, _charged(usage, how)) for key, how in planned)
    # Keys are locked in one global order, so two batches never deadlock.
    writes.sort(key=lambda write: (write[0], write[1]))
    with db.store.transaction() as writer:
        for name, key, how in writes:
            writer.change(name, *key, item_size, how)
    return {"UnprocessedItems": {}} | reports(capacity, usages)


def _charged(usage: Usage, how: Change) -> Change:
    """The change, its write (as PutItem's or DeleteItem's) charged to `usage`."""

    def change(old: Item | None) -> Item | None:
        new = how(old)
        usage.item_write(old, new)
        return new

    return change


def _write(meta: TableMeta, request: Mapping[str, Any]) -> tuple[tuple[bytes, bytes], Change]:
    """A PutRequest or DeleteRequest: its encoded key and its change."""
    if "PutRequest" in request:
        item = validate_item(request["PutRequest"]["Item"])
        check_item_key(meta, item)
        check_item_size(item)
        return encoded_key(meta, item), lambda old: item
    if "DeleteRequest" in request:
        key = parse_key(meta, request["DeleteRequest"]["Key"])
        return encoded_key(meta, key), lambda old: None
    raise validation("A WriteRequest must hold a PutRequest or a DeleteRequest")


OPERATIONS: dict[str, Operation] = {
    "BatchGetItem": batch_get_item,
    "BatchWriteItem": batch_write_item,
}
