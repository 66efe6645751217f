"""UpdateTimeToLive, DescribeTimeToLive and the removal of expired items, through boto3.

https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/TTL.html
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError

from .backend import Backend
from .conftest import DynamoDbServer, create_table

NOW = 1_800_000_000.0


def enable(client: Any, table: str, attribute: str = "expires", enabled: bool = True) -> Any:
    spec = {"Enabled": enabled, "AttributeName": attribute}
    return client.update_time_to_live(TableName=table, TimeToLiveSpecification=spec)


def status(client: Any, table: str) -> dict[str, str]:
    description: dict[str, str] = client.describe_time_to_live(TableName=table)[
        "TimeToLiveDescription"
    ]
    return description


def test_describe_time_to_live_new_table_reports_disabled(client: Any) -> None:
    create_table(client, "fresh", None)
    assert status(client, "fresh") == {"TimeToLiveStatus": "DISABLED"}


def test_update_time_to_live_enable_reports_enabled_attribute(client: Any) -> None:
    create_table(client, "timed", None)
    answer = enable(client, "timed")
    assert answer["TimeToLiveSpecification"] == {"Enabled": True, "AttributeName": "expires"}
    assert status(client, "timed") == {"TimeToLiveStatus": "ENABLED", "AttributeName": "expires"}


def test_update_time_to_live_enable_twice_raises_already_enabled(client: Any) -> None:
    create_table(client, "twice", None)
    enable(client, "twice")
    with pytest.raises(ClientError) as excinfo:
        enable(client, "twice", "other")
    error = excinfo.value.response["Error"]
    assert (error["Code"], error["Message"]) == (
        "ValidationException",
        "TimeToLive is already enabled",
    )
    assert status(client, "twice")["AttributeName"] == "expires"


def test_update_time_to_live_disable_reports_disabled_then_refuses_again(client: Any) -> None:
    create_table(client, "off", None)
    enable(client, "off")
    enable(client, "off", enabled=False)
    assert status(client, "off") == {"TimeToLiveStatus": "DISABLED"}
    with pytest.raises(ClientError) as excinfo:
        enable(client, "off", enabled=False)
    assert excinfo.value.response["Error"]["Message"] == "TimeToLive is already disabled"


def test_describe_time_to_live_missing_table_raises_not_found(client: Any) -> None:
    with pytest.raises(ClientError) as excinfo:
        status(client, "absent")
    assert excinfo.value.response["Error"]["Code"] == "ResourceNotFoundException"


def test_time_to_live_survives_provider_restart(tmp_path: Path, backend: Backend) -> None:
    first = DynamoDbServer(tmp_path / "state", url=backend.url)
    create_table(first.client(), "kept", None)
    enable(first.client(), "kept")
    first.close()
    second = DynamoDbServer(tmp_path / "state", url=backend.url)
    try:
        assert status(second.client(), "kept")["TimeToLiveStatus"] == "ENABLED"
    finally:
        second.close()


def test_expired_item_is_still_readable_until_swept(client: Any) -> None:
    create_table(client, "lazy", None)
    enable(client, "lazy")
    client.put_item(TableName="lazy", Item={"pk": {"S": "old"}, "expires": {"N": "1000"}})
    found = client.get_item(TableName="lazy", Key={"pk": {"S": "old"}})
    assert found["Item"]["expires"] == {"N": "1000"}


class FakeClock:
    def __init__(self) -> None:
        self.now = NOW

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def swept(tmp_path: Path, backend: Backend) -> Iterator[tuple[DynamoDbServer, FakeClock]]:
    clock = FakeClock()
    lamina = DynamoDbServer(
        tmp_path / "state", url=backend.url, clock=clock, ttl_sweep_interval_s=0.01
    )
    lamina.run(lamina.provider.start())
    yield lamina, clock
    lamina.close()


def put(client: Any, table: str, pk: str, **attributes: Any) -> None:
    client.put_item(TableName=table, Item={"pk": {"S": pk}, "g": {"S": "all"}, **attributes})


def keys(client: Any, table: str) -> set[str]:
    return {item["pk"]["S"] for item in client.scan(TableName=table, ConsistentRead=True)["Items"]}


def wait_for(condition: Any) -> None:
    deadline = time.monotonic() + 10
    while not condition():
        assert time.monotonic() < deadline, "the sweeper did not act in time"
        time.sleep(0.02)


def indexed_table(client: Any, name: str) -> None:
    client.create_table(
        TableName=name,
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        AttributeDefinitions=[
            {"AttributeName": "pk", "AttributeType": "S"},
            {"AttributeName": "g", "AttributeType": "S"},
        ],
        GlobalSecondaryIndexes=[
            {
                "IndexName": "by_g",
                "KeySchema": [{"AttributeName": "g", "KeyType": "HASH"}],
                "Projection": {"ProjectionType": "ALL"},
            }
        ],
        BillingMode="PAY_PER_REQUEST",
    )


def test_sweeper_removes_expired_items_from_table_and_index(
    swept: tuple[DynamoDbServer, FakeClock],
) -> None:
    server, clock = swept
    client = server.client()
    indexed_table(client, "swept")
    enable(client, "swept")
    put(client, "swept", "past", expires={"N": str(NOW - 10)})
    put(client, "swept", "future", expires={"N": str(NOW + 10)})
    put(client, "swept", "text", expires={"S": str(NOW - 10)})
    put(client, "swept", "ancient", expires={"N": str(NOW - 6 * 365 * 24 * 3600)})
    put(client, "swept", "none")
    wait_for(lambda: "past" not in keys(client, "swept"))
    assert keys(client, "swept") == {"future", "text", "ancient", "none"}
    in_index = client.query(
        TableName="swept",
        IndexName="by_g",
        KeyConditionExpression="g = :g",
        ExpressionAttributeValues={":g": {"S": "all"}},
    )["Items"]
    assert {item["pk"]["S"] for item in in_index} == {"future", "text", "ancient", "none"}

    clock.now = NOW + 11
    wait_for(lambda: "future" not in keys(client, "swept"))
    assert client.describe_table(TableName="swept")["Table"]["ItemCount"] == 3


def test_sweeper_removes_many_expired_items_across_pages(
    swept: tuple[DynamoDbServer, FakeClock],
) -> None:
    server, _ = swept
    client = server.client()
    create_table(client, "many", None)
    enable(client, "many")
    with server.resource().Table("many").batch_writer() as writer:
        for number in range(260):
            expiry = NOW - 1 if number % 2 else NOW + 100
            writer.put_item(Item={"pk": f"k{number:03}", "expires": int(expiry)})
    wait_for(lambda: len(keys(client, "many")) == 130)
    assert all(int(key[1:]) % 2 == 0 for key in keys(client, "many"))


def test_sweeper_keeps_expired_items_while_ttl_disabled(
    swept: tuple[DynamoDbServer, FakeClock],
) -> None:
    server, _ = swept
    client = server.client()
    create_table(client, "plain", None)
    create_table(client, "timed", None)
    enable(client, "timed")
    put(client, "plain", "past", expires={"N": str(NOW - 10)})
    put(client, "timed", "past", expires={"N": str(NOW - 10)})
    wait_for(lambda: keys(client, "timed") == set())
    assert keys(client, "plain") == {"past"}
