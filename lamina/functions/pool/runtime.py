"""A worker that is any process speaking the Lambda Runtime API (Node.js, ``provided``).

Lifecycle (every transition happens on the event loop thread)::

    STARTING --first GET /next, or /init/error, or exit--> IDLE --invoke()--> BUSY
        BUSY --POST response / error--> IDLE ...
        BUSY --timeout (killed) / exit--> DEAD;   IDLE --stop() / exit--> DEAD

The process gets its own Runtime API listener (AWS_LAMBDA_RUNTIME_API), its stdout and
stderr pointed at a memfd the supervisor reads after each invocation, and its own process
group, so a timeout kills whatever the runtime started too. It starts through
runtime_api/launcher.py, isolated as a forked Python worker is (the same ``sandbox``
fields), and its memory is watched while it works (runtime_api/memory.py). Failures are
worded as for the forked Python workers (lamina.functions.failure, pool/outcome.py).
https://docs.aws.amazon.com/lambda/latest/dg/runtimes-api.html
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Mapping
from typing import Any

import msgspec

from lamina.functions import failure, logformat, report
from lamina.functions.model import FunctionConfig, InvokeResult, LoggingConfig
from lamina.functions.pool import outcome
from lamina.functions.pool.handle import (
    INIT_LIMIT_S,
    BaseWorker,
    Call,
    WorkerHooks,
    WorkerState,
)
from lamina.functions.runtime_api import command, launcher
from lamina.functions.runtime_api.invocation import invocation_for
from lamina.functions.runtime_api.memory import MemoryWatch
from lamina.functions.runtime_api.output import OutputFile
from lamina.functions.runtime_api.server import RuntimeApi

_EXIT_POLL_S = 0.005
_EXIT_WAIT_S = 5.0

Environment = Callable[[FunctionConfig, str], dict[str, str]]
"""(config, AWS_LAMBDA_RUNTIME_API address) -> the process's environment."""
Command = Callable[[FunctionConfig], list[str]]


class RuntimeWorker(BaseWorker):
    def __init__(
        self,
        config: FunctionConfig,
        hooks: WorkerHooks,
        *,
        environment: Environment,
        argv: Command = command.runtime_command,
        sandbox: Mapping[str, Any] | None = None,
    ) -> None:
        """``sandbox``: policy.sandbox_fields for ``config`` (the isolation of forked
        workers); without it, the mode IsolationPolicy decides, with nothing extra hidden."""
        super().__init__(config)
        self.init_entrypoint: str | None = None
        """Why the entry point could not start (Runtime.InvalidEntrypoint)."""
        self._hooks = hooks
        self._environment = environment
        self._argv = argv
        self._sandbox = sandbox
        self._api = RuntimeApi(self)
        self._memory = MemoryWatch(config.memory_mb, self._out_of_memory)
        self._launched: launcher.Launched | None = None
        self._process: subprocess.Popen[bytes] | None = None
        self._pidfd = -1
        self._started = 0.0
        self._exec_failure: str | None = None
        self._call: Call | None = None
        self._init_timer: asyncio.TimerHandle | None = None
        self._output = OutputFile(config.name)

    @property
    def init_failed(self) -> bool:
        return super().init_failed or self.init_entrypoint is not None

    # -- start --------------------------------------------------------------------------

    async def start(self) -> None:
        try:
            prepared = await self._prepare()
        except BaseException:
            self._api.close()  # cancelled (the pool closed) or the listener failed
            self._output.close()
            raise
        if prepared is None:
            return
        argv, env, sandbox = prepared
        self._started = time.perf_counter()
        try:
            self._launched = launcher.launch(
                argv,
                env,
                task_root=self.config.code_path,
                sandbox=sandbox,
                runtime_dirs=command.runtime_folders(self.config, argv),
                output_fd=self._output.fd,
            )
        except OSError as error:
            # Lambda's init is written in Go and words this as Go's exec does.
            reason = (error.strerror or str(error)).lower()
            self._entrypoint_failed(f"fork/exec {sys.executable}: {reason}")
            return
        self._process = self._launched.process
        self.pid = self._process.pid
        self._pidfd = os.pidfd_open(self.pid)
        loop = asyncio.get_running_loop()
        loop.add_reader(self._pidfd, self._exited)
        self._init_timer = loop.call_later(INIT_LIMIT_S, self._init_too_long)

    async def _prepare(self) -> tuple[list[str], dict[str, str], Mapping[str, Any]] | None:
        """The command, environment and sandbox; None when the entry point is missing."""
        try:
            # Off the loop: the first Node.js function asks `node --version`.
            argv = await asyncio.to_thread(self._argv, self.config)
        except command.InvalidEntrypointError as error:
            self._entrypoint_failed(str(error))
            return None
        sandbox = self._sandbox
        if sandbox is None:
            sandbox = await asyncio.to_thread(launcher.default_sandbox, self.config)
        return argv, self._environment(self.config, await self._api.start()), sandbox

    def _entrypoint_failed(self, message: str) -> None:
        self.init_entrypoint = message
        self.init_ms = 0.0
        self.state = WorkerState.IDLE
        self._api.close()
        self._hooks.on_ready(self)

    def _init_over(self) -> None:
        if self._init_timer is not None:
            self._init_timer.cancel()
        self.init_ms = (time.perf_counter() - self._started) * 1000.0
        self.init_log = self._output.drain()
        self._rss_kb()
        self.state = WorkerState.IDLE
        self._hooks.on_ready(self)

    def _init_too_long(self) -> None:
        if self.state is WorkerState.STARTING:
            self._signal()

    # -- RuntimeEvents (called by the Runtime API) --------------------------------------

    def runtime_ready(self) -> None:
        if self.state is WorkerState.STARTING:
            self._init_over()

    def runtime_init_error(self, error_type: str, body: bytes) -> None:
        if self.state is WorkerState.STARTING:
            self.init_error, self.init_error_type = body, error_type
            self._init_over()

    def runtime_response(self, request_id: str, body: bytes) -> None:
        self._answer(request_id, body, None)

    def runtime_error(self, request_id: str, error_type: str, body: bytes) -> None:
        self._answer(request_id, body, "Unhandled")

    def runtime_too_large(self, request_id: str) -> None:
        call = self._take_call(request_id)
        if call is not None:
            error = failure.response_too_large_error()
            result = self._failed(call, error, failure.RESPONSE_TOO_LARGE, self._output.drain())
            self._finish(call, result, reusable=True)

    # -- invocation ---------------------------------------------------------------------

    def invoke(self, call: Call, payload: bytes) -> None:
        if self._begin_call(call):
            self._answer_init_failure(call)
            return
        self._call = call
        call.timer = asyncio.get_running_loop().call_later(self.config.timeout_s, self._timed_out)
        self._api.deliver(
            invocation_for(
                request_id=call.request_id,
                deadline_ms=call.deadline_ms,
                arn=call.arn,
                payload=payload,
                client_context=call.client_context,
                trace_id=call.trace_id,
            )
        )
        if self.pid is not None:
            self._memory.start(self.pid)

    def _answer(self, request_id: str, body: bytes, function_error: str | None) -> None:
        call = self._take_call(request_id)
        if call is None:
            return
        # One reading at the end catches what grew since the watchdog's last one; it
        # decides OutOfMemory and is what REPORT shows (each reading walks /proc).
        rss_kb = self._rss_kb()
        if self._memory.exceeded:
            self._answer_out_of_memory(call)
            return
        result = outcome.result(
            self.config,
            call,
            body,
            function_error=function_error,
            output=self._output.drain(),
            duration_ms=outcome.since(call),
            rss_kb=rss_kb,
        )
        self._finish(call, result, reusable=True)

    def _take_call(self, request_id: str) -> Call | None:
        call = self._call
        if call is None or call.request_id != request_id:
            return None
        self._call = None
        self._memory.stop()
        if call.timer is not None:
            call.timer.cancel()
        return call

    def _finish(self, call: Call, result: InvokeResult, *, reusable: bool) -> None:
        if call.init_ms is not None and self.init_log:
            # Output of the Init phase comes before START, as in Lambda's log stream.
            result = _with_init_log(result, self.init_log, self.config.logging)
            self.init_log = ""
        if reusable:
            self.state = WorkerState.IDLE
        self._hooks.on_complete(self, call, result, reusable)

    def _failed(
        self,
        call: Call,
        payload: bytes,
        error_type: str,
        output: str,
        status: str = "error",
        duration_ms: float | None = None,
    ) -> InvokeResult:
        return outcome.failed(
            self.config,
            call,
            payload,
            error_type,
            output=output,
            duration_ms=outcome.since(call) if duration_ms is None else duration_ms,
            rss_kb=self._rss_kb(),
            status=status,
        )

    # -- failures -----------------------------------------------------------------------

    def _answer_init_failure(self, call: Call) -> None:
        if self.init_entrypoint is not None:
            payload = command.invalid_entrypoint_error(call.request_id, self.init_entrypoint)
            error_type = command.INVALID_ENTRYPOINT
        elif self.init_error is not None:
            payload, error_type = self.init_error, self.init_error_type or failure.EXIT
        else:
            payload = failure.exit_error(call.request_id, self.init_exit_code or 0)
            error_type = failure.EXIT
        log, self.init_log = self.init_log + self._output.drain(), ""
        result = self._failed(call, payload, error_type, log, duration_ms=0.0)
        self._die()
        self._hooks.on_complete(self, call, result, False)

    def _out_of_memory(self) -> None:
        """The watchdog saw the environment over MemorySize while it worked."""
        call = self._call
        if call is not None and self._take_call(call.request_id) is not None:
            self._answer_out_of_memory(call)

    def _answer_out_of_memory(self, call: Call) -> None:
        # Lambda stops the environment: the invocation answers Runtime.OutOfMemory (the
        # shape of the forked workers' answer, lamina.functions.failure).
        output = self._output.drain()
        self._die()
        payload = failure.out_of_memory_error(call.request_id)
        result = self._failed(call, payload, failure.OUT_OF_MEMORY, output)
        self._hooks.on_complete(self, call, result, False)

    def _timed_out(self) -> None:
        call, self._call = self._call, None
        if call is None:
            return
        self._memory.stop()
        printed = self._output.drain()
        self._rss_kb()
        self._die()
        timeout_s = self.config.timeout_s
        output = outcome.ended(printed) + report.timeout_line(call.request_id, timeout_s)
        payload = failure.timeout_error(call.request_id, timeout_s)
        result = self._failed(call, payload, failure.TIMEOUT, output, "timeout")
        self._hooks.on_complete(self, call, result, False)

    def _exited(self) -> None:
        """The process ended (pidfd readable): reap it and say what that means."""
        code = self._reap()
        was, self.state = self.state, WorkerState.DEAD
        if was is WorkerState.STARTING:
            if self._init_timer is not None:
                self._init_timer.cancel()
            self.init_entrypoint = self._exec_failure
            if self.init_entrypoint is None:
                self.init_exit_code = code
            self.init_log = self._output.drain()
            self.state = WorkerState.IDLE
            self._hooks.on_ready(self)
            return
        self._api.close()
        call, self._call = self._call, None
        if call is not None:
            self._memory.stop()
            if call.timer is not None:
                call.timer.cancel()
            payload = failure.exit_error(call.request_id, code)
            result = self._failed(call, payload, failure.EXIT, self._output.drain())
            self._output.close()
            self._hooks.on_complete(self, call, result, False)
        elif was is not WorkerState.DEAD:
            self._output.close()
            self._hooks.on_dead(self)

    def _reap(self) -> int:
        if self._pidfd >= 0:
            asyncio.get_running_loop().remove_reader(self._pidfd)
            os.close(self._pidfd)
            self._pidfd = -1
        assert self._process is not None and self._launched is not None
        code = self._process.wait()
        self._exec_failure = self._launched.exec_failure()
        self._launched.clean_up()
        return code

    # -- stop ---------------------------------------------------------------------------

    def stop(self) -> None:
        self._die()
        self._hooks.on_dead(self)

    def kill(self) -> None:
        self._signal()
        self._api.close()

    async def wait_closed(self) -> None:
        waited = 0.0
        while self._process is not None and self._process.poll() is None:
            if waited >= _EXIT_WAIT_S:
                break
            await asyncio.sleep(_EXIT_POLL_S)
            waited += _EXIT_POLL_S
        if self._pidfd >= 0 and self._process is not None and self._process.returncode is not None:
            self._exited()
        await self._api.closed()

    def _die(self) -> None:
        self.state = WorkerState.DEAD
        self._signal()
        self._api.close()
        self._output.close()

    def _signal(self) -> None:
        if self._process is not None and self._process.returncode is None:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(self._process.pid, signal.SIGKILL)

    # -- memory -----------------------------------------------------------------------

    def _rss_kb(self) -> int:
        """The environment's peak resident memory (its process tree), read now unless it
        is dead: what REPORT's Max Memory Used shows."""
        if self.pid is None or self.state is WorkerState.DEAD:
            return self._memory.peak_kb
        return self._memory.read(self.pid)


def _with_init_log(result: InvokeResult, init_log: str, logging: LoggingConfig) -> InvokeResult:
    return msgspec.structs.replace(
        result, log=logformat.with_init_output(logging, result.log, init_log)
    )
