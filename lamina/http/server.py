"""A small HTTP/1.1 server on asyncio (uvloop when present) and httptools.

Why not uvicorn: ASGI servers lowercase header names, and API Gateway's payload 1.0
events carry header names in the case the client sent them; a direct protocol also
saves the ASGI hop on the hot path. Each response goes out in one write.

Connection lifecycle:  reading → (message complete) → handling → writing → reading ...
Pipelined requests queue and are answered in order; a request that must close the
connection (HTTP/1.0 without keep-alive, parse error, oversized body) closes after its
response.

Bodies: once the head of a request with a body is in, the server asks
`streams_body(head)`. False (the usual answer): the body is buffered, at most
MAX_BODY_BYTES (API Gateway's 10 MB payload limit), and the request is handled when it
is complete. True (S3 object uploads): the
request is handled at once and its body read from `request.stream` (body.BodyReader) as it
arrives, with no limit and constant memory. A response's `stream` is written piece by
piece, each awaiting the socket's drain (pause_writing/resume_writing).
"""

from __future__ import annotations

import asyncio
import collections
import logging
import socket
import time
from collections.abc import Awaitable, Callable
from email.utils import formatdate
from http import HTTPStatus
from typing import cast

import httptools

from lamina.http.body import BodyReader
from lamina.http.message import HttpRequest, HttpResponse, TlsSession
from lamina.http.tls import ServerTls, TlsRefused

Handler = Callable[[HttpRequest], Awaitable[HttpResponse]]
StreamsBody = Callable[[HttpRequest], bool]
"""Given a request's head (body empty), whether its body should be streamed."""
log = logging.getLogger("lamina.http")

MAX_BODY_BYTES = 10 * 1024 * 1024
# API Gateway: "total combined size of request line and header values", 10240 bytes.
# https://docs.aws.amazon.com/apigateway/latest/developerguide/limits.html
MAX_HEAD_BYTES = 10240
LINGER_S = 2.0
"""How long a connection closing under a body still arriving keeps reading it."""


class HeadTooLarge(Exception):
    """Raised from a parser callback to stop parsing an oversized request head."""


_REASONS = {status.value: status.phrase.encode() for status in HTTPStatus}
_date_cache: tuple[int, bytes] = (0, b"")


def _date_header() -> bytes:
    global _date_cache
    now = int(time.time())
    if _date_cache[0] != now:
        _date_cache = (now, formatdate(now, usegmt=True).encode())
    return _date_cache[1]


def encode_response(response: HttpResponse, *, keep_alive: bool, head: bool) -> bytes:
    """The status line, headers and `body` (a `stream` follows separately)."""
    reason = _REASONS.get(response.status, b"Unknown")
    parts = [b"HTTP/1.1 %d %s\r\n" % (response.status, reason)]
    for name, value in response.headers:
        parts.append(b"%s: %s\r\n" % (name, value))
    chunked = response.chunked
    if chunked:
        parts.append(b"transfer-encoding: chunked\r\n")
    else:
        parts.append(b"content-length: %d\r\n" % response.content_length)
    parts.append(b"date: %s\r\n" % _date_header())
    if not keep_alive:
        parts.append(b"connection: close\r\n")
    parts.append(b"\r\n")
    if not head and response.body:
        parts.append(chunk(response.body) if chunked else response.body)
    return b"".join(parts)


def chunk(data: bytes) -> bytes:
    """One chunk of chunked transfer coding (RFC 9112, 7.1)."""
    return b"%x\r\n%s\r\n" % (len(data), data)


LAST_CHUNK = b"0\r\n\r\n"


class _Pending:
    __slots__ = ("keep_alive", "request")

    def __init__(self, request: HttpRequest, keep_alive: bool) -> None:
        self.request = request
        self.keep_alive = keep_alive


class HttpProtocol(asyncio.Protocol):
    def __init__(
        self,
        handler: Handler,
        connections: set[HttpProtocol],
        tls: ServerTls | None = None,
        streams_body: StreamsBody | None = None,
    ) -> None:
        self._handler = handler
        self._streams_body = streams_body
        self._stream: BodyReader | None = None
        """The body being streamed to the request in hand, until its message completes."""
        self._expects_continue = False
        self._writable: asyncio.Future[None] | None = None
        """Set while the transport's write buffer is over its high-water mark."""
        self._connections = connections
        self._tls = tls
        self._session: TlsSession | None = None
        self._transport: asyncio.Transport | None = None
        self._parser = httptools.HttpRequestParser(self)
        self._client = ""
        self._port = 0
        self._queue: collections.deque[_Pending] = collections.deque()
        self._task: asyncio.Task[None] | None = None
        self._streaming = False
        """Whether a streamed response body is being sent (connection_lost cancels it)."""
        self._idle: asyncio.Future[None] | None = None
        self._url = b""
        self._headers: list[tuple[str, str]] = []
        self._body: list[bytes] = []
        self._body_size = 0
        self._too_large = False
        self._answered_early = False
        self._head_size = 0
        self._in_body = False
        """Between a request's head and the end of its body."""
        self._head: HttpRequest | None = None
        """The request built from its head when the application was asked whether to
        stream its body and declined: completed with the buffered body, not built again."""
        self._closing = False

    # -- transport callbacks
    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        # uvloop's TCPTransport implements asyncio.Transport without subclassing it.
        self._transport = cast(asyncio.Transport, transport)
        sock = transport.get_extra_info("socket")
        if sock is not None and sock.family in (socket.AF_INET, socket.AF_INET6):
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        peer = transport.get_extra_info("peername")
        self._client = peer[0] if isinstance(peer, tuple) else "127.0.0.1"
        local = transport.get_extra_info("sockname")
        self._port = local[1] if isinstance(local, tuple) else 0
        if self._tls is not None:
            # asyncio calls connection_made once the handshake is done.
            connection = transport.get_extra_info("ssl_object")
            if connection is not None:
                try:
                    self._session = self._tls.session(connection)
                except TlsRefused:  # below the domain's security policy: no request read
                    self._transport.abort()
                    return
        self._connections.add(self)

    def connection_lost(self, exc: Exception | None) -> None:
        self._connections.discard(self)
        self._closing = True
        self._transport = None
        if self._streaming and self._task is not None and not self._task.done():
            # The client left during a streamed answer: stop producing it (an event stream
            # would otherwise run until its next write fails, or for hours).
            self._task.cancel()
        if self._idle is not None and not self._idle.done():
            self._idle.set_result(None)
        if self._stream is not None:
            self._stream.fail()
            self._stream = None
        if self._writable is not None and not self._writable.done():
            self._writable.set_result(None)

    def pause_writing(self) -> None:
        if self._writable is None:
            self._writable = asyncio.get_running_loop().create_future()

    def resume_writing(self) -> None:
        if self._writable is not None:
            if not self._writable.done():
                self._writable.set_result(None)
            self._writable = None

    # -- flow control of a streamed request body (body.Flow)
    def pause_reading(self) -> None:
        if self._transport is not None:
            self._transport.pause_reading()

    def resume_reading(self) -> None:
        if self._transport is not None:
            self._transport.resume_reading()

    def go_ahead(self) -> None:
        if self._expects_continue and self._transport is not None:
            self._expects_continue = False
            self._transport.write(b"HTTP/1.1 100 Continue\r\n\r\n")

    def data_received(self, data: bytes) -> None:
        try:
            self._parser.feed_data(data)
        except httptools.HttpParserUpgrade:
            self._reject(400)
        except httptools.HttpParserError:
            self._reject(431 if self._head_size > MAX_HEAD_BYTES else 400)

    # -- parser callbacks
    def on_message_begin(self) -> None:
        self._head_size = 0
        self._url = b""
        self._headers = []
        self._body = []
        self._body_size = 0
        self._too_large = False
        self._answered_early = False
        self._expects_continue = False
        self._in_body = True
        self._head = None

    def on_url(self, url: bytes) -> None:
        self._url += url
        self._count_head(len(url))

    def on_header(self, name: bytes, value: bytes) -> None:
        self._count_head(len(name) + len(value))
        self._headers.append((name.decode("latin-1"), value.decode("latin-1")))

    def _count_head(self, size: int) -> None:
        self._head_size += size
        if self._head_size > MAX_HEAD_BYTES:
            raise HeadTooLarge  # the parser stops; data_received answers 431

    def on_headers_complete(self) -> None:
        expects_continue = False
        # A body comes with a Content-Length above 0 or a Transfer-Encoding (RFC 9112,
        # 6.3); only then is the application asked whether to stream it (most have none).
        has_body = False
        for name, value in self._headers:
            lowered = name.lower()
            if lowered == "content-length":
                has_body = value != "0"
                if value.isdigit() and int(value) > MAX_BODY_BYTES:
                    self._too_large = True
            elif lowered == "transfer-encoding":
                has_body = True
            elif lowered == "expect" and value.lower() == "100-continue":
                expects_continue = True
        if has_body and self._streams_body is not None and self._stream_now(expects_continue):
            return
        if self._too_large:
            # Answer now, without waiting for (or reading) a body we will not accept.
            self._answered_early = True
            self._complete()
        elif expects_continue and self._transport is not None:
            self._transport.write(b"HTTP/1.1 100 Continue\r\n\r\n")

    def _stream_now(self, expects_continue: bool) -> bool:
        """Hand the request over now, its body to follow, if the application wants that."""
        assert self._streams_body is not None
        too_large, self._too_large = self._too_large, False  # no cap on a streamed body
        request = self._request(b"")
        if not self._streams_body(request):
            self._too_large = too_large
            self._head = request
            return False
        self._expects_continue = expects_continue
        self._stream = request.stream = BodyReader(self)
        self._answered_early = True  # on_message_complete only ends the stream
        self._queue.append(_Pending(request, self._parser.should_keep_alive()))
        self._wake()
        return True

    def on_body(self, body: bytes) -> None:
        if self._stream is not None:
            self._stream.feed(body)
            return
        if self._too_large:
            return
        self._body_size += len(body)
        if self._body_size > MAX_BODY_BYTES:
            self._too_large = True
            self._body = []
            return
        self._body.append(body)

    def on_message_complete(self) -> None:
        self._in_body = False
        if self._stream is not None:
            self._stream.end()
            self._stream = None
        elif not self._answered_early:
            self._complete()

    def _request(self, body: bytes) -> HttpRequest:
        url = httptools.parse_url(self._url)
        raw_path = (url.path or b"/").decode("latin-1")
        query = (url.query or b"").decode("latin-1")
        return HttpRequest(
            method=self._parser.get_method().decode("ascii"),
            path=raw_path,
            query_string=query,
            headers=self._headers,
            body=body,
            client=self._client,
            http_version=self._parser.get_http_version(),
            body_too_large=self._too_large,
            server_port=self._port,
            tls=self._session,
        )

    def _complete(self) -> None:
        request = self._head
        if request is None:
            request = self._request(b"".join(self._body))
        else:
            request.body = b"".join(self._body)
            request.body_too_large = self._too_large
        keep_alive = self._parser.should_keep_alive() and not self._too_large
        self._queue.append(_Pending(request, keep_alive))
        self._wake()

    # -- handling
    def _wake(self) -> None:
        """Start the connection's answering task, or wake it if it waits for a request.
        One task per connection (not per request): a future is much cheaper than a task."""
        if self._task is None:
            self._task = asyncio.get_running_loop().create_task(self._drain())
        elif self._idle is not None and not self._idle.done():
            self._idle.set_result(None)

    async def _drain(self) -> None:
        loop = asyncio.get_running_loop()
        while not self._closing:
            if not self._queue:
                self._idle = loop.create_future()
                await self._idle
                self._idle = None
                continue
            pending = self._queue.popleft()
            try:
                response = await self._handler(pending.request)
            except Exception:
                log.exception("unhandled error answering %s", pending.request.path)
                response = HttpResponse(500, [], b"Internal Server Error")
            stream = pending.request.stream
            if stream is not None and not stream.ended:
                # Answered before its body ended (refused on its head): the rest of the body
                # is dropped and the connection closed, as it cannot carry another request.
                stream.discard()
                pending.keep_alive = False
            transport = self._transport
            if transport is None:
                if response.stream is not None:
                    await response.stream.aclose()
                break
            head = pending.request.method == "HEAD"
            transport.write(encode_response(response, keep_alive=pending.keep_alive, head=head))
            if response.stream is not None and not await self._send(response, head):
                pending.keep_alive = False
            if not pending.keep_alive or self._closing:
                self._closing = True
                if self._transport is not None:
                    self._close_after_answer(self._transport)
                break

    def _close_after_answer(self, transport: asyncio.Transport) -> None:
        """Close once the answer is out. A client still sending a body we refused (over
        the cap, or a streamed upload refused on its head) would, on a plain close, get a
        reset that can destroy the answer before it reads it: stop writing, keep reading
        (and dropping) for a moment, then close (a "lingering close", as nginx does)."""
        if not self._in_body:
            transport.close()
            return
        if transport.can_write_eof():
            transport.write_eof()
        asyncio.get_running_loop().call_later(LINGER_S, transport.close)

    async def _send(self, response: HttpResponse, head: bool) -> bool:
        """Write a response's stream as the socket drains; False when it could not be
        sent whole (the connection then closes: its Content-Length was promised)."""
        stream = response.stream
        assert stream is not None
        chunked = stream.length is None
        sent = 0
        self._streaming = True
        try:
            if head:
                return True
            async for piece in stream.chunks:
                if self._transport is None:
                    return False
                if not piece:
                    continue  # an empty chunk would end a chunked body
                self._transport.write(chunk(piece) if chunked else piece)
                sent += len(piece)
                if self._writable is not None:
                    await self._writable
        except asyncio.CancelledError:
            return False  # connection_lost, or the server stopping
        except Exception:
            log.exception("streaming a response body failed after %d bytes", sent)
            return False
        finally:
            self._streaming = False
            await stream.aclose()
        if chunked:
            if self._transport is None:
                return False
            self._transport.write(LAST_CHUNK)
            return True
        return sent == stream.length

    def _reject(self, status: int) -> None:
        if self._transport is None:
            return
        body = HTTPStatus(status).phrase.encode()
        response = HttpResponse(status, [(b"content-type", b"text/plain")], body)
        self._transport.write(encode_response(response, keep_alive=False, head=False))
        self._closing = True
        self._transport.close()

    def abort(self) -> None:
        """Shutdown after the grace period: drop the connection (a streamed answer in
        flight is cancelled by connection_lost)."""
        if self._transport is not None:
            self._transport.abort()

    def close_when_idle(self) -> None:
        """Shutdown: close now if nothing is in flight, otherwise after the current reply."""
        self._closing = True
        waiting = self._task is None or (self._idle is not None and not self._idle.done())
        if waiting and self._transport is not None:
            self._transport.close()
        if self._idle is not None and not self._idle.done():
            self._idle.set_result(None)


class HttpServer:
    def __init__(
        self,
        handler: Handler,
        tls: ServerTls | None = None,
        *,
        streams_body: StreamsBody | None = None,
    ) -> None:
        self._handler = handler
        self._streams_body = streams_body
        """Which requests' bodies are streamed (see the module docstring); None: none."""
        self._tls = tls
        """HTTPS when set: its context (with SNI dispatch) wraps every connection."""
        self._connections: set[HttpProtocol] = set()
        self._server: asyncio.Server | None = None

    async def start(self, host: str, port: int) -> list[tuple[str, int]]:
        loop = asyncio.get_running_loop()
        self._server = await loop.create_server(
            lambda: HttpProtocol(self._handler, self._connections, self._tls, self._streams_body),
            host=host,
            port=port,
            reuse_address=True,
            backlog=1024,
            ssl=self._tls.context if self._tls is not None else None,
        )
        return [sock.getsockname()[:2] for sock in self._server.sockets]

    async def stop(self, grace_s: float = 5.0) -> None:
        if self._server is None:
            return
        self._server.close()
        for connection in list(self._connections):
            connection.close_when_idle()
        deadline = time.monotonic() + grace_s
        while self._connections and time.monotonic() < deadline:
            await asyncio.sleep(0.02)
        for connection in list(self._connections):
            connection.abort()
        await asyncio.sleep(0)  # let the cancelled streams unwind
        await self._server.wait_closed()
        self._server = None
