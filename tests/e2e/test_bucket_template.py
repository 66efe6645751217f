"""AWS::S3::Bucket in a template: created at `lamina up` under the name its Ref gives
(generated as CloudFormation generates it), written and read by a function whose role SAM's
S3CrudPolicy allows, visible to any S3 client."""

from __future__ import annotations

import re

import boto3
import httpx

from lamina.config.load import load_application
from tests.conftest import FIXTURES, LaminaProcess

APP = FIXTURES / "apps" / "bucket"


def test_template_bucket_is_created_and_used() -> None:
    app = load_application(APP)
    (store,) = app.functions
    bucket = store.environment["BUCKET"]
    assert re.fullmatch(r"bucket-files-[a-z0-9]{12}", bucket)
    assert store.environment["BUCKET_ARN"] == f"arn:aws:s3:::{bucket}"
    lamina = LaminaProcess(APP)
    try:
        put = httpx.put(
            f"{lamina.base}/files/hello.txt",
            content=b"hi there",
            headers={"content-type": "text/plain"},
            timeout=30,
        )
        assert put.status_code == 204, lamina.output()[-3000:]
        assert httpx.get(f"{lamina.base}/files/hello.txt", timeout=30).text == "hi there"
        s3 = boto3.client(
            "s3",
            endpoint_url=lamina.base,
            region_name="us-east-1",
            aws_access_key_id="test",
            aws_secret_access_key="test",
        )
        listed = s3.list_objects_v2(Bucket=bucket)
        assert [entry["Key"] for entry in listed["Contents"]] == ["hello.txt"]
    finally:
        lamina.stop()
