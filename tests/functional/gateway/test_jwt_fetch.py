"""The key-set fetcher against real HTTP servers on 127.0.0.1: the response framings an
identity provider may use (Content-Length, chunked, close-delimited), redirects, and the
failures that must surface as FetchError rather than hang or crash."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable

import pytest

from lamina.gateway.auth.fetch import FetchError, get_json

Reply = Callable[[str], bytes]


@pytest.fixture
async def serve() -> AsyncIterator[Callable[[Reply], Awaitable[str]]]:
    servers: list[asyncio.Server] = []

    async def start(reply: Reply) -> str:
        async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            request = await reader.readuntil(b"\r\n\r\n")
            path = request.split(b" ", 2)[1].decode()
            writer.write(reply(path))
            await writer.drain()
            writer.close()

        server = await asyncio.start_server(handle, "127.0.0.1", 0)
        servers.append(server)
        return f"http://127.0.0.1:{server.sockets[0].getsockname()[1]}"

    yield start
    for server in servers:
        server.close()
        await server.wait_closed()


def _response(status: str, body: bytes, *headers: str) -> bytes:
    head = "\r\n".join([f"HTTP/1.1 {status}", *headers, "", ""])
    return head.encode() + body


async def test_get_json_with_content_length(serve: Callable[[Reply], Awaitable[str]]) -> None:
    body = b'{"keys": []}'
    url = await serve(lambda _: _response("200 OK", body, f"Content-Length: {len(body)}"))
    assert await get_json(f"{url}/jwks.json") == {"keys": []}


async def test_get_json_chunked(serve: Callable[[Reply], Awaitable[str]]) -> None:
    chunks = b'5\r\n{"a":\r\n3\r\n 1}\r\n0\r\n\r\n'
    url = await serve(lambda _: _response("200 OK", chunks, "Transfer-Encoding: chunked"))
    assert await get_json(url) == {"a": 1}


async def test_get_json_close_delimited(serve: Callable[[Reply], Awaitable[str]]) -> None:
    url = await serve(lambda _: _response("200 OK", b'{"b": 2}'))
    assert await get_json(url) == {"b": 2}


async def test_get_json_follows_a_redirect(serve: Callable[[Reply], Awaitable[str]]) -> None:
    def reply(path: str) -> bytes:
        if path == "/old":
            return _response("302 Found", b"", "Location: /new", "Content-Length: 0")
        return _response("200 OK", b'{"path": "new"}', "Content-Length: 15")

    url = await serve(reply)
    assert await get_json(f"{url}/old") == {"path": "new"}


async def test_get_json_refuses_errors_and_non_json(
    serve: Callable[[Reply], Awaitable[str]],
) -> None:
    missing = await serve(lambda _: _response("404 Not Found", b"", "Content-Length: 0"))
    with pytest.raises(FetchError, match="answered 404"):
        await get_json(missing)
    html = await serve(lambda _: _response("200 OK", b"<html>", "Content-Length: 6"))
    with pytest.raises(FetchError, match="did not return JSON"):
        await get_json(html)


async def test_get_json_refused_connection_and_timeout() -> None:
    with pytest.raises(FetchError, match="failed"):
        await get_json("http://127.0.0.1:1/jwks.json")

    async def silent(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await asyncio.sleep(5)

    server = await asyncio.start_server(silent, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    try:
        with pytest.raises(FetchError, match="timed out"):
            await get_json(f"http://127.0.0.1:{port}/", timeout_s=0.2)
    finally:
        server.close()


async def test_get_json_only_speaks_http_urls() -> None:
    with pytest.raises(FetchError, match="not an http"):
        await get_json("file:///etc/passwd")
