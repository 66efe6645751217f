"""LogIngest: functions' logs written to the store off the request path, and retention.

    record() --queue--> ingest thread: waits up to `flush_s` for more, writes the batch in
                        one transaction; every `sweep_s`, deletes events past retention
    close() --> the thread writes what is queued, then stops

Functions log to `/aws/lambda/<function name>`, one stream per execution environment,
named `YYYY/MM/DD/[<version>]<32 hex digits>` after the day the environment started;
each line is one event (START at the invocation's start, the rest at its end).
https://docs.aws.amazon.com/lambda/latest/dg/monitoring-cloudwatchlogs.html
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Callable

from lamina.functions.logfile import InvocationLog
from lamina.services.logs.store import LogStore, NewEvent

log = logging.getLogger("lamina.services.logs")

_Batch = tuple[str, str, list[NewEvent]]
_STOP = object()


def lambda_group(function_name: str) -> str:
    """Lambda's default log group (the function model has no LoggingConfig.LogGroup)."""
    return f"/aws/lambda/{function_name}"


def lambda_stream(record: InvocationLog) -> str:
    day = time.strftime("%Y/%m/%d", time.gmtime(record.environment_started))
    return f"{day}/[{record.version}]{record.environment_id}"


def lambda_events(record: InvocationLog) -> list[NewEvent]:
    lines = record.text.splitlines(keepends=True)
    started, ended = int(record.started * 1000), int(record.ended * 1000)
    return [NewEvent(started if index == 0 else ended, line) for index, line in enumerate(lines)]


class LogIngest:
    def __init__(
        self,
        store: LogStore,
        *,
        clock: Callable[[], float] = time.time,
        flush_s: float = 0.1,
        sweep_s: float = 60.0,
    ) -> None:
        self._store = store
        self._clock = clock
        self._flush_s = flush_s
        self._sweep_s = sweep_s
        self._queue: queue.SimpleQueue[object] = queue.SimpleQueue()
        self._thread = threading.Thread(target=self._run, name="lamina-logs", daemon=True)
        self._thread.start()

    def record(self, record: InvocationLog) -> None:
        """FunctionService's record sink: queue the invocation's log (never blocks)."""
        batch = (lambda_group(record.function_name), lambda_stream(record), lambda_events(record))
        self._queue.put(batch)

    def close(self) -> None:
        self._queue.put(_STOP)
        self._thread.join(10)

    def _run(self) -> None:
        next_sweep = time.monotonic() + self._sweep_s
        while True:
            timeout = max(0.0, next_sweep - time.monotonic())
            try:
                first = self._queue.get(timeout=timeout)
            except queue.Empty:
                first = None
            stopping = first is _STOP
            batches = [] if first is None or stopping else [first]
            if batches:
                stopping = self._gather(batches)
            self._write(batches)
            if time.monotonic() >= next_sweep:
                self.sweep()
                next_sweep = time.monotonic() + self._sweep_s
            if stopping:
                return

    def _gather(self, batches: list[object]) -> bool:
        """More batches arriving within `flush_s`; True when asked to stop."""
        deadline = time.monotonic() + self._flush_s
        while (left := deadline - time.monotonic()) > 0:
            try:
                item = self._queue.get(timeout=left)
            except queue.Empty:
                return False
            if item is _STOP:
                return True
            batches.append(item)
        return False

    def _write(self, batches: list[object]) -> None:
        if not batches:
            return
        merged: dict[tuple[str, str], list[NewEvent]] = {}
        for group, stream, events in (b for b in batches if isinstance(b, tuple)):
            merged.setdefault((group, stream), []).extend(events)
        try:
            self._store.append(
                [(group, stream, events) for (group, stream), events in merged.items()],
                int(self._clock() * 1000),
            )
        except Exception:  # a bug of ours or a full disk: say so, keep ingesting
            log.exception("writing %d function log batches failed", len(batches))

    def sweep(self) -> int:
        """Delete the events older than their group's retention; how many went."""
        try:
            return self._store.expire(int(self._clock() * 1000))
        except Exception:
            log.exception("enforcing log retention failed")
            return 0
