"""The user pool's hosted sign-in and OAuth 2.0 endpoints through real HTTP: httpx with a
cookie jar, redirects followed by hand so each hop can be checked.

https://docs.aws.amazon.com/cognito/latest/developerguide/cognito-userpools-server-contract-reference.html
"""

from __future__ import annotations

import base64
import hashlib
import re
import secrets
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import httpx
import jwt
import pytest

from .conftest import Clock, HostedServer

PASSWORD = "Passw0rd!"
CALLBACK = "http://localhost:8000/callback"
SIGNED_OUT = "http://localhost:8000/signed-out"


class App:
    """One pool with an OAuth client and a confirmed user."""

    def __init__(self, server: HostedServer, *, secret: bool = False, **client: Any) -> None:
        admin = server.admin()
        self.server = server
        self.pool_id = admin.create_user_pool(PoolName="hosted")["UserPool"]["Id"]
        options: dict[str, Any] = {
            "AllowedOAuthFlowsUserPoolClient": True,
            "AllowedOAuthFlows": ["code", "implicit"],
            "AllowedOAuthScopes": ["openid", "email", "profile", "aws.cognito.signin.user.admin"],
            "CallbackURLs": [CALLBACK],
            "LogoutURLs": [SIGNED_OUT],
            "SupportedIdentityProviders": ["COGNITO"],
            **client,
        }
        made = admin.create_user_pool_client(
            UserPoolId=self.pool_id, ClientName="web", GenerateSecret=secret, **options
        )["UserPoolClient"]
        self.client_id: str = made["ClientId"]
        self.secret: str | None = made.get("ClientSecret")
        admin.admin_create_user(
            UserPoolId=self.pool_id,
            Username="ada",
            UserAttributes=[
                {"Name": "email", "Value": "ada@example.com"},
                {"Name": "email_verified", "Value": "true"},
                {"Name": "name", "Value": "Ada Lovelace"},
            ],
            MessageAction="SUPPRESS",
        )
        admin.admin_set_user_password(
            UserPoolId=self.pool_id, Username="ada", Password=PASSWORD, Permanent=True
        )
        self.base = f"{server.url}/{self.pool_id}"

    def authorize_url(self, **given: str) -> str:
        query = {
            "response_type": "code",
            "client_id": self.client_id,
            "redirect_uri": CALLBACK,
            "scope": "openid email profile",
            "state": "s-123",
            **given,
        }
        return f"{self.base}/oauth2/authorize?{urlencode(query)}"


def _pkce() -> tuple[str, str]:
    verifier = secrets.token_urlsafe(48)
    digest = hashlib.sha256(verifier.encode()).digest()
    return verifier, base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def _sign_in(browser: httpx.Client, app: App, url: str, password: str = PASSWORD) -> httpx.Response:
    """authorize -> /login form -> POST; the answer to the POST."""
    first = browser.get(url)
    assert first.status_code == 302
    login = first.headers["location"]
    assert login.startswith(f"/{app.pool_id}/login?")
    page = browser.get(f"{app.server.url}{login}")
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    csrf = re.search(r'name="_csrf" value="([^"]+)"', page.text)
    assert csrf is not None
    return browser.post(
        f"{app.server.url}{login}",
        data={"_csrf": csrf.group(1), "username": "ada", "password": password},
    )


def _callback(response: httpx.Response) -> dict[str, str]:
    assert response.status_code == 302, response.text
    location = response.headers["location"]
    assert location.startswith(CALLBACK)
    parts = urlsplit(location)
    return {k: v[0] for k, v in parse_qs(parts.query or parts.fragment).items()}


def _redeem(app: App, code: str, verifier: str | None, **extra: str) -> httpx.Response:
    form = {"grant_type": "authorization_code", "client_id": app.client_id, "code": code}
    form["redirect_uri"] = CALLBACK
    if verifier is not None:
        form["code_verifier"] = verifier
    form.update(extra)
    return httpx.post(f"{app.base}/oauth2/token", data=form, timeout=10)


def _claims(app: App, token: str) -> dict[str, Any]:
    keys = jwt.PyJWKClient(f"{app.base}/.well-known/jwks.json")
    key = keys.get_signing_key_from_jwt(token)
    return jwt.decode(token, key, algorithms=["RS256"], options={"verify_aud": False})  # type: ignore[no-any-return]


def test_code_flow_with_pkce_s256_round_trip(hosted: HostedServer, browser: httpx.Client) -> None:
    app = App(hosted)
    verifier, challenge = _pkce()
    url = app.authorize_url(code_challenge=challenge, code_challenge_method="S256", nonce="n-42")
    answer = _callback(_sign_in(browser, app, url))
    assert answer["state"] == "s-123"
    assert re.fullmatch(r"[0-9a-f-]{36}", answer["code"])

    response = _redeem(app, answer["code"], verifier)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/json;charset=UTF-8"
    assert response.headers["cache-control"].startswith("no-cache, no-store")
    body = response.json()
    assert set(body) == {"access_token", "id_token", "refresh_token", "token_type", "expires_in"}
    assert body["token_type"] == "Bearer" and body["expires_in"] == 3600
    access = _claims(app, body["access_token"])
    assert access["scope"] == "openid email profile"
    assert access["client_id"] == app.client_id and access["username"] == "ada"
    identity = _claims(app, body["id_token"])
    assert identity["aud"] == app.client_id and identity["nonce"] == "n-42"
    assert identity["email"] == "ada@example.com" and identity["cognito:username"] == "ada"
    assert identity["iss"] == app.base
    digest = hashlib.sha256(body["access_token"].encode()).digest()[:16]
    assert identity["at_hash"] == base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def test_plain_pkce_and_no_openid_scope_gives_no_id_token(
    hosted: HostedServer, browser: httpx.Client
) -> None:
    app = App(hosted)
    verifier = secrets.token_urlsafe(48)
    url = app.authorize_url(code_challenge=verifier, code_challenge_method="plain", scope="email")
    answer = _callback(_sign_in(browser, app, url))
    body = _redeem(app, answer["code"], verifier).json()
    assert "id_token" not in body
    assert _claims(app, body["access_token"])["scope"] == "email"


def test_wrong_verifier_is_invalid_grant_and_uses_up_the_code(
    hosted: HostedServer, browser: httpx.Client
) -> None:
    app = App(hosted)
    verifier, challenge = _pkce()
    url = app.authorize_url(code_challenge=challenge, code_challenge_method="S256")
    code = _callback(_sign_in(browser, app, url))["code"]
    wrong = _redeem(app, code, secrets.token_urlsafe(48))
    assert wrong.status_code == 400
    assert wrong.json() == {"error": "invalid_grant"}
    assert _redeem(app, code, verifier).json() == {"error": "invalid_grant"}


def test_missing_verifier_is_invalid_grant(hosted: HostedServer, browser: httpx.Client) -> None:
    app = App(hosted)
    _, challenge = _pkce()
    url = app.authorize_url(code_challenge=challenge, code_challenge_method="S256")
    code = _callback(_sign_in(browser, app, url))["code"]
    assert _redeem(app, code, None).json() == {"error": "invalid_grant"}


def test_code_is_one_use(hosted: HostedServer, browser: httpx.Client) -> None:
    app = App(hosted)
    code = _callback(_sign_in(browser, app, app.authorize_url()))["code"]
    assert _redeem(app, code, None).status_code == 200
    again = _redeem(app, code, None)
    assert (again.status_code, again.json()) == (400, {"error": "invalid_grant"})


def test_code_expires_after_five_minutes(
    hosted: HostedServer, browser: httpx.Client, clock: Clock
) -> None:
    app = App(hosted)
    code = _callback(_sign_in(browser, app, app.authorize_url()))["code"]
    clock.now += 301
    assert _redeem(app, code, None).json() == {"error": "invalid_grant"}


def test_redirect_uri_must_match_the_authorize_request(
    hosted: HostedServer, browser: httpx.Client
) -> None:
    app = App(hosted, CallbackURLs=[CALLBACK, "http://localhost:8000/other"])
    code = _callback(_sign_in(browser, app, app.authorize_url()))["code"]
    mismatch = _redeem(app, code, None, redirect_uri="http://localhost:8000/other")
    assert (mismatch.status_code, mismatch.json()) == (400, {"error": "invalid_grant"})


def test_unregistered_redirect_uri_shows_an_error_page_without_redirecting(
    hosted: HostedServer, browser: httpx.Client
) -> None:
    app = App(hosted)
    answer = browser.get(app.authorize_url(redirect_uri="https://evil.example/steal"))
    assert answer.status_code == 400
    assert "location" not in answer.headers
    assert "redirect_mismatch" in answer.text
    assert "evil.example" not in answer.text
    unknown = browser.get(app.authorize_url(client_id="nosuchclient"))
    assert unknown.status_code == 400 and "location" not in unknown.headers


def test_request_errors_go_to_the_registered_redirect_uri(
    hosted: HostedServer, browser: httpx.Client
) -> None:
    app = App(hosted, AllowedOAuthFlows=["code"])
    scope = browser.get(app.authorize_url(scope="openid phone"))
    assert _callback(scope) == {"error": "invalid_scope", "state": "s-123"}
    implicit = browser.get(app.authorize_url(response_type="token"))
    assert implicit.headers["location"] == f"{CALLBACK}#error=unauthorized_client&state=s-123"
    kind = browser.get(app.authorize_url(response_type="id_token"))
    assert _callback(kind)["error"] == "unsupported_response_type"


def test_implicit_flow_returns_tokens_in_the_fragment(
    hosted: HostedServer, browser: httpx.Client
) -> None:
    app = App(hosted)
    url = app.authorize_url(response_type="token", nonce="n-7")
    response = _sign_in(browser, app, url)
    location = response.headers["location"]
    assert location.startswith(f"{CALLBACK}#") and "?" not in location
    answer = _callback(response)
    assert set(answer) == {"id_token", "access_token", "expires_in", "token_type", "state"}
    assert answer["token_type"] == "Bearer" and answer["expires_in"] == "3600"
    assert _claims(app, answer["id_token"])["nonce"] == "n-7"
    assert _claims(app, answer["access_token"])["scope"] == "openid email profile"


def test_session_cookie_skips_the_form_the_second_time(
    hosted: HostedServer, browser: httpx.Client
) -> None:
    app = App(hosted)
    signed_in = _sign_in(browser, app, app.authorize_url())
    cookie = signed_in.headers.get_list("set-cookie")
    assert any(
        c.startswith("cognito=") and "HttpOnly" in c and f"Path=/{app.pool_id}" in c for c in cookie
    )
    again = browser.get(app.authorize_url(state="second"))
    answer = _callback(again)
    assert answer["state"] == "second"
    assert _redeem(app, answer["code"], None).status_code == 200


def test_wrong_password_is_announced_on_the_form(
    hosted: HostedServer, browser: httpx.Client
) -> None:
    app = App(hosted)
    response = _sign_in(browser, app, app.authorize_url(), password="Wrong-passw0rd")
    assert response.status_code == 400
    assert 'role="alert"' in response.text
    assert "Incorrect username or password." in response.text
    assert 'aria-describedby="form-error"' in response.text
    assert '<label for="username">' in response.text and '<label for="password">' in response.text
    assert "http://" not in response.text.split("<form")[0]  # no external assets


def test_form_without_its_csrf_token_is_refused(
    hosted: HostedServer, browser: httpx.Client
) -> None:
    app = App(hosted)
    login = browser.get(app.authorize_url()).headers["location"]
    response = browser.post(f"{hosted.url}{login}", data={"username": "ada", "password": PASSWORD})
    assert response.status_code == 403
    assert "location" not in response.headers


def test_new_password_required_then_signed_in(hosted: HostedServer, browser: httpx.Client) -> None:
    app = App(hosted)
    hosted.admin().admin_create_user(
        UserPoolId=app.pool_id,
        Username="grace",
        TemporaryPassword="Temp-Passw0rd",
        MessageAction="SUPPRESS",
    )
    login = browser.get(app.authorize_url()).headers["location"]
    page = browser.get(f"{hosted.url}{login}")
    csrf = re.search(r'name="_csrf" value="([^"]+)"', page.text).group(1)  # type: ignore[union-attr]
    challenge = browser.post(
        f"{hosted.url}{login}",
        data={"_csrf": csrf, "username": "grace", "password": "Temp-Passw0rd"},
    )
    assert challenge.status_code == 200 and "Change your password" in challenge.text
    session = re.search(r'name="session" value="([^"]+)"', challenge.text).group(1)  # type: ignore[union-attr]
    weak = browser.post(
        f"{hosted.url}{login}",
        data={
            "_csrf": csrf,
            "session": session,
            "new_password": "short",
            "confirm_password": "short",
        },
    )
    assert weak.status_code == 400 and "Password did not conform with policy" in weak.text
    done = browser.post(
        f"{hosted.url}{login}",
        data={
            "_csrf": csrf,
            "session": session,
            "new_password": "New-Passw0rd",
            "confirm_password": "New-Passw0rd",
        },
    )
    code = _callback(done)["code"]
    user = hosted.admin().admin_get_user(UserPoolId=app.pool_id, Username="grace")
    assert user["UserStatus"] == "CONFIRMED"
    assert _redeem(app, code, None).status_code == 200


def test_refresh_token_grant_keeps_the_scopes(hosted: HostedServer, browser: httpx.Client) -> None:
    app = App(hosted)
    code = _callback(_sign_in(browser, app, app.authorize_url()))["code"]
    refresh = _redeem(app, code, None).json()["refresh_token"]
    response = httpx.post(
        f"{app.base}/oauth2/token",
        data={"grant_type": "refresh_token", "client_id": app.client_id, "refresh_token": refresh},
        timeout=10,
    )
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"access_token", "id_token", "token_type", "expires_in"}
    assert _claims(app, body["access_token"])["scope"] == "openid email profile"
    bad = httpx.post(
        f"{app.base}/oauth2/token",
        data={"grant_type": "refresh_token", "client_id": app.client_id, "refresh_token": "x"},
        timeout=10,
    )
    assert (bad.status_code, bad.json()) == (400, {"error": "invalid_grant"})


def test_client_with_a_secret_authenticates_with_basic_or_post(
    hosted: HostedServer, browser: httpx.Client
) -> None:
    app = App(hosted, secret=True)
    assert app.secret is not None
    code = _callback(_sign_in(browser, app, app.authorize_url()))["code"]
    unauthenticated = _redeem(app, code, None)
    assert (unauthenticated.status_code, unauthenticated.json()) == (
        400,
        {"error": "invalid_client"},
    )
    code = _callback(browser.get(app.authorize_url()))["code"]
    basic = httpx.post(
        f"{app.base}/oauth2/token",
        data={"grant_type": "authorization_code", "code": code, "redirect_uri": CALLBACK},
        auth=(app.client_id, app.secret),
        timeout=10,
    )
    assert basic.status_code == 200, basic.text
    code = _callback(browser.get(app.authorize_url()))["code"]
    posted = _redeem(app, code, None, client_secret=app.secret)
    assert posted.status_code == 200
    code = _callback(browser.get(app.authorize_url()))["code"]
    wrong = _redeem(app, code, None, client_secret="not-the-secret")
    assert wrong.json() == {"error": "invalid_client"}


def test_token_endpoint_errors(hosted: HostedServer) -> None:
    app = App(hosted)
    url = f"{app.base}/oauth2/token"
    grant = httpx.post(url, data={"grant_type": "password", "client_id": app.client_id})
    assert (grant.status_code, grant.json()) == (400, {"error": "unsupported_grant_type"})
    json_body = httpx.post(url, json={"grant_type": "refresh_token"})
    assert json_body.json() == {"error": "invalid_request"}
    assert httpx.get(url).status_code == 405


def test_user_info_answers_the_tokens_claims(hosted: HostedServer, browser: httpx.Client) -> None:
    app = App(hosted)
    code = _callback(_sign_in(browser, app, app.authorize_url()))["code"]
    access = _redeem(app, code, None).json()["access_token"]
    info = httpx.get(f"{app.base}/oauth2/userInfo", headers={"Authorization": f"Bearer {access}"})
    assert info.status_code == 200
    body = info.json()
    assert body["username"] == "ada" and body["email"] == "ada@example.com"
    assert body["name"] == "Ada Lovelace" and body["email_verified"] == "true"
    posted = httpx.post(
        f"{app.base}/oauth2/userInfo", headers={"Authorization": f"Bearer {access}"}
    )
    assert posted.json() == body


def test_user_info_with_email_scope_only_gives_email(
    hosted: HostedServer, browser: httpx.Client
) -> None:
    app = App(hosted)
    url = app.authorize_url(scope="openid email")
    code = _callback(_sign_in(browser, app, url))["code"]
    access = _redeem(app, code, None).json()["access_token"]
    info = httpx.get(f"{app.base}/oauth2/userInfo", headers={"Authorization": f"Bearer {access}"})
    assert set(info.json()) == {"sub", "email", "email_verified", "username"}


def test_user_info_refuses_api_tokens_and_garbage(hosted: HostedServer) -> None:
    app = App(hosted, ExplicitAuthFlows=["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"])
    api = hosted.public().initiate_auth(
        ClientId=app.client_id,
        AuthFlow="USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": "ada", "PASSWORD": PASSWORD},
    )["AuthenticationResult"]["AccessToken"]
    for token in (api, "garbage"):
        refused = httpx.get(
            f"{app.base}/oauth2/userInfo", headers={"Authorization": f"Bearer {token}"}
        )
        assert refused.status_code == 401
        assert refused.json()["error"] == "invalid_token"
        assert refused.headers["www-authenticate"].startswith('Bearer error="invalid_token"')


def test_logout_clears_the_session_and_redirects(
    hosted: HostedServer, browser: httpx.Client
) -> None:
    app = App(hosted)
    _callback(_sign_in(browser, app, app.authorize_url()))
    query = urlencode({"client_id": app.client_id, "logout_uri": SIGNED_OUT})
    out = browser.get(f"{app.base}/logout?{query}")
    assert (out.status_code, out.headers["location"]) == (302, SIGNED_OUT)
    assert any(
        c.startswith("cognito=;") and "Max-Age=0" in c for c in out.headers.get_list("set-cookie")
    )
    # Signed out: authorize asks for the password again.
    again = browser.get(app.authorize_url())
    assert again.headers["location"].startswith(f"/{app.pool_id}/login?")
    bad = urlencode({"client_id": app.client_id, "logout_uri": "https://evil.example/"})
    refused = browser.get(f"{app.base}/logout?{bad}")
    assert refused.status_code == 400 and "location" not in refused.headers


def test_global_sign_out_ends_the_hosted_session(
    hosted: HostedServer, browser: httpx.Client, clock: Clock
) -> None:
    app = App(hosted)
    _callback(_sign_in(browser, app, app.authorize_url()))
    clock.now += 1
    hosted.admin().admin_user_global_sign_out(UserPoolId=app.pool_id, Username="ada")
    again = browser.get(app.authorize_url())
    assert again.headers["location"].startswith(f"/{app.pool_id}/login?")


def test_user_pool_domain_host_serves_the_same_endpoints(
    hosted: HostedServer, browser: httpx.Client
) -> None:
    app = App(hosted)
    pool = hosted.provider.pool(app.pool_id)
    pool.domain = "myapp"
    hosted.provider.store.put("", pool.id, pool)
    port = urlsplit(hosted.url).port
    host = {"Host": f"myapp.auth.localhost:{port}"}
    query = urlsplit(app.authorize_url()).query
    first = browser.get(f"{hosted.url}/oauth2/authorize?{query}", headers=host)
    assert first.status_code == 302 and first.headers["location"].startswith("/login?")
    page = browser.get(f"{hosted.url}{first.headers['location']}", headers=host)
    assert page.status_code == 200 and "Sign in" in page.text
    other = browser.get(f"{hosted.url}/nothing-here", headers=host)
    assert other.status_code == 404


def test_discovery_names_the_endpoints(hosted: HostedServer) -> None:
    app = App(hosted)
    document = hosted.provider.discovery(app.pool_id)
    assert document is not None
    assert document["authorization_endpoint"] == f"{hosted.url}/{app.pool_id}/oauth2/authorize"
    assert document["token_endpoint"] == f"{app.base}/oauth2/token"
    assert document["userinfo_endpoint"] == f"{app.base}/oauth2/userInfo"
    # Cognito's fields, no more (no end_session_endpoint: /logout is not OIDC's).
    assert set(document) == {
        "authorization_endpoint",
        "id_token_signing_alg_values_supported",
        "issuer",
        "jwks_uri",
        "response_types_supported",
        "revocation_endpoint",
        "scopes_supported",
        "subject_types_supported",
        "token_endpoint",
        "token_endpoint_auth_methods_supported",
        "userinfo_endpoint",
    }
    assert httpx.get(f"{hosted.url}/{app.pool_id}/oauth2/authorize").status_code == 400


def test_prompt_login_asks_again_and_prompt_none_never_shows_the_form(
    hosted: HostedServer, browser: httpx.Client
) -> None:
    app = App(hosted)
    silent = browser.get(app.authorize_url(prompt="none"))
    assert _callback(silent) == {"error": "login_required", "state": "s-123"}
    _callback(_sign_in(browser, app, app.authorize_url()))
    assert "code" in _callback(browser.get(app.authorize_url(prompt="none")))
    again = browser.get(app.authorize_url(prompt="login"))
    login = again.headers["location"]
    assert login.startswith(f"/{app.pool_id}/login?")
    form = browser.get(f"{hosted.url}{login}")
    assert form.status_code == 200 and 'name="password"' in form.text


def test_authorize_takes_get_only(hosted: HostedServer) -> None:
    app = App(hosted)
    assert httpx.post(app.authorize_url()).status_code == 405


def test_token_and_user_info_answer_browser_apps_cross_origin(
    hosted: HostedServer, browser: httpx.Client
) -> None:
    app = App(hosted)
    origin = {"Origin": "http://localhost:8000"}
    preflight = httpx.options(
        f"{app.base}/oauth2/userInfo",
        headers={
            **origin,
            "Access-Control-Request-Method": "GET",
            "Access-Control-Request-Headers": "authorization",
        },
    )
    assert preflight.status_code == 204
    assert preflight.headers["access-control-allow-origin"] == "http://localhost:8000"
    assert "authorization" in preflight.headers["access-control-allow-headers"]
    code = _callback(_sign_in(browser, app, app.authorize_url()))["code"]
    form = {
        "grant_type": "authorization_code",
        "client_id": app.client_id,
        "code": code,
        "redirect_uri": CALLBACK,
    }
    redeemed = httpx.post(f"{app.base}/oauth2/token", data=form, headers=origin)
    assert redeemed.headers["access-control-allow-origin"] == "http://localhost:8000"
    refused = httpx.post(f"{app.base}/oauth2/token", data=form, headers=origin)
    assert refused.status_code == 400
    assert refused.headers["access-control-allow-origin"] == "http://localhost:8000"


def test_pre_token_generation_trigger_shapes_tokens_and_its_failure_is_an_oauth_error(
    tmp_path: Path, clock: Clock
) -> None:
    arn = "arn:aws:lambda:us-east-1:123456789012:function:pre-token"
    failing = {"now": False}
    sources: list[str] = []

    async def trigger(function: str, event: dict[str, Any]) -> dict[str, Any]:
        sources.append(event["triggerSource"])
        if failing["now"]:
            raise RuntimeError("boom")
        event["response"] = {"claimsOverrideDetails": {"claimsToAddOrOverride": {"tier": "gold"}}}
        return event

    served = HostedServer(tmp_path, clock, triggers=trigger)
    try:
        app = App(served)
        pool = served.provider.pool(app.pool_id)
        pool.lambda_config = {"PreTokenGeneration": arn}
        served.provider.store.put("", pool.id, pool)
        with httpx.Client(follow_redirects=False, timeout=10) as browser:
            code = _callback(_sign_in(browser, app, app.authorize_url()))["code"]
            body = _redeem(app, code, None).json()
            assert _claims(app, body["id_token"])["tier"] == "gold"
            refreshed = httpx.post(
                f"{app.base}/oauth2/token",
                data={
                    "grant_type": "refresh_token",
                    "client_id": app.client_id,
                    "refresh_token": body["refresh_token"],
                },
            )
            assert _claims(app, refreshed.json()["id_token"])["tier"] == "gold"
            assert sources == ["TokenGeneration_HostedAuth", "TokenGeneration_RefreshTokens"]
            failing["now"] = True
            code = _callback(browser.get(app.authorize_url()))["code"]
            refused = _redeem(app, code, None)
            assert (refused.status_code, refused.json()) == (400, {"error": "invalid_request"})
            implicit = _callback(browser.get(app.authorize_url(response_type="token")))
            assert implicit == {"error": "server_error", "state": "s-123"}
    finally:
        served.close()


def _revoke(app: App, token: str, **extra: str) -> httpx.Response:
    form = {"token": token, "client_id": app.client_id, **extra}
    return httpx.post(f"{app.base}/oauth2/revoke", data=form, timeout=10)


def test_revoking_a_refresh_token_revokes_the_tokens_issued_from_it(
    hosted: HostedServer, browser: httpx.Client
) -> None:
    app = App(hosted)
    code = _callback(_sign_in(browser, app, app.authorize_url()))["code"]
    first = _redeem(app, code, None).json()
    refreshed = httpx.post(
        f"{app.base}/oauth2/token",
        data={
            "grant_type": "refresh_token",
            "client_id": app.client_id,
            "refresh_token": first["refresh_token"],
        },
    ).json()
    access = refreshed["access_token"]
    assert hosted.public().get_user(AccessToken=access)["Username"] == "ada"
    unsupported = _revoke(app, access)
    assert (unsupported.status_code, unsupported.json()) == (
        400,
        {"error": "unsupported_token_type"},
    )
    revoked = _revoke(app, first["refresh_token"])
    assert (revoked.status_code, revoked.content) == (200, b"")
    for token in (first["access_token"], access):
        info = httpx.get(
            f"{app.base}/oauth2/userInfo", headers={"Authorization": f"Bearer {token}"}
        )
        assert info.status_code == 401
        with pytest.raises(hosted.public().exceptions.NotAuthorizedException) as refused:
            hosted.public().get_user(AccessToken=token)
        assert refused.value.response["Error"]["Message"] == "Access Token has been revoked"
    again = httpx.post(
        f"{app.base}/oauth2/token",
        data={
            "grant_type": "refresh_token",
            "client_id": app.client_id,
            "refresh_token": first["refresh_token"],
        },
    )
    assert again.json() == {"error": "invalid_grant"}
    assert _revoke(app, "no-such-token").status_code == 200


def test_revoke_needs_the_clients_secret(hosted: HostedServer, browser: httpx.Client) -> None:
    app = App(hosted, secret=True)
    assert app.secret is not None
    code = _callback(_sign_in(browser, app, app.authorize_url()))["code"]
    refresh = _redeem(app, code, None, client_secret=app.secret).json()["refresh_token"]
    for token in (refresh, ""):
        refused_client = _revoke(app, token)
        assert (refused_client.status_code, refused_client.json()) == (
            401,
            {"error": "invalid_client"},
        )
    assert _revoke(app, refresh, client_secret=app.secret).status_code == 200
    refused = _redeem(app, "x", None, client_secret=app.secret)
    assert refused.json() == {"error": "invalid_grant"}


def test_revoke_is_refused_when_the_client_has_token_revocation_off(
    hosted: HostedServer, browser: httpx.Client
) -> None:
    # "HTTP 400 and error invalid_request ... if the feature is disabled for the app client"
    # https://docs.aws.amazon.com/cognito/latest/developerguide/revocation-endpoint.html
    app = App(hosted, EnableTokenRevocation=False)
    code = _callback(_sign_in(browser, app, app.authorize_url()))["code"]
    refresh = _redeem(app, code, None).json()["refresh_token"]
    refused = _revoke(app, refresh)
    assert (refused.status_code, refused.json()) == (400, {"error": "invalid_request"})
    still = httpx.post(
        f"{app.base}/oauth2/token",
        data={"grant_type": "refresh_token", "client_id": app.client_id, "refresh_token": refresh},
    )
    assert still.status_code == 200
