"""`lamina up` with a template bucket declaring `VersioningConfiguration: {Status: Enabled}`:
the bucket answers Enabled and keeps every version written to it."""

from __future__ import annotations

from pathlib import Path

import boto3

from tests.conftest import LaminaProcess

TEMPLATE = """\
AWSTemplateFormatVersion: "2010-09-09"
Resources:
  History:
    Type: AWS::S3::Bucket
    Properties:
      BucketName: history-bucket
      VersioningConfiguration:
        Status: Enabled
"""


def test_a_template_bucket_is_versioned(tmp_path: Path) -> None:
    template = tmp_path / "template.yaml"
    template.write_text(TEMPLATE)
    lamina = LaminaProcess(template)
    try:
        s3 = boto3.client(
            "s3",
            endpoint_url=lamina.base,
            region_name="us-east-1",
            aws_access_key_id="test",
            aws_secret_access_key="test",
        )
        assert s3.get_bucket_versioning(Bucket="history-bucket")["Status"] == "Enabled"
        first = s3.put_object(Bucket="history-bucket", Key="k", Body=b"one")["VersionId"]
        s3.put_object(Bucket="history-bucket", Key="k", Body=b"two")
        old = s3.get_object(Bucket="history-bucket", Key="k", VersionId=first)
        assert old["Body"].read() == b"one", lamina.output()[-3000:]
        versions = s3.list_object_versions(Bucket="history-bucket")["Versions"]
        assert len(versions) == 2
    finally:
        lamina.stop()
