"""Forgotten passwords on the hosted pages: /forgotPassword sends a code through the pool's
ForgotPassword (to the outbox), /confirmForgotPassword sets the new password through
ConfirmForgotPassword, then back to the sign-in form, as Cognito's managed login does.

https://docs.aws.amazon.com/cognito/latest/developerguide/cognito-user-pools-managed-login.html
"""

from __future__ import annotations

import secrets
from typing import TYPE_CHECKING

from lamina.aws.service import ServiceError
from lamina.http.message import HttpRequest, HttpResponse
from lamina.services.cognito_idp import hosted_page
from lamina.services.cognito_idp.hosted_grant import parse_authorize
from lamina.services.cognito_idp.hosted_http import (
    CSRF_COOKIE,
    ClientLookup,
    Site,
    checked_form,
    query_of,
    redirect,
)
from lamina.services.cognito_idp.hosted_signup import public_call

if TYPE_CHECKING:
    from lamina.services.cognito_idp.provider import CognitoIdpProvider


class PasswordResetPages:
    def __init__(self, idp: CognitoIdpProvider) -> None:
        self._idp = idp

    async def forgot(self, site: Site, request: HttpRequest) -> HttpResponse:
        """GET: the username form; POST: send the code and show the reset form. An unknown
        user gets the same reset form (no user enumeration); its code never matches."""
        _, client = parse_authorize(
            site.pool, query_of(request), ClientLookup(self._idp, site.pool)
        )
        query = request.query_string
        checked = checked_form(request) if request.method == "POST" else None
        if checked is None:
            csrf = secrets.token_urlsafe(24)
            return hosted_page.forgot_password(
                action=f"{site.prefix}/forgotPassword?{query}",
                csrf=csrf,
                sign_in_href=f"{site.prefix}/login?{query}",
                error=None if request.method == "GET" else "Your form expired. Please try again.",
                headers=[site.cookie(CSRF_COOKIE, csrf)],
            )
        form, csrf = checked
        username = form.get("username", "").strip()
        destination = ""
        user = self._idp.find_user(site.pool, username) if username else None
        if user is not None:
            answer = await public_call(
                self._idp,
                client,
                "ForgotPassword",
                {"ClientId": client.id, "Username": username},
                username,
            )
            destination = str((answer.get("CodeDeliveryDetails") or {}).get("Destination", ""))
        return hosted_page.reset_password(
            action=f"{site.prefix}/confirmForgotPassword?{query}",
            csrf=csrf,
            username=username,
            destination=destination,
        )

    async def reset(self, site: Site, request: HttpRequest) -> HttpResponse:
        _, client = parse_authorize(
            site.pool, query_of(request), ClientLookup(self._idp, site.pool)
        )
        query = request.query_string
        checked = checked_form(request) if request.method == "POST" else None
        if checked is None:
            return redirect(f"{site.prefix}/forgotPassword?{query}")
        form, csrf = checked
        username = form.get("username", "")
        password = form.get("new_password", "")
        problem = None
        if password != form.get("confirm_password", ""):
            problem = "The passwords do not match."
        elif self._idp.find_user(site.pool, username) is None:
            problem = "Invalid verification code provided, please try again."
        else:
            params = {
                "ClientId": client.id,
                "Username": username,
                "ConfirmationCode": form.get("code", "").strip(),
                "Password": password,
            }
            try:
                await public_call(self._idp, client, "ConfirmForgotPassword", params, username)
            except ServiceError as failure:
                problem = failure.message
        if problem is not None:
            return hosted_page.reset_password(
                action=f"{site.prefix}/confirmForgotPassword?{query}",
                csrf=csrf,
                username=username,
                destination="",
                error=problem,
                status=400,
            )
        return redirect(f"{site.prefix}/login?{query}")
