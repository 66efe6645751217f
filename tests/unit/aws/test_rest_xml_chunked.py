"""aws-chunked S3 uploads, pinned to AWS's documented example (PUT chunkObject.txt,
66,560 bytes of 'a' in chunks of 64 KiB and 1 KiB: seed and chunk signatures as published).

https://docs.aws.amazon.com/AmazonS3/latest/API/sigv4-streaming.html#example-signature-calculations-streaming
"""

from __future__ import annotations

import base64
import zlib
from datetime import UTC, datetime

import pytest

from lamina.aws.chunked import unchunk
from lamina.aws.service import ServiceError
from lamina.aws.sigv4 import Signature, read_signature, verify
from lamina.http.message import HttpRequest

SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
SEED = "4f232c4386841ef735655705268965c44a0e4690baa4adea153f7db9fa80a0a9"
CHUNK_SIGNATURES = (
    "ad80c730a21e5b8d04586a2213dd63b9a0e99e0e2307b0ade35a65485a288648",
    "0055627c9e194cb4542bae2aa5492e3c1575bbb81b612b7d234b86a503ef5497",
    "b6c6ea8a5354eaf15b3cb7646744f4275b71ea724fed81ceb9323e279d449df9",
)
SIGNED_HEADERS = (
    "content-encoding;content-length;host;x-amz-content-sha256;x-amz-date;"
    "x-amz-decoded-content-length;x-amz-storage-class"
)


def _body(signatures: tuple[str, ...] = CHUNK_SIGNATURES, data: bytes = b"a" * 66560) -> bytes:
    first, second = data[:65536], data[65536:]
    return (
        f"10000;chunk-signature={signatures[0]}\r\n".encode()
        + first
        + f"\r\n400;chunk-signature={signatures[1]}\r\n".encode()
        + second
        + f"\r\n0;chunk-signature={signatures[2]}\r\n\r\n".encode()
    )


def _request(body: bytes, mode: str = "STREAMING-AWS4-HMAC-SHA256-PAYLOAD") -> HttpRequest:
    authorization = (
        "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request,"
        f"SignedHeaders={SIGNED_HEADERS},Signature={SEED}"
    )
    headers = [
        ("Host", "s3.amazonaws.com"),
        ("x-amz-date", "20130524T000000Z"),
        ("x-amz-storage-class", "REDUCED_REDUNDANCY"),
        ("Authorization", authorization),
        ("x-amz-content-sha256", mode),
        ("Content-Encoding", "aws-chunked"),
        ("x-amz-decoded-content-length", "66560"),
        ("Content-Length", "66824"),
    ]
    return HttpRequest(
        method="PUT",
        path="/examplebucket/chunkObject.txt",
        query_string="",
        headers=headers,
        body=body,
        client="127.0.0.1",
        http_version="1.1",
    )


def _claim(request: HttpRequest) -> Signature:
    claim = read_signature(request)
    assert claim is not None
    return claim


def test_documented_example_verifies_and_decodes() -> None:
    request = _request(_body())
    assert len(request.body) == 66824  # the example's Content-Length
    claim = _claim(request)
    verify(request, claim, SECRET, now=datetime(2013, 5, 24, 0, 0, 1, tzinfo=UTC), s3=True)
    decoded = unchunk(request, claim, SECRET)
    assert decoded.body == b"a" * 66560


def test_a_changed_chunk_breaks_the_chain() -> None:
    request = _request(_body(data=b"a" * 66559 + b"b"))
    with pytest.raises(ServiceError) as error:
        unchunk(request, _claim(request), SECRET)
    assert (error.value.code, error.value.status) == ("SignatureDoesNotMatch", 403)


def test_reordered_signatures_break_the_chain() -> None:
    swapped = (CHUNK_SIGNATURES[1], CHUNK_SIGNATURES[0], CHUNK_SIGNATURES[2])
    request = _request(_body(swapped))
    with pytest.raises(ServiceError) as error:
        unchunk(request, _claim(request), SECRET)
    assert error.value.code == "SignatureDoesNotMatch"


def test_truncated_body_is_incomplete() -> None:
    request = _request(_body()[:40000])
    with pytest.raises(ServiceError) as error:
        unchunk(request, _claim(request), SECRET)
    assert (error.value.code, error.value.status) == ("IncompleteBody", 400)


def test_unsigned_chunks_with_a_checksum_trailer() -> None:
    data = b"hello trailer"
    crc = base64.b64encode(zlib.crc32(data).to_bytes(4, "big")).decode()
    body = (
        f"{len(data):x}\r\n".encode()
        + data
        + f"\r\n0\r\nx-amz-checksum-crc32:{crc}\r\n\r\n".encode()
    )
    request = _request(body, "STREAMING-UNSIGNED-PAYLOAD-TRAILER")
    request.headers = [(k, v) for k, v in request.headers if k != "x-amz-decoded-content-length"]
    decoded = unchunk(request, _claim(request), SECRET)
    assert decoded.body == data
    assert decoded.header("x-amz-checksum-crc32") == crc
