"""Object bytes in and out, in constant memory whatever the object's size.

In: an upload's `Body` (aws.payload.StreamedPayload as the server streams it, or bytes
from a caller holding it whole) goes piece by piece into a BlobWriter, which digests it
(MD5 for the ETag, the requested checksums) on the way; Content-MD5 and the checksums are
checked once the body ended and verified, and only then is the blob committed (fsync,
rename). Any failure, a dropped connection included, discards the temporary file.
Out: a GET answers a file range the server sends as the socket drains (http.body).
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Sequence
from typing import Any

from lamina.aws.payload import StreamedPayload
from lamina.aws.service import ServiceError
from lamina.http.body import StreamedBody, file_body
from lamina.services.s3.blob import BlobWriter, Written, read_range
from lamina.services.s3.checksum import Checksums
from lamina.services.s3.state import S3State, check_md5

_INLINE_BYTES = 64 * 1024
"""Smaller pieces are written on the event loop; larger ones in a worker thread."""
INLINE_ANSWER_BYTES = 256 * 1024
"""GET answers up to this size are read whole and sent in one write."""
MAX_UPLOAD_BYTES = 5 * 1024**3
"""PutObject's and UploadPart's limit, 5 GB.
https://docs.aws.amazon.com/AmazonS3/latest/userguide/upload-objects.html"""


async def receive(state: S3State, params: dict[str, Any]) -> tuple[Written, dict[str, str]]:
    """Store an upload's body as a new blob: (the blob, the verified checksums). Raises
    S3's errors (BadDigest, InvalidDigest, XAmzContentSHA256Mismatch, IncompleteBody,
    SignatureDoesNotMatch for a chunk, EntityTooLarge) with nothing stored."""
    body = params.get("Body")
    declared = params.get("ContentLength")
    framed = isinstance(body, StreamedPayload) and body.chunked
    if declared is not None and not framed and int(declared) > MAX_UPLOAD_BYTES:
        raise _entity_too_large(int(declared))
    if not isinstance(body, StreamedPayload):
        # Held whole (at most the server's buffered cap): one trip to a worker thread.
        return await asyncio.to_thread(_store_whole, state, params, body or b"")
    checksums = Checksums(params, body.trailer_names)
    writer = state.blobs.writer([checksums])  # creating a file: no need for a thread
    try:
        while piece := await body.read():
            if writer.size + len(piece) > MAX_UPLOAD_BYTES:
                raise _entity_too_large(writer.size + len(piece))
            await _write(writer, piece)
        return await asyncio.to_thread(_commit, writer, checksums, params, body.trailers)
    except BaseException:
        writer.discard()
        raise


def _store_whole(
    state: S3State, params: dict[str, Any], body: bytes
) -> tuple[Written, dict[str, str]]:
    checksums = Checksums(params, [])
    writer = state.blobs.writer([checksums])
    try:
        writer.write(body)
        return _commit(writer, checksums, params, [])
    except BaseException:
        writer.discard()
        raise


def _commit(
    writer: BlobWriter,
    checksums: Checksums,
    params: dict[str, Any],
    trailers: list[tuple[str, str]],
) -> tuple[Written, dict[str, str]]:
    """Check Content-MD5 and the checksums against the bytes written, then make them a blob
    (blocking: it fsyncs)."""
    verified = checksums.verified(params, trailers)
    check_md5(params, Written(writer.blob_id, writer.size, writer.md5))
    return writer.commit(), verified


def stored_encoding(value: str | None) -> str | None:
    """The Content-Encoding an object keeps: the request's without `aws-chunked`, which
    names the upload's framing, not the object's (`aws-chunked,gzip` keeps `gzip`); None
    when nothing is left. https://docs.aws.amazon.com/AmazonS3/latest/API/sigv4-streaming.html
    """
    if value is None:
        return None
    kept = [part.strip() for part in value.split(",") if part.strip().lower() != "aws-chunked"]
    return ",".join(kept) or None


def _entity_too_large(size: int) -> ServiceError:
    # https://docs.aws.amazon.com/AmazonS3/latest/API/ErrorResponses.html#ErrorCodeList
    return ServiceError(
        "EntityTooLarge",
        "Your proposed upload exceeds the maximum allowed object size.",
        status=400,
        fields={"ProposedSize": size, "MaxSizeAllowed": MAX_UPLOAD_BYTES},
    )


async def _write(writer: BlobWriter, piece: bytes) -> None:
    if len(piece) < _INLINE_BYTES:
        writer.write(piece)
    else:
        await asyncio.to_thread(writer.write, piece)


async def answer(state: S3State, blob_id: str, start: int, end: int) -> bytes | StreamedBody:
    """Bytes [start, end) of a blob as a GET's body: read whole when small, else a stream.
    The blob is opened before anything awaits (see BlobStore.open)."""
    descriptor = state.blobs.open(blob_id)
    if end - start <= _INLINE_BYTES:
        return read_range(descriptor, start, end)  # from the page cache, as fast as a hop
    if end - start <= INLINE_ANSWER_BYTES:
        return await asyncio.to_thread(read_range, descriptor, start, end)
    return file_body(descriptor, start, end - start)


async def copy(state: S3State, blob_id: str, start: int, end: int) -> Written:
    """A new blob holding bytes [start, end) of a blob (CopyObject, UploadPartCopy),
    opened before anything awaits (see BlobStore.open)."""
    descriptor = state.blobs.open(blob_id)
    return await asyncio.to_thread(state.blobs.copy, descriptor, start, end)


async def join(state: S3State, blob_ids: Sequence[str]) -> Written:
    """A new blob holding the blobs' bytes one after the other (CompleteMultipartUpload),
    each opened before anything awaits (see BlobStore.open)."""
    descriptors: list[int] = []
    try:
        for blob_id in blob_ids:
            descriptors.append(state.blobs.open(blob_id))
    except BaseException:
        for descriptor in descriptors:
            os.close(descriptor)
        raise
    return await asyncio.to_thread(state.blobs.join, descriptors)
