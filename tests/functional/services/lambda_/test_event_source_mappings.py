"""Event source mappings from a DynamoDB stream, end to end through `lamina up`: the
template's table streams its changes, a mapping created with boto3 invokes the function
with batches in Lambda's event shape, retries a failed batch and checkpoints after success.
Each test runs with the tables on SQLite and on PostgreSQL (`lamina up --dynamodb URL`)."""

from __future__ import annotations

import json
import shutil
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError

from tests.conftest import FIXTURES, LaminaProcess
from tests.functional.services.dynamodb.backend import BACKENDS, Backend

REGION = "us-east-1"


def client(service: str, base: str) -> Any:
    return boto3.client(
        service,
        endpoint_url=base,
        region_name=REGION,
        aws_access_key_id="test",
        aws_secret_access_key="test",
    )


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> Iterator[Backend]:
    chosen = Backend(request.param)
    yield chosen
    chosen.drop()


def backend_options(backend: Backend) -> list[str]:
    """`lamina up`'s options that put the tables on `backend`."""
    return [] if backend.url is None else ["--dynamodb", backend.url]


@pytest.fixture
def lamina(tmp_path: Path, backend: Backend) -> Iterator[LaminaProcess]:
    copy = tmp_path / "streams"
    shutil.copytree(FIXTURES / "apps" / "streams", copy, ignore=shutil.ignore_patterns(".lamina"))
    process = LaminaProcess(copy, *backend_options(backend))
    yield process
    process.stop()


def seen(dynamodb: Any) -> dict[str, dict[str, Any]]:
    items = dynamodb.scan(TableName="seen", ConsistentRead=True)["Items"]
    return {item["id"]["S"]: item for item in items}


def wait_for(condition: Any, what: str, timeout_s: float = 30) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():
        assert time.monotonic() < deadline, what
        time.sleep(0.1)


def test_mapping_delivers_batches_retries_and_checkpoints(lamina: LaminaProcess) -> None:
    dynamodb, lambda_ = client("dynamodb", lamina.base), client("lambda", lamina.base)
    table = dynamodb.describe_table(TableName="events")["Table"]
    assert table["StreamSpecification"]["StreamViewType"] == "NEW_AND_OLD_IMAGES"
    stream = table["LatestStreamArn"]
    dynamodb.put_item(TableName="events", Item={"pk": {"S": "a"}, "v": {"N": "1"}})
    dynamodb.put_item(TableName="events", Item={"pk": {"S": "a"}, "v": {"N": "2"}})

    created = lambda_.create_event_source_mapping(
        EventSourceArn=stream, FunctionName="Consumer", StartingPosition="TRIM_HORIZON", BatchSize=2
    )
    assert created["State"] == "Creating" and created["BatchSize"] == 2
    assert created["FunctionArn"].endswith(":function:Consumer")
    mapping = created["UUID"]
    assert lambda_.get_event_source_mapping(UUID=mapping)["EventSourceArn"] == stream
    listed = lambda_.list_event_source_mappings(EventSourceArn=stream)["EventSourceMappings"]
    assert [m["UUID"] for m in listed] == [mapping]

    wait_for(lambda: len(seen(dynamodb)) == 2, "the first batch was not delivered")
    records = [json.loads(item["record"]["S"]) for item in seen(dynamodb).values()]
    records.sort(key=lambda r: r["dynamodb"]["SequenceNumber"])
    insert, modify = records
    assert insert["eventName"] == "INSERT" and modify["eventName"] == "MODIFY"
    for record in records:
        assert record["eventSource"] == "aws:dynamodb"
        assert record["eventVersion"] == "1.1"
        assert record["awsRegion"] == REGION
        assert record["eventSourceARN"] == stream
        assert isinstance(record["dynamodb"]["ApproximateCreationDateTime"], int)
        assert len(record["eventID"]) == 32
    assert modify["dynamodb"]["OldImage"] == {"pk": {"S": "a"}, "v": {"N": "1"}}
    assert modify["dynamodb"]["NewImage"] == {"pk": {"S": "a"}, "v": {"N": "2"}}
    assert modify["dynamodb"]["Keys"] == {"pk": {"S": "a"}}

    # A batch the function fails on is delivered again; nothing is skipped or repeated.
    dynamodb.put_item(TableName="events", Item={"pk": {"S": "bad"}, "fail": {"BOOL": True}})
    dynamodb.delete_item(TableName="events", Key={"pk": {"S": "a"}})
    wait_for(lambda: len(seen(dynamodb)) == 5, "the failed batch was not retried")
    items = seen(dynamodb)
    assert "failed:bad" in items
    later = sorted(
        (json.loads(item["record"]["S"]) for key, item in items.items() if key[0].isdigit()),
        key=lambda r: r["dynamodb"]["SequenceNumber"],
    )
    assert [r["eventName"] for r in later] == ["INSERT", "MODIFY", "INSERT", "REMOVE"]
    assert lambda_.get_event_source_mapping(UUID=mapping)["LastProcessingResult"] == "OK"

    # A disabled mapping delivers nothing until enabled again, from its checkpoint.
    updated = lambda_.update_event_source_mapping(UUID=mapping, Enabled=False, BatchSize=5)
    assert updated["State"] == "Updating" and updated["BatchSize"] == 5
    dynamodb.put_item(TableName="events", Item={"pk": {"S": "paused"}})
    time.sleep(1)
    assert len(seen(dynamodb)) == 5
    assert lambda_.get_event_source_mapping(UUID=mapping)["State"] == "Disabled"
    lambda_.update_event_source_mapping(UUID=mapping, Enabled=True)
    wait_for(lambda: len(seen(dynamodb)) == 6, "the enabled mapping did not resume")

    lambda_.delete_event_source_mapping(UUID=mapping)
    with pytest.raises(ClientError) as raised:
        lambda_.get_event_source_mapping(UUID=mapping)
    assert raised.value.response["Error"]["Code"] == "ResourceNotFoundException"


def test_latest_mapping_skips_earlier_records(lamina: LaminaProcess) -> None:
    dynamodb, lambda_ = client("dynamodb", lamina.base), client("lambda", lamina.base)
    stream = dynamodb.describe_table(TableName="events")["Table"]["LatestStreamArn"]
    dynamodb.put_item(TableName="events", Item={"pk": {"S": "early"}})
    lambda_.create_event_source_mapping(
        EventSourceArn=stream, FunctionName="Consumer", StartingPosition="LATEST"
    )
    dynamodb.put_item(TableName="events", Item={"pk": {"S": "late"}})
    wait_for(lambda: len(seen(dynamodb)) == 1, "the record after LATEST was not delivered")
    (item,) = seen(dynamodb).values()
    assert json.loads(item["record"]["S"])["dynamodb"]["Keys"] == {"pk": {"S": "late"}}
    assert item["batch"]["N"] == "1"


def test_sam_dynamodb_event_maps_the_table_stream_across_restarts(
    tmp_path: Path, backend: Backend
) -> None:
    app = tmp_path / "streams_sam"
    shutil.copytree(
        FIXTURES / "apps" / "streams_sam", app, ignore=shutil.ignore_patterns(".lamina")
    )
    lamina = LaminaProcess(app, *backend_options(backend))
    try:
        dynamodb, lambda_ = client("dynamodb", lamina.base), client("lambda", lamina.base)
        stream = dynamodb.describe_table(TableName="events")["Table"]["LatestStreamArn"]
        (mapping,) = lambda_.list_event_source_mappings(FunctionName="Consumer")[
            "EventSourceMappings"
        ]
        assert mapping["EventSourceArn"] == stream
        assert mapping["BatchSize"] == 10 and mapping["StartingPosition"] == "TRIM_HORIZON"
        dynamodb.put_item(TableName="events", Item={"pk": {"S": "one"}})
        wait_for(lambda: len(seen(dynamodb)) == 1, "the SAM event did not deliver")
        (item,) = seen(dynamodb).values()
        record = json.loads(item["record"]["S"])
        assert record["dynamodb"]["NewImage"] == {"pk": {"S": "one"}}
        assert record["eventSourceARN"] == stream
    finally:
        lamina.stop()
    # The next `lamina up` keeps the mapping and its checkpoint: nothing is delivered twice.
    again = LaminaProcess(app, *backend_options(backend))
    try:
        dynamodb, lambda_ = client("dynamodb", again.base), client("lambda", again.base)
        listed = lambda_.list_event_source_mappings()["EventSourceMappings"]
        assert [m["UUID"] for m in listed] == [mapping["UUID"]]
        dynamodb.put_item(TableName="events", Item={"pk": {"S": "two"}})
        wait_for(lambda: len(seen(dynamodb)) == 2, "the restarted mapping did not deliver")
        time.sleep(1)
        assert len(seen(dynamodb)) == 2
    finally:
        again.stop()


@pytest.mark.parametrize("bisect", [True, False])
def test_bisect_and_maximum_retry_attempts(lamina: LaminaProcess, bisect: bool) -> None:
    dynamodb, lambda_ = client("dynamodb", lamina.base), client("lambda", lamina.base)
    stream = dynamodb.describe_table(TableName="events")["Table"]["LatestStreamArn"]
    dynamodb.put_item(TableName="events", Item={"pk": {"S": "a"}})
    dynamodb.put_item(TableName="events", Item={"pk": {"S": "p"}, "poison": {"BOOL": True}})
    dynamodb.put_item(TableName="events", Item={"pk": {"S": "b"}})
    created = lambda_.create_event_source_mapping(
        EventSourceArn=stream,
        FunctionName="Consumer",
        StartingPosition="TRIM_HORIZON",
        BatchSize=10,
        BisectBatchOnFunctionError=bisect,
        MaximumRetryAttempts=1,
    )
    assert created["BisectBatchOnFunctionError"] is bisect
    assert created["MaximumRetryAttempts"] == 1
    # The poison record's batch is given up after 2 attempts; records after it still flow.
    if bisect:  # halves are retried until only the poison record is dropped
        dynamodb.put_item(TableName="events", Item={"pk": {"S": "c"}})
        wait_for(lambda: {"a", "b", "c"} <= keys_seen(dynamodb), "the halves did not flow")
        assert "p" not in keys_seen(dynamodb)
        return
    deadline, n = time.monotonic() + 30, 0
    while not any(key.startswith("d") for key in keys_seen(dynamodb)):
        assert time.monotonic() < deadline, "the mapping stalled on the poison batch"
        dynamodb.put_item(TableName="events", Item={"pk": {"S": f"d{n}"}})
        n += 1
        time.sleep(0.5)
    # Without bisecting, the whole batch holding the poison record is dropped.
    assert not {"a", "p", "b"} & keys_seen(dynamodb)


def keys_seen(dynamodb: Any) -> set[str]:
    return {
        json.loads(item["record"]["S"])["dynamodb"]["Keys"]["pk"]["S"]
        for key, item in seen(dynamodb).items()
        if key[0].isdigit()
    }
