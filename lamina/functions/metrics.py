"""Lambda's metric set, recorded by the function runtime into a Prometheus registry.

https://docs.aws.amazon.com/lambda/latest/dg/monitoring-metrics-types.html
Names are CloudWatch's prefixed with the namespace (`AWS/Lambda` → `AWS_Lambda_`); labels
are its dimension names: FunctionName, Resource (`name` or `name:qualifier`) and
ExecutedVersion (the version that ran, for invocations through an alias or a version).

    invocation metrics   Invocations, Errors, Throttles (counters)
    performance          Duration (histogram, ms)
    concurrency          ConcurrentExecutions, UnreservedConcurrentExecutions (gauges read
                         from the concurrency limiter when scraped: no cost per request)
    asynchronous         AsyncEventsReceived, AsyncEventsDropped (counters),
                         AsyncEventAge (histogram, ms), DeadLetterErrors,
                         DestinationDeliveryFailures (counters)

Invocations counts every run of the function's code, errors included; throttled calls
count only as Throttles (as the page above says). The children of one
(function, qualifier, executed version) are resolved once and cached.
"""

from __future__ import annotations

import os
import weakref
from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, Protocol

from prometheus_client import REGISTRY, CollectorRegistry
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

from lamina.core.metric import CounterCell, CounterFamily, HistogramCell, MetricSet
from lamina.core.metric_feed import Dimensions, FeedSeries, MetricFeed, StatCell, dimensions

if TYPE_CHECKING:
    from prometheus_client.core import Metric

    from lamina.functions.model import InvokeResult

_NAMESPACE = "AWS_Lambda_"

METRICS_ENV = "LAMINA_METRICS"
"""`LAMINA_METRICS=off` turns metric recording off (to measure what it costs)."""

DURATION_BUCKETS_MS = (
    1.0, 2.5, 5.0, 10.0, 25.0, 50.0, 100.0, 250.0, 500.0,
    1000.0, 2500.0, 5000.0, 10000.0, 30000.0, 60000.0, 300000.0, 900000.0,
)  # fmt: skip
"""Milliseconds, from a warm no-op (about 1 ms) to Lambda's 15-minute timeout."""

EVENT_AGE_BUCKETS_MS = (
    1.0, 10.0, 100.0, 1000.0, 10000.0, 60000.0, 300000.0,
    1800000.0, 3600000.0, 21600000.0,
)  # fmt: skip
"""Milliseconds an event waited in the queue: up to the 6-hour maximum event age."""

_INVOKE_LABELS = ("FunctionName", "Resource", "ExecutedVersion")
_FUNCTION_LABELS = ("FunctionName",)


class ConcurrencySource(Protocol):
    """What the gauges read when scraped (FunctionService)."""

    def function_names(self) -> tuple[str, ...]: ...

    def running(self, name: str) -> int: ...

    @property
    def unreserved_running(self) -> int: ...


class _Invocation:
    """The children of one (function, qualifier, executed version)."""

    __slots__ = ("duration", "errors", "feed", "invocations")

    def __init__(
        self, invocations: CounterCell, errors: CounterCell, duration: HistogramCell
    ) -> None:
        self.invocations = invocations
        self.errors = errors
        self.duration = duration
        self.feed: _FeedCells | None = None
        """The same numbers per minute for the CloudWatch API, when a feed is connected."""


def _dimension_sets(name: str, resource: str, executed_version: str) -> tuple[Dimensions, ...]:
    """AWS/Lambda's dimension sets of one invocation: across all functions, per function,
    per version or alias (Resource), and per executed version of an alias.
    https://docs.aws.amazon.com/lambda/latest/dg/monitoring-metrics-types.html"""
    sets = [dimensions(), dimensions(FunctionName=name)]
    if resource != name:
        sets.append(dimensions(FunctionName=name, Resource=resource))
        if executed_version:
            sets.append(
                dimensions(FunctionName=name, Resource=resource, ExecutedVersion=executed_version)
            )
    return tuple(sets)


class _FeedCells:
    __slots__ = ("duration", "durations", "errors", "failed", "invocations")

    def __init__(self, series: FeedSeries) -> None:
        self.invocations = series.cell("Invocations", "Count")
        self.errors = series.cell("Errors", "Count")
        self.duration = series.cell("Duration", "Milliseconds", keep_values=True)
        # What the invoke path appends to; `fold` moves it into the cells each second.
        self.durations: list[float] = []
        self.failed = 0

    def fold(self) -> None:
        runs = len(self.durations)
        if not runs:
            return
        self.invocations.add_summary(runs, runs, 1.0, 1.0)
        failed = self.failed
        self.errors.add_summary(runs, failed, 0.0 if failed < runs else 1.0, min(failed, 1))
        self.duration.add_values(self.durations)
        self.durations.clear()
        self.failed = 0


class _Concurrency(Collector):
    """ConcurrentExecutions per function and for the account, read at scrape time."""

    def __init__(self) -> None:
        self.sources: weakref.WeakSet[ConcurrencySource] = weakref.WeakSet()

    def collect(self) -> Iterator[Metric]:
        per_function = GaugeMetricFamily(
            _NAMESPACE + "ConcurrentExecutions",
            "Function instances processing events now.",
            labels=_FUNCTION_LABELS,
        )
        unreserved = GaugeMetricFamily(
            _NAMESPACE + "UnreservedConcurrentExecutions",
            "Concurrent executions of functions without reserved concurrency.",
        )
        total_unreserved = 0
        for source in list(self.sources):
            for name in source.function_names():
                per_function.add_metric([name], source.running(name))
            total_unreserved += source.unreserved_running
        unreserved.add_metric([], total_unreserved)
        yield per_function
        yield unreserved


class FunctionMetrics:
    """Lambda's metrics for every function of the process's runtimes."""

    def __init__(self, registry: CollectorRegistry = REGISTRY) -> None:
        metrics = MetricSet()

        def counter(name: str, doc: str, labels: tuple[str, ...]) -> CounterFamily:
            return metrics.counter(_NAMESPACE + name, doc, labels)

        self._invocations = counter(
            "Invocations", "Runs of the function's code, errors included.", _INVOKE_LABELS
        )
        self._errors = counter(
            "Errors", "Invocations that ended in a function error.", _INVOKE_LABELS
        )
        self._duration = metrics.histogram(
            _NAMESPACE + "Duration",
            "Milliseconds the function's code ran for (Duration).",
            _INVOKE_LABELS,
            DURATION_BUCKETS_MS,
        )
        self._throttles = counter(
            "Throttles", "Invocation requests refused for concurrency.", _INVOKE_LABELS
        )
        self._events_received = counter(
            "AsyncEventsReceived", "Events queued for asynchronous invocation.", _FUNCTION_LABELS
        )
        self._events_dropped = counter(
            "AsyncEventsDropped",
            "Asynchronous events dropped without a successful run.",
            _FUNCTION_LABELS,
        )
        self._event_age = metrics.histogram(
            _NAMESPACE + "AsyncEventAge",
            "Milliseconds between queueing an event and invoking the function with it.",
            _FUNCTION_LABELS,
            EVENT_AGE_BUCKETS_MS,
        )
        self._dead_letter_errors = counter(
            "DeadLetterErrors", "Events that could not be sent to the DLQ.", _FUNCTION_LABELS
        )
        self._destination_failures = counter(
            "DestinationDeliveryFailures",
            "Records that could not be sent to a destination.",
            _FUNCTION_LABELS,
        )
        metrics.register(registry)
        self._concurrency = _Concurrency()
        registry.register(self._concurrency)
        self._series: dict[tuple[str, str | None, str], _Invocation] = {}
        self._feed: MetricFeed | None = None

    def watch(self, source: ConcurrencySource) -> None:
        """Report ``source``'s concurrency while it lives."""
        self._concurrency.sources.add(source)

    def feed_to(self, feed: MetricFeed | None) -> None:
        """Also record Invocations, Errors, Duration, Throttles and (sampled each second)
        ConcurrentExecutions into `feed`, the CloudWatch API's per-minute store."""
        self._feed = feed
        self._series.clear()  # resolved again, with the feed's cells
        if feed is not None:
            feed.sample_with(self._sample_concurrency)
            feed.fold_with(self._fold_feed)

    def _fold_feed(self) -> None:
        for series in list(self._series.values()):
            if series.feed is not None:
                series.feed.fold()

    def _sample_concurrency(self) -> None:
        feed = self._feed
        if feed is None:
            return
        total = 0
        for source in list(self._concurrency.sources):
            for name in source.function_names():
                running = source.running(name)
                total += running
                feed.series("AWS/Lambda", (dimensions(FunctionName=name),)).cell(
                    "ConcurrentExecutions", "Count"
                ).add(float(running))
        feed.series("AWS/Lambda", (dimensions(),)).cell("ConcurrentExecutions", "Count").add(
            float(total)
        )

    def invoked(self, name: str, qualifier: str | None, result: InvokeResult) -> None:
        key = (name, qualifier, result.executed_version)
        series = self._series.get(key)
        if series is None:
            labels = (name, f"{name}:{qualifier}" if qualifier else name, result.executed_version)
            series = self._series[key] = _Invocation(
                self._invocations.labels(*labels),
                self._errors.labels(*labels),
                self._duration.labels(*labels),
            )
            if self._feed is not None:
                sets = _dimension_sets(*labels)
                series.feed = _FeedCells(self._feed.series("AWS/Lambda", sets))
        series.invocations.inc()
        if result.function_error is not None:
            series.errors.inc()
        series.duration.observe(result.duration_ms)
        cells = series.feed
        if cells is not None:
            cells.durations.append(result.duration_ms)
            if result.function_error is not None:
                cells.failed += 1

    def throttled(self, name: str, qualifier: str | None) -> None:
        resource = f"{name}:{qualifier}" if qualifier else name
        self._throttles.labels(name, resource, "").inc()
        if self._feed is not None:
            sets = _dimension_sets(name, resource, "")
            self._throttle_cell(sets).add(1.0)

    def _throttle_cell(self, sets: tuple[Dimensions, ...]) -> StatCell:
        assert self._feed is not None
        return self._feed.series("AWS/Lambda", sets).cell("Throttles", "Count")

    def event_received(self, name: str) -> None:
        self._events_received.labels(name).inc()
        self._feed_async(name, "AsyncEventsReceived", "Count", 1.0)

    def event_started(self, name: str, age_ms: float) -> None:
        self._event_age.labels(name).observe(age_ms)
        self._feed_async(name, "AsyncEventAge", "Milliseconds", age_ms)

    def event_dropped(self, name: str) -> None:
        self._events_dropped.labels(name).inc()
        self._feed_async(name, "AsyncEventsDropped", "Count", 1.0)

    def dead_letter_failed(self, name: str) -> None:
        self._dead_letter_errors.labels(name).inc()
        self._feed_async(name, "DeadLetterErrors", "Count", 1.0)

    def destination_failed(self, name: str) -> None:
        self._destination_failures.labels(name).inc()
        self._feed_async(name, "DestinationDeliveryFailures", "Count", 1.0)

    def _feed_async(self, name: str, metric: str, unit: str, value: float) -> None:
        """Asynchronous invocation metrics per FunctionName and across functions (the
        asynchronous path only, so one cell lookup per event is cheap enough).
        https://docs.aws.amazon.com/lambda/latest/dg/monitoring-metrics-types.html#async-invocation-metrics"""
        feed = self._feed
        if feed is None:
            return
        sets = (dimensions(FunctionName=name), dimensions())
        feed.series("AWS/Lambda", sets).cell(metric, unit).add(value)


class NoMetrics(FunctionMetrics):
    """LAMINA_METRICS=off: every hook is a no-op (to measure what metrics cost)."""

    def __init__(self) -> None:
        """No registry: nothing is kept."""

    def watch(self, source: ConcurrencySource) -> None:
        return

    def feed_to(self, feed: MetricFeed | None) -> None:
        return

    def invoked(self, name: str, qualifier: str | None, result: InvokeResult) -> None:
        return

    def throttled(self, name: str, qualifier: str | None) -> None:
        return

    def event_received(self, name: str) -> None:
        return

    def event_started(self, name: str, age_ms: float) -> None:
        return

    def event_dropped(self, name: str) -> None:
        return

    def dead_letter_failed(self, name: str) -> None:
        return

    def destination_failed(self, name: str) -> None:
        return


_shared: dict[int, FunctionMetrics] = {}


def shared_metrics(registry: CollectorRegistry = REGISTRY) -> FunctionMetrics:
    """The one FunctionMetrics of a registry (a registry refuses a metric name twice, and
    a process may run several FunctionServices, e.g. in tests)."""
    found = _shared.get(id(registry))
    if found is None:
        found = _shared[id(registry)] = FunctionMetrics(registry)
    return found


def metrics_enabled(environ: Mapping[str, str] = os.environ) -> bool:
    return environ.get(METRICS_ENV, "on").lower() not in ("off", "0", "false", "no")


def default_metrics(environ: Mapping[str, str] = os.environ) -> FunctionMetrics:
    """The process registry's metrics unless LAMINA_METRICS=off."""
    return shared_metrics() if metrics_enabled(environ) else NoMetrics()
