"""S3 buckets through boto3: create, head, list, location, delete.

https://docs.aws.amazon.com/AmazonS3/latest/API/API_CreateBucket.html
https://docs.aws.amazon.com/AmazonS3/latest/API/ErrorResponses.html#ErrorCodeList
"""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError

from .conftest import S3Server


def _error(error: pytest.ExceptionInfo[ClientError]) -> tuple[str, int]:
    response = error.value.response
    return response["Error"]["Code"], response["ResponseMetadata"]["HTTPStatusCode"]


def test_create_bucket_lists_it_with_region_and_location(s3: Any) -> None:
    created = s3.create_bucket(Bucket="my-bucket")
    assert created["Location"] == "/my-bucket"
    listed = s3.list_buckets()
    assert [b["Name"] for b in listed["Buckets"]] == ["my-bucket"]
    assert listed["Buckets"][0]["BucketRegion"] == "us-east-1"
    assert len(listed["Owner"]["ID"]) == 64
    assert s3.get_bucket_location(Bucket="my-bucket")["LocationConstraint"] is None
    head = s3.head_bucket(Bucket="my-bucket")
    assert head["BucketRegion"] == "us-east-1"


def test_bucket_in_another_region_reports_its_location(server: S3Server) -> None:
    s3 = server.client()
    configuration = {"LocationConstraint": "eu-west-1"}
    s3.create_bucket(Bucket="euro-bucket", CreateBucketConfiguration=configuration)
    assert s3.get_bucket_location(Bucket="euro-bucket")["LocationConstraint"] == "eu-west-1"
    # Outside North Virginia, creating a bucket you own again is an error.
    with pytest.raises(ClientError) as error:
        s3.create_bucket(Bucket="euro-bucket", CreateBucketConfiguration=configuration)
    assert _error(error) == ("BucketAlreadyOwnedByYou", 409)
    assert error.value.response["Error"]["BucketName"] == "euro-bucket"


def test_recreating_an_owned_us_east_1_bucket_is_200_for_legacy_compatibility(s3: Any) -> None:
    s3.create_bucket(Bucket="legacy-bucket")
    again = s3.create_bucket(Bucket="legacy-bucket")
    assert again["ResponseMetadata"]["HTTPStatusCode"] == 200


@pytest.mark.parametrize("name", ["ab", "Upper", "-lead", "trail-", "a..b", "192.168.5.4"])
def test_invalid_bucket_names_are_refused(s3: Any, name: str) -> None:
    with pytest.raises(ClientError) as error:
        s3.create_bucket(Bucket=name)
    assert _error(error) == ("InvalidBucketName", 400)


def test_missing_bucket_is_no_such_bucket(s3: Any) -> None:
    with pytest.raises(ClientError) as error:
        s3.list_objects_v2(Bucket="missing-bucket")
    assert _error(error) == ("NoSuchBucket", 404)
    assert error.value.response["Error"]["Message"] == "The specified bucket does not exist"
    assert error.value.response["Error"]["BucketName"] == "missing-bucket"
    with pytest.raises(ClientError) as error:
        s3.head_bucket(Bucket="missing-bucket")
    # HEAD answers carry no body: botocore names the error by its status.
    assert _error(error) == ("404", 404)


def test_delete_bucket_refuses_a_non_empty_bucket(s3: Any, bucket: str) -> None:
    s3.put_object(Bucket=bucket, Key="x", Body=b"1")
    with pytest.raises(ClientError) as error:
        s3.delete_bucket(Bucket=bucket)
    assert _error(error) == ("BucketNotEmpty", 409)
    assert "not empty" in error.value.response["Error"]["Message"]
    s3.delete_object(Bucket=bucket, Key="x")
    deleted = s3.delete_bucket(Bucket=bucket)
    assert deleted["ResponseMetadata"]["HTTPStatusCode"] == 204
    assert s3.list_buckets()["Buckets"] == []
    with pytest.raises(ClientError) as error:
        s3.delete_bucket(Bucket=bucket)
    assert _error(error) == ("NoSuchBucket", 404)


def test_error_document_is_s3_shaped(server: S3Server) -> None:
    import httpx
    from botocore.auth import SigV4Auth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials

    request = AWSRequest(method="GET", url=f"{server.url}/nowhere-bucket?list-type=2")
    SigV4Auth(Credentials("test", "test"), "s3", "us-east-1").add_auth(request)
    response = httpx.get(request.url, headers=dict(request.headers))
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/xml"
    body = response.text
    assert body.startswith(
        '<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>NoSuchBucket</Code>'
    )
    assert "<BucketName>nowhere-bucket</BucketName>" in body
    assert "<Resource>/nowhere-bucket</Resource>" in body
    assert f"<RequestId>{response.headers['x-amz-request-id']}</RequestId>" in body
    assert "<HostId>" in body


def test_operations_not_served_yet_name_themselves(s3: Any, bucket: str) -> None:
    with pytest.raises(ClientError) as error:
        s3.put_bucket_accelerate_configuration(
            Bucket=bucket, AccelerateConfiguration={"Status": "Enabled"}
        )
    assert _error(error) == ("NotImplemented", 501)
    assert "s3:PutBucketAccelerateConfiguration" in error.value.response["Error"]["Message"]
    with pytest.raises(ClientError) as error:
        s3.get_bucket_accelerate_configuration(Bucket=bucket)
    assert "s3:GetBucketAccelerateConfiguration" in error.value.response["Error"]["Message"]


def test_list_buckets_pages_and_filters(s3: Any) -> None:
    for name in ("aaa-one", "aaa-two", "bbb-three"):
        s3.create_bucket(Bucket=name)
    first = s3.list_buckets(MaxBuckets=2)
    assert [b["Name"] for b in first["Buckets"]] == ["aaa-one", "aaa-two"]
    rest = s3.list_buckets(MaxBuckets=2, ContinuationToken=first["ContinuationToken"])
    assert [b["Name"] for b in rest["Buckets"]] == ["bbb-three"]
    assert "ContinuationToken" not in rest
    assert [b["Name"] for b in s3.list_buckets(Prefix="aaa")["Buckets"]] == ["aaa-one", "aaa-two"]
    paginated = [
        b["Name"]
        for page in s3.get_paginator("list_buckets").paginate(PaginationConfig={"PageSize": 1})
        for b in page["Buckets"]
    ]
    assert paginated == ["aaa-one", "aaa-two", "bbb-three"]


def test_expected_bucket_owner_must_be_this_account(s3: Any, bucket: str) -> None:
    s3.put_object(Bucket=bucket, Key="k", Body=b"x", ExpectedBucketOwner="123456789012")
    with pytest.raises(ClientError) as error:
        s3.get_object(Bucket=bucket, Key="k", ExpectedBucketOwner="210987654321")
    assert _error(error) == ("AccessDenied", 403)
