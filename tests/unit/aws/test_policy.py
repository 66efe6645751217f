"""IAM policy evaluation, as the IAM User Guide's evaluation logic describes it."""

from __future__ import annotations

from typing import Any

import pytest

from lamina.aws.policy import Decision, PolicyRequest, evaluate, like, statements_of

METHOD_ARN = "arn:aws:execute-api:us-east-1:123456789012:abc123/Prod/GET/pets/7"


def _ask(
    statements: list[dict[str, Any]],
    *,
    resource: str = METHOD_ARN,
    action: str = "execute-api:Invoke",
    principal: str | None = None,
    context: dict[str, Any] | None = None,
    check_principal: bool = False,
) -> Decision:
    request = PolicyRequest(action=action, resource=resource, principal=principal, context=context)
    return evaluate(statements, request, check_principal=check_principal)


def _allow(resource: Any = "*", **extra: Any) -> dict[str, Any]:
    return {"Effect": "Allow", "Action": "execute-api:Invoke", "Resource": resource, **extra}


def test_no_statement_is_an_implicit_deny() -> None:
    assert _ask([]) is Decision.IMPLICIT_DENY


def test_wildcards_span_slashes_in_method_arns() -> None:
    arn = "arn:aws:execute-api:us-east-1:123456789012:abc123/*/GET/*"
    assert _ask([_allow(arn)]) is Decision.ALLOW
    assert _ask([_allow("arn:aws:execute-api:us-east-1:123456789012:abc123/Prod/POST/*")]) is (
        Decision.IMPLICIT_DENY
    )
    assert _ask([_allow("arn:aws:execute-api:*:*:abc123/Pro?/GET/pets/?")]) is Decision.ALLOW


def test_brackets_are_literal_not_ranges() -> None:
    assert like("a[b]c", "a[b]c")
    assert not like("abc", "a[b]c")


def test_explicit_deny_wins_whatever_the_order() -> None:
    deny = {"Effect": "Deny", "Action": "execute-api:*", "Resource": METHOD_ARN}
    assert _ask([_allow(), deny]) is Decision.EXPLICIT_DENY
    assert _ask([deny, _allow()]) is Decision.EXPLICIT_DENY


def test_action_match_is_case_insensitive_resource_is_not() -> None:
    statement = {"Effect": "Allow", "Action": "EXECUTE-API:invoke", "Resource": METHOD_ARN}
    assert _ask([statement]) is Decision.ALLOW
    assert _ask([_allow(METHOD_ARN.replace("pets", "PETS"))]) is Decision.IMPLICIT_DENY


def test_not_action_and_not_resource() -> None:
    statement = {"Effect": "Deny", "NotAction": "execute-api:Invoke", "Resource": "*"}
    assert _ask([_allow(), statement]) is Decision.ALLOW
    statement = {"Effect": "Allow", "Action": "*", "NotResource": "arn:aws:execute-api:*/Prod/*"}
    assert _ask([statement]) is Decision.IMPLICIT_DENY


def test_resource_list_matches_any() -> None:
    assert _ask([_allow(["arn:aws:s3:::x", METHOD_ARN])]) is Decision.ALLOW


def test_source_ip_conditions() -> None:
    ip_allow = _allow(Condition={"IpAddress": {"aws:SourceIp": ["10.0.0.0/8", "192.0.2.1"]}})
    assert _ask([ip_allow], context={"aws:SourceIp": "10.1.2.3"}) is Decision.ALLOW
    assert _ask([ip_allow], context={"aws:SourceIp": "192.0.2.1"}) is Decision.ALLOW
    assert _ask([ip_allow], context={"aws:SourceIp": "172.16.0.1"}) is Decision.IMPLICIT_DENY
    deny = {
        "Effect": "Deny",
        "Action": "execute-api:Invoke",
        "Resource": "*",
        "Condition": {"NotIpAddress": {"aws:SourceIp": "127.0.0.0/8"}},
    }
    assert _ask([_allow(), deny], context={"aws:SourceIp": "127.0.0.1"}) is Decision.ALLOW
    assert _ask([_allow(), deny], context={"aws:SourceIp": "8.8.8.8"}) is Decision.EXPLICIT_DENY


@pytest.mark.parametrize(
    ("operator", "expected", "actual", "holds"),
    [
        ("StringEquals", "a", "a", True),
        ("StringEquals", "a", "A", False),
        ("StringEqualsIgnoreCase", "a", "A", True),
        ("StringNotEquals", "a", "b", True),
        ("StringNotEquals", "a", "a", False),
        ("StringLike", "ab*", "abc", True),
        ("StringNotLike", "ab*", "abc", False),
        ("NumericLessThan", "10", "9", True),
        ("NumericGreaterThanEquals", "10", "9", False),
        ("DateGreaterThan", "2020-01-01T00:00:00Z", "2021-06-01T00:00:00Z", True),
        ("Bool", "true", "True", True),
        ("ArnLike", "arn:aws:iam::*:user/*", "arn:aws:iam::1:user/ann", True),
    ],
)
def test_condition_operators(operator: str, expected: str, actual: str, holds: bool) -> None:
    statement = _allow(Condition={operator: {"test:key": expected}})
    decision = _ask([statement], context={"test:key": actual})
    assert (decision is Decision.ALLOW) is holds


def test_condition_keys_are_case_insensitive_and_missing_keys_fail() -> None:
    statement = _allow(Condition={"StringEquals": {"AWS:SourceVpce": "vpce-1"}})
    assert _ask([statement], context={"aws:sourcevpce": "vpce-1"}) is Decision.ALLOW
    assert _ask([statement]) is Decision.IMPLICIT_DENY
    if_exists = _allow(Condition={"StringEqualsIfExists": {"aws:SourceVpce": "vpce-1"}})
    assert _ask([if_exists]) is Decision.ALLOW


def test_for_all_values_and_null() -> None:
    statement = _allow(Condition={"ForAllValues:StringEquals": {"k": ["a", "b"]}})
    assert _ask([statement], context={"k": ["a", "b"]}) is Decision.ALLOW
    assert _ask([statement], context={"k": ["a", "c"]}) is Decision.IMPLICIT_DENY
    null = _allow(Condition={"Null": {"k": "true"}})
    assert _ask([null]) is Decision.ALLOW
    assert _ask([null], context={"k": "x"}) is Decision.IMPLICIT_DENY


def test_principals_in_resource_policies() -> None:
    user = "arn:aws:iam::123456789012:user/ann"
    named = _allow(Principal={"AWS": user})
    anyone = _allow(Principal="*")
    account = _allow(Principal={"AWS": "123456789012"})
    root = _allow(Principal={"AWS": "arn:aws:iam::123456789012:root"})
    for statement in (named, anyone, account, root):
        assert _ask([statement], principal=user, check_principal=True) is Decision.ALLOW
    other = "arn:aws:iam::999999999999:user/bob"
    assert _ask([named], principal=other, check_principal=True) is Decision.IMPLICIT_DENY
    assert _ask([account], principal=other, check_principal=True) is Decision.IMPLICIT_DENY
    assert _ask([named], principal=None, check_principal=True) is Decision.IMPLICIT_DENY
    assert _ask([anyone], principal=None, check_principal=True) is Decision.ALLOW


def test_statements_of_accepts_one_statement_or_a_list() -> None:
    assert statements_of({"Statement": _allow()}) == [_allow()]
    assert statements_of({"Version": "2012-10-17", "Statement": [_allow()]}) == [_allow()]
    assert statements_of(None) == []
