"""LogIngest: functions' logs written to the store off the request path, and retention.

    record() --queue--> ingest thread: waits up to `flush_s` for more, names streams and
                        splits invocation logs into events, writes the batch in
                        one transaction; every `sweep_s`, deletes events past retention
    close() --> the thread writes what is queued, then stops

Functions log to `/aws/lambda/<function name>`, one stream per execution environment,
named `YYYY/MM/DD/[<version>]<32 hex digits>` after the day the environment started;
each line is one event (START at the invocation's start, the rest at its end).
https://docs.aws.amazon.com/lambda/latest/dg/monitoring-cloudwatchlogs.html

API Gateway access log lines (`access_lines`) go to the stage's destination group, which
must already exist, as AWS requires ("Create a CloudWatch Logs log group", then give its
ARN to the stage): lines for a missing group are dropped with one warning per group.
https://docs.aws.amazon.com/apigateway/latest/developerguide/set-up-logging.html
https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-logging.html
AWS does not document access log stream names (they are opaque hex names); Lamina writes
each group's lines to one stream per process, named with 32 hex digits.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
import uuid
from collections.abc import Callable

from lamina.functions.logfile import InvocationLog
from lamina.services.logs.store import LogStore, NewEvent

log = logging.getLogger("lamina.services.logs")

_Batch = tuple[str, str, list[NewEvent], bool]
"""Access log lines: group, stream, events, and whether the group must exist already."""
_STOP = object()


def lambda_group(record: InvocationLog) -> str:
    """The function's LoggingConfig.LogGroup, else Lambda's default group.
    https://docs.aws.amazon.com/lambda/latest/dg/monitoring-cloudwatchlogs-loggroups.html"""
    return record.log_group or f"/aws/lambda/{record.function_name}"


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
        self.access_stream = uuid.uuid4().hex
        """The stream this process writes access log lines to, in every group."""
        self._warned: set[str] = set()
        self._thread = threading.Thread(target=self._run, name="lamina-logs", daemon=True)
        self._thread.start()

    def record(self, record: InvocationLog) -> None:
        """FunctionService's record sink, on the invoke path: queue the invocation's log as
        is (never blocks); the ingest thread names its stream and splits its events."""
        self._queue.put(record)

    def access_lines(self, lines: list[tuple[str, int, str]]) -> None:
        """The gateway's access log sink: (log group, epoch ms, line) batches are queued
        (never blocks) and written to groups that exist."""
        by_group: dict[str, list[NewEvent]] = {}
        for group, timestamp, line in lines:
            by_group.setdefault(group, []).append(NewEvent(timestamp, line))
        for group, events in by_group.items():
            access: _Batch = (group, self.access_stream, events, True)
            self._queue.put(access)

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
        present: dict[str, bool] = {}
        for batch in batches:
            if isinstance(batch, InvocationLog):
                key = (lambda_group(batch), lambda_stream(batch))
                merged.setdefault(key, []).extend(lambda_events(batch))
            elif isinstance(batch, tuple):
                group, stream, events, must_exist = batch
                if must_exist and not self._exists(group, present):
                    continue
                merged.setdefault((group, stream), []).extend(events)
        try:
            self._store.append(
                [(group, stream, events) for (group, stream), events in merged.items()],
                int(self._clock() * 1000),
            )
        except Exception:  # a bug of ours or a full disk: say so, keep ingesting
            log.exception("writing %d function log batches failed", len(batches))

    def _exists(self, group: str, present: dict[str, bool]) -> bool:
        """Whether `group` exists (asked once per group and batch); warns once per group."""
        found = present.get(group)
        if found is None:
            found = present[group] = self._store.group(group) is not None
            if found:
                self._warned.discard(group)
            elif group not in self._warned:
                self._warned.add(group)
                log.warning(
                    "access log lines for log group %s are dropped: the group does not exist "
                    "(create it, e.g. `aws logs create-log-group --log-group-name %s`)",
                    group,
                    group,
                )
        return found

    def sweep(self) -> int:
        """Delete the events older than their group's retention; how many went."""
        try:
            return self._store.expire(int(self._clock() * 1000))
        except Exception:
            log.exception("enforcing log retention failed")
            return 0
