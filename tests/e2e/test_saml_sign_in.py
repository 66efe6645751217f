"""SAML 2.0 federated sign-in through `lamina up`: the hosted fixture's pool with a SAML
identity provider declared in the template (AWS::Cognito::UserPoolIdentityProvider,
ProviderType SAML, MetadataFile), a local SAML IdP (tests/saml_idp.py) on loopback. httpx
plays the browser: authorize -> the IdP's SSO URL (AuthnRequest) -> its auto-posting form ->
/saml2/idpresponse -> the app's callback; the code is redeemed and the ID token verified
with the pool's JWKS. Then the same sign-in in Chromium, starting from the hosted page's
provider button.

https://docs.aws.amazon.com/cognito/latest/developerguide/cognito-user-pools-saml-idp.html
https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-cognito-userpoolidentityprovider.html
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import httpx
import pytest

from lamina.config.load import load_application
from tests.clients import aws_client, redeem_code
from tests.conftest import FIXTURES, LaminaProcess
from tests.saml_idp import EMAIL, NAME, SamlIdp

CALLBACK = "http://127.0.0.1:9/callback"
"""Never fetched: the test stops at the redirect that carries the code."""

TEMPLATE_IDP = """
  CorpIdP:
    Type: AWS::Cognito::UserPoolIdentityProvider
    Properties:
      UserPoolId: !Ref UserPool
      ProviderName: Corp
      ProviderType: SAML
      ProviderDetails:
        IDPSignout: "false"
        MetadataFile: |
          {metadata}
      AttributeMapping:
        email: {email}
        name: {name}
      IdpIdentifiers: [corp.example]
"""


class Deployed:
    def __init__(self, folder: Path, idp: SamlIdp) -> None:
        template = (FIXTURES / "apps" / "hosted" / "template.yaml").read_text()
        template = template.replace(
            "SupportedIdentityProviders: [COGNITO]",
            "SupportedIdentityProviders: [COGNITO, !Ref CorpIdP]",
        )
        declared = TEMPLATE_IDP.format(metadata=idp.metadata(), email=EMAIL, name=NAME)
        (folder / "template.yaml").write_text(template + declared)
        app = load_application(folder, parameter_overrides={"CallbackUrl": CALLBACK})
        ids = {r.type: r.physical_id for r in app.service_resources}
        assert ids["AWS::Cognito::UserPoolIdentityProvider"] == "Corp"
        self.pool_id = ids["AWS::Cognito::UserPool"]
        self.client_id = ids["AWS::Cognito::UserPoolClient"]
        self.lamina = LaminaProcess(folder, "--parameter-overrides", f"CallbackUrl={CALLBACK}")
        self.admin: Any = aws_client(self.lamina.base, "cognito-idp")
        self.issuer = f"{self.lamina.base}/{self.pool_id}"

    def authorize_url(self, **given: str) -> str:
        query = {
            "response_type": "code",
            "client_id": self.client_id,
            "redirect_uri": CALLBACK,
            "scope": "openid email profile",
            "state": "st-9",
            **given,
        }
        return f"{self.issuer}/oauth2/authorize?{urlencode(query)}"


@pytest.fixture(scope="module")
def idp() -> Iterator[SamlIdp]:
    provider = SamlIdp("lin@corp.example", {EMAIL: ["lin@corp.example"], NAME: ["Lin Yutang"]})
    yield provider
    provider.close()


@pytest.fixture(scope="module")
def deployed(tmp_path_factory: pytest.TempPathFactory, idp: SamlIdp) -> Iterator[Deployed]:
    found = Deployed(tmp_path_factory.mktemp("saml"), idp)
    yield found
    found.lamina.stop()


def _auto_post(page: str) -> tuple[str, dict[str, str]]:
    action = html.unescape(re.search(r'action="([^"]+)"', page).group(1))  # type: ignore[union-attr]
    fields = {
        html.unescape(n): html.unescape(v)
        for n, v in re.findall(r'name="([^"]+)" value="([^"]*)"', page)
    }
    return action, fields


def test_template_saml_provider_is_described(deployed: Deployed, idp: SamlIdp) -> None:
    described = deployed.admin.describe_identity_provider(
        UserPoolId=deployed.pool_id, ProviderName="Corp"
    )["IdentityProvider"]
    assert described["ProviderType"] == "SAML"
    details = described["ProviderDetails"]
    assert details["SSORedirectBindingURI"] == f"{idp.base}/sso"
    assert details["IDPInit"] == "false"
    assert described["AttributeMapping"] == {"email": EMAIL, "name": NAME}


def test_sign_in_with_the_template_saml_provider(deployed: Deployed, idp: SamlIdp) -> None:
    with httpx.Client(follow_redirects=False, timeout=10) as browser:
        first = browser.get(deployed.authorize_url(idp_identifier="corp.example"))
        assert first.status_code == 302, first.text
        assert first.headers["location"].startswith(f"{idp.base}/sso?SAMLRequest=")
        at_idp = browser.get(first.headers["location"])
        assert idp.requests[-1]["Issuer"] == f"urn:amazon:cognito:sp:{deployed.pool_id}"
        action, fields = _auto_post(at_idp.text)
        assert action == f"{deployed.issuer}/saml2/idpresponse"
        answer = browser.post(action, data=fields)
        assert answer.status_code == 302, answer.text
        location = answer.headers["location"]
        assert location.startswith(CALLBACK)
        # The same assertion a second time is refused (no replayed assertions).
        assert browser.post(action, data=fields).status_code == 400
    back = {k: v[0] for k, v in parse_qs(urlsplit(location).query).items()}
    assert back["state"] == "st-9"
    claims = redeem_code(deployed.issuer, deployed.client_id, back["code"], CALLBACK)
    assert claims["cognito:username"] == "Corp_lin@corp.example"
    assert claims["email"] == "lin@corp.example"
    assert claims["name"] == "Lin Yutang"
    assert claims["identities"][0]["providerType"] == "SAML"
    user = deployed.admin.admin_get_user(
        UserPoolId=deployed.pool_id, Username="Corp_lin@corp.example"
    )
    assert user["UserStatus"] == "EXTERNAL_PROVIDER"


@pytest.mark.slow
def test_sign_in_from_the_hosted_page_in_a_browser(deployed: Deployed, idp: SamlIdp) -> None:
    """Chromium: the hosted sign-in page's Corp button -> the IdP (its page posts the
    response by script, as IdPs do) -> /saml2/idpresponse -> the app's callback."""
    from playwright.sync_api import Route, expect, sync_playwright

    reached: list[str] = []

    def callback(route: Route) -> None:
        reached.append(route.request.url)
        route.fulfill(status=200, content_type="text/html", body="<h1>Signed in</h1>")

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path="/usr/bin/chromium", headless=True, args=["--no-sandbox"]
        )
        try:
            page = browser.new_page()
            page.route(f"{CALLBACK}*", callback)
            login = deployed.authorize_url(state="st-b").replace("/oauth2/authorize?", "/login?")
            page.goto(login)
            page.get_by_role("link", name="Corp").click()
            expect(page.get_by_role("heading", name="Signed in")).to_be_visible()
        finally:
            browser.close()
    [url] = reached
    back = {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}
    assert back["state"] == "st-b" and back["code"]
