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

from lamina.aws.service import ServiceError
from lamina.services.secretsmanager.schedule import next_window
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
