"""A small asynchronous HTTP/1.1 GET for JSON documents (OIDC discovery, JWKS).

The gateway fetches an issuer's keys rarely (once per cache lifetime, or on an unknown
`kid`), so a full client library is not worth a runtime dependency: this speaks just
enough HTTP/1.1 over asyncio streams, with TLS from the standard library's default
context, a deadline, a size cap and a few redirects.
"""

from __future__ import annotations

import asyncio
import json
import ssl
from typing import Any
from urllib.parse import urljoin, urlsplit

from lamina.core.error import LaminaError

MAX_BODY_BYTES = 1 << 20
"""A key set is a few kilobytes; refuse anything absurd."""
MAX_REDIRECTS = 3
_REDIRECTS = frozenset({301, 302, 303, 307, 308})


class FetchError(LaminaError):
    """The document could not be fetched or was not JSON (the message says why)."""


async def get_json(url: str, *, timeout_s: float = 5.0) -> Any:
    """GET `url` and decode its JSON body; FetchError on any failure."""
    try:
        async with asyncio.timeout(timeout_s):
            for _ in range(MAX_REDIRECTS + 1):
                status, headers, body = await _get(url)
                location = headers.get("location")
                if status in _REDIRECTS and location:
                    url = urljoin(url, location)
                    continue
                if status != 200:
                    raise FetchError(f"GET {url} answered {status}")
                try:
                    return json.loads(body)
                except ValueError as error:
                    raise FetchError(f"GET {url} did not return JSON: {error}") from None
            raise FetchError(f"GET {url}: more than {MAX_REDIRECTS} redirects")
    except TimeoutError:
        raise FetchError(f"GET {url} timed out after {timeout_s:g}s") from None
    except (OSError, ssl.SSLError, asyncio.IncompleteReadError, ValueError) as error:
        raise FetchError(f"GET {url} failed: {error}") from None


async def _get(url: str) -> tuple[int, dict[str, str], bytes]:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise FetchError(f"{url!r} is not an http(s) URL")
    secure = parts.scheme == "https"
    port = parts.port or (443 if secure else 80)
    context = ssl.create_default_context() if secure else None
    reader, writer = await asyncio.open_connection(
        parts.hostname, port, ssl=context, server_hostname=parts.hostname if secure else None
    )
    try:
        target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        writer.write(
            f"GET {target} HTTP/1.1\r\nHost: {parts.netloc}\r\nAccept: application/json\r\n"
            "User-Agent: lamina-gateway\r\nConnection: close\r\n\r\n".encode("latin-1")
        )
        await writer.drain()
        return await _read_response(reader)
    finally:
        writer.close()


async def _read_response(reader: asyncio.StreamReader) -> tuple[int, dict[str, str], bytes]:
    status_line = (await reader.readline()).decode("latin-1").split(" ", 2)
    if len(status_line) < 2 or not status_line[0].startswith("HTTP/"):
        raise FetchError("not an HTTP response")
    status = int(status_line[1])
    headers: dict[str, str] = {}
    while line := (await reader.readline()).decode("latin-1").strip():
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    if "chunked" in headers.get("transfer-encoding", "").lower():
        return status, headers, await _read_chunked(reader)
    length = headers.get("content-length")
    if length is not None:
        if int(length) > MAX_BODY_BYTES:
            raise FetchError(f"body of {length} bytes is over {MAX_BODY_BYTES}")
        return status, headers, await reader.readexactly(int(length))
    body = await reader.read(MAX_BODY_BYTES + 1)
    if len(body) > MAX_BODY_BYTES:
        raise FetchError(f"body over {MAX_BODY_BYTES} bytes")
    return status, headers, body


async def _read_chunked(reader: asyncio.StreamReader) -> bytes:
    body = bytearray()
    while True:
        size = int((await reader.readline()).split(b";", 1)[0].strip() or b"0", 16)
        if size == 0:
            return bytes(body)
        if len(body) + size > MAX_BODY_BYTES:
            raise FetchError(f"body over {MAX_BODY_BYTES} bytes")
        body += await reader.readexactly(size)
        await reader.readline()  # the CRLF after each chunk
