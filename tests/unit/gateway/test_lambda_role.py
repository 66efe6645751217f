"""InvokeRoles: whether a Lambda integration's credentials (a role, or the AWS_IAM caller)
may invoke the function; refusals are API Gateway's 500 configuration errors."""

from __future__ import annotations

from typing import Any

import pytest

from lamina.aws.credentials import AssumableRole, CredentialStore, Identity
from lamina.config.error import ConfigError
from lamina.config.integration import lambda_credentials
from lamina.gateway.error import GatewayError, ResponseType
from lamina.gateway.integrations.lambda_role import InvokeRoles, function_arn
from lamina.gateway.model import CALLER_CREDENTIALS

FN = "arn:aws:lambda:us-east-1:123456789012:function:fn"
ROLE = "arn:aws:iam::123456789012:role/invoke"
TRUST_GATEWAY = ({"Effect": "Allow", "Principal": {"Service": "apigateway.amazonaws.com"},
                  "Action": "sts:AssumeRole"},)  # fmt: skip


def _role(statements: tuple[dict[str, Any], ...], trust: Any = TRUST_GATEWAY) -> AssumableRole:
    return AssumableRole(arn=ROLE, role_id="AROAEXAMPLE", statements=statements,
                         trust_statements=trust)  # fmt: skip


def _allow(resource: str) -> dict[str, Any]:
    return {"Effect": "Allow", "Action": "lambda:InvokeFunction", "Resource": resource}


def _refused(roles: InvokeRoles, credentials: str, arn: str, key: str | None = None) -> str:
    with pytest.raises(GatewayError) as raised:
        roles.check(credentials, arn, caller_key=key)
    assert raised.value.response_type is ResponseType.DEFAULT_5XX
    return str(raised.value)


def test_lambda_role_allowed_on_the_function_may_invoke() -> None:
    InvokeRoles([_role((_allow(FN),))]).check(ROLE, FN, caller_key=None)


def test_lambda_role_allowed_elsewhere_is_refused() -> None:
    roles = InvokeRoles([_role((_allow(FN + "-other"),))])
    assert "is not allowed lambda:InvokeFunction" in _refused(roles, ROLE, FN)


def test_lambda_role_explicit_deny_wins() -> None:
    deny = {"Effect": "Deny", "Action": "lambda:*", "Resource": "*"}
    roles = InvokeRoles([_role((_allow("*"), deny))])
    _refused(roles, ROLE, FN)


def test_lambda_role_not_trusting_api_gateway_is_refused_even_unenforced() -> None:
    lambda_trust = ({"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"},
                     "Action": "sts:AssumeRole"},)  # fmt: skip
    roles = InvokeRoles([_role((_allow(FN),), trust=lambda_trust)])
    roles.enforce = False
    assert "does not have permission to assume" in _refused(roles, ROLE, FN)


def test_lambda_role_unknown_is_refused() -> None:
    assert "does not have permission to assume" in _refused(InvokeRoles([]), ROLE, FN)


def test_lambda_role_policies_not_evaluated_when_iam_is_not_enforced() -> None:
    roles = InvokeRoles([_role(())])
    roles.enforce = False
    roles.check(ROLE, FN, caller_key=None)


def test_lambda_role_alias_arn_is_what_the_policy_must_name() -> None:
    arn = function_arn("us-east-1", "123456789012", "fn", "live")
    assert arn == FN + ":live"
    InvokeRoles([_role((_allow(FN + ":*"),))]).check(ROLE, arn, caller_key=None)


def test_lambda_role_caller_credentials_need_an_aws_iam_caller() -> None:
    assert "only an AWS_IAM method" in _refused(InvokeRoles([]), CALLER_CREDENTIALS, FN)


def test_lambda_role_caller_credentials_use_the_callers_policies() -> None:
    store = CredentialStore()
    for key, statements in (("AKIAALLOWED", (_allow(FN),)), ("AKIADENIED", ())):
        store.add_identity(_caller(statements, key))
    roles = InvokeRoles([], store)
    roles.check(CALLER_CREDENTIALS, FN, caller_key="AKIAALLOWED")
    _refused(roles, CALLER_CREDENTIALS, FN, key="AKIADENIED")


def _caller(statements: tuple[dict[str, Any], ...], key: str = "AKIACALLER") -> Identity:
    """User u of the account, signing with `key`, whose policies hold `statements`."""
    return Identity(
        access_key=key,
        secret_key="s",
        arn=USER,
        account_id="123456789012",
        principal_id="AIDAU",
        statements=statements,
    )


def _caller_store(statements: tuple[dict[str, Any], ...]) -> CredentialStore:
    store = CredentialStore()
    store.add_identity(_caller(statements))
    return store


USER = "arn:aws:iam::123456789012:user/u"
FROM_OFFICE = {"Effect": "Allow", "Action": "lambda:InvokeFunction", "Resource": FN,
               "Condition": {"IpAddress": {"aws:SourceIp": "203.0.113.0/24"}}}  # fmt: skip


def test_lambda_role_caller_condition_that_holds_allows() -> None:
    roles = InvokeRoles([], _caller_store((FROM_OFFICE,)))
    context = {"aws:SourceIp": "203.0.113.7", "aws:SecureTransport": "true"}
    roles.check(CALLER_CREDENTIALS, FN, caller_key="AKIACALLER", context=context)


def test_lambda_role_caller_condition_that_fails_is_refused() -> None:
    roles = InvokeRoles([], _caller_store((FROM_OFFICE,)))
    with pytest.raises(GatewayError, match="user/u is not allowed"):
        context = {"aws:SourceIp": "198.51.100.1"}
        roles.check(CALLER_CREDENTIALS, FN, caller_key="AKIACALLER", context=context)


def test_lambda_role_caller_condition_without_the_request_keys_is_refused() -> None:
    """A condition on a key the request does not carry does not match (Allow withheld)."""
    _refused(InvokeRoles([], _caller_store((FROM_OFFICE,))), CALLER_CREDENTIALS, FN, "AKIACALLER")


def test_lambda_role_caller_principal_keys_come_from_the_caller() -> None:
    mine = {**_allow(FN), "Condition": {"StringEquals": {"aws:PrincipalArn": USER}}}
    other = {**_allow(FN), "Condition": {"StringEquals": {"aws:PrincipalArn": USER + "2"}}}
    InvokeRoles([], _caller_store((mine,))).check(
        CALLER_CREDENTIALS, FN, caller_key="AKIACALLER", context={"aws:SourceIp": "127.0.0.1"}
    )
    _refused(InvokeRoles([], _caller_store((other,))), CALLER_CREDENTIALS, FN, "AKIACALLER")


def test_lambda_role_caller_deny_on_insecure_transport_wins() -> None:
    deny = {"Effect": "Deny", "Action": "lambda:*", "Resource": "*",
            "Condition": {"Bool": {"aws:SecureTransport": "false"}}}  # fmt: skip
    roles = InvokeRoles([], _caller_store((_allow(FN), deny)))
    roles.check(CALLER_CREDENTIALS, FN, caller_key="AKIACALLER",
                context={"aws:SecureTransport": "true"})  # fmt: skip
    with pytest.raises(GatewayError):
        roles.check(CALLER_CREDENTIALS, FN, caller_key="AKIACALLER",
                    context={"aws:SecureTransport": "false"})  # fmt: skip


def test_lambda_role_caller_time_condition_uses_the_evaluators_clock() -> None:
    since = {"aws:CurrentTime": "2001-01-01T00:00:00Z"}
    past = {**_allow(FN), "Condition": {"DateLessThan": since}}
    future = {**_allow(FN), "Condition": {"DateGreaterThan": since}}
    InvokeRoles([], _caller_store((future,))).check(
        CALLER_CREDENTIALS, FN, caller_key="AKIACALLER", context={}
    )
    _refused(InvokeRoles([], _caller_store((past,))), CALLER_CREDENTIALS, FN, "AKIACALLER")


def test_lambda_credentials_config_accepts_roles_and_the_caller_form() -> None:
    assert lambda_credentials(ROLE) == ROLE
    assert lambda_credentials(CALLER_CREDENTIALS) == CALLER_CREDENTIALS
    assert lambda_credentials(None) is None
    assert lambda_credentials("arn:aws-cn:iam::*:user/*") == CALLER_CREDENTIALS
    with pytest.raises(ConfigError, match="not an IAM role ARN"):
        lambda_credentials("invoke-role")
