"""`lamina up` publishes DynamoDB's CloudWatch metrics: boto3's writes and reads of a
template's table show up in GetMetricStatistics under `AWS/DynamoDB`, with the capacity
the writes consumed and one latency sample per request.

https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/metrics-dimensions.html
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import boto3

from tests.conftest import FIXTURES, LaminaProcess

APP = FIXTURES / "apps" / "tables"
PUTS, GETS = 7, 4


def _client(service: str, base: str) -> Any:
    return boto3.client(
        service,
        endpoint_url=base,
        region_name="us-east-1",
        aws_access_key_id="test",
        aws_secret_access_key="test",
    )


def _statistic(client: Any, name: str, statistic: str, **dims: str) -> float:
    now = datetime.now(UTC)
    points = client.get_metric_statistics(
        Namespace="AWS/DynamoDB",
        MetricName=name,
        Dimensions=[{"Name": key, "Value": value} for key, value in dims.items()],
        StartTime=now - timedelta(minutes=10),
        EndTime=now + timedelta(minutes=2),
        Period=60,
        Statistics=[statistic],
    )["Datapoints"]
    return float(sum(point[statistic] for point in points))


def test_table_operations_are_measured() -> None:
    lamina = LaminaProcess(APP)
    try:
        dynamodb = _client("dynamodb", lamina.base)
        consumed = 0.0
        for n in range(PUTS):
            item = {
                "customer": {"S": f"c{n % 3}"},
                "placed": {"N": str(n)},
                "note": {"S": "x" * (700 * n)},  # 0 to 4.2 KB: 1 to 5 write units
            }
            answer = dynamodb.put_item(
                TableName="orders", Item=item, ReturnConsumedCapacity="TOTAL"
            )
            consumed += answer["ConsumedCapacity"]["CapacityUnits"]
        for n in range(GETS):
            got = dynamodb.get_item(
                TableName="orders", Key={"customer": {"S": f"c{n % 3}"}, "placed": {"N": str(n)}}
            )
            assert "ConsumedCapacity" not in got  # not asked for: not answered
        queried = dynamodb.query(
            TableName="orders",
            KeyConditionExpression="customer = :c",
            ExpressionAttributeValues={":c": {"S": "c0"}},
        )
        cloudwatch = _client("cloudwatch", lamina.base)
        assert consumed > PUTS  # the larger items took more than one unit each
        writes = _statistic(cloudwatch, "ConsumedWriteCapacityUnits", "Sum", TableName="orders")
        assert writes == consumed
        latency = "SuccessfulRequestLatency"
        table = {"TableName": "orders"}
        assert _statistic(cloudwatch, latency, "SampleCount", **table, Operation="PutItem") == PUTS
        assert _statistic(cloudwatch, latency, "SampleCount", **table, Operation="GetItem") == GETS
        returned = _statistic(cloudwatch, "ReturnedItemCount", "Sum", **table, Operation="Query")
        assert returned == queried["Count"] == 3
        listed = cloudwatch.list_metrics(Namespace="AWS/DynamoDB")["Metrics"]
        names = {metric["MetricName"] for metric in listed}
        assert {latency, "ConsumedReadCapacityUnits", "ConsumedWriteCapacityUnits"} <= names
    finally:
        lamina.stop()
