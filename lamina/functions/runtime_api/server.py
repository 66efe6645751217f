"""One execution environment's Runtime API: a loopback HTTP listener and its state.

    INIT --GET /next (init done)--> WAITING --deliver()--> INVOKING --POST response/error
      |                               ^                                       |
      +-- POST /init/error            +---------------------------------------+

A GET /next is held open (long poll) until ``deliver`` hands it an invocation; an
invocation delivered while no GET is waiting is kept until the next one arrives.
https://docs.aws.amazon.com/lambda/latest/dg/runtimes-api.html
"""

from __future__ import annotations

import asyncio
import re
from typing import Protocol

import orjson

from lamina.functions import failure
from lamina.functions.runtime_api.invocation import JSON_HEADERS as _JSON
from lamina.functions.runtime_api.invocation import Invocation
from lamina.http.message import HttpRequest, HttpResponse
from lamina.http.server import HttpServer

PREFIX = "/2018-06-01/runtime"
_INVOCATION_PATH = re.compile(rf"^{PREFIX}/invocation/([^/]+)/(response|error)$")
_ACCEPTED = HttpResponse(202, _JSON, b'{"status":"OK"}')
_CLOSE_GRACE_S = 0.5


class RuntimeEvents(Protocol):
    """What the environment's supervisor hears from the runtime process."""

    def runtime_ready(self) -> None:
        """The first GET /next: the Init phase is over."""

    def runtime_response(self, request_id: str, body: bytes) -> None: ...
    def runtime_error(self, request_id: str, error_type: str, body: bytes) -> None: ...
    def runtime_too_large(self, request_id: str) -> None: ...
    def runtime_init_error(self, error_type: str, body: bytes) -> None: ...


def error_response(status: int, error_type: str, message: str) -> HttpResponse:
    """The Runtime API's ErrorResponse body (runtime-api.zip's OpenAPI specification)."""
    body = orjson.dumps({"errorMessage": message, "errorType": error_type})
    return HttpResponse(status, list(_JSON), body)


def _invalid_request_id() -> HttpResponse:
    return error_response(400, "InvalidRequestID", "Invalid request ID")


def _invalid_state(what: str) -> HttpResponse:
    return error_response(403, "InvalidStateTransition", f"State transition is not allowed: {what}")


class RuntimeApi:
    """The Runtime API of one execution environment."""

    def __init__(self, events: RuntimeEvents) -> None:
        self._events = events
        self._server = HttpServer(self.handle)
        self._initialized = False
        self._closed = False
        self._next: asyncio.Future[Invocation | None] | None = None
        self._queued: Invocation | None = None
        self._current: str | None = None
        self._closing: asyncio.Task[None] | None = None
        self.address = ""
        """``127.0.0.1:<port>``: the process's AWS_LAMBDA_RUNTIME_API."""

    async def start(self) -> str:
        """Listen on a loopback port the OS picks; returns the address."""
        host, port = (await self._server.start("127.0.0.1", 0))[0]
        self.address = f"{host}:{port}"
        return self.address

    def deliver(self, invocation: Invocation) -> None:
        """Hand one invocation to the runtime (now, or at its next GET /next)."""
        waiting, self._next = self._next, None
        if waiting is not None and not waiting.done():
            self._current = invocation.request_id
            waiting.set_result(invocation)
        else:
            self._queued = invocation

    def close(self) -> None:
        """Answer a held GET /next with an error and stop listening (in the background)."""
        if self._closed:
            return
        self._closed = True
        self._queued = None
        if self._next is not None and not self._next.done():
            self._next.set_result(None)
        self._closing = asyncio.ensure_future(self._server.stop(_CLOSE_GRACE_S))

    async def closed(self) -> None:
        """Wait until the listener has stopped (after ``close``)."""
        if self._closing is not None:
            await self._closing

    async def handle(self, request: HttpRequest) -> HttpResponse:
        path = request.path
        if path == f"{PREFIX}/invocation/next":
            return await self._on_next() if request.method == "GET" else _not_allowed()
        match = _INVOCATION_PATH.match(path)
        if match is None and path != f"{PREFIX}/init/error":
            return _not_found()
        if request.method != "POST":
            return _not_allowed()
        if match is None:
            return self._on_init_error(request)
        if match.group(1) != self._current:
            return _invalid_request_id()
        if match.group(2) == "response":
            return self._on_response(match.group(1), request)
        return self._on_error(match.group(1), request)

    async def _on_next(self) -> HttpResponse:
        if self._next is not None or self._current is not None:
            return _invalid_state("an invocation is already in progress")
        if not self._initialized:
            self._initialized = True
            self._events.runtime_ready()
        invocation, self._queued = self._queued, None
        if invocation is None and not self._closed:
            self._next = asyncio.get_running_loop().create_future()
            invocation = await self._next
        if invocation is None:
            return error_response(500, "InternalServerError", "the environment is shutting down")
        self._current = invocation.request_id
        return HttpResponse(200, invocation.headers(), invocation.payload)

    def _on_response(self, request_id: str, request: HttpRequest) -> HttpResponse:
        self._current = None
        if request.body_too_large or len(request.body) > failure.MAX_RESPONSE_BYTES:
            # https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html
            self._events.runtime_too_large(request_id)
            message = f"Exceeded maximum allowed payload size ({failure.MAX_RESPONSE_BYTES} bytes)."
            return error_response(413, "RequestEntityTooLarge", message)
        self._events.runtime_response(request_id, request.body)
        return _ACCEPTED

    def _on_error(self, request_id: str, request: HttpRequest) -> HttpResponse:
        self._current = None
        error_type = _error_type(request)
        self._events.runtime_error(request_id, error_type, _error_body(request, error_type))
        return _ACCEPTED

    def _on_init_error(self, request: HttpRequest) -> HttpResponse:
        if self._initialized:
            return _invalid_state("the Init phase is over")
        self._initialized = True
        error_type = _error_type(request)
        self._events.runtime_init_error(error_type, _error_body(request, error_type))
        return _ACCEPTED


def _error_type(request: HttpRequest) -> str:
    return request.header("Lambda-Runtime-Function-Error-Type") or "Unhandled"


def _error_body(request: HttpRequest, error_type: str) -> bytes:
    """The runtime's error document; an empty body becomes one naming the error type."""
    if request.body.strip():
        return request.body
    return orjson.dumps({"errorMessage": "", "errorType": error_type})


def _not_found() -> HttpResponse:
    return error_response(404, "NotFound", "Not Found")


def _not_allowed() -> HttpResponse:
    return error_response(405, "MethodNotAllowed", "Method Not Allowed")
