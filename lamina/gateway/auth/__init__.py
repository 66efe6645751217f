"""Who may call a method: authorizers (Lambda, Cognito user pools, JWT), IAM
authorization and resource policies.

Each authorization type has one `Check`; the Authorize stage (stages/authorize.py) picks the
method's or route's check and combines its outcome with the API's resource policy as
https://docs.aws.amazon.com/apigateway/latest/developerguide/apigateway-authorization-flow.html
describes.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from lamina.gateway.context import RequestContext
    from lamina.gateway.model import Authorizer


class Check(Protocol):
    async def __call__(self, ctx: RequestContext, authorizer: Authorizer | None) -> None:
        """Admit the request (filling ctx.authorizer / ctx.identity / ctx.api_key) or raise
        the GatewayError API Gateway would answer with. `authorizer` is the method's or
        route's authorizer; None for AWS_IAM."""
