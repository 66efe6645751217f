"""S3's `aws-chunked` uploads: the body arrives as signed (or unsigned) chunks, optionally
followed by trailing headers (a checksum); decode it back into the object's bytes, checking
every chunk signature against the chain that starts at the request's seed signature.

https://docs.aws.amazon.com/AmazonS3/latest/API/sigv4-streaming.html
https://docs.aws.amazon.com/AmazonS3/latest/API/sigv4-streaming-trailers.html
The decoder is incremental, so an upload of any size streams through it (aws/payload.py).
    <hex size>;chunk-signature=<sig>\\r\\n<data>\\r\\n ... 0;chunk-signature=<sig>\\r\\n
    [<trailer>:<value>\\r\\n ... x-amz-trailer-signature:<sig>\\r\\n]\\r\\n
chunk signature = HMAC(signing key, "AWS4-HMAC-SHA256-PAYLOAD\\n<date>\\n<scope>\\n<previous
signature>\\n<sha256 of ''>\\n<sha256 of the chunk data>")
"""

from __future__ import annotations

import hashlib
import hmac
from typing import Any

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
        # As bytes: the line is latin-1, and compare_digest refuses non-ASCII str.
        if not hmac.compare_digest(expected.encode(), signature.encode()):
            raise _mismatch()
        self.previous = signature


class ChunkDecoder:
    """aws-chunked framing removed as the bytes arrive, in any pieces: `feed` returns the
    object's bytes found so far (checking each chunk's signature as it ends), `finish` the
    trailing headers once the body ended (raising IncompleteBody when it ended early).

    States: SIZE (a `<hex>;chunk-signature=<sig>` line) → DATA (that many bytes) → CRLF →
    SIZE ... until a 0-size chunk → TRAILERS (`name:value` lines until an empty one) → DONE.
    """

    _SIZE, _DATA, _CRLF, _TRAILERS, _DONE = range(5)
    _MAX_LINE = 8192

    def __init__(self, signed: bool, chain: _Chain | None, trailer_chain: _Chain | None) -> None:
        self._signed = signed
        self._chain = chain
        self._trailer_chain = trailer_chain
        self._state = self._SIZE
        self._line = bytearray()
        self._remaining = 0
        self._digest: Any = None
        self._signature = ""
        self._trailers: list[tuple[str, str]] = []
        self._trailer_signature: str | None = None
        self.decoded = 0
        """Object bytes decoded so far."""

    def feed(self, data: bytes) -> bytes:
        out: list[bytes] = []
        position, size = 0, len(data)
        while position < size:
            if self._state == self._DATA:
                take = min(self._remaining, size - position)
                piece = data if take == size else data[position : position + take]
                if self._digest is not None:
                    self._digest.update(piece)
                out.append(piece)
                position += take
                self._remaining -= take
                if self._remaining == 0:
                    self._end_chunk()
                continue
            newline = data.find(b"\n", position)
            if newline < 0:
                self._line += data[position:]
                if len(self._line) > self._MAX_LINE:
                    raise _incomplete()
                break
            self._line += data[position : newline + 1]
            position = newline + 1
            line = bytes(self._line)
            self._line.clear()
            if not line.endswith(b"\r\n"):
                raise _incomplete()
            self._on_line(line[:-2].decode("latin-1"))
        decoded = out[0] if len(out) == 1 else b"".join(out)
        self.decoded += len(decoded)
        return decoded

    def finish(self) -> list[tuple[str, str]]:
        """The trailing headers, their signature checked when the payload signs them."""
        if self._state == self._TRAILERS and self._line:
            # A last trailer line without its CRLF: taken as sent.
            self._on_line(bytes(self._line).decode("latin-1").rstrip("\r"))
            self._line.clear()
        if self._state not in (self._TRAILERS, self._DONE) or self._line.strip():
            raise _incomplete()
        if self._trailer_chain is not None:
            if self._trailer_signature is None:
                raise _mismatch()
            canonical = "".join(f"{name.lower()}:{value}\n" for name, value in self._trailers)
            digest = hashlib.sha256(canonical.encode()).hexdigest()
            self._trailer_chain.check(
                "AWS4-HMAC-SHA256-TRAILER", digest, self._trailer_signature, empty=False
            )
        return self._trailers

    def _on_line(self, line: str) -> None:
        if self._state == self._SIZE:
            self._start_chunk(line)
        elif self._state == self._CRLF:
            if line:
                raise _incomplete()
            self._state = self._SIZE
        elif self._state == self._TRAILERS:
            self._on_trailer(line)
        elif line:
            raise _incomplete()  # bytes after the body's end

    def _start_chunk(self, line: str) -> None:
        size_text, _, extension = line.partition(";")
        try:
            size = int(size_text, 16)
        except ValueError as exc:
            raise _incomplete() from exc
        if self._signed:
            name, _, signature = extension.partition("=")
            if name != "chunk-signature":
                raise _incomplete()
            self._signature = signature
        self._digest = hashlib.sha256() if self._chain is not None else None
        self._remaining = size
        if size == 0:
            self._end_chunk()
            self._state = self._TRAILERS
        else:
            self._state = self._DATA

    def _end_chunk(self) -> None:
        if self._chain is not None and self._digest is not None:
            self._chain.check("AWS4-HMAC-SHA256-PAYLOAD", self._digest.hexdigest(), self._signature)
        self._digest = None
        self._state = self._CRLF

    def _on_trailer(self, line: str) -> None:
        if not line:
            self._state = self._DONE
            return
        name, _, value = line.partition(":")
        if name.strip().lower() == "x-amz-trailer-signature":
            self._trailer_signature = value.strip()
        else:
            self._trailers.append((name.strip(), value.strip()))


def chunk_decoder(
    request: HttpRequest, claim: Signature | None, secret: str | None
) -> ChunkDecoder:
    """The decoder for a request's `x-amz-content-sha256: STREAMING-...` mode.
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
    return ChunkDecoder(signed, chain, chain if mode == SIGNED_TRAILER else None)


def check_decoded_length(request: HttpRequest, decoded: int) -> None:
    """`x-amz-decoded-content-length`, when sent, must be what the chunks held."""
    declared = request.header("X-Amz-Decoded-Content-Length")
    if declared is not None and declared != str(decoded):
        raise _incomplete()


def unchunk(request: HttpRequest, claim: Signature | None, secret: str | None) -> HttpRequest:
    """The request with its (buffered) aws-chunked body decoded and trailing headers
    appended."""
    decoder = chunk_decoder(request, claim, secret)
    body = decoder.feed(request.body)
    trailers = decoder.finish()
    check_decoded_length(request, len(body))
    return request.replace(headers=[*request.headers, *trailers], body=body)
