"""AWS::S3::BucketPolicy in a template: applied at `lamina up` and enforced as a
PutBucketPolicy would be (public reads of a prefix, an explicit Deny that stops even the
account root); a policy S3 would refuse fails the start.

https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-s3-bucketpolicy.html
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import boto3
import httpx
import pytest
from botocore.exceptions import ClientError

from tests.conftest import LaminaProcess

TEMPLATE = """\
AWSTemplateFormatVersion: "2010-09-09"
Resources:
  Files:
    Type: AWS::S3::Bucket
    Properties: {BucketName: policied-files}
  FilesPolicy:
    Type: AWS::S3::BucketPolicy
    Properties:
      Bucket: !Ref Files
      PolicyDocument:
        Version: "2012-10-17"
        Statement:
          - Sid: PublicReads
            Effect: Allow
            Principal: "*"
            Action: s3:GetObject
            Resource: !Sub "${Files.Arn}/public/*"
          - Sid: NoDeletes
            Effect: Deny
            Principal: "*"
            Action: s3:DeleteObject
            Resource: !Sub "${Files.Arn}/*"
"""


def _s3(base: str) -> Any:
    return boto3.client(
        "s3",
        endpoint_url=base,
        region_name="us-east-1",
        aws_access_key_id="test",
        aws_secret_access_key="test",
    )


def test_template_bucket_policy_is_applied_and_enforced(tmp_path: Path) -> None:
    (tmp_path / "template.yaml").write_text(TEMPLATE)
    lamina = LaminaProcess(tmp_path, state_dir=tmp_path / ".lamina")
    try:
        s3 = _s3(lamina.base)
        policy = json.loads(s3.get_bucket_policy(Bucket="policied-files")["Policy"])
        assert [s["Sid"] for s in policy["Statement"]] == ["PublicReads", "NoDeletes"]
        s3.put_object(Bucket="policied-files", Key="public/hello.txt", Body=b"hello")
        s3.put_object(Bucket="policied-files", Key="private/secret.txt", Body=b"shh")
        port = lamina.base.rsplit(":", 1)[1]
        with httpx.Client(timeout=10) as anonymous:
            host = {"Host": f"policied-files.s3.localhost:{port}"}
            public = anonymous.get(f"{lamina.base}/public/hello.txt", headers=host)
            private = anonymous.get(f"{lamina.base}/private/secret.txt", headers=host)
        assert (public.status_code, public.content) == (200, b"hello")
        assert private.status_code == 403
        with pytest.raises(ClientError) as denied:
            s3.delete_object(Bucket="policied-files", Key="public/hello.txt")
        assert denied.value.response["Error"]["Code"] == "AccessDenied"
    finally:
        lamina.stop()


def test_a_policy_s3_would_refuse_fails_the_start(tmp_path: Path) -> None:
    broken = TEMPLATE.replace("Action: s3:GetObject", "Action: dynamodb:GetItem")
    (tmp_path / "template.yaml").write_text(broken)
    started = subprocess.run(
        [sys.executable, "-m", "lamina.cli", "up", str(tmp_path), "--port", "0",
         "--state-dir", str(tmp_path / ".lamina")],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert started.returncode != 0
    assert "Policy has invalid action" in started.stdout + started.stderr
