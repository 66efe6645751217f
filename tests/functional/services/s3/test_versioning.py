"""Bucket versioning through boto3: version ids, delete markers, versioned GET/HEAD/DELETE,
copies and multipart completions writing versions, and Suspended's "null" version.

https://docs.aws.amazon.com/AmazonS3/latest/userguide/Versioning.html
"""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError


def _error(raised: pytest.ExceptionInfo[ClientError]) -> tuple[str, int]:
    response = raised.value.response
    return response["Error"]["Code"], response["ResponseMetadata"]["HTTPStatusCode"]


def _enable(s3: Any, bucket: str, status: str = "Enabled") -> None:
    s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": status})


def test_never_versioned_bucket_answers_no_status(s3: Any, bucket: str) -> None:
    answer = s3.get_bucket_versioning(Bucket=bucket)
    assert "Status" not in answer
    put = s3.put_object(Bucket=bucket, Key="a", Body=b"1")
    assert "VersionId" not in put


def test_status_round_trips_and_rejects_others(s3: Any, bucket: str) -> None:
    _enable(s3, bucket)
    assert s3.get_bucket_versioning(Bucket=bucket)["Status"] == "Enabled"
    _enable(s3, bucket, "Suspended")
    assert s3.get_bucket_versioning(Bucket=bucket)["Status"] == "Suspended"
    with pytest.raises(ClientError) as raised:
        _enable(s3, bucket, "Off")
    assert _error(raised) == ("MalformedXML", 400)
    with pytest.raises(ClientError) as raised:
        s3.get_bucket_versioning(Bucket="missing-bucket")
    assert _error(raised) == ("NoSuchBucket", 404)


def test_each_put_makes_a_version_readable_by_id(s3: Any, bucket: str) -> None:
    s3.put_object(Bucket=bucket, Key="k", Body=b"before")  # the "null" version
    _enable(s3, bucket)
    first = s3.put_object(Bucket=bucket, Key="k", Body=b"one")["VersionId"]
    second = s3.put_object(Bucket=bucket, Key="k", Body=b"two")["VersionId"]
    assert first != second and "null" not in (first, second)
    latest = s3.get_object(Bucket=bucket, Key="k")
    assert latest["Body"].read() == b"two" and latest["VersionId"] == second
    old = s3.get_object(Bucket=bucket, Key="k", VersionId=first)
    assert old["Body"].read() == b"one" and old["VersionId"] == first
    null = s3.get_object(Bucket=bucket, Key="k", VersionId="null")
    assert null["Body"].read() == b"before"
    head = s3.head_object(Bucket=bucket, Key="k", VersionId=first)
    assert head["ContentLength"] == 3 and head["VersionId"] == first


def test_unknown_and_malformed_version_ids(s3: Any, bucket: str) -> None:
    _enable(s3, bucket)
    s3.put_object(Bucket=bucket, Key="k", Body=b"x")
    with pytest.raises(ClientError) as raised:
        s3.get_object(Bucket=bucket, Key="k", VersionId="0" * 32)
    assert _error(raised) == ("NoSuchVersion", 404)
    assert raised.value.response["Error"]["Message"] == "The specified version does not exist."
    with pytest.raises(ClientError) as raised:
        s3.get_object(Bucket=bucket, Key="k", VersionId="not-a-version")
    assert _error(raised) == ("InvalidArgument", 400)
    assert raised.value.response["Error"]["Message"] == "Invalid version id specified"
    with pytest.raises(ClientError) as raised:
        s3.delete_object(Bucket=bucket, Key="k", VersionId="not-a-version")
    assert _error(raised) == ("InvalidArgument", 400)


def test_delete_makes_a_marker_and_hides_the_key(s3: Any, bucket: str) -> None:
    _enable(s3, bucket)
    kept = s3.put_object(Bucket=bucket, Key="k", Body=b"kept")["VersionId"]
    deleted = s3.delete_object(Bucket=bucket, Key="k")
    assert deleted["DeleteMarker"] is True
    marker = deleted["VersionId"]
    assert marker != kept
    with pytest.raises(ClientError) as raised:
        s3.get_object(Bucket=bucket, Key="k")
    assert _error(raised) == ("NoSuchKey", 404)
    assert "Contents" not in s3.list_objects_v2(Bucket=bucket)
    # The marker by version id: 405 MethodNotAllowed.
    with pytest.raises(ClientError) as raised:
        s3.get_object(Bucket=bucket, Key="k", VersionId=marker)
    assert _error(raised) == ("MethodNotAllowed", 405)
    assert s3.get_object(Bucket=bucket, Key="k", VersionId=kept)["Body"].read() == b"kept"
    # Removing the marker itself brings the object back.
    removed = s3.delete_object(Bucket=bucket, Key="k", VersionId=marker)
    assert removed["DeleteMarker"] is True and removed["VersionId"] == marker
    assert s3.get_object(Bucket=bucket, Key="k")["Body"].read() == b"kept"


def test_deleting_a_version_removes_it_for_good(s3: Any, bucket: str) -> None:
    _enable(s3, bucket)
    first = s3.put_object(Bucket=bucket, Key="k", Body=b"one")["VersionId"]
    second = s3.put_object(Bucket=bucket, Key="k", Body=b"two")["VersionId"]
    answer = s3.delete_object(Bucket=bucket, Key="k", VersionId=second)
    assert answer["VersionId"] == second and "DeleteMarker" not in answer
    current = s3.get_object(Bucket=bucket, Key="k")
    assert current["Body"].read() == b"one" and current["VersionId"] == first
    with pytest.raises(ClientError) as raised:
        s3.get_object(Bucket=bucket, Key="k", VersionId=second)
    assert _error(raised) == ("NoSuchVersion", 404)
    s3.delete_object(Bucket=bucket, Key="k", VersionId=first)
    assert "Versions" not in s3.list_object_versions(Bucket=bucket)
    s3.delete_bucket(Bucket=bucket)


def test_a_bucket_holding_versions_is_not_empty(s3: Any, bucket: str) -> None:
    _enable(s3, bucket)
    s3.put_object(Bucket=bucket, Key="k", Body=b"x")
    s3.delete_object(Bucket=bucket, Key="k")
    with pytest.raises(ClientError) as raised:
        s3.delete_bucket(Bucket=bucket)
    assert _error(raised) == ("BucketNotEmpty", 409)


def test_suspended_overwrites_the_null_version(s3: Any, bucket: str) -> None:
    _enable(s3, bucket)
    kept = s3.put_object(Bucket=bucket, Key="k", Body=b"versioned")["VersionId"]
    _enable(s3, bucket, "Suspended")
    assert s3.put_object(Bucket=bucket, Key="k", Body=b"n1")["VersionId"] == "null"
    s3.put_object(Bucket=bucket, Key="k", Body=b"n2")
    listed = s3.list_object_versions(Bucket=bucket)["Versions"]
    assert [(v["VersionId"], v["IsLatest"]) for v in listed] == [("null", True), (kept, False)]
    assert s3.get_object(Bucket=bucket, Key="k", VersionId="null")["Body"].read() == b"n2"
    # A delete while suspended makes a "null" delete marker, replacing the null version.
    deleted = s3.delete_object(Bucket=bucket, Key="k")
    assert deleted["DeleteMarker"] is True and deleted["VersionId"] == "null"
    answer = s3.list_object_versions(Bucket=bucket)
    assert [v["VersionId"] for v in answer["Versions"]] == [kept]
    assert [(m["VersionId"], m["IsLatest"]) for m in answer["DeleteMarkers"]] == [("null", True)]


def test_copy_from_a_version(s3: Any, bucket: str) -> None:
    _enable(s3, bucket)
    first = s3.put_object(Bucket=bucket, Key="src", Body=b"first")["VersionId"]
    s3.put_object(Bucket=bucket, Key="src", Body=b"second")
    copied = s3.copy_object(
        Bucket=bucket, Key="dst", CopySource={"Bucket": bucket, "Key": "src", "VersionId": first}
    )
    assert copied["CopySourceVersionId"] == first
    assert copied["VersionId"] not in ("null", first)
    assert s3.get_object(Bucket=bucket, Key="dst")["Body"].read() == b"first"
    marker = s3.delete_object(Bucket=bucket, Key="src")["VersionId"]
    with pytest.raises(ClientError) as raised:
        s3.copy_object(
            Bucket=bucket,
            Key="dst",
            CopySource={"Bucket": bucket, "Key": "src", "VersionId": marker},
        )
    assert _error(raised) == ("InvalidRequest", 400)
    with pytest.raises(ClientError) as raised:
        s3.copy_object(Bucket=bucket, Key="dst", CopySource={"Bucket": bucket, "Key": "src"})
    assert _error(raised) == ("NoSuchKey", 404)


def test_multipart_completion_makes_a_version(s3: Any, bucket: str) -> None:
    _enable(s3, bucket)
    before = s3.put_object(Bucket=bucket, Key="big", Body=b"small")["VersionId"]
    upload = s3.create_multipart_upload(Bucket=bucket, Key="big")["UploadId"]
    part = s3.upload_part(Bucket=bucket, Key="big", UploadId=upload, PartNumber=1, Body=b"p")
    done = s3.complete_multipart_upload(
        Bucket=bucket,
        Key="big",
        UploadId=upload,
        MultipartUpload={"Parts": [{"PartNumber": 1, "ETag": part["ETag"]}]},
    )
    assert done["VersionId"] != before
    assert s3.get_object(Bucket=bucket, Key="big")["Body"].read() == b"p"
    assert s3.get_object(Bucket=bucket, Key="big", VersionId=before)["Body"].read() == b"small"


def test_delete_objects_with_version_ids(s3: Any, bucket: str) -> None:
    _enable(s3, bucket)
    first = s3.put_object(Bucket=bucket, Key="a", Body=b"1")["VersionId"]
    answer = s3.delete_objects(
        Bucket=bucket,
        Delete={"Objects": [{"Key": "a", "VersionId": first}, {"Key": "b"}]},
    )
    by_key = {entry["Key"]: entry for entry in answer["Deleted"]}
    assert by_key["a"]["VersionId"] == first
    assert by_key["b"]["DeleteMarker"] is True and by_key["b"]["DeleteMarkerVersionId"]
    listed = s3.list_object_versions(Bucket=bucket)
    assert "Versions" not in listed
    assert [m["Key"] for m in listed["DeleteMarkers"]] == ["b"]


def test_tags_of_one_version(s3: Any, bucket: str) -> None:
    _enable(s3, bucket)
    first = s3.put_object(Bucket=bucket, Key="k", Body=b"1", Tagging="v=one")["VersionId"]
    second = s3.put_object(Bucket=bucket, Key="k", Body=b"2")["VersionId"]
    answer = s3.put_object_tagging(
        Bucket=bucket, Key="k", VersionId=first, Tagging={"TagSet": [{"Key": "v", "Value": "1"}]}
    )
    assert answer["VersionId"] == first
    old = s3.get_object_tagging(Bucket=bucket, Key="k", VersionId=first)
    assert old["TagSet"] == [{"Key": "v", "Value": "1"}] and old["VersionId"] == first
    current = s3.get_object_tagging(Bucket=bucket, Key="k")
    assert current["TagSet"] == [] and current["VersionId"] == second


def test_head_of_a_delete_marker_version_is_405(s3: Any, bucket: str) -> None:
    _enable(s3, bucket)
    s3.put_object(Bucket=bucket, Key="k", Body=b"x")
    marker = s3.delete_object(Bucket=bucket, Key="k")["VersionId"]
    with pytest.raises(ClientError) as raised:
        s3.head_object(Bucket=bucket, Key="k", VersionId=marker)
    assert raised.value.response["ResponseMetadata"]["HTTPStatusCode"] == 405
    with pytest.raises(ClientError) as raised:
        s3.head_object(Bucket=bucket, Key="k")
    assert raised.value.response["ResponseMetadata"]["HTTPStatusCode"] == 404
