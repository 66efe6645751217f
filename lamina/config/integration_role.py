"""Warnings for Lambda integrations whose credentials cannot invoke their function: every
request to them would answer 500, as on AWS, with the cause only in a per-request log line.

A role ARN must name one of the template's roles, trust apigateway.amazonaws.com and allow
`lambda:InvokeFunction` on the function; `arn:aws:iam::*:user/*` (the caller's credentials)
needs an AWS_IAM method. gateway/integrations/lambda_role.py decides per request.
https://docs.aws.amazon.com/apigateway/latest/api/API_Integration.html
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from lamina.aws.credentials import AssumableRole
from lamina.aws.policy import Decision, PolicyRequest, evaluate
from lamina.gateway.integrations.lambda_role import GATEWAY_SERVICE, INVOKE_ACTION, function_arn
from lamina.gateway.model import (
    CALLER_CREDENTIALS,
    HttpApi,
    Integration,
    LambdaCustomIntegration,
    LambdaIntegration,
    RestApi,
)


def unusable_integration_roles(
    apis: Iterable[RestApi | HttpApi],
    roles: Iterable[AssumableRole],
    *,
    region: str,
    account_id: str,
) -> list[str]:
    """One warning per Lambda integration whose credentials cannot invoke its function."""
    known = {role.arn: role for role in roles}
    warnings = []
    for api in apis:
        for where, authorization, integration in _lambda_integrations(api):
            credentials = integration.credentials
            if credentials is None or "${" in integration.function_name + credentials:
                continue  # known per request, once the stage's variables are substituted
            arn = function_arn(region, account_id, integration.function_name, integration.qualifier)
            problem = _problem(credentials, known.get(credentials), arn, authorization)
            if problem is not None:
                warnings.append(
                    f"{where} of {api.logical_id}: {problem}, so every request to it will "
                    "answer 500, as on AWS"
                )
    return warnings


def _problem(
    credentials: str, role: AssumableRole | None, arn: str, authorization: str
) -> str | None:
    if credentials == CALLER_CREDENTIALS:
        if authorization == "AWS_IAM":
            return None  # the caller's policies decide, per request
        return f"credentials {CALLER_CREDENTIALS} pass the caller's through, but it is not AWS_IAM"
    if role is None:
        return f"the credentials role {credentials} is not an AWS::IAM::Role of the template"
    assume = PolicyRequest(
        action="sts:AssumeRole", resource=credentials, principal_service=GATEWAY_SERVICE
    )
    if evaluate(role.trust_statements, assume, check_principal=True) is not Decision.ALLOW:
        return f"the credentials role {credentials} does not trust {GATEWAY_SERVICE}"
    invoke = PolicyRequest(action=INVOKE_ACTION, resource=arn)
    if evaluate(role.statements, invoke) is not Decision.ALLOW:
        return f"the credentials role {credentials} is not allowed {INVOKE_ACTION} on {arn}"
    return None


def _lambda_integrations(
    api: RestApi | HttpApi,
) -> Iterator[tuple[str, str, LambdaIntegration | LambdaCustomIntegration]]:
    """(which method or route, its authorization type, its Lambda integration)."""
    found: list[tuple[str, str, Integration | None]] = []
    if isinstance(api, RestApi):
        for resource in api.resources:
            for verb, method in resource.methods.items():
                found.append(
                    (f"{verb} {resource.path}", method.authorization_type, method.integration)
                )
    else:
        for route in api.routes:
            found.append((route.route_key, route.authorization_type, route.integration))
    for where, authorization, integration in found:
        if isinstance(integration, LambdaIntegration | LambdaCustomIntegration):
            yield where, authorization, integration
