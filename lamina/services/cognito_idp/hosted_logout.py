"""GET /logout on the user pool domain: the session cookie cleared, then the browser sent
to a registered sign-out URL (logout_uri) or back to the sign-in page. A session that came
from a SAML sign-in whose provider has IDPSignout goes through the IdP's single logout first
(saml_logout.py).

https://docs.aws.amazon.com/cognito/latest/developerguide/logout-endpoint.html
https://docs.aws.amazon.com/cognito/latest/developerguide/cognito-user-pools-saml-idp-sign-out.html
"""

from __future__ import annotations

from typing import TYPE_CHECKING
from urllib.parse import urlencode

from lamina.http.message import HttpRequest, HttpResponse
from lamina.services.cognito_idp.hosted_grant import ErrorPage, parse_authorize
from lamina.services.cognito_idp.hosted_http import (
    SESSION_COOKIE,
    ClientLookup,
    Site,
    cookies_of,
    query_of,
    redirect,
)
from lamina.services.cognito_idp.hosted_session import SignedSessions
from lamina.services.cognito_idp.saml_logout import SamlLogout

if TYPE_CHECKING:
    from lamina.services.cognito_idp.provider import CognitoIdpProvider


class LogoutPage:
    def __init__(self, idp: CognitoIdpProvider, sessions: SignedSessions, saml: SamlLogout) -> None:
        self._idp = idp
        self._sessions = sessions
        self._saml = saml

    def handle(self, site: Site, request: HttpRequest) -> HttpResponse:
        query = query_of(request)
        find_client = ClientLookup(self._idp, site.pool)
        client = find_client(query.get("client_id", ""))
        if client is None:
            raise ErrorPage("invalid_request", "The client_id does not name an app client.")
        cleared = [site.cookie(SESSION_COOKIE, "", 0)]
        logout_uri = query.get("logout_uri")
        if logout_uri is not None:
            if logout_uri not in client.logout_urls:
                raise ErrorPage("redirect_mismatch", "The logout_uri is not a sign-out URL.")
            return self._signed_out(site, request, logout_uri, cleared)
        # Without logout_uri: sign out, then sign in again (redirect_uri, response_type).
        parse_authorize(site.pool, query, find_client)
        again = {k: v for k, v in query.items() if k != "logout_uri"}
        return self._signed_out(site, request, f"{site.prefix}/login?{urlencode(again)}", cleared)

    def _signed_out(
        self, site: Site, request: HttpRequest, location: str, cleared: list[tuple[bytes, bytes]]
    ) -> HttpResponse:
        token = cookies_of(request).get(SESSION_COOKIE)
        found = self._sessions.user(site.pool, token) if token else None
        if found is not None:
            answer = self._saml.start(site, found[0].username, location, cleared)
            if answer is not None:
                return answer
        return redirect(location, cleared)
