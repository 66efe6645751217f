"""PutItem, GetItem, DeleteItem and UpdateItem: one item per call, each write atomic.

https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_PutItem.html
https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_UpdateItem.html
https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/Expressions.ConditionExpressions.html
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from lamina.aws.service import AwsRequestContext, OperationInput, OperationOutput, ServiceError
from lamina.services.dynamodb.capacity import Usage, mode_of, read_units, single
from lamina.services.dynamodb.error import validation
from lamina.services.dynamodb.expression import (
    Condition,
    Update,
    check_unused,
    compile_condition,
    compile_projection,
    compile_update,
)
from lamina.services.dynamodb.expression.projection import project
from lamina.services.dynamodb.expression.tree import Path
from lamina.services.dynamodb.index import check_index_keys
from lamina.services.dynamodb.keys import encode_key
from lamina.services.dynamodb.size import check_item_size, item_size
from lamina.services.dynamodb.store import TableMeta
from lamina.services.dynamodb.tables import Database, Operation
from lamina.services.dynamodb.types import Item, type_of, validate_item, validate_key_value

_INVALID = "One or more parameter values were invalid: "
_LEGACY = ("Expected", "AttributeUpdates", "AttributesToGet", "ConditionalOperator")


def encoded_key(meta: TableMeta, item: Mapping[str, Any]) -> tuple[bytes, bytes]:
    """The (partition, sort) bytes the store indexes an item under."""
    sort = b"" if meta.sort_key is None else encode_key(item[meta.sort_key])
    return encode_key(item[meta.partition_key]), sort


def parse_key(meta: TableMeta, key: Mapping[str, Any]) -> Item:
    """A Key parameter: exactly the table's key attributes, of their declared types."""
    validated = validate_item(key)
    names = meta.key_names()
    if set(validated) != set(names) or any(
        type_of(validated[name]) != meta.attribute_types[name] for name in names
    ):
        raise validation("The provided key element does not match the schema")
    for name in names:
        validate_key_value(name, validated[name])
    return validated


def check_item_key(meta: TableMeta, item: Mapping[str, Any]) -> None:
    """An item (PutItem's, or UpdateItem's result) must hold its key attributes."""
    for name in meta.key_names():
        if name not in item:
            raise validation(f"{_INVALID}Missing the key {name} in the item")
        actual, expected = type_of(item[name]), meta.attribute_types[name]
        if actual != expected:
            raise validation(
                f"{_INVALID}Type mismatch for key {name} expected: {expected} actual: {actual}"
            )
        validate_key_value(name, item[name])
    check_index_keys(meta.secondary_indexes, meta.attribute_types, item)


def reject_legacy(params: OperationInput) -> None:
    """Lamina answers the expression API; the legacy parameters are named, not ignored."""
    for name in _LEGACY:
        if name in params:
            raise validation(
                f"Lamina does not support the legacy parameter {name}; use expressions"
            )


def return_values(params: OperationInput, allowed: tuple[str, ...]) -> str:
    choice = str(params.get("ReturnValues", "NONE"))
    if choice not in allowed:
        raise validation("Return values set to invalid value")
    return choice


def condition_of(params: OperationInput) -> Condition | None:
    text = params.get("ConditionExpression")
    if text is None:
        return None
    names, values = params.get("ExpressionAttributeNames"), params.get("ExpressionAttributeValues")
    return compile_condition(text, names, values)


def check_condition(condition: Condition | None, old: Item | None, params: OperationInput) -> None:
    if condition is None or condition.matches(old or {}):
        return
    fields: dict[str, object] = {}
    if params.get("ReturnValuesOnConditionCheckFailure") == "ALL_OLD" and old is not None:
        fields["Item"] = old
    raise ServiceError(
        "ConditionalCheckFailedException",
        "The conditional request failed",
        status=400,
        fields=fields,
    )


async def put_item(db: Database, ctx: AwsRequestContext, params: OperationInput) -> OperationOutput:
    meta = db.require(params["TableName"])
    reject_legacy(params)
    returns = return_values(params, ("NONE", "ALL_OLD"))
    capacity = mode_of(params)
    item = validate_item(params["Item"])
    check_item_key(meta, item)
    check_item_size(item)
    condition = condition_of(params)
    check_unused(
        params.get("ExpressionAttributeNames"), params.get("ExpressionAttributeValues"), condition
    )

    def replace(old: Item | None) -> Item:
        check_condition(condition, old, params)
        return item

    old = db.store.change(meta.name, *encoded_key(meta, item), item_size, replace)
    output = {"Attributes": old} if returns == "ALL_OLD" and old else {}
    return output | _written(capacity, meta, old, item)


def _written(
    mode: str | None, meta: TableMeta, old: Item | None, new: Item | None
) -> OperationOutput:
    """ConsumedCapacity of a one-item write, when asked for."""
    if mode is None:
        return {}
    usage = Usage(meta)
    usage.item_write(old, new)
    return single(mode, usage)


async def get_item(db: Database, ctx: AwsRequestContext, params: OperationInput) -> OperationOutput:
    meta = db.require(params["TableName"])
    reject_legacy(params)
    capacity = mode_of(params)
    key = parse_key(meta, params["Key"])
    names = params.get("ExpressionAttributeNames")
    text = params.get("ProjectionExpression")
    projection = None if text is None else compile_projection(text, names)
    check_unused(names, None, projection)
    item = db.store.get(meta.name, *encoded_key(meta, key))
    usage = Usage(meta)
    consistent = bool(params.get("ConsistentRead"))
    usage.read(read_units(0 if item is None else item_size(item), consistent=consistent))
    if item is None:
        return single(capacity, usage)
    return {"Item": item if projection is None else projection.apply(item)} | single(
        capacity, usage
    )


async def delete_item(
    db: Database, ctx: AwsRequestContext, params: OperationInput
) -> OperationOutput:
    meta = db.require(params["TableName"])
    reject_legacy(params)
    returns = return_values(params, ("NONE", "ALL_OLD"))
    capacity = mode_of(params)
    key = parse_key(meta, params["Key"])
    condition = condition_of(params)
    check_unused(
        params.get("ExpressionAttributeNames"), params.get("ExpressionAttributeValues"), condition
    )

    def remove(old: Item | None) -> None:
        check_condition(condition, old, params)

    old = db.store.change(meta.name, *encoded_key(meta, key), item_size, remove)
    output = {"Attributes": old} if returns == "ALL_OLD" and old else {}
    return output | _written(capacity, meta, old, None)


async def update_item(
    db: Database, ctx: AwsRequestContext, params: OperationInput
) -> OperationOutput:
    meta = db.require(params["TableName"])
    reject_legacy(params)
    returns = return_values(params, ("NONE", "ALL_OLD", "UPDATED_OLD", "ALL_NEW", "UPDATED_NEW"))
    capacity = mode_of(params)
    key = parse_key(meta, params["Key"])
    names, values = params.get("ExpressionAttributeNames"), params.get("ExpressionAttributeValues")
    text = params.get("UpdateExpression")
    update = None if text is None else compile_update(text, names, values)
    condition = condition_of(params)
    check_unused(names, values, condition, update)
    result: list[Item] = []

    def apply(old: Item | None) -> Item:
        check_condition(condition, old, params)
        new = updated_item(meta, key, old, update)
        result.append(new)
        return new

    old = db.store.change(meta.name, *encoded_key(meta, key), item_size, apply)
    attributes = _returned(returns, old or {}, result[0], update)
    output = {"Attributes": attributes} if attributes else {}
    return output | _written(capacity, meta, old, result[0])


def updated_item(meta: TableMeta, key: Item, old: Item | None, update: Update | None) -> Item:
    """The item after the update; key attributes may not change.

    https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_UpdateItem.html
    """
    if update is not None:
        for path in updated_paths(update):
            if path.segments[0] in meta.key_names():
                raise validation(
                    f"{_INVALID}Cannot update attribute {path.segments[0]}. "
                    "This attribute is part of the key"
                )
    base = old if old is not None else dict(key)
    new = base if update is None else update.apply(base)
    check_index_keys(meta.secondary_indexes, meta.attribute_types, new)
    check_item_size(new)
    return new


def _returned(returns: str, old: Item, new: Item, update: Update | None) -> Item:
    """ReturnValues: UPDATED_* hold only the paths the update expression names."""
    if returns == "ALL_OLD":
        return old
    if returns == "ALL_NEW":
        return new
    if returns == "NONE" or update is None:
        return {}
    return project(old if returns == "UPDATED_OLD" else new, updated_paths(update))


def updated_paths(update: Update) -> tuple[Path, ...]:
    node = update.node
    groups = (node.sets, node.removes, node.adds, node.deletes)
    return tuple(action.path for group in groups for action in group)


OPERATIONS: dict[str, Operation] = {
    "PutItem": put_item,
    "GetItem": get_item,
    "DeleteItem": delete_item,
    "UpdateItem": update_item,
}
