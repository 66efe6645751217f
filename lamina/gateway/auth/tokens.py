"""The token-based checks (Cognito user pool and JWT authorizers) sharing one key cache,
as the gateway registers them."""

from __future__ import annotations

from typing import TYPE_CHECKING

from lamina.gateway.auth import Check
from lamina.gateway.auth.cognito import CognitoCheck
from lamina.gateway.auth.jwks import IssuerDirectory, JwksCache
from lamina.gateway.auth.jwt import JwtCheck, TokenVerifier
from lamina.gateway.auth.rest_jwt import RestJwtCheck

if TYPE_CHECKING:
    from lamina.gateway.context import RequestContext
    from lamina.gateway.model import Authorizer


def token_checks(
    issuers: IssuerDirectory | None = None, keys: JwksCache | None = None
) -> dict[str, Check]:
    """Authorization type -> check. One JwksCache serves both, for the gateway's lifetime
    (keys outlive redeployments, as an issuer's keys do)."""
    verifier = TokenVerifier(keys or JwksCache())
    directory = issuers or IssuerDirectory()
    return {
        "COGNITO_USER_POOLS": CognitoCheck(verifier, directory),
        "JWT": _JwtChecks(JwtCheck(verifier, directory), RestJwtCheck(verifier, directory)),
    }


class _JwtChecks:
    """Authorization type JWT on an HTTP API route or on a REST method: the two kinds of
    JWT authorizer are configured and answer differently."""

    def __init__(self, http: JwtCheck, rest: RestJwtCheck) -> None:
        self._http = http
        self._rest = rest

    async def __call__(self, ctx: RequestContext, authorizer: Authorizer | None) -> None:
        if ctx.route is None:
            await self._rest(ctx, authorizer)
        else:
            await self._http(ctx, authorizer)
