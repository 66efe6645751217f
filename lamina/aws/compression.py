"""Request bodies the SDKs compress: botocore gzips the body of operations with the
`requestcompression` trait (CloudWatch PutMetricData) once it passes 10 KiB, and says so
with `Content-Encoding: gzip`. The signature covers the compressed bytes, so this runs after
authentication and before parsing.
https://smithy.io/2.0/spec/behavior-traits.html#requestcompression-trait
"""

from __future__ import annotations

import zlib

from lamina.aws.service import ServiceError
from lamina.http.message import HttpRequest

MAX_INFLATED_BYTES = 10 * 1024 * 1024
"""As much as the server accepts uncompressed (http.server.MAX_BODY_BYTES)."""


def decompressed(request: HttpRequest) -> HttpRequest:
    """The request with its gzip body inflated; unchanged without Content-Encoding: gzip."""
    encoding = (request.header("Content-Encoding") or "").strip().lower()
    if encoding != "gzip":
        return request
    inflater = zlib.decompressobj(wbits=16 + zlib.MAX_WBITS)
    try:
        body = inflater.decompress(request.body, MAX_INFLATED_BYTES)
    except zlib.error as error:
        raise ServiceError(
            "SerializationException", f"body: not a valid gzip stream ({error})", status=400
        ) from error
    if inflater.unconsumed_tail:
        raise ServiceError("RequestEntityTooLarge", "Request body is too large", status=413)
    return request.replace(
        headers=[(k, v) for k, v in request.headers if k.lower() != "content-encoding"],
        body=body,
    )
