"""The user pool domain: hosted sign-in pages and OAuth 2.0 / OpenID Connect endpoints.

Cognito serves them on the pool's domain; Lamina answers at two addresses for each pool:
  path form    {base}/{poolId}/oauth2/authorize, /{poolId}/login, ...
  domain form  http://{prefix}.auth.localhost:{port}/oauth2/authorize (UserPoolDomain)

  GET  /oauth2/authorize  check client, redirect URI, flow, scopes, PKCE; signed in
                          (session cookie) -> straight back with a code or tokens,
                          else -> /login with the same query
  GET  /login             the sign-in form          POST /login  check the password
                          (NEW_PASSWORD_REQUIRED: a second form), set the session cookie,
                          redirect to the callback with ?code=... or #access_token=...
  POST /oauth2/token      (hosted_token.py)         GET|POST /oauth2/userInfo
  POST /oauth2/revoke     a refresh token and the tokens issued from it
  GET  /logout            clear the session cookie, redirect to a LogoutURL (hosted_logout.py)
  GET  /oauth2/idpresponse an OIDC provider's answer (federation.py)
  POST /saml2/idpresponse  a SAML IdP's response; POST /saml2/logout its LogoutResponse
                          (saml.py, saml_logout.py)

https://docs.aws.amazon.com/cognito/latest/developerguide/cognito-userpools-server-contract-reference.html

Built directly rather than on authlib's AuthorizationServer: docs/fidelity/cognito-hosted.md
says why.
"""

from __future__ import annotations

import re
import secrets
from typing import TYPE_CHECKING
from urllib.parse import urlencode

from lamina.aws.service import ServiceError
from lamina.http.message import HttpRequest, HttpResponse
from lamina.services.cognito_idp import hosted_page
from lamina.services.cognito_idp.federation import Federation
from lamina.services.cognito_idp.hosted_grant import (
    AuthorizeRequest,
    CodeStore,
    ErrorPage,
    RedirectError,
    parse_authorize,
)
from lamina.services.cognito_idp.hosted_http import (
    CSRF_COOKIE,
    SESSION_COOKIE,
    ClientLookup,
    Site,
    checked_form,
    cookies_of,
    query_of,
    redirect,
)
from lamina.services.cognito_idp.hosted_logout import LogoutPage
from lamina.services.cognito_idp.hosted_reset import PasswordResetPages
from lamina.services.cognito_idp.hosted_session import SESSION_S, SignedSessions
from lamina.services.cognito_idp.hosted_signup import SignUpPages
from lamina.services.cognito_idp.hosted_token import (
    HOSTED_AUTH,
    TokenEndpoint,
    cors_allowed,
    cors_preflight,
    form_of,
    user_info,
)
from lamina.services.cognito_idp.identity_providers import find_provider, provider_for_identifier
from lamina.services.cognito_idp.model import Client, Pool, User
from lamina.services.cognito_idp.saml import SamlSignIn

if TYPE_CHECKING:
    from lamina.services.cognito_idp.provider import CognitoIdpProvider

_POOL_PATH = re.compile(r"/(?P<pool>[a-z]{2}(?:-[a-z]+)+-\d_[A-Za-z0-9]{9})(?P<rest>/.*)")
_DOMAIN_HOST = re.compile(r"(?P<prefix>[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)\.auth\.localhost(?::\d+)?")
_API = frozenset({"/oauth2/token", "/oauth2/userInfo", "/oauth2/revoke"})
"""Called by apps' code (CORS); the rest are pages a browser navigates to."""
_PAGES = frozenset(
    {
        *_API,
        "/oauth2/authorize",
        "/login",
        "/logout",
        "/signup",
        "/confirmUser",
        "/forgotPassword",
        "/confirmForgotPassword",
        "/oauth2/idpresponse",
        "/saml2/idpresponse",
        "/saml2/logout",
    }
)


class HostedUi:
    def __init__(self, idp: CognitoIdpProvider) -> None:
        self._idp = idp
        self.codes = CodeStore(idp.now)
        self._token = TokenEndpoint(idp, self.codes)
        self.sessions = SignedSessions(idp)
        self._sign_up = SignUpPages(idp, self.sessions, self._signed_in)
        self._reset = PasswordResetPages(idp)
        self._federation = Federation(idp)
        self._saml = SamlSignIn(idp)
        self._logout = LogoutPage(idp, self.sessions, self._saml.logout)

    async def handle(self, request: HttpRequest) -> HttpResponse | None:
        found = self._site(request)
        if found is None:
            return None
        site, path = found
        try:
            if path in _API:
                return await self._api(site, path, request)
            if path == "/oauth2/authorize":
                return await self._authorize(site, request)
            if path == "/login":
                return await self._login(site, request)
            if path == "/logout":
                return self._logout.handle(site, request)
            if path == "/signup":
                return await self._sign_up.sign_up(site, request)
            if path == "/confirmUser":
                return await self._sign_up.confirm(site, request)
            if path == "/forgotPassword":
                return await self._reset.forgot(site, request)
            if path == "/confirmForgotPassword":
                return await self._reset.reset(site, request)
            if path == "/oauth2/idpresponse":
                authorize, user = await self._federation.response(site, request)
                return await self._signed_in(site, authorize, user)
            if path == "/saml2/idpresponse":
                authorize, user = await self._saml.response(site, request)
                return await self._signed_in(site, authorize, user)
            if path == "/saml2/logout":
                return self._saml.logout.response(site, request)
        except ErrorPage as error:
            return hosted_page.error(error.message, error.code)
        except RedirectError as error:
            return redirect(error.location)
        return hosted_page.error("The page does not exist.", "not_found", 404)

    async def _api(self, site: Site, path: str, request: HttpRequest) -> HttpResponse:
        """The endpoints a browser app's script calls (fetch from its own origin): CORS."""
        if request.method == "OPTIONS":
            return cors_preflight(request)
        if path == "/oauth2/token":
            answer = await self._token.handle(site.pool, request)
        elif path == "/oauth2/revoke":
            answer = await self._token.revoke(site.pool, request)
        else:
            answer = user_info(self._idp, site.pool, request)
        return cors_allowed(request, answer)

    def _site(self, request: HttpRequest) -> tuple[Site, str] | None:
        """The pool and endpoint a request addresses; None when it is not for a pool."""
        secure = request.tls is not None
        host = _DOMAIN_HOST.fullmatch((request.header("host") or "").lower())
        if host is not None:
            pool = self._pool_with_domain(host.group("prefix"))
            if pool is not None:
                return Site(pool, "", secure), request.path
        match = _POOL_PATH.fullmatch(request.path)
        if match is None or match.group("rest") not in _PAGES:
            return None
        pool = self._idp.store.get(Pool, "", match.group("pool"))
        if pool is None:
            return None
        return Site(pool, f"/{pool.id}", secure), match.group("rest")

    def _pool_with_domain(self, prefix: str) -> Pool | None:
        for pool in self._idp.store.all(Pool, ""):
            if pool.domain == prefix:
                return pool
        return None

    def _providers(self, site: Site, client: Client, action: str) -> list[tuple[str, str]]:
        """The hosted page's buttons: the client's external providers that exist, each
        linking to /oauth2/authorize with the same request and its identity_provider."""
        found = []
        for name in client.supported_identity_providers:
            if name != "COGNITO" and find_provider(self._idp, site.pool, name) is not None:
                query = urlencode({"identity_provider": name})
                href = action.replace("/login?", "/oauth2/authorize?", 1)
                found.append((name, f"{href}&{query}"))
        return found

    def _find_client(self, pool: Pool) -> ClientLookup:
        return ClientLookup(self._idp, pool)

    # -- /oauth2/authorize, /login --------------------------------------------------------

    async def _authorize(self, site: Site, request: HttpRequest) -> HttpResponse:
        if request.method != "GET":
            return hosted_page.error("The authorize endpoint takes GET.", "invalid_request", 405)
        query = query_of(request)
        if query.get("idp_identifier") and not query.get("identity_provider"):
            # idp_identifier names a provider by one of its IdpIdentifiers.
            named = provider_for_identifier(self._idp, site.pool, query["idp_identifier"])
            if named is not None:
                query["identity_provider"] = named.name
        authorize, _ = parse_authorize(site.pool, query, self._find_client(site.pool))
        if authorize.identity_provider is not None:
            external = find_provider(self._idp, site.pool, authorize.identity_provider)
            if external is not None and external.type == "SAML":
                return await self._saml.start(site, request, authorize, external)
            return await self._federation.start(site, request, authorize, external)
        signed_in = self._current_session(site, request, authorize)
        if signed_in is not None:
            user, auth_time = signed_in
            return await self._grant(site, authorize, user, auth_time, [])
        # Otherwise the login endpoint, with the same parameters.
        # https://docs.aws.amazon.com/cognito/latest/developerguide/authorization-endpoint.html
        return redirect(f"{site.prefix}/login?{request.query_string}")

    async def _login(self, site: Site, request: HttpRequest) -> HttpResponse:
        query = query_of(request)
        authorize, client = parse_authorize(site.pool, query, self._find_client(site.pool))
        action = f"{site.prefix}/login?{request.query_string}"
        if request.method == "GET":
            signed_in = self._current_session(site, request, authorize)
            if signed_in is not None:
                return await self._grant(site, authorize, signed_in[0], signed_in[1], [])
            csrf = secrets.token_urlsafe(24)
            return hosted_page.sign_in(
                action=action,
                csrf=csrf,
                client_name=client.name,
                headers=[site.cookie(CSRF_COOKIE, csrf)],
                sign_up_href=_sign_up_href(action),
                forgot_href=action.replace("/login?", "/forgotPassword?", 1),
                providers=self._providers(site, client, action),
            )
        if request.method != "POST":
            return hosted_page.error("Use GET or POST.", "method_not_allowed", 405)
        checked = checked_form(request)
        if checked is None:
            csrf = secrets.token_urlsafe(24)
            return hosted_page.sign_in(
                action=action,
                csrf=csrf,
                client_name=client.name,
                username=form_of(request).get("username", ""),
                error="Your sign-in form expired. Please sign in again.",
                status=403,
                headers=[site.cookie(CSRF_COOKIE, csrf)],
                sign_up_href=_sign_up_href(action),
                forgot_href=action.replace("/login?", "/forgotPassword?", 1),
                providers=self._providers(site, client, action),
            )
        form, csrf = checked
        if "session" in form:
            return await self._new_password(site, authorize, action, csrf, form)
        return await self._password(site, authorize, client, action, csrf, form)

    async def _password(
        self,
        site: Site,
        authorize: AuthorizeRequest,
        client: Client,
        action: str,
        csrf: str,
        form: dict[str, str],
    ) -> HttpResponse:
        username = form.get("username", "").strip()
        user = self._idp.find_user(site.pool, username) if username else None
        problem = None
        if (
            user is None
            or not user.enabled
            or not self._idp.password_matches(user, form.get("password", ""))
        ):
            # One message for unknown users and wrong passwords (no user enumeration).
            problem = "Incorrect username or password."
        elif user.status == "UNCONFIRMED":
            problem = "Your account is not confirmed yet. Confirm it with the code you received."
        elif user.status == "RESET_REQUIRED":
            problem = "A password reset is required for your account."
        elif user.status == "FORCE_CHANGE_PASSWORD" and (
            user.temporary_expires is not None and user.temporary_expires < self._idp.now()
        ):
            problem = "Temporary password has expired and must be reset by an administrator."
        if problem is not None or user is None:
            return hosted_page.sign_in(
                action=action,
                csrf=csrf,
                client_name=client.name,
                username=username,
                error=problem,
                status=400,
                sign_up_href=_sign_up_href(action),
                forgot_href=action.replace("/login?", "/forgotPassword?", 1),
                providers=self._providers(site, client, action),
            )
        if user.status == "FORCE_CHANGE_PASSWORD":
            return hosted_page.new_password(
                action=action, csrf=csrf, session=self.sessions.challenge(site.pool, user)
            )
        return await self._signed_in(site, authorize, user)

    async def _new_password(
        self,
        site: Site,
        authorize: AuthorizeRequest,
        action: str,
        csrf: str,
        form: dict[str, str],
    ) -> HttpResponse:
        session = form.get("session", "")
        user = self.sessions.challenged_user(site.pool, session)
        if user is None:
            raise ErrorPage("invalid_request", "Your session expired. Please sign in again.")
        password = form.get("new_password", "")
        problem = None
        if password != form.get("confirm_password", ""):
            problem = "The passwords do not match."
        else:
            try:
                self._idp.check_password(site.pool, password)
            except ServiceError as error:
                problem = error.message
        if problem is not None:
            return hosted_page.new_password(
                action=action, csrf=csrf, session=session, error=problem, status=400
            )
        self._idp.set_password(site.pool, user, password)
        user.status, user.temporary_expires = "CONFIRMED", None
        self._idp.save(site.pool, user)
        return await self._signed_in(site, authorize, user)

    async def _signed_in(self, site: Site, authorize: AuthorizeRequest, user: User) -> HttpResponse:
        now = int(self._idp.now())
        session = self.sessions.open(site.pool, user, now)
        cookies = [
            site.cookie(SESSION_COOKIE, session, SESSION_S),
            site.cookie(CSRF_COOKIE, "", 0),
        ]
        return await self._grant(site, authorize, user, now, cookies)

    async def _grant(
        self,
        site: Site,
        authorize: AuthorizeRequest,
        user: User,
        auth_time: float,
        cookies: list[tuple[bytes, bytes]],
    ) -> HttpResponse:
        """Back to the client: a code (code flow) or the tokens (implicit flow)."""
        if authorize.response_type == "code":
            code = self.codes.issue(site.pool, authorize, user.username, auth_time)
            return redirect(authorize.answer({"code": code}), cookies)
        _, client = self._idp.client(authorize.client_id)
        try:
            issued = await self._idp.issue(
                site.pool,
                client,
                user,
                refresh=False,
                auth_time=auth_time,
                scope=authorize.scope,
                nonce=authorize.nonce,
                source=HOSTED_AUTH,
            )
        except ServiceError:
            # A pre-token-generation trigger failed: the authorize endpoint's server_error.
            # https://docs.aws.amazon.com/cognito/latest/developerguide/authorization-endpoint.html
            raise RedirectError(authorize, "server_error") from None
        answer = {}
        if "openid" in authorize.scopes:
            answer["id_token"] = issued["IdToken"]
        answer["access_token"] = issued["AccessToken"]
        answer["expires_in"] = str(issued["ExpiresIn"])
        answer["token_type"] = "Bearer"
        return redirect(authorize.answer(answer), cookies)

    # -- sessions -------------------------------------------------------------------------

    def _current_session(
        self, site: Site, request: HttpRequest, authorize: AuthorizeRequest
    ) -> tuple[User, float] | None:
        """The signed-in user the request may skip the form with. OIDC `prompt`: `login`
        asks for the password again; `none` never shows the form (login_required).
        https://docs.aws.amazon.com/cognito/latest/developerguide/authorization-endpoint.html"""
        if authorize.prompt == "login":
            return None
        token = cookies_of(request).get(SESSION_COOKIE)
        found = self.sessions.user(site.pool, token) if token else None
        if found is None and authorize.prompt == "none":
            raise RedirectError(authorize, "login_required")
        return found


def _sign_up_href(login_action: str) -> str:
    return login_action.replace("/login?", "/signup?", 1)
