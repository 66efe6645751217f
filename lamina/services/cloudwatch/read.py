"""GetMetricStatistics and GetMetricData over the store.

https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_GetMetricStatistics.html
https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_GetMetricData.html

Statistics: SampleCount, Average, Sum, Minimum, Maximum, and percentiles pNN(.NN) where the
raw values are known. GetMetricData answers MetricStat queries and metric math Expressions
over them (math.py), evaluated after the queries they name.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Collection
from datetime import UTC, datetime
from math import isfinite
from typing import Any

from lamina.aws.service import OperationInput, OperationOutput, ServiceError
from lamina.core.metric_feed import Dimensions
from lamina.services.cloudwatch import math
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
    values = evaluate(store, queries, begin, until, now)
    results = []
    for query in queries:
        if query.get("ReturnData", True) is False:
            continue
        results.append(_result(query, values[query["Id"]], ascending))
    # Paging: the first `skip` datapoints (across results, in order) went out before.
    served = 0
    seen = 0
    truncated = False
    for result in results:
        stamps, points = result["Timestamps"], result["Values"]
        drop = min(len(stamps), max(0, skip - seen))
        seen += len(stamps)
        keep = min(len(stamps) - drop, budget - served)
        if drop + keep < len(stamps):
            truncated = True
            result["StatusCode"] = "PartialData"
        result["Timestamps"], result["Values"] = (
            stamps[drop : drop + keep],
            points[drop : drop + keep],
        )
        served += keep
    output: OperationOutput = {"MetricDataResults": results, "Messages": []}
    if truncated:
        output["NextToken"] = base64.b64encode(str(skip + served).encode()).decode()
    return output


def evaluate(
    store: MetricStore,
    queries: list[dict[str, Any]],
    begin: float,
    until: float,
    now: float,
    returned: Collection[str] | None = None,
) -> dict[str, math.Series]:
    """The time series of the `returned` queries (default: those with ReturnData true) by
    id: MetricStat queries read from the store, then the expressions, each after the
    queries it names (a cycle is refused). Only a returned value must be one time series:
    an intermediate expression may be an array another one reduces (SUM(e1))."""
    ids = [query["Id"] for query in queries]
    # An Id "must be unique within a single call to GetMetricData".
    # https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_MetricDataQuery.html
    if len(set(ids)) != len(ids):
        duplicated = next(i for i in ids if ids.count(i) > 1)
        raise _validation(
            f"The values for parameter id in MetricDataQueries are not unique: {duplicated}."
        )
    by_id = {query["Id"]: query for query in queries}
    for query in queries:
        _check_query(query)
    values: dict[str, math.Value] = {}
    metric_ids = tuple(q["Id"] for q in queries if "MetricStat" in q)
    periods_seen = [int(by_id[i]["MetricStat"]["Period"]) for i in metric_ids]
    default_period = min(periods_seen) if periods_seen else 60
    start = round_start(begin, default_period, now)
    for query_id in metric_ids:
        values[query_id] = _metric_series(store, by_id[query_id], begin, until, now)
    pending = {q["Id"]: math.parse(q["Expression"]) for q in queries if "Expression" in q}
    needs = {q["Id"]: math.references(q["Expression"]) for q in queries if "Expression" in q}
    for query_id, names in needs.items():
        unknown = names - set(by_id)
        if unknown:
            raise _validation(
                f"Invalid metrics list: query {query_id} names {sorted(unknown)[0]}, which is "
                "not the Id of a query in this request."
            )
    while pending:
        ready = [i for i in pending if not (needs[i] & set(pending))]
        if not ready:
            raise _validation(
                f"Circular dependency between the expressions {', '.join(sorted(pending))}."
            )
        for query_id in ready:
            period = int(by_id[query_id].get("Period") or default_period)
            context = math.Context(values, start, until, period, metric_ids)
            values[query_id] = pending.pop(query_id)(context)
    if returned is None:
        returned = [q["Id"] for q in queries if q.get("ReturnData", True) is not False]
    return {
        query_id: _as_series(query_id, values[query_id], start, until, default_period, by_id)
        for query_id in returned
    }


def _as_series(
    query_id: str,
    value: math.Value,
    start: int,
    until: float,
    period: int,
    by_id: dict[str, dict[str, Any]],
) -> math.Series:
    """An expression's value as one time series: a scalar becomes a constant line over the
    range [choice: AWS graphs a scalar as a horizontal line]; an array of several series is
    refused (Lamina answers one result per query)."""
    if isinstance(value, math.Series):
        return value
    if isinstance(value, list):
        if len(value) == 1:
            return value[0]
        raise _validation(
            f"The expression of query {query_id} returns {len(value)} time series; Lamina "
            "answers one result per query: reduce them (SUM, AVG, MIN, MAX) or name each."
        )
    own = int(by_id[query_id].get("Period") or period)
    grid = range(start, int(until), own)
    if isinstance(value, str) or not isfinite(value):
        return math.Series({}, own)
    return math.Series({stamp: float(value) for stamp in grid}, own)


def _validation(message: str) -> ServiceError:
    return ServiceError("ValidationError", message, status=400)


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
        raise _validation(
            f"The value {query_id} for parameter MetricDataQueries.member.Id is not valid: it "
            "must start with a lowercase letter and contain only letters, numbers and "
            "underscores."
        )
    if ("Expression" in query) == ("MetricStat" in query):
        raise _validation(f"Query {query_id} must specify exactly one of MetricStat or Expression.")
    if "Expression" in query:
        if "Period" in query:
            check_period(int(query["Period"]), "MetricDataQueries.member.Period")
        return
    stat = query["MetricStat"]["Stat"]
    if stat not in STATISTICS and not stat.startswith("p"):
        raise _validation(
            f"The statistic {stat} of query {query_id} is not supported by Lamina (supported: "
            "SampleCount, Average, Sum, Minimum, Maximum, pNN)."
        )
    if stat.startswith("p"):
        check_percentile(stat, "MetricDataQueries.member.MetricStat.Stat")
    check_period(int(query["MetricStat"]["Period"]), "MetricDataQueries.member.MetricStat.Period")


def _metric_series(
    store: MetricStore, query: dict[str, Any], begin: float, until: float, now: float
) -> math.Series:
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
    points = {}
    for stamp, aggregate in merged.items():
        value = statistic(aggregate, stat["Stat"])
        if value is not None:
            points[stamp] = value
    return math.Series(points, period, query.get("Label") or metric["MetricName"])


def _result(query: dict[str, Any], series: math.Series, ascending: bool) -> dict[str, Any]:
    stamps = sorted(series.points, reverse=not ascending)
    return {
        "Id": query["Id"],
        "Label": query.get("Label") or series.label or query["Id"],
        "Timestamps": [datetime.fromtimestamp(stamp, UTC) for stamp in stamps],
        "Values": [series.points[stamp] for stamp in stamps],
        "StatusCode": "Complete",
        "Messages": [],
    }
