"""SigV4 verification against signatures botocore's signer makes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

import pytest
from botocore.auth import S3SigV4Auth, SigV4Auth  # type: ignore[import-untyped]
from botocore.awsrequest import AWSRequest  # type: ignore[import-untyped]
from botocore.credentials import Credentials  # type: ignore[import-untyped]

from lamina.aws.sigv4 import SignatureProblem, read_signature, signing_key, verify
from lamina.http.message import HttpRequest


def _signed(url: str, body: bytes = b"", *, service: str = "lambda") -> HttpRequest:
    aws = AWSRequest(method="POST", url=url, data=body, headers={"X-Custom": "a   b"})
    signer = S3SigV4Auth if service == "s3" else SigV4Auth
    signer(Credentials("AKID", "SECRET"), service, "eu-west-1").add_auth(aws)
    prepared = aws.prepare()
    parts = urlsplit(url)
    headers = [(name, value) for name, value in prepared.headers.items()]
    headers.append(("Host", parts.netloc))
    return HttpRequest(
        method="POST",
        path=parts.path,
        query_string=parts.query,
        headers=headers,
        body=body,
        client="127.0.0.1",
        http_version="1.1",
    )


def _now(request: HttpRequest) -> datetime:
    stamp = request.header("X-Amz-Date") or ""
    return datetime.strptime(stamp, "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)


def test_sigv4_botocore_signature_verifies_with_encoded_path_and_query() -> None:
    request = _signed(
        "http://h:1/2015-03-31/functions/a%3Ab/invocations?Qualifier=x%20y&A=1", b"{}"
    )
    claim = read_signature(request)
    assert claim is not None and claim.service == "lambda" and claim.region == "eu-west-1"
    verify(request, claim, "SECRET", now=_now(request), s3=False)


def test_sigv4_s3_path_not_double_encoded() -> None:
    request = _signed("http://h:1/bucket/a%20key", b"data", service="s3")
    claim = read_signature(request)
    assert claim is not None
    verify(request, claim, "SECRET", now=_now(request), s3=True)
    with pytest.raises(SignatureProblem):
        verify(request, claim, "SECRET", now=_now(request), s3=False)


def test_sigv4_wrong_secret_mismatch() -> None:
    request = _signed("http://h:1/x", b"{}")
    claim = read_signature(request)
    assert claim is not None
    with pytest.raises(SignatureProblem) as excinfo:
        verify(request, claim, "OTHER", now=_now(request), s3=False)
    assert excinfo.value.kind == SignatureProblem.MISMATCH


def test_sigv4_non_ascii_signature_is_a_mismatch() -> None:
    request = _signed("http://h:1/x", b"{}")
    claim = read_signature(request)
    assert claim is not None
    claim.signature = "é" * 64
    with pytest.raises(SignatureProblem) as excinfo:
        verify(request, claim, "SECRET", now=_now(request), s3=False)
    assert excinfo.value.kind == SignatureProblem.MISMATCH


def test_sigv4_time_beyond_fifteen_minutes_expired() -> None:
    request = _signed("http://h:1/x")
    claim = read_signature(request)
    assert claim is not None
    verify(request, claim, "SECRET", now=_now(request) + timedelta(minutes=14), s3=False)
    with pytest.raises(SignatureProblem) as excinfo:
        verify(request, claim, "SECRET", now=_now(request) - timedelta(minutes=16), s3=False)
    assert excinfo.value.kind == SignatureProblem.EXPIRED


def test_sigv4_unsigned_request_has_no_claim() -> None:
    request = HttpRequest(
        method="GET", path="/", query_string="", headers=[], body=b"", client="", http_version=""
    )
    assert read_signature(request) is None


def test_sigv4_signing_key_matches_aws_documented_example() -> None:
    # https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_sigv-create-signed-request.html
    # (the "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY" example; derived key from the
    # documentation's "Examples of how to derive a signing key" page)
    key = signing_key("wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", "20120215", "us-east-1", "iam")
    assert key.hex() == "f4780e2d9f65fa895f9c67b32ce1baf0b0d8a43505a000a1a9e090d414db404d"
