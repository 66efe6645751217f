"""Quota periods: the window a usage plan's request count applies to, in UTC.

`offset` is the day the period starts: WEEK 0 = Sunday, 1 = Monday ...; MONTH 0 = the 1st,
1 = the 2nd ...; DAY only 0.
https://docs.aws.amazon.com/apigateway/latest/api/API_QuotaSettings.html
"""

from __future__ import annotations

import calendar
from datetime import UTC, date, datetime, timedelta

from lamina.gateway.limits.model import QuotaPeriod

# The largest offset each period accepts (a MONTH offset stops at 27 so every month has
# the day).
MAX_OFFSET: dict[str, int] = {"DAY": 0, "WEEK": 6, "MONTH": 27}


def period_start(day: date, period: QuotaPeriod, offset: int = 0) -> date:
    """The first day of the quota period that holds `day`."""
    if period == "DAY":
        return day
    if period == "WEEK":
        sunday_based = (day.weekday() + 1) % 7  # Python's Monday is 0
        return day - timedelta(days=(sunday_based - offset) % 7)
    start_day = offset + 1
    if day.day >= start_day:
        return day.replace(day=start_day)
    previous = (day.replace(day=1) - timedelta(days=1)).replace(day=start_day)
    return previous


def period_end(start: date, period: QuotaPeriod) -> date:
    """The first day after the period that starts on `start`."""
    if period == "DAY":
        return start + timedelta(days=1)
    if period == "WEEK":
        return start + timedelta(days=7)
    days_in_month = calendar.monthrange(start.year, start.month)[1]
    return start + timedelta(days=days_in_month)


def utc_day(epoch_s: float) -> date:
    return datetime.fromtimestamp(epoch_s, UTC).date()


def day_epoch(day: date) -> int:
    """Seconds since the epoch at midnight UTC of `day`."""
    return calendar.timegm(day.timetuple())


class Today:
    """The UTC day of an epoch clock, and the quota periods holding it, recomputed only
    when the day changes (a metered request asks for both)."""

    __slots__ = ("_day", "_number", "_starts")

    def __init__(self) -> None:
        self._number = -1
        self._day = date(1970, 1, 1)
        self._starts: dict[tuple[str, int], date] = {}

    def day(self, epoch_s: float) -> date:
        number = int(epoch_s // 86_400)
        if number != self._number:
            self._number = number
            self._day = date.fromordinal(_EPOCH_ORDINAL + number)
            self._starts.clear()
        return self._day

    def period_start(self, epoch_s: float, period: QuotaPeriod, offset: int) -> date:
        today = self.day(epoch_s)
        start = self._starts.get((period, offset))
        if start is None:
            start = self._starts[(period, offset)] = period_start(today, period, offset)
        return start


_EPOCH_ORDINAL = date(1970, 1, 1).toordinal()
