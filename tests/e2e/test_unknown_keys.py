"""An access key Lamina does not know is refused as AWS refuses it, per protocol family,
while IAM is enforced (the default); `--no-iam` accepts any key as the account root.
https://docs.aws.amazon.com/IAM/latest/UserGuide/troubleshoot_access-denied.html
"""

from __future__ import annotations

from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError

from tests.clients import aws_client
from tests.conftest import FIXTURES, LaminaProcess

APP = FIXTURES / "apps" / "proxy"


def _client(base: str, service: str, key: str = "AKIAUNKNOWNKEY000000") -> Any:
    return boto3.client(
        service,
        endpoint_url=base,
        region_name="us-east-1",
        aws_access_key_id=key,
        aws_secret_access_key="made-up-secret",
    )


def test_unknown_keys_are_refused_with_each_protocols_error() -> None:
    lamina = LaminaProcess(APP)
    try:
        for service, call, code in (
            ("dynamodb", lambda c: c.list_tables(), "UnrecognizedClientException"),
            ("s3", lambda c: c.list_buckets(), "InvalidAccessKeyId"),
            ("sts", lambda c: c.get_caller_identity(), "InvalidClientTokenId"),
        ):
            with pytest.raises(ClientError) as refused:
                call(_client(lamina.base, service))
            assert refused.value.response["Error"]["Code"] == code, service
        # The local root credential (test/test) still works.
        root = aws_client(lamina.base, "sts")
        assert root.get_caller_identity()["Arn"] == "arn:aws:iam::123456789012:root"
    finally:
        lamina.stop()


def test_no_iam_accepts_any_key_as_the_root() -> None:
    lamina = LaminaProcess(APP, "--no-iam")
    try:
        identity = _client(lamina.base, "sts").get_caller_identity()
        assert identity["Arn"] == "arn:aws:iam::123456789012:root"
    finally:
        lamina.stop()
