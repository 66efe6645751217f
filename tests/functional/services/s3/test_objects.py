"""S3 objects through boto3: put/get/head/delete, ranges, conditional requests, metadata
and content headers, copies, batch deletes, tagging.

https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetObject.html
https://docs.aws.amazon.com/AmazonS3/latest/API/API_CopyObject.html
"""

from __future__ import annotations

import base64
import hashlib
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from botocore.exceptions import ClientError

from .conftest import S3Server

BODY = b"0123456789abcdefghij"
ETAG = f'"{hashlib.md5(BODY).hexdigest()}"'


def _error(error: pytest.ExceptionInfo[ClientError]) -> tuple[str, int]:
    response = error.value.response
    return response["Error"]["Code"], response["ResponseMetadata"]["HTTPStatusCode"]


def _put(s3: Any, bucket: str, key: str = "doc.txt", **options: Any) -> dict[str, Any]:
    return s3.put_object(Bucket=bucket, Key=key, Body=BODY, **options)  # type: ignore[no-any-return]


def test_put_and_get_round_trip_metadata_and_content_headers(s3: Any, bucket: str) -> None:
    expires = datetime(2030, 1, 2, 3, 4, 5, tzinfo=UTC)
    put = _put(
        s3,
        bucket,
        "dir/My File.txt",
        ContentType="text/plain; charset=utf-8",
        CacheControl="max-age=60",
        ContentDisposition='attachment; filename="f.txt"',
        ContentEncoding="identity",
        ContentLanguage="en",
        Expires=expires,
        Metadata={"Owner": "alice", "purpose": "test"},
    )
    assert put["ETag"] == ETAG
    got = s3.get_object(Bucket=bucket, Key="dir/My File.txt")
    assert got["Body"].read() == BODY
    assert got["ETag"] == ETAG
    assert got["ContentLength"] == len(BODY)
    assert got["ContentType"] == "text/plain; charset=utf-8"
    assert got["CacheControl"] == "max-age=60"
    assert got["ContentDisposition"] == 'attachment; filename="f.txt"'
    assert got["ContentEncoding"] == "identity"
    assert got["ContentLanguage"] == "en"
    assert got["ResponseMetadata"]["HTTPHeaders"]["expires"] == "Wed, 02 Jan 2030 03:04:05 GMT"
    # S3 stores user metadata keys in lower case.
    assert got["Metadata"] == {"owner": "alice", "purpose": "test"}
    assert got["AcceptRanges"] == "bytes"
    assert got["LastModified"].tzinfo is not None


def test_default_content_type_and_empty_object(s3: Any, bucket: str) -> None:
    s3.put_object(Bucket=bucket, Key="empty")
    got = s3.get_object(Bucket=bucket, Key="empty")
    assert got["Body"].read() == b""
    assert got["ContentType"] == "binary/octet-stream"
    assert got["ETag"] == f'"{hashlib.md5(b"").hexdigest()}"'


def test_head_object_reports_length_without_body(s3: Any, bucket: str) -> None:
    _put(s3, bucket, Metadata={"a": "b"})
    head = s3.head_object(Bucket=bucket, Key="doc.txt")
    assert head["ContentLength"] == len(BODY)
    assert head["ETag"] == ETAG
    assert head["Metadata"] == {"a": "b"}
    with pytest.raises(ClientError) as error:
        s3.head_object(Bucket=bucket, Key="absent")
    assert _error(error) == ("404", 404)


def test_missing_key_is_no_such_key(s3: Any, bucket: str) -> None:
    with pytest.raises(ClientError) as error:
        s3.get_object(Bucket=bucket, Key="no/such/key")
    assert _error(error) == ("NoSuchKey", 404)
    assert error.value.response["Error"]["Message"] == "The specified key does not exist."
    assert error.value.response["Error"]["Key"] == "no/such/key"
    assert error.value.response["Error"]["Resource"] == f"/{bucket}/no/such/key"


def test_put_into_a_missing_bucket_is_no_such_bucket(s3: Any) -> None:
    with pytest.raises(ClientError) as error:
        s3.put_object(Bucket="no-bucket-here", Key="k", Body=b"x")
    assert _error(error) == ("NoSuchBucket", 404)


@pytest.mark.parametrize(
    ("header", "content", "content_range"),
    [
        ("bytes=0-4", b"01234", "bytes 0-4/20"),
        ("bytes=15-", b"fghij", "bytes 15-19/20"),
        ("bytes=-3", b"hij", "bytes 17-19/20"),
        ("bytes=18-100", b"ij", "bytes 18-19/20"),
    ],
)
def test_range_answers_206_with_content_range(
    s3: Any, bucket: str, header: str, content: bytes, content_range: str
) -> None:
    _put(s3, bucket)
    got = s3.get_object(Bucket=bucket, Key="doc.txt", Range=header)
    assert got["ResponseMetadata"]["HTTPStatusCode"] == 206
    assert got["Body"].read() == content
    assert got["ContentRange"] == content_range
    assert got["ContentLength"] == len(content)


def test_unsatisfiable_range_is_invalid_range(s3: Any, bucket: str) -> None:
    _put(s3, bucket)
    with pytest.raises(ClientError) as error:
        s3.get_object(Bucket=bucket, Key="doc.txt", Range="bytes=20-30")
    assert _error(error) == ("InvalidRange", 416)
    assert error.value.response["Error"]["Message"] == "The requested range is not satisfiable"
    assert error.value.response["Error"]["ActualObjectSize"] == "20"


def test_malformed_range_returns_the_whole_object(s3: Any, bucket: str) -> None:
    _put(s3, bucket)
    got = s3.get_object(Bucket=bucket, Key="doc.txt", Range="bytes=abc")
    assert got["ResponseMetadata"]["HTTPStatusCode"] == 200
    assert got["Body"].read() == BODY


def test_if_match_and_if_none_match(s3: Any, bucket: str) -> None:
    _put(s3, bucket)
    assert s3.get_object(Bucket=bucket, Key="doc.txt", IfMatch=ETAG)["Body"].read() == BODY
    with pytest.raises(ClientError) as error:
        s3.get_object(Bucket=bucket, Key="doc.txt", IfMatch='"0000"')
    assert _error(error) == ("PreconditionFailed", 412)
    assert error.value.response["Error"]["Condition"] == "If-Match"
    with pytest.raises(ClientError) as error:
        s3.get_object(Bucket=bucket, Key="doc.txt", IfNoneMatch=ETAG)
    assert _error(error) == ("304", 304)
    other = s3.get_object(Bucket=bucket, Key="doc.txt", IfNoneMatch='"other"')
    assert other["Body"].read() == BODY


def test_if_modified_since_and_if_unmodified_since(s3: Any, bucket: str) -> None:
    _put(s3, bucket)
    modified = s3.head_object(Bucket=bucket, Key="doc.txt")["LastModified"]
    before, after = modified - timedelta(hours=1), modified + timedelta(hours=1)
    assert s3.get_object(Bucket=bucket, Key="doc.txt", IfModifiedSince=before)["ETag"] == ETAG
    with pytest.raises(ClientError) as error:
        s3.get_object(Bucket=bucket, Key="doc.txt", IfModifiedSince=after)
    assert _error(error) == ("304", 304)
    assert s3.get_object(Bucket=bucket, Key="doc.txt", IfUnmodifiedSince=after)["ETag"] == ETAG
    with pytest.raises(ClientError) as error:
        s3.get_object(Bucket=bucket, Key="doc.txt", IfUnmodifiedSince=before)
    assert _error(error) == ("PreconditionFailed", 412)
    with pytest.raises(ClientError) as error:
        s3.head_object(Bucket=bucket, Key="doc.txt", IfUnmodifiedSince=before)
    assert _error(error) == ("412", 412)


def test_if_match_true_wins_over_if_unmodified_since_false(s3: Any, bucket: str) -> None:
    # API_GetObject: If-Match true and If-Unmodified-Since false -> 200 OK.
    _put(s3, bucket)
    modified = s3.head_object(Bucket=bucket, Key="doc.txt")["LastModified"]
    got = s3.get_object(
        Bucket=bucket,
        Key="doc.txt",
        IfMatch=ETAG,
        IfUnmodifiedSince=modified - timedelta(hours=1),
    )
    assert got["ResponseMetadata"]["HTTPStatusCode"] == 200


def test_if_none_match_false_and_if_modified_since_true_is_304(s3: Any, bucket: str) -> None:
    _put(s3, bucket)
    modified = s3.head_object(Bucket=bucket, Key="doc.txt")["LastModified"]
    with pytest.raises(ClientError) as error:
        s3.get_object(
            Bucket=bucket,
            Key="doc.txt",
            IfNoneMatch=ETAG,
            IfModifiedSince=modified - timedelta(hours=1),
        )
    assert _error(error) == ("304", 304)


def test_conditional_put_if_none_match_star(s3: Any, bucket: str) -> None:
    _put(s3, bucket, IfNoneMatch="*")
    with pytest.raises(ClientError) as error:
        _put(s3, bucket, IfNoneMatch="*")
    assert _error(error) == ("PreconditionFailed", 412)


def test_content_md5_is_checked(s3: Any, bucket: str) -> None:
    good = base64.b64encode(hashlib.md5(BODY).digest()).decode()
    assert _put(s3, bucket, ContentMD5=good)["ETag"] == ETAG
    wrong = base64.b64encode(hashlib.md5(b"other").digest()).decode()
    with pytest.raises(ClientError) as error:
        _put(s3, bucket, "bad", ContentMD5=wrong)
    assert _error(error) == ("BadDigest", 400)
    with pytest.raises(ClientError) as error:
        s3.head_object(Bucket=bucket, Key="bad")
    assert _error(error) == ("404", 404)


def test_response_overrides_content_headers(s3: Any, bucket: str) -> None:
    _put(s3, bucket, ContentType="text/plain")
    got = s3.get_object(
        Bucket=bucket,
        Key="doc.txt",
        ResponseContentType="application/json",
        ResponseContentDisposition="inline",
    )
    assert got["ContentType"] == "application/json"
    assert got["ContentDisposition"] == "inline"


def test_delete_object_is_idempotent(s3: Any, bucket: str) -> None:
    _put(s3, bucket)
    assert (
        s3.delete_object(Bucket=bucket, Key="doc.txt")["ResponseMetadata"]["HTTPStatusCode"] == 204
    )
    assert (
        s3.delete_object(Bucket=bucket, Key="doc.txt")["ResponseMetadata"]["HTTPStatusCode"] == 204
    )
    with pytest.raises(ClientError):
        s3.get_object(Bucket=bucket, Key="doc.txt")


def test_delete_objects_reports_each_key(s3: Any, bucket: str) -> None:
    for key in ("a", "b", "c"):
        _put(s3, bucket, key)
    result = s3.delete_objects(
        Bucket=bucket, Delete={"Objects": [{"Key": "a"}, {"Key": "b"}, {"Key": "zzz"}]}
    )
    assert sorted(d["Key"] for d in result["Deleted"]) == ["a", "b", "zzz"]
    assert "Errors" not in result
    keys = [o["Key"] for o in s3.list_objects_v2(Bucket=bucket)["Contents"]]
    assert keys == ["c"]
    quiet = s3.delete_objects(Bucket=bucket, Delete={"Objects": [{"Key": "c"}], "Quiet": True})
    assert "Deleted" not in quiet
    assert s3.list_objects_v2(Bucket=bucket)["KeyCount"] == 0


def test_copy_object_copies_data_and_metadata(s3: Any, bucket: str) -> None:
    _put(s3, bucket, "src.txt", ContentType="text/plain", Metadata={"k": "v"})
    s3.create_bucket(Bucket="other-bucket")
    copied = s3.copy_object(
        Bucket="other-bucket", Key="copy.txt", CopySource={"Bucket": bucket, "Key": "src.txt"}
    )
    assert copied["CopyObjectResult"]["ETag"] == ETAG
    got = s3.get_object(Bucket="other-bucket", Key="copy.txt")
    assert got["Body"].read() == BODY
    assert got["ContentType"] == "text/plain"
    assert got["Metadata"] == {"k": "v"}


def test_copy_object_replace_directive_and_self_copy(s3: Any, bucket: str) -> None:
    _put(s3, bucket, "src.txt", Metadata={"k": "v"})
    with pytest.raises(ClientError) as error:
        s3.copy_object(Bucket=bucket, Key="src.txt", CopySource=f"{bucket}/src.txt")
    assert _error(error) == ("InvalidRequest", 400)
    s3.copy_object(
        Bucket=bucket,
        Key="src.txt",
        CopySource=f"{bucket}/src.txt",
        MetadataDirective="REPLACE",
        Metadata={"new": "1"},
        ContentType="text/csv",
    )
    head = s3.head_object(Bucket=bucket, Key="src.txt")
    assert head["Metadata"] == {"new": "1"}
    assert head["ContentType"] == "text/csv"


def test_copy_of_a_source_over_5_gb_is_refused(server: S3Server, s3: Any, bucket: str) -> None:
    s3.put_object(Bucket=bucket, Key="huge.bin", Body=b"stand-in")
    # The record of an object past 5 GB (made by a multipart upload), without 5 GB of disk.
    store = server.provider.state.store
    record = store.get(bucket, "huge.bin")
    assert record is not None
    record.size = 5 * 1024**3 + 1
    store.update(bucket, record)
    with pytest.raises(ClientError) as refused:
        s3.copy_object(Bucket=bucket, Key="copy.bin", CopySource=f"{bucket}/huge.bin")
    assert refused.value.response["Error"]["Code"] == "InvalidRequest"
    assert refused.value.response["Error"]["Message"] == (
        "The specified copy source is larger than the maximum allowable size for a copy "
        "source: 5368709120"
    )


def test_copy_from_missing_source_and_failed_copy_condition(s3: Any, bucket: str) -> None:
    with pytest.raises(ClientError) as error:
        s3.copy_object(Bucket=bucket, Key="dst", CopySource=f"{bucket}/missing")
    assert _error(error) == ("NoSuchKey", 404)
    _put(s3, bucket, "src.txt")
    with pytest.raises(ClientError) as error:
        s3.copy_object(
            Bucket=bucket, Key="dst", CopySource=f"{bucket}/src.txt", CopySourceIfMatch='"x"'
        )
    assert _error(error) == ("PreconditionFailed", 412)


def test_object_tagging_round_trip(s3: Any, bucket: str) -> None:
    _put(s3, bucket, Tagging="team=blue&stage=dev")
    tags = s3.get_object_tagging(Bucket=bucket, Key="doc.txt")["TagSet"]
    assert {t["Key"]: t["Value"] for t in tags} == {"team": "blue", "stage": "dev"}
    assert s3.get_object(Bucket=bucket, Key="doc.txt")["TagCount"] == 2
    s3.put_object_tagging(
        Bucket=bucket, Key="doc.txt", Tagging={"TagSet": [{"Key": "only", "Value": "one"}]}
    )
    assert s3.get_object_tagging(Bucket=bucket, Key="doc.txt")["TagSet"] == [
        {"Key": "only", "Value": "one"}
    ]
    deleted = s3.delete_object_tagging(Bucket=bucket, Key="doc.txt")
    assert deleted["ResponseMetadata"]["HTTPStatusCode"] == 204
    assert s3.get_object_tagging(Bucket=bucket, Key="doc.txt")["TagSet"] == []


def test_tagging_limits(s3: Any, bucket: str) -> None:
    _put(s3, bucket)
    eleven = [{"Key": f"k{i}", "Value": "v"} for i in range(11)]
    with pytest.raises(ClientError) as error:
        s3.put_object_tagging(Bucket=bucket, Key="doc.txt", Tagging={"TagSet": eleven})
    assert _error(error) == ("BadRequest", 400)
    twice = [{"Key": "k", "Value": "1"}, {"Key": "k", "Value": "2"}]
    with pytest.raises(ClientError) as error:
        s3.put_object_tagging(Bucket=bucket, Key="doc.txt", Tagging={"TagSet": twice})
    assert _error(error) == ("InvalidTag", 400)
    with pytest.raises(ClientError) as error:
        s3.get_object_tagging(Bucket=bucket, Key="missing")
    assert _error(error) == ("NoSuchKey", 404)


def test_keys_with_special_characters(s3: Any, bucket: str) -> None:
    keys = ["a+b=c&d.txt", "ünïcode/ключ.bin", "spaces in/the name", "x/../y", "100%"]
    for key in keys:
        s3.put_object(Bucket=bucket, Key=key, Body=key.encode())
    for key in keys:
        assert s3.get_object(Bucket=bucket, Key=key)["Body"].read() == key.encode()
    listed = [o["Key"] for o in s3.list_objects_v2(Bucket=bucket)["Contents"]]
    assert listed == sorted(keys, key=lambda k: k.encode())


def test_key_and_metadata_size_limits(s3: Any, bucket: str) -> None:
    s3.put_object(Bucket=bucket, Key="k" * 1024, Body=b"x")
    with pytest.raises(ClientError) as error:
        s3.put_object(Bucket=bucket, Key="k" * 1025, Body=b"x")
    assert _error(error) == ("KeyTooLongError", 400)
    s3.put_object(Bucket=bucket, Key="m", Body=b"x", Metadata={"a": "v" * 2047})
    with pytest.raises(ClientError) as error:
        s3.put_object(Bucket=bucket, Key="m2", Body=b"x", Metadata={"a": "v" * 2048})
    assert _error(error) == ("MetadataTooLarge", 400)


@pytest.mark.parametrize("algorithm", ["CRC32", "SHA1", "SHA256"])
def test_additional_checksums_are_checked_stored_and_answered(
    server: S3Server, s3: Any, bucket: str, algorithm: str
) -> None:
    put = _put(s3, bucket, ChecksumAlgorithm=algorithm)
    member = f"Checksum{algorithm}"
    assert put[member]
    got = s3.get_object(Bucket=bucket, Key="doc.txt", ChecksumMode="ENABLED")
    assert got[member] == put[member]
    assert got["Body"].read() == BODY  # botocore verified the body against the checksum
    head = s3.head_object(Bucket=bucket, Key="doc.txt", ChecksumMode="ENABLED")
    assert head[member] == put[member]
    # Only a client that asks (boto3 does by default) gets them.
    plain = server.client(response_checksum_validation="when_required")
    assert member not in plain.get_object(Bucket=bucket, Key="doc.txt")


def test_wrong_checksum_is_bad_digest(s3: Any, bucket: str) -> None:
    with pytest.raises(ClientError) as error:
        s3.put_object(Bucket=bucket, Key="k", Body=BODY, ChecksumCRC32="AAAAAA==")
    assert _error(error) == ("BadDigest", 400)
    assert error.value.response["Error"]["Message"] == (
        "The CRC32 you specified did not match the calculated checksum."
    )


def test_acls_are_refused_as_a_bucket_owner_enforced_bucket_does(s3: Any, bucket: str) -> None:
    _put(s3, bucket, ACL="bucket-owner-full-control")
    for options in (
        {"ACL": "public-read"},
        {"GrantRead": 'uri="http://acs.amazonaws.com/groups/global/AllUsers"'},
    ):
        with pytest.raises(ClientError) as error:
            _put(s3, bucket, "acl.txt", **options)
        assert _error(error) == ("AccessControlListNotSupported", 400)
        assert error.value.response["Error"]["Message"] == "The bucket does not allow ACLs"
    with pytest.raises(ClientError) as error:
        s3.create_multipart_upload(Bucket=bucket, Key="m", ACL="public-read")
    assert _error(error) == ("AccessControlListNotSupported", 400)


def test_sse_s3_is_reported_and_sse_kms_is_not_implemented(s3: Any, bucket: str) -> None:
    assert _put(s3, bucket)["ServerSideEncryption"] == "AES256"
    assert _put(s3, bucket, ServerSideEncryption="AES256")["ServerSideEncryption"] == "AES256"
    assert s3.head_object(Bucket=bucket, Key="doc.txt")["ServerSideEncryption"] == "AES256"
    with pytest.raises(ClientError) as error:
        _put(s3, bucket, "kms.txt", ServerSideEncryption="aws:kms")
    assert _error(error) == ("NotImplemented", 501)


def test_concurrent_create_only_puts_let_exactly_one_win(server: S3Server, bucket: str) -> None:
    from concurrent.futures import ThreadPoolExecutor

    clients = [server.client() for _ in range(6)]

    def attempt(index: int) -> bool:
        try:
            clients[index].put_object(
                Bucket=bucket, Key="once", Body=b"%d" % index * 100_000, IfNoneMatch="*"
            )
            return True
        except ClientError as error:
            assert error.response["Error"]["Code"] == "PreconditionFailed"
            return False

    with ThreadPoolExecutor(6) as pool:
        outcomes = list(pool.map(attempt, range(6)))
    assert outcomes.count(True) == 1
