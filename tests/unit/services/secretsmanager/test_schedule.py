"""Rotation schedules: which RotationRules are accepted, and when the next window opens.

https://docs.aws.amazon.com/secretsmanager/latest/userguide/rotate-secrets_schedule.html
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from lamina.aws.service import ServiceError
from lamina.services.secretsmanager.schedule import next_window, parse_rules, window_after
from lamina.services.secretsmanager.store import Secret, Version

H, D = 3_600, 86_400


def _at(text: str) -> float:
    return datetime.fromisoformat(text).replace(tzinfo=UTC).timestamp()


def _code(rules: dict[str, object]) -> str:
    with pytest.raises(ServiceError) as error:
        parse_rules(rules)
    return error.value.code


def test_rules_aws_refuses() -> None:
    assert _code({"AutomaticallyAfterDays": 0}) == "InvalidParameterException"
    assert _code({"AutomaticallyAfterDays": 1001}) == "InvalidParameterException"
    both = {"AutomaticallyAfterDays": 3, "ScheduleExpression": "rate(3 days)"}
    assert _code(both) == "InvalidParameterException"
    assert _code({"ScheduleExpression": "rate(3 hours)"}) == "InvalidParameterException"
    assert _code({"ScheduleExpression": "rate(3 weeks)"}) == "InvalidParameterException"
    assert _code({"ScheduleExpression": "rate(1 day)", "Duration": "3m"}) == (
        "InvalidParameterException"
    )
    assert _code({"ScheduleExpression": "rate(4 hours)", "Duration": "5h"}) == (
        "InvalidParameterException"
    )
    assert _code({"Duration": "2h"}) == "InvalidParameterException"


@pytest.mark.parametrize(
    "expression",
    [
        "cron(5 8 * * ? *)",  # minutes must be 0
        "cron(0 8 * * ? 2027)",  # year must be *
        "cron(0 8 * * * *)",  # one day field must be ?
        "cron(0 8 ? * ? *)",
        "cron(0 24 * * ? *)",
        "cron(0 8 32 * ? *)",
        "cron(0 8 * * ?)",
        "cron(0 0/2 * * ? *)",  # more often than every four hours
    ],
)
def test_cron_expressions_aws_refuses(expression: str) -> None:
    assert _code({"ScheduleExpression": expression}) == "InvalidParameterException"


def _window(expression: str, after: str, **rules: object) -> tuple[float, float]:
    return window_after(parse_rules({"ScheduleExpression": expression, **rules}), _at(after))


def test_cron_windows() -> None:
    # Hour increments reset each day: 04:00 and 16:00, a one-hour window.
    assert _window("cron(0 4/12 * * ? *)", "2026-03-01T16:30:00") == (
        _at("2026-03-02T04:00:00"),
        _at("2026-03-02T05:00:00"),
    )
    # Once a day: open until the end of the UTC day, or for Duration.
    assert _window("cron(0 16 L * ? *)", "2026-02-10T00:00:00") == (
        _at("2026-02-28T16:00:00"),
        _at("2026-03-01T00:00:00"),
    )
    assert _window("cron(0 8 1,15 * ? *)", "2026-03-01T08:00:00", Duration="2h") == (
        _at("2026-03-15T08:00:00"),
        _at("2026-03-15T10:00:00"),
    )
    # 2026-03-01 is a Sunday: the first Sunday of April is the 5th.
    assert _window("cron(0 0 ? * SUN#1 *)", "2026-03-01T00:00:00")[0] == _at("2026-04-05T00:00:00")
    assert _window("cron(0 10 ? * MON-FRI *)", "2026-03-06T11:00:00")[0] == (
        _at("2026-03-09T10:00:00")
    )
    assert _window("cron(0 10 ? JAN,JUN 6L *)", "2026-03-01T00:00:00")[0] == (
        _at("2026-06-26T10:00:00")  # the last Friday of June
    )
    assert _window("cron(0 8 1/7 * ? *)", "2026-03-01T09:00:00")[0] == _at("2026-03-08T08:00:00")
    assert _code({"ScheduleExpression": "cron(0 20 * * ? *)", "Duration": "5h"}) == (
        "InvalidParameterException"  # past the end of the UTC day
    )


def test_days_window_is_the_whole_utc_day_n_days_later() -> None:
    schedule = parse_rules({"ScheduleExpression": "rate(10 days)"})
    assert window_after(schedule, _at("2026-03-01T15:30:00")) == (
        _at("2026-03-11T00:00:00"),
        _at("2026-03-12T00:00:00"),
    )
    days = parse_rules({"AutomaticallyAfterDays": 1, "Duration": "3h"})
    assert window_after(days, _at("2026-03-01T23:59:00")) == (
        _at("2026-03-02T00:00:00"),
        _at("2026-03-02T03:00:00"),
    )


def test_hours_windows_start_at_midnight_every_n_hours() -> None:
    schedule = parse_rules({"ScheduleExpression": "rate(5 hours)"})
    # Starts 00:00, 05:00, 10:00, 15:00, 20:00: the first at least 5 h after 03:10 is 10:00.
    assert window_after(schedule, _at("2026-03-01T03:10:00")) == (
        _at("2026-03-01T10:00:00"),
        _at("2026-03-01T11:00:00"),
    )
    # After 20:00 + 5 h the next start is the next day's midnight... then 05:00.
    assert window_after(schedule, _at("2026-03-01T19:30:00"))[0] == _at("2026-03-02T05:00:00")
    assert window_after(schedule, _at("2026-03-01T18:00:00"))[0] == _at("2026-03-02T00:00:00")


def _secret(**fields: object) -> Secret:
    base: dict[str, object] = {
        "name": "s",
        "arn": "arn:aws:secretsmanager:us-east-1:123456789012:secret:s-abcdef",
        "created": _at("2026-03-01T00:00:00"),
        "changed": _at("2026-03-01T00:00:00"),
        "rotation_lambda_arn": "arn:aws:lambda:us-east-1:123456789012:function:rot",
        "rotation_enabled": True,
        "rotation_rules": {"AutomaticallyAfterDays": 2},
        "rotation_set": _at("2026-03-01T08:00:00"),
    }
    base.update(fields)
    return Secret(**base)  # type: ignore[arg-type]


def test_next_window_counts_from_the_latest_rotation() -> None:
    assert next_window(_secret())[0] == _at("2026-03-03T00:00:00")  # type: ignore[index]
    rotated = _secret(last_rotated=_at("2026-03-05T12:00:00"))
    assert next_window(rotated)[0] == _at("2026-03-07T00:00:00")  # type: ignore[index]
    # With AutomaticallyAfterDays a manual new AWSCURRENT value counts as a rotation.
    current = Version(version_id="v", created=_at("2026-03-09T01:00:00"), stages=["AWSCURRENT"])
    manual = _secret(versions=[current])
    assert next_window(manual)[0] == _at("2026-03-11T00:00:00")  # type: ignore[index]


def test_no_window_when_rotation_is_off() -> None:
    assert next_window(_secret(rotation_enabled=False)) is None
    assert next_window(_secret(rotation_lambda_arn=None)) is None
    assert next_window(_secret(rotation_rules=None)) is None
    assert next_window(_secret(deleted=_at("2026-03-02T00:00:00"))) is None
