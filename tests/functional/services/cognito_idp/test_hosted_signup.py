"""Sign-up on the hosted pages: /signup through the pool's SignUp (policy, outbox code),
/confirmUser through ConfirmSignUp, then signed in and back at the callback with a code.

https://docs.aws.amazon.com/cognito/latest/developerguide/cognito-user-pools-managed-login.html
"""

from __future__ import annotations

import re
from typing import Any

import httpx
import jwt

from .conftest import HostedServer
from .test_hosted import CALLBACK, PASSWORD, _callback

_CSRF = re.compile(r'name="_csrf" value="([^"]+)"')
_TICKET = re.compile(r'name="ticket" value="([^"]+)"')


class Pool:
    def __init__(self, server: HostedServer, **pool: Any) -> None:
        admin = server.admin()
        self.server = server
        self.pool_id = admin.create_user_pool(PoolName="signup", **pool)["UserPool"]["Id"]
        self.client_id = admin.create_user_pool_client(
            UserPoolId=self.pool_id,
            ClientName="web",
            AllowedOAuthFlows=["code"],
            AllowedOAuthScopes=["openid", "email"],
            CallbackURLs=[CALLBACK],
            SupportedIdentityProviders=["COGNITO"],
        )["UserPoolClient"]["ClientId"]
        self.base = f"{server.url}/{self.pool_id}"
        self.query = (
            f"response_type=code&client_id={self.client_id}&redirect_uri={CALLBACK}"
            "&scope=openid+email&state=new"
        )


def _sign_up_form(browser: httpx.Client, pool: Pool) -> tuple[str, str]:
    login = browser.get(f"{pool.base}/login?{pool.query}")
    link = re.search(r'href="([^"]*/signup\?[^"]*)"', login.text)
    assert link is not None
    url = pool.server.url + link.group(1).replace("&amp;", "&")
    page = browser.get(url)
    assert page.status_code == 200 and "<h1>Sign up</h1>" in page.text
    csrf = _CSRF.search(page.text)
    assert csrf is not None
    return url, csrf.group(1)


def test_sign_up_confirm_and_land_on_the_callback(
    hosted: HostedServer, browser: httpx.Client
) -> None:
    pool = Pool(hosted, AutoVerifiedAttributes=["email"])
    url, csrf = _sign_up_form(browser, pool)
    fields = {"_csrf": csrf, "username": "lin", "email": "lin@example.com", "password": PASSWORD}
    confirm = browser.post(url, data=fields)
    assert confirm.status_code == 200 and "Confirm your account" in confirm.text
    assert "l***@e***" in confirm.text
    ticket = _TICKET.search(confirm.text)
    assert ticket is not None
    action = re.search(r'action="([^"]+)"', confirm.text)
    assert action is not None
    confirm_url = hosted.url + action.group(1).replace("&amp;", "&")
    wrong = browser.post(
        confirm_url, data={"_csrf": csrf, "ticket": ticket.group(1), "code": "000000x"}
    )
    assert wrong.status_code == 400 and "Invalid verification code" in wrong.text
    code = hosted.provider.outbox.messages[-1]["code"]
    done = browser.post(confirm_url, data={"_csrf": csrf, "ticket": ticket.group(1), "code": code})
    answer = _callback(done)
    assert answer["state"] == "new"
    user = hosted.admin().admin_get_user(UserPoolId=pool.pool_id, Username="lin")
    assert user["UserStatus"] == "CONFIRMED"
    attributes = {a["Name"]: a["Value"] for a in user["UserAttributes"]}
    assert attributes["email_verified"] == "true"
    tokens = _redeem_for(pool, answer["code"])
    assert tokens["email"] == "lin@example.com"


def _redeem_for(pool: Pool, code: str) -> dict[str, Any]:
    """The ID token's claims for a code, verified against the pool's keys."""
    form = {
        "grant_type": "authorization_code",
        "client_id": pool.client_id,
        "code": code,
        "redirect_uri": CALLBACK,
    }
    body = httpx.post(f"{pool.base}/oauth2/token", data=form, timeout=10).json()
    keys = jwt.PyJWKClient(f"{pool.base}/.well-known/jwks.json")
    token = body["id_token"]
    return jwt.decode(  # type: ignore[no-any-return]
        token, keys.get_signing_key_from_jwt(token), algorithms=["RS256"], audience=pool.client_id
    )


def test_sign_up_errors_are_announced_on_the_form(
    hosted: HostedServer, browser: httpx.Client
) -> None:
    pool = Pool(hosted)
    url, csrf = _sign_up_form(browser, pool)
    weak = browser.post(
        url, data={"_csrf": csrf, "username": "lin", "email": "lin@example.com", "password": "x"}
    )
    assert weak.status_code == 400 and 'role="alert"' in weak.text
    assert "Password did not conform with policy" in weak.text
    assert 'value="lin@example.com"' in weak.text  # what was typed stays
    csrf = _CSRF.search(weak.text).group(1)  # type: ignore[union-attr]
    fields = {"_csrf": csrf, "username": "lin", "email": "lin@example.com", "password": PASSWORD}
    browser.post(url, data=fields)
    again = browser.post(url, data=fields)
    assert again.status_code == 400 and "User already exists" in again.text
    forged = browser.post(url, data={**fields, "_csrf": "forged"})
    assert forged.status_code == 400 and "expired" in forged.text
    assert hosted.admin().list_users(UserPoolId=pool.pool_id)["Users"][0]["Username"] == "lin"


def test_email_as_username_pool_asks_for_the_email_only(
    hosted: HostedServer, browser: httpx.Client
) -> None:
    pool = Pool(hosted, UsernameAttributes=["email"], AutoVerifiedAttributes=["email"])
    url, csrf = _sign_up_form(browser, pool)
    page = browser.get(url)
    assert 'name="username"' not in page.text and 'name="email"' in page.text
    csrf = _CSRF.search(page.text).group(1)  # type: ignore[union-attr]
    confirm = browser.post(
        url, data={"_csrf": csrf, "email": "kim@example.com", "password": PASSWORD}
    )
    assert "Confirm your account" in confirm.text


def test_confirm_without_a_ticket_goes_back_to_sign_up(
    hosted: HostedServer, browser: httpx.Client
) -> None:
    pool = Pool(hosted)
    answer = browser.get(f"{pool.base}/confirmUser?{pool.query}")
    assert answer.status_code == 302
    assert answer.headers["location"] == f"/{pool.pool_id}/signup?{pool.query}"


def test_forgot_password_resets_it_with_the_outbox_code(
    hosted: HostedServer, browser: httpx.Client
) -> None:
    pool = Pool(hosted)
    admin = hosted.admin()
    admin.admin_create_user(
        UserPoolId=pool.pool_id,
        Username="ada",
        UserAttributes=[{"Name": "email", "Value": "ada@example.com"}],
        MessageAction="SUPPRESS",
    )
    admin.admin_set_user_password(
        UserPoolId=pool.pool_id, Username="ada", Password=PASSWORD, Permanent=True
    )
    login = browser.get(f"{pool.base}/login?{pool.query}")
    link = re.search(r'href="([^"]*/forgotPassword\?[^"]*)"', login.text)
    assert link is not None
    url = hosted.url + link.group(1).replace("&amp;", "&")
    page = browser.get(url)
    csrf = _CSRF.search(page.text).group(1)  # type: ignore[union-attr]
    reset = browser.post(url, data={"_csrf": csrf, "username": "ada"})
    assert "Reset your password" in reset.text and "a***@e***" in reset.text
    action = re.search(r'action="([^"]+)"', reset.text).group(1)  # type: ignore[union-attr]
    reset_url = hosted.url + action.replace("&amp;", "&")
    code = hosted.provider.outbox.messages[-1]["code"]
    fields = {"_csrf": csrf, "username": "ada", "code": code}
    mismatch = browser.post(
        reset_url, data={**fields, "new_password": "New-Passw0rd", "confirm_password": "other"}
    )
    assert mismatch.status_code == 400 and "do not match" in mismatch.text
    wrong = browser.post(
        reset_url,
        data={
            **fields,
            "code": "999999x",
            "new_password": "New-Passw0rd",
            "confirm_password": "New-Passw0rd",
        },
    )
    assert wrong.status_code == 400 and "Invalid verification code" in wrong.text
    done = browser.post(
        reset_url,
        data={**fields, "new_password": "New-Passw0rd", "confirm_password": "New-Passw0rd"},
    )
    assert done.status_code == 302
    assert done.headers["location"] == f"/{pool.pool_id}/login?{pool.query}"
    user = hosted.provider.find_user(hosted.provider.pool(pool.pool_id), "ada")
    assert user is not None and hosted.provider.password_matches(user, "New-Passw0rd")


def test_forgot_password_for_an_unknown_user_looks_the_same(
    hosted: HostedServer, browser: httpx.Client
) -> None:
    pool = Pool(hosted)
    url = f"{pool.base}/forgotPassword?{pool.query}"
    csrf = _CSRF.search(browser.get(url).text).group(1)  # type: ignore[union-attr]
    reset = browser.post(url, data={"_csrf": csrf, "username": "nobody"})
    assert reset.status_code == 200 and "Reset your password" in reset.text
    assert hosted.provider.outbox.messages == []
