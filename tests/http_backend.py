"""A loopback HTTP backend for HTTP / HTTP_PROXY integration tests (asyncio + httptools).

    /status/{code}   answers that status with {"code": code}
    /slow/{ms}       waits ms milliseconds, then echoes
    anything else    200 with the request echoed as JSON: method, path, query, headers
                     (lowercased names, in order), body

Every answer carries `Server: echo-backend`, `X-Backend: yes` and JSON. Keeps connections
alive as HTTP/1.1 does, so pooled clients reuse them (`connections` counts accepted ones).
`BackendThread` runs one on its own loop in a thread (for a `lamina up` process to call).
"""

from __future__ import annotations

import asyncio
import threading
from typing import Any

import httptools
import orjson


class _Request:
    def __init__(self) -> None:
        self.url = b""
        self.headers: list[tuple[str, str]] = []
        self.body = b""
        self.done = False

    def on_url(self, url: bytes) -> None:
        self.url += url

    def on_header(self, name: bytes, value: bytes) -> None:
        self.headers.append((name.decode("latin-1").lower(), value.decode("latin-1")))

    def on_body(self, body: bytes) -> None:
        self.body += body

    def on_message_complete(self) -> None:
        self.done = True


class EchoBackend:
    def __init__(self) -> None:
        self.connections = 0
        self.requests: list[dict[str, Any]] = []
        self._server: asyncio.Server | None = None
        self._writers: set[asyncio.StreamWriter] = set()

    async def start(self) -> str:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        port = self._server.sockets[0].getsockname()[1]
        return f"http://127.0.0.1:{port}"

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
            for writer in list(self._writers):
                writer.close()
            await self._server.wait_closed()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        self._writers.add(writer)
        try:
            while True:
                request = _Request()
                parser = httptools.HttpRequestParser(request)
                while not request.done:
                    data = await reader.read(65536)
                    if not data:
                        return
                    parser.feed_data(data)
                method = parser.get_method().decode()
                writer.write(await self._answer(method, request))
                await writer.drain()
                if not parser.should_keep_alive():
                    return
        except (ConnectionError, httptools.HttpParserError):
            return
        finally:
            self._writers.discard(writer)
            writer.close()

    async def _answer(self, method: str, request: _Request) -> bytes:
        url = httptools.parse_url(request.url)
        path = url.path.decode()
        query = (url.query or b"").decode()
        seen = {
            "method": method,
            "path": path,
            "query": query,
            "headers": request.headers,
            "body": request.body.decode("utf-8", errors="replace"),
        }
        self.requests.append(seen)
        status = 200
        body = orjson.dumps(seen)
        if path.startswith("/status/"):
            status = int(path.removeprefix("/status/"))
            body = orjson.dumps({"code": status, "message": "from backend"})
        elif path.startswith("/slow/"):
            await asyncio.sleep(int(path.removeprefix("/slow/")) / 1000)
        head = (
            f"HTTP/1.1 {status} X\r\ncontent-type: application/json\r\n"
            f"server: echo-backend\r\nx-backend: yes\r\ncontent-length: {len(body)}\r\n\r\n"
        )
        return head.encode() + body


class BackendThread:
    """An EchoBackend served from a thread (for another process to call)."""

    def __init__(self) -> None:
        self.backend = EchoBackend()
        self.url = ""
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)

    def __enter__(self) -> BackendThread:
        self._thread.start()
        started = asyncio.run_coroutine_threadsafe(self.backend.start(), self._loop)
        self.url = started.result(timeout=10)
        return self

    def __exit__(self, *exc: object) -> None:
        asyncio.run_coroutine_threadsafe(self.backend.stop(), self._loop).result(timeout=10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=10)
        self._loop.close()
