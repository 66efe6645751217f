"""CreateTable, DescribeTable, ListTables and DeleteTable through boto3.

https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_CreateTable.html
"""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError

from .conftest import ACCOUNT, REGION, create_table


def error_of(excinfo: pytest.ExceptionInfo[ClientError]) -> tuple[str, str]:
    error = excinfo.value.response["Error"]
    return error["Code"], error["Message"]


def test_describe_table_after_create_reports_boto3_shape(client: Any) -> None:
    create_table(client, "orders", "N")
    table = client.describe_table(TableName="orders")["Table"]
    assert table["TableName"] == "orders"
    assert table["TableArn"] == f"arn:aws:dynamodb:{REGION}:{ACCOUNT}:table/orders"
    assert table["TableStatus"] == "ACTIVE"
    assert table["KeySchema"] == [
        {"AttributeName": "pk", "KeyType": "HASH"},
        {"AttributeName": "sk", "KeyType": "RANGE"},
    ]
    assert {"AttributeName": "sk", "AttributeType": "N"} in table["AttributeDefinitions"]
    assert table["BillingModeSummary"]["BillingMode"] == "PAY_PER_REQUEST"
    assert table["ItemCount"] == 0
    assert table["CreationDateTime"].year >= 2024


def test_describe_table_counts_items_and_bytes(client: Any) -> None:
    create_table(client, "counted", None)
    client.put_item(TableName="counted", Item={"pk": {"S": "ab"}, "v": {"S": "xyz"}})
    table = client.describe_table(TableName="counted")["Table"]
    # "pk" + "ab" + "v" + "xyz": 2 + 2 + 1 + 3 bytes.
    assert (table["ItemCount"], table["TableSizeBytes"]) == (1, 8)


def test_create_table_provisioned_reports_throughput(client: Any) -> None:
    client.create_table(
        TableName="provisioned",
        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
        ProvisionedThroughput={"ReadCapacityUnits": 5, "WriteCapacityUnits": 3},
    )
    table = client.describe_table(TableName="provisioned")["Table"]
    assert table["ProvisionedThroughput"]["ReadCapacityUnits"] == 5
    assert table["ProvisionedThroughput"]["WriteCapacityUnits"] == 3
    assert "BillingModeSummary" not in table


def test_create_table_existing_name_raises_resource_in_use(client: Any) -> None:
    create_table(client, "twice")
    with pytest.raises(ClientError) as excinfo:
        create_table(client, "twice")
    assert error_of(excinfo) == ("ResourceInUseException", "Table already exists: twice")


@pytest.mark.parametrize(
    ("schema", "definitions", "message"),
    [
        (
            [("pk", "HASH"), ("sk", "RANGE")],
            [("pk", "S")],
            "One or more parameter values were invalid: Some index key attributes are not "
            "defined in AttributeDefinitions. Keys: [sk], AttributeDefinitions: [pk]",
        ),
        (
            [("pk", "HASH")],
            [("pk", "S"), ("extra", "S")],
            "One or more parameter values were invalid: Number of attributes in KeySchema does "
            "not exactly match number of attributes defined in AttributeDefinitions",
        ),
        (
            [("pk", "RANGE")],
            [("pk", "S")],
            "Invalid KeySchema: The first KeySchemaElement is not a HASH key type",
        ),
        (
            [("pk", "HASH"), ("pk", "RANGE")],
            [("pk", "S")],
            "Invalid KeySchema: Both the Hash Key and the Range Key element in the KeySchema "
            "have the same name",
        ),
    ],
)
def test_create_table_bad_schema_raises_validation(
    client: Any, schema: list[tuple[str, str]], definitions: list[tuple[str, str]], message: str
) -> None:
    with pytest.raises(ClientError) as excinfo:
        client.create_table(
            TableName="broken",
            KeySchema=[{"AttributeName": n, "KeyType": k} for n, k in schema],
            AttributeDefinitions=[{"AttributeName": n, "AttributeType": t} for n, t in definitions],
            BillingMode="PAY_PER_REQUEST",
        )
    assert error_of(excinfo) == ("ValidationException", message)


def test_create_table_provisioned_without_throughput_raises_validation(client: Any) -> None:
    with pytest.raises(ClientError) as excinfo:
        client.create_table(
            TableName="nothroughput",
            KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
        )
    assert error_of(excinfo) == (
        "ValidationException",
        "One or more parameter values were invalid: ReadCapacityUnits and WriteCapacityUnits "
        "must both be specified when BillingMode is PROVISIONED",
    )


def test_describe_table_unknown_raises_resource_not_found(client: Any) -> None:
    with pytest.raises(ClientError) as excinfo:
        client.describe_table(TableName="missing")
    assert error_of(excinfo) == (
        "ResourceNotFoundException",
        "Requested resource not found: Table: missing not found",
    )


def test_list_tables_pages_with_limit_and_start_name(client: Any) -> None:
    for name in ("ccc", "aaa", "bbb"):
        create_table(client, name)
    first = client.list_tables(Limit=2)
    assert first["TableNames"] == ["aaa", "bbb"]
    assert first["LastEvaluatedTableName"] == "bbb"
    second = client.list_tables(ExclusiveStartTableName="bbb", Limit=2)
    assert second["TableNames"] == ["ccc"]
    assert "LastEvaluatedTableName" not in second
    paginated = client.get_paginator("list_tables").paginate(PaginationConfig={"PageSize": 1})
    assert [name for page in paginated for name in page["TableNames"]] == ["aaa", "bbb", "ccc"]


def test_delete_table_removes_it_and_its_items(client: Any) -> None:
    create_table(client, "doomed", None)
    client.put_item(TableName="doomed", Item={"pk": {"S": "a"}})
    deleted = client.delete_table(TableName="doomed")["TableDescription"]
    assert deleted["TableStatus"] == "DELETING"
    assert client.list_tables()["TableNames"] == []
    with pytest.raises(ClientError) as excinfo:
        client.get_item(TableName="doomed", Key={"pk": {"S": "a"}})
    assert error_of(excinfo) == ("ResourceNotFoundException", "Requested resource not found")
    create_table(client, "doomed", None)
    assert "Item" not in client.get_item(TableName="doomed", Key={"pk": {"S": "a"}})


def test_table_waiter_and_resource_api_see_active_table(server: Any) -> None:
    resource = server.resource()
    table = resource.create_table(
        TableName="viaresource",
        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    table.wait_until_exists()
    assert table.table_status == "ACTIVE"
    assert table.key_schema == [{"AttributeName": "id", "KeyType": "HASH"}]
