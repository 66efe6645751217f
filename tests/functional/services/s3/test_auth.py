"""Signed S3 requests: SigV4 header and presigned URLs (expiry enforced), the payload hash,
virtual-hosted-style addressing, and unsigned requests left alone.

https://docs.aws.amazon.com/AmazonS3/latest/API/sigv4-query-string-auth.html
https://docs.aws.amazon.com/AmazonS3/latest/userguide/VirtualHosting.html
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import boto3
import httpx
import pytest
from botocore.auth import S3SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.config import Config
from botocore.credentials import Credentials
from botocore.exceptions import ClientError

from .conftest import S3Server


@pytest.fixture
def presigner(server: S3Server, request: pytest.FixtureRequest) -> Any:
    # boto3 presigns S3 URLs with Signature Version 2 unless told "s3v4"; both must work.
    signer = getattr(request, "param", "default")
    return server.client() if signer == "default" else server.client(signature_version=signer)


@pytest.mark.parametrize("presigner", ["default", "s3v4"], indirect=True)
def test_presigned_get_url_serves_the_object(s3: Any, presigner: Any, bucket: str) -> None:
    s3.put_object(Bucket=bucket, Key="report.csv", Body=b"a,b\n1,2\n", ContentType="text/csv")
    url = presigner.generate_presigned_url(
        "get_object", Params={"Bucket": bucket, "Key": "report.csv"}, ExpiresIn=300
    )
    assert "Signature=" in url
    response = httpx.get(url)
    assert response.status_code == 200
    assert response.content == b"a,b\n1,2\n"
    assert response.headers["content-type"] == "text/csv"


@pytest.mark.parametrize("presigner", ["default", "s3v4"], indirect=True)
def test_presigned_put_url_stores_the_body(s3: Any, presigner: Any, bucket: str) -> None:
    url = presigner.generate_presigned_url(
        "put_object", Params={"Bucket": bucket, "Key": "upload.bin"}, ExpiresIn=300
    )
    response = httpx.put(url, content=b"uploaded by a browser")
    assert response.status_code == 200
    assert response.headers["etag"].startswith('"')
    assert s3.get_object(Bucket=bucket, Key="upload.bin")["Body"].read() == b"uploaded by a browser"


@pytest.mark.parametrize("presigner", ["default", "s3v4"], indirect=True)
def test_expired_presigned_url_is_access_denied(
    server: S3Server, s3: Any, presigner: Any, bucket: str
) -> None:
    s3.put_object(Bucket=bucket, Key="k", Body=b"x")
    url = presigner.generate_presigned_url(
        "get_object", Params={"Bucket": bucket, "Key": "k"}, ExpiresIn=60
    )
    assert httpx.get(url).status_code == 200
    server.skew = timedelta(seconds=61)
    response = httpx.get(url)
    assert response.status_code == 403
    assert "<Code>AccessDenied</Code>" in response.text
    assert "<Message>Request has expired</Message>" in response.text


@pytest.mark.parametrize("presigner", ["default", "s3v4"], indirect=True)
def test_tampered_presigned_url_does_not_match(s3: Any, presigner: Any, bucket: str) -> None:
    s3.put_object(Bucket=bucket, Key="k", Body=b"x")
    s3.put_object(Bucket=bucket, Key="other", Body=b"secret")
    url = presigner.generate_presigned_url("get_object", Params={"Bucket": bucket, "Key": "k"})
    response = httpx.get(url.replace("/k?", "/other?"))
    assert response.status_code == 403
    assert "<Code>SignatureDoesNotMatch</Code>" in response.text


def test_wrong_secret_is_signature_does_not_match(server: S3Server) -> None:
    options = server.client_options()
    options["aws_secret_access_key"] = "not-the-secret"
    s3 = boto3.client("s3", **options)
    with pytest.raises(ClientError) as error:
        s3.list_buckets()
    assert error.value.response["Error"]["Code"] == "SignatureDoesNotMatch"
    assert error.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403


def _signed(server: S3Server, method: str, path: str, body: bytes, sha256: str) -> AWSRequest:
    request = AWSRequest(
        method=method,
        url=f"{server.url}{path}",
        data=body,
        headers={"X-Amz-Content-SHA256": sha256},
    )
    S3SigV4Auth(Credentials("test", "test"), "s3", "us-east-1").add_auth(request)
    return request


def test_unsigned_payload_is_accepted(server: S3Server, s3: Any, bucket: str) -> None:
    request = _signed(server, "PUT", f"/{bucket}/free.txt", b"free", "UNSIGNED-PAYLOAD")
    response = httpx.put(request.url, headers=dict(request.headers), content=b"free")
    assert response.status_code == 200
    assert s3.get_object(Bucket=bucket, Key="free.txt")["Body"].read() == b"free"


def test_body_changed_after_signing_is_refused(server: S3Server, s3: Any, bucket: str) -> None:
    import hashlib

    signed_hash = hashlib.sha256(b"original").hexdigest()
    request = _signed(server, "PUT", f"/{bucket}/k.txt", b"original", signed_hash)
    response = httpx.put(request.url, headers=dict(request.headers), content=b"tampered")
    assert response.status_code == 400
    assert "<Code>XAmzContentSHA256Mismatch</Code>" in response.text
    assert f"<ClientComputedContentSHA256>{signed_hash}</ClientComputedContentSHA256>" in (
        response.text
    )
    with pytest.raises(ClientError):
        s3.head_object(Bucket=bucket, Key="k.txt")


def test_virtual_hosted_style_through_boto3(server: S3Server) -> None:
    # *.s3.localhost does not resolve here: boto3 reaches Lamina as its HTTP proxy, sending
    # the virtual host in Host exactly as it would without one.
    port = server.url.rsplit(":", 1)[1]
    options = server.client_options()
    options["endpoint_url"] = f"http://s3.localhost:{port}"
    options["config"] = options["config"].merge(
        Config(s3={"addressing_style": "virtual"}, proxies={"http": server.url})
    )
    s3 = boto3.client("s3", **options)
    s3.create_bucket(Bucket="vhost-bucket")
    s3.put_object(Bucket="vhost-bucket", Key="dir/file.txt", Body=b"virtual")
    assert s3.get_object(Bucket="vhost-bucket", Key="dir/file.txt")["Body"].read() == b"virtual"
    listed = s3.list_objects_v2(Bucket="vhost-bucket")
    assert [o["Key"] for o in listed["Contents"]] == ["dir/file.txt"]
    # The same object, path-style.
    path_style = server.client()
    assert path_style.get_object(Bucket="vhost-bucket", Key="dir/file.txt")["Body"].read() == (
        b"virtual"
    )


def test_unsigned_path_style_requests_are_not_claimed(server: S3Server, s3: Any) -> None:
    s3.create_bucket(Bucket="public-bucket")
    s3.put_object(Bucket="public-bucket", Key="index.html", Body=b"<h1>hi</h1>")
    # Unsigned paths belong to the API gateway (the loopback server answers 404, empty).
    response = httpx.get(f"{server.url}/public-bucket/index.html")
    assert response.status_code == 404
    assert response.content == b""
    assert "x-amz-request-id" not in response.headers


def test_aws_chunked_upload_with_a_checksum_trailer(server: S3Server, s3: Any, bucket: str) -> None:
    # What SDKs send over HTTPS (flexible checksums): unsigned aws-chunked with a trailer.
    import base64
    import zlib

    data = b"streamed " * 1000
    crc = base64.b64encode(zlib.crc32(data).to_bytes(4, "big")).decode()
    body = (
        f"{len(data):x}\r\n".encode()
        + data
        + f"\r\n0\r\nx-amz-checksum-crc32:{crc}\r\n\r\n".encode()
    )
    request = AWSRequest(
        method="PUT",
        url=f"{server.url}/{bucket}/streamed.txt",
        data=body,
        headers={
            "Content-Encoding": "aws-chunked",
            "x-amz-decoded-content-length": str(len(data)),
            "x-amz-trailer": "x-amz-checksum-crc32",
        },
    )
    request.context["checksum"] = {"request_algorithm": {"in": "trailer", "algorithm": "crc32"}}
    S3SigV4Auth(Credentials("test", "test"), "s3", "us-east-1").add_auth(request)
    assert request.headers["X-Amz-Content-SHA256"] == "STREAMING-UNSIGNED-PAYLOAD-TRAILER"
    response = httpx.put(request.url, headers=dict(request.headers), content=body)
    assert response.status_code == 200, response.text
    assert response.headers["x-amz-checksum-crc32"] == crc
    got = s3.get_object(Bucket=bucket, Key="streamed.txt", ChecksumMode="ENABLED")
    assert got["Body"].read() == data
    assert got["ChecksumCRC32"] == crc

    wrong = body.replace(crc.encode(), b"AAAAAA==")
    response = httpx.put(request.url, headers=dict(request.headers), content=wrong)
    assert response.status_code == 400
    assert "<Code>BadDigest</Code>" in response.text
