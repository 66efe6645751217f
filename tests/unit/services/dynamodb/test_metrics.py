"""The AWS/DynamoDB recorder over a real provider (SQLite) and a real MetricFeed: what each
operation publishes, and that responses are what they are without metrics.

https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/metrics-dimensions.html
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from lamina.aws.service import AwsRequestContext, ServiceError
from lamina.core.metric_feed import Datapoint, MetricFeed
from lamina.services.dynamodb.provider import DynamoDbProvider

CTX = AwsRequestContext(
    service="dynamodb",
    operation="test",
    region="us-east-1",
    account_id="123456789012",
    request_id="r",
    access_key=None,
)
TABLE = {
    "TableName": "orders",
    "AttributeDefinitions": [
        {"AttributeName": "id", "AttributeType": "S"},
        {"AttributeName": "status", "AttributeType": "S"},
    ],
    "KeySchema": [{"AttributeName": "id", "KeyType": "HASH"}],
    "GlobalSecondaryIndexes": [
        {
            "IndexName": "by-status",
            "KeySchema": [{"AttributeName": "status", "KeyType": "HASH"}],
            "Projection": {"ProjectionType": "KEYS_ONLY"},
        }
    ],
    "BillingMode": "PAY_PER_REQUEST",
}


class Fed:
    def __init__(self, provider: DynamoDbProvider, feed: MetricFeed, points: list[Datapoint]):
        self.provider = provider
        self.feed = feed
        self.points = points

    async def call(self, operation: str, **params: Any) -> dict[str, Any]:
        return dict(await self.provider.handlers()[operation](CTX, params))

    def drained(self) -> dict[tuple[str, tuple[tuple[str, str], ...]], Datapoint]:
        self.feed.drain()
        found = {(p.name, p.dimensions): p for p in self.points}
        self.points.clear()
        return found


@pytest.fixture
def fed(tmp_path: Path) -> Iterator[Fed]:
    points: list[Datapoint] = []
    feed = MetricFeed(points.extend)
    provider = DynamoDbProvider(state_dir=tmp_path, region="us-east-1", account_id="123456789012")
    provider.feed_to(feed)
    yield Fed(provider, feed, points)
    provider.close()


def _item(key: str, status: str | None = None, size: int = 10) -> dict[str, Any]:
    item: dict[str, Any] = {"id": {"S": key}, "body": {"S": "x" * size}}
    if status is not None:
        item["status"] = {"S": status}
    return item


async def test_capacity_latency_and_unchanged_responses(fed: Fed) -> None:
    await fed.call("CreateTable", **TABLE)
    fed.drained()
    plain = await fed.call("PutItem", TableName="orders", Item=_item("a", size=3000))
    assert plain == {}  # ConsumedCapacity was not asked for: not answered
    total = await fed.call(
        "PutItem", TableName="orders", Item=_item("b", "open"), ReturnConsumedCapacity="TOTAL"
    )
    # The TOTAL shape, GSI write included: 1 (table) + 1 (index entry added).
    assert total["ConsumedCapacity"] == {"TableName": "orders", "CapacityUnits": 2.0}
    got = await fed.call("GetItem", TableName="orders", Key={"id": {"S": "a"}})
    assert set(got) == {"Item"}
    points = fed.drained()
    table = (("TableName", "orders"),)
    # 3 KB item: 3 units; the indexed item: 1 on the table, 1 on the global index.
    assert points["ConsumedWriteCapacityUnits", table].sum == 4.0
    gsi = (("GlobalSecondaryIndexName", "by-status"), ("TableName", "orders"))
    assert points["ConsumedWriteCapacityUnits", gsi].sum == 1.0
    assert points["ConsumedReadCapacityUnits", table].sum == 0.5  # eventually consistent
    assert points["ConsumedReadCapacityUnits", table].unit == "Count"
    put = points["SuccessfulRequestLatency", (("Operation", "PutItem"), *table)]
    assert (put.count, put.unit) == (2.0, "Milliseconds")
    assert put.sum > 0 and len(put.values) >= 1
    assert points["SuccessfulRequestLatency", (("Operation", "GetItem"), *table)].count == 1.0


async def test_returned_item_count_for_query_and_scan(fed: Fed) -> None:
    await fed.call("CreateTable", **TABLE)
    for key in ("a", "b", "c"):
        await fed.call("PutItem", TableName="orders", Item=_item(key, "open"))
    await fed.call(
        "Query",
        TableName="orders",
        IndexName="by-status",
        KeyConditionExpression="#s = :s",
        ExpressionAttributeNames={"#s": "status"},
        ExpressionAttributeValues={":s": {"S": "open"}},
    )
    await fed.call("Scan", TableName="orders", Limit=2)
    points = fed.drained()
    query = points["ReturnedItemCount", (("Operation", "Query"), ("TableName", "orders"))]
    scan = points["ReturnedItemCount", (("Operation", "Scan"), ("TableName", "orders"))]
    assert (query.sum, scan.sum) == (3.0, 2.0)
    gsi = (("GlobalSecondaryIndexName", "by-status"), ("TableName", "orders"))
    assert points["ConsumedReadCapacityUnits", gsi].sum == 0.5  # the index read, not the table
    assert ("ReturnedItemCount", (("Operation", "GetItem"), ("TableName", "orders"))) not in points


async def test_errors(fed: Fed) -> None:
    await fed.call("CreateTable", **TABLE)
    with pytest.raises(ServiceError):
        await fed.call("GetItem", TableName="missing", Key={"id": {"S": "a"}})
    with pytest.raises(ServiceError, match="ConditionalCheckFailed"):
        await fed.call(
            "PutItem",
            TableName="orders",
            Item=_item("a"),
            ConditionExpression="attribute_exists(id)",
        )
    points = fed.drained()
    assert points["UserErrors", ()].sum == 1.0  # the condition failure is counted apart
    failed = points["ConditionalCheckFailedRequests", (("TableName", "orders"),)]
    assert (failed.sum, failed.unit) == (1.0, "Count")
    assert not any(
        name == "SuccessfulRequestLatency" and "GetItem" in str(dims) for name, dims in points
    )


async def test_transactions_and_batches_split_reads_and_writes(fed: Fed) -> None:
    await fed.call("CreateTable", **TABLE)
    answer = await fed.call(
        "TransactWriteItems",
        TransactItems=[
            {"Put": {"TableName": "orders", "Item": _item("a")}},
            {"Put": {"TableName": "orders", "Item": _item("b")}},
        ],
    )
    assert "ConsumedCapacity" not in answer
    await fed.call(
        "BatchWriteItem",
        RequestItems={"orders": [{"PutRequest": {"Item": _item(k)}} for k in ("c", "d", "e")]},
    )
    await fed.call(
        "BatchGetItem", RequestItems={"orders": {"Keys": [{"id": {"S": "a"}}, {"id": {"S": "c"}}]}}
    )
    points = fed.drained()
    table = (("TableName", "orders"),)
    assert points["ConsumedWriteCapacityUnits", table].sum == 2 * 2.0 + 3 * 1.0  # transactional x2
    assert points["ConsumedReadCapacityUnits", table].sum == 2 * 0.5
    batch = points["SuccessfulRequestLatency", (("Operation", "BatchWriteItem"), *table)]
    assert batch.count == 1.0


async def test_nothing_is_recorded_or_forced_without_a_feed(tmp_path: Path) -> None:
    provider = DynamoDbProvider(state_dir=tmp_path, region="us-east-1", account_id="123456789012")
    try:
        handlers = provider.handlers()
        await handlers["CreateTable"](CTX, TABLE)
        assert await handlers["PutItem"](CTX, {"TableName": "orders", "Item": _item("a")}) == {}
        assert provider.metrics.feed is None
    finally:
        provider.close()
