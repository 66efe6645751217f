"""What a pool holds for each execution environment, whatever kind of process runs it.

Two kinds implement ``WorkerHandle``: ``worker.Worker`` (a Python worker forked from a
zygote, framed messages over a socketpair) and ``runtime.RuntimeWorker`` (any process
that polls the Lambda Runtime API). The pool only starts, invokes, stops and kills them,
and hears back through ``WorkerHooks``.
"""

from __future__ import annotations

import asyncio
import enum
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Protocol

from lamina.functions.model import InvokeResult

if TYPE_CHECKING:
    from lamina.functions.model import FunctionConfig

# Lambda's Init phase may last 10 seconds.
# https://docs.aws.amazon.com/lambda/latest/dg/lambda-runtime-environment.html#runtimes-lifecycle-ib
INIT_LIMIT_S = 10.0


class WorkerState(enum.Enum):
    STARTING = "starting"
    IDLE = "idle"
    BUSY = "busy"
    DEAD = "dead"


class Call:
    """One invocation in flight on a worker."""

    __slots__ = (
        "arn",
        "client_context",
        "deadline_ms",
        "future",
        "init_ms",
        "request_id",
        "started",
        "timer",
        "trace_id",
    )

    def __init__(
        self,
        request_id: str,
        future: asyncio.Future[InvokeResult],
        *,
        deadline_ms: int = 0,
        arn: str = "",
        client_context: str | None = None,
        trace_id: str | None = None,
    ) -> None:
        self.request_id = request_id
        self.trace_id = trace_id
        """The caller's X-Amzn-Trace-Id (API Gateway's), for _X_AMZN_TRACE_ID; None: a new one."""
        self.future = future
        self.deadline_ms = deadline_ms
        """When the invocation times out, Unix epoch milliseconds."""
        self.arn = arn
        """The ARN invoked (with its qualifier, when one was given)."""
        self.client_context = client_context
        """The Invoke API's ClientContext, base64-encoded JSON."""
        self.started = time.perf_counter()
        self.timer: asyncio.TimerHandle | None = None
        self.init_ms: float | None = None


class BaseWorker:
    """What every kind of worker keeps: its lifecycle state and what its Init phase left."""

    def __init__(self, config: FunctionConfig) -> None:
        self.config = config
        self.state = WorkerState.STARTING
        self.pid: int | None = None
        self.last_used = time.monotonic()
        self.born = self.last_used
        """When the environment started (its credentials were issued then)."""
        self.init_ms: float | None = None
        self.init_error: bytes | None = None
        self.init_error_type: str | None = None
        self.init_exit_code: int | None = None
        self.init_log = ""

    @property
    def init_failed(self) -> bool:
        return self.init_error is not None or self.init_exit_code is not None

    def _begin_call(self, call: Call) -> bool:
        """Go BUSY, moving a cold start's Init Duration onto ``call``; True when init
        failed (the call must answer that failure instead of running)."""
        self.state = WorkerState.BUSY
        call.init_ms, self.init_ms = self.init_ms, None
        return self.init_failed


class WorkerHandle(Protocol):
    """One execution environment as the pool sees it."""

    config: FunctionConfig
    state: WorkerState
    last_used: float
    born: float
    pid: int | None

    @property
    def init_failed(self) -> bool:
        """Init failed (error or exit): the next invocation answers it, then it dies."""
        ...

    async def start(self) -> None:
        """Start the process; ``on_ready`` follows once its Init phase is over."""
        ...

    def invoke(self, call: Call, payload: bytes) -> None:
        """Run one invocation; its outcome goes to ``on_complete``."""
        ...

    def stop(self) -> None:
        """Stop an idle worker (reaping, retirement)."""
        ...

    def kill(self) -> None:
        """Kill the process now (shutdown)."""
        ...

    async def wait_closed(self) -> None:
        """After ``kill``: wait (bounded) until the process is gone and reaped."""
        ...


# (worker, call, result, reusable): the pool logs the result, answers the caller and
# takes the worker back (reusable) or forgets it.
Completion = Callable[[WorkerHandle, Call, InvokeResult, bool], None]


class WorkerHooks:
    """The pool's callbacks, handed to every worker it creates."""

    __slots__ = ("on_complete", "on_dead", "on_ready")

    def __init__(
        self,
        *,
        on_ready: Callable[[WorkerHandle], None],
        on_complete: Completion,
        on_dead: Callable[[WorkerHandle], None],
    ) -> None:
        self.on_ready = on_ready
        self.on_complete = on_complete
        self.on_dead = on_dead


WorkerFactory = Callable[[WorkerHooks], WorkerHandle]
"""Makes a (not yet started) worker of one function's kind."""
