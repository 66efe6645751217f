"""A table's stream on PostgreSQL triggers a function, across two `lamina up` nodes: node
one serves the streams_sam app (its table streams to a SAM DynamoDB event's mapping), node
two serves another app on the same DynamoDB schema; an item written through node two is
delivered to node one's function, which records it where node two reads it."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import boto3

from lamina.services.dynamodb.postgres import drop_schema
from tests.conftest import FIXTURES, LaminaProcess

POSTGRES = "postgresql://postgres@127.0.0.1:5432/test"


def _dynamodb(base: str) -> Any:
    return boto3.client(
        "dynamodb",
        endpoint_url=base,
        region_name="us-east-1",
        aws_access_key_id="test",
        aws_secret_access_key="test",
    )


def _until(check: Callable[[], bool], timeout_s: float = 30) -> bool:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.2)
    return False


def test_a_write_on_one_node_triggers_the_function_mapped_on_the_other(tmp_path: Path) -> None:
    schema = f"lamina_test_streams_{uuid.uuid4().hex[:10]}"
    url = f"{POSTGRES}?schema={schema}"
    one = two = None
    try:
        one = LaminaProcess(
            FIXTURES / "apps" / "streams_sam", "--dynamodb", url, state_dir=tmp_path / "one"
        )
        two = LaminaProcess(
            FIXTURES / "apps" / "vtl", "--dynamodb", url, state_dir=tmp_path / "two"
        )
        writer, reader = _dynamodb(two.base), _dynamodb(one.base)
        stream = writer.describe_table(TableName="events")["Table"]["LatestStreamArn"]
        writer.put_item(TableName="events", Item={"pk": {"S": "from-two"}, "v": {"N": "1"}})

        def seen() -> list[dict[str, Any]]:
            items = writer.scan(TableName="seen", ConsistentRead=True)["Items"]
            return [json.loads(item["record"]["S"]) for item in items if "record" in item]

        assert _until(lambda: len(seen()) == 1), one.output()[-3000:]
        (record,) = seen()
        assert record["eventName"] == "INSERT" and record["eventSourceARN"] == stream
        assert record["dynamodb"]["NewImage"] == {"pk": {"S": "from-two"}, "v": {"N": "1"}}
        assert record["dynamodb"]["StreamViewType"] == "NEW_IMAGE"
        # Node one serves the same items: its function wrote to the shared schema.
        assert reader.get_item(
            TableName="seen", Key={"id": {"S": record["dynamodb"]["SequenceNumber"]}}
        )["Item"]["batch"] == {"N": "1"}
    finally:
        for node in (one, two):
            if node is not None:
                node.stop()
        drop_schema(POSTGRES, schema)
