"""The token-based checks (Cognito user pool and JWT authorizers) sharing one key cache,
as the gateway registers them."""

from __future__ import annotations

from lamina.gateway.auth import Check
from lamina.gateway.auth.cognito import CognitoCheck
from lamina.gateway.auth.jwks import IssuerDirectory, JwksCache
from lamina.gateway.auth.jwt import JwtCheck, TokenVerifier


def token_checks(
    issuers: IssuerDirectory | None = None, keys: JwksCache | None = None
) -> dict[str, Check]:
    """Authorization type -> check. One JwksCache serves both, for the gateway's lifetime
    (keys outlive redeployments, as an issuer's keys do)."""
    verifier = TokenVerifier(keys or JwksCache())
    directory = issuers or IssuerDirectory()
    return {
        "COGNITO_USER_POOLS": CognitoCheck(verifier, directory),
        "JWT": JwtCheck(verifier, directory),
    }
