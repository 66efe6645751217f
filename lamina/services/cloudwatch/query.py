"""Reading the store as GetMetricStatistics and GetMetricData do: period rules, the start
time's rounding, aggregation per period, and the statistics of an aggregate.

https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_GetMetricStatistics.html
"""

from __future__ import annotations

import math
import re
from datetime import datetime

from lamina.aws.service import ServiceError
from lamina.services.cloudwatch.store import Aggregate, MetricKey, MetricStore

MAX_DATAPOINTS = 1440
STATISTICS = ("SampleCount", "Average", "Sum", "Minimum", "Maximum")
_PERCENTILE = re.compile(r"p(\d{1,2}(\.\d{0,10})?|100(\.0{0,10})?)")
_HIGH_RESOLUTION_PERIODS = (1, 5, 10, 20, 30)


def invalid(message: str) -> ServiceError:
    return ServiceError("InvalidParameterValue", message)


def combination(message: str) -> ServiceError:
    return ServiceError("InvalidParameterCombination", message)


def check_period(period: int, where: str = "Period") -> None:
    # "Period ... can be 1, 5, 10, 20, 30, 60, or any multiple of 60" for high-resolution
    # metrics; 60 or a multiple of it otherwise (the API reference above).
    if period < 1 or (period not in _HIGH_RESOLUTION_PERIODS and period % 60 != 0):
        raise invalid(
            f"The parameter {where} must be 1, 5, 10, 20, 30, or a multiple of 60; got {period}."
        )


def check_range(start: datetime, end: datetime) -> tuple[float, float]:
    begin, until = start.timestamp(), end.timestamp()
    if begin >= until:
        raise invalid("The parameter StartTime must be less than the parameter EndTime.")
    return begin, until


def round_start(start: float, period: int, now: float) -> int:
    """StartTime rounded down as CloudWatch does: to the period below a minute, to the
    minute within 15 days, 5 minutes within 63 days, the hour before that."""
    if period < 60:
        unit = period
    elif start >= now - 15 * 86400:
        unit = 60
    elif start >= now - 63 * 86400:
        unit = 300
    else:
        unit = 3600
    return int(start) // unit * unit


def visible(start: float, period: int, now: float) -> bool:
    """Whether data this old is returned at this period: sub-minute periods only for the last
    3 hours, then multiples of 60, 300 (older than 15 days), 3600 (older than 63 days)."""
    age = now - start
    if age > 63 * 86400:
        return period % 3600 == 0
    if age > 15 * 86400:
        return period % 300 == 0
    if age > 3 * 3600:
        return period % 60 == 0
    return True


def datapoints_asked(start: int, end: float, period: int) -> int:
    return math.ceil((end - start) / period)


def check_datapoints(start: int, end: float, period: int) -> None:
    asked = datapoints_asked(start, end, period)
    if asked > MAX_DATAPOINTS:
        # The text CloudWatch answers with (quoted in cloud-custodian issue #7683).
        raise combination(
            f"You have requested up to {asked} datapoints, which exceeds the limit of "
            f"{MAX_DATAPOINTS}. You may reduce the datapoints requested by increasing Period, "
            "or decreasing the time range."
        )


def periods(
    store: MetricStore,
    key: MetricKey,
    start: int,
    end: float,
    period: int,
    unit: str | None,
) -> dict[tuple[int, str], Aggregate]:
    """The metric's aggregate per (period start, unit) within [start, end)."""
    found: dict[tuple[int, str], Aggregate] = {}
    for stamp, point_unit, aggregate in store.points(key, start, end):
        if unit is not None and point_unit != unit:
            continue
        slot = (start + (stamp - start) // period * period, point_unit)
        into = found.get(slot)
        if into is None:
            found[slot] = aggregate.copy()
        else:
            into.merge(aggregate)
    return found


def check_percentile(name: str, where: str) -> float:
    if not _PERCENTILE.fullmatch(name):
        raise invalid(f"The value {name} for parameter {where} is not a valid percentile.")
    return float(name[1:])


def statistic(aggregate: Aggregate, name: str) -> float | None:
    """One statistic of an aggregate; None for a percentile without the raw values (a
    statistic set with differing samples, or negative values: CloudWatch has none then)."""
    if name == "SampleCount":
        return aggregate.count
    if name == "Sum":
        return aggregate.sum
    if name == "Average":
        return aggregate.sum / aggregate.count if aggregate.count else 0.0
    if name == "Minimum":
        return aggregate.minimum
    if name == "Maximum":
        return aggregate.maximum
    if aggregate.minimum < 0:
        return None
    return aggregate.percentile(float(name[1:]))
