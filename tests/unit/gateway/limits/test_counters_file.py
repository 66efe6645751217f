"""The in-process limiter keeps quota counters and daily usage in a file across restarts."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from lamina.gateway.limits.limiter import SAVE_INTERVAL_S, InProcessLimiter, open_limiter
from lamina.gateway.limits.model import Quota

WEEK = Quota(limit=3, period="WEEK", offset=1)
DAY = date(2026, 11, 25)  # a Wednesday: its WEEK period (offset 1) began on Monday


def _wall(day: date) -> float:
    return datetime(day.year, day.month, day.day, 12, tzinfo=UTC).timestamp()


async def test_counters_file_quota_survives_a_restart(tmp_path: Path) -> None:
    path = tmp_path / "limits" / "counters.json"
    first = InProcessLimiter(wall=lambda: _wall(DAY), counters_path=path)
    assert [await first.count("plan", "key", WEEK) for _ in range(2)] == [True, True]
    await first.set_remaining("plan", "other", WEEK, 5)
    await first.close()

    tuesday = DAY + timedelta(days=1)
    second = InProcessLimiter(wall=lambda: _wall(tuesday), counters_path=path)
    # One request of the week's three left for "key"; five granted to "other".
    assert [await second.count("plan", "key", WEEK) for _ in range(2)] == [True, False]
    assert await second.quota_used("plan", "other", WEEK) == -2
    assert await second.daily_usage("plan", "key", [DAY, tuesday]) == [2, 1]
    assert await second.daily_adjustments("plan", "other", [DAY]) == [-2]


async def test_counters_file_forgets_days_past_retention_when_saved(tmp_path: Path) -> None:
    path = tmp_path / "counters.json"
    old = DAY - timedelta(days=120)
    first = InProcessLimiter(wall=lambda: _wall(old), counters_path=path)
    assert await first.count("plan", "key", None)
    await first.close()
    moved_on = InProcessLimiter(wall=lambda: _wall(DAY), counters_path=path)
    await moved_on.close()
    again = InProcessLimiter(wall=lambda: _wall(DAY), counters_path=path)
    assert await again.daily_usage("plan", "key", [old]) == [0]


async def test_counters_file_unreadable_starts_from_zero(tmp_path: Path) -> None:
    path = tmp_path / "counters.json"
    path.write_text("{not json")
    limiter = InProcessLimiter(wall=lambda: _wall(DAY), counters_path=path)
    assert await limiter.daily_usage("plan", "key", [DAY]) == [0]
    assert await limiter.count("plan", "key", WEEK)
    await limiter.close()
    assert b'"periods"' in path.read_bytes()  # overwritten with what counts now


async def test_open_limiter_in_process_keeps_its_counters_at_the_path(tmp_path: Path) -> None:
    path = tmp_path / "counters.json"
    limiter = await open_limiter(None, path)
    assert isinstance(limiter, InProcessLimiter)
    await limiter.count("plan", "key", None)
    await limiter.close()
    assert path.exists()
    without = await open_limiter(None)
    await without.close()
    assert list(tmp_path.iterdir()) == [path]


async def test_counters_file_is_saved_while_counting_not_only_on_close(tmp_path: Path) -> None:
    """A process killed without closing loses at most SAVE_INTERVAL_S of counting."""
    path = tmp_path / "counters.json"
    clock = [100.0]
    killed = InProcessLimiter(clock=lambda: clock[0], wall=lambda: _wall(DAY), counters_path=path)
    assert await killed.count("plan", "key", WEEK)
    assert not path.exists()  # within the interval: not yet
    clock[0] += SAVE_INTERVAL_S
    assert await killed.count("plan", "key", WEEK)
    # Never closed: the next process still sees both requests.
    after = InProcessLimiter(wall=lambda: _wall(DAY), counters_path=path)
    assert await after.quota_used("plan", "key", WEEK) == 2


async def test_counters_file_keeps_an_update_usage_at_once(tmp_path: Path) -> None:
    path = tmp_path / "counters.json"
    limiter = InProcessLimiter(wall=lambda: _wall(DAY), counters_path=path)
    await limiter.set_remaining("plan", "key", WEEK, 1)
    after = InProcessLimiter(wall=lambda: _wall(DAY), counters_path=path)
    assert await after.quota_used("plan", "key", WEEK) == 2


async def test_counters_file_that_cannot_be_written_does_not_fail_requests(
    tmp_path: Path,
) -> None:
    # The state directory's place is taken by a file: saving fails with an OSError. The
    # request being counted (or UpdateUsage, or the shutdown) must not fail with it.
    (tmp_path / "limits").write_text("not a directory")
    path = tmp_path / "limits" / "counters.json"
    now = [0.0]
    limiter = InProcessLimiter(clock=lambda: now[0], wall=lambda: _wall(DAY), counters_path=path)
    now[0] = SAVE_INTERVAL_S + 1  # the next counted request saves
    assert await limiter.count("plan", "key", WEEK)
    assert await limiter.set_remaining("plan", "key", WEEK, 3) == -1
    await limiter.close()
    assert await limiter.quota_used("plan", "key", WEEK) == 0


async def test_counters_file_drops_clients_with_nothing_left_to_count(tmp_path: Path) -> None:
    # A key counted once four months ago (then deleted, say): its quota period ended long
    # ago and its days are past retention, so nothing of it is kept; the file does not
    # grow with every key that ever made a request.
    path = tmp_path / "counters.json"
    old = DAY - timedelta(days=120)
    first = InProcessLimiter(wall=lambda: _wall(old), counters_path=path)
    assert await first.count("plan", "gone", WEEK)
    await first.close()
    later = InProcessLimiter(wall=lambda: _wall(DAY), counters_path=path)
    assert await later.count("plan", "key", WEEK)
    await later.close()
    assert b"gone" not in path.read_bytes()
    assert b'"key"' in path.read_bytes()
