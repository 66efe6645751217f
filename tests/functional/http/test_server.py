"""The HTTP server over real loopback sockets."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import orjson
import pytest

from lamina.http.message import HttpRequest, HttpResponse
from lamina.http.server import MAX_BODY_BYTES, HttpServer


async def _echo(request: HttpRequest) -> HttpResponse:
    doc = {
        "method": request.method,
        "path": request.path,
        "query": request.query_string,
        "headers": request.headers,
        "body_len": len(request.body),
        "too_large": request.body_too_large,
    }
    return HttpResponse(200, [(b"content-type", b"application/json")], orjson.dumps(doc))


@pytest.fixture
async def port() -> AsyncIterator[int]:
    server = HttpServer(_echo)
    bound = await server.start("127.0.0.1", 0)
    yield bound[0][1]
    await server.stop(grace_s=1)


async def _exchange(port: int, raw: bytes, responses: int = 1) -> list[tuple[bytes, bytes]]:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(raw)
    await writer.drain()
    out = []
    for _ in range(responses):
        head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 5)
        length = int(head.lower().split(b"content-length: ")[1].split(b"\r\n")[0])
        body = await asyncio.wait_for(reader.readexactly(length), 5)
        out.append((head, body))
    writer.close()
    return out


async def test_server_header_case_is_kept(port: int) -> None:
    raw = b"GET /a%20b?x=1 HTTP/1.1\r\nHost: h\r\nX-Mixed-Case: v\r\n\r\n"
    [(head, body)] = await _exchange(port, raw)
    doc = orjson.loads(body)
    assert head.startswith(b"HTTP/1.1 200 OK\r\n")
    assert ["X-Mixed-Case", "v"] in doc["headers"]
    assert doc["path"] == "/a%20b" and doc["query"] == "x=1"


async def test_server_pipelined_requests_answered_in_order(port: int) -> None:
    raw = b"".join(b"GET /%d HTTP/1.1\r\nHost: h\r\n\r\n" % i for i in range(3))
    replies = await _exchange(port, raw, responses=3)
    assert [orjson.loads(body)["path"] for _, body in replies] == ["/0", "/1", "/2"]


async def test_server_body_over_limit_is_flagged_and_connection_closed(port: int) -> None:
    raw = b"POST / HTTP/1.1\r\nHost: h\r\nContent-Length: %d\r\n\r\n" % (MAX_BODY_BYTES + 1)
    [(head, body)] = await _exchange(port, raw)
    assert orjson.loads(body)["too_large"] is True
    assert b"connection: close" in head.lower()


async def test_server_expect_continue_gets_100(port: int) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(b"POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\nExpect: 100-continue\r\n\r\n")
    interim = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 5)
    assert interim.startswith(b"HTTP/1.1 100 Continue")
    writer.write(b"abc")
    head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 5)
    assert head.startswith(b"HTTP/1.1 200")
    writer.close()


async def test_server_chunked_body_is_assembled(port: int) -> None:
    raw = (
        b"POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n"
        b"3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n"
    )
    [(_, body)] = await _exchange(port, raw)
    assert orjson.loads(body)["body_len"] == 5


async def test_server_garbage_gets_400(port: int) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(b"NOT HTTP AT ALL\r\n\r\n")
    head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 5)
    assert head.startswith(b"HTTP/1.1 400")
    writer.close()


async def test_server_head_over_10240_bytes_gets_431(port: int) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(b"GET / HTTP/1.1\r\nHost: h\r\nX-Big: " + b"a" * 11_000 + b"\r\n\r\n")
    head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 5)
    assert head.startswith(b"HTTP/1.1 431")
    writer.close()


async def test_server_head_just_under_limit_is_served(port: int) -> None:
    raw = b"GET / HTTP/1.1\r\nHost: h\r\nX-Big: " + b"a" * 9_000 + b"\r\n\r\n"
    [(head, _)] = await _exchange(port, raw)
    assert head.startswith(b"HTTP/1.1 200")
