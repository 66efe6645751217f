"""Bodies too large to hold in memory: a request body read as it arrives, and a response
body sent from a file as the socket takes it.

Request (the application asked for the body to be streamed, see server.StreamsBody):

    server ── feed(piece) ──► BodyReader ──► read() ── application
           ◄─ pause/resume ─┘ (past HIGH_WATER buffered bytes the socket stops reading)

A reader's first read() is the application's go-ahead: a client that sent
`Expect: 100-continue` gets its `100 Continue` only then, so a request refused on its head
(unknown bucket, bad signature) is answered before the body is sent.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import os
from collections.abc import AsyncIterator
from typing import Protocol

HIGH_WATER = 1 << 20
"""Bytes a reader buffers before the connection stops reading from its socket."""
FILE_CHUNK = 1 << 20


class IncompleteBody(Exception):
    """The connection closed before the request body's end."""


class Flow(Protocol):
    """What a reader asks of its connection."""

    def pause_reading(self) -> None: ...

    def resume_reading(self) -> None: ...

    def go_ahead(self) -> None:
        """The application wants the body: answer `100 Continue` if the client waits."""
        ...


class BodyReader:
    __slots__ = (
        "_asked",
        "_buffered",
        "_dropping",
        "_ended",
        "_failed",
        "_flow",
        "_paused",
        "_pieces",
        "_waiter",
        "received",
    )

    def __init__(self, flow: Flow) -> None:
        self._flow = flow
        self._pieces: collections.deque[bytes] = collections.deque()
        self._buffered = 0
        self._ended = False
        self._failed = False
        self._paused = False
        self._asked = False
        self._dropping = False
        self._waiter: asyncio.Future[None] | None = None
        self.received = 0
        """Bytes received so far."""

    @property
    def ended(self) -> bool:
        """Whether the whole body arrived (the application may not have read it all)."""
        return self._ended

    # -- the server's side
    def feed(self, piece: bytes) -> None:
        self.received += len(piece)
        if self._dropping:
            return
        self._pieces.append(piece)
        self._buffered += len(piece)
        if self._buffered > HIGH_WATER and not self._paused:
            self._paused = True
            self._flow.pause_reading()
        self._wake()

    def end(self) -> None:
        self._ended = True
        self._wake()

    def fail(self) -> None:
        """The connection was lost before the end."""
        self._failed = True
        self._wake()

    def discard(self) -> None:
        """The application is done without reading it all: drop what came and comes."""
        self._dropping = True
        self._pieces.clear()
        self._buffered = 0
        self._asked = True
        if self._paused:
            self._paused = False
            self._flow.resume_reading()

    # -- the application's side
    async def read(self) -> bytes:
        """The bytes received since the last read (at most about HIGH_WATER); b"" once the
        body ended. Raises IncompleteBody when the connection closed before its end."""
        if not self._asked:
            self._asked = True
            self._flow.go_ahead()
        while not self._pieces:
            if self._ended:
                return b""
            if self._failed:
                raise IncompleteBody
            self._waiter = asyncio.get_running_loop().create_future()
            try:
                await self._waiter
            finally:
                self._waiter = None
        data = self._pieces.popleft() if len(self._pieces) == 1 else b"".join(self._pieces)
        self._pieces.clear()
        self._buffered = 0
        if self._paused:
            self._paused = False
            self._flow.resume_reading()
        return data

    def _wake(self) -> None:
        if self._waiter is not None and not self._waiter.done():
            self._waiter.set_result(None)


class StreamedBody:
    """A response body of `length` bytes, produced piece by piece by `chunks`; the server
    calls `aclose()` once it is done with it, sent whole or not (or not at all: HEAD).
    `length` None: not known in advance (an event stream); sent with chunked transfer
    coding (RFC 9112, 7.1) until `chunks` ends."""

    __slots__ = ("chunks", "length")

    def __init__(self, length: int | None, chunks: AsyncIterator[bytes]) -> None:
        self.length = length
        self.chunks = chunks

    async def aclose(self) -> None:
        close = getattr(self.chunks, "aclose", None)
        if close is not None:
            await close()


def file_body(descriptor: int, start: int, length: int) -> StreamedBody:
    """Bytes [start, start + length) of an open file, which the body owns and closes.
    (Holding the descriptor, the bytes stay readable even if the file is unlinked.)"""
    return StreamedBody(length, _FileChunks(descriptor, start, start + length))


class _FileChunks:
    """Pieces of a file range, each read in a worker thread while the previous one is
    being sent."""

    def __init__(self, descriptor: int, start: int, end: int) -> None:
        self._descriptor: int | None = descriptor
        self._offset = start
        self._end = end
        self._next: asyncio.Future[bytes] | None = None

    def __aiter__(self) -> _FileChunks:
        return self

    async def __anext__(self) -> bytes:
        if self._descriptor is None:
            raise StopAsyncIteration
        if self._next is None:
            if self._offset >= self._end:
                await self.aclose()
                raise StopAsyncIteration
            self._next = self._read(self._descriptor)
        data = await self._next
        self._next = None
        if not data:
            await self.aclose()
            raise OSError(f"file ended {self._end - self._offset} bytes early")
        self._offset += len(data)
        if self._offset < self._end:
            self._next = self._read(self._descriptor)  # read ahead
        return data

    def _read(self, descriptor: int) -> asyncio.Future[bytes]:
        size = min(FILE_CHUNK, self._end - self._offset)
        loop = asyncio.get_running_loop()
        return loop.run_in_executor(None, os.pread, descriptor, size, self._offset)

    async def aclose(self) -> None:
        descriptor, self._descriptor = self._descriptor, None
        if descriptor is None:
            return
        if self._next is not None:
            with contextlib.suppress(OSError):
                await self._next  # never close a descriptor a thread is reading
            self._next = None
        os.close(descriptor)


async def collected(body: StreamedBody) -> bytes:
    """A streamed body read whole (for callers that need bytes, e.g. an API Gateway
    integration whose answer is capped anyway)."""
    pieces = [piece async for piece in body.chunks]
    return b"".join(pieces)
