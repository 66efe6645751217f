"""Secrets Manager's cron() rotation schedules: `cron(Minutes Hours Day-of-month Month
Day-of-week Year)` with Minutes 0 (windows open on the hour) and Year `*`.

https://docs.aws.amazon.com/secretsmanager/latest/userguide/rotate-secrets_schedule.html
Fields and wildcards as that page lists them: Hours 0-23 (`, - * /`), Day-of-month 1-31
(`, - * ? / L`), Month 1-12 or JAN-DEC (`, - * /`), Day-of-week 1-7 or SUN-SAT
(`# , - * ? / L`); one of the two day fields is `?`. Hour increments reset each day:
cron(0 4/12 * * ? *) opens at 04:00 and 16:00 every day.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from lamina.aws.service import ServiceError

_MONTHS = {name: i for i, name in enumerate(calendar.month_abbr) if name}
_MONTHS = {name.upper(): i for name, i in _MONTHS.items()}
_DAYS = {"SUN": 1, "MON": 2, "TUE": 3, "WED": 4, "THU": 5, "FRI": 6, "SAT": 7}
_SEARCH_DAYS = 5 * 366
"""How far ahead a window is looked for (Feb 29 and "5th Monday" style schedules)."""


def _invalid(text: str, why: str) -> ServiceError:
    return ServiceError("InvalidParameterException", f"Invalid cron expression {text}: {why}.")


@dataclass(frozen=True, slots=True)
class Cron:
    hours: tuple[int, ...]
    days_of_month: frozenset[int] | None
    """None: `?` (the day-of-week field decides)."""
    last_day_of_month: bool
    months: frozenset[int]
    days_of_week: frozenset[int] | None
    """1 = Sunday … 7 = Saturday, as AWS numbers them; None: `?`."""
    last_weekday: int | None
    """`5L`: the month's last Thursday (or `L` alone: its last Saturday)."""
    nth_weekday: tuple[int, int] | None
    """`MON#2`: (weekday, n), the month's second Monday."""

    @property
    def in_hours(self) -> bool:
        """More than one window a day: a window closes after an hour, not at day's end."""
        return len(self.hours) > 1

    def window_limit_s(self) -> int:
        """The longest Duration allowed: up to the next window, or the end of the day."""
        if self.in_hours:
            gaps = [b - a for a, b in zip(self.hours, self.hours[1:], strict=False)]
            gaps.append(24 - self.hours[-1] + self.hours[0])
            return min(gaps) * 3_600
        return (24 - self.hours[0]) * 3_600

    def default_window_s(self) -> int:
        return 3_600 if self.in_hours else (24 - self.hours[0]) * 3_600

    def next_start(self, after: float) -> float:
        """The first window start strictly after `after` (epoch seconds, UTC)."""
        moment = datetime.fromtimestamp(after, UTC)
        day = moment.date()
        for _ in range(_SEARCH_DAYS):
            if self._day_matches(day):
                for hour in self.hours:
                    start = datetime(day.year, day.month, day.day, hour, tzinfo=UTC).timestamp()
                    if start > after:
                        return start
            day += timedelta(days=1)
        raise _invalid("cron(...)", "it never opens a rotation window")

    def _day_matches(self, day: date) -> bool:
        if day.month not in self.months:
            return False
        last = calendar.monthrange(day.year, day.month)[1]
        if self.days_of_week is None and self.last_weekday is None and self.nth_weekday is None:
            if self.last_day_of_month and day.day == last:
                return True
            return self.days_of_month is not None and day.day in self.days_of_month
        weekday = (day.isoweekday() % 7) + 1  # Sunday 1 … Saturday 7
        if self.last_weekday is not None:
            return weekday == self.last_weekday and day.day + 7 > last
        if self.nth_weekday is not None:
            wanted, n = self.nth_weekday
            return weekday == wanted and (day.day - 1) // 7 + 1 == n
        return self.days_of_week is not None and weekday in self.days_of_week


def parse_cron(text: str) -> Cron:
    inner = text.strip()
    if not (inner.startswith("cron(") and inner.endswith(")")):
        raise _invalid(text, "write cron(Minutes Hours Day-of-month Month Day-of-week Year)")
    fields = inner[5:-1].split()
    if len(fields) != 6:
        raise _invalid(text, "it needs six fields")
    minutes, hours, dom, month, dow, year = fields
    if minutes != "0":
        raise _invalid(text, "the minutes field must be 0 (rotation windows open on the hour)")
    if year != "*":
        raise _invalid(text, "the year field must be *")
    if (dom == "?") == (dow == "?"):
        raise _invalid(text, "exactly one of day-of-month and day-of-week must be ?")
    last_day = dom == "L"
    days_of_month = None if dom in ("?", "L") else _values(text, dom, 1, 31, {})
    last_weekday = nth = None
    days_of_week: frozenset[int] | None = None
    upper = dow.upper()
    # "?" leaves the day to the day-of-month field.
    if upper.endswith("L"):
        last_weekday = 7 if upper == "L" else _one(text, upper[:-1], 1, 7, _DAYS)
    elif "#" in upper:
        weekday, _, n = upper.partition("#")
        nth = (_one(text, weekday, 1, 7, _DAYS), _one(text, n, 1, 5, {}))
    elif upper != "?":
        days_of_week = _values(text, upper, 1, 7, _DAYS)
    return Cron(
        hours=tuple(sorted(_values(text, hours, 0, 23, {}))),
        days_of_month=days_of_month,
        last_day_of_month=last_day,
        months=_values(text, month.upper(), 1, 12, _MONTHS),
        days_of_week=days_of_week,
        last_weekday=last_weekday,
        nth_weekday=nth,
    )


def _values(text: str, field: str, low: int, high: int, names: dict[str, int]) -> frozenset[int]:
    """A field of `*`, `N`, `A-B`, `A/step`, `*/step`, `A-B/step`, joined by commas."""
    found: set[int] = set()
    for part in field.split(","):
        span, _, step_text = part.partition("/")
        step = _one(text, step_text, 1, high, {}) if step_text else 1
        if span == "*":
            first, last = low, high
        elif "-" in span:
            a, _, b = span.partition("-")
            first, last = _one(text, a, low, high, names), _one(text, b, low, high, names)
        else:
            first = _one(text, span, low, high, names)
            last = high if step_text else first
        if first > last:
            raise _invalid(text, f"{part} runs backwards")
        found.update(range(first, last + 1, step))
    return frozenset(found)


def _one(text: str, token: str, low: int, high: int, names: dict[str, int]) -> int:
    if token in names:
        return names[token]
    if not token.isdigit() or not low <= int(token) <= high:
        raise _invalid(text, f"{token!r} is not a value from {low} to {high}")
    return int(token)
