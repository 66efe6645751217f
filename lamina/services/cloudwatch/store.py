"""The time-series store: aggregates per metric, timestamp and unit, in memory for the
retention window, persisted to SQLite (persist.py) off the event loop.

Resolution, as CloudWatch keeps it
(https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_GetMetricStatistics.html):
standard-resolution datapoints are 1-minute aggregates kept 15 days; high-resolution ones
(PutMetricData StorageResolution=1) are 1-second aggregates kept 3 hours, then folded into
their minute. An aggregate holds SampleCount, Sum, Minimum, Maximum and, while it has at
most `DISTINCT_VALUES_KEPT` distinct values, the values with their counts (percentiles).

Everything here runs on the event loop; `take_dirty` hands copies to the writer thread.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field

from lamina.core.metric_feed import Datapoint, Dimensions

HIGH_RESOLUTION_RETENTION_S = 3 * 3600
RETENTION_S = 15 * 86400
SWEEP_EVERY_S = 3600
"""How often points past retention are looked for (a sweep visits every point)."""
DISTINCT_VALUES_KEPT = 2048

MetricKey = tuple[str, str, Dimensions]
"""(namespace, metric name, dimensions sorted by name)."""
PointKey = tuple[int, str]
"""(timestamp in epoch seconds, unit)."""


@dataclass(slots=True)
class Aggregate:
    count: float
    sum: float
    minimum: float
    maximum: float
    values: dict[float, float] | None = field(default_factory=dict)
    """value -> count; None once the values are not all known (a statistic set whose
    samples differ, or more distinct values than kept): percentiles are then unavailable."""
    resolution: int = 60

    def merge(self, other: Aggregate) -> None:
        if self.count == 0:
            self.minimum, self.maximum = other.minimum, other.maximum
        else:
            self.minimum = min(self.minimum, other.minimum)
            self.maximum = max(self.maximum, other.maximum)
        self.count += other.count
        self.sum += other.sum
        if self.values is None or other.values is None:
            self.values = None
            return
        for value, count in other.values.items():
            self.values[value] = self.values.get(value, 0.0) + count
        if len(self.values) > DISTINCT_VALUES_KEPT:
            self.values = None

    def copy(self) -> Aggregate:
        values = None if self.values is None else dict(self.values)
        return Aggregate(self.count, self.sum, self.minimum, self.maximum, values, self.resolution)

    def percentile(self, rank: float) -> float | None:
        """Nearest-rank percentile of the known values; None without them."""
        if not self.values:
            return None
        ordered = sorted(self.values.items())
        wanted = max(1.0, math.ceil(rank / 100.0 * self.count))
        seen = 0.0
        for value, count in ordered:
            seen += count
            if seen >= wanted:
                return value
        return ordered[-1][0]


def aggregate_of(point: Datapoint) -> Aggregate:
    if point.values:
        values: dict[float, float] | None = dict(point.values)
    elif point.count == 1 or point.minimum == point.maximum:
        # A statistic set whose samples are all equal still gives percentiles (see above).
        values = {point.minimum: point.count}
    else:
        values = None
    return Aggregate(point.count, point.sum, point.minimum, point.maximum, values, point.resolution)


class MetricStore:
    def __init__(self, clock: Callable[[], float]) -> None:
        self._clock = clock
        self._metrics: dict[MetricKey, dict[PointKey, Aggregate]] = {}
        self._newest: dict[MetricKey, int] = {}
        self._fine: set[tuple[MetricKey, PointKey]] = set()
        """High-resolution points, so folding them does not visit every point."""
        self._dirty: set[tuple[MetricKey, PointKey]] = set()
        self._removed: set[tuple[MetricKey, PointKey]] = set()
        self._swept = clock()

    def add(self, points: Iterable[Datapoint]) -> None:
        for point in points:
            key = (point.namespace, point.name, point.dimensions)
            stamp = point.timestamp // point.resolution * point.resolution
            self.merge(key, (stamp, point.unit), aggregate_of(point))

    def merge(self, key: MetricKey, at: PointKey, aggregate: Aggregate, dirty: bool = True) -> None:
        series = self._metrics.get(key)
        if series is None:
            series = self._metrics[key] = {}
        found = series.get(at)
        if found is None:
            series[at] = aggregate
            if aggregate.resolution < 60:
                self._fine.add((key, at))
            if at[0] > self._newest.get(key, -1):
                self._newest[key] = at[0]
        else:
            found.merge(aggregate)
        if dirty:
            self._dirty.add((key, at))

    def metrics(self) -> Iterator[tuple[MetricKey, float]]:
        """Each metric and the time of its newest datapoint."""
        yield from self._newest.items()

    def points(
        self, key: MetricKey, start: float, end: float
    ) -> Iterator[tuple[int, str, Aggregate]]:
        for (stamp, unit), aggregate in (self._metrics.get(key) or {}).items():
            if start <= stamp < end:
                yield stamp, unit, aggregate

    def prune(self) -> None:
        """Fold high-resolution points older than 3 hours into their minute; forget points
        older than the retention window."""
        now = self._clock()
        for key, at in [
            fine for fine in self._fine if fine[1][0] < now - HIGH_RESOLUTION_RETENTION_S
        ]:
            self._fine.discard((key, at))
            aggregate = self._metrics[key].pop(at)
            self._removed.add((key, at))
            folded = aggregate.copy()
            folded.resolution = 60
            self.merge(key, (at[0] // 60 * 60, at[1]), folded)
        if now - self._swept < SWEEP_EVERY_S:
            return
        self._swept = now
        for key, series in list(self._metrics.items()):
            for at in [at for at in series if at[0] < now - RETENTION_S]:
                del series[at]
                self._fine.discard((key, at))
                self._removed.add((key, at))
            if not series:
                del self._metrics[key]
                self._newest.pop(key, None)

    def take_dirty(
        self,
    ) -> tuple[list[tuple[MetricKey, PointKey, Aggregate]], list[tuple[MetricKey, PointKey]]]:
        """Copies of the points changed and the points removed since the last call."""
        changed = []
        for key, at in self._dirty:
            found = self._metrics.get(key, {}).get(at)
            if found is not None:
                changed.append((key, at, found.copy()))
        removed = list(self._removed)
        self._dirty, self._removed = set(), set()
        return changed, removed
