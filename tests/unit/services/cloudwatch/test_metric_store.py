"""The metric store and the feed: per-minute aggregation, roll-up to coarser dimension sets,
percentiles, high-resolution folding, period bucketing and the SQLite round trip."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from lamina.aws.service import ServiceError
from lamina.core.metric_feed import VALUES_KEPT, Datapoint, MetricFeed, dimensions
from lamina.services.cloudwatch.persist import MetricFile
from lamina.services.cloudwatch.query import (
    check_datapoints,
    check_period,
    periods,
    round_start,
    statistic,
)
from lamina.services.cloudwatch.store import (
    HIGH_RESOLUTION_RETENTION_S,
    RETENTION_S,
    MetricStore,
)
from tests.clock import ManualClock

NOW = 1_700_000_040.0  # a minute boundary
API = dimensions(ApiName="shop")
STAGE = dimensions(ApiName="shop", Stage="Prod")


def _point(value: float, stamp: int, resolution: int = 60, name: str = "M") -> Datapoint:
    return Datapoint("N", name, (), stamp, "Count", 1.0, value, value, value, ((value, 1.0),),
                     resolution)  # fmt: skip


def test_feed_rolls_a_series_up_to_each_dimension_set() -> None:
    store = MetricStore(ManualClock(NOW))
    feed = MetricFeed(store.add)
    orders = feed.series("AWS/ApiGateway", (API, STAGE))
    count = orders.cell("Count", "Count")
    other = feed.series("AWS/ApiGateway", (API, dimensions(ApiName="shop", Stage="Beta")))
    for _ in range(3):
        count.add(1.0)
    other.cell("Count", "Count").add(1.0)
    feed.drain()
    sums = {
        dims: sum(a.sum for _, _, a in store.points(("AWS/ApiGateway", "Count", dims), 0, 2e9))
        for dims in (API, STAGE)
    }
    assert sums == {API: 4.0, STAGE: 3.0}
    feed.drain()  # nothing new: nothing counted twice
    assert sum(a.sum for _, _, a in store.points(("AWS/ApiGateway", "Count", API), 0, 2e9)) == 4


def test_cell_keeps_count_sum_min_max_and_a_bounded_sample() -> None:
    store = MetricStore(ManualClock(NOW))
    feed = MetricFeed(store.add)
    cell = feed.series("S", ((),)).cell("Latency", "Milliseconds", keep_values=True)
    for value in range(VALUES_KEPT + 10):
        cell.add(float(value))
    feed.drain()
    [(_, unit, aggregate)] = list(store.points(("S", "Latency", ()), 0, 2e9))
    assert unit == "Milliseconds"
    assert (aggregate.count, aggregate.minimum, aggregate.maximum) == (VALUES_KEPT + 10, 0, 1033)
    assert aggregate.values is not None and len(aggregate.values) == VALUES_KEPT


def test_sampled_gauges_are_recorded_each_tick() -> None:
    store = MetricStore(ManualClock(NOW))
    feed = MetricFeed(store.add)
    cell = feed.series("AWS/Lambda", ((),)).cell("ConcurrentExecutions", "Count")
    feed.sample_with(lambda: cell.add(2.0))

    async def run() -> None:
        feed.start()
        await asyncio.sleep(0.05)
        feed.close()

    asyncio.run(run())
    [(_, _, aggregate)] = list(store.points(("AWS/Lambda", "ConcurrentExecutions", ()), 0, 2e9))
    assert aggregate.maximum == 2.0 and aggregate.count >= 1


def test_percentiles_nearest_rank_and_none_without_raw_values() -> None:
    store = MetricStore(ManualClock(NOW))
    store.add(_point(float(v), int(NOW)) for v in range(1, 11))
    [(_, _, aggregate)] = list(store.points(("N", "M", ()), 0, 2e9))
    assert statistic(aggregate, "p50") == 5.0
    assert statistic(aggregate, "p90") == 9.0
    assert statistic(aggregate, "p100") == 10.0
    assert statistic(aggregate, "Average") == 5.5
    spread = Datapoint("N", "S", (), int(NOW), "Count", 4.0, 40.0, 5.0, 15.0)
    store.add([spread])
    [(_, _, stats)] = list(store.points(("N", "S", ()), 0, 2e9))
    assert statistic(stats, "p50") is None and statistic(stats, "Sum") == 40.0


def test_periods_bucket_from_the_rounded_start() -> None:
    store = MetricStore(ManualClock(NOW))
    store.add([_point(1.0, int(NOW) - 120), _point(2.0, int(NOW) - 60), _point(4.0, int(NOW))])
    start = round_start(NOW - 150, 120, NOW)
    assert start == NOW - 180
    found = periods(store, ("N", "M", ()), start, NOW + 60, 120, None)
    assert {stamp - start: a.sum for (stamp, _), a in found.items()} == {0: 1.0, 120: 6.0}
    assert periods(store, ("N", "M", ()), start, NOW + 60, 120, "Bytes") == {}


def test_high_resolution_points_fold_into_their_minute_after_three_hours() -> None:
    clock = ManualClock(NOW)
    store = MetricStore(clock)
    store.add([_point(1.0, int(NOW) + 1, 1), _point(2.0, int(NOW) + 2, 1)])
    assert len(list(store.points(("N", "M", ()), 0, 2e9))) == 2
    clock.advance(HIGH_RESOLUTION_RETENTION_S + 60)
    store.prune()
    [(stamp, _, aggregate)] = list(store.points(("N", "M", ()), 0, 2e9))
    assert (stamp, aggregate.sum, aggregate.resolution) == (int(NOW), 3.0, 60)


@pytest.mark.parametrize("period", [1, 5, 10, 20, 30, 60, 300, 3600])
def test_valid_periods(period: int) -> None:
    check_period(period)


@pytest.mark.parametrize("period", [0, 2, 45, 61, 90])
def test_invalid_periods(period: int) -> None:
    with pytest.raises(ServiceError) as raised:
        check_period(period)
    assert raised.value.code == "InvalidParameterValue"


def test_more_than_1440_datapoints_is_refused() -> None:
    check_datapoints(0, 1440 * 60, 60)
    with pytest.raises(ServiceError) as raised:
        check_datapoints(0, 1441 * 60, 60)
    assert raised.value.code == "InvalidParameterCombination"
    assert raised.value.message.startswith("You have requested up to 1441 datapoints")


def test_sqlite_round_trip_keeps_aggregates_and_values(tmp_path: Path) -> None:
    store = MetricStore(ManualClock(NOW))
    store.add([_point(3.0, int(NOW)), _point(5.0, int(NOW))])
    database = MetricFile(tmp_path / "metrics.sqlite3")
    database.write(*store.take_dirty())
    database.close()
    loaded = MetricStore(ManualClock(NOW))
    reopened = MetricFile(tmp_path / "metrics.sqlite3")
    reopened.load(loaded, NOW)
    reopened.close()
    [(_, _, aggregate)] = list(loaded.points(("N", "M", ()), 0, 2e9))
    assert (aggregate.count, aggregate.sum, aggregate.values) == (2.0, 8.0, {3.0: 1.0, 5.0: 1.0})
    assert loaded.take_dirty() == ([], [])  # loading is not a change to write back


def test_points_past_fifteen_days_are_forgotten_and_unlisted() -> None:
    clock = ManualClock(NOW)
    store = MetricStore(clock)
    store.add([_point(1.0, int(NOW)), _point(2.0, int(NOW), name="Later")])
    store.take_dirty()
    clock.advance(RETENTION_S + 60)
    store.add([_point(3.0, int(clock.now), name="Later")])
    store.prune()
    assert dict(store.metrics()) == {("N", "Later", ()): int(clock.now) // 60 * 60}
    changed, removed = store.take_dirty()
    assert sorted(key[1] for key, _ in removed) == ["Later", "M"]
    assert [key[1] for key, _, _ in changed] == ["Later"]


def test_folded_batches_give_the_same_statistics_as_single_values() -> None:
    store = MetricStore(ManualClock(NOW))
    feed = MetricFeed(store.add)
    series = feed.series("S", ((),))
    pending: list[float] = []
    errors = [0]

    def fold() -> None:
        series.cell("Latency", "Milliseconds", keep_values=True).add_values(pending)
        n = len(pending)
        series.cell("5XXError", "Count").add_summary(n, errors[0], 0.0, 1.0 if errors[0] else 0.0)
        pending.clear()
        errors[0] = 0

    feed.fold_with(fold)
    pending.extend([4.0, 1.0, 7.0])
    errors[0] = 1
    feed.fold()
    pending.extend([2.0])
    feed.drain()  # folds what is still pending first
    [(_, _, latency)] = list(store.points(("S", "Latency", ()), 0, 2e9))
    assert (latency.count, latency.sum, latency.minimum, latency.maximum) == (4, 14.0, 1.0, 7.0)
    assert statistic(latency, "p50") == 2.0
    [(_, _, rate)] = list(store.points(("S", "5XXError", ()), 0, 2e9))
    assert (rate.count, rate.sum, statistic(rate, "Average")) == (4, 1.0, 0.25)
