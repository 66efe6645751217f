"""S3's `aws-chunked` uploads: the body arrives as signed (or unsigned) chunks, optionally
followed by trailing headers (a checksum); decode it back into the object's bytes, checking
every chunk signature against the chain that starts at the request's seed signature.

https://docs.aws.amazon.com/AmazonS3/latest/API/sigv4-streaming.html
https://docs.aws.amazon.com/AmazonS3/latest/API/sigv4-streaming-trailers.html
    <hex size>;chunk-signature=<sig>\\r\\n<data>\\r\\n ... 0;chunk-signature=<sig>\\r\\n
    [<trailer>:<value>\\r\\n ... x-amz-trailer-signature:<sig>\\r\\n]\\r\\n
chunk signature = HMAC(signing key, "AWS4-HMAC-SHA256-PAYLOAD\\n<date>\\n<scope>\\n<previous
signature>\\n<sha256 of ''>\\n<sha256 of the chunk data>")
"""

from __future__ import annotations

import hashlib
import hmac

from lamina.aws.service import ServiceError
from lamina.aws.sigv4 import Signature, signing_key
from lamina.http.message import HttpRequest

SIGNED = "STREAMING-AWS4-HMAC-SHA256-PAYLOAD"
SIGNED_TRAILER = "STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER"
UNSIGNED_TRAILER = "STREAMING-UNSIGNED-PAYLOAD-TRAILER"
_EMPTY_SHA256 = hashlib.sha256(b"").hexdigest()


def is_chunked(request: HttpRequest) -> bool:
    return (request.header("X-Amz-Content-SHA256") or "").startswith("STREAMING-")


def _incomplete() -> ServiceError:
    # https://docs.aws.amazon.com/AmazonS3/latest/API/ErrorResponses.html#ErrorCodeList
    return ServiceError(
        "IncompleteBody",
        "You did not provide the number of bytes specified by the Content-Length HTTP header",
        status=400,
    )


def _mismatch() -> ServiceError:
    return ServiceError(
        "SignatureDoesNotMatch",
        "The request signature we calculated does not match the signature you provided. "
        "Check your key and signing method.",
        status=403,
    )


class _Chain:
    """The signature chain: each chunk's signature covers the one before it."""

    def __init__(self, claim: Signature, secret: str, stamp: str) -> None:
        self._key = signing_key(secret, claim.date, claim.region, claim.service)
        self._prefix = f"{stamp}\n{claim.scope}\n"
        self.previous = claim.signature

    def check(self, kind: str, payload_hash: str, signature: str, empty: bool = True) -> None:
        middle = f"{_EMPTY_SHA256}\n" if empty else ""
        text = f"{kind}\n{self._prefix}{self.previous}\n{middle}{payload_hash}"
        expected = hmac.new(self._key, text.encode(), hashlib.sha256).hexdigest()
        if not hmac.compare_digest(expected, signature):
            raise _mismatch()
        self.previous = signature


def unchunk(request: HttpRequest, claim: Signature | None, secret: str | None) -> HttpRequest:
    """The request with its aws-chunked body decoded and trailing headers appended.
    `secret` None: the key is unknown and accepted unchecked (a lenient credential store)."""
    mode = request.header("X-Amz-Content-SHA256") or ""
    signed = mode in (SIGNED, SIGNED_TRAILER)
    if mode not in (SIGNED, SIGNED_TRAILER, UNSIGNED_TRAILER):
        raise ServiceError(
            "NotImplemented",
            f"Lamina does not implement the {mode} payload yet",
            status=501,
        )
    chain = None
    if signed and claim is not None and secret is not None:
        chain = _Chain(claim, secret, request.header("X-Amz-Date") or "")
    body, rest = _chunks(request.body, chain, signed)
    trailers = _trailers(rest, chain if mode == SIGNED_TRAILER else None)
    declared = request.header("X-Amz-Decoded-Content-Length")
    if declared is not None and declared != str(len(body)):
        raise _incomplete()
    return HttpRequest(
        method=request.method,
        path=request.path,
        query_string=request.query_string,
        headers=[*request.headers, *trailers],
        body=body,
        client=request.client,
        http_version=request.http_version,
        body_too_large=request.body_too_large,
        server_port=request.server_port,
        tls=request.tls,
    )


def _chunks(raw: bytes, chain: _Chain | None, signed: bool) -> tuple[bytes, bytes]:
    parts: list[bytes] = []
    position = 0
    while True:
        end = raw.find(b"\r\n", position)
        if end < 0:
            raise _incomplete()
        header = raw[position:end].decode("latin-1")
        size_text, _, extension = header.partition(";")
        try:
            size = int(size_text, 16)
        except ValueError as exc:
            raise _incomplete() from exc
        start = end + 2
        data = raw[start : start + size]
        if len(data) != size:
            raise _incomplete()
        if signed:
            name, _, signature = extension.partition("=")
            if name != "chunk-signature":
                raise _incomplete()
            if chain is not None:
                chain.check("AWS4-HMAC-SHA256-PAYLOAD", hashlib.sha256(data).hexdigest(), signature)
        position = start + size
        if size == 0:
            return b"".join(parts), raw[position:]
        if raw[position : position + 2] != b"\r\n":
            raise _incomplete()
        position += 2
        parts.append(data)


def _trailers(rest: bytes, chain: _Chain | None) -> list[tuple[str, str]]:
    """`name:value` lines after the last chunk; the trailer signature, when the payload
    signs them, covers the lines before it."""
    lines = [line for line in rest.decode("latin-1").split("\r\n") if line]
    headers: list[tuple[str, str]] = []
    signature = None
    for line in lines:
        name, _, value = line.partition(":")
        if name.lower() == "x-amz-trailer-signature":
            signature = value.strip()
        else:
            headers.append((name.strip(), value.strip()))
    if chain is not None:
        if signature is None:
            raise _mismatch()
        canonical = "".join(f"{name.lower()}:{value}\n" for name, value in headers)
        digest = hashlib.sha256(canonical.encode()).hexdigest()
        chain.check("AWS4-HMAC-SHA256-TRAILER", digest, signature, empty=False)
    return headers
