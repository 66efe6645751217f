"""Sign-in through an external OpenID Connect provider, as the user pool domain does it.

  /oauth2/authorize?identity_provider=X  -> the provider's authorization endpoint (from its
                                            discovery document) with state and nonce
  /oauth2/idpresponse?code&state         -> code exchanged at its token endpoint, its ID token
                                            checked (JWKS signature, iss, aud, nonce, exp),
                                            attributes mapped, the federated user created or
                                            updated; then the pool's own grant continues.

https://docs.aws.amazon.com/cognito/latest/developerguide/cognito-user-pools-oidc-idp.html
https://docs.aws.amazon.com/cognito/latest/developerguide/cognito-user-pools-specifying-attribute-mapping.html
"""

from __future__ import annotations

import json
import secrets
import uuid
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

import httpx
import jwt

from lamina.http.message import HttpRequest, HttpResponse
from lamina.services.cognito_idp.hosted_grant import AuthorizeRequest, ErrorPage
from lamina.services.cognito_idp.hosted_http import Site, query_of, redirect
from lamina.services.cognito_idp.identity_providers import find_provider, linked_user
from lamina.services.cognito_idp.model import Group, IdentityProvider, User

if TYPE_CHECKING:
    from lamina.services.cognito_idp.provider import CognitoIdpProvider

PENDING_S = 600
"""How long a sign-in may stay at the provider before its state is forgotten."""
_TIMEOUT = httpx.Timeout(10.0)


class _Pending:
    __slots__ = ("authorize", "expires", "nonce", "pool_id", "provider", "redirect_uri")

    def __init__(
        self, pool_id: str, provider: str, authorize: AuthorizeRequest, nonce: str, uri: str
    ) -> None:
        self.pool_id = pool_id
        self.provider = provider
        self.authorize = authorize
        self.nonce = nonce
        self.redirect_uri = uri
        self.expires = 0.0


class Federation:
    def __init__(self, idp: CognitoIdpProvider) -> None:
        self._idp = idp
        self._pending: dict[str, _Pending] = {}

    async def start(
        self,
        site: Site,
        request: HttpRequest,
        authorize: AuthorizeRequest,
        provider: IdentityProvider | None,
    ) -> HttpResponse:
        """Redirect the browser to `provider`, the one `identity_provider` named (None: none
        of the pool's providers has that name)."""
        name = authorize.identity_provider or ""
        if provider is None or provider.type != "OIDC":
            raise ErrorPage(
                "invalid_request", "Login option is not available. Please try another one"
            )
        document = await _discovery(provider)
        state, nonce = secrets.token_urlsafe(24), secrets.token_urlsafe(24)
        scheme = "https" if site.secure else "http"
        uri = f"{scheme}://{request.header('host') or ''}{site.prefix}/oauth2/idpresponse"
        pending = _Pending(site.pool.id, name, authorize, nonce, uri)
        now = self._idp.now()
        pending.expires = now + PENDING_S
        for key, entry in list(self._pending.items()):
            if entry.expires <= now:
                del self._pending[key]
        self._pending[state] = pending
        query = {
            "client_id": provider.details["client_id"],
            "response_type": "code",
            "scope": provider.details["authorize_scopes"],
            "redirect_uri": uri,
            "state": state,
            "nonce": nonce,
        }
        return redirect(f"{document['authorization_endpoint']}?{urlencode(query)}")

    async def response(self, site: Site, request: HttpRequest) -> tuple[AuthorizeRequest, User]:
        """The provider's answer at /oauth2/idpresponse: the pool's request and its user."""
        query = query_of(request)
        pending = self._pending.pop(query.get("state", ""), None)
        if pending is None or pending.pool_id != site.pool.id or pending.expires <= self._idp.now():
            raise ErrorPage("invalid_request", "Invalid state. Please sign in again.")
        if "error" in query or "code" not in query:
            raise ErrorPage("access_denied", query.get("error_description") or "Sign-in failed.")
        provider = find_provider(self._idp, site.pool, pending.provider)
        if provider is None:
            raise ErrorPage(
                "invalid_request", "Login option is not available. Please try another one"
            )
        claims = await self._claims(provider, query["code"], pending)
        user = self._federated_user(provider, claims)
        if not user.enabled:
            # AdminDisableUser, or AdminDisableProviderForUser on this identity.
            raise ErrorPage("access_denied", "User is disabled.")
        return pending.authorize, user

    async def _claims(
        self, provider: IdentityProvider, code: str, pending: _Pending
    ) -> dict[str, Any]:
        details = provider.details
        document = await _discovery(provider)
        form = {
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": pending.redirect_uri,
            "client_id": details["client_id"],
        }
        if details.get("client_secret"):
            form["client_secret"] = details["client_secret"]
        try:
            async with httpx.AsyncClient(timeout=_TIMEOUT) as http:
                answer = await http.post(document["token_endpoint"], data=form)
                answered = answer.json()
                if answer.status_code != 200 or "id_token" not in answered:
                    raise ErrorPage("invalid_request", "The identity provider refused the code.")
                keys = jwt.PyJWKSet.from_dict((await http.get(document["jwks_uri"])).json())
                claims = _verified(answered["id_token"], keys, details, pending.nonce)
                info = document.get("userinfo_endpoint")
                if info:
                    # attributes_request_method: how the userInfo endpoint is called.
                    bearer = {"authorization": f"Bearer {answered.get('access_token', '')}"}
                    if details.get("attributes_request_method") == "POST":
                        extra = await http.post(info, headers=bearer)
                    else:
                        extra = await http.get(info, headers=bearer)
                    if extra.status_code == 200:
                        claims = {**extra.json(), **claims}
        except (httpx.HTTPError, ValueError, jwt.PyJWTError):
            # Unreachable, or an answer that is not JSON / not a key set: the sign-in
            # fails with the pool's error page, as a failed discovery does.
            raise ErrorPage("invalid_request", "The identity provider cannot be reached.") from None
        return claims

    def _federated_user(self, provider: IdentityProvider, claims: dict[str, Any]) -> User:
        subject = str(claims.get(provider.attribute_mapping.get("username", "sub"), claims["sub"]))
        return federated_user(self._idp, provider, subject, claims)


def federated_user(
    idp: CognitoIdpProvider, provider: IdentityProvider, subject: str, claims: dict[str, Any]
) -> User:
    """Create or update `<ProviderName>_<subject>` with the mapped attributes and the
    `identities` attribute; the user joins the pool's `<poolId>_<ProviderName>` group.
    OIDC (subject: the mapped `sub`) and SAML (subject: the NameID) sign-ins share it.
    An identity linked to an existing user (AdminLinkProviderForUser) signs in as that
    user, its attributes mapped onto it."""
    pool = idp.pool(provider.pool_id)
    mapping = provider.attribute_mapping
    username = f"{provider.name}_{subject}"
    now = idp.now()
    linked = linked_user(idp, pool, provider, claims, subject)
    if linked is not None:
        _map_attributes(linked, mapping, claims)
        idp.save(pool, linked)
        return linked
    user = idp.store.get(User, pool.id, username)
    if user is None:
        identity = {
            "userId": subject,
            "providerName": provider.name,
            "providerType": provider.type,
            "issuer": None,
            "primary": "true",
            "dateCreated": str(int(now * 1000)),
        }
        user = User(
            username=username,
            sub=str(uuid.uuid4()),
            created=now,
            modified=now,
            status="EXTERNAL_PROVIDER",
            attributes={"identities": json.dumps([identity], separators=(",", ":"))},
        )
    _map_attributes(user, mapping, claims)
    group_name = f"{pool.id}_{provider.name}"
    if idp.store.get(Group, pool.id, group_name) is None:
        group = Group(name=group_name, pool_id=pool.id, created=now, modified=now)
        idp.store.put(pool.id, group_name, group)
    if group_name not in user.groups:
        user.groups.append(group_name)
    user.modified = now
    idp.save(pool, user)
    return user


def _map_attributes(user: User, mapping: dict[str, str], claims: dict[str, Any]) -> None:
    for attribute, claim in mapping.items():
        if attribute != "username" and claim in claims:
            value = claims[claim]
            user.attributes[attribute] = (
                str(value).lower() if isinstance(value, bool) else str(value)
            )


async def _discovery(provider: IdentityProvider) -> dict[str, Any]:
    issuer = provider.details["oidc_issuer"].rstrip("/")
    try:
        async with httpx.AsyncClient(timeout=_TIMEOUT) as http:
            answer = await http.get(f"{issuer}/.well-known/openid-configuration")
        document: dict[str, Any] = answer.json()
    except (httpx.HTTPError, ValueError):
        raise ErrorPage("invalid_request", "The identity provider cannot be reached.") from None
    if answer.status_code != 200 or "authorization_endpoint" not in document:
        raise ErrorPage("invalid_request", "The identity provider cannot be reached.")
    return document


def _verified(
    token: str, keys: jwt.PyJWKSet, details: dict[str, str], nonce: str
) -> dict[str, Any]:
    try:
        header = jwt.get_unverified_header(token)
        key = next(
            k for k in keys.keys if k.key_id == header.get("kid") or header.get("kid") is None
        )
        claims: dict[str, Any] = jwt.decode(
            token,
            key.key,
            algorithms=["RS256"],
            audience=details["client_id"],
            issuer=details["oidc_issuer"],
            options={"require": ["exp", "iat", "sub"]},
        )
    except (jwt.PyJWTError, StopIteration):
        raise ErrorPage("invalid_request", "The identity provider's ID token is invalid.") from None
    if claims.get("nonce") != nonce:
        raise ErrorPage("invalid_request", "The identity provider's ID token is invalid.")
    return claims
