"""Writes access log lines to `.lamina/logs/access/{logGroupName}.log` without ever making a
request wait for the disk.

    write(group, line) ─► pending list (bounded; full: the line is dropped and counted)
                              │ wake
                              ▼
    flusher task ─ takes the whole batch ─► a worker thread appends it, one file per group

A request only appends to a list; the flusher task hands each batch to a thread, so the
event loop never blocks on a file. With a `sink` (`lamina up` passes the CloudWatch Logs
ingest queue), each batch also goes there from that thread as (log group, epoch ms, line),
so `aws logs filter-log-events --log-group-name <group>` finds the lines; the files stay,
as `lamina logs` and tests read them. Lines written while a batch is on disk form the next
batch. `close` writes what is still pending.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable
from pathlib import Path

log = logging.getLogger("lamina.gateway")

DEFAULT_MAX_PENDING = 10_000

AccessLogSink = Callable[[list[tuple[str, int, str]]], None]
"""Takes a batch of (log group, epoch milliseconds, line); must not block (it runs in the
writer's worker thread, between disk writes)."""


def log_file(directory: Path, log_group: str) -> Path:
    """Where a log group's lines go. Slashes in the name (`/aws/apigateway/welcome`) become
    folders; empty, `.` and `..` segments are dropped so a name never leaves `directory`."""
    segments = [part for part in log_group.split("/") if part not in ("", ".", "..")]
    if not segments:
        segments = ["default"]
    *folders, name = segments
    return directory.joinpath(*folders, name + ".log")


class AccessLogWriter:
    def __init__(
        self,
        directory: Path,
        *,
        max_pending: int = DEFAULT_MAX_PENDING,
        on_drop: Callable[[], None] | None = None,
        sink: AccessLogSink | None = None,
    ) -> None:
        self.directory = directory
        self._sink = sink
        self._max_pending = max_pending
        self._on_drop = on_drop
        self._pending: list[tuple[str, str, int]] = []
        self._wake: asyncio.Event | None = None
        self._task: asyncio.Task[None] | None = None
        self._closing = False
        self.dropped = 0
        """Lines dropped because the pending list was full (the disk could not keep up)."""
        self.written = 0

    def write(self, log_group: str, line: str) -> None:
        """Queue one line; never waits. Called on the event loop."""
        if len(self._pending) >= self._max_pending or self._closing:
            self.dropped += 1
            if self._on_drop is not None:
                self._on_drop()
            return
        self._pending.append((log_group, line, time.time_ns() // 1_000_000))
        if self._wake is None:
            self._wake = asyncio.Event()
            self._task = asyncio.get_running_loop().create_task(self._flush_forever(self._wake))
        self._wake.set()

    async def flush(self) -> None:
        """Write everything pending now (tests, shutdown)."""
        batch, self._pending = self._pending, []
        if batch:
            await asyncio.to_thread(self._append, batch)

    async def close(self) -> None:
        """Stop the flusher and write what is pending; idempotent."""
        self._closing = True
        if self._task is not None and self._wake is not None:
            self._wake.set()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        await self.flush()

    async def _flush_forever(self, wake: asyncio.Event) -> None:
        while not self._closing or self._pending:
            await wake.wait()
            wake.clear()
            try:
                await self.flush()
            except OSError:
                log.exception("writing access logs under %s failed", self.directory)

    def _append(self, batch: list[tuple[str, str, int]]) -> None:
        """Runs in a worker thread: one open and one write per log group in the batch, then
        the batch to the sink."""
        if self._sink is not None:
            try:
                self._sink([(group, ms, line) for group, line, ms in batch])
            except Exception:  # the sink's bug must not lose the file copy
                log.exception("handing %d access log lines to the log groups failed", len(batch))
        by_group: dict[str, list[str]] = {}
        for group, line, _ms in batch:
            by_group.setdefault(group, []).append(line)
        for group, lines in by_group.items():
            path = log_file(self.directory, group)
            path.parent.mkdir(parents=True, exist_ok=True)
            with path.open("a", encoding="utf-8") as file:
                file.write("\n".join(lines) + "\n")
        self.written += len(batch)
