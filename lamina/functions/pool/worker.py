"""A Python worker forked from a zygote: an asyncio.Protocol over its socket.

Lifecycle (every transition happens on the event loop thread, in the methods named)::

    STARTING --READY (init ok or failed)--> IDLE --invoke()--> BUSY --RESULT--> IDLE ...
        |                                     |                  |
        +-- EOF / init deadline --------------+-- stop() --------+-- timeout / EOF --> DEAD

A worker whose init failed still goes IDLE once: the invocation it is handed answers the
init error (as Lambda answers the invocation that triggered a failed init), then it dies.
The caller's future is only a mailbox: cancelling it never changes the worker's state,
so a worker is back in the pool only once its invocation really ended.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import socket
from collections.abc import Callable
from typing import Any, cast

import orjson

from lamina.functions import failure, report
from lamina.functions.bootstrap import capture, frame
from lamina.functions.model import FunctionConfig, InvokeResult
from lamina.functions.pool import outcome
from lamina.functions.pool.handle import (
    INIT_LIMIT_S,
    BaseWorker,
    Call,
    WorkerHooks,
    WorkerState,
)
from lamina.functions.pool.zygote import ZygoteProcess

# How long to wait for the zygote's exit code after a worker's socket closed.
EXIT_CODE_WAIT_S = 1.0

SpawnSpec = Callable[[FunctionConfig], dict[str, Any]]


class Worker(BaseWorker, asyncio.Protocol):
    def __init__(
        self,
        config: FunctionConfig,
        hooks: WorkerHooks,
        *,
        zygote: Callable[[], ZygoteProcess],
        spawn_spec: SpawnSpec,
    ) -> None:
        super().__init__(config)
        self.rss_kb = 0
        """Max resident memory the worker last reported (what a failure's REPORT shows)."""
        self._on_ready = hooks.on_ready
        self._on_complete = hooks.on_complete
        self._on_dead = hooks.on_dead
        self._zygote = zygote
        self._spawn_spec = spawn_spec
        self._transport: asyncio.Transport | None = None
        self._reader = frame.FrameReader(self._on_frame)
        self._call: Call | None = None
        self._exit_code: asyncio.Future[int] = asyncio.get_running_loop().create_future()
        self._init_timer: asyncio.TimerHandle | None = None
        self._exit_report: asyncio.Future[None] | None = None
        self.output_fd = os.memfd_create(f"lamina-{config.name}", os.MFD_CLOEXEC)
        """The worker's stdout/stderr file; ours too, so a killed worker's output is kept."""

    async def start(self) -> None:
        """Ask the zygote for the process and connect to its socket."""
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            self._zygote().spawn(self._spawn_spec(self.config), theirs, self.output_fd, self)
        except Exception:
            ours.close()
            self.close_output()
            raise
        finally:
            theirs.close()
        self.limit_init(INIT_LIMIT_S)
        await asyncio.get_running_loop().connect_accepted_socket(lambda: self, ours)

    def close_output(self) -> None:
        if self.output_fd >= 0:
            os.close(self.output_fd)
            self.output_fd = -1

    def _salvage_output(self) -> str:
        """What a worker that will not answer (killed, crashed) printed, then close."""
        if self.output_fd < 0:
            return ""
        text = capture.read_output(self.output_fd).decode(errors="replace")
        self.close_output()
        return text

    # -- zygote listener ------------------------------------------------------------

    def spawned(self, pid: int) -> None:
        self.pid = pid

    def exited(self, code: int) -> None:
        if not self._exit_code.done():
            self._exit_code.set_result(code)

    # -- asyncio.Protocol -----------------------------------------------------------

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        # uvloop's transports implement asyncio.Transport without subclassing it.
        self._transport = cast(asyncio.Transport, transport)

    def data_received(self, data: bytes) -> None:
        self._reader.feed(data)

    def connection_lost(self, exc: Exception | None) -> None:
        self._transport = None
        if self.state is WorkerState.DEAD:
            return
        was = self.state
        self.state = WorkerState.DEAD
        if was is WorkerState.STARTING or self._call is not None:
            # Word the failure with the exit code, which the zygote reports separately.
            self._exit_report = asyncio.ensure_future(self._report_exit(was))
        else:
            self.close_output()
            self._on_dead(self)

    # -- invocation -----------------------------------------------------------------

    def limit_init(self, seconds: float) -> None:
        """Kill the worker if it has not finished its Init phase in ``seconds``."""
        loop = asyncio.get_running_loop()
        self._init_timer = loop.call_later(seconds, self._init_too_long)

    def invoke(self, call: Call, payload: bytes) -> None:
        """Send one invocation; the outcome is handed to ``on_complete`` later."""
        if self._begin_call(call):
            self._answer_init_failure(call)
            return
        assert self._transport is not None
        self._call = call
        meta: dict[str, Any] = {
            "id": call.request_id,
            "deadline": call.deadline_ms,
            "arn": call.arn,
        }
        if call.trace_id:
            meta["trace"] = call.trace_id
        if call.client_context:
            meta["cc"] = call.client_context
        self._transport.write(frame.encode(frame.INVOKE, orjson.dumps(meta), payload))
        loop = asyncio.get_running_loop()
        call.timer = loop.call_later(self.config.timeout_s, self._timed_out)

    def stop(self) -> None:
        """Stop an idle worker (idle reaping, shutdown): it exits on EOF."""
        self.state = WorkerState.DEAD
        if self._transport is not None:
            self._transport.close()
        self.close_output()
        self._on_dead(self)

    def _die(self) -> None:
        """End a worker that will not serve again; its output was already read."""
        self.state = WorkerState.DEAD
        self.kill()
        self.close_output()

    def kill(self) -> None:
        if self.pid is not None and not self._exit_code.done():
            with contextlib.suppress(ProcessLookupError):
                os.kill(self.pid, signal.SIGKILL)
        if self._transport is not None:
            self._transport.abort()

    async def wait_closed(self) -> None:
        """The zygote reaps its workers; ZygoteProcess.close waits for all of them."""

    # -- frames -----------------------------------------------------------------------

    def _on_frame(self, kind: int, meta: bytes, payload: bytes, log: bytes) -> None:
        if kind == frame.RESULT and self._call is not None:
            self._finish_result(self._call, orjson.loads(meta), payload, log)
        elif kind == frame.READY and self.state is WorkerState.STARTING:
            self._ready(orjson.loads(meta), payload, log)

    def _ready(self, fields: dict[str, Any], error: bytes, log: bytes) -> None:
        if self._init_timer is not None:
            self._init_timer.cancel()
        self.pid = fields["pid"]
        self.init_ms = fields["init_ms"]
        self.init_log = log.decode(errors="replace")
        self.rss_kb = fields["rss_kb"]
        if fields["error_type"] is not None:
            self.init_error = error
            self.init_error_type = fields["error_type"]
        self.state = WorkerState.IDLE
        self._on_ready(self)

    def _finish_result(
        self, call: Call, fields: dict[str, Any], payload: bytes, log: bytes
    ) -> None:
        self._call = None
        if call.timer is not None:
            call.timer.cancel()
        output = log.decode(errors="replace") if log else ""
        duration_ms: float = fields["duration_ms"]
        self.rss_kb = fields["rss_kb"]
        if fields.get("oom"):
            self._die()
            error = failure.out_of_memory_error(call.request_id)
            result = self._failed(call, error, failure.OUT_OF_MEMORY, output, duration_ms)
            self._on_complete(self, call, result, False)
            return
        if "too_large" in fields:
            error = failure.response_too_large_error()
            result = self._failed(call, error, failure.RESPONSE_TOO_LARGE, output, duration_ms)
        else:
            function_error = "Unhandled" if fields["error"] else None
            result = self._result(call, payload, function_error, output, duration_ms)
        self.state = WorkerState.IDLE
        self._on_complete(self, call, result, True)

    def _failed(
        self,
        call: Call,
        payload: bytes,
        error_type: str,
        output: str,
        duration_ms: float,
        status: str = "error",
    ) -> InvokeResult:
        return outcome.failed(
            self.config,
            call,
            payload,
            error_type,
            output=output,
            duration_ms=duration_ms,
            rss_kb=self.rss_kb,
            status=status,
        )

    def _result(
        self,
        call: Call,
        payload: bytes,
        function_error: str | None,
        output: str,
        duration_ms: float,
    ) -> InvokeResult:
        return outcome.result(
            self.config,
            call,
            payload,
            function_error=function_error,
            output=output,
            duration_ms=duration_ms,
            rss_kb=self.rss_kb,
        )

    # -- failures -----------------------------------------------------------------------

    def _answer_init_failure(self, call: Call) -> None:
        if self.init_exit_code is not None:
            payload = failure.exit_error(call.request_id, self.init_exit_code)
            error_type = failure.EXIT
        else:
            assert self.init_error is not None
            payload, error_type = self.init_error, self.init_error_type or failure.EXIT
        result = self._failed(call, payload, error_type, self.init_log, 0.0)
        self._die()
        self._on_complete(self, call, result, False)

    def _timed_out(self) -> None:
        call, self._call = self._call, None
        if call is None:
            return
        self.state = WorkerState.DEAD
        self.kill()
        timeout_s = self.config.timeout_s
        output = outcome.ended(self._salvage_output())
        output += report.timeout_line(call.request_id, timeout_s)
        duration_ms = outcome.since(call)
        payload = failure.timeout_error(call.request_id, timeout_s)
        result = self._failed(call, payload, failure.TIMEOUT, output, duration_ms, "timeout")
        self._on_complete(self, call, result, False)

    def _init_too_long(self) -> None:
        if self.state is WorkerState.STARTING:
            self.kill()

    async def _report_exit(self, was: WorkerState) -> None:
        try:
            code = await asyncio.wait_for(asyncio.shield(self._exit_code), EXIT_CODE_WAIT_S)
        except TimeoutError:
            code = -signal.SIGKILL
        if self._init_timer is not None:
            self._init_timer.cancel()
        if was is WorkerState.STARTING:
            # Died during init: the worker answers its first invocation with the exit.
            self.init_log = self._salvage_output()
            self.init_exit_code = code
            self.state = WorkerState.IDLE
            self._on_ready(self)
            return
        call, self._call = self._call, None
        output = self._salvage_output()
        if call is None:
            self._on_dead(self)
            return
        if call.timer is not None:
            call.timer.cancel()
        duration_ms = outcome.since(call)
        payload = failure.exit_error(call.request_id, code)
        result = self._failed(call, payload, failure.EXIT, output, duration_ms)
        self._on_complete(self, call, result, False)
