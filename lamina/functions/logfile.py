"""Where invocation logs go: the caller's sink and files under the state directory.

Files: ``<state_dir>/logs/<function name>/<YYYY>/<MM>/<DD>.log`` (UTC days), appended to.
Writes are buffered and flushed shortly after, so a burst of invocations costs one write.
A record sink (a log service's) also gets each invocation's log with the execution
environment that wrote it, for per-environment log streams.
"""

from __future__ import annotations

import asyncio
import time
import uuid
import weakref
from collections.abc import Callable
from pathlib import Path

import msgspec

LogSink = Callable[[str, str], None]


class InvocationLog(msgspec.Struct, frozen=True, kw_only=True):
    """One invocation's log, as the execution environment that ran it wrote it."""

    function_name: str
    version: str
    environment_id: str
    """32 hex digits, one per execution environment (worker) for its whole life."""
    environment_started: float
    """When the environment first logged (epoch seconds): its log stream's date."""
    text: str
    started: float
    ended: float
    log_group: str = ""
    """The function's LoggingConfig.LogGroup; "" for Lambda's default group."""


InvocationLogSink = Callable[[InvocationLog], None]

FLUSH_DELAY_S = 0.2


class LogWriter:
    def __init__(
        self, root: Path, sink: LogSink | None, records: InvocationLogSink | None = None
    ) -> None:
        self._root = root
        self._sink = sink
        self._records = records
        self._environments: weakref.WeakKeyDictionary[object, tuple[str, float]] = (
            weakref.WeakKeyDictionary()
        )
        self._pending: dict[str, list[str]] = {}
        self._flush_handle: asyncio.TimerHandle | None = None

    def write(
        self,
        function_name: str,
        text: str,
        *,
        environment: object | None = None,
        version: str = "$LATEST",
        duration_ms: float = 0.0,
        log_group: str = "",
    ) -> None:
        """``environment``: the worker that ran the invocation (for the record sink);
        ``log_group``: the function's own group, when it names one."""
        if self._sink is not None:
            self._sink(function_name, text)
        if self._records is not None:
            self._record(
                self._records, function_name, text, environment, version, duration_ms, log_group
            )
        pending = self._pending.get(function_name)
        if pending is None:
            self._pending[function_name] = [text]
        else:
            pending.append(text)
        if self._flush_handle is None:
            loop = asyncio.get_running_loop()
            self._flush_handle = loop.call_later(FLUSH_DELAY_S, self.flush)

    def _record(
        self,
        records: InvocationLogSink,
        function_name: str,
        text: str,
        environment: object | None,
        version: str,
        duration_ms: float,
        log_group: str,
    ) -> None:
        now = time.time()
        known = self._environments.get(environment) if environment is not None else None
        if known is None:
            known = (uuid.uuid4().hex, now)
            if environment is not None:
                self._environments[environment] = known
        records(
            InvocationLog(
                function_name=function_name,
                version=version,
                environment_id=known[0],
                environment_started=known[1],
                text=text,
                started=now - duration_ms / 1000,
                ended=now,
                log_group=log_group,
            )
        )

    def path_for(self, function_name: str, now: float | None = None) -> Path:
        day = time.strftime("%Y/%m/%d", time.gmtime(now if now is not None else time.time()))
        return self._root / function_name / f"{day}.log"

    def flush(self) -> None:
        if self._flush_handle is not None:
            self._flush_handle.cancel()
            self._flush_handle = None
        pending, self._pending = self._pending, {}
        now = time.time()
        for function_name, texts in pending.items():
            path = self.path_for(function_name, now)
            path.parent.mkdir(parents=True, exist_ok=True)
            with path.open("a", encoding="utf-8") as file:
                file.write("".join(texts))
