"""Authorization: run the method's (REST) or route's (HTTP API) authorization check, and
combine it with the REST API's resource policy.

https://docs.aws.amazon.com/apigateway/latest/developerguide/apigateway-control-access-to-api.html
How a resource policy combines with each authorization type
(https://docs.aws.amazon.com/apigateway/latest/developerguide/apigateway-authorization-flow.html):

    NONE        the policy alone: an explicit allow admits; an implicit or explicit deny
                is 403 (ACCESS_DENIED, caller "anonymous").
    AWS_IAM     authenticate the signature, then the caller's identity policies and the
                resource policy (with the caller as principal) together: Table A in the
                API owner's account (either side allowing suffices, an explicit deny
                wins), Table B across accounts (both must allow).
    CUSTOM      "two phases": an explicit deny in the policy refuses before the Lambda
                authorizer is called; then the authorizer's policy and the resource policy
                together by Table A (an authorizer that neither allows nor denies is
                overruled by a policy that allows).
    COGNITO_USER_POOLS, JWT (REST JWT authorizers, treated alike: no policy of their own)
                the token is authenticated first; then "the resource policy is evaluated
                independently, and an explicit allow is required".
HTTP APIs have no resource policies: their checks run alone.
"""

from __future__ import annotations

from collections.abc import Mapping

from lamina.aws.policy import Decision
from lamina.gateway.auth import Check
from lamina.gateway.auth.iam import IamCheck, denied
from lamina.gateway.auth.resource_policy import PolicyDenial, ResourcePolicy, combine
from lamina.gateway.context import RequestContext
from lamina.gateway.deployment import CompiledRestApi, Deployment
from lamina.gateway.error import ApiKind, GatewayError, ResponseType
from lamina.gateway.model import Authorizer, Method, Route

_ANONYMOUS = "anonymous"
# "When authorization is enabled on a method, the maximum length of the method's ARN ... is
# 1600 bytes" (414 beyond); "this limits the URI length when resource policies are used".
# https://docs.aws.amazon.com/apigateway/latest/developerguide/limits.html
MAX_METHOD_ARN_BYTES = 1600
_MAX_POLICIES = 256


class Authorize:
    def __init__(self, checks: Mapping[str, Check]) -> None:
        """`checks`: authorization type (CUSTOM, COGNITO_USER_POOLS, JWT, AWS_IAM) -> check."""
        self._checks = dict(checks)
        self._policies: dict[int, tuple[object, ResourcePolicy]] = {}
        """id(policy document) -> (the document, parsed); the stages of one API may
        serve different deployments, so one API may have several documents at once."""

    def needed(self, deployment: Deployment) -> bool:
        """Whether any method or route authorizes, or any REST API has a resource policy
        (in the APIs' own definitions or any stage's)."""
        for rest in deployment.rest_definitions:
            if rest.policy is not None:
                return True
            for resource in rest.resources:
                if any(m.authorization_type != "NONE" for m in resource.methods.values()):
                    return True
        return any(
            route.authorization_type != "NONE"
            for http in deployment.http_definitions
            for route in http.routes
        )

    async def __call__(self, ctx: RequestContext) -> None:
        declared = ctx.method if ctx.method is not None else ctx.route
        auth_type = "NONE" if declared is None else declared.authorization_type
        policy = self._policy_of(ctx)
        if (
            (policy is not None or auth_type != "NONE")
            and ctx.kind is ApiKind.REST
            and len(ctx.source_arn.encode()) > MAX_METHOD_ARN_BYTES
        ):
            raise GatewayError(
                ResponseType.REQUEST_URI_TOO_LONG,
                f"the method ARN is over {MAX_METHOD_ARN_BYTES} bytes",
            )
        if policy is None:
            if declared is not None and auth_type != "NONE":
                check, authorizer = self._check_for(ctx, declared)
                await check(ctx, authorizer)
            return
        if declared is None or auth_type == "NONE":
            _require_allow(ctx, policy)
            return
        check, authorizer = self._check_for(ctx, declared)
        if isinstance(check, IamCheck):
            _with_iam(ctx, policy, check)
        elif auth_type in ("COGNITO_USER_POOLS", "JWT"):
            # Token checks return no policy to combine: the token (and its scopes) and the
            # resource policy must both allow, as for user pools.
            await check(ctx, authorizer)
            _require_allow(ctx, policy)
        else:
            await _with_authorizer(ctx, policy, check, authorizer)

    def _check_for(
        self, ctx: RequestContext, declared: Method | Route
    ) -> tuple[Check, Authorizer | None]:
        check = self._checks.get(declared.authorization_type)
        if check is None:
            raise GatewayError(
                ResponseType.DEFAULT_5XX,
                f"authorization type {declared.authorization_type} is not supported",
            )
        authorizer = None
        if declared.authorizer_id is not None:
            assert ctx.api is not None, "routing sets the API"
            authorizer = ctx.api.authorizers.get(declared.authorizer_id)
            if authorizer is None:
                raise GatewayError(
                    ResponseType.DEFAULT_5XX,
                    f"authorizer {declared.authorizer_id} is not defined on this API",
                )
        return check, authorizer

    def _policy_of(self, ctx: RequestContext) -> ResourcePolicy | None:
        """The REST API's resource policy, parsed once per deployed document."""
        api = ctx.api
        if not isinstance(api, CompiledRestApi) or api.api.policy is None:
            return None
        document = api.api.policy
        cached = self._policies.get(id(document))
        if cached is None or cached[0] is not document:
            if len(self._policies) >= _MAX_POLICIES:  # documents of past deployments
                self._policies.clear()
            cached = (document, ResourcePolicy(document))
            self._policies[id(document)] = cached
        return cached[1]


def _require_allow(ctx: RequestContext, policy: ResourcePolicy) -> None:
    """The policy alone must explicitly allow the anonymous caller (no authorization
    type; Cognito after the token is verified)."""
    decision = policy.decide(ctx, None)
    if decision is not Decision.ALLOW:
        raise denied(ctx, _ANONYMOUS, explicit=decision is Decision.EXPLICIT_DENY)


def _with_iam(ctx: RequestContext, policy: ResourcePolicy, check: IamCheck) -> None:
    identity = check.authenticate(ctx)
    user = check.decide(identity, ctx)
    resource = policy.decide(ctx, identity)
    same_account = identity.account_id == ctx.deployment.account_id
    outcome = combine(user, resource, same_account=same_account)
    if outcome is not Decision.ALLOW:
        raise denied(ctx, identity.arn, explicit=outcome is Decision.EXPLICIT_DENY)
    check.admit(ctx, identity)


async def _with_authorizer(
    ctx: RequestContext, policy: ResourcePolicy, check: Check, authorizer: Authorizer | None
) -> None:
    """Lambda authorizers (and any other check): the policy's explicit deny first, then
    the authorizer, then Table A."""
    resource = policy.decide(ctx, None)
    if resource is Decision.EXPLICIT_DENY:
        raise denied(ctx, _ANONYMOUS, explicit=True)
    try:
        await check(ctx, authorizer)
    except GatewayError as error:
        decision = _authorizer_decision(error)
        if decision is None or combine(decision, resource, same_account=True) is not Decision.ALLOW:
            raise


def _authorizer_decision(error: GatewayError) -> Decision | None:
    """What a refused authorizer's policy decided; None when the refusal was no policy
    decision (401 Unauthorized, a failing authorizer), which no resource policy overrules.
    A check raising a plain ACCESS_DENIED is read by its message: AWS words only the
    explicit deny "... with an explicit deny"."""
    if isinstance(error, PolicyDenial):
        return error.decision
    if error.response_type is not ResponseType.ACCESS_DENIED:
        return None
    if error.message is not None and error.message.endswith("with an explicit deny"):
        return Decision.EXPLICIT_DENY
    return Decision.IMPLICIT_DENY
