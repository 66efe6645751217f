"""SAML single logout (ProviderDetails IDPSignout "true"), as the user pool does it.

  GET /logout (a user whose session came from a SAML sign-in with such a provider)
      -> the session cookie is cleared, and the browser goes to the IdP's SingleLogoutService
         (HTTP-Redirect) with a LogoutRequest (NameID, SessionIndex) signed with the pool's
         signing key (`SigAlg` rsa-sha256, `Signature`) and an opaque RelayState
  POST /saml2/logout <- the IdP's LogoutResponse and that RelayState: signed by the IdP
      (a metadata certificate), InResponseTo the LogoutRequest, Issuer the entityID
      -> redirected where the original /logout would have gone (logout_uri or /login)

https://docs.aws.amazon.com/cognito/latest/developerguide/cognito-user-pools-saml-idp-sign-out.html
SAML bindings 3.4.4.1 (HTTP-Redirect signatures), SAML profiles 4.4 (single logout).
"""

from __future__ import annotations

import base64
import binascii
import datetime
import secrets
import zlib
from html import escape
from typing import TYPE_CHECKING
from urllib.parse import urlencode

import msgspec
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.asymmetric.padding import PKCS1v15
from lxml import etree

from lamina.http.message import HttpRequest, HttpResponse
from lamina.services.cognito_idp.hosted_grant import ErrorPage
from lamina.services.cognito_idp.hosted_http import Site, redirect
from lamina.services.cognito_idp.hosted_token import form_of
from lamina.services.cognito_idp.identity_providers import find_provider
from lamina.services.cognito_idp.model import Pool
from lamina.services.cognito_idp.saml_metadata import DS, parse_metadata, parse_xml, sp_entity_id
from lamina.services.cognito_idp.saml_response import (
    SAML,
    SAMLP,
    SUCCESS,
    InvalidResponse,
    verified_element,
)

if TYPE_CHECKING:
    from lamina.services.cognito_idp.provider import CognitoIdpProvider

RSA_SHA256 = "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256"
PENDING_S = 600
"""How long a sign-out may stay at the IdP before its RelayState is forgotten."""


class SamlSession(msgspec.Struct, frozen=True, kw_only=True):
    """What a SAML sign-in left for single logout: who, at which provider, which session."""

    provider: str
    name_id: str
    session_index: str | None


class _PendingLogout(msgspec.Struct, kw_only=True):
    pool_id: str
    provider: str
    request_id: str
    destination: str
    expires: float


def signed_query(idp: CognitoIdpProvider, pool: Pool, query: str) -> str:
    """The HTTP-Redirect binding's signature over `SAMLRequest=..&RelayState=..&SigAlg=..`
    (SAML bindings 3.4.4.1) with the pool's signing key -- the key of GetSigningCertificate's
    certificate, which the IdP is given to verify the pool's requests with.
    https://docs.aws.amazon.com/cognito/latest/developerguide/cognito-user-pools-SAML-signing-encryption.html
    """
    signed = f"{query}&{urlencode({'SigAlg': RSA_SHA256})}"
    private = serialization.load_der_private_key(idp.signing_key(pool).der(), password=None)
    assert isinstance(private, rsa.RSAPrivateKey)
    signature = private.sign(signed.encode(), PKCS1v15(), hashes.SHA256())
    return f"{signed}&{urlencode({'Signature': base64.b64encode(signature).decode()})}"


def deflated(document: bytes) -> str:
    """HTTP-Redirect binding encoding: raw DEFLATE, then base64 (SAML bindings 3.4.4)."""
    squeezer = zlib.compressobj(9, zlib.DEFLATED, -15)
    return base64.b64encode(squeezer.compress(document) + squeezer.flush()).decode()


def instant(now: float) -> str:
    return datetime.datetime.fromtimestamp(now, datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


class SamlLogout:
    def __init__(self, idp: CognitoIdpProvider) -> None:
        self._idp = idp
        self._sessions: dict[tuple[str, str], SamlSession] = {}
        """(pool id, username) -> the user's last SAML sign-in (in memory: after a restart
        /logout signs out of the pool only)."""
        self._pending: dict[str, _PendingLogout] = {}

    def remember(self, pool_id: str, username: str, session: SamlSession) -> None:
        self._sessions[(pool_id, username)] = session

    def start(
        self,
        site: Site,
        username: str,
        destination: str,
        cookies: list[tuple[bytes, bytes]],
    ) -> HttpResponse | None:
        """The redirect to the IdP's single logout, or None when the user's session is not
        a SAML one of a provider with IDPSignout (then /logout answers as usual)."""
        session = self._sessions.pop((site.pool.id, username), None)
        if session is None:
            return None
        provider = find_provider(self._idp, site.pool, session.provider)
        if provider is None or provider.type != "SAML":
            return None
        try:
            metadata = parse_metadata(provider.metadata)
        except ValueError:
            return None
        if provider.details.get("IDPSignout") != "true" or not metadata.slo_redirect:
            return None
        now = self._idp.now()
        for key, entry in list(self._pending.items()):
            if entry.expires <= now:
                del self._pending[key]
        request_id = "_" + secrets.token_hex(20)
        relay_state = secrets.token_urlsafe(32)
        self._pending[relay_state] = _PendingLogout(
            pool_id=site.pool.id,
            provider=provider.name,
            request_id=request_id,
            destination=destination,
            expires=now + PENDING_S,
        )
        document = _logout_request(request_id, metadata.slo_redirect, site.pool.id, session, now)
        query = urlencode({"SAMLRequest": deflated(document), "RelayState": relay_state})
        separator = "&" if "?" in metadata.slo_redirect else "?"
        location = f"{metadata.slo_redirect}{separator}{signed_query(self._idp, site.pool, query)}"
        return redirect(location, cookies)

    def response(self, site: Site, request: HttpRequest) -> HttpResponse:
        """POST /saml2/logout: the IdP's LogoutResponse; then where /logout was going."""
        if request.method != "POST":
            raise ErrorPage("invalid_request", "The SAML logout endpoint takes POST.")
        form = form_of(request)
        pending = self._pending.pop(form.get("RelayState", ""), None)
        if pending is None or pending.pool_id != site.pool.id or pending.expires <= self._idp.now():
            raise ErrorPage("invalid_request", "Invalid relayState from identity provider")
        provider = find_provider(self._idp, site.pool, pending.provider)
        if provider is None:
            raise ErrorPage("invalid_request", "Invalid relayState from identity provider")
        try:
            metadata = parse_metadata(provider.metadata)
            _check_logout_response(
                form.get("SAMLResponse", ""), metadata.entity_id, metadata.certificates, pending
            )
        except (InvalidResponse, ValueError):
            raise ErrorPage(
                "invalid_request", "Invalid SAML logout response from identity provider"
            ) from None
        return redirect(pending.destination)


def _check_logout_response(
    encoded: str, entity_id: str, certificates: list[str], pending: _PendingLogout
) -> None:
    try:
        root = parse_xml(base64.b64decode("".join(encoded.split()), validate=True))
    except (binascii.Error, ValueError, etree.XMLSyntaxError):
        raise InvalidResponse("the LogoutResponse cannot be read") from None
    if root.tag != f"{{{SAMLP}}}LogoutResponse" or root.find(f"{{{DS}}}Signature") is None:
        raise InvalidResponse("not a signed LogoutResponse")
    response = verified_element(root, certificates)
    issuer = response.find(f"{{{SAML}}}Issuer")
    if issuer is None or (issuer.text or "").strip() != entity_id:
        raise InvalidResponse("the LogoutResponse's Issuer is not the IdP")
    if response.get("InResponseTo") != pending.request_id:
        raise InvalidResponse("the LogoutResponse answers another request")
    code = response.find(f"{{{SAMLP}}}Status/{{{SAMLP}}}StatusCode")
    if code is None or code.get("Value") != SUCCESS:
        raise InvalidResponse("the IdP did not sign the user out")


def _logout_request(
    request_id: str, destination: str, pool_id: str, session: SamlSession, now: float
) -> bytes:
    index = (
        f"<samlp:SessionIndex>{escape(session.session_index)}</samlp:SessionIndex>"
        if session.session_index
        else ""
    )
    return (
        f'<samlp:LogoutRequest xmlns:samlp="{SAMLP}" xmlns:saml="{SAML}" '
        f'ID="{request_id}" Version="2.0" IssueInstant="{instant(now)}" '
        f'Destination="{escape(destination)}">'
        f"<saml:Issuer>{sp_entity_id(pool_id)}</saml:Issuer>"
        f"<saml:NameID>{escape(session.name_id)}</saml:NameID>{index}"
        "</samlp:LogoutRequest>"
    ).encode()
