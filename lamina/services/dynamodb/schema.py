"""UpdateTable: creating and deleting global secondary indexes, changing billing.

Lamina builds a new index (backfilling the table's items) before it answers, so the
index is ACTIVE at once; DynamoDB would report CREATING while it backfills.
https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_UpdateTable.html
https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/GSI.OnlineOps.html
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import msgspec

from lamina.aws.service import AwsRequestContext, OperationInput, OperationOutput, ServiceError
from lamina.services.dynamodb import streams
from lamina.services.dynamodb.error import validation
from lamina.services.dynamodb.index import GLOBAL, IndexMeta, declared
from lamina.services.dynamodb.size import item_size
from lamina.services.dynamodb.store import TableMeta
from lamina.services.dynamodb.tables import (
    Database,
    Operation,
    attribute_types,
    billing,
    check_definitions,
    describe,
)

_SUPPORTED = {
    "TableName",
    "AttributeDefinitions",
    "GlobalSecondaryIndexUpdates",
    "BillingMode",
    "ProvisionedThroughput",
    "StreamSpecification",
}
_INVALID = "One or more parameter values were invalid: "


async def update_table(
    db: Database, ctx: AwsRequestContext, params: OperationInput
) -> OperationOutput:
    meta = db.require(params["TableName"], detailed=True)
    unsupported = sorted(set(params) - _SUPPORTED)
    if unsupported:
        raise validation(f"Lamina's UpdateTable does not support {', '.join(unsupported)}")
    types = {**meta.attribute_types, **attribute_types(params.get("AttributeDefinitions", []))}
    indexes = list(meta.secondary_indexes)
    for update in params.get("GlobalSecondaryIndexUpdates", []):
        indexes = _updated_indexes(meta, indexes, update)
    used = set(meta.key_names()).union(*(index.key_names() for index in indexes))
    types = {name: kind for name, kind in types.items() if name in used}
    check_definitions(used, types)
    for name, kind in meta.attribute_types.items():
        if types.get(name, kind) != kind:
            raise validation(f"{_INVALID}Cannot change the type of attribute {name}")
    mode, read, write = meta.billing_mode, meta.read_capacity, meta.write_capacity
    if "BillingMode" in params or "ProvisionedThroughput" in params:
        mode, read, write = billing({"BillingMode": mode, **params})
    view, label = _stream(db, meta, params)
    # replace() keeps what UpdateTable does not change (TTL, tags).
    new = msgspec.structs.replace(
        meta,
        attribute_types=types,
        billing_mode=mode,
        read_capacity=read,
        write_capacity=write,
        secondary_indexes=tuple(indexes),
        stream_view_type=view,
        stream_label=label,
    )
    db.store.replace_table(new, item_size)
    return {"TableDescription": describe(db, new)}


def _stream(db: Database, meta: TableMeta, params: OperationInput) -> tuple[str | None, str | None]:
    """The stream's view type and label after the update: enabling one on a table that has
    one enabled, or disabling one it does not have, is refused as by DynamoDB.
    https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_UpdateTable.html
    """
    if "StreamSpecification" not in params:
        return meta.stream_view_type, meta.stream_label
    view = streams.specification(params)
    if view is None:
        if meta.stream_view_type is None:
            raise validation(f"Table already has streams disabled: {meta.name}")
        return None, meta.stream_label
    if meta.stream_view_type is not None:
        raise validation(
            f"Table already has an enabled stream: TableName: {meta.name}, "
            f"StreamArn: {streams.stream_arn(db.arn(meta.name), meta.stream_label or '')}"
        )
    return view, streams.new_label(db.clock())


def _updated_indexes(
    meta: TableMeta, indexes: list[IndexMeta], update: Mapping[str, Any]
) -> list[IndexMeta]:
    """One GlobalSecondaryIndexUpdates entry: Create or Delete (Update is refused)."""
    if "Create" in update:
        (created,) = declared(
            {"GlobalSecondaryIndexes": [update["Create"]]}, meta.partition_key, meta.sort_key
        )
        if any(index.name == created.name for index in indexes):
            raise validation(f"{_INVALID}Index with name {created.name} already exists")
        return [*indexes, created]
    if "Delete" in update:
        name = update["Delete"]["IndexName"]
        if not any(index.name == name and index.kind == GLOBAL for index in indexes):
            raise ServiceError(
                "ResourceNotFoundException",
                f"Requested resource not found: Index: {name} not found",
                status=400,
            )
        return [index for index in indexes if index.name != name]
    raise validation("Lamina's UpdateTable does not support GlobalSecondaryIndexUpdates Update")


OPERATIONS: dict[str, Operation] = {"UpdateTable": update_table}
