"""REST API resource policies: who may invoke which methods, from where, evaluated per
request against the method ARN, and combined with the method's authorization outcome as
https://docs.aws.amazon.com/apigateway/latest/developerguide/apigateway-authorization-flow.html
tabulates ("Policy evaluation outcome tables").

The policy document arrives with its `execute-api:/stage/METHOD/path` short resources
already expanded to full ARNs (lamina.config.resource_policy).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from lamina.aws.authorize import role_arn
from lamina.aws.policy import Decision, PolicyRequest, evaluate, statements_of
from lamina.gateway.auth.iam import INVOKE, policy_context
from lamina.gateway.error import GatewayError, ResponseType

if TYPE_CHECKING:
    from lamina.aws.credentials import Identity
    from lamina.gateway.context import RequestContext


class PolicyDenial(GatewayError):
    """An authorizer's policy did not allow the request: the error to answer, plus whether
    the policy denied explicitly or only did not allow (IMPLICIT_DENY). Lambda authorizer
    checks raise this instead of a bare GatewayError so that the Authorize stage can apply
    Table A: an authorizer that neither allows nor denies is overruled by a resource policy
    that allows."""

    def __init__(
        self,
        decision: Decision,
        response_type: ResponseType = ResponseType.ACCESS_DENIED,
        detail: str = "",
        *,
        message: str | None = None,
        error_type: str | None = None,
    ) -> None:
        super().__init__(response_type, detail, message=message, error_type=error_type)
        self.decision = decision


class ResourcePolicy:
    """One API's resource policy; its statements are read once."""

    __slots__ = ("statements",)

    def __init__(self, document: Mapping[str, Any]) -> None:
        self.statements = statements_of(document)

    def decide(self, ctx: RequestContext, caller: Identity | None) -> Decision:
        """`caller`: the IAM principal of an AWS_IAM request; None is anonymous (only
        `"Principal": "*"` statements apply). A caller signing as an assumed-role session is
        also named by its role's ARN, as a role principal names the role's sessions.
        https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_principal.html#principal-roles
        """
        request = PolicyRequest(
            action=INVOKE,
            resource=ctx.source_arn,
            principal=None if caller is None else caller.arn,
            context=policy_context(ctx, caller),
            role_arn=None if caller is None else role_arn(caller),
        )
        return evaluate(self.statements, request, check_principal=True)


def combine(user: Decision, resource: Decision, *, same_account: bool) -> Decision:
    """The identity side (IAM user policy, or a Lambda / Cognito authorizer) with the
    resource policy. Table A (caller in the API owner's account): an explicit deny on
    either side wins, else an allow on either side suffices. Table B (another account):
    both must allow.
    https://docs.aws.amazon.com/apigateway/latest/developerguide/apigateway-authorization-flow.html
    """
    if Decision.EXPLICIT_DENY in (user, resource):
        return Decision.EXPLICIT_DENY
    if same_account and Decision.ALLOW in (user, resource):
        return Decision.ALLOW
    if user is Decision.ALLOW and resource is Decision.ALLOW:
        return Decision.ALLOW
    return Decision.IMPLICIT_DENY
