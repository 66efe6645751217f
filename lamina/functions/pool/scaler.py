"""The workers of one function: reuse, scale out on demand, reap when idle.

acquire ──idle worker? ──yes──> most recently used one (LIFO keeps caches warm)
   │ no
   └─> wait in FIFO order; spawn a worker if fewer are starting than waiting and
       the function has fewer than ``max_workers``
invocation ends ──reusable──> next waiter, or the idle stack
                └─not reusable (timeout, crash, OOM)──> forgotten; a waiter may
                  trigger a new spawn
reap(now): idle workers unused for ``idle_timeout_s`` are stopped, and those older than
       ``max_age_s`` (their credentials would expire): a new environment replaces them
retire(): the function's code or configuration changed: idle workers stop now, busy ones
       finish their invocation (and serve calls already waiting) and then stop

Workers come from a ``WorkerFactory``: the pool does not know whether they are forked
Python workers or Runtime API processes.
"""

from __future__ import annotations

import asyncio
import collections
import time
from collections.abc import Callable

from lamina.core.ids import new_request_id
from lamina.functions.error import FunctionError
from lamina.functions.logfile import LogWriter
from lamina.functions.model import FunctionConfig, InvokeResult
from lamina.functions.pool.handle import (
    Call,
    WorkerFactory,
    WorkerHandle,
    WorkerHooks,
    WorkerState,
)


class PoolClosedError(FunctionError):
    """The service is shutting down."""


class FunctionPool:
    def __init__(
        self,
        config: FunctionConfig,
        *,
        arn: str,
        factory: WorkerFactory,
        logs: LogWriter,
        max_workers: int,
        idle_timeout_s: float,
        max_age_s: float = float("inf"),
    ) -> None:
        self.config = config
        self._arn = arn
        self._factory = factory
        self._hooks = WorkerHooks(
            on_ready=self._ready, on_complete=self._complete, on_dead=self._forget
        )
        self._logs = logs
        self._max_workers = max_workers
        self._idle_timeout_s = idle_timeout_s
        self._max_age_s = max_age_s
        self._idle: list[WorkerHandle] = []
        self._workers: set[WorkerHandle] = set()
        self._waiters: collections.deque[asyncio.Future[WorkerHandle]] = collections.deque()
        self._starting = 0
        self._tasks: set[asyncio.Task[None]] = set()
        self._ends: dict[str, Callable[[], None]] = {}
        self._closed = False
        self._retired = False
        self._killed: list[WorkerHandle] = []
        self._reaping: set[asyncio.Task[None]] = set()

    @property
    def size(self) -> int:
        """Workers alive or starting."""
        return len(self._workers)

    @property
    def idle_count(self) -> int:
        return len(self._idle)

    @property
    def drained(self) -> bool:
        """Retired, and no worker or waiter is left."""
        return self._retired and not self._workers and not self._waiters

    async def invoke(
        self,
        payload: bytes,
        *,
        qualifier: str | None,
        client_context: str | None,
        on_end: Callable[[], None] | None = None,
        request_id: str | None = None,
        trace_id: str | None = None,
    ) -> InvokeResult:
        """Run one invocation; ``on_end`` is called once it is over (answered, failed, or
        abandoned before it reached a worker), even when the caller was cancelled."""
        try:
            worker = self._idle.pop() if self._idle else await self._wait_for_worker()
        except BaseException:
            if on_end is not None:
                on_end()
            raise
        loop = asyncio.get_running_loop()
        request_id = request_id or new_request_id()
        call = Call(
            request_id,
            loop.create_future(),
            deadline_ms=int(time.time() * 1000 + self.config.timeout_s * 1000),
            arn=f"{self._arn}:{qualifier}" if qualifier else self._arn,
            client_context=client_context,
            trace_id=trace_id,
        )
        if on_end is not None:
            self._ends[request_id] = on_end
        worker.invoke(call, payload)
        return await call.future

    async def _wait_for_worker(self) -> WorkerHandle:
        if self._closed:
            raise PoolClosedError(f"function {self.config.name} is shutting down")
        waiter: asyncio.Future[WorkerHandle] = asyncio.get_running_loop().create_future()
        self._waiters.append(waiter)
        self._scale()
        try:
            return await waiter
        except asyncio.CancelledError:
            if waiter.done() and not waiter.cancelled():
                self._take_back(waiter.result())
            else:
                self._waiters.remove(waiter)
            raise

    def _scale(self) -> None:
        while self._starting < len(self._waiters) and len(self._workers) < self._max_workers:
            self._spawn()

    def _spawn(self) -> None:
        worker = self._factory(self._hooks)
        self._workers.add(worker)
        self._starting += 1
        task = asyncio.ensure_future(self._start(worker))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _start(self, worker: WorkerHandle) -> None:
        try:
            await worker.start()
        except Exception:
            self._starting -= 1
            self._workers.discard(worker)
            self._fail_waiters()
            raise

    def _fail_waiters(self) -> None:
        while self._waiters and len(self._workers) == 0:
            waiter = self._waiters.popleft()
            if not waiter.done():
                waiter.set_exception(FunctionError(f"cannot start a worker for {self.config.name}"))

    def _ready(self, worker: WorkerHandle) -> None:
        self._starting -= 1
        if self._closed:
            worker.kill()
            self._forget(worker)
            return
        if worker.init_failed and not self._waiters:
            worker.kill()  # nobody asked: the next invocation runs a fresh init
            self._forget(worker)
            return
        self._take_back(worker)

    def _take_back(self, worker: WorkerHandle) -> None:
        """Hand an idle worker to the oldest waiter, or put it on the idle stack."""
        worker.state = WorkerState.IDLE
        worker.last_used = time.monotonic()
        while self._waiters:
            waiter = self._waiters.popleft()
            if not waiter.done():
                waiter.set_result(worker)
                return
        if self._retired:
            worker.stop()
            return
        self._idle.append(worker)

    def _complete(
        self, worker: WorkerHandle, call: Call, result: InvokeResult, reusable: bool
    ) -> None:
        self._logs.write(
            self.config.name,
            result.log,
            environment=worker,
            version=result.executed_version,
            duration_ms=result.duration_ms,
            log_group=self.config.logging.log_group,
        )
        end = self._ends.pop(call.request_id, None)
        if end is not None:
            end()
        if not call.future.done():
            call.future.set_result(result)
        if reusable and not self._closed and time.monotonic() - worker.born > self._max_age_s:
            worker.stop()  # its credentials expire soon: the next call gets a new environment
        elif reusable and not self._closed:
            self._take_back(worker)
        else:
            self._forget(worker)

    def _forget(self, worker: WorkerHandle) -> None:
        if worker in self._workers:
            # Wait for the process in the background, so none outlives close().
            reaping = asyncio.ensure_future(worker.wait_closed())
            self._reaping.add(reaping)
            reaping.add_done_callback(self._reaping.discard)
        self._workers.discard(worker)
        if worker in self._idle:
            self._idle.remove(worker)
        if not self._closed:
            self._scale()

    def reap(self, now: float) -> int:
        """Stop workers idle since before ``now - idle_timeout_s``; returns how many."""
        cutoff = now - self._idle_timeout_s
        stopped = 0
        # The idle stack is ordered by last use, oldest first.
        while self._idle and self._idle[0].last_used < cutoff:
            self._idle[0].stop()
            stopped += 1
        for worker in [w for w in self._idle if now - w.born > self._max_age_s]:
            worker.stop()
            stopped += 1
        return stopped

    def retire(self) -> None:
        """Take no new invocations' workers back: stop idle ones now, busy ones when done."""
        self._retired = True
        while self._idle:
            self._idle[-1].stop()

    async def wait_closed(self) -> None:
        """After ``close``: wait until the killed workers' processes are gone."""
        killed, self._killed = self._killed, []
        await asyncio.gather(*(worker.wait_closed() for worker in killed), *self._reaping)

    def close(self) -> None:
        """Fail waiters and kill every worker (the zygote reaps them)."""
        self._closed = True
        while self._waiters:
            waiter = self._waiters.popleft()
            if not waiter.done():
                waiter.set_exception(PoolClosedError(f"function {self.config.name} closed"))
        self._killed = list(self._workers)
        for worker in self._killed:
            worker.kill()
        for task in self._tasks:
            task.cancel()
        ends, self._ends = self._ends, {}
        for end in ends.values():
            end()
