"""A function's AWS calls are authorized against its execution role, as on AWS: the role
SAM builds from `Policies: DynamoDBReadPolicy` may read the table and not write it, with
IAM's AccessDeniedException text; `lamina up --no-iam` lets it write."""

from __future__ import annotations

import httpx

from tests.conftest import FIXTURES, LaminaProcess

APP = FIXTURES / "apps" / "denied"
ACCOUNT = "123456789012"


def test_a_role_without_putitem_is_denied() -> None:
    lamina = LaminaProcess(APP)
    try:
        read = httpx.get(f"{lamina.base}/read", timeout=30).json()
        assert read == {"Code": "ok"}, lamina.output()[-2000:]
        denied = httpx.post(f"{lamina.base}/write", timeout=30).json()
        assert denied["Code"] == "AccessDeniedException"
        message = denied["Message"]
        assert message.startswith(f"User: arn:aws:sts::{ACCOUNT}:assumed-role/")
        assert message.endswith(
            "is not authorized to perform: dynamodb:PutItem on resource: "
            f"arn:aws:dynamodb:us-east-1:{ACCOUNT}:table/Things because no identity-based "
            "policy allows the dynamodb:PutItem action"
        )
    finally:
        lamina.stop()


def test_no_iam_turns_enforcement_off() -> None:
    lamina = LaminaProcess(APP, "--no-iam")
    try:
        assert httpx.post(f"{lamina.base}/write", timeout=30).json() == {"Code": "ok"}
    finally:
        lamina.stop()
