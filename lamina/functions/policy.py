"""Resource-based policies: may this service principal, from this source ARN, invoke?

Lambda decides whether another service (API Gateway, S3, ...) may invoke a function from
the function's resource-based policy: an Allow statement naming the service principal,
the action, and conditions on the caller's source ARN (ArnLike) and account
(StringEquals), evaluated by the one IAM policy evaluator (lamina/aws/policy.py).
https://docs.aws.amazon.com/lambda/latest/dg/access-control-resource-based.html
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from lamina.aws.policy import Decision, PolicyRequest, evaluate

INVOKE_ACTION = "lambda:InvokeFunction"


class InvokeRequest:
    __slots__ = ("principal", "source_account", "source_arn")

    def __init__(self, *, principal: str, source_arn: str, source_account: str) -> None:
        self.principal = principal
        self.source_arn = source_arn
        self.source_account = source_account


def allows(
    statements: Iterable[Mapping[str, Any]], request: InvokeRequest, *, function_arn: str
) -> bool:
    """True when an Allow statement grants the invocation and no Deny matches."""
    asked = PolicyRequest(
        action=INVOKE_ACTION,
        resource=function_arn,
        principal_service=request.principal,
        context={"aws:SourceArn": request.source_arn, "aws:SourceAccount": request.source_account},
    )
    return evaluate(statements, asked, check_principal=True) is Decision.ALLOW
