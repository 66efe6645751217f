"""A streamed request body (S3's PutObject and UploadPart, up to 5 GB) as its handler reads
it: the bytes the client meant, checked against what the request signed, each byte hashed
once.

    x-amz-content-sha256: <hex>          SHA-256 of the bytes, compared at their end
                                         (400 XAmzContentSHA256Mismatch)
    UNSIGNED-PAYLOAD                     read as sent
    STREAMING-...                        aws-chunked framing removed, every chunk signature
                                         checked as the chunk ends (chunked.ChunkDecoder),
                                         trailing headers (a checksum) read at the end

An error is raised by the read that meets it, at the latest the last one (the one that
would answer b""), so a handler that commits only after that commits nothing unverified.
https://docs.aws.amazon.com/AmazonS3/latest/API/sig-v4-header-based-auth.html
https://docs.aws.amazon.com/AmazonS3/latest/API/sigv4-streaming.html
"""

from __future__ import annotations

import asyncio
import hashlib
from typing import Any

from lamina.aws.chunked import ChunkDecoder, check_decoded_length, chunk_decoder, is_chunked
from lamina.aws.rest_xml import content_sha256_mismatch
from lamina.aws.service import ServiceError
from lamina.aws.sigv4 import Signature
from lamina.http.body import BodyReader, IncompleteBody
from lamina.http.message import HttpRequest

_OFF_LOOP_BYTES = 64 * 1024
"""Pieces at least this large are hashed in a worker thread (hashlib releases the GIL),
so that the event loop keeps serving other requests during a large upload."""


class StreamedPayload:
    __slots__ = ("_decoder", "_done", "_reader", "_request", "_sha256", "trailers")

    def __init__(
        self,
        request: HttpRequest,
        reader: BodyReader,
        signature: Signature | None,
        secret: str | None,
    ) -> None:
        self._request = request
        self._reader = reader
        self._done = False
        self._decoder: ChunkDecoder | None = None
        self._sha256: Any = None
        if is_chunked(request):
            self._decoder = chunk_decoder(request, signature, secret)
        elif len(request.header("X-Amz-Content-SHA256") or "") == 64:
            self._sha256 = hashlib.sha256()
        self.trailers: list[tuple[str, str]] = []
        """Headers sent after an aws-chunked body (`x-amz-checksum-crc32: ...`), once read."""

    @property
    def chunked(self) -> bool:
        """aws-chunked: Content-Length counts the framing too, not only the object."""
        return self._decoder is not None

    @property
    def trailer_names(self) -> list[str]:
        """The trailing headers the request announced (`x-amz-trailer`), lowercased."""
        announced = self._request.header("X-Amz-Trailer") or ""
        return [name.strip().lower() for name in announced.split(",") if name.strip()]

    async def read(self) -> bytes:
        """The next bytes of the body; b"" at its (verified) end."""
        while not self._done:
            try:
                raw = await self._reader.read()
            except IncompleteBody as exc:
                raise _incomplete() from exc
            if not raw:
                self._finish()
                return b""
            data = await self._take(raw)
            if data:
                return data
        return b""

    async def _take(self, raw: bytes) -> bytes:
        if self._decoder is not None:
            decoder = self._decoder
            if len(raw) < _OFF_LOOP_BYTES:
                return decoder.feed(raw)
            return await asyncio.to_thread(decoder.feed, raw)
        if self._sha256 is not None:
            if len(raw) < _OFF_LOOP_BYTES:
                self._sha256.update(raw)
            else:
                await asyncio.to_thread(self._sha256.update, raw)
        return raw

    def _finish(self) -> None:
        self._done = True
        if self._decoder is not None:
            self.trailers = self._decoder.finish()
            check_decoded_length(self._request, self._decoder.decoded)
        elif self._sha256 is not None:
            declared = (self._request.header("X-Amz-Content-SHA256") or "").lower()
            computed = self._sha256.hexdigest()
            if declared != computed:
                raise content_sha256_mismatch(declared, computed)


def _incomplete() -> ServiceError:
    # https://docs.aws.amazon.com/AmazonS3/latest/API/ErrorResponses.html#ErrorCodeList
    return ServiceError(
        "IncompleteBody",
        "You did not provide the number of bytes specified by the Content-Length HTTP header",
        status=400,
    )


def streams_input(operation: Any) -> bool:
    """Whether an operation's payload is a streaming blob in its model (S3's PutObject and
    UploadPart `Body`), the bodies the server hands over as they arrive."""
    return bool(operation.has_streaming_input)


def bind_payload(
    operation: Any,
    params: dict[str, Any],
    request: HttpRequest,
    signature: Signature | None,
    secret: str | None,
) -> None:
    """Put a streamed request's payload in `params` under its member's name (`Body`)."""
    assert request.stream is not None
    member = operation.input_shape.serialization["payload"]
    params[member] = StreamedPayload(request, request.stream, signature, secret)
