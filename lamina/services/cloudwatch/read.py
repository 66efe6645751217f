"""GetMetricStatistics and GetMetricData over the store.

https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_GetMetricStatistics.html
https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_GetMetricData.html

Statistics: SampleCount, Average, Sum, Minimum, Maximum, and percentiles pNN(.NN) where the
raw values are known. GetMetricData answers MetricStat queries; a metric math Expression is
refused with a ValidationError that says Lamina does not evaluate metric math.
"""

from __future__ import annotations

import base64
import re
from datetime import UTC, datetime
from typing import Any

from lamina.aws.service import OperationInput, OperationOutput, ServiceError
from lamina.core.metric_feed import Dimensions
from lamina.services.cloudwatch.query import (
    STATISTICS,
    check_datapoints,
    check_percentile,
    check_period,
    check_range,
    combination,
    invalid,
    periods,
    round_start,
    statistic,
    visible,
)
from lamina.services.cloudwatch.store import MetricKey, MetricStore

MAX_DATA_POINTS = 100_800
"""GetMetricData's default (and maximum) MaxDatapoints."""
_QUERY_ID = re.compile(r"[a-z][a-zA-Z0-9_]*")


def metric_key(namespace: str, name: str, dims: list[dict[str, str]] | None) -> MetricKey:
    dimensions: Dimensions = tuple(sorted((d["Name"], d["Value"]) for d in dims or ()))
    return (namespace, name, dimensions)


def get_metric_statistics(
    store: MetricStore, params: OperationInput, now: float
) -> OperationOutput:
    statistics = params.get("Statistics") or []
    extended = params.get("ExtendedStatistics") or []
    if bool(statistics) == bool(extended):
        raise combination("Must specify either Statistics or ExtendedStatistics, but not both.")
    for name in statistics:
        if name not in STATISTICS:
            raise invalid(f"The value {name} for parameter Statistics is not valid.")
    for name in extended:
        check_percentile(name, "ExtendedStatistics")
    period = int(params["Period"])
    check_period(period)
    begin, until = check_range(params["StartTime"], params["EndTime"])
    start = round_start(begin, period, now)
    check_datapoints(start, until, period)
    key = metric_key(params["Namespace"], params["MetricName"], params.get("Dimensions"))
    found = periods(store, key, start, until, period, params.get("Unit"))
    datapoints = []
    for (stamp, unit), aggregate in sorted(found.items()):
        if not visible(stamp, period, now):
            continue
        point: dict[str, Any] = {"Timestamp": datetime.fromtimestamp(stamp, UTC), "Unit": unit}
        for name in statistics:
            point[name] = statistic(aggregate, name)
        if extended:
            percentiles = {name: statistic(aggregate, name) for name in extended}
            point["ExtendedStatistics"] = {k: v for k, v in percentiles.items() if v is not None}
        datapoints.append(point)
    return {"Label": params["MetricName"], "Datapoints": datapoints}


def get_metric_data(store: MetricStore, params: OperationInput, now: float) -> OperationOutput:
    queries = params["MetricDataQueries"]
    begin, until = check_range(params["StartTime"], params["EndTime"])
    ascending = params.get("ScanBy") == "TimestampAscending"
    budget = int(params.get("MaxDatapoints") or MAX_DATA_POINTS)
    skip = _offset(params.get("NextToken"))
    results = []
    for query in queries:
        _check_query(query)
        if query.get("ReturnData", True) is False:
            continue
        results.append(_answer(store, query, begin, until, now, ascending))
    # Paging: the first `skip` datapoints (across results, in order) went out before.
    served = 0
    seen = 0
    truncated = False
    for result in results:
        stamps, values = result["Timestamps"], result["Values"]
        drop = min(len(stamps), max(0, skip - seen))
        seen += len(stamps)
        keep = min(len(stamps) - drop, budget - served)
        if drop + keep < len(stamps):
            truncated = True
            result["StatusCode"] = "PartialData"
        result["Timestamps"], result["Values"] = (
            stamps[drop : drop + keep],
            values[drop : drop + keep],
        )
        served += keep
    output: OperationOutput = {"MetricDataResults": results, "Messages": []}
    if truncated:
        output["NextToken"] = base64.b64encode(str(skip + served).encode()).decode()
    return output


def _offset(token: str | None) -> int:
    if not token:
        return 0
    try:
        return int(base64.b64decode(token, validate=True).decode())
    except ValueError as error:
        raise ServiceError("InvalidNextToken", "The service couldn't process the token.") from error


def _check_query(query: dict[str, Any]) -> None:
    query_id = query["Id"]
    if not _QUERY_ID.fullmatch(query_id):
        raise ServiceError(
            "ValidationError",
            f"The value {query_id} for parameter MetricDataQueries.member.Id is not valid: it "
            "must start with a lowercase letter and contain only letters, numbers and "
            "underscores.",
            status=400,
        )
    if "Expression" in query:
        raise ServiceError(
            "ValidationError",
            f"Metric math is not supported by Lamina: query {query_id} has an Expression; "
            "use MetricStat queries.",
            status=400,
        )
    if "MetricStat" not in query:
        raise ServiceError(
            "ValidationError",
            f"Query {query_id} must specify exactly one of MetricStat or Expression.",
            status=400,
        )
    stat = query["MetricStat"]["Stat"]
    if stat not in STATISTICS and not stat.startswith("p"):
        raise ServiceError(
            "ValidationError",
            f"The statistic {stat} of query {query_id} is not supported by Lamina (supported: "
            "SampleCount, Average, Sum, Minimum, Maximum, pNN).",
            status=400,
        )
    if stat.startswith("p"):
        check_percentile(stat, "MetricDataQueries.member.MetricStat.Stat")
    check_period(int(query["MetricStat"]["Period"]), "MetricDataQueries.member.MetricStat.Period")


def _answer(
    store: MetricStore,
    query: dict[str, Any],
    begin: float,
    until: float,
    now: float,
    ascending: bool,
) -> dict[str, Any]:
    stat = query["MetricStat"]
    metric = stat["Metric"]
    period = int(stat["Period"])
    start = round_start(begin, period, now)
    key = metric_key(metric["Namespace"], metric["MetricName"], metric.get("Dimensions"))
    found = periods(store, key, start, until, period, stat.get("Unit"))
    merged: dict[int, Any] = {}
    for (stamp, _unit), aggregate in found.items():
        if not visible(stamp, period, now):
            continue
        if stamp in merged:
            merged[stamp].merge(aggregate)
        else:
            merged[stamp] = aggregate
    pairs = []
    for stamp in sorted(merged, reverse=not ascending):
        value = statistic(merged[stamp], stat["Stat"])
        if value is not None:
            pairs.append((datetime.fromtimestamp(stamp, UTC), value))
    return {
        "Id": query["Id"],
        "Label": query.get("Label") or metric["MetricName"],
        "Timestamps": [stamp for stamp, _ in pairs],
        "Values": [value for _, value in pairs],
        "StatusCode": "Complete",
        "Messages": [],
    }
