"""REST resource policies combined with each authorization type, row by row of
https://docs.aws.amazon.com/apigateway/latest/developerguide/apigateway-authorization-flow.html
(Tables A and B), with stub checks standing in for Lambda and Cognito authorizers."""

from __future__ import annotations

from typing import Any

import pytest

from lamina.aws.credentials import CredentialStore, Identity
from lamina.aws.policy import Decision
from lamina.gateway.auth.iam import IamCheck
from lamina.gateway.auth.resource_policy import PolicyDenial, combine
from lamina.gateway.context import RequestContext
from lamina.gateway.deployment import Deployment
from lamina.gateway.error import ApiKind, GatewayError, ResponseType, render_error
from lamina.gateway.model import Authorizer
from lamina.gateway.stages.authorize import Authorize
from lamina.gateway.stages.route import RouteRequest
from tests.unit.gateway.auth.test_iam_support import (
    ACCOUNT,
    ALICE,
    REST_ID,
    http_api,
    rest_api,
    rest_url,
    sign,
)

A, N, D = Decision.ALLOW, Decision.IMPLICIT_DENY, Decision.EXPLICIT_DENY
ARN = f"arn:aws:execute-api:us-east-1:{ACCOUNT}:{REST_ID}/Prod/GET/allowed"

# Table A: Account A calls API owned by Account A.
TABLE_A = [
    (A, A, A), (A, N, A), (A, D, D),
    (N, A, A), (N, N, N), (N, D, D),
    (D, A, D), (D, N, D), (D, D, D),
]  # fmt: skip
# Table B: Account B calls API owned by Account A.
TABLE_B = [
    (A, A, A), (A, N, N), (A, D, D),
    (N, A, N), (N, N, N), (N, D, D),
    (D, A, D), (D, N, D), (D, D, D),
]  # fmt: skip


@pytest.mark.parametrize(("user", "resource", "outcome"), TABLE_A)
def test_combine_same_account_follows_table_a(
    user: Decision, resource: Decision, outcome: Decision
) -> None:
    assert combine(user, resource, same_account=True) is outcome


@pytest.mark.parametrize(("user", "resource", "outcome"), TABLE_B)
def test_combine_cross_account_follows_table_b(
    user: Decision, resource: Decision, outcome: Decision
) -> None:
    assert combine(user, resource, same_account=False) is outcome


def _policy(decision: Decision, principal: object = "*") -> dict[str, Any] | None:
    """A resource policy that allows, says nothing about, or denies GET /allowed."""
    if decision is N:
        other = f"arn:aws:execute-api:us-east-1:{ACCOUNT}:{REST_ID}/Prod/GET/other"
        statement = {"Effect": "Allow", "Resource": other}
    else:
        statement = {"Effect": decision.value.replace("Explicit", ""), "Resource": ARN}
    statement |= {"Principal": principal, "Action": "execute-api:Invoke"}
    return {"Version": "2012-10-17", "Statement": [statement]}


class StubCheck:
    """An authorizer whose policy decision is scripted; counts its calls."""

    def __init__(self, decision: Decision | None, *, unauthorized: bool = False) -> None:
        self.decision = decision
        self.unauthorized = unauthorized
        self.calls = 0

    async def __call__(self, ctx: RequestContext, authorizer: Authorizer | None) -> None:
        self.calls += 1
        if self.unauthorized:
            raise GatewayError(ResponseType.UNAUTHORIZED, "no token")
        if self.decision is A:
            ctx.authorizer = {"principalId": "stub"}
            return
        assert self.decision is not None
        raise PolicyDenial(self.decision, detail="stub policy")


async def _authorize(
    auth: str, policy: dict[str, Any] | None, checks: dict[str, Any], identity: Identity | None
) -> RequestContext:
    deployment = Deployment(
        (rest_api(policy, auth=auth),), (http_api(),), account_id=ACCOUNT, region="us-east-1"
    )
    request = sign(rest_url("/allowed"), identity)
    ctx = RequestContext(request, deployment, request.domain_name)
    await RouteRequest()(ctx)
    await Authorize(checks)(ctx)
    return ctx


def _denial(error: GatewayError) -> tuple[int, bytes]:
    response = render_error(ApiKind.REST, error)
    return response.status, response.body


@pytest.mark.parametrize(("resource", "admitted"), [(A, True), (N, False), (D, False)])
async def test_policy_only_needs_an_explicit_allow(resource: Decision, admitted: bool) -> None:
    if admitted:
        await _authorize("NONE", _policy(resource), {}, None)
        return
    with pytest.raises(GatewayError) as caught:
        await _authorize("NONE", _policy(resource), {}, None)
    status, body = _denial(caught.value)
    assert status == 403
    expected = (
        '{"Message":"User: anonymous is not authorized to perform: execute-api:Invoke on '
        f"resource: arn:aws:execute-api:us-east-1:********9012:{REST_ID}/Prod/GET/allowed"
    )
    suffix = ' with an explicit deny"}' if resource is D else '"}'
    assert body.decode() == expected + suffix


@pytest.mark.parametrize(("user", "resource", "outcome"), TABLE_A)
async def test_lambda_authorizer_with_policy_follows_table_a(
    user: Decision, resource: Decision, outcome: Decision
) -> None:
    stub = StubCheck(user)
    if outcome is A:
        ctx = await _authorize("CUSTOM", _policy(resource), {"CUSTOM": stub}, None)
        assert ctx.authorizer == ({"principalId": "stub"} if user is A else None)
    else:
        with pytest.raises(GatewayError) as caught:
            await _authorize("CUSTOM", _policy(resource), {"CUSTOM": stub}, None)
        assert caught.value.response_type is ResponseType.ACCESS_DENIED
        if isinstance(caught.value, PolicyDenial):
            assert caught.value.decision is user  # the authorizer's own refusal
    # "Before calling the Lambda authorizer, API Gateway first evaluates the policy and
    # checks for any explicit denials. If found, the caller is denied access immediately."
    assert stub.calls == (0 if resource is D else 1)


async def test_lambda_authorizer_plain_explicit_deny_is_not_overruled() -> None:
    """A check raising a bare ACCESS_DENIED is read by AWS's wording of the deny."""

    class WordedDeny(StubCheck):
        async def __call__(self, ctx: RequestContext, authorizer: Authorizer | None) -> None:
            raise GatewayError(
                ResponseType.ACCESS_DENIED,
                message="User is not authorized to access this resource with an explicit deny",
            )

    with pytest.raises(GatewayError):
        await _authorize("CUSTOM", _policy(A), {"CUSTOM": WordedDeny(None)}, None)


async def test_lambda_authorizer_unauthorized_is_not_overruled_by_policy() -> None:
    stub = StubCheck(None, unauthorized=True)
    with pytest.raises(GatewayError) as caught:
        await _authorize("CUSTOM", _policy(A), {"CUSTOM": stub}, None)
    assert caught.value.response_type is ResponseType.UNAUTHORIZED


@pytest.mark.parametrize(("resource", "admitted"), [(A, True), (N, False), (D, False)])
async def test_cognito_then_policy_needs_an_explicit_allow(
    resource: Decision, admitted: bool
) -> None:
    """ "If authentication is successful, the resource policy is evaluated independently,
    and an explicit allow is required.\""""
    stub = StubCheck(A)
    checks: dict[str, Any] = {"COGNITO_USER_POOLS": stub}
    if admitted:
        await _authorize("COGNITO_USER_POOLS", _policy(resource), checks, None)
    else:
        with pytest.raises(GatewayError) as caught:
            await _authorize("COGNITO_USER_POOLS", _policy(resource), checks, None)
        assert caught.value.response_type is ResponseType.ACCESS_DENIED
    assert stub.calls == 1


async def test_cognito_failure_answers_before_the_policy() -> None:
    stub = StubCheck(None, unauthorized=True)
    with pytest.raises(GatewayError) as caught:
        await _authorize("COGNITO_USER_POOLS", _policy(A), {"COGNITO_USER_POOLS": stub}, None)
    assert caught.value.response_type is ResponseType.UNAUTHORIZED


def _iam_identity(user: Decision, account: str = ACCOUNT) -> Identity:
    if user is N:
        statements: tuple[dict[str, Any], ...] = ()
    else:
        effect = "Allow" if user is A else "Deny"
        statements = ({"Effect": effect, "Action": "execute-api:Invoke", "Resource": ARN},)
    return Identity(
        access_key="AKIATABLE00000000001",
        secret_key="table/secret/0000000000000000000000000",
        arn=f"arn:aws:iam::{account}:user/table",
        account_id=account,
        principal_id="AIDATABLE000000000001",
        statements=statements,
    )


def _iam_checks(identity: Identity) -> dict[str, Any]:
    return {"AWS_IAM": IamCheck(CredentialStore(identities=[identity]))}


@pytest.mark.parametrize(("user", "resource", "outcome"), TABLE_A)
async def test_iam_with_policy_same_account_follows_table_a(
    user: Decision, resource: Decision, outcome: Decision
) -> None:
    identity = _iam_identity(user)
    policy = _policy(resource, principal={"AWS": identity.arn})
    await _expect_iam(identity, policy, outcome)


@pytest.mark.parametrize(("user", "resource", "outcome"), TABLE_B)
async def test_iam_with_policy_cross_account_follows_table_b(
    user: Decision, resource: Decision, outcome: Decision
) -> None:
    identity = _iam_identity(user, account="999988887777")
    policy = _policy(resource, principal={"AWS": "arn:aws:iam::999988887777:root"})
    await _expect_iam(identity, policy, outcome)


async def _expect_iam(identity: Identity, policy: Any, outcome: Decision) -> None:
    if outcome is A:
        ctx = await _authorize("AWS_IAM", policy, _iam_checks(identity), identity)
        assert ctx.identity["userArn"] == identity.arn
        return
    with pytest.raises(GatewayError) as caught:
        await _authorize("AWS_IAM", policy, _iam_checks(identity), identity)
    assert caught.value.response_type is ResponseType.ACCESS_DENIED
    assert caught.value.message is not None
    assert caught.value.message.startswith(f"User: {identity.arn} is not authorized")
    assert caught.value.message.endswith("with an explicit deny") is (outcome is D)


async def test_iam_policy_principal_must_name_the_caller() -> None:
    """A statement for another principal neither allows nor denies this caller."""
    identity = _iam_identity(N)
    policy = _policy(A, principal={"AWS": f"arn:aws:iam::{ACCOUNT}:user/someone-else"})
    await _expect_iam(identity, policy, N)


def _role_session(account: str, *, allowed: bool = False) -> Identity:
    """A session of role `worker`, its identity policy allowing the method or nothing."""
    statements = (
        ({"Effect": "Allow", "Action": "execute-api:Invoke", "Resource": ARN},) if allowed else ()
    )
    return Identity(
        access_key="ASIAWORKER0000000001",
        secret_key="worker/secret/000000000000000000000000",
        arn=f"arn:aws:sts::{account}:assumed-role/worker/session-1",
        account_id=account,
        principal_id="AROAWORKER0000000001:session-1",
        statements=statements,
        session_token="worker-token",
    )


async def test_policy_naming_a_role_admits_its_sessions() -> None:
    """A role ARN in the policy's Principal names the role's assumed-role sessions (how a
    caller signs with a role), so it allows them on its own within the account (Table A).
    https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_principal.html#principal-roles
    """
    session = _role_session(ACCOUNT)
    policy = _policy(A, principal={"AWS": f"arn:aws:iam::{ACCOUNT}:role/worker"})
    assert await _role_outcome(session, policy) is A
    other_role = _policy(A, principal={"AWS": f"arn:aws:iam::{ACCOUNT}:role/other"})
    assert await _role_outcome(session, other_role) is N


async def test_policy_naming_another_accounts_role_admits_its_sessions_table_b() -> None:
    """The documented cross-account example: roles of another account allowed by the
    resource policy, their own identity policy allowing too."""
    session = _role_session("999988887777", allowed=True)
    policy = _policy(A, principal={"AWS": "arn:aws:iam::999988887777:role/worker"})
    assert await _role_outcome(session, policy) is A


async def _role_outcome(session: Identity, policy: Any) -> Decision:
    """ALLOW, or the denial's kind, for a GET /allowed signed with the session's key and
    token on an AWS_IAM API with `policy`."""
    deployment = Deployment(
        (rest_api(policy, auth="AWS_IAM"),), (), account_id=ACCOUNT, region="us-east-1"
    )
    request = sign(rest_url("/allowed"), session, token=session.session_token)
    ctx = RequestContext(request, deployment, request.domain_name)
    await RouteRequest()(ctx)
    try:
        await Authorize(_iam_checks(session))(ctx)
    except GatewayError as error:
        assert error.response_type is ResponseType.ACCESS_DENIED, error
        assert error.message is not None
        return D if error.message.endswith("with an explicit deny") else N
    return A


async def test_policy_source_ip_condition_uses_the_client_address() -> None:
    allow_loopback = {
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": "*",
                "Action": "execute-api:Invoke",
                "Resource": ARN,
                "Condition": {"IpAddress": {"aws:SourceIp": "127.0.0.0/8"}},
            }
        ]
    }
    await _authorize("NONE", allow_loopback, {}, None)
    allow_loopback["Statement"][0]["Condition"] = {"IpAddress": {"aws:SourceIp": "10.0.0.0/8"}}
    with pytest.raises(GatewayError):
        await _authorize("NONE", allow_loopback, {}, None)


async def test_iam_without_resource_policy_uses_identity_policy_alone() -> None:
    ctx = await _authorize("AWS_IAM", None, _iam_checks(ALICE), ALICE)
    assert ctx.identity["user"] == ALICE.principal_id
