"""Multipart uploads through boto3 (and boto3's managed transfer).

https://docs.aws.amazon.com/AmazonS3/latest/userguide/mpuoverview.html
https://docs.aws.amazon.com/AmazonS3/latest/API/API_CompleteMultipartUpload.html
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import Any

import pytest
from boto3.s3.transfer import TransferConfig
from botocore.exceptions import ClientError

MIB = 1024 * 1024


def _error(error: pytest.ExceptionInfo[ClientError]) -> tuple[str, int]:
    response = error.value.response
    return response["Error"]["Code"], response["ResponseMetadata"]["HTTPStatusCode"]


def _start(s3: Any, bucket: str, key: str = "big.bin", **options: Any) -> str:
    return s3.create_multipart_upload(Bucket=bucket, Key=key, **options)["UploadId"]  # type: ignore[no-any-return]


def _part(s3: Any, bucket: str, upload_id: str, number: int, body: bytes) -> dict[str, Any]:
    etag = s3.upload_part(
        Bucket=bucket, Key="big.bin", UploadId=upload_id, PartNumber=number, Body=body
    )["ETag"]
    return {"PartNumber": number, "ETag": etag}


def test_complete_assembles_parts_with_the_dash_n_etag(s3: Any, bucket: str) -> None:
    first, second = os.urandom(5 * MIB), b"tail bytes"
    upload_id = _start(s3, bucket, ContentType="application/x-test", Metadata={"m": "1"})
    parts = [_part(s3, bucket, upload_id, 1, first), _part(s3, bucket, upload_id, 2, second)]
    assert parts[0]["ETag"] == f'"{hashlib.md5(first).hexdigest()}"'
    done = s3.complete_multipart_upload(
        Bucket=bucket, Key="big.bin", UploadId=upload_id, MultipartUpload={"Parts": parts}
    )
    expected = hashlib.md5(hashlib.md5(first).digest() + hashlib.md5(second).digest())
    assert done["ETag"] == f'"{expected.hexdigest()}-2"'
    assert done["Bucket"] == bucket and done["Key"] == "big.bin"
    got = s3.get_object(Bucket=bucket, Key="big.bin")
    assert got["Body"].read() == first + second
    assert got["ETag"] == done["ETag"]
    assert got["ContentType"] == "application/x-test"
    assert got["Metadata"] == {"m": "1"}
    assert s3.list_multipart_uploads(Bucket=bucket).get("Uploads") is None


def test_parts_under_5_mib_except_the_last_are_entity_too_small(s3: Any, bucket: str) -> None:
    upload_id = _start(s3, bucket)
    parts = [_part(s3, bucket, upload_id, 1, b"small"), _part(s3, bucket, upload_id, 2, b"x")]
    with pytest.raises(ClientError) as error:
        s3.complete_multipart_upload(
            Bucket=bucket, Key="big.bin", UploadId=upload_id, MultipartUpload={"Parts": parts}
        )
    assert _error(error) == ("EntityTooSmall", 400)
    # The upload is still there: the client may fix the part and complete again.
    assert s3.list_parts(Bucket=bucket, Key="big.bin", UploadId=upload_id)["Parts"]


def test_a_single_small_part_is_allowed(s3: Any, bucket: str) -> None:
    upload_id = _start(s3, bucket)
    parts = [_part(s3, bucket, upload_id, 1, b"only part")]
    s3.complete_multipart_upload(
        Bucket=bucket, Key="big.bin", UploadId=upload_id, MultipartUpload={"Parts": parts}
    )
    assert s3.get_object(Bucket=bucket, Key="big.bin")["Body"].read() == b"only part"


def test_wrong_etag_or_missing_part_is_invalid_part(s3: Any, bucket: str) -> None:
    upload_id = _start(s3, bucket)
    _part(s3, bucket, upload_id, 1, b"data")
    for parts in (
        [{"PartNumber": 1, "ETag": '"00000000000000000000000000000000"'}],
        [{"PartNumber": 2, "ETag": f'"{hashlib.md5(b"data").hexdigest()}"'}],
    ):
        with pytest.raises(ClientError) as error:
            s3.complete_multipart_upload(
                Bucket=bucket, Key="big.bin", UploadId=upload_id, MultipartUpload={"Parts": parts}
            )
        assert _error(error) == ("InvalidPart", 400)


def test_parts_out_of_order_are_invalid_part_order(s3: Any, bucket: str) -> None:
    upload_id = _start(s3, bucket)
    parts = [_part(s3, bucket, upload_id, 1, b"a"), _part(s3, bucket, upload_id, 2, b"b")]
    with pytest.raises(ClientError) as error:
        s3.complete_multipart_upload(
            Bucket=bucket,
            Key="big.bin",
            UploadId=upload_id,
            MultipartUpload={"Parts": list(reversed(parts))},
        )
    assert _error(error) == ("InvalidPartOrder", 400)


def test_abort_removes_the_upload(s3: Any, bucket: str) -> None:
    upload_id = _start(s3, bucket)
    _part(s3, bucket, upload_id, 1, b"data")
    aborted = s3.abort_multipart_upload(Bucket=bucket, Key="big.bin", UploadId=upload_id)
    assert aborted["ResponseMetadata"]["HTTPStatusCode"] == 204
    for call in (
        lambda: s3.list_parts(Bucket=bucket, Key="big.bin", UploadId=upload_id),
        lambda: _part(s3, bucket, upload_id, 2, b"more"),
        lambda: s3.abort_multipart_upload(Bucket=bucket, Key="big.bin", UploadId=upload_id),
    ):
        with pytest.raises(ClientError) as error:
            call()
        assert _error(error) == ("NoSuchUpload", 404)
        assert error.value.response["Error"]["UploadId"] == upload_id
    with pytest.raises(ClientError):
        s3.head_object(Bucket=bucket, Key="big.bin")


def test_list_parts_pages_and_reupload_replaces(s3: Any, bucket: str) -> None:
    upload_id = _start(s3, bucket)
    for number in (1, 2, 3):
        _part(s3, bucket, upload_id, number, b"v1-%d" % number)
    _part(s3, bucket, upload_id, 2, b"v2-2 longer")
    first = s3.list_parts(Bucket=bucket, Key="big.bin", UploadId=upload_id, MaxParts=2)
    assert [p["PartNumber"] for p in first["Parts"]] == [1, 2]
    assert first["Parts"][1]["Size"] == len(b"v2-2 longer")
    assert first["IsTruncated"] is True
    rest = s3.list_parts(
        Bucket=bucket,
        Key="big.bin",
        UploadId=upload_id,
        PartNumberMarker=first["NextPartNumberMarker"],
    )
    assert [p["PartNumber"] for p in rest["Parts"]] == [3]
    assert rest["IsTruncated"] is False


def test_list_multipart_uploads(s3: Any, bucket: str) -> None:
    one = _start(s3, bucket, "logs/a")
    two = _start(s3, bucket, "logs/b")
    _start(s3, bucket, "other")
    listed = s3.list_multipart_uploads(Bucket=bucket, Prefix="logs/")
    assert [(u["Key"], u["UploadId"]) for u in listed["Uploads"]] == [
        ("logs/a", one),
        ("logs/b", two),
    ]
    assert s3.list_multipart_uploads(Bucket=bucket, KeyMarker="logs/a")["Uploads"][0]["Key"] == (
        "logs/b"
    )


def test_negative_page_sizes_are_invalid_arguments_and_zero_lists_nothing(
    s3: Any, bucket: str
) -> None:
    upload_id = _start(s3, bucket)
    _part(s3, bucket, upload_id, 1, b"x")
    with pytest.raises(ClientError) as uploads:
        s3.list_multipart_uploads(Bucket=bucket, MaxUploads=-5)
    assert _error(uploads) == ("InvalidArgument", 400)
    assert uploads.value.response["Error"]["ArgumentName"] == "max-uploads"
    with pytest.raises(ClientError) as parts:
        s3.list_parts(Bucket=bucket, Key="big.bin", UploadId=upload_id, MaxParts=-1)
    assert _error(parts) == ("InvalidArgument", 400)
    assert parts.value.response["Error"]["ArgumentName"] == "max-parts"
    none = s3.list_multipart_uploads(Bucket=bucket, MaxUploads=0)
    assert "Uploads" not in none


def test_part_number_out_of_range(s3: Any, bucket: str) -> None:
    upload_id = _start(s3, bucket)
    with pytest.raises(ClientError) as error:
        _part(s3, bucket, upload_id, 10001, b"x")
    assert _error(error) == ("InvalidArgument", 400)


def test_managed_transfer_uploads_and_downloads_in_parts(
    s3: Any, bucket: str, tmp_path: Path
) -> None:
    source = tmp_path / "source.bin"
    source.write_bytes(os.urandom(12 * MIB + 123))
    config = TransferConfig(multipart_threshold=5 * MIB, multipart_chunksize=5 * MIB)
    s3.upload_file(str(source), bucket, "managed.bin", Config=config)
    head = s3.head_object(Bucket=bucket, Key="managed.bin")
    assert head["ETag"].endswith('-3"')
    assert head["ContentLength"] == source.stat().st_size
    target = tmp_path / "target.bin"
    s3.download_file(bucket, "managed.bin", str(target), Config=config)
    assert target.read_bytes() == source.read_bytes()


def test_upload_part_copy_assembles_ranges_of_an_existing_object(s3: Any, bucket: str) -> None:
    source = os.urandom(6 * MIB)
    s3.put_object(Bucket=bucket, Key="source.bin", Body=source)
    upload_id = _start(s3, bucket)
    first = s3.upload_part_copy(
        Bucket=bucket,
        Key="big.bin",
        UploadId=upload_id,
        PartNumber=1,
        CopySource={"Bucket": bucket, "Key": "source.bin"},
        CopySourceRange=f"bytes=0-{5 * MIB - 1}",
    )["CopyPartResult"]
    assert first["ETag"] == f'"{hashlib.md5(source[: 5 * MIB]).hexdigest()}"'
    second = s3.upload_part_copy(
        Bucket=bucket,
        Key="big.bin",
        UploadId=upload_id,
        PartNumber=2,
        CopySource=f"{bucket}/source.bin",
        CopySourceRange=f"bytes={5 * MIB}-{6 * MIB - 1}",
    )["CopyPartResult"]
    parts = [{"PartNumber": 1, "ETag": first["ETag"]}, {"PartNumber": 2, "ETag": second["ETag"]}]
    s3.complete_multipart_upload(
        Bucket=bucket, Key="big.bin", UploadId=upload_id, MultipartUpload={"Parts": parts}
    )
    assert s3.get_object(Bucket=bucket, Key="big.bin")["Body"].read() == source
    with pytest.raises(ClientError) as error:
        s3.upload_part_copy(
            Bucket=bucket,
            Key="big.bin",
            UploadId=_start(s3, bucket),
            PartNumber=1,
            CopySource=f"{bucket}/source.bin",
            CopySourceRange=f"bytes=0-{6 * MIB}",
        )
    assert _error(error) == ("InvalidArgument", 400)


def test_managed_copy_of_a_large_object(s3: Any, bucket: str) -> None:
    import io

    body = os.urandom(11 * MIB)  # over the server's 10 MB body cap: uploaded in parts
    config = TransferConfig(multipart_threshold=5 * MIB, multipart_chunksize=5 * MIB)
    s3.upload_fileobj(io.BytesIO(body), bucket, "large.bin", Config=config)
    s3.copy({"Bucket": bucket, "Key": "large.bin"}, bucket, "copied.bin", Config=config)
    head = s3.head_object(Bucket=bucket, Key="copied.bin")
    assert head["ETag"].endswith('-3"')
    assert s3.get_object(Bucket=bucket, Key="copied.bin")["Body"].read() == body


def test_get_and_head_one_part_of_a_multipart_object(s3: Any, bucket: str) -> None:
    first, second = os.urandom(5 * MIB), b"second part"
    upload_id = _start(s3, bucket)
    parts = [_part(s3, bucket, upload_id, 1, first), _part(s3, bucket, upload_id, 2, second)]
    s3.complete_multipart_upload(
        Bucket=bucket, Key="big.bin", UploadId=upload_id, MultipartUpload={"Parts": parts}
    )
    got = s3.get_object(Bucket=bucket, Key="big.bin", PartNumber=2)
    assert got["ResponseMetadata"]["HTTPStatusCode"] == 206
    assert got["Body"].read() == second
    assert got["PartsCount"] == 2
    assert (
        got["ContentRange"]
        == f"bytes {5 * MIB}-{5 * MIB + len(second) - 1}/{5 * MIB + len(second)}"
    )
    head = s3.head_object(Bucket=bucket, Key="big.bin", PartNumber=1)
    assert head["ContentLength"] == 5 * MIB
    with pytest.raises(ClientError) as error:
        s3.get_object(Bucket=bucket, Key="big.bin", PartNumber=3)
    assert _error(error) == ("InvalidPartNumber", 416)
    s3.put_object(Bucket=bucket, Key="single", Body=b"one")
    assert s3.get_object(Bucket=bucket, Key="single", PartNumber=1)["Body"].read() == b"one"
