"""RotationScheduler: a periodic task starting the rotations that are due (schedule.py).

    idle --start()--> running (pass, sleep interval, repeat) --cancel()--> idle

A pass reads every secret's record (one SQLite read, on the loop: secrets are few) and
starts a rotation (SecretService.start_rotation, itself a background task) for each one
whose window has opened and that is not rotating already; at most `limit` a pass, so a
restart after a long pause does not start hundreds of functions at once.
https://docs.aws.amazon.com/secretsmanager/latest/userguide/rotate-secrets_schedule.html
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Mapping
from typing import Any

from lamina.aws.service import ServiceError
from lamina.services.secretsmanager.schedule import next_window, parse_rules
from lamina.services.secretsmanager.service import SecretService

log = logging.getLogger("lamina.secretsmanager")


class RotationScheduler:
    __slots__ = ("_interval_s", "_limit", "_sm", "_task")

    def __init__(self, sm: SecretService, *, interval_s: float, limit: int = 50) -> None:
        self._sm = sm
        self._interval_s = interval_s
        self._limit = limit
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        if self._task is None:
            self._task = asyncio.get_running_loop().create_task(self._run())

    def cancel(self) -> None:
        """Stop checking; rotations already started run on (SecretService.close ends them)."""
        if self._task is not None:
            self._task.cancel()
            self._task = None

    async def _run(self) -> None:
        while True:
            try:
                self.check()
            except Exception:  # a bug of ours: say so, and check again next time
                log.exception("starting scheduled secret rotations failed")
            await asyncio.sleep(self._interval_s)

    def check(self) -> list[str]:
        """One pass (on the loop's thread): start the due rotations; their secrets' ARNs."""
        sm = self._sm
        if not sm.can_rotate:
            return []
        now = sm.now()
        started: list[str] = []
        for secret in sm.store.all_secrets():
            if len(started) >= self._limit:
                break
            window = next_window(secret)
            if window is None or window[0] > now or secret.arn in sm.rotating:
                continue
            if secret.delete_at is not None and secret.delete_at <= now:
                continue
            secret.rotation_attempted = now
            secret.rotate_asap = False
            sm.store.put(secret)
            try:
                sm.start_rotation(secret, str(uuid.uuid4()))
            except ServiceError as error:
                log.warning("scheduled rotation of %s not started: %s", secret.arn, error.message)
                continue
            started.append(secret.arn)
        return started


def configure_rotation(sm: SecretService, properties: Mapping[str, Any]) -> None:
    """A template's AWS::SecretsManager::RotationSchedule, applied at `lamina up`.

    Like CloudFormation: creating the schedule rotates the secret at once (RotateSecret's
    default); changing it rotates at once unless RotateImmediatelyOnUpdate is false; an
    unchanged schedule (a restart) leaves the secret alone. The rotation itself starts at
    the scheduler's first pass, once Lamina listens and the function can call back.
    https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-secretsmanager-rotationschedule.html
    """
    if properties.get("HostedRotationLambda") is not None:
        raise ServiceError(
            "ValidationException",
            "Lamina does not support HostedRotationLambda yet; give RotationLambdaARN.",
        )
    function = properties.get("RotationLambdaARN")
    if not function:
        raise ServiceError(
            "InvalidRequestException",
            "No Lambda rotation function ARN is associated with this secret.",
        )
    secret = sm.find(str(properties["SecretId"]))
    given = properties.get("RotationRules")
    rules = dict(given) if isinstance(given, Mapping) else None
    if rules is not None:
        if "AutomaticallyAfterDays" in rules:  # templates may give it as a string
            rules["AutomaticallyAfterDays"] = int(str(rules["AutomaticallyAfterDays"]))
        parse_rules(rules)
    created = not secret.rotation_enabled and secret.rotation_set is None
    changed = (
        not secret.rotation_enabled
        or secret.rotation_lambda_arn != str(function)
        or secret.rotation_rules != rules
    )
    if not changed:
        return
    on_update = properties.get("RotateImmediatelyOnUpdate", True) not in (False, "false")
    secret.rotation_lambda_arn = str(function)
    secret.rotation_rules = rules
    secret.rotation_enabled = True
    secret.rotation_set = sm.now()
    secret.rotate_asap = created or on_update
    secret.changed = sm.now()
    sm.store.put(secret)
