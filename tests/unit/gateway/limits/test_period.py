"""Quota periods in UTC, with their offset (WEEK: 0 = Sunday; MONTH: 0 = the 1st)."""

from __future__ import annotations

from datetime import date

import pytest

from lamina.gateway.limits.period import Today, day_epoch, period_end, period_start, utc_day

WEDNESDAY = date(2026, 11, 25)


def test_day_period_is_the_day() -> None:
    assert period_start(WEDNESDAY, "DAY") == WEDNESDAY
    assert period_end(WEDNESDAY, "DAY") == date(2026, 11, 26)


@pytest.mark.parametrize(
    ("offset", "start"),
    [
        (0, date(2026, 11, 22)),  # Sunday
        (1, date(2026, 11, 23)),  # Monday
        (3, date(2026, 11, 25)),  # Wednesday: today
        (4, date(2026, 11, 19)),  # Thursday: last week's
        (6, date(2026, 11, 21)),  # Saturday
    ],
)
def test_week_period_starts_on_the_offset_weekday(offset: int, start: date) -> None:
    assert period_start(WEDNESDAY, "WEEK", offset) == start
    assert period_end(start, "WEEK") == date.fromordinal(start.toordinal() + 7)


def test_month_period_without_offset_is_the_calendar_month() -> None:
    assert period_start(WEDNESDAY, "MONTH") == date(2026, 11, 1)
    assert period_end(date(2026, 11, 1), "MONTH") == date(2026, 12, 1)
    assert period_end(date(2027, 2, 1), "MONTH") == date(2027, 3, 1)


def test_month_period_with_offset_starts_on_that_day() -> None:
    assert period_start(WEDNESDAY, "MONTH", 9) == date(2026, 11, 10)
    # Before the 26th of November, the period began on the 26th of October.
    assert period_start(WEDNESDAY, "MONTH", 25) == date(2026, 10, 26)
    assert period_end(date(2026, 10, 26), "MONTH") == date(2026, 11, 26)


def test_month_period_with_offset_across_the_year_and_february() -> None:
    assert period_start(date(2027, 1, 3), "MONTH", 27) == date(2026, 12, 28)
    assert period_end(date(2027, 1, 28), "MONTH") == date(2027, 2, 28)
    assert period_end(date(2028, 2, 28), "MONTH") == date(2028, 3, 28)  # leap year


def test_utc_day_and_day_epoch_round_trip() -> None:
    midnight = day_epoch(WEDNESDAY)
    assert utc_day(midnight) == WEDNESDAY
    assert utc_day(midnight - 1) == date(2026, 11, 24)


def test_today_follows_the_clock_across_midnight() -> None:
    today = Today()
    midnight = day_epoch(WEDNESDAY)
    assert today.day(midnight - 0.001) == date(2026, 11, 24)
    assert today.period_start(midnight - 0.001, "WEEK", 3) == date(2026, 11, 18)
    assert today.day(midnight) == WEDNESDAY
    # Wednesday starts a new WEEK period with offset 3, and the cached start follows.
    assert today.period_start(midnight, "WEEK", 3) == WEDNESDAY
    assert today.period_start(midnight + 60, "MONTH", 0) == date(2026, 11, 1)
    assert today.day(0.0) == date(1970, 1, 1)
