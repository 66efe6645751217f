"""A warning for Lambda authorizers API Gateway is not allowed to invoke.

API Gateway calls a Lambda authorizer either with the role in its credentials
(`authorizerCredentials`) or, without one, as `apigateway.amazonaws.com`, which the
function's resource-based policy must allow (AWS::Lambda::Permission); otherwise every call
of the routes it guards fails with a 500, on AWS as here (Lamina enforces the permissions).
SAM writes the permission for REST authorizers, but for an HTTP API's Lambda authorizer only
with `EnableFunctionDefaultPermissions: true`, so a template that works for REST answers 500
for its HTTP API.
https://docs.aws.amazon.com/serverless-application-model/latest/developerguide/sam-property-httpapi-lambdaauthorizer.html
"""

from __future__ import annotations

from collections.abc import Iterable

from lamina.config.model import TemplatePermission
from lamina.gateway.model import HttpApi, RestApi

_API_GATEWAY = ("apigateway.amazonaws.com", "*")
_INVOKE = ("lambda:InvokeFunction", "lambda:*", "*")


def unpermitted_authorizers(
    apis: Iterable[RestApi | HttpApi], permissions: Iterable[TemplatePermission]
) -> list[str]:
    """One warning per Lambda authorizer whose function no statement lets API Gateway
    invoke (and that has no credentials role to invoke it with)."""
    allowed = {
        permission.function_name
        for permission in permissions
        if permission.principal in _API_GATEWAY and permission.action in _INVOKE
    }
    warnings = []
    for api in apis:
        for authorizer in api.authorizers:
            name = authorizer.function_name
            if name is None or authorizer.credentials is not None or name in allowed:
                continue
            fix = (
                "SAM: EnableFunctionDefaultPermissions: true on the authorizer"
                if isinstance(api, HttpApi)
                else "an AWS::Lambda::Permission for apigateway.amazonaws.com"
            )
            warnings.append(
                f"authorizer {authorizer.name} of {api.logical_id}: no AWS::Lambda::Permission "
                f"lets API Gateway invoke {name}, so every request it guards will answer 500, "
                f"as on AWS (add {fix}, or give the authorizer a credentials role)"
            )
    return warnings
