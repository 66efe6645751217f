"""The Embedded Metric Format: a JSON log line whose `_aws.CloudWatchMetrics` names metrics
and dimensions among the line's own members becomes datapoints.

https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/CloudWatch_Embedded_Metric_Format_Specification.html

    {"_aws": {"Timestamp": 1574109732004,
              "CloudWatchMetrics": [{"Namespace": "lambda-function-metrics",
                                     "Dimensions": [["functionVersion"]],
                                     "Metrics": [{"Name": "time", "Unit": "Milliseconds",
                                                  "StorageResolution": 60}]}]},
     "functionVersion": "$LATEST", "time": 100, "requestId": "989ffbf8-..."}

A directive the specification calls invalid (a missing member, a dimension value that is
not a string, more than 30 dimensions in a set or 100 metrics or values) is skipped, as
CloudWatch then keeps the line only as a log event. Powertools Metrics writes exactly this
shape (one directive, one dimension set, values as numbers or lists of numbers).

`EmfTap` sits in front of a function log sink: each text passes through, and texts that
mention `_aws` are parsed on the next loop iteration, not in the caller's.
"""

from __future__ import annotations

import asyncio
import math
from collections.abc import Callable
from typing import Any

import orjson

from lamina.core.metric_feed import Datapoint, Dimensions, value_counts
from lamina.functions.logfile import LogSink
from lamina.services.cloudwatch.put import UNITS, VALUE_LIMIT

MAX_DIMENSIONS = 30
MAX_METRICS = 100
MAX_VALUES = 100


def parse_line(line: str) -> list[Datapoint]:
    """The datapoints of one log line; none if it is not a valid EMF document."""
    start = line.find("{")
    if start < 0 or '"_aws"' not in line:
        return []
    try:
        document = orjson.loads(line[start:])
    except orjson.JSONDecodeError:
        return []
    if not isinstance(document, dict):
        return []
    meta = document.get("_aws")
    if not isinstance(meta, dict):
        return []
    stamp = meta.get("Timestamp")
    directives = meta.get("CloudWatchMetrics")
    if not isinstance(stamp, int) or not isinstance(directives, list):
        return []
    points: list[Datapoint] = []
    for directive in directives:
        if isinstance(directive, dict):
            points.extend(_directive(directive, document, stamp // 1000))
    return points


def _directive(directive: dict[str, Any], root: dict[str, Any], second: int) -> list[Datapoint]:
    namespace = directive.get("Namespace")
    sets = directive.get("Dimensions")
    metrics = directive.get("Metrics")
    if not isinstance(namespace, str) or not namespace or namespace.startswith("AWS/"):
        return []
    if not isinstance(sets, list) or not isinstance(metrics, list) or len(metrics) > MAX_METRICS:
        return []
    found_sets = [_dimension_set(names, root) for names in sets]
    dimension_sets = [found for found in found_sets if found is not None]
    if len(dimension_sets) < len(found_sets):
        return []
    if not dimension_sets:  # "Dimensions": [] publishes the metric without dimensions
        dimension_sets = [()]
    points: list[Datapoint] = []
    for metric in metrics:
        described = _metric(metric, root)
        if described is None:
            return []
        name, unit, resolution, values = described
        stamp = second // resolution * resolution
        pairs = value_counts(values)
        for dims in dimension_sets:
            points.append(
                Datapoint(
                    namespace,
                    name,
                    dims,
                    stamp,
                    unit,
                    float(len(values)),
                    sum(values),
                    min(values),
                    max(values),
                    pairs,
                    resolution,
                )
            )
    return points


def _dimension_set(names: object, root: dict[str, Any]) -> Dimensions | None:
    if not isinstance(names, list) or len(names) > MAX_DIMENSIONS:
        return None
    pairs = []
    for name in names:
        value = root.get(name) if isinstance(name, str) else None
        if not isinstance(value, str):
            return None
        pairs.append((name, value))
    return tuple(sorted(pairs))


def _metric(metric: object, root: dict[str, Any]) -> tuple[str, str, int, list[float]] | None:
    if not isinstance(metric, dict):
        return None
    name = metric.get("Name")
    unit = metric.get("Unit", "None")
    resolution = metric.get("StorageResolution", 60)
    if not isinstance(name, str) or unit not in UNITS or resolution not in (1, 60):
        return None
    raw = root.get(name)
    values = raw if isinstance(raw, list) else [raw]
    if not values or len(values) > MAX_VALUES:
        return None
    numbers: list[float] = []
    for value in values:
        if isinstance(value, bool) or not isinstance(value, int | float):
            return None
        if math.isnan(value) or math.isinf(value) or abs(value) > VALUE_LIMIT:
            return None
        numbers.append(float(value))
    return name, str(unit), int(resolution), numbers


class EmfTap:
    """A function log sink that forwards every text and turns EMF lines into datapoints."""

    def __init__(self, sink: LogSink | None, record: Callable[[list[Datapoint]], None]) -> None:
        self._sink = sink
        self._record = record
        self._pending: list[str] = []

    def __call__(self, function_name: str, text: str) -> None:
        if self._sink is not None:
            self._sink(function_name, text)
        if '"_aws"' in text:
            if not self._pending:
                asyncio.get_running_loop().call_soon(self.parse_pending)
            self._pending.append(text)

    def parse_pending(self) -> None:
        texts, self._pending = self._pending, []
        points: list[Datapoint] = []
        for text in texts:
            for line in text.splitlines():
                points.extend(parse_line(line))
        if points:
            self._record(points)
