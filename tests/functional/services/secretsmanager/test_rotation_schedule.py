"""Scheduled rotation through boto3: RotationRules, NextRotationDate, and the scheduler
starting a rotation once its window opens (an injected clock moves time).

https://docs.aws.amazon.com/secretsmanager/latest/userguide/rotate-secrets_schedule.html
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError

from lamina.aws.service import ServiceError
from lamina.services.secretsmanager.scheduler import RotationScheduler, configure_rotation

from .conftest import Clock, SecretsServer
from .test_secrets import _rotation_step

H, D = 3_600, 86_400
ROTATOR = "arn:aws:lambda:us-east-1:123456789012:function:rotator"


class Rotator:
    """A rotation function as AWS's templates write it (run in a thread: it calls back into
    the same server with boto3); `fail` makes every step fail."""

    def __init__(self) -> None:
        self.server: SecretsServer | None = None
        self.steps: list[str] = []
        self.fail = False

    async def __call__(self, function: str, event: dict[str, Any]) -> None:
        assert function == ROTATOR and self.server is not None
        self.steps.append(event["Step"])
        if self.fail:
            raise RuntimeError("rotation function error")
        await asyncio.to_thread(_rotation_step, self.server.client(), event)


@contextmanager
def _serve(
    tmp_path: Path, clock: Clock, check_s: float = 60.0
) -> Iterator[tuple[SecretsServer, Rotator]]:
    """A server whose rotation function is a Rotator, closed on leaving."""
    rotator = Rotator()
    server = SecretsServer(tmp_path, clock, rotator, rotation_check_s=check_s)
    rotator.server = server
    try:
        yield server, rotator
    finally:
        server.close()


def _scheduled(sm: Any, name: str, rules: dict[str, Any]) -> None:
    """Create secret ``name`` and give it ``rules`` without rotating now."""
    sm.create_secret(Name=name, SecretString="old")
    sm.rotate_secret(
        SecretId=name, RotationLambdaARN=ROTATOR, RotationRules=rules, RotateImmediately=False
    )


def _check(server: SecretsServer) -> list[str]:
    async def check() -> list[str]:
        return server.provider.scheduler.check()

    started = server.run(check())
    server.wait_for_rotations()
    return started


def _midnight(epoch: float) -> float:
    return epoch // D * D


def test_days_schedule_rotates_when_its_window_opens(tmp_path: Path, clock: Clock) -> None:
    with _serve(tmp_path, clock) as (server, rotator):
        sm = server.client()
        set_at = clock.now
        _scheduled(sm, "db", {"AutomaticallyAfterDays": 2})
        described = sm.describe_secret(SecretId="db")
        window_start = _midnight(set_at) + 2 * D
        # NextRotationDate: the end of the window, "on or before this date".
        assert described["NextRotationDate"].timestamp() == window_start + D
        assert "LastRotatedDate" not in described
        assert _check(server) == []
        clock.now = window_start - 1
        assert _check(server) == []
        assert rotator.steps == []
        clock.now = window_start + 10
        assert _check(server) == [described["ARN"]]
        assert rotator.steps == ["createSecret", "setSecret", "testSecret", "finishSecret"]
        after = sm.describe_secret(SecretId="db")
        assert after["LastRotatedDate"].timestamp() == window_start + 10
        assert after["NextRotationDate"].timestamp() == window_start + 2 * D + D
        assert sm.get_secret_value(SecretId="db")["SecretString"].startswith("rotated-")
        assert _check(server) == []  # not due again until two days on


def test_hours_schedule_and_duration(tmp_path: Path, clock: Clock) -> None:
    clock.now = _midnight(clock.now) + 1 * H + 5  # 01:00:05 UTC
    with _serve(tmp_path, clock) as (server, rotator):
        sm = server.client()
        _scheduled(sm, "api", {"ScheduleExpression": "rate(6 hours)", "Duration": "2h"})
        day = _midnight(clock.now)
        described = sm.describe_secret(SecretId="api")
        # Windows start at 00:00, 06:00, 12:00, 18:00; the first 6 h after 01:00:05 is 12:00.
        assert described["NextRotationDate"].timestamp() == day + 12 * H + 2 * H
        assert described["RotationRules"]["ScheduleExpression"] == "rate(6 hours)"
        clock.now = day + 12 * H
        assert len(_check(server)) == 1
        assert len(rotator.steps) == 4
        # Rotated at 12:00: next window 18:00.
        after = sm.describe_secret(SecretId="api")
        assert after["NextRotationDate"].timestamp() == day + 18 * H + 2 * H


def test_failed_rotation_waits_for_the_next_window(tmp_path: Path, clock: Clock) -> None:
    with _serve(tmp_path, clock) as (server, rotator):
        sm = server.client()
        _scheduled(sm, "db", {"ScheduleExpression": "rate(1 days)"})
        rotator.fail = True
        clock.now = _midnight(clock.now) + D + 60
        assert len(_check(server)) == 1
        assert rotator.steps == ["createSecret"]
        assert _check(server) == []  # not again in the same window
        assert "LastRotatedDate" not in sm.describe_secret(SecretId="db")
        rotator.fail = False
        clock.advance(D)
        assert len(_check(server)) == 1
        assert sm.get_secret_value(SecretId="db")["SecretString"].startswith("rotated-")


def test_cancelled_rotation_is_not_scheduled(tmp_path: Path, clock: Clock) -> None:
    with _serve(tmp_path, clock) as (server, rotator):
        sm = server.client()
        _scheduled(sm, "db", {"AutomaticallyAfterDays": 1})
        sm.cancel_rotate_secret(SecretId="db")
        described = sm.describe_secret(SecretId="db")
        assert described["RotationEnabled"] is False
        assert "NextRotationDate" not in described
        clock.advance(3 * D)
        assert _check(server) == []
        assert rotator.steps == []


def _error(sm: Any, rules: dict[str, Any]) -> tuple[str, str]:
    with pytest.raises(ClientError) as error:
        sm.rotate_secret(
            SecretId="db", RotationLambdaARN=ROTATOR, RotationRules=rules, RotateImmediately=False
        )
    return error.value.response["Error"]["Code"], error.value.response["Error"]["Message"]


def test_refused_rules(sm: Any) -> None:
    sm.create_secret(Name="db", SecretString="old")
    both = {"AutomaticallyAfterDays": 2, "ScheduleExpression": "rate(2 days)"}
    assert _error(sm, both)[0] == "InvalidParameterException"
    assert _error(sm, {"ScheduleExpression": "rate(2 hours)"})[0] == "InvalidParameterException"
    code, message = _error(sm, {"ScheduleExpression": "cron(30 16 1,15 * ? *)"})
    assert code == "InvalidParameterException" and "minutes field must be 0" in message
    # A refused schedule leaves the secret as it was.
    assert sm.describe_secret(SecretId="db")["RotationEnabled"] is False


def test_background_scheduler_rotates_on_its_own(tmp_path: Path, clock: Clock) -> None:
    with _serve(tmp_path, clock, check_s=0.05) as (server, rotator):
        sm = server.client()
        _scheduled(sm, "db", {"AutomaticallyAfterDays": 1})
        server.run(server.provider.start())
        time.sleep(0.2)
        assert rotator.steps == []
        clock.advance(2 * D)
        deadline = time.monotonic() + 10
        while "LastRotatedDate" not in sm.describe_secret(SecretId="db"):
            assert time.monotonic() < deadline, "the scheduler did not rotate the secret"
            time.sleep(0.05)
        assert rotator.steps == ["createSecret", "setSecret", "testSecret", "finishSecret"]


def test_template_rotation_schedule(tmp_path: Path, clock: Clock) -> None:
    """AWS::SecretsManager::RotationSchedule as `lamina up` applies it (configure_rotation):
    rotate at once on creation, again on a change unless RotateImmediatelyOnUpdate is
    false, never for an unchanged schedule."""
    with _serve(tmp_path, clock) as (server, rotator):
        sm_service = server.provider
        sm = server.client()
        arn = sm.create_secret(Name="db", SecretString="old")["ARN"]
        schedule = {
            "SecretId": arn,
            "RotationLambdaARN": ROTATOR,
            "RotationRules": {"AutomaticallyAfterDays": "30"},
        }
        configure_rotation(sm_service, schedule)
        described = sm.describe_secret(SecretId="db")
        assert described["RotationEnabled"] is True
        assert described["RotationRules"]["AutomaticallyAfterDays"] == 30
        assert len(_check(server)) == 1  # created: rotated at the first pass
        assert "LastRotatedDate" in sm.describe_secret(SecretId="db")
        configure_rotation(sm_service, schedule)  # the next `lamina up`, unchanged
        assert _check(server) == []
        quiet = {**schedule, "RotationRules": {"AutomaticallyAfterDays": 7}}
        configure_rotation(sm_service, {**quiet, "RotateImmediatelyOnUpdate": False})
        assert _check(server) == []
        assert sm.describe_secret(SecretId="db")["RotationRules"]["AutomaticallyAfterDays"] == 7
        configure_rotation(sm_service, {**schedule, "RotationRules": {"AutomaticallyAfterDays": 9}})
        assert len(_check(server)) == 1
        assert len(rotator.steps) == 8
        with pytest.raises(ServiceError) as error:
            configure_rotation(
                sm_service,
                {**schedule, "RotationRules": {"ScheduleExpression": "cron(0 1 * * ?)"}},
            )
        assert error.value.code == "InvalidParameterException"
        daily = {"ScheduleExpression": "cron(0 1 * * ? *)", "Duration": "2h"}
        configure_rotation(
            sm_service, {**schedule, "RotationRules": daily, "RotateImmediatelyOnUpdate": "false"}
        )
        set_at = clock.now
        next_one = (
            _midnight(set_at) + H if set_at < _midnight(set_at) + H else _midnight(set_at) + D + H
        )
        described = sm.describe_secret(SecretId="db")
        assert described["NextRotationDate"].timestamp() == next_one + 2 * H
        clock.now = next_one
        assert len(_check(server)) == 1
        assert len(rotator.steps) == 12
        after = sm.describe_secret(SecretId="db")["NextRotationDate"].timestamp()
        assert after == next_one + D + 2 * H
        with pytest.raises(ServiceError) as error:
            configure_rotation(sm_service, {"SecretId": arn, "HostedRotationLambda": {}})
        assert "HostedRotationLambda" in error.value.message


def test_a_pass_starts_a_bounded_number_and_list_reports_the_schedule(
    tmp_path: Path, clock: Clock
) -> None:
    with _serve(tmp_path, clock) as (server, rotator):
        sm = server.client()
        for name in ("a", "b", "c"):
            _scheduled(sm, name, {"ScheduleExpression": "rate(1 day)"})
        listed = sm.list_secrets()["SecretList"]
        assert all("NextRotationDate" in secret for secret in listed)
        clock.advance(2 * D)
        bounded = RotationScheduler(server.provider, interval_s=60, limit=2)

        async def check() -> list[str]:
            return bounded.check()

        assert len(server.run(check())) == 2
        server.wait_for_rotations()
        assert len(server.run(check())) == 1  # the third, at the next pass
        server.wait_for_rotations()
        assert server.run(check()) == []
        assert len(rotator.steps) == 12
