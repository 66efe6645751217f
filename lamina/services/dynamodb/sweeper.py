"""TtlSweeper: a periodic task removing expired items (see `ttl`), a bounded number a pass,
and stream records older than their 24-hour retention (see `streams.RETENTION_S`).

    idle --start()--> running (sleep interval, sweep, repeat) --cancel()--> idle

Each pass runs on the event loop between awaits and yields after every page it reads,
so cancelling it (from the loop's thread) never interrupts a write transaction. Given an
executor (a concurrent store's), each pass runs there instead, off the loop; cancelling
then stops the passes after the one in flight, which the executor's shutdown waits for.
"""

from __future__ import annotations

import asyncio
import logging
from concurrent.futures import Executor

from lamina.services.dynamodb.streams import RETENTION_S
from lamina.services.dynamodb.tables import Database
from lamina.services.dynamodb.ttl import sweep

log = logging.getLogger("lamina.services.dynamodb")


class TtlSweeper:
    __slots__ = ("_db", "_executor", "_interval_s", "_limit", "_task")

    def __init__(
        self, db: Database, *, interval_s: float, limit: int, executor: Executor | None = None
    ) -> None:
        self._db = db
        self._interval_s = interval_s
        self._limit = limit
        self._executor = executor
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        if self._task is None:
            self._task = asyncio.get_running_loop().create_task(self._run())

    def cancel(self) -> None:
        """Stop sweeping; call it on the loop's thread."""
        if self._task is not None:
            self._task.cancel()
            self._task = None

    async def _run(self) -> None:
        while True:
            await asyncio.sleep(self._interval_s)
            try:
                if self._executor is None:
                    await sweep(self._db, self._limit)
                    self._trim_streams()
                else:
                    loop = asyncio.get_running_loop()
                    await loop.run_in_executor(self._executor, self._sweep_here)
            except Exception:  # a bug of ours: say so, and sweep again next time
                log.exception("removing expired DynamoDB items failed")

    def _sweep_here(self) -> int:
        """One pass on this (executor) thread, on an event loop of its own."""
        removed = asyncio.run(sweep(self._db, self._limit))
        self._trim_streams()
        return removed

    def _trim_streams(self) -> int:
        return self._db.store.trim_streams(self._db.clock() - RETENTION_S)
