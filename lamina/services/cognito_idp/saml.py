"""Sign-in through an external SAML 2.0 identity provider, as the user pool domain does it.

  SP-initiated
    /oauth2/authorize?identity_provider=X    -> an AuthnRequest (HTTP-Redirect binding:
      (or idp_identifier=...)                   deflated, base64, in the SAMLRequest query
                                                parameter, with an opaque RelayState) to the
                                                IdP's SingleSignOnService
    POST /saml2/idpresponse                  <- the IdP's SAMLResponse and that RelayState:
                                                checked (saml_response.py), its InResponseTo
                                                the AuthnRequest's ID, once
  IdP-initiated (only when the provider's IDPInit is "true")
    POST /saml2/idpresponse                  <- an unsolicited SAMLResponse (no InResponseTo,
                                                issued in the last 6 minutes); RelayState
                                                carries the authorize parameters
                                                (client_id, redirect_uri, response_type,
                                                scope, identity_provider or idp_identifier)

  then: the federated user `<ProviderName>_<NameID>` created or updated with the mapped
  attributes (AttributeMapping values are SAML attribute names), and the pool's own grant
  continues to the app's callback as for any sign-in.

The pool is the SP `urn:amazon:cognito:sp:<poolId>`; its ACS URL is
`{pool domain}/saml2/idpresponse`.
https://docs.aws.amazon.com/cognito/latest/developerguide/cognito-user-pools-saml-idp.html
https://docs.aws.amazon.com/cognito/latest/developerguide/cognito-user-pools-SAML-session-initiation.html
https://docs.aws.amazon.com/cognito/latest/developerguide/saml2-idpresponse-endpoint.html
https://docs.aws.amazon.com/cognito/latest/developerguide/cognito-user-pools-saml-idp-things-to-know.html
"""

from __future__ import annotations

import base64
import logging
import secrets
from html import escape
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, urlencode

from lamina.http.message import HttpRequest, HttpResponse
from lamina.services.cognito_idp import hosted_page
from lamina.services.cognito_idp.federation import PENDING_S, federated_user
from lamina.services.cognito_idp.hosted_grant import AuthorizeRequest, ErrorPage, parse_authorize
from lamina.services.cognito_idp.hosted_http import ClientLookup, Site, redirect
from lamina.services.cognito_idp.hosted_token import form_of
from lamina.services.cognito_idp.identity_providers import (
    decryption_key,
    find_provider,
    provider_for_identifier,
)
from lamina.services.cognito_idp.model import IdentityProvider, Pool, User
from lamina.services.cognito_idp.saml_logout import (
    SamlLogout,
    SamlSession,
    deflated,
    instant,
    signed_query,
)
from lamina.services.cognito_idp.saml_metadata import (
    POST,
    SamlMetadata,
    parse_metadata,
    sp_entity_id,
)
from lamina.services.cognito_idp.saml_response import (
    Expected,
    InvalidResponse,
    SignedAssertion,
    read_response,
)

if TYPE_CHECKING:
    from lamina.services.cognito_idp.provider import CognitoIdpProvider

log = logging.getLogger("lamina.cognito")


INVALID = "Invalid samlResponse or relayState from identity provider"
"""What the pool's error page says about any response it refuses."""
_UNAVAILABLE = "Login option is not available. Please try another one"


class _Pending:
    __slots__ = ("authorize", "expires", "pool_id", "provider", "request_id")

    def __init__(
        self, pool_id: str, provider: str, authorize: AuthorizeRequest, request_id: str
    ) -> None:
        self.pool_id = pool_id
        self.provider = provider
        self.authorize = authorize
        self.request_id = request_id
        self.expires = 0.0


class SamlSignIn:
    def __init__(self, idp: CognitoIdpProvider) -> None:
        self._idp = idp
        self._pending: dict[str, _Pending] = {}
        """RelayState -> the sign-in it continues (in memory, as federation.py keeps its)."""
        self._seen: dict[str, float] = {}
        """Assertion IDs already accepted -> until when they could be replayed."""
        self.logout = SamlLogout(idp)

    async def start(
        self,
        site: Site,
        request: HttpRequest,
        authorize: AuthorizeRequest,
        provider: IdentityProvider,
    ) -> HttpResponse:
        """Send the browser to the IdP `provider` (the one `identity_provider` named) with an
        AuthnRequest."""
        metadata = _metadata_of(provider)
        request_id = "_" + secrets.token_hex(20)
        relay_state = secrets.token_urlsafe(32)
        now = self._idp.now()
        self._forget(now)
        pending = _Pending(site.pool.id, provider.name, authorize, request_id)
        pending.expires = now + PENDING_S
        self._pending[relay_state] = pending
        destination = metadata.sso_redirect or metadata.sso_post or ""
        document = _authn_request(
            request_id, destination, acs_url(site, request), site.pool.id, now
        )
        if metadata.sso_redirect:
            # HTTP-Redirect binding: DEFLATE (raw), base64, URL-encoded (SAML bindings 3.4.4);
            # RequestSigningAlgorithm rsa-sha256 signs it with the pool's signing key.
            query = urlencode({"SAMLRequest": deflated(document), "RelayState": relay_state})
            if provider.details.get("RequestSigningAlgorithm") == "rsa-sha256":
                query = signed_query(self._idp, site.pool, query)
            separator = "&" if "?" in destination else "?"
            return redirect(f"{destination}{separator}{query}")
        # Only an HTTP-POST SingleSignOnService: a form the browser submits (no script: the
        # hosted pages' Content-Security-Policy allows none).
        return _post_form(destination, base64.b64encode(document).decode(), relay_state)

    async def response(self, site: Site, request: HttpRequest) -> tuple[AuthorizeRequest, User]:
        """POST /saml2/idpresponse: the pool's authorize request and the signed-in user."""
        if request.method != "POST":
            raise ErrorPage("invalid_request", "The SAML assertion endpoint takes POST.")
        form = form_of(request)
        encoded, relay_state = form.get("SAMLResponse", ""), form.get("RelayState", "")
        now = self._idp.now()
        pending = self._pending.pop(relay_state, None) if relay_state else None
        if pending is not None and (pending.pool_id != site.pool.id or pending.expires <= now):
            raise ErrorPage("invalid_request", INVALID)
        if pending is not None:
            provider = find_provider(self._idp, site.pool, pending.provider)
            authorize, request_id = pending.authorize, pending.request_id
        else:
            provider, authorize = self._unsolicited(site.pool, relay_state)
            request_id = None
        if provider is None or provider.type != "SAML":
            raise ErrorPage("invalid_request", _UNAVAILABLE)
        metadata = _metadata_of(provider)
        expected = Expected(
            sp_entity_id=sp_entity_id(site.pool.id),
            acs_url=acs_url(site, request),
            idp_entity_id=metadata.entity_id,
            certificates=metadata.certificates,
            request_id=request_id,
            now=now,
            decryption_key=decryption_key(self._idp, site.pool, provider),
        )
        try:
            assertion = read_response(encoded, expected)
            self._remember(assertion, now)
        except InvalidResponse as error:
            log.info("SAML response from %s refused: %s", provider.name, error)
            raise ErrorPage("invalid_request", INVALID) from None
        user = federated_user(self._idp, provider, assertion.name_id, _claims(assertion))
        if not user.enabled:
            raise ErrorPage("access_denied", "User is disabled.")
        session = SamlSession(
            provider=provider.name,
            name_id=assertion.name_id,
            session_index=assertion.session_index,
        )
        self.logout.remember(site.pool.id, user.username, session)
        return authorize, user

    def _unsolicited(
        self, pool: Pool, relay_state: str
    ) -> tuple[IdentityProvider | None, AuthorizeRequest]:
        """An IdP-initiated sign-in: its RelayState holds the authorize parameters, and
        its provider must allow IdP initiation (IDPInit). Cognito lets no non-SAML provider
        (not even the pool's own COGNITO) sit in the app client of such a provider.
        https://docs.aws.amazon.com/cognito/latest/developerguide/cognito-user-pools-SAML-session-initiation.html
        """
        query = dict(parse_qsl(relay_state, keep_blank_values=True))
        name = query.get("identity_provider")
        if name is None and query.get("idp_identifier"):
            found = provider_for_identifier(self._idp, pool, query["idp_identifier"])
            name = None if found is None else found.name
            query.pop("idp_identifier")
        provider = find_provider(self._idp, pool, name or "")
        if provider is None or provider.type != "SAML" or provider.details.get("IDPInit") != "true":
            raise ErrorPage("invalid_request", INVALID)
        query["identity_provider"] = provider.name
        authorize, client = parse_authorize(pool, query, ClientLookup(self._idp, pool))
        for other in client.supported_identity_providers:
            found = find_provider(self._idp, pool, other)
            if found is None or found.type != "SAML":
                raise ErrorPage("invalid_request", INVALID)
        return provider, authorize

    def _remember(self, assertion: SignedAssertion, now: float) -> None:
        """Each assertion is accepted once ("no replayed assertions")."""
        if assertion.id in self._seen:
            raise InvalidResponse(f"the assertion {assertion.id} was presented before")
        for key, until in list(self._seen.items()):
            if until <= now:
                del self._seen[key]
        self._seen[assertion.id] = min(assertion.expires, now + 24 * 3600)

    def _forget(self, now: float) -> None:
        for key, entry in list(self._pending.items()):
            if entry.expires <= now:
                del self._pending[key]


def _metadata_of(provider: IdentityProvider) -> SamlMetadata:
    """The provider's stored metadata (read and checked when it was created)."""
    try:
        return parse_metadata(provider.metadata)
    except ValueError:
        # A SAML provider stored before its metadata was kept: it must be updated first.
        raise ErrorPage("invalid_request", _UNAVAILABLE) from None


def acs_url(site: Site, request: HttpRequest) -> str:
    """Where the IdP posts its response: the pool domain's /saml2/idpresponse."""
    scheme = "https" if site.secure else "http"
    return f"{scheme}://{request.header('host') or ''}{site.prefix}/saml2/idpresponse"


def _claims(assertion: SignedAssertion) -> dict[str, Any]:
    """The assertion's attributes by name, each one value; a multi-valued attribute as
    `[a, b]` (how Cognito writes one into a user attribute)."""
    claims: dict[str, Any] = {}
    for name, values in assertion.attributes.items():
        claims[name] = values[0] if len(values) == 1 else f"[{', '.join(values)}]"
    return claims


def _authn_request(request_id: str, destination: str, acs: str, pool_id: str, now: float) -> bytes:
    return (
        '<samlp:AuthnRequest xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" '
        'xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" '
        f'ID="{request_id}" Version="2.0" IssueInstant="{instant(now)}" '
        f'Destination="{escape(destination)}" AssertionConsumerServiceURL="{escape(acs)}" '
        f'ProtocolBinding="{POST}">'
        f"<saml:Issuer>{sp_entity_id(pool_id)}</saml:Issuer>"
        '<samlp:NameIDPolicy Format="urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified" '
        'AllowCreate="true"/>'
        "</samlp:AuthnRequest>"
    ).encode()


def _post_form(destination: str, request: str, relay_state: str) -> HttpResponse:
    body = (
        "<h1>Continue to your identity provider</h1>"
        f'<form method="post" action="{escape(destination)}">'
        f'<input type="hidden" name="SAMLRequest" value="{escape(request)}">'
        f'<input type="hidden" name="RelayState" value="{escape(relay_state)}">'
        '<button type="submit" autofocus>Continue</button></form>'
    )
    return hosted_page.page("Signing in", body)
