"""ID and access tokens as Cognito issues them: RS256 JWTs signed with the pool's key,
`kid` in the header, `iss` = `{base URL}/{poolId}`; the pool's JWKS and OpenID discovery
document at `/{poolId}/.well-known/...`.

Claims: https://docs.aws.amazon.com/cognito/latest/developerguide/amazon-cognito-user-pools-using-the-id-token.html
https://docs.aws.amazon.com/cognito/latest/developerguide/amazon-cognito-user-pools-using-the-access-token.html
"""

from __future__ import annotations

import base64
import hashlib
import json
import uuid
from typing import Any

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from lamina.services.cognito_idp.model import Client, Pool, User

ADMIN_SCOPE = "aws.cognito.signin.user.admin"


class SigningKey:
    def __init__(self, kid: str, private: rsa.RSAPrivateKey) -> None:
        self.kid = kid
        self._private = private

    @classmethod
    def generate(cls) -> SigningKey:
        return cls(
            base64.b64encode(uuid.uuid4().bytes).decode(),
            rsa.generate_private_key(public_exponent=65537, key_size=2048),
        )

    @classmethod
    def load(cls, kid: str, der: bytes) -> SigningKey:
        private = serialization.load_der_private_key(der, password=None)
        assert isinstance(private, rsa.RSAPrivateKey)
        return cls(kid, private)

    def der(self) -> bytes:
        return self._private.private_bytes(
            serialization.Encoding.DER,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )

    def sign(self, claims: dict[str, Any]) -> str:
        return jwt.encode(claims, self._private, algorithm="RS256", headers={"kid": self.kid})

    def verify(self, token: str, now: float) -> dict[str, Any]:
        """The claims of a token this key signed, unexpired at `now` (the service's clock);
        raises jwt.PyJWTError otherwise."""
        claims: dict[str, Any] = jwt.decode(
            token,
            self._private.public_key(),
            algorithms=["RS256"],
            options={"verify_aud": False, "verify_exp": False, "verify_iat": False},
        )
        if int(claims.get("exp", 0)) <= now:
            raise jwt.ExpiredSignatureError("Signature has expired")
        return claims

    def jwk(self) -> dict[str, str]:
        numbers = self._private.public_key().public_numbers()
        return {
            "alg": "RS256",
            "e": _b64url(numbers.e),
            "kid": self.kid,
            "kty": "RSA",
            "n": _b64url(numbers.n),
            "use": "sig",
        }


def _b64url(number: int) -> str:
    raw = number.to_bytes((number.bit_length() + 7) // 8, "big")
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def issuer(base_url: str, pool: Pool) -> str:
    return f"{base_url.rstrip('/')}/{pool.id}"


def id_token_claims(
    *,
    base_url: str,
    pool: Pool,
    client: Client,
    user: User,
    now: int,
    auth_time: int,
    origin_jti: str,
    event_id: str,
    groups: list[str],
) -> dict[str, Any]:
    claims: dict[str, Any] = {"sub": user.sub}
    if groups:
        claims["cognito:groups"] = groups
    for name, value in user.attributes.items():
        if name == "sub":
            continue
        claims[name] = _attribute_claim(name, value)
    claims.update(
        {
            "iss": issuer(base_url, pool),
            "cognito:username": user.username,
            "origin_jti": origin_jti,
            "aud": client.id,
            "event_id": event_id,
            "token_use": "id",
            "auth_time": auth_time,
            "exp": now + client.id_token_minutes * 60,
            "iat": now,
            "jti": str(uuid.uuid4()),
        }
    )
    return claims


def access_token_claims(
    *,
    base_url: str,
    pool: Pool,
    client: Client,
    user: User,
    now: int,
    auth_time: int,
    origin_jti: str,
    event_id: str,
    groups: list[str],
    scope: str = ADMIN_SCOPE,
) -> dict[str, Any]:
    claims: dict[str, Any] = {"sub": user.sub}
    if groups:
        claims["cognito:groups"] = groups
    claims.update(
        {
            "iss": issuer(base_url, pool),
            "client_id": client.id,
            "origin_jti": origin_jti,
            "event_id": event_id,
            "token_use": "access",
            "scope": scope,
            "auth_time": auth_time,
            "exp": now + client.access_token_minutes * 60,
            "iat": now,
            "jti": str(uuid.uuid4()),
            "username": user.username,
        }
    )
    return claims


def _attribute_claim(name: str, value: str) -> Any:
    # Verified flags are booleans in the ID token.
    if name in ("email_verified", "phone_number_verified"):
        return value == "true"
    # Federated users' `identities` attribute is JSON text; the ID token carries it parsed.
    # https://docs.aws.amazon.com/cognito/latest/developerguide/cognito-user-pools-oidc-idp.html
    if name == "identities":
        return json.loads(value)
    return value


def at_hash(access_token: str) -> str:
    """The ID token's `at_hash`: base64url of the left half of SHA-256 over the access
    token (RS256), so relying parties can bind the two.
    https://openid.net/specs/openid-connect-core-1_0.html#CodeIDToken"""
    digest = hashlib.sha256(access_token.encode()).digest()
    return base64.urlsafe_b64encode(digest[:16]).rstrip(b"=").decode()


def discovery(base_url: str, pool: Pool) -> dict[str, Any]:
    """The pool's OpenID Connect discovery document: the issuer, its keys, and the OAuth 2.0
    endpoints hosted.py serves under the issuer's path (`{base}/{poolId}/oauth2/...`).
    Cognito's fields only: no end_session_endpoint, since /logout takes `logout_uri`, not
    OIDC's `post_logout_redirect_uri`."""
    # https://docs.aws.amazon.com/cognito/latest/developerguide/cognito-userpools-server-contract-reference.html
    iss = issuer(base_url, pool)
    return {
        "authorization_endpoint": f"{iss}/oauth2/authorize",
        "id_token_signing_alg_values_supported": ["RS256"],
        "issuer": iss,
        "jwks_uri": f"{iss}/.well-known/jwks.json",
        "response_types_supported": ["code", "token"],
        "revocation_endpoint": f"{iss}/oauth2/revoke",
        "scopes_supported": ["openid", "email", "phone", "profile"],
        "subject_types_supported": ["public"],
        "token_endpoint": f"{iss}/oauth2/token",
        "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
        "userinfo_endpoint": f"{iss}/oauth2/userInfo",
    }
