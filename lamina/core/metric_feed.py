"""Per-minute aggregates of CloudWatch-style metrics, recorded on the hot path and handed to
a sink off it.

    recorder (gateway, runtime) ─ list.append(v) ─► its pending lists
    folder (each second, before a drain) ─ add_values / add_summary ─► StatCell
                                            (count, sum, min, max, a sample of values)
    MetricFeed.drain()  ─ every minute boundary, and before a read ─► sink(list[Datapoint])

On the request path a recorder only appends raw values to lists it keeps per series; its
folder (`MetricFeed.fold_with`) turns them into cells once a second with C builtins (`len`,
`sum`, `min`, `max`), which is several times cheaper than updating cells per value.
Occasional values (a gauge sample, a cache hit) may use `StatCell.add` directly. A series
carries the dimension sets its cells roll up to (API Gateway publishes Count per API, per
API and stage, and per method and resource): the roll-up happens at drain time, once per
series and minute, not per request.

A cell's datapoint is stamped with the minute of its first value since the last drain; the
timer drains at every minute boundary, so a minute's values land in that minute (give or
take the event loop's lag at the boundary).

Like lamina.core.metric: not thread-safe by design, record and drain on the event loop.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable

import msgspec

Dimensions = tuple[tuple[str, str], ...]
"""(name, value) pairs sorted by name: CloudWatch treats a dimension set as unordered."""

VALUES_KEPT = 1024
"""Raw values a cell keeps per minute for percentiles; beyond it only count/sum/min/max grow."""

STANDARD_RESOLUTION_S = 60


class Datapoint(msgspec.Struct, frozen=True):
    """One metric's aggregate over one resolution interval (a minute, or a second)."""

    namespace: str
    name: str
    dimensions: Dimensions
    timestamp: int
    """Epoch seconds, floored to `resolution`."""
    unit: str
    count: float
    sum: float
    minimum: float
    maximum: float
    values: tuple[tuple[float, float], ...] = ()
    """(value, count) pairs when raw values are known (percentiles), else empty."""
    resolution: int = STANDARD_RESOLUTION_S


def dimensions(**pairs: str) -> Dimensions:
    return tuple(sorted(pairs.items()))


def value_counts(values: list[float]) -> tuple[tuple[float, float], ...]:
    """A Datapoint's `values`: each distinct value with how often it occurs."""
    counted: dict[float, float] = {}
    for value in values:
        counted[value] = counted.get(value, 0.0) + 1.0
    return tuple(counted.items())


class StatCell:
    """One metric of one series: what was recorded since the last drain."""

    __slots__ = ("count", "keep_values", "maximum", "minimum", "name", "started", "sum", "unit")

    def __init__(self, name: str, unit: str, keep_values: bool) -> None:
        self.name = name
        self.unit = unit
        self.keep_values: list[float] | None = [] if keep_values else None
        self.count = 0
        self.sum = 0.0
        self.minimum = 0.0
        self.maximum = 0.0
        self.started = 0.0

    def add(self, value: float) -> None:
        if self.count == 0:
            self.started = time.time()
            self.minimum = self.maximum = value
        elif value < self.minimum:
            self.minimum = value
        elif value > self.maximum:
            self.maximum = value
        self.count += 1
        self.sum += value
        kept = self.keep_values
        if kept is not None and len(kept) < VALUES_KEPT:
            kept.append(value)

    def add_values(self, values: list[float]) -> None:
        """Many values at once (a folder's pending list)."""
        if not values:
            return
        low, high = min(values), max(values)
        if self.count == 0:
            self.started = time.time()
            self.minimum, self.maximum = low, high
        else:
            self.minimum = min(self.minimum, low)
            self.maximum = max(self.maximum, high)
        self.count += len(values)
        self.sum += sum(values)
        kept = self.keep_values
        if kept is not None and len(kept) < VALUES_KEPT:
            kept.extend(values[: VALUES_KEPT - len(kept)])

    def add_summary(self, count: int, total: float, minimum: float, maximum: float) -> None:
        """`count` values summing to `total` (an error rate: n requests, e errors)."""
        if count <= 0:
            return
        if self.count == 0:
            self.started = time.time()
            self.minimum, self.maximum = minimum, maximum
        else:
            self.minimum = min(self.minimum, minimum)
            self.maximum = max(self.maximum, maximum)
        self.count += count
        self.sum += total

    def take(self, series: FeedSeries) -> list[Datapoint]:
        """The cell's datapoints, one per dimension set of the series; then start afresh."""
        minute = int(self.started) // STANDARD_RESOLUTION_S * STANDARD_RESOLUTION_S
        kept = self.keep_values
        values: tuple[tuple[float, float], ...] = ()
        if kept:
            values = value_counts(kept)
            kept.clear()
        points = [
            Datapoint(
                series.namespace,
                self.name,
                dimension_set,
                minute,
                self.unit,
                float(self.count),
                self.sum,
                self.minimum,
                self.maximum,
                values,
            )
            for dimension_set in series.dimension_sets
        ]
        self.count = 0
        self.sum = 0.0
        return points


class FeedSeries:
    """The cells of one finest-grained series and the dimension sets they roll up to."""

    __slots__ = ("cells", "dimension_sets", "namespace")

    def __init__(self, namespace: str, dimension_sets: tuple[Dimensions, ...]) -> None:
        self.namespace = namespace
        self.dimension_sets = dimension_sets
        self.cells: dict[str, StatCell] = {}

    def cell(self, name: str, unit: str, keep_values: bool = False) -> StatCell:
        found = self.cells.get(name)
        if found is None:
            found = self.cells[name] = StatCell(name, unit, keep_values)
        return found


Sink = Callable[[list[Datapoint]], None]
Sampler = Callable[[], None]
"""Called once a second by the feed's timer: records gauges (ConcurrentExecutions)."""
Folder = Callable[[], None]
"""Moves a recorder's pending values into its cells: once a second and before a drain."""


class MetricFeed:
    """Where recorders put their cells; drains them to the sink each minute and on demand."""

    def __init__(self, sink: Sink, *, on_minute: Callable[[], None] | None = None) -> None:
        self._sink = sink
        self._on_minute = on_minute
        """Called after each minute's drain (the store persists then, off the loop)."""
        self._series: dict[tuple[str, tuple[Dimensions, ...]], FeedSeries] = {}
        self._samplers: list[Sampler] = []
        self._folders: list[Folder] = []
        self._timer: asyncio.TimerHandle | None = None
        self._ticker: asyncio.TimerHandle | None = None

    def series(self, namespace: str, dimension_sets: tuple[Dimensions, ...]) -> FeedSeries:
        key = (namespace, dimension_sets)
        found = self._series.get(key)
        if found is None:
            found = self._series[key] = FeedSeries(namespace, dimension_sets)
        return found

    def sample_with(self, sampler: Sampler) -> None:
        self._samplers.append(sampler)

    def fold_with(self, folder: Folder) -> None:
        self._folders.append(folder)

    def fold(self) -> None:
        for folder in self._folders:
            folder()

    def drain(self) -> None:
        self.fold()
        points: list[Datapoint] = []
        for series in list(self._series.values()):
            for cell in series.cells.values():
                if cell.count:
                    points.extend(cell.take(series))
        if points:
            self._sink(points)

    def start(self) -> None:
        """Drain at every minute boundary and sample gauges every second (on this loop)."""
        self._schedule_minute()
        self._tick()

    def close(self) -> None:
        for handle in (self._timer, self._ticker):
            if handle is not None:
                handle.cancel()
        self._timer = self._ticker = None
        self.drain()

    def _schedule_minute(self) -> None:
        loop = asyncio.get_running_loop()
        now = time.time()
        wait = STANDARD_RESOLUTION_S - now % STANDARD_RESOLUTION_S
        self._timer = loop.call_later(wait, self._minute)

    def _minute(self) -> None:
        self.drain()
        if self._on_minute is not None:
            self._on_minute()
        self._schedule_minute()

    def _tick(self) -> None:
        self.fold()
        for sampler in self._samplers:
            sampler()
        self._ticker = asyncio.get_running_loop().call_later(1.0, self._tick)
