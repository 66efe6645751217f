"""Lambda's metric set (functions/metrics.py) in a fresh registry: invocation hooks, the
concurrency gauges read at scrape time, and the asynchronous invoker's metrics."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any, cast

from prometheus_client import CollectorRegistry, generate_latest

from lamina.core.metric import MetricSet
from lamina.core.metric_feed import Datapoint, MetricFeed
from lamina.functions.asynchronous.invoker import AsyncInvoker
from lamina.functions.asynchronous.model import EventConfig
from lamina.functions.asynchronous.policy import RetryPolicy
from lamina.functions.asynchronous.sqlite import SqliteInvocationQueue
from lamina.functions.error import FunctionNotFoundError
from lamina.functions.metrics import FunctionMetrics, NoMetrics, default_metrics, metrics_enabled
from lamina.functions.model import InvokeResult
from lamina.functions.service import FunctionService

OK = InvokeResult(payload=b"{}", duration_ms=12.0)
FAILED = InvokeResult(
    payload=b"{}", function_error="Unhandled", duration_ms=3.0, executed_version="2"
)
QUEUE = "arn:aws:sqs:eu-west-1:123456789012:dead-letters"


def _value(registry: CollectorRegistry, name: str, **labels: str) -> float | None:
    return registry.get_sample_value(name, labels)


def test_metrics_invocations_errors_and_duration_per_function_and_version() -> None:
    registry = CollectorRegistry()
    metrics = FunctionMetrics(registry)
    metrics.invoked("orders", None, OK)
    metrics.invoked("orders", None, OK)
    metrics.invoked("orders", "live", FAILED)
    plain = {"FunctionName": "orders", "Resource": "orders", "ExecutedVersion": "$LATEST"}
    alias = {"FunctionName": "orders", "Resource": "orders:live", "ExecutedVersion": "2"}
    assert _value(registry, "AWS_Lambda_Invocations_total", **plain) == 2
    assert _value(registry, "AWS_Lambda_Errors_total", **plain) == 0
    assert _value(registry, "AWS_Lambda_Invocations_total", **alias) == 1
    assert _value(registry, "AWS_Lambda_Errors_total", **alias) == 1
    assert _value(registry, "AWS_Lambda_Duration_sum", **plain) == 24.0
    assert _value(registry, "AWS_Lambda_Duration_bucket", **alias, le="5.0") == 1


def test_metrics_throttles_do_not_count_as_invocations() -> None:
    registry = CollectorRegistry()
    metrics = FunctionMetrics(registry)
    metrics.throttled("orders", None)
    labels = {"FunctionName": "orders", "Resource": "orders", "ExecutedVersion": ""}
    assert _value(registry, "AWS_Lambda_Throttles_total", **labels) == 1
    assert _value(registry, "AWS_Lambda_Invocations_total", **labels) is None


class Running:
    """A stand-in for FunctionService's concurrency accounting."""

    def __init__(self, running: dict[str, int], reserved: set[str]) -> None:
        self._running = running
        self._reserved = reserved

    def function_names(self) -> tuple[str, ...]:
        return tuple(self._running)

    def running(self, name: str) -> int:
        return self._running[name]

    @property
    def unreserved_running(self) -> int:
        return sum(n for name, n in self._running.items() if name not in self._reserved)


def test_metrics_concurrent_executions_are_read_when_scraped() -> None:
    registry = CollectorRegistry()
    metrics = FunctionMetrics(registry)
    source = Running({"a": 2, "b": 0, "c": 5}, reserved={"c"})
    metrics.watch(source)
    assert _value(registry, "AWS_Lambda_ConcurrentExecutions", FunctionName="a") == 2
    assert _value(registry, "AWS_Lambda_ConcurrentExecutions", FunctionName="c") == 5
    assert _value(registry, "AWS_Lambda_UnreservedConcurrentExecutions") == 2
    source._running["a"] = 0
    assert _value(registry, "AWS_Lambda_ConcurrentExecutions", FunctionName="a") == 0
    del source  # a closed service stops being reported
    assert _value(registry, "AWS_Lambda_ConcurrentExecutions", FunctionName="a") is None


def test_metrics_off_by_environment() -> None:
    assert not metrics_enabled({"LAMINA_METRICS": "off"})
    assert metrics_enabled({})
    assert isinstance(default_metrics({"LAMINA_METRICS": "off"}), NoMetrics)


class Scripted:
    """Answers every invocation of a function with one result or error."""

    def __init__(self, answers: dict[str, InvokeResult | Exception]) -> None:
        self.answers = answers

    async def invoke(self, name: str, payload: bytes, **options: Any) -> InvokeResult:
        answer = self.answers[name]
        if isinstance(answer, Exception):
            raise answer
        return answer

    def reserved_concurrency(self, name: str) -> int | None:
        return None


async def _run(
    tmp_path: Path, answers: dict[str, InvokeResult | Exception], config: EventConfig
) -> CollectorRegistry:
    registry = CollectorRegistry()
    clock_start = 1_000.0
    now = [clock_start]
    invoker = AsyncInvoker(
        cast(FunctionService, Scripted(answers)),
        SqliteInvocationQueue.in_state_dir(tmp_path),
        region="eu-west-1",
        account_id="123456789012",
        configs=lambda name, qualifier: config,
        policy=RetryPolicy(),
        clock=lambda: now[0],
        metrics=FunctionMetrics(registry),
    )
    try:
        await invoker.submit("fn", None, b"{}", request_id="r-1")
        now[0] += 2.5  # the event waits 2.5 s before it runs
        await invoker.start()
        await asyncio.wait_for(invoker.wait_idle(), 10)
    finally:
        await invoker.close()
    return registry


async def test_metrics_async_success_counts_received_and_event_age(tmp_path: Path) -> None:
    registry = await _run(tmp_path, {"fn": OK}, EventConfig())
    assert _value(registry, "AWS_Lambda_AsyncEventsReceived_total", FunctionName="fn") == 1
    assert _value(registry, "AWS_Lambda_AsyncEventAge_count", FunctionName="fn") == 1
    assert _value(registry, "AWS_Lambda_AsyncEventAge_sum", FunctionName="fn") == 2500.0
    assert _value(registry, "AWS_Lambda_AsyncEventsDropped_total", FunctionName="fn") is None


async def test_metrics_async_exhausted_event_is_dropped_and_undeliverable_targets_count(
    tmp_path: Path,
) -> None:
    config = EventConfig(maximum_retry_attempts=0, dead_letter=QUEUE, on_failure=QUEUE)
    registry = await _run(tmp_path, {"fn": FAILED}, config)
    assert _value(registry, "AWS_Lambda_AsyncEventsDropped_total", FunctionName="fn") == 1
    # Lamina does not deliver to SQS yet: both deliveries count as failures.
    assert _value(registry, "AWS_Lambda_DeadLetterErrors_total", FunctionName="fn") == 1
    assert _value(registry, "AWS_Lambda_DestinationDeliveryFailures_total", FunctionName="fn") == 1


async def test_metrics_async_function_gone_drops_the_event(tmp_path: Path) -> None:
    registry = await _run(tmp_path, {"fn": FunctionNotFoundError("gone")}, EventConfig())
    assert _value(registry, "AWS_Lambda_AsyncEventsDropped_total", FunctionName="fn") == 1


def test_metrics_histogram_buckets_are_cumulative_in_the_text_format() -> None:
    registry = CollectorRegistry()
    metrics = MetricSet()
    latency = metrics.histogram("lat", "Latency.", ("Api",), (0.1, 0.5, 30000.0))
    metrics.register(registry)
    cell = latency.labels("a")
    for value in (0.05, 0.1, 0.3, 50_000.0):
        cell.observe(value)
    text = generate_latest(registry).decode()
    assert 'lat_bucket{Api="a",le="0.1"} 2.0' in text  # `le` includes the bound itself
    assert 'lat_bucket{Api="a",le="0.5"} 3.0' in text
    assert 'lat_bucket{Api="a",le="30000.0"} 3.0' in text
    assert 'lat_bucket{Api="a",le="+Inf"} 4.0' in text
    assert 'lat_count{Api="a"} 4.0' in text
    assert registry.get_sample_value("lat_sum", {"Api": "a"}) == 50_000.45


def test_metrics_async_events_reach_the_cloudwatch_feed() -> None:
    """AsyncEventsReceived / AsyncEventAge / AsyncEventsDropped / DeadLetterErrors /
    DestinationDeliveryFailures per FunctionName and across functions.
    https://docs.aws.amazon.com/lambda/latest/dg/monitoring-metrics-types.html#async-invocation-metrics"""
    points: list[Datapoint] = []
    feed = MetricFeed(points.extend)
    metrics = FunctionMetrics(CollectorRegistry())
    metrics.feed_to(feed)
    metrics.event_received("fn")
    metrics.event_started("fn", 250.0)
    metrics.event_dropped("fn")
    metrics.dead_letter_failed("fn")
    metrics.destination_failed("fn")
    feed.drain()
    found = {(p.name, p.dimensions, p.unit): p.sum for p in points}
    per_function = (("FunctionName", "fn"),)
    for name, unit, value in (
        ("AsyncEventsReceived", "Count", 1.0),
        ("AsyncEventAge", "Milliseconds", 250.0),
        ("AsyncEventsDropped", "Count", 1.0),
        ("DeadLetterErrors", "Count", 1.0),
        ("DestinationDeliveryFailures", "Count", 1.0),
    ):
        assert found[(name, per_function, unit)] == value
        assert found[(name, (), unit)] == value
