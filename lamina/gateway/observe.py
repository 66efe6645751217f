"""What the gateway records about each answered request: API Gateway's metrics and the
stage's access log line.

    Gateway.handle ─ response ─► RequestObserver.record(ctx, response, started)
                                   ├─ GatewayMetrics: Count, 4XXError/5XXError (REST),
                                   │  4xx/5xx (HTTP APIs), Latency, IntegrationLatency,
                                   │  CacheHitCount/CacheMissCount (REST, cached methods)
                                   └─ the stage's AccessLog: render the compiled format,
                                      hand the line to the writer (never waits on a disk)

Metric names are CloudWatch's, prefixed with the namespace (`AWS/ApiGateway` →
`AWS_ApiGateway_`), and the labels are CloudWatch's dimension names:
https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-metrics-and-dimensions.html
(REST: ApiName, Stage, Method, Resource) and
https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-metrics.html
(HTTP APIs: ApiId, Stage, Route; they also count DataProcessed bytes). Every series
carries both ApiName and ApiId; a dimension that does not apply to the API kind is the
empty label, which Prometheus treats as absent.

The hot path stays cheap: the labelled children of one (API, stage, method/route) are
resolved once and cached by a tuple key, so a request costs a dict lookup, three counter
increments and one or two histogram observations, with no string formatting.
"""

from __future__ import annotations

import logging
import time
import weakref
from collections.abc import Iterator
from typing import TYPE_CHECKING

from prometheus_client import REGISTRY, CollectorRegistry
from prometheus_client.core import CounterMetricFamily, Metric
from prometheus_client.registry import Collector

from lamina.core.metric import (
    CounterCell,
    CounterFamily,
    HistogramCell,
    HistogramFamily,
    MetricSet,
)
from lamina.core.metric_feed import MetricFeed, StatCell, dimensions
from lamina.functions.metrics import metrics_enabled
from lamina.gateway.access_log import AccessLogFormat, Served
from lamina.gateway.access_log_writer import AccessLogWriter
from lamina.gateway.deployment import CompiledHttpApi, CompiledRestApi
from lamina.gateway.error import ApiKind, GatewayResponse
from lamina.gateway.events.v1 import V1Target

if TYPE_CHECKING:
    from lamina.gateway.context import RequestContext
    from lamina.gateway.model import Stage

log = logging.getLogger("lamina.gateway")

LATENCY_BUCKETS_MS = (
    0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 25.0, 50.0, 100.0,
    250.0, 500.0, 1000.0, 2500.0, 5000.0, 10000.0, 30000.0,
)  # fmt: skip
"""Milliseconds, as CloudWatch reports Latency: 0.1 ms (a mock) up to 30 s (the HTTP API
integration timeout)."""

LABELS = ("ApiName", "ApiId", "Stage", "Method", "Resource", "Route")
_NAMESPACE = "AWS_ApiGateway_"

_SeriesKey = tuple[str, str, str, str, str]


class _Series:
    """The children of one API / stage / method+resource (REST) or route (HTTP API)."""

    __slots__ = (
        "cache_hits",
        "cache_misses",
        "client_errors",
        "count",
        "data_processed",
        "feed",
        "integration_latency",
        "labels",
        "latency",
        "server_errors",
    )

    def __init__(
        self,
        count: CounterCell,
        client_errors: CounterCell,
        server_errors: CounterCell,
        latency: HistogramCell,
        integration_latency: HistogramCell,
        data_processed: CounterCell | None,
    ) -> None:
        self.count = count
        self.client_errors = client_errors
        self.server_errors = server_errors
        self.latency = latency
        self.integration_latency = integration_latency
        self.data_processed = data_processed
        """HTTP APIs only."""
        self.feed: _FeedCells | None = None
        """The same numbers per minute for the CloudWatch API, when a feed is connected."""
        self.labels: tuple[str, ...] = ()
        self.cache_hits: CounterCell | None = None
        self.cache_misses: CounterCell | None = None
        """Made on the first request the stage cache answered or missed: CloudWatch reports
        the cache metrics only for methods that cache."""


class _FeedCells:
    """One series' cells in a MetricFeed (CloudWatch's AWS/ApiGateway metrics)."""

    __slots__ = (
        "cache",
        "client_errors",
        "count",
        "data_processed",
        "errors",
        "integration",
        "integrations",
        "latencies",
        "latency",
        "server_errors",
        "sizes",
        "stats",
    )

    def __init__(self, feed: MetricFeed, key: _SeriesKey, api_name: str, kind: ApiKind) -> None:
        # https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-metrics-and-dimensions.html
        # https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-metrics.html
        api_id, stage, method, resource, route = key
        rest = kind is ApiKind.REST
        # "API Gateway removes non-ASCII characters from the ApiName dimension ... If the
        # APIName contains no ASCII characters, the API ID is used as the ApiName."
        api_name = api_name.encode("ascii", "ignore").decode() or api_id
        if rest:
            sets = [dimensions(ApiName=api_name), dimensions(ApiName=api_name, Stage=stage)]
            if method:
                sets.append(
                    dimensions(ApiName=api_name, Stage=stage, Method=method, Resource=resource)
                )
        else:
            sets = [dimensions(ApiId=api_id), dimensions(ApiId=api_id, Stage=stage)]
            if route:
                sets.append(dimensions(ApiId=api_id, Stage=stage, Route=route))
        series = self.stats = feed.series("AWS/ApiGateway", tuple(sets))
        self.cache: tuple[StatCell, StatCell] | None = None
        """CacheHitCount, CacheMissCount: made on the method's first cached request."""
        self.count = series.cell("Count", "Count")
        self.client_errors = series.cell("4XXError" if rest else "4xx", "Count")
        self.server_errors = series.cell("5XXError" if rest else "5xx", "Count")
        self.latency = series.cell("Latency", "Milliseconds", keep_values=True)
        self.integration = series.cell("IntegrationLatency", "Milliseconds", keep_values=True)
        self.data_processed: StatCell | None = (
            None if rest else series.cell("DataProcessed", "Bytes")
        )
        # What the request path appends to; `fold` moves it into the cells each second.
        self.latencies: list[float] = []
        self.integrations: list[float] = []
        self.errors: list[int] = []
        """Status codes of 4xx and 5xx answers."""
        self.sizes: list[float] = []

    def fold(self) -> None:
        requests = len(self.latencies)
        if not requests:
            return
        client = sum(1 for status in self.errors if status < 500)
        server = len(self.errors) - client
        # Count and the error metrics have one sample per request (0 or 1 for the errors),
        # so Average is the error rate, as API Gateway's are.
        self.count.add_summary(requests, requests, 1.0, 1.0)
        for cell, errors in ((self.client_errors, client), (self.server_errors, server)):
            low = 0.0 if errors < requests else 1.0
            cell.add_summary(requests, errors, low, 1.0 if errors else 0.0)
        self.latency.add_values(self.latencies)
        self.integration.add_values(self.integrations)
        if self.data_processed is not None:
            self.data_processed.add_values(self.sizes)
        for pending in (self.latencies, self.integrations, self.errors, self.sizes):
            pending.clear()


class GatewayMetrics:
    """API Gateway's metric set, in a Prometheus registry."""

    def __init__(self, registry: CollectorRegistry = REGISTRY) -> None:
        metrics = MetricSet()

        def counter(name: str, doc: str) -> CounterFamily:
            return metrics.counter(_NAMESPACE + name, doc, LABELS)

        def histogram(name: str, doc: str) -> HistogramFamily:
            return metrics.histogram(_NAMESPACE + name, doc, LABELS, LATENCY_BUCKETS_MS)

        self._count = counter("Count", "API requests (CloudWatch Count).")
        # REST APIs name the error metrics 4XXError / 5XXError, HTTP APIs 4xx / 5xx.
        self._rest_4xx = counter("4XXError", "REST API client-side errors (4XXError).")
        self._rest_5xx = counter("5XXError", "REST API server-side errors (5XXError).")
        self._http_4xx = counter("4xx", "HTTP API client-side errors (4xx).")
        self._http_5xx = counter("5xx", "HTTP API server-side errors (5xx).")
        self._latency = histogram(
            "Latency", "Milliseconds from receiving the request to answering it (Latency)."
        )
        self._integration_latency = histogram(
            "IntegrationLatency",
            "Milliseconds between relaying the request to the integration and its answer.",
        )
        self._data_processed = counter(
            "DataProcessed", "HTTP API bytes processed, requests and responses (DataProcessed)."
        )
        # https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-metrics-and-dimensions.html
        self._cache_hits = counter("CacheHitCount", "Requests served from the API cache.")
        self._cache_misses = counter(
            "CacheMissCount", "Requests served from the integration while the cache was on."
        )
        self._series: dict[_SeriesKey, _Series] = {}
        self._feed: MetricFeed | None = None
        metrics.register(registry)
        self._writers = _AccessLogCounts()
        registry.register(self._writers)

    def watch(self, writer: AccessLogWriter) -> None:
        """Report the writer's written and dropped lines while it lives."""
        self._writers.writers.add(writer)

    def feed_to(self, feed: MetricFeed | None) -> None:
        """Also record each request into `feed` (the CloudWatch API's per-minute store)."""
        self._feed = feed
        self._series.clear()  # resolved again, with the feed's cells
        if feed is not None:
            feed.fold_with(self._fold_feed)

    def _fold_feed(self) -> None:
        for series in list(self._series.values()):
            if series.feed is not None:
                series.feed.fold()

    def record(
        self, ctx: RequestContext, status: int, latency_ms: float, response_bytes: int
    ) -> None:
        api, stage_found = _api_and_stage(ctx)
        if api is None:  # no API matched the host/path: nothing to attribute it to
            return
        stage = stage_found.name if stage_found is not None else ""
        if ctx.method is not None:
            target = ctx.target
            resource = target.resource_path if isinstance(target, V1Target) else ""
            key = (api.api.id, stage, ctx.method.http_method, resource, "")
        elif ctx.route is not None:
            key = (api.api.id, stage, "", "", ctx.route.route_key)
        else:
            key = (api.api.id, stage, "", "", "")
        series = self._series.get(key)
        if series is None:
            series = self._series[key] = self._resolve(key, api.api.name, ctx.kind)
        series.count.inc()
        if status >= 500:
            series.server_errors.inc()
        elif status >= 400:
            series.client_errors.inc()
        series.latency.observe(latency_ms)
        if ctx.integration_latency_ms >= 0:
            series.integration_latency.observe(ctx.integration_latency_ms)
        if series.data_processed is not None:
            series.data_processed.inc(len(ctx.request.body) + response_bytes)
        cells = series.feed
        if cells is not None:
            cells.latencies.append(latency_ms)
            if status >= 400:
                cells.errors.append(status)
            if ctx.integration_latency_ms >= 0:
                cells.integrations.append(ctx.integration_latency_ms)
            if cells.data_processed is not None:
                cells.sizes.append(float(len(ctx.request.body) + response_bytes))
        if ctx.cache is not None:
            self._count_cache(series, hit=ctx.cache.hit)

    def _count_cache(self, series: _Series, *, hit: bool) -> None:
        if series.cache_hits is None or series.cache_misses is None:
            series.cache_hits = self._cache_hits.labels(*series.labels)
            series.cache_misses = self._cache_misses.labels(*series.labels)
        (series.cache_hits if hit else series.cache_misses).inc()
        cells = series.feed
        if cells is not None:
            if cells.cache is None:
                cells.cache = (
                    cells.stats.cell("CacheHitCount", "Count"),
                    cells.stats.cell("CacheMissCount", "Count"),
                )
            cells.cache[0].add(1.0 if hit else 0.0)
            cells.cache[1].add(0.0 if hit else 1.0)

    def _resolve(self, key: _SeriesKey, api_name: str, kind: ApiKind) -> _Series:
        """Create the children of one series once; the error counters start at 0, as
        CloudWatch publishes 0 for a request that did not fail."""
        api_id, stage, method, resource, route = key
        rest = kind is ApiKind.REST
        labels = (api_name, api_id, stage, method, resource, route)
        series = _Series(
            self._count.labels(*labels),
            (self._rest_4xx if rest else self._http_4xx).labels(*labels),
            (self._rest_5xx if rest else self._http_5xx).labels(*labels),
            self._latency.labels(*labels),
            self._integration_latency.labels(*labels),
            None if rest else self._data_processed.labels(*labels),
        )
        if self._feed is not None:
            series.feed = _FeedCells(self._feed, key, api_name, kind)
        series.labels = labels
        return series


def _api_and_stage(
    ctx: RequestContext,
) -> tuple[CompiledRestApi | CompiledHttpApi | None, Stage | None]:
    """The API and stage the request reached, also when routing refused it (a 404 / 403 of
    an API still counts for the API and its stage)."""
    if ctx.api is not None:
        return ctx.api, ctx.stage
    if ctx.address is not None:
        return ctx.address.api, ctx.address.stage
    return None, None


class _AccessLogCounts(Collector):
    """Access log lines written and dropped (the pending list was full), read when scraped."""

    def __init__(self) -> None:
        self.writers: weakref.WeakSet[AccessLogWriter] = weakref.WeakSet()

    def collect(self) -> Iterator[Metric]:
        writers = list(self.writers)
        yield CounterMetricFamily(
            "lamina_access_log_lines_written",
            "Access log lines written to .lamina/logs/access.",
            value=sum(writer.written for writer in writers),
        )
        yield CounterMetricFamily(
            "lamina_access_log_lines_dropped",
            "Access log lines dropped because writing could not keep up.",
            value=sum(writer.dropped for writer in writers),
        )


class RequestObserver:
    """Records metrics and writes access log lines once a request is answered."""

    def __init__(
        self,
        metrics: GatewayMetrics | None,
        access_logs: AccessLogWriter | None = None,
    ) -> None:
        self._metrics = metrics
        """None: metrics are off (LAMINA_METRICS=off)."""
        self._access_logs = access_logs
        """None: access logs are not written (no state directory, e.g. in unit tests)."""
        self._formats: dict[str, AccessLogFormat] = {}
        if metrics is not None and access_logs is not None:
            metrics.watch(access_logs)

    def record(self, ctx: RequestContext, response: GatewayResponse, started_ns: int) -> None:
        latency_ms = (time.perf_counter_ns() - started_ns) / 1e6
        if self._metrics is not None:
            self._metrics.record(ctx, response.status, latency_ms, len(response.body))
        stage = _api_and_stage(ctx)[1]
        setting = stage.access_log if stage is not None else None
        if setting is not None and self._access_logs is not None:
            log_format = self._formats.get(setting.format)
            if log_format is None:  # parsed once per format, not per request
                log_format = self._formats[setting.format] = AccessLogFormat(setting.format)
            try:
                line = log_format.render(Served(ctx, response, latency_ms))
            except Exception:  # a bug of ours must not turn an answered request into a 500
                log.exception("rendering the access log line of %s failed", setting.log_group)
                return
            self._access_logs.write(setting.log_group, line)

    def feed_to(self, feed: MetricFeed | None) -> None:
        """Record API Gateway's metrics into `feed` too (no-op when metrics are off)."""
        if self._metrics is not None:
            self._metrics.feed_to(feed)

    async def close(self) -> None:
        if self._access_logs is not None:
            await self._access_logs.close()


_shared: dict[int, GatewayMetrics] = {}


def shared_metrics(registry: CollectorRegistry = REGISTRY) -> GatewayMetrics:
    """The one GatewayMetrics of a registry (a registry refuses a metric name twice, and a
    process may build several gateways, e.g. in tests)."""
    found = _shared.get(id(registry))
    if found is None:
        found = _shared[id(registry)] = GatewayMetrics(registry)
    return found


def default_observer(access_logs: AccessLogWriter | None = None) -> RequestObserver:
    """Metrics in the process registry unless LAMINA_METRICS=off."""
    return RequestObserver(shared_metrics() if metrics_enabled() else None, access_logs)
