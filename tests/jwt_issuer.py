"""A token issuer for authorizer tests: RSA keys made with `cryptography`, tokens signed with
PyJWT, and (for tests that go through HTTP) a local identity provider on 127.0.0.1 serving
the OpenID discovery document and the key set the way Cognito lays them out."""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import jwt
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from jwt.algorithms import ECAlgorithm, RSAAlgorithm

POOL_ID = "us-east-1_TestPool1"
CLIENT_ID = "7lhlkkfbfb4q5kpp90urffao"


# ES256 / ES384 / ES512 and their curves (RFC 7518 section 3.4).
EC_CURVES: dict[str, ec.EllipticCurve] = {
    "ES256": ec.SECP256R1(),
    "ES384": ec.SECP384R1(),
    "ES512": ec.SECP521R1(),
}


class SigningKey:
    """An RSA key, or with `ec_algorithm` (ES256/ES384/ES512) an EC key on its curve."""

    def __init__(self, kid: str, ec_algorithm: str | None = None) -> None:
        self.kid = kid
        self.algorithm = ec_algorithm or "RS256"
        self.private: Any = (
            ec.generate_private_key(EC_CURVES[ec_algorithm])
            if ec_algorithm
            else rsa.generate_private_key(public_exponent=65537, key_size=2048)
        )

    def jwk(self) -> dict[str, Any]:
        if self.algorithm.startswith("ES"):
            public = json.loads(ECAlgorithm.to_jwk(self.private.public_key()))
        else:
            public = json.loads(RSAAlgorithm.to_jwk(self.private.public_key()))
        return {**public, "kid": self.kid, "alg": self.algorithm, "use": "sig"}


class TokenIssuer:
    """Keys published under `url`; `mint` signs claims with one of them."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.keys = [SigningKey("key-1")]
        self.unpublished: list[SigningKey] = []

    def jwks(self) -> dict[str, Any]:
        return {"keys": [key.jwk() for key in self.keys]}

    def rotate(self, ec_algorithm: str | None = None) -> SigningKey:
        """A new key, published; tokens signed with it name a kid the cache has not seen."""
        key = SigningKey(f"key-{len(self.keys) + 1}", ec_algorithm)
        self.keys.append(key)
        return key

    def mint(
        self,
        key: SigningKey | None = None,
        *,
        algorithm: str = "RS256",
        headers: dict[str, Any] | None = None,
        **claims: Any,
    ) -> str:
        key = key or self.keys[0]
        now = int(time.time())
        body = {"iss": self.url, "iat": now, "exp": now + 3600, **claims}
        return jwt.encode(
            {name: value for name, value in body.items() if value is not None},
            key.private,
            algorithm=algorithm,
            headers={"kid": key.kid, **(headers or {})},
        )

    def id_token(self, **claims: Any) -> str:
        """A Cognito ID token's claims (https://docs.aws.amazon.com/cognito/latest/developerguide/amazon-cognito-user-pools-using-the-id-token.html)."""
        now = int(time.time())
        base = {
            "sub": "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee",
            "aud": CLIENT_ID,
            "token_use": "id",
            "auth_time": now,
            "cognito:username": "alice",
            "email": "alice@example.com",
            "email_verified": True,
            "event_id": "5c3b0c6f-0a9d-4c8c-9a8e-5a0e6c3f0d11",
        }
        return self.mint(**{**base, **claims})

    def access_token(self, **claims: Any) -> str:
        """A Cognito access token's claims (no aud; client_id and scope instead)."""
        now = int(time.time())
        base = {
            "sub": "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee",
            "client_id": CLIENT_ID,
            "token_use": "access",
            "scope": "aws.cognito.signin.user.admin",
            "auth_time": now,
            "username": "alice",
        }
        return self.mint(**{**base, **claims})


class IdentityProvider:
    """An HTTP identity provider on 127.0.0.1 in a thread, for real fetches:
    `/{pool}/.well-known/openid-configuration` and `/{pool}/.well-known/jwks.json` for every
    issuer it holds. `requests` counts the GETs per path."""

    def __init__(self) -> None:
        self.issuers: dict[str, TokenIssuer] = {}
        self.requests: dict[str, int] = {}
        provider = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                provider.requests[self.path] = provider.requests.get(self.path, 0) + 1
                body = provider.document(self.path)
                self.send_response(200 if body is not None else 404)
                data = json.dumps(body if body is not None else {"message": "not found"})
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data.encode())

            def log_message(self, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base = f"http://127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    def pool(self, pool_id: str = POOL_ID) -> TokenIssuer:
        issuer = self.issuers.get(pool_id)
        if issuer is None:
            issuer = self.issuers[pool_id] = TokenIssuer(f"{self.base}/{pool_id}")
        return issuer

    def document(self, path: str) -> dict[str, Any] | None:
        pool_id, _, rest = path.lstrip("/").partition("/")
        issuer = self.issuers.get(pool_id)
        if issuer is None:
            return None
        if rest == ".well-known/jwks.json":
            return issuer.jwks()
        if rest == ".well-known/openid-configuration":
            return {
                "issuer": issuer.url,
                "jwks_uri": f"{issuer.url}/.well-known/jwks.json",
                "id_token_signing_alg_values_supported": ["RS256"],
            }
        return None

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(5)
