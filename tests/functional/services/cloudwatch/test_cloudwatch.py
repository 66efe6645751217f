"""CloudWatch metrics through boto3: PutMetricData (values, values/counts, statistic sets,
high resolution) then GetMetricStatistics, GetMetricData and ListMetrics read them back;
AWS's errors for bad input; the store survives a restart (SQLite).

https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/Welcome.html
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from lamina.services.cloudwatch.provider import CloudWatchProvider
from tests.loopback import LoopbackServer

NAMESPACE = "Shop"
DIMS = [{"Name": "Service", "Value": "cart"}]


class CloudWatchServer(LoopbackServer):
    def __init__(self, state_dir: Path) -> None:
        super().__init__()
        self.cloudwatch = CloudWatchProvider(state_dir=state_dir, feed=False)
        self.serve(self.cloudwatch)

    def client(self, validate: bool = True) -> Any:
        options = self.client_options()
        config = options["config"].merge(Config(parameter_validation=validate))
        return boto3.client("cloudwatch", **{**options, "config": config})

    def release(self) -> None:
        self.cloudwatch.close()


@pytest.fixture
def server(tmp_path: Path) -> Iterator[CloudWatchServer]:
    served = CloudWatchServer(tmp_path)
    yield served
    served.close()


@pytest.fixture
def cloudwatch(server: CloudWatchServer) -> Any:
    return server.client()


def _minute(offset: int = 0) -> datetime:
    now = datetime.now(UTC).replace(second=0, microsecond=0)
    return now + timedelta(minutes=offset)


def _stats(client: Any, name: str, **extra: Any) -> list[dict[str, Any]]:
    options: dict[str, Any] = {
        "Namespace": NAMESPACE,
        "MetricName": name,
        "Dimensions": DIMS,
        "StartTime": _minute(-10),
        "EndTime": _minute(2),
        "Period": 60,
        "Statistics": ["SampleCount", "Sum", "Average", "Minimum", "Maximum"],
    }
    options.update(extra)
    options = {key: value for key, value in options.items() if value is not None}
    points = client.get_metric_statistics(**options)["Datapoints"]
    return sorted(points, key=lambda point: point["Timestamp"])


def _error(call: Any, **params: Any) -> tuple[str, str]:
    with pytest.raises(ClientError) as raised:
        call(**params)
    error = raised.value.response["Error"]
    assert raised.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    return error["Code"], error["Message"]


def test_put_values_then_statistics_aggregate_per_minute(cloudwatch: Any) -> None:
    at = _minute(-1) + timedelta(seconds=5)
    cloudwatch.put_metric_data(
        Namespace=NAMESPACE,
        MetricData=[
            {"MetricName": "Orders", "Dimensions": DIMS, "Value": 3, "Unit": "Count",
             "Timestamp": at},
            {"MetricName": "Orders", "Dimensions": DIMS, "Values": [1, 5], "Counts": [2, 1],
             "Unit": "Count", "Timestamp": at + timedelta(seconds=10)},
        ],
    )  # fmt: skip
    [point] = _stats(cloudwatch, "Orders")
    assert point["Timestamp"] == _minute(-1)
    assert point["SampleCount"] == 4  # 1 + 2 + 1
    assert point["Sum"] == 10  # 3 + 1*2 + 5
    assert point["Minimum"] == 1 and point["Maximum"] == 5
    assert point["Average"] == 2.5
    assert point["Unit"] == "Count"


def test_statistic_set_and_percentiles(cloudwatch: Any) -> None:
    at = _minute(-2)
    cloudwatch.put_metric_data(
        Namespace=NAMESPACE,
        MetricData=[
            {"MetricName": "Latency", "Dimensions": DIMS, "Timestamp": at,
             "Values": [float(v) for v in range(1, 101)], "Unit": "Milliseconds"},
            {"MetricName": "Batch", "Dimensions": DIMS, "Timestamp": at,
             "StatisticValues": {"SampleCount": 4, "Sum": 40, "Minimum": 5, "Maximum": 15}},
        ],
    )  # fmt: skip
    [latency] = _stats(cloudwatch, "Latency", Statistics=None, ExtendedStatistics=["p50", "p99"])
    assert latency["ExtendedStatistics"] == {"p50": 50.0, "p99": 99.0}
    [batch] = _stats(cloudwatch, "Batch", Statistics=["Sum", "Average"])
    assert (batch["Sum"], batch["Average"], batch["Unit"]) == (40, 10, "None")
    # Percentiles need raw values: a statistic set with differing samples has none.
    [no_raw] = _stats(cloudwatch, "Batch", Statistics=None, ExtendedStatistics=["p90"])
    assert no_raw.get("ExtendedStatistics", {}) == {}


def test_high_resolution_periods_of_one_second(cloudwatch: Any) -> None:
    base = _minute(-1) + timedelta(seconds=10)
    data = [
        {"MetricName": "Ticks", "Dimensions": DIMS, "Value": float(n), "StorageResolution": 1,
         "Timestamp": base + timedelta(seconds=n)}
        for n in range(3)
    ]  # fmt: skip
    cloudwatch.put_metric_data(Namespace=NAMESPACE, MetricData=data)
    points = _stats(
        cloudwatch, "Ticks", Period=1, StartTime=base, EndTime=base + timedelta(seconds=10)
    )
    assert [p["Sum"] for p in points] == [0.0, 1.0, 2.0]
    assert [p["Timestamp"] for p in points] == [base + timedelta(seconds=n) for n in range(3)]
    [minute] = _stats(cloudwatch, "Ticks")
    assert minute["Sum"] == 3.0


def test_unit_filter_and_other_dimensions_are_other_metrics(cloudwatch: Any) -> None:
    at = _minute(-1)
    cloudwatch.put_metric_data(
        Namespace=NAMESPACE,
        MetricData=[
            {"MetricName": "Size", "Dimensions": DIMS, "Value": 1, "Unit": "Bytes",
             "Timestamp": at},
            {"MetricName": "Size", "Dimensions": [{"Name": "Service", "Value": "other"}],
             "Value": 100, "Unit": "Bytes", "Timestamp": at},
        ],
    )  # fmt: skip
    assert [p["Sum"] for p in _stats(cloudwatch, "Size")] == [1.0]
    assert _stats(cloudwatch, "Size", Unit="Count") == []
    assert _stats(cloudwatch, "Size", Dimensions=[]) == []


def test_list_metrics_filters_and_pages(cloudwatch: Any) -> None:
    # 300 metrics a request: over 10 KiB, so botocore gzips the body (requestcompression).
    data = [
        {"MetricName": f"M{n:03}", "Dimensions": [{"Name": "Shard", "Value": str(n % 2)}],
         "Value": 1.0}
        for n in range(600)
    ]  # fmt: skip
    for chunk in range(0, 600, 300):
        cloudwatch.put_metric_data(Namespace=NAMESPACE, MetricData=data[chunk : chunk + 300])
    first = cloudwatch.list_metrics(Namespace=NAMESPACE)
    assert len(first["Metrics"]) == 500 and "NextToken" in first
    second = cloudwatch.list_metrics(Namespace=NAMESPACE, NextToken=first["NextToken"])
    assert len(second["Metrics"]) == 100 and "NextToken" not in second
    odd = cloudwatch.list_metrics(
        Namespace=NAMESPACE, Dimensions=[{"Name": "Shard", "Value": "1"}], RecentlyActive="PT3H"
    )
    assert {m["MetricName"] for m in odd["Metrics"]} == {f"M{n:03}" for n in range(1, 600, 2)}
    one = cloudwatch.list_metrics(MetricName="M007", Dimensions=[{"Name": "Shard"}])
    assert one["Metrics"] == [
        {"Namespace": NAMESPACE, "MetricName": "M007",
         "Dimensions": [{"Name": "Shard", "Value": "1"}]}
    ]  # fmt: skip
    assert cloudwatch.list_metrics(Namespace="Nothing")["Metrics"] == []
    code, _ = _error(cloudwatch.list_metrics, NextToken="bogus")
    assert code == "InvalidParameterValue"


def test_get_metric_data_answers_metric_stat_queries(cloudwatch: Any) -> None:
    for offset, value in ((-3, 1.0), (-2, 2.0), (-1, 4.0)):
        cloudwatch.put_metric_data(
            Namespace=NAMESPACE,
            MetricData=[{"MetricName": "Jobs", "Dimensions": DIMS, "Value": value,
                         "Timestamp": _minute(offset)}],
        )  # fmt: skip
    stat = {"Metric": {"Namespace": NAMESPACE, "MetricName": "Jobs", "Dimensions": DIMS},
            "Period": 60, "Stat": "Sum"}  # fmt: skip
    answer = cloudwatch.get_metric_data(
        MetricDataQueries=[
            {"Id": "jobs", "MetricStat": stat, "Label": "All jobs"},
            {"Id": "hidden", "MetricStat": stat, "ReturnData": False},
        ],
        StartTime=_minute(-10),
        EndTime=_minute(1),
    )
    [result] = answer["MetricDataResults"]
    assert result["Id"] == "jobs" and result["Label"] == "All jobs"
    assert result["StatusCode"] == "Complete"
    assert result["Values"] == [4.0, 2.0, 1.0]  # newest first (TimestampDescending)
    assert result["Timestamps"][0] == _minute(-1)
    paged = cloudwatch.get_metric_data(
        MetricDataQueries=[{"Id": "jobs", "MetricStat": stat}],
        StartTime=_minute(-10),
        EndTime=_minute(1),
        ScanBy="TimestampAscending",
        MaxDatapoints=2,
    )
    assert paged["MetricDataResults"][0]["Values"] == [1.0, 2.0]
    assert paged["MetricDataResults"][0]["StatusCode"] == "PartialData"
    rest = cloudwatch.get_metric_data(
        MetricDataQueries=[{"Id": "jobs", "MetricStat": stat}],
        StartTime=_minute(-10),
        EndTime=_minute(1),
        ScanBy="TimestampAscending",
        MaxDatapoints=2,
        NextToken=paged["NextToken"],
    )
    assert rest["MetricDataResults"][0]["Values"] == [4.0]
    assert "NextToken" not in rest


def test_get_metric_data_refuses_unsupported_math_and_bad_tokens(cloudwatch: Any) -> None:
    code, message = _error(
        cloudwatch.get_metric_data,
        MetricDataQueries=[{"Id": "e1", "Expression": 'SEARCH("{AWS/Lambda}", "Sum", 60)'}],
        StartTime=_minute(-10),
        EndTime=_minute(0),
    )
    assert code == "ValidationError" and "SEARCH" in message and "not supported" in message
    code, _ = _error(
        cloudwatch.get_metric_data,
        MetricDataQueries=[{"Id": "m1", "MetricStat": {"Metric": {"Namespace": "N",
                            "MetricName": "M"}, "Period": 60, "Stat": "Sum"}}],
        StartTime=_minute(-10), EndTime=_minute(0), NextToken="%%%",
    )  # fmt: skip
    assert code == "InvalidNextToken"


@pytest.mark.parametrize(
    ("datum", "code", "fragment"),
    [
        ({"Value": 1, "StatisticValues": {"SampleCount": 1, "Sum": 1, "Minimum": 1,
          "Maximum": 1}}, "InvalidParameterCombination", "mutually exclusive"),
        ({}, "InvalidParameterCombination", "At least one"),
        ({"Value": 1e200}, "InvalidParameterValue", "MetricData.member.1.Value"),
        ({"Values": [1.0] * 151}, "InvalidParameterValue", "greater than 150"),
        ({"Values": [1.0, 2.0], "Counts": [1.0]}, "InvalidParameterValue", "same size"),
        ({"Value": 1, "StorageResolution": 5}, "InvalidParameterValue", "StorageResolution"),
        ({"Value": 1, "Unit": "Parsecs"}, "InvalidParameterValue", "Unit"),
        ({"Value": 1, "Timestamp": datetime.now(UTC) - timedelta(days=15)},
         "InvalidParameterValue", "two weeks"),
        ({"Value": 1, "Dimensions": [{"Name": f"d{n}", "Value": "v"} for n in range(31)]},
         "InvalidParameterValue", "Dimensions"),
    ],
)  # fmt: skip
def test_put_metric_data_refuses_what_cloudwatch_refuses(
    server: CloudWatchServer, datum: dict[str, Any], code: str, fragment: str
) -> None:
    # Client-side validation would catch some of these first; the server must as well.
    client = server.client(validate=False)
    got, message = _error(
        client.put_metric_data,
        Namespace=NAMESPACE,
        MetricData=[{"MetricName": "Bad", **datum}],
    )
    assert (got, fragment in message) == (code, True), message


def test_put_metric_data_refuses_aws_namespaces(cloudwatch: Any) -> None:
    code, message = _error(
        cloudwatch.put_metric_data,
        Namespace="AWS/Lambda",
        MetricData=[{"MetricName": "X", "Value": 1}],
    )
    assert code == "InvalidParameterValue"
    assert message == "The value AWS/Lambda for parameter Namespace is not valid."


@pytest.mark.parametrize(
    ("extra", "code", "fragment"),
    [
        ({"Period": 45}, "InvalidParameterValue", "Period"),
        ({"StartTime": 0, "EndTime": -5}, "InvalidParameterValue", "StartTime"),
        ({"Period": 1, "StartTime": -60}, "InvalidParameterCombination",
         "You have requested up to 3720 datapoints, which exceeds the limit of 1440."),
        ({"ExtendedStatistics": ["p99"]}, "InvalidParameterCombination", "not both"),
        ({"Statistics": None, "ExtendedStatistics": ["q99"]}, "InvalidParameterValue", "q99"),
    ],
)  # fmt: skip
def test_get_metric_statistics_errors(
    cloudwatch: Any, extra: dict[str, Any], code: str, fragment: str
) -> None:
    options: dict[str, Any] = {
        "Namespace": NAMESPACE, "MetricName": "Orders", "StartTime": _minute(-10),
        "EndTime": _minute(2), "Period": 60, "Statistics": ["Sum"],
    }  # fmt: skip
    options.update(extra)
    for key in ("StartTime", "EndTime"):  # minutes from now, read when the test runs
        if isinstance(options.get(key), int):
            options[key] = _minute(options[key])
    options = {key: value for key, value in options.items() if value is not None}
    got, message = _error(cloudwatch.get_metric_statistics, **options)
    assert (got, fragment in message) == (code, True), message


def test_datapoints_survive_a_restart(tmp_path: Path) -> None:
    first = CloudWatchServer(tmp_path)
    first.client().put_metric_data(
        Namespace=NAMESPACE,
        MetricData=[{"MetricName": "Kept", "Dimensions": DIMS, "Value": 7.0,
                     "Timestamp": _minute(-1)}],
    )  # fmt: skip
    first.close()
    second = CloudWatchServer(tmp_path)
    try:
        [point] = _stats(second.client(), "Kept", Statistics=["Sum"])
        assert point["Sum"] == 7.0
    finally:
        second.close()


def test_feed_can_be_turned_off_for_measuring(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LAMINA_CLOUDWATCH_FEED", "off")
    assert CloudWatchProvider(state_dir=None).feed is None
    monkeypatch.delenv("LAMINA_CLOUDWATCH_FEED")
    assert CloudWatchProvider(state_dir=None).feed is not None
