"""What the hosted pages share about HTTP: where a request reached the pool (the path
form's `/{poolId}` prefix or a domain's root), cookies, the CSRF-checked form, redirects."""

from __future__ import annotations

import secrets
from typing import TYPE_CHECKING
from urllib.parse import parse_qsl

from lamina.http.message import HttpRequest, HttpResponse
from lamina.services.cognito_idp.hosted_token import form_of
from lamina.services.cognito_idp.model import Client, Pool

if TYPE_CHECKING:
    from lamina.services.cognito_idp.provider import CognitoIdpProvider

SESSION_COOKIE = "cognito"
"""Cognito's session cookie name; its value here is a JWT (hosted_session.py)."""
CSRF_COOKIE = "XSRF-TOKEN"


class Site:
    """Where a request reached the pool: `prefix` is "/{poolId}" (path form) or ""."""

    __slots__ = ("pool", "prefix", "secure")

    def __init__(self, pool: Pool, prefix: str, secure: bool) -> None:
        self.pool = pool
        self.prefix = prefix
        self.secure = secure

    def cookie(self, name: str, value: str, max_age: int | None = None) -> tuple[bytes, bytes]:
        parts = [f"{name}={value}", f"Path={self.prefix or '/'}", "HttpOnly", "SameSite=Lax"]
        if max_age is not None:
            parts.append(f"Max-Age={max_age}")
        if self.secure:
            parts.append("Secure")
        return (b"set-cookie", "; ".join(parts).encode())


class ClientLookup:
    __slots__ = ("_idp", "_pool")

    def __init__(self, idp: CognitoIdpProvider, pool: Pool) -> None:
        self._idp = idp
        self._pool = pool

    def __call__(self, client_id: str) -> Client | None:
        return self._idp.store.get(Client, self._pool.id, client_id) if client_id else None


def query_of(request: HttpRequest) -> dict[str, str]:
    query: dict[str, str] = {}
    for name, value in parse_qsl(request.query_string, keep_blank_values=True):
        query.setdefault(name, value)
    return query


def checked_form(request: HttpRequest) -> tuple[dict[str, str], str] | None:
    """A POSTed form and its CSRF token, when the token matches the XSRF-TOKEN cookie."""
    form = form_of(request)
    csrf = cookies_of(request).get(CSRF_COOKIE, "")
    if not csrf or not secrets.compare_digest(csrf.encode(), form.get("_csrf", "").encode()):
        return None
    return form, csrf


def cookies_of(request: HttpRequest) -> dict[str, str]:
    found: dict[str, str] = {}
    for name, value in request.headers:
        if name.lower() != "cookie":
            continue
        for part in value.split(";"):
            key, _, content = part.strip().partition("=")
            found.setdefault(key, content)
    return found


def redirect(location: str, headers: list[tuple[bytes, bytes]] | None = None) -> HttpResponse:
    return HttpResponse(
        302,
        [
            (b"location", location.encode()),
            (b"cache-control", b"no-cache, no-store, max-age=0, must-revalidate"),
            *(headers or []),
        ],
        b"",
    )
