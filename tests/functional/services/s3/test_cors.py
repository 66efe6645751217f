"""Bucket CORS through boto3, and the answers browsers get (raw preflights and actual
requests with an Origin, sent to `{bucket}.s3.localhost` unsigned as a browser would)."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from botocore.exceptions import ClientError

from tests.functional.services.s3.conftest import S3Server

RULES = [
    {
        "ID": "uploads",
        "AllowedOrigins": ["https://*.example.com"],
        "AllowedMethods": ["PUT", "POST"],
        "AllowedHeaders": ["content-type", "x-amz-*"],
        "ExposeHeaders": ["ETag"],
        "MaxAgeSeconds": 600,
    },
    {"AllowedOrigins": ["*"], "AllowedMethods": ["GET", "HEAD"]},
]


def _send(server: S3Server, method: str, path: str, headers: dict[str, str]) -> httpx.Response:
    port = server.url.rsplit(":", 1)[1]
    with httpx.Client(base_url=server.url, timeout=10) as http:
        return http.request(
            method, path, headers={"Host": f"photos.s3.localhost:{port}", **headers}
        )


def test_configuration_round_trips_and_is_deleted(s3: Any, bucket: str) -> None:
    with pytest.raises(ClientError) as missing:
        s3.get_bucket_cors(Bucket=bucket)
    assert missing.value.response["Error"]["Code"] == "NoSuchCORSConfiguration"
    assert missing.value.response["ResponseMetadata"]["HTTPStatusCode"] == 404
    s3.put_bucket_cors(Bucket=bucket, CORSConfiguration={"CORSRules": RULES})
    assert s3.get_bucket_cors(Bucket=bucket)["CORSRules"] == RULES
    s3.delete_bucket_cors(Bucket=bucket)
    with pytest.raises(ClientError):
        s3.get_bucket_cors(Bucket=bucket)


@pytest.mark.parametrize(
    ("rule", "message"),
    [
        (
            {"AllowedOrigins": ["*"], "AllowedMethods": ["PATCH"]},
            "Found unsupported HTTP method in CORS config. Unsupported method is PATCH",
        ),
        (
            {"AllowedOrigins": ["https://*.*.com"], "AllowedMethods": ["GET"]},
            'AllowedOrigin "https://*.*.com" can not have more than one wildcard.',
        ),
        (
            {"AllowedOrigins": ["*"], "AllowedMethods": ["GET"], "AllowedHeaders": ["*-*"]},
            'AllowedHeader "*-*" can not have more than one wildcard.',
        ),
    ],
)
def test_invalid_rules_are_refused(
    s3: Any, bucket: str, rule: dict[str, Any], message: str
) -> None:
    with pytest.raises(ClientError) as refused:
        s3.put_bucket_cors(Bucket=bucket, CORSConfiguration={"CORSRules": [rule]})
    assert refused.value.response["Error"]["Code"] == "InvalidRequest"
    assert refused.value.response["Error"]["Message"] == message


# (origin, method, request headers) -> allowed origin answered, or None for a 403
MATRIX = [
    ("https://app.example.com", "PUT", "Content-Type, X-Amz-Meta-A", "https://app.example.com"),
    ("https://app.example.com", "PUT", "authorization", None),
    ("https://evil.test", "PUT", "", None),
    ("https://evil.test", "GET", "", "*"),
    ("https://app.example.com", "DELETE", "", None),
    ("http://app.example.com", "POST", "", None),
]


@pytest.mark.parametrize(("origin", "method", "asked", "allowed"), MATRIX)
def test_preflight_matrix(
    server: S3Server,
    s3: Any,
    bucket: str,
    origin: str,
    method: str,
    asked: str,
    allowed: str | None,
) -> None:
    s3.put_bucket_cors(Bucket=bucket, CORSConfiguration={"CORSRules": RULES})
    headers = {"Origin": origin, "Access-Control-Request-Method": method}
    if asked:
        headers["Access-Control-Request-Headers"] = asked
    answer = _send(server, "OPTIONS", "/some/key.txt", headers)
    if allowed is None:
        assert answer.status_code == 403
        assert "<Code>AccessForbidden</Code>" in answer.text
        assert "CORSResponse: This CORS request is not allowed." in answer.text
        return
    assert answer.status_code == 200
    assert answer.headers["Access-Control-Allow-Origin"] == allowed
    assert method in answer.headers["Access-Control-Allow-Methods"]
    assert "Origin" in answer.headers["Vary"]
    if allowed != "*":
        assert answer.headers["Access-Control-Max-Age"] == "600"
        assert answer.headers["Access-Control-Allow-Headers"] == "content-type, x-amz-meta-a"
        assert answer.headers["Access-Control-Allow-Credentials"] == "true"


def test_preflight_without_rules_or_origin(server: S3Server, bucket: str) -> None:
    answer = _send(
        server, "OPTIONS", "/k", {"Origin": "https://a", "Access-Control-Request-Method": "GET"}
    )
    assert answer.status_code == 403
    assert "CORS is not enabled for this bucket." in answer.text
    answer = _send(server, "OPTIONS", "/k", {"Access-Control-Request-Method": "GET"})
    assert answer.status_code == 400
    assert "Origin request header needed" in answer.text


def test_actual_request_carries_cors_headers(server: S3Server, s3: Any, bucket: str) -> None:
    s3.put_bucket_cors(Bucket=bucket, CORSConfiguration={"CORSRules": RULES})
    s3.put_bucket_policy(
        Bucket=bucket,
        Policy='{"Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:GetObject",'
        '"Resource":"arn:aws:s3:::photos/*"}]}',
    )
    s3.put_object(Bucket=bucket, Key="cat.txt", Body=b"meow")
    answer = _send(server, "GET", "/cat.txt", {"Origin": "https://elsewhere.test"})
    assert answer.status_code == 200
    assert answer.content == b"meow"
    assert answer.headers["Access-Control-Allow-Origin"] == "*"
    assert "Origin" in answer.headers["Vary"]
    plain = _send(server, "GET", "/cat.txt", {})
    assert "Access-Control-Allow-Origin" not in plain.headers
