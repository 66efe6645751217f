"""The ceiling: the smallest ASGI app, served the way Lamina's edge is served.

`bench/run.py` runs it under uvicorn (uvloop + httptools, one process, no access log)
and loads it with the same wrk settings as Lamina, so "ratio to ceiling" compares
Lamina's gateway and runtime against the HTTP server alone on the same machine.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]

BODY = b"hello"
HEADERS = [(b"content-type", b"text/plain"), (b"content-length", str(len(BODY)).encode())]


async def app(scope: Scope, receive: Receive, send: Send) -> None:
    if scope["type"] == "lifespan":
        await serve_lifespan(receive, send)
        return
    await send({"type": "http.response.start", "status": 200, "headers": HEADERS})
    await send({"type": "http.response.body", "body": BODY})


async def serve_lifespan(receive: Receive, send: Send) -> None:
    """Acknowledge startup and shutdown, so uvicorn logs no lifespan warning."""
    while True:
        message = await receive()
        if message["type"] == "lifespan.startup":
            await send({"type": "lifespan.startup.complete"})
        elif message["type"] == "lifespan.shutdown":
            await send({"type": "lifespan.shutdown.complete"})
            return
