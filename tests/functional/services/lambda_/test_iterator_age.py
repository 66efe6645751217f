"""IteratorAge (AWS/Lambda) of a DynamoDB stream mapping, read back through the
CloudWatch API: across all functions, per function and per event source mapping UUID.
https://docs.aws.amazon.com/lambda/latest/dg/monitoring-metrics-types.html"""

from __future__ import annotations

import datetime
import time
from typing import Any

import boto3

from tests.clients import until
from tests.conftest import FIXTURES, LaminaProcess


def _client(service: str, base: str) -> Any:
    return boto3.client(
        service,
        endpoint_url=base,
        region_name="us-east-1",
        aws_access_key_id="test",
        aws_secret_access_key="test",
    )


def test_iterator_age_is_published_per_function_and_per_mapping() -> None:
    lamina = LaminaProcess(FIXTURES / "apps" / "streams_sam")
    try:
        dynamodb = _client("dynamodb", lamina.base)
        cloudwatch = _client("cloudwatch", lamina.base)
        (mapping,) = _client("lambda", lamina.base).list_event_source_mappings()[
            "EventSourceMappings"
        ]
        written = time.time()
        dynamodb.put_item(TableName="events", Item={"pk": {"S": "aged"}})
        assert until(lambda: len(dynamodb.scan(TableName="seen")["Items"]) == 1, 20)
        delivered = time.time()
        now = datetime.datetime.now(datetime.UTC)

        def stats(dimensions: list[dict[str, str]]) -> list[dict[str, Any]]:
            points: list[dict[str, Any]] = cloudwatch.get_metric_statistics(
                Namespace="AWS/Lambda",
                MetricName="IteratorAge",
                Dimensions=dimensions,
                StartTime=now - datetime.timedelta(minutes=5),
                EndTime=now + datetime.timedelta(minutes=1),
                Period=60,
                Statistics=["SampleCount", "Maximum"],
            )["Datapoints"]
            return points

        by_function = stats([{"Name": "FunctionName", "Value": "Consumer"}])
        by_mapping = stats([{"Name": "EventSourceMappingUUID", "Value": mapping["UUID"]}])
        for points in (stats([]), by_function, by_mapping):
            assert sum(p["SampleCount"] for p in points) == 1, points
            (point,) = points
            assert point["Unit"] == "Milliseconds"
            assert 0 <= point["Maximum"] <= (delivered - written) * 1000 + 1000
    finally:
        lamina.stop()
