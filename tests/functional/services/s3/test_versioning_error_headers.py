"""The headers S3 sends with the errors a delete marker causes, read through boto3:
404 NoSuchKey with `x-amz-delete-marker` / `x-amz-version-id` when the key's current
version is a marker, 405 MethodNotAllowed with those, `Last-Modified` and `Allow: DELETE`
when a request names the marker's version id.

https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetObject.html
https://docs.aws.amazon.com/AmazonS3/latest/userguide/DeleteMarker.html
"""

from __future__ import annotations

from email.utils import parsedate_to_datetime
from typing import Any

import pytest
from botocore.exceptions import ClientError


def _headers(raised: pytest.ExceptionInfo[ClientError]) -> dict[str, str]:
    metadata = raised.value.response["ResponseMetadata"]
    return {name.lower(): value for name, value in metadata["HTTPHeaders"].items()}


def _marked(s3: Any, bucket: str, status: str = "Enabled") -> str:
    s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": status})
    s3.put_object(Bucket=bucket, Key="k", Body=b"x")
    marker: str = s3.delete_object(Bucket=bucket, Key="k")["VersionId"]
    return marker


def test_get_and_head_of_a_marked_key_name_the_marker(s3: Any, bucket: str) -> None:
    marker = _marked(s3, bucket)
    for call in (s3.get_object, s3.head_object):
        with pytest.raises(ClientError) as raised:
            call(Bucket=bucket, Key="k")
        assert raised.value.response["ResponseMetadata"]["HTTPStatusCode"] == 404
        headers = _headers(raised)
        assert headers["x-amz-delete-marker"] == "true"
        assert headers["x-amz-version-id"] == marker
        assert "allow" not in headers
        assert headers["x-amz-request-id"] and headers["x-amz-id-2"]


def test_a_key_never_written_has_no_marker_headers(s3: Any, bucket: str) -> None:
    with pytest.raises(ClientError) as raised:
        s3.get_object(Bucket=bucket, Key="never")
    headers = _headers(raised)
    assert raised.value.response["Error"]["Code"] == "NoSuchKey"
    assert "x-amz-delete-marker" not in headers and "x-amz-version-id" not in headers
    assert headers["x-amz-request-id"] and headers["x-amz-id-2"]


def test_naming_the_marker_version_is_405_allowing_delete(s3: Any, bucket: str) -> None:
    marker = _marked(s3, bucket)
    listed = s3.list_object_versions(Bucket=bucket)["DeleteMarkers"][0]
    for call in (s3.get_object, s3.head_object, s3.get_object_tagging):
        with pytest.raises(ClientError) as raised:
            call(Bucket=bucket, Key="k", VersionId=marker)
        assert raised.value.response["ResponseMetadata"]["HTTPStatusCode"] == 405
        headers = _headers(raised)
        assert headers["x-amz-delete-marker"] == "true"
        assert headers["x-amz-version-id"] == marker
        assert headers["allow"] == "DELETE"
        assert parsedate_to_datetime(headers["last-modified"]) == listed["LastModified"]


def test_a_suspended_bucket_marker_is_the_null_version(s3: Any, bucket: str) -> None:
    assert _marked(s3, bucket, "Suspended") == "null"
    with pytest.raises(ClientError) as raised:
        s3.get_object(Bucket=bucket, Key="k")
    assert _headers(raised)["x-amz-version-id"] == "null"
