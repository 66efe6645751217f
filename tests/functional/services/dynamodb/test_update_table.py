"""UpdateTable through boto3: global secondary indexes created (backfilled) and deleted.

https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/GSI.OnlineOps.html
"""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError

from .conftest import create_table

CREATE = {
    "Create": {
        "IndexName": "by_color",
        "KeySchema": [{"AttributeName": "color", "KeyType": "HASH"}],
        "Projection": {"ProjectionType": "ALL"},
    }
}


def by_color(client: Any, color: str) -> list[str]:
    page = client.query(
        TableName="things",
        IndexName="by_color",
        KeyConditionExpression="color = :c",
        ExpressionAttributeValues={":c": {"S": color}},
    )
    return sorted(item["pk"]["S"] for item in page["Items"])


@pytest.fixture
def things(client: Any) -> Any:
    create_table(client, "things", None)
    client.put_item(TableName="things", Item={"pk": {"S": "a"}, "color": {"S": "red"}})
    client.put_item(TableName="things", Item={"pk": {"S": "b"}, "color": {"S": "red"}})
    client.put_item(TableName="things", Item={"pk": {"S": "c"}, "color": {"N": "1"}})
    client.put_item(TableName="things", Item={"pk": {"S": "d"}})
    return client


def add_index(client: Any) -> Any:
    return client.update_table(
        TableName="things",
        AttributeDefinitions=[{"AttributeName": "color", "AttributeType": "S"}],
        GlobalSecondaryIndexUpdates=[CREATE],
    )


def test_update_table_created_index_is_backfilled_and_maintained(things: Any) -> None:
    answer = add_index(things)
    (index,) = answer["TableDescription"]["GlobalSecondaryIndexes"]
    assert (index["IndexName"], index["IndexStatus"], index["ItemCount"]) == (
        "by_color",
        "ACTIVE",
        2,
    )
    assert by_color(things, "red") == ["a", "b"]
    things.put_item(TableName="things", Item={"pk": {"S": "e"}, "color": {"S": "red"}})
    assert by_color(things, "red") == ["a", "b", "e"]
    definitions = things.describe_table(TableName="things")["Table"]["AttributeDefinitions"]
    assert {"AttributeName": "color", "AttributeType": "S"} in definitions


def test_update_table_deleted_index_is_gone(things: Any) -> None:
    add_index(things)
    answer = things.update_table(
        TableName="things", GlobalSecondaryIndexUpdates=[{"Delete": {"IndexName": "by_color"}}]
    )
    assert "GlobalSecondaryIndexes" not in answer["TableDescription"]
    assert len(answer["TableDescription"]["AttributeDefinitions"]) == 1
    with pytest.raises(ClientError) as caught:
        by_color(things, "red")
    assert caught.value.response["Error"]["Message"] == (
        "The table does not have the specified index: by_color"
    )


def test_update_table_index_errors(things: Any) -> None:
    with pytest.raises(ClientError) as caught:
        things.update_table(TableName="things", GlobalSecondaryIndexUpdates=[CREATE])
    assert "Some index key attributes are not defined" in caught.value.response["Error"]["Message"]
    add_index(things)
    with pytest.raises(ClientError) as caught:
        add_index(things)
    assert caught.value.response["Error"]["Code"] == "ValidationException"
    with pytest.raises(ClientError) as caught:
        things.update_table(
            TableName="things", GlobalSecondaryIndexUpdates=[{"Delete": {"IndexName": "nope"}}]
        )
    assert caught.value.response["Error"]["Code"] == "ResourceNotFoundException"


def test_update_table_switches_billing_mode(client: Any) -> None:
    create_table(client, "billing", None)
    answer = client.update_table(
        TableName="billing",
        BillingMode="PROVISIONED",
        ProvisionedThroughput={"ReadCapacityUnits": 3, "WriteCapacityUnits": 4},
    )
    throughput = answer["TableDescription"]["ProvisionedThroughput"]
    assert (throughput["ReadCapacityUnits"], throughput["WriteCapacityUnits"]) == (3, 4)
    assert "BillingModeSummary" not in answer["TableDescription"]
