"""AsyncInvoker: runs queued Event invocations with Lambda's retries and destinations.

    Invoke(Event) ─submit─► queue (ready) ─claim─► running ─┬─ success ─► on-success, ack
                               ▲                           ├─ function error, retries left
                               │  retry at a due time      │     └─ retry in 1 min, 2 min
                               └───────────────────────────┼─ throttled / system error
                                                           │     └─ retry, 1 s .. 5 min
                                                           └─ retries exhausted, or the
                                                              event too old at its turn
                                                              ─► on-failure + DLQ, ack

https://docs.aws.amazon.com/lambda/latest/dg/invocation-async.html
https://docs.aws.amazon.com/lambda/latest/dg/invocation-async-error-handling.html

One consumer task claims due events and runs at most ``concurrency`` of them at once, and
at most ``per_function`` (or the function's reserved concurrency, if lower) per function.
Closing cancels the consumer and abandons running events: they stay claimed in the queue
and run again after the next ``start`` (at-least-once delivery, as Lambda's).
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import time
from collections import Counter
from collections.abc import Callable

import msgspec

from lamina.core.ids import new_request_id
from lamina.functions.asynchronous import destination, record
from lamina.functions.asynchronous.model import EventConfig, QueuedEvent, Response
from lamina.functions.asynchronous.policy import RetryPolicy
from lamina.functions.asynchronous.queue import InvocationQueue, QueueError
from lamina.functions.error import (
    FunctionError,
    FunctionNotFoundError,
    FunctionThrottledError,
    RequestTooLargeError,
)
from lamina.functions.metrics import FunctionMetrics, default_metrics
from lamina.functions.model import InvokeResult
from lamina.functions.service import FunctionService

log = logging.getLogger(__name__)

ConfigLookup = Callable[[str, "str | None"], EventConfig]
"""(function name, qualifier) -> the settings that govern its events."""


def default_config(name: str, qualifier: str | None) -> EventConfig:
    return EventConfig()


class AsyncInvoker:
    def __init__(
        self,
        functions: FunctionService,
        queue: InvocationQueue,
        *,
        region: str,
        account_id: str,
        configs: ConfigLookup = default_config,
        policy: RetryPolicy | None = None,
        concurrency: int = 16,
        per_function: int = 4,
        clock: Callable[[], float] = time.time,
        metrics: FunctionMetrics | None = None,
    ) -> None:
        self.queue = queue
        self.policy = policy or RetryPolicy()
        self.concurrency = concurrency
        self.per_function = per_function
        self._functions = functions
        self._arn_prefix = f"arn:aws:lambda:{region}:{account_id}:function:"
        self._configs = configs
        self._clock = clock
        self._metrics = metrics or default_metrics()
        """AsyncEventsReceived, AsyncEventAge, AsyncEventsDropped, DeadLetterErrors,
        DestinationDeliveryFailures (functions/metrics.py)."""
        self._consumer: asyncio.Task[None] | None = None
        self._running: set[asyncio.Task[None]] = set()
        self._active: Counter[str] = Counter()
        self._wake = asyncio.Event()
        self._progress = asyncio.Event()
        self._started = False
        self._closed = False

    async def start(self) -> None:
        """Hand back claims a previous run left, then consume; idempotent."""
        if self._started or self._closed:
            return
        self._started = True
        recovered = await self.queue.recover()
        if recovered:
            log.info("%d asynchronous invocations resumed after a restart", recovered)
        self._consumer = asyncio.ensure_future(self._consume())

    async def submit(
        self, function: str, qualifier: str | None, payload: bytes, *, request_id: str
    ) -> QueuedEvent:
        """Queue one event durably: it survives a restart once this returns. It runs once
        the invoker is started (events wait in the queue until then)."""
        event = QueuedEvent(
            id=request_id,
            function=function,
            qualifier=qualifier,
            payload=payload,
            enqueued_at=self._clock(),
        )
        await self.queue.put(event, due_at=event.enqueued_at)
        self._metrics.event_received(function)  # AsyncEventsReceived
        self._wake.set()
        return event

    async def wait_idle(self) -> None:
        """Return once no event is queued or running (retries included)."""
        while True:
            self._progress.clear()
            if not self._running and not await self.queue.pending():
                return
            await self._progress.wait()

    async def close(self) -> None:
        """Stop consuming, abandon running events (they stay queued), close the queue."""
        if self._closed:
            return
        self._closed = True
        tasks = [*self._running, *([self._consumer] if self._consumer else [])]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        await self.queue.close()

    # -- the consumer ------------------------------------------------------------------

    async def _consume(self) -> None:
        while True:
            self._wake.clear()
            try:
                await self._launch_due()
                timeout = await self._time_to_next()
            except QueueError:
                log.exception("The asynchronous invocation queue failed; trying again")
                timeout = 1.0
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout)

    async def _launch_due(self) -> None:
        while len(self._running) < self.concurrency:
            event = await self.queue.claim(self._clock(), exclude=self._at_cap())
            if event is None:
                return
            self._active[event.function] += 1
            task = asyncio.ensure_future(self._process(event))
            self._running.add(task)
            task.add_done_callback(functools.partial(self._finished, event.function))

    async def _time_to_next(self) -> float | None:
        """Seconds until the next claimable event is due; None: wait for a wake-up."""
        if len(self._running) >= self.concurrency:
            return None
        due = await self.queue.next_due(exclude=self._at_cap())
        return None if due is None else max(0.0, due - self._clock())

    def _at_cap(self) -> list[str]:
        return [name for name, count in self._active.items() if count >= self._cap(name)]

    def _cap(self, name: str) -> int:
        try:
            reserved = self._functions.reserved_concurrency(name)
        except FunctionNotFoundError:
            reserved = None
        if reserved is None:
            return self.per_function
        # Reserved 0 still admits one event: it fails at once (see _throttled).
        return max(1, min(self.per_function, reserved))

    def _finished(self, name: str, task: asyncio.Task[None]) -> None:
        self._running.discard(task)
        self._active[name] -= 1
        if self._active[name] <= 0:
            del self._active[name]
        if not task.cancelled() and task.exception() is not None:
            log.error("Asynchronous invocation failed", exc_info=task.exception())
        self._wake.set()
        self._progress.set()

    # -- one event ---------------------------------------------------------------------

    async def _process(self, event: QueuedEvent) -> None:
        config = self._configs(event.function, event.qualifier)
        if self.policy.expired(event, config, self._clock()):
            await self._fail(event, config, record.EVENT_AGE_EXCEEDED)
            return
        age_ms = (self._clock() - event.enqueued_at) * 1000
        self._metrics.event_started(event.function, age_ms)  # AsyncEventAge
        try:
            result = await self._functions.invoke(
                event.function, event.payload, qualifier=event.qualifier, request_id=event.id
            )
        except (FunctionNotFoundError, RequestTooLargeError) as error:
            log.warning("Dropped asynchronous invocation %s: %s", event.id, error)
            self._metrics.event_dropped(event.function)
            await self.queue.ack(event.id)
        except FunctionThrottledError as error:
            await self._throttled(event, config, error)
        except FunctionError as error:
            log.warning("Asynchronous invocation %s will be retried: %s", event.id, error)
            await self._back_off(event)
        else:
            await self._answered(event, config, result)

    async def _answered(
        self, event: QueuedEvent, config: EventConfig, result: InvokeResult
    ) -> None:
        response = Response(
            payload=result.payload,
            function_error=result.function_error,
            executed_version=result.executed_version,
        )
        event = msgspec.structs.replace(
            event, invoke_count=event.invoke_count + 1, throttles=0, last_response=response
        )
        if result.function_error is None:
            await self._send_record(config.on_success, event, record.SUCCESS)
            await self.queue.ack(event.id)
            return
        event = msgspec.structs.replace(event, function_errors=event.function_errors + 1)
        if self.policy.retries_exhausted(event, config):
            await self._fail(event, config, record.RETRIES_EXHAUSTED)
            return
        delay = self.policy.function_error_delay(event.function_errors)
        await self.queue.retry(event, due_at=self._clock() + delay)

    async def _throttled(
        self, event: QueuedEvent, config: EventConfig, error: FunctionThrottledError
    ) -> None:
        """With reserved concurrency 0 Lambda fails events at once, without retries.
        https://docs.aws.amazon.com/lambda/latest/dg/invocation-async-retain-records.html
        """
        if self._functions.reserved_concurrency(event.function) == 0:
            event = msgspec.structs.replace(event, invoke_count=event.invoke_count + 1)
            await self._fail(event, config, record.RETRIES_EXHAUSTED)
            return
        await self._back_off(event)

    async def _back_off(self, event: QueuedEvent) -> None:
        event = msgspec.structs.replace(
            event, invoke_count=event.invoke_count + 1, throttles=event.throttles + 1
        )
        delay = self.policy.backoff_delay(event.throttles)
        await self.queue.retry(event, due_at=self._clock() + delay)

    async def _fail(self, event: QueuedEvent, config: EventConfig, condition: str) -> None:
        """The final failure: a record to on-failure, the event itself to the DLQ.

        https://docs.aws.amazon.com/lambda/latest/dg/invocation-async-retain-records.html
        (a dead-letter queue receives only the event, without details of the response)
        """
        log.warning(
            "Asynchronous invocation %s of %s discarded: %s",
            event.id,
            event.function,
            condition,
        )
        self._metrics.event_dropped(event.function)  # AsyncEventsDropped
        await self._send_record(config.on_failure, event, condition)
        if not await self._deliver(config.dead_letter, event.payload):
            self._metrics.dead_letter_failed(event.function)  # DeadLetterErrors
        await self.queue.ack(event.id)

    async def _send_record(self, target: str | None, event: QueuedEvent, condition: str) -> None:
        if target is None:
            return
        arn = self._arn_prefix + event.function + ":" + (event.qualifier or "$LATEST")
        payload = record.invocation_record(
            event, condition=condition, function_arn=arn, now=self._clock()
        )
        if not await self._deliver(target, payload):
            self._metrics.destination_failed(event.function)

    async def _deliver(self, target: str | None, payload: bytes) -> bool:
        """A Lambda destination is invoked asynchronously (through this queue). False: the
        target is one Lamina does not deliver to (DestinationDeliveryFailures,
        DeadLetterErrors)."""
        if target is None:
            return True
        function = destination.function_target(target)
        if function is None:
            text = payload.decode("utf-8", "replace")
            log.warning("Destination %s is not delivered yet by Lamina: %s", target, text)
            return False
        await self.submit(function.name, function.qualifier, payload, request_id=new_request_id())
        return True
