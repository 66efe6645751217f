"""IntegrationLatency of the integrations that map requests and responses: only the time the
backend takes, not the gateway's own work around it (mapping templates, parameter mapping,
response selection).

"IntegrationLatency: The time between when API Gateway relays a request to the backend and
when it receives a response from the backend."
https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-metrics-and-dimensions.html

Each backend (the function invoker, the Event queue, the HTTP client, the AWS service caller)
is wrapped for one request; the wrapper adds the time of each call to a BackendClock. A
request whose integration failed before calling its backend (a template that does not run)
has no IntegrationLatency.
"""

from __future__ import annotations

import time

from lamina.functions.model import InvokeResult
from lamina.functions.policy import InvokeRequest
from lamina.gateway.integrations.aws_service import AwsServiceCall, AwsServiceCaller
from lamina.gateway.integrations.http import BackendRequest, BackendResponse, Sender
from lamina.gateway.integrations.lambda_ import Invoker
from lamina.gateway.integrations.lambda_custom import EventQueue


class BackendClock:
    """The backend's share of one request."""

    __slots__ = ("calls", "ns")

    def __init__(self) -> None:
        self.ns = 0
        self.calls = 0

    @property
    def ms(self) -> float:
        """IntegrationLatency in milliseconds; -1 when the backend was not called."""
        return self.ns / 1e6 if self.calls else -1.0

    def start(self) -> int:
        self.calls += 1
        return time.perf_counter_ns()

    def stop(self, started: int) -> None:
        self.ns += time.perf_counter_ns() - started


class TimedInvoker:
    __slots__ = ("_clock", "_invoker")

    def __init__(self, invoker: Invoker, clock: BackendClock) -> None:
        self._invoker = invoker
        self._clock = clock

    async def invoke(
        self,
        name: str,
        payload: bytes,
        *,
        qualifier: str | None = None,
        client_context: str | None = None,
        source: InvokeRequest | None = None,
        trace_id: str | None = None,
    ) -> InvokeResult:
        started = self._clock.start()
        try:
            return await self._invoker.invoke(
                name,
                payload,
                qualifier=qualifier,
                client_context=client_context,
                source=source,
                trace_id=trace_id,
            )
        finally:
            self._clock.stop(started)


class TimedEvents:
    __slots__ = ("_clock", "_events")

    def __init__(self, events: EventQueue, clock: BackendClock) -> None:
        self._events = events
        self._clock = clock

    def authorize(self, name: str, qualifier: str | None, source: InvokeRequest | None) -> None:
        started = self._clock.start()
        try:
            self._events.authorize(name, qualifier, source)
        finally:
            self._clock.stop(started)

    async def queue_event(
        self, name: str, qualifier: str | None, payload: bytes, *, source: InvokeRequest | None
    ) -> str:
        started = self._clock.start()
        try:
            return await self._events.queue_event(name, qualifier, payload, source=source)
        finally:
            self._clock.stop(started)


class TimedBackend:
    __slots__ = ("_backend", "_clock")

    def __init__(self, backend: Sender, clock: BackendClock) -> None:
        self._backend = backend
        self._clock = clock

    async def send(self, outgoing: BackendRequest, timeout_ms: int) -> BackendResponse:
        started = self._clock.start()
        try:
            return await self._backend.send(outgoing, timeout_ms)
        finally:
            self._clock.stop(started)


class TimedCaller:
    __slots__ = ("_caller", "_clock")

    def __init__(self, caller: AwsServiceCaller, clock: BackendClock) -> None:
        self._caller = caller
        self._clock = clock

    async def call(self, call: AwsServiceCall) -> tuple[int, list[tuple[str, str]], bytes]:
        started = self._clock.start()
        try:
            return await self._caller.call(call)
        finally:
            self._clock.stop(started)
