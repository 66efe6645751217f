"""The Cognito user pool authorizer of REST APIs (authorization type COGNITO_USER_POOLS).

https://docs.aws.amazon.com/apigateway/latest/developerguide/apigateway-enable-cognito-user-pool.html:
the client sends an ID or access token in the authorizer's header (Authorization by
default). "If the OAuth Scopes option isn't specified, API Gateway treats the supplied token
as an identity token ... Otherwise, API Gateway treats the supplied token as an access token
and verifies the access scopes", and when no scope matches "the call fails with a 401
Unauthorized response". The token must come from one of the authorizer's user pools
(`providerARNs`), carry a valid signature from that pool's keys and not be expired; an
`identityValidationExpression` must match its `aud`
(https://docs.aws.amazon.com/apigateway/latest/api/API_Authorizer.html). Failures answer
401 `{"message":"Unauthorized"}` (UnauthorizedException).
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from lamina.gateway.auth.jwks import Issuer, IssuerDirectory, KeysUnavailable
from lamina.gateway.auth.jwt import (
    TokenRejected,
    TokenVerifier,
    strip_bearer,
    token_scopes,
    unverified_issuer,
)
from lamina.gateway.error import GatewayError, ResponseType

if TYPE_CHECKING:
    from lamina.gateway.context import RequestContext
    from lamina.gateway.model import Authorizer

REST_DEFAULT_HEADER = "Authorization"
_POOL_ARN = re.compile(r"^arn:aws[\w-]*:cognito-idp:([a-z0-9-]+):\d*:userpool/([\w-]+)$")


class CognitoCheck:
    """The check of REST methods with authorization type COGNITO_USER_POOLS."""

    def __init__(self, verifier: TokenVerifier, issuers: IssuerDirectory) -> None:
        self._verifier = verifier
        self._issuers = issuers

    async def __call__(self, ctx: RequestContext, authorizer: Authorizer | None) -> None:
        if authorizer is None:
            raise GatewayError(ResponseType.DEFAULT_5XX, "Cognito authorizer missing")
        header = _header_name(authorizer)
        raw = ctx.request.header(header)
        token = strip_bearer(raw) if raw else ""
        if not token:
            raise _unauthorized(authorizer, f"no token in the {header} header")
        issuer = self._pool_issuer(authorizer, token)
        try:
            verified = await self._verifier.verify(token, issuer, None)
        except TokenRejected as rejected:
            raise _unauthorized(authorizer, rejected.description) from None
        except KeysUnavailable as error:
            raise _unauthorized(authorizer, str(error)) from None
        scopes = ctx.method.authorization_scopes if ctx.method is not None else ()
        _check_use(authorizer, verified.claims, scopes)
        expression = authorizer.identity_validation_expression
        if expression and not _full_match(expression, str(verified.claims.get("aud", ""))):
            raise _unauthorized(authorizer, f"aud does not match {expression}")
        ctx.authorizer = {"claims": verified.rest_claims()}

    def _pool_issuer(self, authorizer: Authorizer, token: str) -> Issuer:
        """The authorizer's pool whose issuer the (not yet verified) token names."""
        pools = _pools(authorizer.provider_arns)
        if not pools:
            raise GatewayError(
                ResponseType.DEFAULT_5XX,
                f"Cognito authorizer {authorizer.name} names no user pool ARN",
            )
        if len(pools) == 1:  # the usual case: verification checks `iss` against it
            return self._issuers.user_pool(*pools[0])
        claimed = unverified_issuer(token)
        if claimed is None:
            raise _unauthorized(authorizer, "the token is not a valid JWT (or has no iss)")
        for region, pool_id in pools:
            issuer = self._issuers.user_pool(region, pool_id)
            if issuer.url == claimed:
                return issuer
        raise _unauthorized(authorizer, f"issuer {claimed!r} is none of the authorizer's pools")


def _check_use(authorizer: Authorizer, claims: dict[str, Any], scopes: tuple[str, ...]) -> None:
    use = claims.get("token_use")
    if not scopes:
        if use != "id":
            raise _unauthorized(authorizer, "the method has no OAuth scopes: an ID token is needed")
        return
    if use != "access":
        raise _unauthorized(authorizer, "the method has OAuth scopes: an access token is needed")
    if not set(scopes).intersection(token_scopes(claims)):
        raise _unauthorized(authorizer, f"the token has none of the scopes {' '.join(scopes)}")


def _header_name(authorizer: Authorizer) -> str:
    for source in authorizer.identity_sources:
        if source.startswith("method.request.header."):
            return source.removeprefix("method.request.header.")
    return REST_DEFAULT_HEADER


@lru_cache(maxsize=256)
def _pools(arns: tuple[str, ...]) -> tuple[tuple[str, str], ...]:
    """(region, pool id) of each `arn:aws:cognito-idp:{region}:{account}:userpool/{id}`."""
    found = (_POOL_ARN.match(arn.strip()) for arn in arns)
    return tuple((match.group(1), match.group(2)) for match in found if match is not None)


@lru_cache(maxsize=256)
def _compiled(expression: str) -> re.Pattern[str] | None:
    try:
        return re.compile(expression)
    except re.error:
        return None


def _full_match(expression: str, value: str) -> bool:
    pattern = _compiled(expression)
    return pattern is not None and pattern.fullmatch(value) is not None


def _unauthorized(authorizer: Authorizer, detail: str) -> GatewayError:
    return GatewayError(
        ResponseType.UNAUTHORIZED, f"Cognito authorizer {authorizer.name}: {detail}"
    )
