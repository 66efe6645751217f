"""A second reference: Lamina's own HTTP server (httptools on uvloop) answering a fixed
200 "hello" with no gateway and no function. Lamina's edge uses this server instead of
uvicorn (API Gateway's 1.0 events keep header-name case, which ASGI loses), so the gap
between this line and Lamina's is the cost of the gateway and the process hop alone.

    python bench/own_server.py PORT
"""

from __future__ import annotations

import asyncio
import sys

import uvloop

from lamina.http.message import HttpRequest, HttpResponse
from lamina.http.server import HttpServer

BODY = b"hello"


async def hello(_: HttpRequest) -> HttpResponse:
    return HttpResponse(200, [(b"content-type", b"text/plain")], BODY)


async def serve(port: int) -> None:
    server = HttpServer(hello)
    await server.start("127.0.0.1", port)
    await asyncio.Event().wait()


if __name__ == "__main__":
    uvloop.run(serve(int(sys.argv[1])))
