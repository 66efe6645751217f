"""Sign-up on the hosted pages: /signup creates the user through the pool's own SignUp
(password policy, pre-sign-up and post-confirmation triggers, the code in the outbox), and
/confirmUser takes the code through ConfirmSignUp, as Cognito's managed login does.

https://docs.aws.amazon.com/cognito/latest/developerguide/cognito-user-pools-managed-login.html
"""

from __future__ import annotations

import secrets
import uuid
from collections.abc import Awaitable, Callable, Mapping
from typing import TYPE_CHECKING, Any

from lamina.aws.service import AwsRequestContext, ServiceError
from lamina.http.message import HttpRequest, HttpResponse
from lamina.services.cognito_idp import hosted_page
from lamina.services.cognito_idp.hosted_grant import AuthorizeRequest, ErrorPage, parse_authorize
from lamina.services.cognito_idp.hosted_http import (
    CSRF_COOKIE,
    ClientLookup,
    Site,
    checked_form,
    query_of,
    redirect,
)
from lamina.services.cognito_idp.hosted_session import SignedSessions
from lamina.services.cognito_idp.model import Client, Pool, User

if TYPE_CHECKING:
    from lamina.services.cognito_idp.provider import CognitoIdpProvider


SignIn = Callable[[Site, AuthorizeRequest, User], Awaitable[HttpResponse]]
"""Sets the session cookie and answers the authorize request (hosted.py)."""


class SignUpPages:
    """GET/POST /signup and POST /confirmUser, with the authorize request's query kept."""

    def __init__(
        self, idp: CognitoIdpProvider, sessions: SignedSessions, signed_in: SignIn
    ) -> None:
        self._idp = idp
        self._sessions = sessions
        self._signed_in = signed_in

    async def sign_up(self, site: Site, request: HttpRequest) -> HttpResponse:
        authorize, client = parse_authorize(
            site.pool, query_of(request), ClientLookup(self._idp, site.pool)
        )
        action = f"{site.prefix}/signup?{request.query_string}"
        sign_in = f"{site.prefix}/login?{request.query_string}"
        form: dict[str, str] = {}
        error = None
        if request.method == "POST":
            checked = checked_form(request)
            if checked is None:
                error = "Your sign-up form expired. Please try again."
            else:
                form, csrf = checked
                try:
                    signed_up = await sign_up(self._idp, site.pool, client, form)
                except ServiceError as failure:
                    error = failure.message
                else:
                    if signed_up.destination is None:
                        return await self._signed_in(site, authorize, signed_up.user)
                    return hosted_page.confirm(
                        action=f"{site.prefix}/confirmUser?{request.query_string}",
                        csrf=csrf,
                        ticket=self._sessions.ticket(site.pool, signed_up.user),
                        destination=signed_up.destination,
                    )
        elif request.method != "GET":
            return hosted_page.error("Use GET or POST.", "method_not_allowed", 405)
        csrf = secrets.token_urlsafe(24)
        return hosted_page.sign_up(
            action=action,
            csrf=csrf,
            client_name=client.name,
            sign_in_href=sign_in,
            email_is_username="email" in site.pool.username_attributes,
            minimum_length=site.pool.password_policy.MinimumLength,
            values={k: v for k, v in form.items() if k in ("username", "email")},
            error=error,
            status=200 if error is None else 400,
            headers=[site.cookie(CSRF_COOKIE, csrf)],
        )

    async def confirm(self, site: Site, request: HttpRequest) -> HttpResponse:
        authorize, client = parse_authorize(
            site.pool, query_of(request), ClientLookup(self._idp, site.pool)
        )
        checked = checked_form(request) if request.method == "POST" else None
        if checked is None:
            # Only reached from the sign-up form, with its ticket.
            return redirect(f"{site.prefix}/signup?{request.query_string}")
        form, csrf = checked
        ticket = form.get("ticket", "")
        user = self._sessions.ticketed_user(site.pool, ticket)
        if user is None:
            raise ErrorPage("invalid_request", "Your session expired. Please sign in again.")
        try:
            await confirm(self._idp, client, user.username, form.get("code", ""))
        except ServiceError as failure:
            return hosted_page.confirm(
                action=f"{site.prefix}/confirmUser?{request.query_string}",
                csrf=csrf,
                ticket=ticket,
                destination="",
                error=failure.message,
                status=400,
            )
        confirmed = self._idp.store.get(User, site.pool.id, user.username)
        if confirmed is None:
            raise ErrorPage("invalid_request", "Your session expired. Please sign in again.")
        return await self._signed_in(site, authorize, confirmed)


class SignedUp:
    """A new user, and where their confirmation code went (None when already confirmed)."""

    __slots__ = ("destination", "user")

    def __init__(self, user: User, destination: str | None) -> None:
        self.user = user
        self.destination = destination


async def sign_up(
    idp: CognitoIdpProvider, pool: Pool, client: Client, form: Mapping[str, str]
) -> SignedUp:
    """Raises ServiceError with the message SignUp gives (policy, existing user, trigger)."""
    email = form.get("email", "").strip()
    username = email if "email" in pool.username_attributes else form.get("username", "").strip()
    if not username or not email:
        raise ServiceError("InvalidParameterException", "Enter a username and an email address.")
    params: dict[str, Any] = {
        "ClientId": client.id,
        "Username": username,
        "Password": form.get("password", ""),
        "UserAttributes": [{"Name": "email", "Value": email}],
    }
    answer = await public_call(idp, client, "SignUp", params, username)
    user = idp.find_user(pool, username) or idp.find_user(pool, str(answer["UserSub"]))
    if user is None:
        raise ServiceError("InternalErrorException", "The new user was not found.")
    delivery = answer.get("CodeDeliveryDetails") or {}
    confirmed = bool(answer.get("UserConfirmed"))
    return SignedUp(user, None if confirmed else str(delivery.get("Destination", "")))


async def confirm(idp: CognitoIdpProvider, client: Client, username: str, code: str) -> None:
    params = {"ClientId": client.id, "Username": username, "ConfirmationCode": code.strip()}
    await public_call(idp, client, "ConfirmSignUp", params, username)


async def public_call(
    idp: CognitoIdpProvider,
    client: Client,
    operation: str,
    params: dict[str, Any],
    username: str,
) -> dict[str, Any]:
    """The operation as a browser app would call it: unsigned, with the SECRET_HASH a
    client with a secret needs (the hosted pages know the secret, as Cognito's do)."""
    from lamina.services.cognito_idp.shapes import secret_hash

    if client.secret is not None:
        params["SecretHash"] = secret_hash(client.secret, username, client.id)
    region, _, _ = client.pool_id.partition("_")
    context = AwsRequestContext(
        service="cognito-idp",
        operation=operation,
        region=region,
        account_id="",
        request_id=str(uuid.uuid4()),
        access_key=None,
    )
    return await idp.handlers()[operation](context, params)
