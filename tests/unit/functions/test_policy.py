from collections.abc import Iterable, Mapping
from typing import Any

from lamina.functions.policy import InvokeRequest
from lamina.functions.policy import allows as _allows

FUNCTION_ARN = "arn:aws:lambda:us-east-1:123456789012:function:hello"


def allows(statements: Iterable[Mapping[str, Any]], request: InvokeRequest) -> bool:
    return _allows(statements, request, function_arn=FUNCTION_ARN)


ARN = "arn:aws:execute-api:us-east-1:123456789012:abc123/Prod/GET/hello/Ada"


def _request(source_arn: str = ARN) -> InvokeRequest:
    return InvokeRequest(
        principal="apigateway.amazonaws.com", source_arn=source_arn, source_account="123456789012"
    )


def _statement(source_arn: str, **extra: object) -> dict[str, object]:
    return {
        "Sid": "s",
        "Effect": "Allow",
        "Principal": {"Service": "apigateway.amazonaws.com"},
        "Action": "lambda:InvokeFunction",
        "Condition": {"ArnLike": {"AWS:SourceArn": source_arn}},
        **extra,
    }


def test_policy_sam_style_wildcard_source_arn_allows() -> None:
    pattern = "arn:aws:execute-api:us-east-1:123456789012:abc123/*/GET/hello/*"
    assert allows([_statement(pattern)], _request())


def test_policy_other_api_or_method_is_refused() -> None:
    assert not allows(
        [_statement("arn:aws:execute-api:us-east-1:123456789012:other/*")], _request()
    )
    pattern = "arn:aws:execute-api:us-east-1:123456789012:abc123/*/POST/hello/*"
    assert not allows([_statement(pattern)], _request())


def test_policy_no_statement_refuses() -> None:
    assert not allows([], _request())


def test_policy_other_principal_is_refused() -> None:
    statement = _statement("*", Principal={"Service": "s3.amazonaws.com"})
    assert not allows([statement], _request())


def test_policy_question_mark_matches_one_character() -> None:
    pattern = "arn:aws:execute-api:us-east-1:123456789012:abc12?/Prod/GET/hello/Ada"
    assert allows([_statement(pattern)], _request())


def test_policy_source_account_condition() -> None:
    statement = {
        "Effect": "Allow",
        "Principal": {"Service": "apigateway.amazonaws.com"},
        "Action": "lambda:InvokeFunction",
        "Condition": {"StringEquals": {"AWS:SourceAccount": "999999999999"}},
    }
    assert not allows([statement], _request())


def test_policy_statement_for_another_function_is_refused() -> None:
    other = "arn:aws:lambda:us-east-1:123456789012:function:other"
    assert not allows([_statement("*", Resource=other)], _request())
    assert allows([_statement("*", Resource=FUNCTION_ARN)], _request())


def test_policy_explicit_deny_wins() -> None:
    deny = _statement("*", Effect="Deny")
    assert not allows([_statement("*"), deny], _request())
