"""S3 objects past the HTTP server's 10 MB buffered-body cap: uploads stream to a temporary
blob (MD5, checksums and the signed payload hash computed on the way), GETs stream from the
file. boto3 and raw signed requests against the loopback server."""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import socket
import zlib
from pathlib import Path
from typing import Any

import google_crc32c
import httpx
import pytest
from boto3.s3.transfer import TransferConfig
from botocore.auth import S3SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from botocore.exceptions import ClientError

from .conftest import S3Server

MIB = 1024 * 1024


def _data(size: int) -> bytes:
    """`size` bytes that differ from one MiB to the next (cheap to make, not all alike)."""
    block = os.urandom(MIB)
    return (
        b"".join(i.to_bytes(4, "big") + block[4:] for i in range(size // MIB)) + block[: size % MIB]
    )


def _md5(data: bytes) -> str:
    return f'"{hashlib.md5(data).hexdigest()}"'


def _leftovers(server: S3Server) -> list[Path]:
    return list((server.state_dir / "s3" / "tmp").iterdir())


def _missing(s3: Any, bucket: str, key: str) -> bool:
    try:
        s3.head_object(Bucket=bucket, Key=key)
    except ClientError as error:
        return error.response["Error"]["Code"] == "404"
    return False


def test_put_and_get_past_the_buffered_limit(server: S3Server, s3: Any, bucket: str) -> None:
    data = _data(12 * MIB + 5)
    put = s3.put_object(Bucket=bucket, Key="big.bin", Body=data)
    assert put["ETag"] == _md5(data)
    got = s3.get_object(Bucket=bucket, Key="big.bin")
    assert got["ContentLength"] == len(data) and got["ETag"] == _md5(data)
    assert got["Body"].read() == data
    head = s3.head_object(Bucket=bucket, Key="big.bin")
    assert head["ContentLength"] == len(data)
    ranged = s3.get_object(Bucket=bucket, Key="big.bin", Range="bytes=3000000-11000000")
    assert ranged["ContentRange"] == f"bytes 3000000-11000000/{len(data)}"
    assert ranged["Body"].read() == data[3_000_000:11_000_001]
    assert not _leftovers(server)


@pytest.mark.slow
def test_put_and_get_64_mib(server: S3Server, s3: Any, bucket: str) -> None:
    data = _data(64 * MIB)
    assert s3.put_object(Bucket=bucket, Key="64.bin", Body=data)["ETag"] == _md5(data)
    got = s3.get_object(Bucket=bucket, Key="64.bin")
    assert got["ETag"] == _md5(data) and got["Body"].read() == data


@pytest.mark.slow
def test_transfer_manager_multipart_200_mib(
    server: S3Server, s3: Any, bucket: str, tmp_path: Path
) -> None:
    source = tmp_path / "source.bin"
    with source.open("wb") as file:
        for _ in range(25):
            file.write(_data(8 * MIB))
    config = TransferConfig(multipart_threshold=8 * MIB, multipart_chunksize=16 * MIB)
    try:
        s3.upload_file(str(source), bucket, "200.bin", Config=config)
        head = s3.head_object(Bucket=bucket, Key="200.bin")
        assert head["ContentLength"] == 200 * MIB
        assert head["ETag"].endswith('-13"')  # 12 parts of 16 MiB and one of 8 MiB
        copy = tmp_path / "copy.bin"
        s3.download_file(bucket, "200.bin", str(copy), Config=config)
        assert _file_md5(copy) == _file_md5(source)
    finally:
        for path in tmp_path.glob("*.bin"):
            path.unlink()


def _file_md5(path: Path) -> str:
    digest = hashlib.md5()
    with path.open("rb") as file:
        while chunk := file.read(MIB):
            digest.update(chunk)
    return digest.hexdigest()


def test_range_across_part_boundaries(s3: Any, bucket: str) -> None:
    parts = [_data(5 * MIB), _data(5 * MIB), _data(MIB + 7)]
    upload = s3.create_multipart_upload(Bucket=bucket, Key="parts.bin")["UploadId"]
    done = [
        {
            "PartNumber": number,
            "ETag": s3.upload_part(
                Bucket=bucket, Key="parts.bin", UploadId=upload, PartNumber=number, Body=part
            )["ETag"],
        }
        for number, part in enumerate(parts, 1)
    ]
    completed = s3.complete_multipart_upload(
        Bucket=bucket, Key="parts.bin", UploadId=upload, MultipartUpload={"Parts": done}
    )
    digests = b"".join(hashlib.md5(part).digest() for part in parts)
    assert completed["ETag"] == f'"{hashlib.md5(digests).hexdigest()}-3"'
    whole = b"".join(parts)
    start, end = 5 * MIB - 100, 10 * MIB + 100  # the end of part 1 to the start of part 3
    got = s3.get_object(Bucket=bucket, Key="parts.bin", Range=f"bytes={start}-{end}")
    assert got["Body"].read() == whole[start : end + 1]
    second = s3.get_object(Bucket=bucket, Key="parts.bin", PartNumber=2)
    assert second["ContentLength"] == 5 * MIB and second["Body"].read() == parts[1]
    assert s3.get_object(Bucket=bucket, Key="parts.bin")["Body"].read() == whole


def test_checksums_are_computed_as_the_body_streams(s3: Any, bucket: str) -> None:
    data = _data(11 * MIB)
    crc32c = base64.b64encode(google_crc32c.value(data).to_bytes(4, "big")).decode()
    sha256 = base64.b64encode(hashlib.sha256(data).digest()).decode()
    s3.put_object(Bucket=bucket, Key="c.bin", Body=data, ChecksumCRC32C=crc32c)
    got = s3.head_object(Bucket=bucket, Key="c.bin", ChecksumMode="ENABLED")
    assert got["ChecksumCRC32C"] == crc32c
    s3.put_object(Bucket=bucket, Key="s.bin", Body=data, ChecksumSHA256=sha256)
    got = s3.get_object(Bucket=bucket, Key="s.bin", ChecksumMode="ENABLED")
    assert got["ChecksumSHA256"] == sha256 and got["Body"].read() == data


def test_checksum_mismatch_is_refused_and_nothing_kept(
    server: S3Server, s3: Any, bucket: str
) -> None:
    data = _data(11 * MIB)
    wrong = base64.b64encode(zlib.crc32(b"other").to_bytes(4, "big")).decode()
    with pytest.raises(ClientError) as refused:
        s3.put_object(Bucket=bucket, Key="bad.bin", Body=data, ChecksumCRC32=wrong)
    assert refused.value.response["Error"]["Code"] == "BadDigest"
    assert refused.value.response["Error"]["Message"] == (
        "The CRC32 you specified did not match the calculated checksum."
    )
    with pytest.raises(ClientError) as md5:
        s3.put_object(
            Bucket=bucket,
            Key="bad.bin",
            Body=data,
            ContentMD5=base64.b64encode(hashlib.md5(b"x").digest()).decode(),
        )
    assert md5.value.response["Error"]["Code"] == "BadDigest"
    assert _missing(s3, bucket, "bad.bin")
    assert not _leftovers(server)
    assert not list((server.state_dir / "s3" / "blobs").iterdir())


class _Auth(S3SigV4Auth):
    """botocore's S3 signer, signing `x-amz-content-sha256: <mode>` as given."""

    def __init__(self, mode: str) -> None:
        super().__init__(Credentials("test", "test"), "s3", "us-east-1")
        self._mode = mode

    def payload(self, request: Any) -> str:
        return self._mode


def _signed(server: S3Server, path: str, body: bytes, sha256: str, **headers: str) -> AWSRequest:
    request = AWSRequest(method="PUT", url=f"{server.url}{path}", data=body, headers=headers)
    _Auth(sha256).add_auth(request)
    assert request.headers["X-Amz-Content-SHA256"] == sha256
    return request


def test_signed_payload_mismatch_is_refused_after_streaming(
    server: S3Server, s3: Any, bucket: str
) -> None:
    signed = _data(11 * MIB)
    sent = signed[:-1] + b"!"
    declared = hashlib.sha256(signed).hexdigest()
    request = _signed(server, f"/{bucket}/tampered.bin", signed, declared)
    response = httpx.put(request.url, headers=dict(request.headers), content=sent, timeout=60)
    # https://docs.aws.amazon.com/AmazonS3/latest/API/ErrorResponses.html#ErrorCodeList
    assert response.status_code == 400
    assert "<Code>XAmzContentSHA256Mismatch</Code>" in response.text
    computed = hashlib.sha256(sent).hexdigest()
    assert f"<S3ComputedContentSHA256>{computed}</S3ComputedContentSHA256>" in response.text
    assert _missing(s3, bucket, "tampered.bin")
    assert not _leftovers(server)


_EMPTY = hashlib.sha256(b"").hexdigest()


def _chunked(request: AWSRequest, data: bytes, size: int, corrupt: int | None = None) -> bytes:
    """The aws-chunked body of `data`, each chunk signed after the seed signature.
    https://docs.aws.amazon.com/AmazonS3/latest/API/sigv4-streaming.html"""
    authorization = request.headers["Authorization"]
    previous = authorization.rpartition("Signature=")[2]
    scope = authorization.split("Credential=")[1].split(",")[0].split("/", 1)[1]
    stamp = request.headers["X-Amz-Date"]
    key = b"AWS4" + b"test"  # the secret key, "test"
    for part in scope.split("/"):
        key = hmac.new(key, part.encode(), hashlib.sha256).digest()
    pieces = [data[i : i + size] for i in range(0, len(data), size)] + [b""]
    out = []
    for number, piece in enumerate(pieces):
        text = (
            f"AWS4-HMAC-SHA256-PAYLOAD\n{stamp}\n{scope}\n{previous}\n{_EMPTY}\n"
            f"{hashlib.sha256(piece).hexdigest()}"
        )
        previous = hmac.new(key, text.encode(), hashlib.sha256).hexdigest()
        if number == corrupt:
            piece = piece[:-1] + b"?"
        out.append(f"{len(piece):x};chunk-signature={previous}\r\n".encode() + piece + b"\r\n")
    return b"".join(out) + b"\r\n"


def _chunked_request(server: S3Server, path: str, data: bytes) -> AWSRequest:
    return _signed(
        server,
        path,
        b"",
        "STREAMING-AWS4-HMAC-SHA256-PAYLOAD",
        **{"Content-Encoding": "aws-chunked", "X-Amz-Decoded-Content-Length": str(len(data))},
    )


def test_signed_aws_chunked_upload(server: S3Server, s3: Any, bucket: str) -> None:
    data = _data(11 * MIB + 3)
    request = _chunked_request(server, f"/{bucket}/chunked.bin", data)
    body = _chunked(request, data, 1 * MIB)
    response = httpx.put(request.url, headers=dict(request.headers), content=body, timeout=60)
    assert response.status_code == 200, response.text
    assert response.headers["ETag"] == _md5(data)
    got = s3.get_object(Bucket=bucket, Key="chunked.bin")
    assert got["Body"].read() == data
    assert "ContentEncoding" not in got  # aws-chunked named the upload's framing only

    request = _chunked_request(server, f"/{bucket}/forged.bin", data)
    body = _chunked(request, data, 1 * MIB, corrupt=6)
    response = httpx.put(request.url, headers=dict(request.headers), content=body, timeout=60)
    assert response.status_code == 403
    assert "<Code>SignatureDoesNotMatch</Code>" in response.text
    assert _missing(s3, bucket, "forged.bin")
    assert not _leftovers(server)


def test_unsigned_trailer_checksum_upload(server: S3Server, s3: Any, bucket: str) -> None:
    """What the SDKs send over HTTPS: STREAMING-UNSIGNED-PAYLOAD-TRAILER, the CRC32 after
    the last chunk. https://docs.aws.amazon.com/AmazonS3/latest/API/sigv4-streaming-trailers.html
    """
    data = _data(3 * MIB + 11)
    crc = base64.b64encode(zlib.crc32(data).to_bytes(4, "big")).decode()
    for key, trailer, status in (("ok.bin", crc, 200), ("bad.bin", "AAAAAA==", 400)):
        request = _signed(
            server,
            f"/{bucket}/{key}",
            b"",
            "STREAMING-UNSIGNED-PAYLOAD-TRAILER",
            **{
                "Content-Encoding": "aws-chunked",
                "X-Amz-Decoded-Content-Length": str(len(data)),
                "X-Amz-Trailer": "x-amz-checksum-crc32",
            },
        )
        chunks = [data[i : i + MIB] for i in range(0, len(data), MIB)]
        body = b"".join(f"{len(c):x}\r\n".encode() + c + b"\r\n" for c in chunks)
        body += f"0\r\nx-amz-checksum-crc32:{trailer}\r\n\r\n".encode()
        response = httpx.put(request.url, headers=dict(request.headers), content=body)
        assert response.status_code == status, response.text
    assert (
        s3.head_object(Bucket=bucket, Key="ok.bin", ChecksumMode="ENABLED")["ChecksumCRC32"] == crc
    )
    assert _missing(s3, bucket, "bad.bin")


def _head_only(server: S3Server, path: str, length: int) -> str:
    """Send only the head of a PUT of `length` bytes with `Expect: 100-continue`; the
    answer that comes back without the body."""
    request = _signed(
        server,
        path,
        b"",
        "UNSIGNED-PAYLOAD",
        **{"Content-Length": str(length), "Expect": "100-continue"},
    )
    host, port = server.url.removeprefix("http://").split(":")
    head = f"Host: {host}:{port}\r\n"
    head += "".join(f"{name}: {value}\r\n" for name, value in request.headers.items())
    answer = ""
    with socket.create_connection((host, int(port)), timeout=10) as connection:
        connection.sendall(f"PUT {path} HTTP/1.1\r\n{head}\r\n".encode())
        while "</Error>" not in answer and (received := connection.recv(65536)):
            answer += received.decode()
    assert "100 Continue" not in answer
    return answer


def test_a_refused_upload_is_answered_before_its_body(server: S3Server, bucket: str) -> None:
    """`Expect: 100-continue` to a bucket that does not exist: the answer comes at once,
    without a `100 Continue`, so the client never sends its gigabyte."""
    answer = _head_only(server, "/no-such-bucket/huge.bin", 1024**3)
    assert answer.startswith("HTTP/1.1 404 "), answer
    assert "<Code>NoSuchBucket</Code>" in answer
    # Over S3's 5 GB single-PUT limit, refused on its declared length.
    # https://docs.aws.amazon.com/AmazonS3/latest/userguide/upload-objects.html
    answer = _head_only(server, f"/{bucket}/too-big.bin", 5 * 1024**3 + 1)
    assert answer.startswith("HTTP/1.1 400 "), answer
    assert "<Code>EntityTooLarge</Code>" in answer
    assert f"<ProposedSize>{5 * 1024**3 + 1}</ProposedSize>" in answer


def test_presigned_put_and_get_of_a_large_object(s3: Any, bucket: str) -> None:
    data = _data(11 * MIB)
    put_url = s3.generate_presigned_url(
        "put_object", Params={"Bucket": bucket, "Key": "shared.bin"}, ExpiresIn=300
    )
    assert httpx.put(put_url, content=data, timeout=60).status_code == 200
    get_url = s3.generate_presigned_url(
        "get_object", Params={"Bucket": bucket, "Key": "shared.bin"}, ExpiresIn=300
    )
    got = httpx.get(get_url, timeout=60)
    assert got.headers["ETag"] == _md5(data) and got.content == data
