"""The handler's context object.

https://docs.aws.amazon.com/lambda/latest/dg/python-context.html
"""

import base64
import json
import time

import pytest

from lamina.functions.bootstrap.context import (
    CognitoIdentity,
    LambdaContext,
    parse_client_context,
)


def test_context_reads_static_fields_from_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_LAMBDA_FUNCTION_NAME", "orders")
    monkeypatch.setenv("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "512")
    monkeypatch.setenv("AWS_LAMBDA_LOG_GROUP_NAME", "/aws/lambda/orders")
    context = LambdaContext("rid", 0, "arn:x", None, CognitoIdentity(None))
    assert context.function_name == "orders"
    assert context.memory_limit_in_mb == "512"
    assert context.log_group_name == "/aws/lambda/orders"
    assert context.aws_request_id == "rid"
    assert context.identity.cognito_identity_id is None


def test_remaining_time_counts_down_and_never_negative() -> None:
    now_ms = int(time.time() * 1000)
    future = LambdaContext("r", now_ms + 5000, "a", None, CognitoIdentity(None))
    past = LambdaContext("r", now_ms - 5000, "a", None, CognitoIdentity(None))
    assert 4000 < future.get_remaining_time_in_millis() <= 5000
    assert past.get_remaining_time_in_millis() == 0


def test_parse_client_context_base64_json() -> None:
    raw = {"client": {"app_title": "shop"}, "custom": {"k": "v"}, "env": {"locale": "fr"}}
    parsed = parse_client_context(base64.b64encode(json.dumps(raw).encode()).decode())
    assert parsed is not None
    assert parsed.client is not None and parsed.client.app_title == "shop"
    assert parsed.custom == {"k": "v"}
    assert parsed.env == {"locale": "fr"}


def test_parse_client_context_absent_or_garbage_is_none() -> None:
    assert parse_client_context(None) is None
    assert parse_client_context("not json at all") is None


def test_cognito_identity_reads_lambda_keys() -> None:
    identity = CognitoIdentity({"cognitoIdentityId": "id", "cognitoIdentityPoolId": "pool"})
    assert (identity.cognito_identity_id, identity.cognito_identity_pool_id) == ("id", "pool")
