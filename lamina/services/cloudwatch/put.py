"""PutMetricData's input checked against CloudWatch's limits and turned into datapoints.

https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_PutMetricData.html
(at most 1000 metrics a request, 30 dimensions a metric, 150 values a metric; values in
-2^360..2^360, no NaN or infinities; timestamps up to two weeks old and two hours ahead;
no `AWS/` namespaces) and
https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_MetricDatum.html
(Value, Values/Counts and StatisticValues are alternatives; StorageResolution 1 or 60).
"""

from __future__ import annotations

import math
from datetime import datetime
from typing import Any

from lamina.core.metric_feed import Datapoint, Dimensions
from lamina.services.cloudwatch.query import combination, invalid

MAX_METRICS = 1000
MAX_DIMENSIONS = 30
MAX_VALUES = 150
VALUE_LIMIT = 2.0**360
PAST_S = 14 * 86400
FUTURE_S = 2 * 3600
UNITS = frozenset(
    {
        "Seconds",
        "Microseconds",
        "Milliseconds",
        "Bytes",
        "Kilobytes",
        "Megabytes",
        "Gigabytes",
        "Terabytes",
        "Bits",
        "Kilobits",
        "Megabits",
        "Gigabits",
        "Terabits",
        "Percent",
        "Count",
        "Bytes/Second",
        "Kilobytes/Second",
        "Megabytes/Second",
        "Gigabytes/Second",
        "Terabytes/Second",
        "Bits/Second",
        "Kilobits/Second",
        "Megabits/Second",
        "Gigabits/Second",
        "Terabits/Second",
        "Count/Second",
        "None",
    }
)


def check_namespace(namespace: str) -> None:
    if namespace.startswith("AWS/"):
        raise invalid(f"The value {namespace} for parameter Namespace is not valid.")


def datapoints(namespace: str, data: list[dict[str, Any]], now: float) -> list[Datapoint]:
    check_namespace(namespace)
    if len(data) > MAX_METRICS:
        raise invalid(f"The collection MetricData must not have a size greater than {MAX_METRICS}.")
    return [_datapoint(namespace, datum, f"MetricData.member.{n}", now) for n, datum in
            enumerate(data, 1)]  # fmt: skip


def _datapoint(namespace: str, datum: dict[str, Any], where: str, now: float) -> Datapoint:
    dims = datum.get("Dimensions") or []
    if len(dims) > MAX_DIMENSIONS:
        raise invalid(
            f"The collection {where}.Dimensions must not have a size greater than {MAX_DIMENSIONS}."
        )
    dimensions: Dimensions = tuple(sorted((d["Name"], d["Value"]) for d in dims))
    unit = datum.get("Unit", "None")
    if unit not in UNITS:
        raise invalid(f"The value {unit} for parameter {where}.Unit is not valid.")
    resolution = int(datum.get("StorageResolution", 60))
    if resolution not in (1, 60):
        raise invalid(
            f"The value {resolution} for parameter {where}.StorageResolution is not valid."
        )
    stamp = _timestamp(datum.get("Timestamp"), where, now)
    count, total, low, high, values = _statistics(datum, where)
    return Datapoint(
        namespace,
        datum["MetricName"],
        dimensions,
        int(stamp) // resolution * resolution,
        unit,
        count,
        total,
        low,
        high,
        values,
        resolution,
    )


def _timestamp(given: datetime | None, where: str, now: float) -> float:
    if given is None:
        return now
    stamp = given.timestamp()
    if not now - PAST_S <= stamp <= now + FUTURE_S:
        raise invalid(
            f"The parameter {where}.Timestamp must specify a time no more than two weeks in "
            "the past and no more than two hours in the future."
        )
    return stamp


def _statistics(
    datum: dict[str, Any], where: str
) -> tuple[float, float, float, float, tuple[tuple[float, float], ...]]:
    given = [name for name in ("Value", "Values", "StatisticValues") if name in datum]
    if len(given) > 1:
        first, second = given[0], given[1]
        raise combination(
            f"The parameters {where}.{first} and {where}.{second} are mutually exclusive and "
            "you have specified both."
        )
    if not given:
        raise combination(
            f"At least one of the parameters {where}.Value, {where}.Values or "
            f"{where}.StatisticValues must be specified."
        )
    if "Value" in datum:
        value = _value(datum["Value"], f"{where}.Value")
        return 1.0, value, value, value, ((value, 1.0),)
    if "Values" in datum:
        return _values(datum, where)
    stats = datum["StatisticValues"]
    for name in ("SampleCount", "Sum", "Minimum", "Maximum"):
        _value(stats[name], f"{where}.StatisticValues.{name}")
    if stats["SampleCount"] <= 0:
        raise invalid(f"The parameter {where}.StatisticValues.SampleCount must be greater than 0.")
    if stats["Minimum"] > stats["Maximum"]:
        raise invalid(
            f"The parameter {where}.StatisticValues.Minimum must be less than or equal to "
            f"{where}.StatisticValues.Maximum."
        )
    return stats["SampleCount"], stats["Sum"], stats["Minimum"], stats["Maximum"], ()


def _values(
    datum: dict[str, Any], where: str
) -> tuple[float, float, float, float, tuple[tuple[float, float], ...]]:
    values = [_value(v, f"{where}.Values") for v in datum["Values"]]
    counts = datum.get("Counts")
    if len(values) > MAX_VALUES:
        raise invalid(
            f"The collection {where}.Values must not have a size greater than {MAX_VALUES}."
        )
    if not values:
        raise invalid(f"The collection {where}.Values must not be empty.")
    if counts is None:
        counts = [1.0] * len(values)
    elif len(counts) != len(values):
        raise invalid(f"The parameters {where}.Values and {where}.Counts must be of the same size.")
    pairs: dict[float, float] = {}
    for value, count in zip(values, counts, strict=True):
        pairs[value] = pairs.get(value, 0.0) + count
    total = sum(value * count for value, count in pairs.items())
    return sum(pairs.values()), total, min(pairs), max(pairs), tuple(pairs.items())


def _value(value: float, where: str) -> float:
    if math.isnan(value) or math.isinf(value) or abs(value) > VALUE_LIMIT:
        raise invalid(f"The value {value} for parameter {where} is invalid.")
    return float(value)
