"""A small OpenID Connect provider on 127.0.0.1 in a thread, for user pool federation tests:
discovery, JWKS, an authorize endpoint that approves at once (redirects with a code), a
token endpoint that issues an RS256 ID token, and userInfo. `token_requests` and
`userinfo_methods` record what the relying party sent."""

from __future__ import annotations

import json
import secrets
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import jwt

from tests.jwt_issuer import SigningKey


class OidcProvider:
    def __init__(self, client_id: str, client_secret: str, claims: dict[str, Any]) -> None:
        self.client_id = client_id
        self.client_secret = client_secret
        self.claims = claims
        """The signed-in person's claims (sub, email, ...) put into the ID token."""
        self.key = SigningKey("idp-key-1")
        self.token_requests: list[dict[str, str]] = []
        self.userinfo_methods: list[str] = []
        self.id_token_overrides: dict[str, Any] = {}
        self.sign_with: SigningKey | None = None
        """A key to sign ID tokens with instead of the published one (a forged token)."""
        self._codes: dict[str, str | None] = {}
        """code -> the nonce of its authorize request."""
        provider = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                provider.get(self)

            def do_POST(self) -> None:
                provider.post(self)

            def log_message(self, *args: Any) -> None:
                return None

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.issuer = f"http://127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    def discovery(self) -> dict[str, Any]:
        return {
            "issuer": self.issuer,
            "authorization_endpoint": f"{self.issuer}/authorize",
            "token_endpoint": f"{self.issuer}/token",
            "userinfo_endpoint": f"{self.issuer}/userinfo",
            "jwks_uri": f"{self.issuer}/jwks",
            "response_types_supported": ["code"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["RS256"],
        }

    def get(self, handler: BaseHTTPRequestHandler) -> None:
        parts = urlsplit(handler.path)
        query = {k: v[0] for k, v in parse_qs(parts.query).items()}
        if parts.path == "/.well-known/openid-configuration":
            _json(handler, 200, self.discovery())
        elif parts.path == "/jwks":
            _json(handler, 200, {"keys": [self.key.jwk()]})
        elif parts.path == "/authorize":
            if query.get("client_id") != self.client_id:
                _json(handler, 400, {"error": "invalid_client"})
                return
            code = secrets.token_urlsafe(16)
            self._codes[code] = query.get("nonce")
            answer = urlencode({"code": code, "state": query.get("state", "")})
            handler.send_response(302)
            handler.send_header("Location", f"{query['redirect_uri']}?{answer}")
            handler.send_header("Content-Length", "0")
            handler.end_headers()
        elif parts.path == "/userinfo":
            self.userinfo_methods.append("GET")
            _json(handler, 200, self.claims)
        else:
            _json(handler, 404, {"error": "not_found"})

    def post(self, handler: BaseHTTPRequestHandler) -> None:
        length = int(handler.headers.get("Content-Length") or 0)
        form = {k: v[0] for k, v in parse_qs(handler.rfile.read(length).decode()).items()}
        if handler.path == "/userinfo":
            self.userinfo_methods.append("POST")
            _json(handler, 200, self.claims)
            return
        if handler.path != "/token":
            _json(handler, 404, {"error": "not_found"})
            return
        self.token_requests.append(form)
        if (form.get("client_id"), form.get("client_secret")) != (
            self.client_id,
            self.client_secret,
        ) or form.get("code") not in self._codes:
            _json(handler, 400, {"error": "invalid_grant"})
            return
        nonce = self._codes.pop(form["code"])
        now = int(time.time())
        body = {
            "iss": self.issuer,
            "aud": self.client_id,
            "iat": now,
            "exp": now + 300,
            "nonce": nonce,
            **self.claims,
            **self.id_token_overrides,
        }
        token = jwt.encode(
            {k: v for k, v in body.items() if v is not None},
            (self.sign_with or self.key).private,
            algorithm="RS256",
            headers={"kid": self.key.kid},
        )
        _json(
            handler, 200, {"id_token": token, "access_token": "idp-access", "token_type": "Bearer"}
        )


def _json(handler: BaseHTTPRequestHandler, status: int, body: dict[str, Any]) -> None:
    data = json.dumps(body).encode()
    handler.send_response(status)
    handler.send_header("Content-Type", "application/json")
    handler.send_header("Content-Length", str(len(data)))
    handler.end_headers()
    handler.wfile.write(data)
