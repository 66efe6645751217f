"""POST /oauth2/token (authorization_code with PKCE, refresh_token) and /oauth2/userInfo.

Token endpoint: https://docs.aws.amazon.com/cognito/latest/developerguide/token-endpoint.html
- client authentication: client_secret_basic (Authorization: Basic base64(id:secret)) or
  client_secret_post (client_id and client_secret in the body);
- errors: HTTP 400 with `{"error": "invalid_request" | "invalid_client" | "invalid_grant" |
  "unauthorized_client" | "unsupported_grant_type"}` (the page's negative-response
  example), RFC 6749 section 5.2.
UserInfo: https://docs.aws.amazon.com/cognito/latest/developerguide/userinfo-endpoint.html
"""

from __future__ import annotations

import base64
import binascii
import hmac
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, unquote_plus

import orjson

from lamina.aws.service import ServiceError
from lamina.http.message import HttpRequest, HttpResponse
from lamina.services.cognito_idp.hosted_grant import CodeStore, challenge_met
from lamina.services.cognito_idp.model import Client, Pool, User
from lamina.services.cognito_idp.resource_servers import GrantRefused, client_credentials

if TYPE_CHECKING:
    from lamina.services.cognito_idp.provider import CognitoIdpProvider

JSON_HEADERS = [
    (b"content-type", b"application/json;charset=UTF-8"),
    (b"cache-control", b"no-cache, no-store, max-age=0, must-revalidate"),
    (b"pragma", b"no-cache"),
]
HOSTED_AUTH = "TokenGeneration_HostedAuth"
"""The pre-token-generation trigger's source for sign-ins on the hosted pages.
https://docs.aws.amazon.com/cognito/latest/developerguide/user-pool-lambda-pre-token-generation.html"""
_REVOKED = "Access token is expired, disabled, or deleted, or the user has globally signed out."


class OAuthError(Exception):
    def __init__(self, error: str, status: int = 400) -> None:
        super().__init__(error)
        self.error = error
        self.status = status

    def response(self) -> HttpResponse:
        return HttpResponse(self.status, list(JSON_HEADERS), orjson.dumps({"error": self.error}))


def form_of(request: HttpRequest) -> dict[str, str]:
    """An application/x-www-form-urlencoded body (first value of each name)."""
    form: dict[str, str] = {}
    for name, value in parse_qsl(request.body.decode("utf-8", "replace"), keep_blank_values=True):
        form.setdefault(name, value)
    return form


class TokenEndpoint:
    def __init__(self, idp: CognitoIdpProvider, codes: CodeStore) -> None:
        self._idp = idp
        self._codes = codes

    async def handle(self, pool: Pool, request: HttpRequest) -> HttpResponse:
        if request.method != "POST":
            return HttpResponse(405, [(b"allow", b"POST"), *JSON_HEADERS], b"")
        try:
            form = self._form(request)
            client = self._client(pool, request, form)
            grant = form.get("grant_type", "")
            if grant == "authorization_code":
                body = await self._code(pool, client, form)
            elif grant == "refresh_token":
                body = await self._refresh(pool, client, form)
            elif grant == "client_credentials":
                body = self._client_credentials(pool, client, form)
            elif not grant:
                raise OAuthError("invalid_request")
            else:
                raise OAuthError("unsupported_grant_type")
        except OAuthError as error:
            return error.response()
        except ServiceError:
            # Issuing failed (a pre-token-generation trigger raised or answered badly):
            # RFC 6749 section 5.2 has no server_error for this endpoint.
            return OAuthError("invalid_request").response()
        return HttpResponse(200, list(JSON_HEADERS), orjson.dumps(body))

    async def revoke(self, pool: Pool, request: HttpRequest) -> HttpResponse:
        """POST /oauth2/revoke: a refresh token, and the access and ID tokens issued from
        it, stop working (200 with an empty body, also for unknown tokens). The page's
        errors: 400 invalid_request without a token or when the client's
        EnableTokenRevocation is off, 400 unsupported_token_type for a token that is not a
        refresh token, 401 invalid_client for bad client credentials.
        https://docs.aws.amazon.com/cognito/latest/developerguide/revocation-endpoint.html"""
        if request.method != "POST":
            return HttpResponse(405, [(b"allow", b"POST"), *JSON_HEADERS], b"")
        try:
            form = self._form(request)
            try:
                client = self._client(pool, request, form)
            except OAuthError as error:
                raise OAuthError(error.error, status=401) from None
            token = form.get("token", "")
            if not token or not client.enable_token_revocation:
                raise OAuthError("invalid_request")
            if token.count(".") == 2:  # a JWT: access and ID tokens cannot be revoked here
                raise OAuthError("unsupported_token_type")
        except OAuthError as error:
            return error.response()
        self._idp.revoke_refresh(pool, client, token)
        return HttpResponse(200, list(JSON_HEADERS), b"")

    @staticmethod
    def _form(request: HttpRequest) -> dict[str, str]:
        content_type = (request.header("content-type") or "").split(";")[0].strip().lower()
        if content_type != "application/x-www-form-urlencoded":
            raise OAuthError("invalid_request")
        return form_of(request)

    def _client(self, pool: Pool, request: HttpRequest, form: Mapping[str, str]) -> Client:
        client_id, secret = form.get("client_id"), form.get("client_secret")
        header = request.header("authorization") or ""
        if header[:6].lower() == "basic ":
            # RFC 6749 section 2.3.1: id and secret are form-encoded before base64.
            try:
                decoded = base64.b64decode(header[6:].strip(), validate=True).decode()
            except (binascii.Error, UnicodeDecodeError):
                raise OAuthError("invalid_client") from None
            given_id, colon, given_secret = decoded.partition(":")
            if not colon or (client_id and unquote_plus(given_id) != client_id):
                raise OAuthError("invalid_client")
            client_id, secret = unquote_plus(given_id), unquote_plus(given_secret)
        if not client_id:
            raise OAuthError("invalid_client")
        client = self._idp.store.get(Client, pool.id, client_id)
        if client is None:
            raise OAuthError("invalid_client")
        if client.secret is not None and not hmac.compare_digest(
            client.secret.encode(), (secret or "").encode()
        ):
            raise OAuthError("invalid_client")
        return client

    async def _code(self, pool: Pool, client: Client, form: Mapping[str, str]) -> dict[str, Any]:
        if "code" not in client.allowed_oauth_flows:
            raise OAuthError("unauthorized_client")
        code, redirect_uri = form.get("code"), form.get("redirect_uri")
        if not code or not redirect_uri:
            raise OAuthError("invalid_request")
        grant = self._codes.redeem(code)
        if grant is None or grant.pool_id != pool.id or grant.client_id != client.id:
            raise OAuthError("invalid_grant")
        if grant.redirect_uri != redirect_uri:
            raise OAuthError("invalid_grant")
        if grant.code_challenge is not None and not challenge_met(
            grant.code_challenge,
            grant.code_challenge_method or "plain",
            form.get("code_verifier", ""),
        ):
            raise OAuthError("invalid_grant")
        user = self._active_user(pool, grant.username)
        issued = await self._idp.issue(
            pool,
            client,
            user,
            refresh=True,
            auth_time=grant.auth_time,
            scope=grant.scope,
            nonce=grant.nonce,
            source=HOSTED_AUTH,
        )
        return token_response(issued, grant.scope)

    async def _refresh(self, pool: Pool, client: Client, form: Mapping[str, str]) -> dict[str, Any]:
        stored = self._idp.refresh_record(pool, form.get("refresh_token", ""))
        if stored is None or stored.client_id != client.id or stored.expires < self._idp.now():
            raise OAuthError("invalid_grant")
        user = self._active_user(pool, stored.username)
        if stored.issued < user.tokens_revoked_at:
            raise OAuthError("invalid_grant")
        issued = await self._idp.issue(
            pool,
            client,
            user,
            refresh=False,
            auth_time=stored.auth_time,
            scope=stored.scope,
            source="TokenGeneration_RefreshTokens",
            origin_jti=stored.origin_jti or None,
        )
        # API sign-ins' refresh tokens have no scopes and get the ID token as before.
        return token_response(issued, stored.scope or "openid")

    def _client_credentials(
        self, pool: Pool, client: Client, form: Mapping[str, str]
    ) -> dict[str, Any]:
        """Machine-to-machine: an access token with custom scopes (resource_servers.py)."""
        scope = form.get("scope")
        try:
            return client_credentials(
                self._idp, pool, client, None if scope is None else scope.split()
            )
        except GrantRefused as refused:
            raise OAuthError(refused.error) from None

    def _active_user(self, pool: Pool, username: str) -> User:
        user = self._idp.store.get(User, pool.id, username)
        if user is None or not user.enabled:
            raise OAuthError("invalid_grant")
        return user


def token_response(issued: Mapping[str, Any], scope: str) -> dict[str, Any]:
    """The token endpoint's JSON: the ID token only when `openid` was granted."""
    body: dict[str, Any] = {"access_token": issued["AccessToken"]}
    if "openid" in scope.split():
        body["id_token"] = issued["IdToken"]
    if "RefreshToken" in issued:
        body["refresh_token"] = issued["RefreshToken"]
    body["token_type"] = "Bearer"
    body["expires_in"] = issued["ExpiresIn"]
    return body


def user_info(idp: CognitoIdpProvider, pool: Pool, request: HttpRequest) -> HttpResponse:
    """The user's attributes within the access token's scopes; the token needs `openid`."""
    if request.method not in ("GET", "POST"):
        return HttpResponse(405, [(b"allow", b"GET, POST"), *JSON_HEADERS], b"")
    header = request.header("authorization") or ""
    if header[:7].lower() != "bearer " or not header[7:].strip():
        return _bearer_error("invalid_request", "Access token is missing.", 400)
    try:
        token_pool, user, claims = idp.from_access_token(header[7:].strip())
    except ServiceError:
        return _bearer_error("invalid_token", _REVOKED, 401)
    scopes = str(claims.get("scope", "")).split()
    if token_pool.id != pool.id or "openid" not in scopes:
        return _bearer_error("invalid_token", _REVOKED, 401)
    return HttpResponse(200, list(JSON_HEADERS), orjson.dumps(_claims(user, scopes)))


def _claims(user: User, scopes: list[str]) -> dict[str, str]:
    # openid alone, or with profile: every attribute; email / phone narrow the answer to
    # those attributes (the page's "Example scopes in access token" list).
    attributes = {"sub": user.sub, **user.attributes}
    if "profile" not in scopes and ("email" in scopes or "phone" in scopes):
        wanted = {"sub"}
        if "email" in scopes:
            wanted |= {"email", "email_verified"}
        if "phone" in scopes:
            wanted |= {"phone_number", "phone_number_verified"}
        attributes = {name: value for name, value in attributes.items() if name in wanted}
    attributes["username"] = user.username
    return attributes


def _bearer_error(error: str, description: str, status: int) -> HttpResponse:
    # RFC 6750 section 3: the error in WWW-Authenticate, and (as Cognito does) in the body.
    challenge = f'Bearer error="{error}", error_description="{description}"'
    return HttpResponse(
        status,
        [(b"www-authenticate", challenge.encode()), *JSON_HEADERS],
        orjson.dumps({"error": error, "error_description": description}),
    )


def cors_preflight(request: HttpRequest) -> HttpResponse:
    """A browser's preflight before fetch() sends `Authorization` (userInfo) or a JSON
    content type: any origin may call these endpoints, as a single-page app on its own
    origin does; tokens, not cookies, authorize the calls (no credentials mode)."""
    origin = request.header("origin")
    if origin is None:
        return HttpResponse(405, [(b"allow", b"GET, POST"), *JSON_HEADERS], b"")
    asked = request.header("access-control-request-headers") or ""
    headers = [
        (b"access-control-allow-origin", origin.encode()),
        (b"access-control-allow-methods", b"GET, POST, OPTIONS"),
        (b"access-control-allow-headers", (asked or "authorization, content-type").encode()),
        (b"access-control-max-age", b"600"),
        (b"vary", b"Origin"),
    ]
    return HttpResponse(204, headers, b"")


def cors_allowed(request: HttpRequest, response: HttpResponse) -> HttpResponse:
    origin = request.header("origin")
    if origin is not None:
        response.headers.append((b"access-control-allow-origin", origin.encode()))
        response.headers.append((b"vary", b"Origin"))
    return response
