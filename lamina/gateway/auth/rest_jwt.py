"""The JWT authorizer of REST APIs (authorization type JWT on a method).

https://docs.aws.amazon.com/apigateway/latest/developerguide/rest-api-jwt-authorizer.html:
API Gateway reads the token from the one request header the authorizer names (the token
alone or prefixed with `Bearer`); the token's `iss` picks one of the trusted issuers (it
must match the configured URL exactly, trailing slash included); the signature must verify
with a key of that issuer's set under one of the authorizer's DefaultAlgorithms (RS256/384/
512, ES256/384/512); `aud` must contain one of that issuer's audiences; `exp`, `nbf`, `iat`
are checked as for HTTP APIs (jwt.TokenVerifier); then the issuer's additional claim rules
(SINGLE_STRING: present when Required, equal to one of ExpectedValues when given). Any
failure answers 401 `{"message":"Unauthorized"}`. A valid token carrying none of the
method's AuthorizationScopes (`scope` or `scp`) "receives a 403 Forbidden response"
(rest-api-jwt-authorizer-methods.html). The integration receives the claims under
`requestContext.authorizer.claims` with their JSON types (rest-api-jwt-authorizer-claims.html).
"""

from __future__ import annotations

from functools import lru_cache
from typing import TYPE_CHECKING, Any

from lamina.gateway.auth.claims import JsonClaims
from lamina.gateway.auth.jwks import Issuer, IssuerDirectory, KeysUnavailable
from lamina.gateway.auth.jwt import (
    TokenRejected,
    TokenVerifier,
    strip_bearer,
    token_scopes,
    unauthorized,
    unverified_issuer,
)
from lamina.gateway.error import GatewayError, ResponseType

if TYPE_CHECKING:
    from lamina.gateway.context import RequestContext
    from lamina.gateway.model import Authorizer, JwtClaimRule, JwtIssuer

_HEADER_SOURCE = "method.request.header."
# "API Gateway caches each issuer's signing keys for up to 1 hour on a best-effort basis"
# (an HTTP API's JWT authorizer: two hours, jwks.KEYS_TTL_S).
# https://docs.aws.amazon.com/apigateway/latest/developerguide/rest-api-jwt-authorizer-keys.html
KEYS_TTL_S = 3600.0


class RestJwtCheck:
    """The check of REST methods whose authorization type is JWT.

    The `iss` a token claims is read once per token (at most `remembered` of them): later
    requests with the same token skip decoding its payload, as TokenVerifier skips the
    signature check."""

    def __init__(
        self, verifier: TokenVerifier, issuers: IssuerDirectory, *, remembered: int = 10_000
    ) -> None:
        self._verifier = verifier
        self._issuers = issuers
        self._remembered = remembered
        self._claimed: dict[str, object] = {}

    async def __call__(self, ctx: RequestContext, authorizer: Authorizer | None) -> None:
        if authorizer is None or not authorizer.jwt_issuers:
            raise GatewayError(ResponseType.DEFAULT_5XX, "REST JWT authorizer without issuers")
        header = _header_name(authorizer)
        raw = ctx.request.header(header)
        token = strip_bearer(raw) if raw else ""
        if not token:  # no challenge then, as the HTTP API's JWT check answers
            raise GatewayError(
                ResponseType.UNAUTHORIZED,
                f"JWT authorizer {authorizer.name}: no token in the {header} header",
            )
        try:
            trusted, issuer = self._trusted(authorizer, token)
            verified = await self._verifier.verify(
                token, issuer, trusted.audiences, _algorithms(authorizer.jwt_algorithms)
            )
            for rule in trusted.additional_claims:
                _check_claim(rule, verified.claims)
        except TokenRejected as rejected:  # its description is safe for the header
            raise unauthorized(authorizer, rejected.description) from None
        except KeysUnavailable as error:
            description = "the issuer's signing keys are unavailable"
            raise unauthorized(authorizer, description, detail=str(error)) from None
        required = ctx.method.authorization_scopes if ctx.method is not None else ()
        if required and not set(required).intersection(token_scopes(verified.claims)):
            raise GatewayError(
                ResponseType.ACCESS_DENIED,
                f"JWT authorizer {authorizer.name}: the token has none of the scopes "
                f"{' '.join(required)}",
            )
        ctx.authorizer = {"claims": JsonClaims(verified.claims)}

    def _trusted(self, authorizer: Authorizer, token: str) -> tuple[JwtIssuer, Issuer]:
        """The trusted issuer the (not yet verified) token's `iss` names, and where its
        keys are; a configured Cognito issuer is compared in the form Lamina serves its
        tokens under."""
        claimed = self._claimed.get(token)
        if claimed is None:
            claimed = unverified_issuer(token)
            if len(self._claimed) >= self._remembered:
                del self._claimed[next(iter(self._claimed))]
            self._claimed[token] = claimed
        if not isinstance(claimed, str):
            raise TokenRejected("the token is not a valid JWT (or has no iss)")
        for trusted in authorizer.jwt_issuers:
            issuer = self._issuers.issuer(trusted.issuer)
            if issuer.url == claimed:
                # Keys found through discovery only if the document names this issuer.
                return trusted, Issuer(
                    issuer.url,
                    issuer.jwks_url,
                    discovery_names_issuer=issuer.jwks_url is None,
                    keys_ttl_s=KEYS_TTL_S,
                )
        raise TokenRejected("the token does not have a valid issuer")


def _check_claim(rule: JwtClaimRule, claims: dict[str, Any]) -> None:
    """SINGLE_STRING: "When true, the token must contain the claim"; with expected values
    "the claim must match it exactly, and the match is case-sensitive" (JwtAdditionalClaim)."""
    if rule.name not in claims:
        if rule.required:
            raise TokenRejected(f"the token has no {rule.name} claim")
        return
    value = claims[rule.name]
    if not isinstance(value, str):
        raise TokenRejected(f"the token's {rule.name} claim is not a single string")
    if rule.expected_values and value not in rule.expected_values:
        raise TokenRejected(f"the token's {rule.name} claim has no expected value")


def _header_name(authorizer: Authorizer) -> str:
    source = authorizer.identity_sources[0] if authorizer.identity_sources else ""
    return source.removeprefix(_HEADER_SOURCE) or "Authorization"


@lru_cache(maxsize=64)
def _algorithms(names: tuple[str, ...]) -> frozenset[str]:
    return frozenset(names)
