"""Federated sign-in through `lamina up`: the hosted fixture's pool with an OIDC identity
provider (a local provider the test starts on loopback); httpx follows the browser's
redirects authorize -> provider -> /oauth2/idpresponse -> the app's callback, redeems the
code and reads the federated user back with boto3.

https://docs.aws.amazon.com/cognito/latest/developerguide/cognito-user-pools-oidc-idp.html
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import httpx
import pytest

from lamina.config.load import load_application
from tests.clients import aws_client, redeem_code
from tests.conftest import FIXTURES, LaminaProcess
from tests.oidc_provider import OidcProvider

CALLBACK = "http://127.0.0.1:9/callback"
"""Never fetched: the test stops at the redirect that carries the code."""


class Deployed:
    def __init__(self, folder: Path, oidc: OidcProvider) -> None:
        template = (FIXTURES / "apps" / "hosted" / "template.yaml").read_text()
        template = template.replace(
            "SupportedIdentityProviders: [COGNITO]", "SupportedIdentityProviders: [COGNITO, MyIdP]"
        )
        (folder / "template.yaml").write_text(template)
        app = load_application(folder, parameter_overrides={"CallbackUrl": CALLBACK})
        ids = {r.type: r.physical_id for r in app.service_resources}
        self.pool_id = ids["AWS::Cognito::UserPool"]
        self.client_id = ids["AWS::Cognito::UserPoolClient"]
        self.lamina = LaminaProcess(folder, "--parameter-overrides", f"CallbackUrl={CALLBACK}")
        self.admin: Any = aws_client(self.lamina.base, "cognito-idp")
        self.issuer = f"{self.lamina.base}/{self.pool_id}"


@pytest.fixture(scope="module")
def oidc() -> Iterator[OidcProvider]:
    provider = OidcProvider(
        "lamina-pool", "s3cret", {"sub": "u-7", "email": "lin@example.com", "email_verified": True}
    )
    yield provider
    provider.close()


@pytest.fixture(scope="module")
def deployed(tmp_path_factory: pytest.TempPathFactory, oidc: OidcProvider) -> Iterator[Deployed]:
    found = Deployed(tmp_path_factory.mktemp("federated"), oidc)
    yield found
    found.lamina.stop()


def test_identity_provider_errors(deployed: Deployed) -> None:
    admin = deployed.admin
    with pytest.raises(admin.exceptions.ResourceNotFoundException):
        admin.describe_identity_provider(UserPoolId=deployed.pool_id, ProviderName="Absent")
    with pytest.raises(admin.exceptions.InvalidParameterException):
        admin.create_identity_provider(
            UserPoolId=deployed.pool_id,
            ProviderName="Broken",
            ProviderType="OIDC",
            ProviderDetails={"client_id": "x", "authorize_scopes": "email"},
        )


def test_sign_in_with_the_oidc_provider(deployed: Deployed, oidc: OidcProvider) -> None:
    deployed.admin.create_identity_provider(
        UserPoolId=deployed.pool_id,
        ProviderName="MyIdP",
        ProviderType="OIDC",
        ProviderDetails={
            "client_id": oidc.client_id,
            "client_secret": oidc.client_secret,
            "authorize_scopes": "openid email",
            "oidc_issuer": oidc.issuer,
            "attributes_request_method": "GET",
        },
        AttributeMapping={"email": "email", "email_verified": "email_verified"},
    )
    with pytest.raises(deployed.admin.exceptions.DuplicateProviderException):
        deployed.admin.create_identity_provider(
            UserPoolId=deployed.pool_id,
            ProviderName="MyIdP",
            ProviderType="OIDC",
            ProviderDetails={"client_id": "x"},
        )
    query = urlencode(
        {
            "response_type": "code",
            "client_id": deployed.client_id,
            "redirect_uri": CALLBACK,
            "scope": "openid email",
            "identity_provider": "MyIdP",
            "state": "st-1",
        }
    )
    hops = []
    with httpx.Client(follow_redirects=False, timeout=10) as browser:
        answer = browser.get(f"{deployed.issuer}/oauth2/authorize?{query}")
        for _ in range(5):
            location = answer.headers.get("location", "")
            if answer.status_code != 302 or location.startswith(CALLBACK):
                break
            hops.append(urlsplit(location).path)
            answer = browser.get(httpx.URL(str(answer.url)).join(location))
    assert hops == ["/authorize", f"/{deployed.pool_id}/oauth2/idpresponse"]
    assert answer.status_code == 302, answer.text
    back = {k: v[0] for k, v in parse_qs(urlsplit(answer.headers["location"]).query).items()}
    assert back["state"] == "st-1"
    claims = redeem_code(deployed.issuer, deployed.client_id, back["code"], CALLBACK)
    assert claims["cognito:username"] == "MyIdP_u-7"
    assert claims["email"] == "lin@example.com"
    assert claims["cognito:groups"] == [f"{deployed.pool_id}_MyIdP"]
    assert claims["identities"][0]["providerName"] == "MyIdP"

    user = deployed.admin.admin_get_user(UserPoolId=deployed.pool_id, Username="MyIdP_u-7")
    assert user["UserStatus"] == "EXTERNAL_PROVIDER"
    attributes = {a["Name"]: a["Value"] for a in user["UserAttributes"]}
    assert json.loads(attributes["identities"])[0]["userId"] == "u-7"
    listed = deployed.admin.list_identity_providers(UserPoolId=deployed.pool_id, MaxResults=5)
    assert [p["ProviderName"] for p in listed["Providers"]] == ["MyIdP"]


TEMPLATE_IDP = """
  MyIdP:
    Type: AWS::Cognito::UserPoolIdentityProvider
    Properties:
      UserPoolId: !Ref UserPool
      ProviderName: TemplateIdP
      ProviderType: OIDC
      ProviderDetails:
        client_id: lamina-pool
        client_secret: s3cret
        authorize_scopes: openid email
        oidc_issuer: !Ref IdpIssuer
        attributes_request_method: GET
      AttributeMapping:
        email: email
"""


def test_a_template_declares_the_identity_provider(tmp_path: Path, oidc: OidcProvider) -> None:
    """AWS::Cognito::UserPoolIdentityProvider: created at `lamina up`, usable at once.
    https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-cognito-userpoolidentityprovider.html
    """
    template = (FIXTURES / "apps" / "hosted" / "template.yaml").read_text()
    template = template.replace(
        "SupportedIdentityProviders: [COGNITO]",
        "SupportedIdentityProviders: [COGNITO, !Ref MyIdP]",
    ).replace("Parameters:\n", "Parameters:\n  IdpIssuer:\n    Type: String\n")
    (tmp_path / "template.yaml").write_text(template + TEMPLATE_IDP)
    overrides = {"CallbackUrl": CALLBACK, "IdpIssuer": oidc.issuer}
    app = load_application(tmp_path, parameter_overrides=overrides)
    ids = {r.type: r.physical_id for r in app.service_resources}
    assert ids["AWS::Cognito::UserPoolIdentityProvider"] == "TemplateIdP"
    lamina = LaminaProcess(
        tmp_path,
        "--parameter-overrides",
        " ".join(f"{key}={value}" for key, value in overrides.items()),
    )
    try:
        admin = aws_client(lamina.base, "cognito-idp")
        pool_id = ids["AWS::Cognito::UserPool"]
        described = admin.describe_identity_provider(UserPoolId=pool_id, ProviderName="TemplateIdP")
        provider = described["IdentityProvider"]
        assert provider["ProviderType"] == "OIDC"
        assert provider["ProviderDetails"]["oidc_issuer"] == oidc.issuer
        assert provider["AttributeMapping"] == {"email": "email", "username": "sub"}
        query = urlencode(
            {
                "response_type": "code",
                "client_id": ids["AWS::Cognito::UserPoolClient"],
                "redirect_uri": CALLBACK,
                "scope": "openid email",
                "identity_provider": "TemplateIdP",
            }
        )
        with httpx.Client(follow_redirects=False, timeout=10) as browser:
            answer = browser.get(f"{lamina.base}/{pool_id}/oauth2/authorize?{query}")
            for _ in range(5):
                location = answer.headers.get("location", "")
                if answer.status_code != 302 or location.startswith(CALLBACK):
                    break
                answer = browser.get(httpx.URL(str(answer.url)).join(location))
        assert answer.status_code == 302 and answer.headers["location"].startswith(CALLBACK)
        user = admin.admin_get_user(UserPoolId=pool_id, Username="TemplateIdP_u-7")
        assert user["UserStatus"] == "EXTERNAL_PROVIDER"
    finally:
        lamina.stop()
