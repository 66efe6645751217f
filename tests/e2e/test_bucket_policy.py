"""A bucket policy enforced through `lamina up`'s edge for template-declared IAM users
(one denied by it despite its identity policy, one allowed only by it), anonymous reads
of public objects and a browser's CORS preflight at `{bucket}.s3.localhost`."""

from __future__ import annotations

import json
import re
from typing import Any

import boto3
import httpx
import pytest
from botocore.exceptions import ClientError

from tests.conftest import FIXTURES, LaminaProcess

APP = FIXTURES / "apps" / "bucket_policy"
ACCOUNT = "123456789012"
BUCKET = "policied"


def _client(lamina: LaminaProcess, key: str = "test", secret: str = "test") -> Any:
    return boto3.client(
        "s3",
        endpoint_url=lamina.base,
        region_name="us-east-1",
        aws_access_key_id=key,
        aws_secret_access_key=secret,
    )


def test_bucket_policy_through_the_edge() -> None:
    lamina = LaminaProcess(APP)
    try:
        found = re.findall(r"arn:aws:iam::\d+:user/(\S+)  (AKIA\w+)  (\S+)", lamina.output())
        keys = {user: (key, secret) for user, key, secret in found}
        assert set(keys) == {"writer", "reader"}, lamina.output()[-2000:]
        root = _client(lamina)
        root.create_bucket(Bucket=BUCKET)
        root.put_object(Bucket=BUCKET, Key="public/a.txt", Body=b"public")
        root.put_object(Bucket=BUCKET, Key="private.txt", Body=b"private")
        writer, reader = _client(lamina, *keys["writer"]), _client(lamina, *keys["reader"])
        assert writer.get_object(Bucket=BUCKET, Key="private.txt")["Body"].read() == b"private"
        with pytest.raises(ClientError):
            reader.get_object(Bucket=BUCKET, Key="private.txt")
        policy = {
            "Statement": [
                {
                    "Effect": "Deny",
                    "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:user/writer"},
                    "Action": "s3:GetObject",
                    "Resource": f"arn:aws:s3:::{BUCKET}/*",
                },
                {
                    "Effect": "Allow",
                    "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:user/reader"},
                    "Action": "s3:GetObject",
                    "Resource": f"arn:aws:s3:::{BUCKET}/*",
                },
                {
                    "Effect": "Allow",
                    "Principal": "*",
                    "Action": "s3:GetObject",
                    "Resource": f"arn:aws:s3:::{BUCKET}/public/*",
                },
            ]
        }
        root.put_bucket_policy(Bucket=BUCKET, Policy=json.dumps(policy))
        with pytest.raises(ClientError) as denied:
            writer.get_object(Bucket=BUCKET, Key="private.txt")
        assert denied.value.response["Error"]["Code"] == "AccessDenied"
        assert reader.get_object(Bucket=BUCKET, Key="private.txt")["Body"].read() == b"private"
        host = {"Host": f"{BUCKET}.s3.localhost:{lamina.port}"}
        public = httpx.get(f"{lamina.base}/public/a.txt", headers=host, timeout=20)
        assert (public.status_code, public.content) == (200, b"public")
        private = httpx.get(f"{lamina.base}/private.txt", headers=host, timeout=20)
        assert private.status_code == 403
        root.put_bucket_cors(
            Bucket=BUCKET,
            CORSConfiguration={
                "CORSRules": [{"AllowedOrigins": ["https://site.test"], "AllowedMethods": ["GET"]}]
            },
        )
        ask = {**host, "Origin": "https://site.test", "Access-Control-Request-Method": "GET"}
        preflight = httpx.options(f"{lamina.base}/public/a.txt", headers=ask, timeout=20)
        assert preflight.status_code == 200
        assert preflight.headers["Access-Control-Allow-Origin"] == "https://site.test"
    finally:
        lamina.stop()
