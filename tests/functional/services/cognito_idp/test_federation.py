"""User pool federation with an external OpenID Connect provider: a local provider
(tests/oidc_provider.py) on loopback, the pool's hosted endpoints through real HTTP, and the
identity provider operations through boto3.

https://docs.aws.amazon.com/cognito/latest/developerguide/cognito-user-pools-oidc-idp.html
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import jwt
import pytest
from botocore.exceptions import ClientError

from tests.clock import ManualClock as Clock
from tests.jwt_issuer import SigningKey
from tests.oidc_provider import OidcProvider

from .conftest import HostedServer
from .test_hosted import CALLBACK, App

PERSON = {"sub": "idp-user-42", "email": "grace@example.com", "email_verified": True}


@pytest.fixture
def oidc() -> Iterator[OidcProvider]:
    provider = OidcProvider("idp-client", "idp-secret", {**PERSON, "name": "Grace Hopper"})
    yield provider
    provider.close()


def _details(oidc: OidcProvider, **given: str) -> dict[str, str]:
    return {
        "client_id": oidc.client_id,
        "client_secret": oidc.client_secret,
        "authorize_scopes": "openid email profile",
        "oidc_issuer": oidc.issuer,
        "attributes_request_method": "GET",
        **given,
    }


def _federated_app(hosted: HostedServer, oidc: OidcProvider, **details: str) -> App:
    app = App(hosted, SupportedIdentityProviders=["COGNITO", "MyIdP"])
    hosted.admin().create_identity_provider(
        UserPoolId=app.pool_id,
        ProviderName="MyIdP",
        ProviderType="OIDC",
        ProviderDetails=_details(oidc, **details),
        AttributeMapping={"email": "email", "email_verified": "email_verified", "name": "name"},
    )
    return app


def _follow(browser: httpx.Client, url: str) -> httpx.Response:
    """Follow redirects by hand until one leaves for the app's callback (or an error)."""
    answer = browser.get(url)
    for _ in range(6):
        location = answer.headers.get("location", "")
        if answer.status_code != 302 or location.startswith(CALLBACK):
            return answer
        answer = browser.get(httpx.URL(str(answer.url)).join(location))
    raise AssertionError("too many redirects")


def test_sign_in_through_the_oidc_provider(
    hosted: HostedServer, oidc: OidcProvider, browser: httpx.Client
) -> None:
    app = _federated_app(hosted, oidc)
    first = browser.get(app.authorize_url(identity_provider="MyIdP", nonce="n-app"))
    assert first.status_code == 302
    at_idp = urlsplit(first.headers["location"])
    assert f"{at_idp.scheme}://{at_idp.netloc}" == oidc.issuer
    sent = {k: v[0] for k, v in parse_qs(at_idp.query).items()}
    assert sent["client_id"] == "idp-client"
    assert sent["scope"] == "openid email profile"
    assert sent["redirect_uri"] == f"{app.base}/oauth2/idpresponse"
    assert sent["state"] and sent["nonce"]

    answer = _follow(browser, first.headers["location"])
    assert answer.status_code == 302, answer.text
    back = {k: v[0] for k, v in parse_qs(urlsplit(answer.headers["location"]).query).items()}
    assert back["state"] == "s-123"
    assert oidc.token_requests[0]["client_secret"] == "idp-secret"
    assert oidc.userinfo_methods == ["GET"]

    tokens = _tokens(app, answer)
    claims = jwt.decode(tokens["id_token"], options={"verify_signature": False})
    assert claims["cognito:username"] == "MyIdP_idp-user-42"
    assert claims["email"] == "grace@example.com"
    assert claims["email_verified"] is True
    assert claims["name"] == "Grace Hopper"
    assert claims["nonce"] == "n-app"
    assert claims["cognito:groups"] == [f"{app.pool_id}_MyIdP"]
    [identity] = claims["identities"]
    assert identity["userId"] == "idp-user-42"
    assert identity["providerName"] == "MyIdP"
    assert identity["providerType"] == "OIDC"
    assert identity["primary"] == "true"
    assert identity["issuer"] is None
    access = jwt.decode(tokens["access_token"], options={"verify_signature": False})
    assert access["username"] == "MyIdP_idp-user-42"
    assert access["cognito:groups"] == [f"{app.pool_id}_MyIdP"]

    user = hosted.admin().admin_get_user(UserPoolId=app.pool_id, Username="MyIdP_idp-user-42")
    assert user["UserStatus"] == "EXTERNAL_PROVIDER"
    attributes = {a["Name"]: a["Value"] for a in user["UserAttributes"]}
    assert attributes["email"] == "grace@example.com"
    assert json.loads(attributes["identities"])[0]["userId"] == "idp-user-42"


def test_a_second_sign_in_links_to_the_same_user(
    hosted: HostedServer, oidc: OidcProvider, browser: httpx.Client
) -> None:
    app = _federated_app(hosted, oidc, attributes_request_method="POST")
    first = _follow(browser, app.authorize_url(identity_provider="MyIdP", prompt="login"))
    assert first.status_code == 302
    oidc.claims["email"] = "grace@navy.example"
    second = _follow(browser, app.authorize_url(identity_provider="MyIdP", prompt="login"))
    assert second.status_code == 302
    assert oidc.userinfo_methods == ["POST", "POST"]
    users = hosted.admin().list_users(UserPoolId=app.pool_id)["Users"]
    federated = [u for u in users if u["Username"].startswith("MyIdP_")]
    assert len(federated) == 1
    attributes = {a["Name"]: a["Value"] for a in federated[0]["Attributes"]}
    assert attributes["email"] == "grace@navy.example"


@pytest.mark.parametrize(
    ("override", "why"),
    [
        ({"aud": "someone-else"}, "aud"),
        ({"iss": "http://127.0.0.1:1"}, "iss"),
        ({"nonce": "replayed"}, "nonce"),
        ({"exp": 1000}, "exp"),
    ],
)
def test_an_id_token_that_fails_its_checks_is_refused(
    hosted: HostedServer,
    oidc: OidcProvider,
    browser: httpx.Client,
    override: dict[str, Any],
    why: str,
) -> None:
    app = _federated_app(hosted, oidc)
    oidc.id_token_overrides = override
    answer = _follow(browser, app.authorize_url(identity_provider="MyIdP"))
    assert answer.status_code == 400, why
    assert "ID token is invalid" in answer.text
    assert not [
        u
        for u in hosted.admin().list_users(UserPoolId=app.pool_id)["Users"]
        if u["Username"].startswith("MyIdP_")
    ]


def test_a_token_signed_by_another_key_is_refused(
    hosted: HostedServer, oidc: OidcProvider, browser: httpx.Client
) -> None:
    app = _federated_app(hosted, oidc)
    oidc.sign_with = SigningKey(oidc.key.kid)  # same kid, a key the JWKS does not publish
    answer = _follow(browser, app.authorize_url(identity_provider="MyIdP"))
    assert answer.status_code == 400
    assert "ID token is invalid" in answer.text


def test_replayed_or_unknown_state_is_refused(hosted: HostedServer, oidc: OidcProvider) -> None:
    app = _federated_app(hosted, oidc)
    answer = httpx.get(f"{app.base}/oauth2/idpresponse?code=x&state=forged", timeout=10)
    assert answer.status_code == 400
    assert "Invalid state" in answer.text


def test_a_provider_the_client_does_not_support_is_refused(
    hosted: HostedServer, oidc: OidcProvider
) -> None:
    app = _federated_app(hosted, oidc)
    other = App(hosted, SupportedIdentityProviders=["COGNITO"])
    hosted.admin().create_identity_provider(
        UserPoolId=other.pool_id,
        ProviderName="MyIdP",
        ProviderType="OIDC",
        ProviderDetails=_details(oidc),
    )
    refused = httpx.get(other.authorize_url(identity_provider="MyIdP"), timeout=10)
    assert refused.status_code == 400
    assert "Login option is not available" in refused.text
    unknown = httpx.get(app.authorize_url(identity_provider="Nobody"), timeout=10)
    assert unknown.status_code == 400


def test_identity_provider_operations(hosted: HostedServer, oidc: OidcProvider) -> None:
    admin = hosted.admin()
    app = _federated_app(hosted, oidc)
    described = admin.describe_identity_provider(UserPoolId=app.pool_id, ProviderName="MyIdP")
    provider = described["IdentityProvider"]
    assert provider["ProviderType"] == "OIDC"
    assert provider["ProviderDetails"]["oidc_issuer"] == oidc.issuer
    assert provider["AttributeMapping"]["username"] == "sub"
    assert provider["AttributeMapping"]["email"] == "email"
    listed = admin.list_identity_providers(UserPoolId=app.pool_id, MaxResults=10)["Providers"]
    assert [p["ProviderName"] for p in listed] == ["MyIdP"]
    updated = admin.update_identity_provider(
        UserPoolId=app.pool_id,
        ProviderName="MyIdP",
        ProviderDetails={"authorize_scopes": "openid email"},
    )["IdentityProvider"]
    assert updated["ProviderDetails"]["authorize_scopes"] == "openid email"
    assert updated["ProviderDetails"]["client_id"] == "idp-client"

    with pytest.raises(ClientError) as duplicate:
        admin.create_identity_provider(
            UserPoolId=app.pool_id,
            ProviderName="MyIdP",
            ProviderType="OIDC",
            ProviderDetails=_details(oidc),
        )
    assert duplicate.value.response["Error"]["Code"] == "DuplicateProviderException"
    with pytest.raises(ClientError) as missing:
        admin.create_identity_provider(
            UserPoolId=app.pool_id,
            ProviderName="Other",
            ProviderType="OIDC",
            ProviderDetails={"client_id": "x"},
        )
    assert missing.value.response["Error"]["Code"] == "InvalidParameterException"

    admin.delete_identity_provider(UserPoolId=app.pool_id, ProviderName="MyIdP")
    with pytest.raises(ClientError) as gone:
        admin.describe_identity_provider(UserPoolId=app.pool_id, ProviderName="MyIdP")
    assert gone.value.response["Error"]["Code"] == "ResourceNotFoundException"
    with pytest.raises(ClientError) as no_pool:
        admin.list_identity_providers(UserPoolId="us-east-1_NoSuchOne", MaxResults=10)
    assert no_pool.value.response["Error"]["Code"] == "ResourceNotFoundException"


def test_the_sign_in_page_offers_the_provider(
    hosted: HostedServer, oidc: OidcProvider, browser: httpx.Client
) -> None:
    app = _federated_app(hosted, oidc)
    login = browser.get(app.authorize_url()).headers["location"]
    page = browser.get(f"{hosted.url}{login}")
    assert page.status_code == 200
    button = re.search(r'<a class="button" href="([^"]+)">MyIdP</a>', page.text)
    assert button is not None
    href = html.unescape(button.group(1))
    assert "identity_provider=MyIdP" in href
    answer = _follow(browser, f"{hosted.url}{href}")
    assert answer.status_code == 302
    assert "code=" in answer.headers["location"]
    plain = App(hosted)
    login = browser.get(plain.authorize_url()).headers["location"]
    assert 'class="button"' not in browser.get(f"{hosted.url}{login}").text


def test_a_sign_in_left_at_the_provider_too_long_expires(
    hosted: HostedServer, oidc: OidcProvider, browser: httpx.Client, clock: Clock
) -> None:
    app = _federated_app(hosted, oidc)
    at_idp = browser.get(app.authorize_url(identity_provider="MyIdP")).headers["location"]
    back = browser.get(at_idp).headers["location"]
    clock.advance(601)
    late = browser.get(back)
    assert late.status_code == 400
    assert "Invalid state" in late.text


def _tokens(app: App, answer: httpx.Response) -> dict[str, Any]:
    """The token endpoint's answer for the code in `answer`'s redirect to the callback."""
    back = {k: v[0] for k, v in parse_qs(urlsplit(answer.headers["location"]).query).items()}
    redeemed = httpx.post(
        f"{app.base}/oauth2/token",
        data={
            "grant_type": "authorization_code",
            "client_id": app.client_id,
            "code": back["code"],
            "redirect_uri": CALLBACK,
        },
        timeout=10,
    )
    assert redeemed.status_code == 200, redeemed.text
    tokens: dict[str, Any] = redeemed.json()
    return tokens


def _redeem(app: App, answer: httpx.Response) -> dict[str, Any]:
    claims: dict[str, Any] = jwt.decode(
        _tokens(app, answer)["id_token"], options={"verify_signature": False}
    )
    return claims


def test_a_linked_identity_signs_in_as_the_existing_user(
    hosted: HostedServer, oidc: OidcProvider, browser: httpx.Client
) -> None:
    """AdminLinkProviderForUser, then the provider's user signs in as the native user.
    https://docs.aws.amazon.com/cognito-user-identity-pools/latest/APIReference/API_AdminLinkProviderForUser.html
    """
    app = _federated_app(hosted, oidc)
    admin = hosted.admin()
    admin.admin_create_user(UserPoolId=app.pool_id, Username="grace", MessageAction="SUPPRESS")
    admin.admin_link_provider_for_user(
        UserPoolId=app.pool_id,
        DestinationUser={"ProviderName": "Cognito", "ProviderAttributeValue": "grace"},
        SourceUser={
            "ProviderName": "MyIdP",
            "ProviderAttributeName": "Cognito_Subject",
            "ProviderAttributeValue": "idp-user-42",
        },
    )
    answer = _follow(browser, app.authorize_url(identity_provider="MyIdP", prompt="login"))
    assert answer.status_code == 302, answer.text
    claims = _redeem(app, answer)
    assert claims["cognito:username"] == "grace"
    [identity] = claims["identities"]
    assert (identity["providerName"], identity["userId"], identity["primary"]) == (
        "MyIdP",
        "idp-user-42",
        "false",
    )
    users = [u["Username"] for u in admin.list_users(UserPoolId=app.pool_id)["Users"]]
    assert "grace" in users and "MyIdP_idp-user-42" not in users  # no user of its own
    attributes = {
        a["Name"]: a["Value"]
        for a in admin.admin_get_user(UserPoolId=app.pool_id, Username="grace")["UserAttributes"]
    }
    assert attributes["email"] == "grace@example.com"  # mapped at sign-in

    # Disabling the identity removes the link; signing in again makes a user of its own.
    admin.admin_disable_provider_for_user(
        UserPoolId=app.pool_id,
        User={
            "ProviderName": "MyIdP",
            "ProviderAttributeName": "Cognito_Subject",
            "ProviderAttributeValue": "idp-user-42",
        },
    )
    again = _follow(browser, app.authorize_url(identity_provider="MyIdP", prompt="login"))
    assert _redeem(app, again)["cognito:username"] == "MyIdP_idp-user-42"


def test_linking_errors(hosted: HostedServer, oidc: OidcProvider, browser: httpx.Client) -> None:
    app = _federated_app(hosted, oidc)
    admin = hosted.admin()
    source = {
        "ProviderName": "MyIdP",
        "ProviderAttributeName": "Cognito_Subject",
        "ProviderAttributeValue": "idp-user-42",
    }
    with pytest.raises(admin.exceptions.UserNotFoundException):
        admin.admin_link_provider_for_user(
            UserPoolId=app.pool_id,
            DestinationUser={"ProviderName": "Cognito", "ProviderAttributeValue": "nobody"},
            SourceUser=source,
        )
    admin.admin_create_user(UserPoolId=app.pool_id, Username="grace", MessageAction="SUPPRESS")
    with pytest.raises(admin.exceptions.InvalidParameterException):
        admin.admin_link_provider_for_user(
            UserPoolId=app.pool_id,
            DestinationUser={"ProviderName": "Cognito", "ProviderAttributeValue": "grace"},
            SourceUser={**source, "ProviderName": "NoSuchIdP"},
        )
    # An identity that already signed in (its own user exists) cannot be linked.
    assert _follow(browser, app.authorize_url(identity_provider="MyIdP")).status_code == 302
    with pytest.raises(admin.exceptions.InvalidParameterException) as raised:
        admin.admin_link_provider_for_user(
            UserPoolId=app.pool_id,
            DestinationUser={"ProviderName": "Cognito", "ProviderAttributeValue": "grace"},
            SourceUser=source,
        )
    assert "Merging is not currently supported" in str(raised.value)
