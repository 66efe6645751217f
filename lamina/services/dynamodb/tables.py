"""CreateTable, DescribeTable, ListTables and DeleteTable over a TableStore.

https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_CreateTable.html
https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_DescribeTable.html
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Awaitable, Callable, Mapping
from datetime import UTC, datetime
from typing import Any

from lamina.aws.service import AwsRequestContext, OperationInput, OperationOutput, ServiceError
from lamina.services.dynamodb import streams
from lamina.services.dynamodb.error import validation
from lamina.services.dynamodb.index import GLOBAL, declared
from lamina.services.dynamodb.store import TableMeta, TableStore
from lamina.services.dynamodb.tag import checked_tags

_NAME = re.compile(r"[a-zA-Z0-9_.-]{3,255}")
_INVALID = "One or more parameter values were invalid: "


class Database:
    """What every operation needs: the store and where the tables live (for ARNs)."""

    __slots__ = ("account_id", "clock", "region", "store")

    def __init__(
        self, store: TableStore, *, region: str, account_id: str, clock: Callable[[], float]
    ) -> None:
        self.store = store
        self.region = region
        self.account_id = account_id
        self.clock = clock

    def require(self, name: str, *, detailed: bool = False) -> TableMeta:
        """The table's metadata, or DynamoDB's ResourceNotFoundException.

        https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/CommonErrors.html
        """
        meta = self.store.table(name) if isinstance(name, str) else None
        if meta is None:
            message = "Requested resource not found"
            if detailed:
                message += f": Table: {name} not found"
            raise ServiceError("ResourceNotFoundException", message, status=400)
        return meta

    def arn(self, name: str) -> str:
        return f"arn:aws:dynamodb:{self.region}:{self.account_id}:table/{name}"


Operation = Callable[[Database, AwsRequestContext, OperationInput], Awaitable[OperationOutput]]


def check_table_name(name: str) -> None:
    """https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/HowItWorks.NamingRulesDataTypes.html"""
    if len(name) < 3:
        raise validation(
            f"1 validation error detected: Value '{name}' at 'tableName' failed to satisfy "
            "constraint: Member must have length greater than or equal to 3"
        )
    if not _NAME.fullmatch(name):
        raise validation(
            f"1 validation error detected: Value '{name}' at 'tableName' failed to satisfy "
            "constraint: Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+"
        )


async def create_table(
    db: Database, ctx: AwsRequestContext, params: OperationInput
) -> OperationOutput:
    name = params["TableName"]
    check_table_name(name)
    types = attribute_types(params["AttributeDefinitions"])
    partition, sort = _key_schema(params["KeySchema"])
    indexes = declared(params, partition, sort)
    used = {partition} if sort is None else {partition, sort}
    for index in indexes:
        used.update(index.key_names())
    check_definitions(used, types)
    mode, read, write = billing(params)
    view = streams.specification(params)
    now = db.clock()
    meta = TableMeta(
        name,
        partition,
        sort,
        types,
        now,
        mode,
        read,
        write,
        indexes,
        tags=checked_tags(params.get("Tags") or [], {}),
        stream_view_type=view,
        stream_label=None if view is None else streams.new_label(now),
    )
    if not db.store.create_table(meta):
        raise ServiceError("ResourceInUseException", f"Table already exists: {name}", status=400)
    return {"TableDescription": describe(db, meta)}


def attribute_types(definitions: list[Mapping[str, str]]) -> dict[str, str]:
    types: dict[str, str] = {}
    for position, definition in enumerate(definitions, 1):
        kind = definition["AttributeType"]
        if kind not in ("S", "N", "B"):
            raise validation(
                f"1 validation error detected: Value '{kind}' at "
                f"'attributeDefinitions.{position}.member.attributeType' failed to satisfy "
                "constraint: Member must satisfy enum value set: [B, N, S]"
            )
        types[definition["AttributeName"]] = kind
    return types


def _key_schema(schema: list[Mapping[str, str]]) -> tuple[str, str | None]:
    """The partition and sort key names, with DynamoDB's KeySchema checks."""
    if schema[0]["KeyType"] != "HASH":
        raise validation("Invalid KeySchema: The first KeySchemaElement is not a HASH key type")
    if len(schema) == 1:
        return schema[0]["AttributeName"], None
    if schema[1]["KeyType"] != "RANGE":
        raise validation("Invalid KeySchema: The second KeySchemaElement is not a RANGE key type")
    if schema[0]["AttributeName"] == schema[1]["AttributeName"]:
        raise validation(
            "Invalid KeySchema: Both the Hash Key and the Range Key element in the KeySchema "
            "have the same name"
        )
    return schema[0]["AttributeName"], schema[1]["AttributeName"]


def check_definitions(used: set[str], types: Mapping[str, str]) -> None:
    missing = sorted(used - types.keys())
    if missing:
        raise validation(
            f"{_INVALID}Some index key attributes are not defined in AttributeDefinitions. "
            f"Keys: [{', '.join(missing)}], AttributeDefinitions: [{', '.join(types)}]"
        )
    if len(types) != len(used):
        raise validation(
            f"{_INVALID}Number of attributes in KeySchema does not exactly match number of "
            "attributes defined in AttributeDefinitions"
        )


def billing(params: OperationInput) -> tuple[str, int, int]:
    """BillingMode defaults to PROVISIONED, which needs ProvisionedThroughput."""
    mode = params.get("BillingMode", "PROVISIONED")
    throughput = params.get("ProvisionedThroughput")
    if mode == "PAY_PER_REQUEST":
        if throughput is not None:
            raise validation(
                f"{_INVALID}Neither ReadCapacityUnits nor WriteCapacityUnits can be specified "
                "when BillingMode is PAY_PER_REQUEST"
            )
        return mode, 0, 0
    if throughput is None:
        raise validation(
            f"{_INVALID}ReadCapacityUnits and WriteCapacityUnits must both be specified when "
            "BillingMode is PROVISIONED"
        )
    return mode, int(throughput["ReadCapacityUnits"]), int(throughput["WriteCapacityUnits"])


def describe(db: Database, meta: TableMeta, status: str = "ACTIVE") -> dict[str, Any]:
    count, size = db.store.stats(meta.name)
    created = datetime.fromtimestamp(meta.created, UTC)
    schema = [{"AttributeName": meta.partition_key, "KeyType": "HASH"}]
    if meta.sort_key is not None:
        schema.append({"AttributeName": meta.sort_key, "KeyType": "RANGE"})
    description: dict[str, Any] = {
        "AttributeDefinitions": [
            {"AttributeName": name, "AttributeType": kind}
            for name, kind in meta.attribute_types.items()
        ],
        "TableName": meta.name,
        "KeySchema": schema,
        "TableStatus": status,
        "CreationDateTime": created,
        "ProvisionedThroughput": {
            "NumberOfDecreasesToday": 0,
            "ReadCapacityUnits": meta.read_capacity,
            "WriteCapacityUnits": meta.write_capacity,
        },
        "TableSizeBytes": size,
        "ItemCount": count,
        "TableArn": db.arn(meta.name),
        "TableId": str(uuid.uuid5(uuid.NAMESPACE_URL, f"{db.arn(meta.name)}@{meta.created}")),
        "DeletionProtectionEnabled": False,
    }
    if meta.billing_mode == "PAY_PER_REQUEST":
        description["BillingModeSummary"] = {
            "BillingMode": "PAY_PER_REQUEST",
            "LastUpdateToPayPerRequestDateTime": created,
        }
    description.update(_indexes(db, meta))
    description.update(streams.described(meta, db.arn(meta.name)))
    return description


def _indexes(db: Database, meta: TableMeta) -> dict[str, Any]:
    """GlobalSecondaryIndexes and LocalSecondaryIndexes as DescribeTable reports them.

    https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_GlobalSecondaryIndexDescription.html
    """
    described: dict[str, Any] = {}
    for index in meta.secondary_indexes:
        count, size = db.store.stats(meta.name, index.name)
        projection: dict[str, Any] = {"ProjectionType": index.projection}
        if index.non_key_attributes:
            projection["NonKeyAttributes"] = list(index.non_key_attributes)
        schema = [{"AttributeName": index.partition_key, "KeyType": "HASH"}]
        if index.sort_key is not None:
            schema.append({"AttributeName": index.sort_key, "KeyType": "RANGE"})
        description: dict[str, Any] = {
            "IndexName": index.name,
            "KeySchema": schema,
            "Projection": projection,
            "IndexArn": f"{db.arn(meta.name)}/index/{index.name}",
            "IndexSizeBytes": size,
            "ItemCount": count,
        }
        if index.kind == GLOBAL:
            description["IndexStatus"] = "ACTIVE"
            description["ProvisionedThroughput"] = {
                "NumberOfDecreasesToday": 0,
                "ReadCapacityUnits": index.read_capacity,
                "WriteCapacityUnits": index.write_capacity,
            }
        key = "GlobalSecondaryIndexes" if index.kind == GLOBAL else "LocalSecondaryIndexes"
        described.setdefault(key, []).append(description)
    return described


async def describe_table(
    db: Database, ctx: AwsRequestContext, params: OperationInput
) -> OperationOutput:
    return {"Table": describe(db, db.require(params["TableName"], detailed=True))}


async def delete_table(
    db: Database, ctx: AwsRequestContext, params: OperationInput
) -> OperationOutput:
    meta = db.require(params["TableName"], detailed=True)
    description = describe(db, meta, "DELETING")
    db.store.delete_table(meta.name)
    return {"TableDescription": description}


async def list_tables(
    db: Database, ctx: AwsRequestContext, params: OperationInput
) -> OperationOutput:
    """Names in order, after ExclusiveStartTableName, at most Limit (default 100)."""
    names = db.store.table_names()
    start = params.get("ExclusiveStartTableName")
    if start is not None:
        names = [name for name in names if name > start]
    limit = params.get("Limit", 100)
    output: OperationOutput = {"TableNames": names[:limit]}
    if len(names) > limit:
        output["LastEvaluatedTableName"] = names[limit - 1]
    return output


OPERATIONS: dict[str, Operation] = {
    "CreateTable": create_table,
    "DescribeTable": describe_table,
    "DeleteTable": delete_table,
    "ListTables": list_tables,
}
