"""A1's /info tier end to end: a handler's plain boto3 reads a secret and decrypts a KMS
ciphertext through AWS_ENDPOINT_URL; RotateSecret runs the template's rotation function,
which calls back into Secrets Manager, and the handler then sees the rotated value."""

from __future__ import annotations

import base64
import time
import uuid
from typing import Any

import boto3
import httpx

from tests.conftest import FIXTURES, LaminaProcess

APP = FIXTURES / "apps" / "secrets"


def _client(base: str, service: str) -> Any:
    return boto3.client(
        service,
        endpoint_url=base,
        region_name="us-east-1",
        aws_access_key_id="test",
        aws_secret_access_key="test",
    )


def test_functions_read_secrets_decrypt_and_rotate() -> None:
    lamina = LaminaProcess(APP)
    try:
        sm, kms = _client(lamina.base, "secretsmanager"), _client(lamina.base, "kms")
        name = f"db-{uuid.uuid4().hex[:8]}"
        sm.create_secret(Name=name, SecretString="first")
        read = httpx.get(f"{lamina.base}/info/{name}", timeout=30)
        assert read.status_code == 200, lamina.output()[-3000:]
        assert read.json()["value"] == "first"

        key = kms.create_key()["KeyMetadata"]["KeyId"]
        blob = kms.encrypt(KeyId=key, Plaintext=b"from kms", EncryptionContext={"app": "info"})
        decrypted = httpx.post(
            f"{lamina.base}/decrypt",
            content=base64.b64encode(blob["CiphertextBlob"]),
            headers={"content-type": "text/plain"},
            timeout=30,
        )
        assert decrypted.text == "from kms", lamina.output()[-3000:]

        rotator = "arn:aws:lambda:us-east-1:123456789012:function:rotator"
        token = sm.rotate_secret(SecretId=name, RotationLambdaARN=rotator)["VersionId"]
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if "LastRotatedDate" in sm.describe_secret(SecretId=name):
                break
            time.sleep(0.1)
        rotated = httpx.get(f"{lamina.base}/info/{name}", timeout=30).json()
        assert rotated["version"] == token, lamina.output()[-3000:]
        assert rotated["value"].startswith("rotated-")

        # The template's RotationSchedule: rotated by the scheduler once Lamina listens.
        deadline = time.monotonic() + 30
        scheduled = sm.describe_secret(SecretId="scheduled-db")
        while "LastRotatedDate" not in scheduled and time.monotonic() < deadline:
            time.sleep(0.1)
            scheduled = sm.describe_secret(SecretId="scheduled-db")
        assert "LastRotatedDate" in scheduled, lamina.output()[-3000:]
        assert scheduled["RotationEnabled"] is True
        assert scheduled["RotationRules"]["ScheduleExpression"] == "rate(4 hours)"
        assert scheduled["RotationLambdaARN"].endswith(":function:rotator")
        assert scheduled["NextRotationDate"] > scheduled["LastRotatedDate"]
    finally:
        lamina.stop()
