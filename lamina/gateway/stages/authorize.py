"""Authorization: run the method's (REST) or route's (HTTP API) authorization check.

https://docs.aws.amazon.com/apigateway/latest/developerguide/apigateway-control-access-to-api.html
"""

from __future__ import annotations

from collections.abc import Mapping

from lamina.gateway.auth import Check
from lamina.gateway.context import RequestContext
from lamina.gateway.error import GatewayError, ResponseType


class Authorize:
    def __init__(self, checks: Mapping[str, Check]) -> None:
        """`checks`: authorization type (CUSTOM, COGNITO_USER_POOLS, JWT, AWS_IAM) -> check."""
        self._checks = dict(checks)

    async def __call__(self, ctx: RequestContext) -> None:
        declared = ctx.method if ctx.method is not None else ctx.route
        if declared is None or declared.authorization_type == "NONE":
            return
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
        await check(ctx, authorizer)
