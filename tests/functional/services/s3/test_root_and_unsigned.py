"""Gaps closed around bucket policies and browsers: the account root is stopped by a
bucket policy's explicit Deny (but can always fix the policy), error answers carry the
matching CORS rule's headers, and unsigned path-style requests to `s3.localhost` are S3's."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest
from botocore.exceptions import ClientError

from tests.functional.services.s3.conftest import S3Server

DENY_EVERYONE_DELETE = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Effect": "Deny",
            "Principal": "*",
            "Action": ["s3:DeleteObject", "s3:PutBucketPolicy", "s3:GetBucketPolicy"],
            "Resource": ["arn:aws:s3:::photos", "arn:aws:s3:::photos/*"],
        },
        {
            "Effect": "Allow",
            "Principal": "*",
            "Action": "s3:GetObject",
            "Resource": "arn:aws:s3:::photos/public/*",
        },
    ],
}


def test_a_bucket_policy_deny_stops_the_account_root(s3: Any, bucket: str) -> None:
    s3.put_object(Bucket=bucket, Key="keep.txt", Body=b"x")
    s3.put_bucket_policy(Bucket=bucket, Policy=json.dumps(DENY_EVERYONE_DELETE))
    with pytest.raises(ClientError) as denied:
        s3.delete_object(Bucket=bucket, Key="keep.txt")
    assert denied.value.response["Error"]["Code"] == "AccessDenied"
    assert denied.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403
    assert (
        "with an explicit deny in a resource-based policy"
        in (denied.value.response["Error"]["Message"])
    )
    # What the Deny does not name stays allowed to the root.
    assert s3.get_object(Bucket=bucket, Key="keep.txt")["Body"].read() == b"x"
    # The root can always read, replace and delete the policy (no lock-out).
    assert json.loads(s3.get_bucket_policy(Bucket=bucket)["Policy"]) == DENY_EVERYONE_DELETE
    s3.delete_bucket_policy(Bucket=bucket)
    s3.delete_object(Bucket=bucket, Key="keep.txt")


def test_a_bucket_made_again_under_a_deleted_ones_name_has_no_policy(s3: Any, bucket: str) -> None:
    deny_reads = {
        "Statement": [
            {
                "Effect": "Deny",
                "Principal": "*",
                "Action": "s3:GetObject",
                "Resource": "arn:aws:s3:::photos/*",
            }
        ]
    }
    s3.put_bucket_policy(Bucket=bucket, Policy=json.dumps(deny_reads))
    s3.put_object(Bucket=bucket, Key="a.txt", Body=b"x")
    with pytest.raises(ClientError) as denied:
        s3.get_object(Bucket=bucket, Key="a.txt")
    assert denied.value.response["Error"]["Code"] == "AccessDenied"
    s3.delete_object(Bucket=bucket, Key="a.txt")
    s3.delete_bucket(Bucket=bucket)
    s3.create_bucket(Bucket=bucket)
    s3.put_object(Bucket=bucket, Key="a.txt", Body=b"y")
    assert s3.get_object(Bucket=bucket, Key="a.txt")["Body"].read() == b"y"
    with pytest.raises(ClientError) as missing:
        s3.get_bucket_policy(Bucket=bucket)
    assert missing.value.response["Error"]["Code"] == "NoSuchBucketPolicy"


def test_error_answers_carry_the_matching_cors_headers(
    server: S3Server, s3: Any, bucket: str
) -> None:
    s3.put_bucket_cors(
        Bucket=bucket,
        CORSConfiguration={
            "CORSRules": [
                {"AllowedOrigins": ["https://app.example.com"], "AllowedMethods": ["GET"]}
            ]
        },
    )
    port = server.url.rsplit(":", 1)[1]
    with httpx.Client(base_url=server.url, timeout=10) as http:
        missing = http.get(
            "/missing.txt",
            headers={"Host": f"photos.s3.localhost:{port}", "Origin": "https://app.example.com"},
        )
    assert missing.status_code == 403  # anonymous, and no policy lets anyone read it
    assert missing.headers["access-control-allow-origin"] == "https://app.example.com"
    assert "Origin" in missing.headers["vary"]


def test_unsigned_path_style_requests_to_s3_localhost_are_s3s(
    server: S3Server, s3: Any, bucket: str
) -> None:
    s3.put_object(Bucket=bucket, Key="public/a.txt", Body=b"hello")
    s3.put_object(Bucket=bucket, Key="private.txt", Body=b"secret")
    s3.put_bucket_policy(Bucket=bucket, Policy=json.dumps(DENY_EVERYONE_DELETE))
    port = server.url.rsplit(":", 1)[1]
    with httpx.Client(base_url=server.url, timeout=10) as http:
        host = {"Host": f"s3.localhost:{port}"}
        public = http.get(f"/{bucket}/public/a.txt", headers=host)
        private = http.get(f"/{bucket}/private.txt", headers=host)
        on_main_host = http.get(f"/{bucket}/public/a.txt")
    assert public.status_code == 200
    assert public.content == b"hello"
    assert private.status_code == 403
    assert "<Code>AccessDenied</Code>" in private.text
    # The main host keeps unsigned requests for the gateway (here: no service claims it).
    assert on_main_host.status_code == 404
    assert on_main_host.content == b""
