"""What /oauth2/authorize asks for, checked as Cognito checks it, and the one-use
authorization codes it hands out (with their PKCE challenge).

https://docs.aws.amazon.com/cognito/latest/developerguide/authorization-endpoint.html
PKCE: https://www.rfc-editor.org/rfc/rfc7636
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import uuid
from collections.abc import Callable, Mapping
from urllib.parse import urlencode

import msgspec

from lamina.services.cognito_idp.model import Client, Pool

CODE_VALIDITY_S = 300
"""Authorization codes are valid for five minutes and can be redeemed once.
https://docs.aws.amazon.com/cognito/latest/developerguide/token-endpoint.html"""

_FLOWS = {"code": "code", "token": "implicit"}
"""response_type -> the AllowedOAuthFlows entry that permits it."""
_VERIFIER = re.compile(r"[A-Za-z0-9\-._~]{43,128}")
"""code_verifier = 43*128unreserved (RFC 7636 section 4.1)."""


class ErrorPage(Exception):
    """The request cannot be answered at its redirect URI (unknown client, unregistered
    redirect URI): Cognito shows its error page instead of redirecting."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


class RedirectError(Exception):
    """An error the client is told about at its (registered) redirect URI, RFC 6749
    section 4.1.2.1: in the query for the code flow, in the fragment for the implicit."""

    def __init__(self, request: AuthorizeRequest, code: str) -> None:
        super().__init__(code)
        self.location = request.answer({"error": code})


class AuthorizeRequest(msgspec.Struct, kw_only=True):
    client_id: str
    response_type: str
    redirect_uri: str
    scopes: list[str]
    state: str | None = None
    nonce: str | None = None
    code_challenge: str | None = None
    code_challenge_method: str | None = None
    prompt: str | None = None
    identity_provider: str | None = None
    """An external provider to sign in with (federation.py); None for the pool's own."""

    @property
    def scope(self) -> str:
        return " ".join(self.scopes)

    def answer(self, parameters: Mapping[str, str]) -> str:
        """The redirect URI with `parameters` (and the state) in the query (code flow) or
        the fragment (implicit flow)."""
        given = dict(parameters)
        if self.state is not None:
            given["state"] = self.state
        encoded = urlencode(given)
        if self.response_type == "token":
            return f"{self.redirect_uri}#{encoded}"
        separator = "&" if "?" in self.redirect_uri else "?"
        return f"{self.redirect_uri}{separator}{encoded}"


def parse_authorize(
    pool: Pool, query: Mapping[str, str], find_client: Callable[[str], Client | None]
) -> tuple[AuthorizeRequest, Client]:
    """The request's client and parameters; ErrorPage or RedirectError when Cognito would
    refuse it. Order as Cognito checks: client, redirect URI, then the rest (told to the
    client at its redirect URI)."""
    client_id = query.get("client_id", "")
    client = find_client(client_id) if client_id else None
    if client is None or client.pool_id != pool.id:
        raise ErrorPage("invalid_request", "The client_id does not name an app client.")
    redirect_uri = query.get("redirect_uri", "")
    if redirect_uri not in client.callback_urls:
        # https://docs.aws.amazon.com/cognito/latest/developerguide/authorization-endpoint.html
        raise ErrorPage(
            "redirect_mismatch", "The redirect_uri is not a callback URL of the client."
        )
    provider = query.get("identity_provider") or query.get("idp_identifier")
    if provider not in client.supported_identity_providers and (
        provider is not None or "COGNITO" not in client.supported_identity_providers
    ):
        # The client's SupportedIdentityProviders name the sign-in options; an external
        # provider is federated (federation.py).
        raise ErrorPage("invalid_request", "Login option is not available. Please try another one")
    response_type = query.get("response_type", "")
    request = AuthorizeRequest(
        client_id=client.id,
        response_type="token" if response_type == "token" else "code",
        redirect_uri=redirect_uri,
        scopes=query.get("scope", "").split() or list(client.allowed_oauth_scopes),
        state=query.get("state"),
        nonce=query.get("nonce"),
        code_challenge=query.get("code_challenge") or None,
        code_challenge_method=query.get("code_challenge_method") or None,
        prompt=query.get("prompt") or None,
        identity_provider=None if provider == "COGNITO" else provider,
    )
    if response_type not in _FLOWS:
        raise RedirectError(request, "unsupported_response_type")
    if _FLOWS[response_type] not in client.allowed_oauth_flows:
        raise RedirectError(request, "unauthorized_client")
    if not request.scopes or any(s not in client.allowed_oauth_scopes for s in request.scopes):
        raise RedirectError(request, "invalid_scope")
    if request.response_type == "code":
        _check_challenge(request)
    return request, client


def _check_challenge(request: AuthorizeRequest) -> None:
    if request.code_challenge is None:
        if request.code_challenge_method is not None:
            raise RedirectError(request, "invalid_request")
        return
    # The method defaults to plain (RFC 7636 section 4.3).
    request.code_challenge_method = request.code_challenge_method or "plain"
    if request.code_challenge_method not in ("S256", "plain"):
        raise RedirectError(request, "invalid_request")


def challenge_met(challenge: str, method: str, verifier: str) -> bool:
    """RFC 7636 section 4.6: S256 compares BASE64URL(SHA256(verifier)), plain the verifier."""
    if not _VERIFIER.fullmatch(verifier):
        return False
    if method == "S256":
        digest = hashlib.sha256(verifier.encode("ascii")).digest()
        computed = base64.urlsafe_b64encode(digest).rstrip(b"=").decode()
    else:
        computed = verifier
    return hmac.compare_digest(computed.encode(), challenge.encode())


class AuthorizationCode(msgspec.Struct, kw_only=True):
    pool_id: str
    client_id: str
    username: str
    redirect_uri: str
    scope: str
    nonce: str | None
    code_challenge: str | None
    code_challenge_method: str | None
    auth_time: float
    expires: float


class CodeStore:
    """Codes waiting to be redeemed, in memory: they live five minutes, so a restart that
    loses them costs a user one more sign-in at most."""

    def __init__(self, clock: Callable[[], float]) -> None:
        self._clock = clock
        self._codes: dict[str, AuthorizationCode] = {}

    def issue(self, pool: Pool, request: AuthorizeRequest, username: str, auth_time: float) -> str:
        now = self._clock()
        for code, entry in list(self._codes.items()):
            if entry.expires <= now:
                del self._codes[code]
        code = str(uuid.uuid4())  # Cognito's codes are UUIDs
        self._codes[code] = AuthorizationCode(
            pool_id=pool.id,
            client_id=request.client_id,
            username=username,
            redirect_uri=request.redirect_uri,
            scope=request.scope,
            nonce=request.nonce,
            code_challenge=request.code_challenge,
            code_challenge_method=request.code_challenge_method,
            auth_time=auth_time,
            expires=now + CODE_VALIDITY_S,
        )
        return code

    def redeem(self, code: str) -> AuthorizationCode | None:
        """The code's grant, once: any attempt to redeem it (even one that then fails its
        PKCE or redirect URI check) uses it up, so a stolen code cannot be retried."""
        entry = self._codes.pop(code, None)
        if entry is None or entry.expires <= self._clock():
            return None
        return entry
