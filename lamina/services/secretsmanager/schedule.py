"""Rotation schedules: RotationRules (AutomaticallyAfterDays, or a ScheduleExpression
`rate(N days|hours)` or `cron(...)` (cron.py), with an optional Duration) turned into the
next rotation window.

https://docs.aws.amazon.com/secretsmanager/latest/userguide/rotate-secrets_schedule.html
https://docs.aws.amazon.com/secretsmanager/latest/apireference/API_RotationRulesType.html

A rate() window starts at midnight UTC: for a rate in days, `N` days after the day of the
last rotation (or of the schedule being set), closing at the end of that UTC day; for a
rate in hours, at the first of the day's starts (midnight, midnight + N hours, ...) at
least N hours after it, closing one hour later. Duration (`3h`) changes how long a window
stays open. Secrets Manager may rotate at any time in the window; Lamina rotates at its
start (at the first scheduler pass after it), and NextRotationDate is the window's end
("on or before this date"). A cron() window opens at the expression's next time after the
last rotation (or the schedule being set), for an hour when it opens several times a day,
else until the end of the UTC day.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from lamina.aws.service import ServiceError
from lamina.services.secretsmanager.cron import Cron, parse_cron
from lamina.services.secretsmanager.store import Secret

_HOUR_S, _DAY_S = 3_600, 86_400
MIN_DAYS, MAX_DAYS = 1, 1000
MIN_HOURS = 4
""""You can rotate a secret as often as every four hours." (RotationRulesType)"""
_RATE = re.compile(r"rate\(\s*(\d+)\s+(hour|hours|day|days)\s*\)")
_DURATION = re.compile(r"(\d+)h")
CURRENT = "AWSCURRENT"


@dataclass(frozen=True, slots=True)
class Schedule:
    every_s: int
    """Hours or days between windows, in seconds."""
    in_hours: bool
    window_s: int
    by_days_field: bool
    """Set by AutomaticallyAfterDays: a manual PutSecretValue/UpdateSecret counts as a
    rotation (RotationRulesType)."""
    cron: Cron | None = None
    """A cron() schedule: windows open at its times rather than `every_s` apart."""


def _invalid(message: str) -> ServiceError:
    return ServiceError("InvalidParameterException", message)


def parse_rules(rules: Mapping[str, object]) -> Schedule:
    """Validate RotationRules; raise the service's error for a schedule AWS would refuse."""
    days, expression = rules.get("AutomaticallyAfterDays"), rules.get("ScheduleExpression")
    if days is not None and expression is not None:
        # https://docs.aws.amazon.com/secretsmanager/latest/apireference/API_RotationRulesType.html
        raise _invalid(
            "You can't specify both AutomaticallyAfterDays and ScheduleExpression in RotationRules."
        )
    if days is not None:
        count = _integer(days, "AutomaticallyAfterDays")
        if not MIN_DAYS <= count <= MAX_DAYS:
            raise _invalid(
                f"AutomaticallyAfterDays must be between {MIN_DAYS} and {MAX_DAYS} (inclusive)."
            )
        return Schedule(count * _DAY_S, False, _window(rules, _DAY_S, count * _DAY_S), True)
    if expression is None:
        raise _invalid("RotationRules must contain AutomaticallyAfterDays or ScheduleExpression.")
    text = str(expression).strip()
    if text.startswith("cron("):
        cron = parse_cron(text)
        if cron.in_hours and cron.window_limit_s() < MIN_HOURS * _HOUR_S:
            raise _invalid(f"A secret can be rotated at most every {MIN_HOURS} hours: {text}.")
        window = _window(rules, cron.default_window_s(), cron.window_limit_s())
        return Schedule(0, cron.in_hours, window, False, cron)
    match = _RATE.fullmatch(text)
    if match is None:
        raise _invalid(f"Invalid ScheduleExpression: {text}. Use rate() or cron().")
    count, unit = int(match[1]), match[2]
    if unit.startswith("hour"):
        if count < MIN_HOURS:
            raise _invalid(f"A rate() in hours must be at least {MIN_HOURS} hours: {text}.")
        return Schedule(count * _HOUR_S, True, _window(rules, _HOUR_S, count * _HOUR_S), False)
    if not MIN_DAYS <= count <= MAX_DAYS:
        raise _invalid(f"A rate() in days must be between {MIN_DAYS} and {MAX_DAYS}: {text}.")
    return Schedule(count * _DAY_S, False, _window(rules, _DAY_S, count * _DAY_S), False)


def _integer(value: object, name: str) -> int:
    try:
        return int(str(value))
    except ValueError:
        raise _invalid(f"{name} must be an integer.") from None


def _window(rules: Mapping[str, object], default_s: int, every_s: int) -> int:
    duration = rules.get("Duration")
    if duration is None:
        return default_s
    match = _DURATION.fullmatch(str(duration).strip())
    if match is None or not 1 <= int(match[1]) <= 24:
        raise _invalid(f"Invalid Duration: {duration}. Give hours, for example 3h.")
    window_s = int(match[1]) * _HOUR_S
    if window_s > every_s:
        # "The window must not extend into the next rotation window or the next UTC day."
        raise _invalid("The rotation window (Duration) overlaps the next rotation window.")
    return window_s


def window_after(schedule: Schedule, base: float) -> tuple[float, float]:
    """The first rotation window (start, end) due after a rotation at `base`."""
    if schedule.cron is not None:
        start = schedule.cron.next_start(base)
        return start, start + schedule.window_s
    if not schedule.in_hours:
        start = _midnight(base) + schedule.every_s
        return start, start + schedule.window_s
    earliest = base + schedule.every_s
    day = _midnight(earliest)
    while True:
        for start in range(int(day), int(day) + _DAY_S, schedule.every_s):
            if start >= earliest:
                return float(start), float(start + schedule.window_s)
        day += _DAY_S


def next_window(secret: Secret) -> tuple[float, float] | None:
    """When `secret` rotates next, or None when it is not scheduled to."""
    if not secret.rotation_enabled or secret.rotation_lambda_arn is None:
        return None
    if secret.deleted is not None:
        return None
    if secret.rotate_asap and secret.rotation_set is not None:
        return secret.rotation_set, secret.rotation_set
    if not secret.rotation_rules:
        return None
    try:
        schedule = parse_rules(secret.rotation_rules)
    except ServiceError:
        return None  # stored before Lamina checked rules (or cron): never due
    times = [t for t in (secret.rotation_set, secret.last_rotated, secret.rotation_attempted) if t]
    if schedule.by_days_field:
        current = secret.staged(CURRENT)
        if current is not None:
            times.append(current.created)
    if not times:
        return None
    return window_after(schedule, max(times))


def _midnight(epoch: float) -> float:
    return float(int(epoch) // _DAY_S * _DAY_S)
