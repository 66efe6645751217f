"""Streamed bodies over real loopback sockets: a request body the application asked for
streams past the 10 MB buffered cap (Content-Length or chunked), other requests keep the
cap, a streamed answer is sent from a file, and the connection carries requests after."""

from __future__ import annotations

import asyncio
import hashlib
import os
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from lamina.http.body import IncompleteBody, StreamedBody, file_body
from lamina.http.message import HttpRequest, HttpResponse
from lamina.http.server import MAX_BODY_BYTES, HttpServer

MIB = 1024 * 1024


class _App:
    def __init__(self, file: Path) -> None:
        self.file = file
        self.largest_read = 0
        self.incomplete = 0
        self.asked: list[str] = []
        """The methods of the requests streams_body was asked about."""

    def streams_body(self, head: HttpRequest) -> bool:
        self.asked.append(head.method)
        return head.path == "/stream"

    async def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path == "/events":
            return HttpResponse(200, [], b"first;", stream=StreamedBody(None, _events()))
        if request.path == "/file":
            descriptor = os.open(self.file, os.O_RDONLY)
            body = file_body(descriptor, 0, self.file.stat().st_size)
            return HttpResponse(200, [], b"", stream=body)
        if request.stream is None:
            status = 413 if request.body_too_large else 200
            return HttpResponse(status, [], hashlib.md5(request.body).hexdigest().encode())
        digest = hashlib.md5()
        try:
            while piece := await request.stream.read():
                self.largest_read = max(self.largest_read, len(piece))
                digest.update(piece)
        except IncompleteBody:
            self.incomplete += 1
            return HttpResponse(400, [], b"incomplete")
        return HttpResponse(200, [], digest.hexdigest().encode())


async def _events() -> AsyncIterator[bytes]:
    """Pieces produced over time, their number unknown up front (an event stream)."""
    for index in range(3):
        await asyncio.sleep(0.01)
        yield b""  # nothing to send yet: must not end the chunked body
        yield f"event-{index};".encode()


@pytest.fixture
async def served(tmp_path: Path) -> AsyncIterator[tuple[str, _App]]:
    file = tmp_path / "answer.bin"
    file.write_bytes(os.urandom(3 * MIB) * 7)
    app = _App(file)
    server = HttpServer(app, streams_body=app.streams_body)
    bound = await server.start("127.0.0.1", 0)
    yield f"http://127.0.0.1:{bound[0][1]}", app
    await server.stop(grace_s=1)


async def test_streamed_body_passes_the_cap_in_bounded_pieces(
    served: tuple[str, _App],
) -> None:
    base, app = served
    data = os.urandom(MIB) * 24
    async with httpx.AsyncClient(timeout=60) as client:
        streamed = await client.put(f"{base}/stream", content=data)
        assert streamed.text == hashlib.md5(data).hexdigest()

        async def pieces() -> AsyncIterator[bytes]:  # Transfer-Encoding: chunked
            for start in range(0, len(data), 3 * MIB):
                yield data[start : start + 3 * MIB]

        chunked = await client.put(f"{base}/stream", content=pieces())
        assert chunked.text == hashlib.md5(data).hexdigest()
        # The same connection goes on serving (keep-alive after a streamed body).
        buffered = await client.put(f"{base}/buffered", content=b"small")
        assert buffered.text == hashlib.md5(b"small").hexdigest()
        refused = await client.put(f"{base}/buffered", content=b"x" * (MAX_BODY_BYTES + 1))
        assert refused.status_code == 413
    # Reads hand over what arrived, about a megabyte at most (memory stays flat).
    assert 0 < app.largest_read <= 2 * MIB


async def test_only_requests_with_a_body_are_asked_whether_to_stream_it(
    served: tuple[str, _App],
) -> None:
    base, app = served
    async with httpx.AsyncClient(timeout=60) as client:
        assert (await client.get(f"{base}/stream")).status_code == 200
        empty = await client.put(f"{base}/stream", content=b"")  # Content-Length: 0
        assert empty.text == hashlib.md5(b"").hexdigest()
        assert app.asked == []
        sent = await client.put(f"{base}/stream", content=b"abc")
        assert sent.text == hashlib.md5(b"abc").hexdigest()
    assert app.asked == ["PUT"]


async def test_streamed_answer_from_a_file(served: tuple[str, _App]) -> None:
    base, app = served
    async with httpx.AsyncClient(timeout=60) as client:
        answer = await client.get(f"{base}/file")
        assert answer.headers["content-length"] == str(21 * MIB)
        assert answer.content == app.file.read_bytes()
        head = await client.head(f"{base}/file")
        assert head.headers["content-length"] == str(21 * MIB) and head.content == b""
        again = await client.get(f"{base}/file")
        assert len(again.content) == 21 * MIB


async def test_a_client_gone_mid_body_ends_the_read(served: tuple[str, _App]) -> None:
    base, app = served
    port = int(base.rsplit(":", 1)[1])
    _, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(b"PUT /stream HTTP/1.1\r\nHost: h\r\nContent-Length: 1000000\r\n\r\n" + b"x" * 10)
    await writer.drain()
    writer.close()
    await writer.wait_closed()
    for _ in range(100):
        if app.incomplete:
            break
        await asyncio.sleep(0.02)
    assert app.incomplete == 1
    # The server is still there for others.
    async with httpx.AsyncClient(timeout=10) as client:
        answer = await client.put(f"{base}/stream", content=b"after")
        assert answer.text == hashlib.md5(b"after").hexdigest()


async def test_a_stream_of_unknown_length_is_sent_chunked(served: tuple[str, _App]) -> None:
    """RFC 9112, 7.1: no Content-Length, Transfer-Encoding: chunked, and a last chunk; the
    connection then serves the next request."""
    base, _ = served
    async with httpx.AsyncClient(timeout=10) as client:
        pieces = []
        async with client.stream("GET", f"{base}/events") as answer:
            assert answer.headers["transfer-encoding"] == "chunked"
            assert "content-length" not in answer.headers
            async for piece in answer.aiter_raw():
                pieces.append(piece)
        assert b"".join(pieces) == b"first;event-0;event-1;event-2;"
        after = await client.put(f"{base}/buffered", content=b"next")
        assert after.text == hashlib.md5(b"next").hexdigest()
