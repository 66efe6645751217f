"""S3 served by `lamina up`: a handler's plain boto3 writes and reads an object, and the
same object is visible to a client outside, path-style, under the template's .lamina/s3."""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import boto3
import httpx

from tests.conftest import LaminaProcess

APP = Path(__file__).parent / "app"


def test_a_function_writes_and_reads_an_object(tmp_path: Path) -> None:
    app = tmp_path / "app"
    shutil.copytree(APP, app)
    lamina = LaminaProcess(app / "template.yaml")
    try:
        written = httpx.put(
            f"{lamina.base}/notes/first",
            content=b"hello from S3",
            headers={"content-type": "text/plain"},
            timeout=30,
        )
        assert written.status_code == 201, lamina.output()[-3000:]
        etag = f'"{hashlib.md5(b"hello from S3").hexdigest()}"'
        assert written.json()["etag"] == etag
        read = httpx.get(f"{lamina.base}/notes/first", timeout=30)
        assert read.status_code == 200, lamina.output()[-3000:]
        assert read.json() == {"text": "hello from S3", "etag": etag, "metadata": {"by": "lambda"}}
        s3 = boto3.client(
            "s3",
            endpoint_url=lamina.base,
            region_name="us-east-1",
            aws_access_key_id="test",
            aws_secret_access_key="test",
        )
        got = s3.get_object(Bucket="notes-bucket", Key="notes/first.txt")
        assert got["Body"].read() == b"hello from S3"
    finally:
        lamina.stop()
    assert list((app / ".lamina" / "s3" / "blobs").iterdir())
