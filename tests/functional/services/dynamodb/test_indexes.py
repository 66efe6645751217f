"""Global and local secondary indexes through boto3: sparse entries, projections, reads.

https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/SecondaryIndexes.html
"""

from __future__ import annotations

from typing import Any

import pytest
from boto3.dynamodb.conditions import Key
from botocore.exceptions import ClientError

from .backend import Backend
from .conftest import DynamoDbServer

DEFINITIONS = [
    {"AttributeName": name, "AttributeType": kind}
    for name, kind in [("pk", "S"), ("sk", "S"), ("status", "S"), ("score", "N"), ("rank", "N")]
]


def create_indexed(client: Any) -> None:
    """orders: by_status (GSI, status/score, KEYS_ONLY), by_rank (LSI, INCLUDE note)."""
    client.create_table(
        TableName="orders",
        KeySchema=[
            {"AttributeName": "pk", "KeyType": "HASH"},
            {"AttributeName": "sk", "KeyType": "RANGE"},
        ],
        AttributeDefinitions=DEFINITIONS,
        BillingMode="PAY_PER_REQUEST",
        GlobalSecondaryIndexes=[
            {
                "IndexName": "by_status",
                "KeySchema": [
                    {"AttributeName": "status", "KeyType": "HASH"},
                    {"AttributeName": "score", "KeyType": "RANGE"},
                ],
                "Projection": {"ProjectionType": "KEYS_ONLY"},
            }
        ],
        LocalSecondaryIndexes=[
            {
                "IndexName": "by_rank",
                "KeySchema": [
                    {"AttributeName": "pk", "KeyType": "HASH"},
                    {"AttributeName": "rank", "KeyType": "RANGE"},
                ],
                "Projection": {"ProjectionType": "INCLUDE", "NonKeyAttributes": ["note"]},
            }
        ],
    )


def put(client: Any, pk: str, sk: str, **attributes: dict[str, str]) -> None:
    client.put_item(TableName="orders", Item={"pk": {"S": pk}, "sk": {"S": sk}, **attributes})


def by_status(client: Any, status: str, **params: Any) -> Any:
    return client.query(
        TableName="orders",
        IndexName="by_status",
        KeyConditionExpression="#s = :s",
        ExpressionAttributeNames={"#s": "status"},
        ExpressionAttributeValues={":s": {"S": status}},
        **params,
    )


def keys(items: list[dict[str, Any]]) -> list[tuple[str, str]]:
    return [(item["pk"]["S"], item["sk"]["S"]) for item in items]


@pytest.fixture
def orders(server: DynamoDbServer) -> Any:
    client = server.client()
    create_indexed(client)
    put(client, "b", "1", status={"S": "open"}, score={"N": "5"}, note={"S": "n"})
    put(client, "a", "2", status={"S": "open"}, score={"N": "5"}, extra={"S": "x"})
    put(client, "a", "1", status={"S": "open"}, score={"N": "-1"})
    put(client, "c", "1", status={"S": "closed"}, score={"N": "9"})
    put(client, "d", "1", score={"N": "3"})  # no status: not in by_status
    return client


def test_gsi_query_orders_by_index_sort_key_then_table_keys(orders: Any) -> None:
    page = by_status(orders, "open")
    assert keys(page["Items"]) == [("a", "1"), ("a", "2"), ("b", "1")]
    backwards = by_status(orders, "open", ScanIndexForward=False)
    assert keys(backwards["Items"]) == [("b", "1"), ("a", "2"), ("a", "1")]


def test_gsi_keys_only_projection_keeps_table_and_index_keys(orders: Any) -> None:
    item = by_status(orders, "closed")["Items"][0]
    assert set(item) == {"pk", "sk", "status", "score"}


def test_gsi_is_sparse_and_follows_updates_and_deletes(orders: Any) -> None:
    scanned = orders.scan(TableName="orders", IndexName="by_status")
    assert len(scanned["Items"]) == 4
    assert ("d", "1") not in keys(scanned["Items"])
    orders.update_item(
        TableName="orders",
        Key={"pk": {"S": "d"}, "sk": {"S": "1"}},
        UpdateExpression="SET #s = :s",
        ExpressionAttributeNames={"#s": "status"},
        ExpressionAttributeValues={":s": {"S": "closed"}},
    )
    orders.update_item(
        TableName="orders",
        Key={"pk": {"S": "c"}, "sk": {"S": "1"}},
        UpdateExpression="REMOVE #s",
        ExpressionAttributeNames={"#s": "status"},
    )
    orders.delete_item(TableName="orders", Key={"pk": {"S": "b"}, "sk": {"S": "1"}})
    assert keys(by_status(orders, "closed")["Items"]) == [("d", "1")]
    assert keys(by_status(orders, "open")["Items"]) == [("a", "1"), ("a", "2")]


def test_gsi_pagination_carries_index_and_table_keys(orders: Any) -> None:
    first = by_status(orders, "open", Limit=2)
    assert first["LastEvaluatedKey"] == {
        "pk": {"S": "a"},
        "sk": {"S": "2"},
        "status": {"S": "open"},
        "score": {"N": "5"},
    }
    second = by_status(orders, "open", Limit=2, ExclusiveStartKey=first["LastEvaluatedKey"])
    assert keys(second["Items"]) == [("b", "1")]
    assert "LastEvaluatedKey" not in second


def test_index_scan_pages_cover_every_entry_once(orders: Any) -> None:
    paginator = orders.get_paginator("scan")
    pages = paginator.paginate(TableName="orders", IndexName="by_status", Limit=1)
    found = [key for page in pages for key in keys(page["Items"])]
    assert sorted(found) == [("a", "1"), ("a", "2"), ("b", "1"), ("c", "1")]


def test_gsi_consistent_read_is_rejected(orders: Any) -> None:
    with pytest.raises(ClientError) as caught:
        by_status(orders, "open", ConsistentRead=True)
    assert caught.value.response["Error"] == {
        "Code": "ValidationException",
        "Message": "Consistent reads are not supported on global secondary indexes",
    }


@pytest.mark.parametrize("operation", ["query", "scan"])
def test_unknown_index_name_is_rejected(orders: Any, operation: str) -> None:
    params: dict[str, Any] = {"TableName": "orders", "IndexName": "nope"}
    if operation == "query":
        params["KeyConditionExpression"] = "pk = :p"
        params["ExpressionAttributeValues"] = {":p": {"S": "a"}}
    with pytest.raises(ClientError) as caught:
        getattr(orders, operation)(**params)
    assert caught.value.response["Error"]["Message"] == (
        "The table does not have the specified index: nope"
    )


def test_lsi_include_projection_and_all_attributes_fetch(server: DynamoDbServer) -> None:
    client = server.client()
    create_indexed(client)
    put(client, "p", "1", rank={"N": "2"}, note={"S": "kept"}, other={"S": "dropped"})
    put(client, "p", "2", rank={"N": "1"})
    put(client, "p", "3")
    table = server.resource().Table("orders")
    projected = table.query(IndexName="by_rank", KeyConditionExpression=Key("pk").eq("p"))
    assert [item["sk"] for item in projected["Items"]] == ["2", "1"]
    assert projected["Items"][1] == {"pk": "p", "sk": "1", "rank": 2, "note": "kept"}
    whole = table.query(
        IndexName="by_rank",
        KeyConditionExpression=Key("pk").eq("p") & Key("rank").gt(1),
        Select="ALL_ATTRIBUTES",
        ConsistentRead=True,
    )
    assert whole["Items"][0]["other"] == "dropped"


def test_describe_table_reports_index_counts_and_sizes(orders: Any) -> None:
    table = orders.describe_table(TableName="orders")["Table"]
    (gsi,) = table["GlobalSecondaryIndexes"]
    assert gsi["IndexStatus"] == "ACTIVE"
    assert gsi["ItemCount"] == 4
    # KEYS_ONLY: pk, sk, status and score of each entry, e.g. "a","2","open",5.
    assert 0 < gsi["IndexSizeBytes"] < table["TableSizeBytes"]
    (lsi,) = table["LocalSecondaryIndexes"]
    assert lsi["ItemCount"] == 0
    assert lsi["Projection"] == {"ProjectionType": "INCLUDE", "NonKeyAttributes": ["note"]}


def test_put_with_wrong_index_key_type_is_rejected(orders: Any) -> None:
    with pytest.raises(ClientError) as caught:
        put(orders, "e", "1", status={"N": "1"})
    assert caught.value.response["Error"]["Message"] == (
        "One or more parameter values were invalid: Type mismatch for Index Key status "
        "Expected: S Actual: N IndexName: by_status"
    )


def test_index_survives_restart(tmp_path: Any, backend: Backend) -> None:
    first = DynamoDbServer(tmp_path / "state", url=backend.url)
    create_indexed(first.client())
    put(first.client(), "a", "1", status={"S": "open"}, score={"N": "1"})
    first.close()
    second = DynamoDbServer(tmp_path / "state", url=backend.url)
    try:
        assert keys(by_status(second.client(), "open")["Items"]) == [("a", "1")]
    finally:
        second.close()


def test_lsi_on_table_without_sort_key_is_rejected(client: Any) -> None:
    with pytest.raises(ClientError) as caught:
        client.create_table(
            TableName="flat",
            KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
            AttributeDefinitions=[DEFINITIONS[0], DEFINITIONS[4]],
            BillingMode="PAY_PER_REQUEST",
            LocalSecondaryIndexes=[
                {
                    "IndexName": "by_rank",
                    "KeySchema": [
                        {"AttributeName": "pk", "KeyType": "HASH"},
                        {"AttributeName": "rank", "KeyType": "RANGE"},
                    ],
                    "Projection": {"ProjectionType": "ALL"},
                }
            ],
        )
    assert caught.value.response["Error"]["Message"] == (
        "One or more parameter values were invalid: Table KeySchema does not have a range key, "
        "which is required when specifying a LocalSecondaryIndex"
    )
