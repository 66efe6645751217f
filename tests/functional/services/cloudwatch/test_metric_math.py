"""GetMetricData with metric math expressions, through boto3.

https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/using-metric-math.html
"""

from __future__ import annotations

from typing import Any

import pytest

from .test_cloudwatch import NAMESPACE, _error, _minute, cloudwatch, server

__all__ = ["cloudwatch", "server"]


def _stat(name: str, stat: str = "Sum") -> dict[str, Any]:
    return {"Metric": {"Namespace": NAMESPACE, "MetricName": name}, "Period": 60, "Stat": stat}


@pytest.fixture
def loaded(cloudwatch: Any) -> Any:
    """Three minutes ago .. one minute ago: requests 1, 2, 4 and errors 0, 1, 1; the
    minute before has requests only (errors missing)."""
    data = []
    for offset, requests, errors in ((-3, 1, 0), (-2, 2, 1), (-1, 4, 1)):
        stamp = _minute(offset)
        data.append({"MetricName": "Requests", "Timestamp": stamp, "Value": requests})
        data.append({"MetricName": "Errors", "Timestamp": stamp, "Value": errors})
    data.append({"MetricName": "Requests", "Timestamp": _minute(-4), "Value": 8})
    cloudwatch.put_metric_data(Namespace=NAMESPACE, MetricData=data)
    return cloudwatch


def _query(client: Any, *expressions: tuple[str, str], **extra: Any) -> dict[str, Any]:
    queries: list[dict[str, Any]] = [
        {"Id": "req", "MetricStat": _stat("Requests"), "ReturnData": False},
        {"Id": "err", "MetricStat": _stat("Errors"), "ReturnData": False},
    ]
    queries += [{"Id": i, "Expression": e, **extra} for i, e in expressions]
    answer = client.get_metric_data(
        MetricDataQueries=queries,
        StartTime=_minute(-5),
        EndTime=_minute(0),
        ScanBy="TimestampAscending",
    )
    return {r["Id"]: r["Values"] for r in answer["MetricDataResults"]}


def test_arithmetic_between_series_keeps_common_timestamps(loaded: Any) -> None:
    values = _query(loaded, ("rate", "100 * err / req"), ("total", "req + err"))
    assert values["rate"] == [0.0, 50.0, 25.0]
    assert values["total"] == [1.0, 3.0, 5.0]


def test_functions_over_one_series_and_arrays(loaded: Any) -> None:
    values = _query(
        loaded,
        ("filled", "FILL(err, 0)"),
        ("both", "SUM([req, err])"),
        ("all", "MAX(METRICS())"),
        ("diff", "DIFF(req)"),
        ("big", "IF(req > 1, req, 0)"),
    )
    assert values["filled"] == [0.0, 0.0, 0.0, 1.0, 1.0]  # every minute of the range
    assert values["both"] == [8.0, 1.0, 3.0, 5.0]
    assert values["all"] == [8.0, 1.0, 2.0, 4.0]
    assert values["diff"] == [-7.0, 1.0, 2.0]
    assert values["big"] == [8.0, 0.0, 2.0, 4.0]


def test_scalars_rates_and_expressions_of_expressions(loaded: Any) -> None:
    values = _query(
        loaded,
        ("total", "SUM(req)"),
        ("perminute", "RATE(req) * 60"),
        ("share", "err / total"),
    )
    assert set(values["total"]) == {15.0}
    assert values["perminute"] == [-7.0, 1.0, 2.0]
    assert values["share"] == [0.0, 1 / 15, 1 / 15]


def test_an_intermediate_array_reduced_by_a_returned_expression(loaded: Any) -> None:
    # An array is fine where it is not returned: e1 (ReturnData false) is reduced by SUM.
    answer = loaded.get_metric_data(
        MetricDataQueries=[
            {"Id": "req", "MetricStat": _stat("Requests"), "ReturnData": False},
            {"Id": "err", "MetricStat": _stat("Errors"), "ReturnData": False},
            {"Id": "e1", "Expression": "RATE(METRICS()) * 60", "ReturnData": False},
            {"Id": "e2", "Expression": "SUM(e1)"},
            {"Id": "e3", "Expression": "SUM(RUNNING_SUM([req, err]))"},
        ],
        StartTime=_minute(-5),
        EndTime=_minute(0),
        ScanBy="TimestampAscending",
    )
    values = {r["Id"]: r["Values"] for r in answer["MetricDataResults"]}
    # Requests change by -7, 1, 2 a minute; errors by 1, 0 (from their second minute).
    assert values["e2"] == [-7.0, 2.0, 2.0]
    assert values["e3"] == [8.0, 9.0, 12.0, 17.0]  # running sums 8, 9, 11, 15 and 0, 1, 2


@pytest.mark.parametrize(
    ("expression", "fragment"),
    [
        ("req +", "ends too early"),
        ("nope * 2", "not the Id of a query"),
        ("NOSUCH(req)", "NOSUCH"),
        ("[req, err]", "returns 2 time series"),
    ],
)
def test_bad_expressions_are_validation_errors(loaded: Any, expression: str, fragment: str) -> None:
    code, message = _error(
        loaded.get_metric_data,
        MetricDataQueries=[
            {"Id": "req", "MetricStat": _stat("Requests")},
            {"Id": "err", "MetricStat": _stat("Errors")},
            {"Id": "e1", "Expression": expression},
        ],
        StartTime=_minute(-5),
        EndTime=_minute(0),
    )
    assert code == "ValidationError" and fragment in message


def test_circular_expressions_are_refused(loaded: Any) -> None:
    code, message = _error(
        loaded.get_metric_data,
        MetricDataQueries=[
            {"Id": "a", "Expression": "b + 1"},
            {"Id": "b", "Expression": "a + 1"},
        ],
        StartTime=_minute(-5),
        EndTime=_minute(0),
    )
    assert code == "ValidationError" and "Circular" in message


def test_duplicate_query_ids_are_refused(loaded: Any) -> None:
    # https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_MetricDataQuery.html
    code, message = _error(
        loaded.get_metric_data,
        MetricDataQueries=[
            {"Id": "req", "MetricStat": _stat("Requests")},
            {"Id": "req", "Expression": "1 + 1"},
        ],
        StartTime=_minute(-5),
        EndTime=_minute(0),
    )
    assert code == "ValidationError" and "not unique: req" in message
