"""TransactWriteItems and TransactGetItems: all-or-nothing across items and tables.

Every action's condition is evaluated inside one store write transaction; if any fails,
the transaction rolls back and TransactionCanceledException lists a reason per action.
https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_TransactWriteItems.html
https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_TransactGetItems.html
"""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Callable, Mapping
from typing import Any

import msgspec

from lamina.aws.service import AwsRequestContext, OperationInput, OperationOutput, ServiceError
from lamina.services.dynamodb.capacity import Usage, mode_of, read_units, reports
from lamina.services.dynamodb.error import validation
from lamina.services.dynamodb.expression import (
    Condition,
    Update,
    check_unused,
    compile_projection,
    compile_update,
)
from lamina.services.dynamodb.items import (
    check_condition,
    check_item_key,
    condition_of,
    encoded_key,
    parse_key,
    reject_legacy,
    updated_item,
)
from lamina.services.dynamodb.size import check_item_size, item_size
from lamina.services.dynamodb.store import Change, Writer
from lamina.services.dynamodb.tables import Database, Operation
from lamina.services.dynamodb.types import Item, validate_item

MAX_ACTIONS = 100
TOKEN_SECONDS = 600
"""A ClientRequestToken makes a repeated request a no-op for 10 minutes."""
_ACTIONS = ("ConditionCheck", "Put", "Update", "Delete")


class Action(msgspec.Struct, frozen=True):
    """One TransactItems entry, checked: where it writes and what it does there."""

    table: str
    key: tuple[bytes, bytes]
    condition: Condition | None
    params: OperationInput
    change: Change
    kind: str
    """ConditionCheck, Put, Update or Delete."""


def _action(db: Database, entry: Mapping[str, Any]) -> Action:
    kinds = [kind for kind in _ACTIONS if kind in entry]
    if len(kinds) != 1:
        raise validation("TransactItems can only contain one of Check, Put, Update or Delete")
    kind, params = kinds[0], entry[kinds[0]]
    meta = db.require(params["TableName"])
    reject_legacy(params)
    condition = condition_of(params)
    names, values = params.get("ExpressionAttributeNames"), params.get("ExpressionAttributeValues")
    if kind == "Put":
        item = validate_item(params["Item"])
        check_item_key(meta, item)
        check_item_size(item)
        check_unused(names, values, condition)
        return Action(meta.name, encoded_key(meta, item), condition, params, lambda old: item, kind)
    key = parse_key(meta, params["Key"])
    change: Change = _unchanged if kind == "ConditionCheck" else _deleted
    updates: list[Update] = []
    if kind == "Update":
        updates.append(compile_update(params["UpdateExpression"], names, values))
        change = functools.partial(updated_item, meta, key, update=updates[0])
    check_unused(names, values, condition, *updates)
    return Action(meta.name, encoded_key(meta, key), condition, params, change, kind)


def _unchanged(old: Item | None) -> Item | None:
    """A ConditionCheck: the item stays as it is."""
    return old


def _deleted(old: Item | None) -> None:
    return None


def _guarded(action: Action, reasons: list[dict[str, Any]], position: int, usage: Usage) -> Change:
    """The action's change, unless its condition fails: then its reason is recorded.

    Its capacity is charged as a transactional read (ConditionCheck) or write.
    """

    def change(old: Item | None) -> Item | None:
        try:
            check_condition(action.condition, old, action.params)
        except ServiceError as error:
            reasons[position] = {"Code": "ConditionalCheckFailed", "Message": error.message}
            reasons[position].update(error.fields)
            return old
        new = action.change(old)
        if action.kind == "ConditionCheck":
            size = 0 if old is None else item_size(old)
            usage.read(read_units(size, consistent=True, transactional=True))
        else:
            usage.item_write(old, new, transactional=True)
        return new

    return change


def _cancelled(reasons: list[dict[str, Any]]) -> ServiceError:
    codes = ", ".join(reason["Code"] for reason in reasons)
    return ServiceError(
        "TransactionCanceledException",
        f"Transaction cancelled, please refer cancellation reasons for specific reasons [{codes}]",
        status=400,
        fields={"CancellationReasons": reasons},
    )


async def transact_write_items(
    db: Database, ctx: AwsRequestContext, params: OperationInput
) -> OperationOutput:
    entries: list[Mapping[str, Any]] = params["TransactItems"]
    _check_count(entries)
    capacity = mode_of(params)
    token = params.get("ClientRequestToken")
    # The token is looked up and recorded in the transaction that writes, so a replay
    # racing the first request (on any node) waits for it, and a crash forgets neither.
    with db.store.transaction() as writer:
        if token is not None and _seen(writer, token, params, db.clock()):
            return {}
        actions = [_action(db, entry) for entry in entries]
        if len({(action.table, action.key) for action in actions}) != len(actions):
            raise validation("Transaction request cannot include multiple operations on one item")
        reasons: list[dict[str, Any]] = [{"Code": "None"} for _ in actions]
        usages = {action.table: Usage(db.require(action.table)) for action in actions}
        # Keys are locked in one global order, so two transactions never deadlock.
        ordered = sorted(enumerate(actions), key=lambda pair: (pair[1].table, pair[1].key))
        for position, action in ordered:
            guarded = _guarded(action, reasons, position, usages[action.table])
            writer.change(action.table, *action.key, item_size, guarded)
        if any(reason["Code"] != "None" for reason in reasons):
            raise _cancelled(reasons)
        if token is not None:
            now = db.clock()
            writer.record_token(token, now, _fingerprint(params), now - TOKEN_SECONDS)
    return reports(capacity, list(usages.values()), directional=True)


def _check_count(entries: list[Any]) -> None:
    if len(entries) > MAX_ACTIONS:
        raise validation(
            "1 validation error detected: Value at 'transactItems' failed to satisfy "
            f"constraint: Member must have length less than or equal to {MAX_ACTIONS}"
        )


def _seen(writer: Writer, token: str, params: OperationInput, now: float) -> bool:
    """True if this token already succeeded within 10 minutes with the same request.

    https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_TransactWriteItems.html#DDB-TransactWriteItems-request-ClientRequestToken
    """
    recorded = writer.token(token)
    if recorded is None or now - recorded[0] > TOKEN_SECONDS:
        return False
    if recorded[1] != _fingerprint(params):
        raise ServiceError(
            "IdempotentParameterMismatchException",
            "Request parameters do not match the parameters of the original request "
            "for this ClientRequestToken",
            status=400,
        )
    return True


def _fingerprint(params: OperationInput) -> bytes:
    return hashlib.sha256(msgspec.json.encode(params, order="sorted")).digest()


async def transact_get_items(
    db: Database, ctx: AwsRequestContext, params: OperationInput
) -> OperationOutput:
    entries: list[Mapping[str, Any]] = params["TransactItems"]
    _check_count(entries)
    capacity = mode_of(params)
    reads = [_get(db, entry["Get"]) for entry in entries]
    usages = {table: Usage(db.require(table)) for table, _, _ in reads}
    responses: list[dict[str, Any]] = []
    with db.store.transaction() as writer:
        for table, key, apply in reads:
            item = writer.get(table, *key)
            size = 0 if item is None else item_size(item)
            usages[table].read(read_units(size, consistent=True, transactional=True))
            responses.append({} if item is None else {"Item": apply(item)})
    output = {"Responses": responses}
    return output | reports(capacity, list(usages.values()), directional=True)


def _get(
    db: Database, params: Mapping[str, Any]
) -> tuple[str, tuple[bytes, bytes], Callable[[Item], Item]]:
    meta = db.require(params["TableName"])
    key = parse_key(meta, params["Key"])
    names = params.get("ExpressionAttributeNames")
    text = params.get("ProjectionExpression")
    projection = None if text is None else compile_projection(text, names)
    check_unused(names, None, projection)
    apply = (lambda item: item) if projection is None else projection.apply
    return meta.name, encoded_key(meta, key), apply


OPERATIONS: dict[str, Operation] = {
    "TransactWriteItems": transact_write_items,
    "TransactGetItems": transact_get_items,
}
