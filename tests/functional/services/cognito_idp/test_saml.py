"""User pool federation with a SAML 2.0 identity provider: a local IdP (tests/saml_idp.py)
on loopback, the pool's hosted endpoints through real HTTP, the identity provider
operations through boto3.

https://docs.aws.amazon.com/cognito/latest/developerguide/cognito-user-pools-saml-idp.html
https://docs.aws.amazon.com/cognito/latest/developerguide/cognito-user-pools-SAML-session-initiation.html
https://docs.aws.amazon.com/cognito/latest/developerguide/saml2-idpresponse-endpoint.html
"""

from __future__ import annotations

import base64
import copy
import html
import json
import re
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import httpx
import jwt
import pytest
from botocore.exceptions import ClientError
from lxml import etree

from tests.clock import ManualClock as Clock
from tests.saml_idp import EMAIL, GROUPS, NAME, SAML, Keys, SamlIdp

from .conftest import HostedServer
from .test_hosted import CALLBACK, App

INVALID = "Invalid samlResponse or relayState from identity provider"
MAPPING = {"email": EMAIL, "name": NAME, "nickname": GROUPS}


@pytest.fixture
def idp(clock: Clock) -> Iterator[SamlIdp]:
    provider = SamlIdp(
        "grace@corp.example",
        {EMAIL: ["grace@corp.example"], NAME: ["Grace Hopper"], GROUPS: ["navy", "cobol"]},
        clock=clock,
    )
    yield provider
    provider.close()


def _saml_app(
    hosted: HostedServer,
    idp: SamlIdp,
    supported: list[str] | None = None,
    **details: str,
) -> App:
    app = App(hosted, SupportedIdentityProviders=supported or ["COGNITO", "Corp"])
    hosted.admin().create_identity_provider(
        UserPoolId=app.pool_id,
        ProviderName="Corp",
        ProviderType="SAML",
        ProviderDetails={"MetadataFile": idp.metadata(), **details},
        AttributeMapping=MAPPING,
        IdpIdentifiers=["corp.example"],
    )
    return app


class Started:
    """An SP-initiated sign-in that reached the IdP: its AuthnRequest and where to answer."""

    def __init__(self, browser: httpx.Client, app: App, idp: SamlIdp, **given: str) -> None:
        first = browser.get(app.authorize_url(**({"identity_provider": "Corp"} | given)))
        assert first.status_code == 302, first.text
        self.location = first.headers["location"]
        query = {k: v[0] for k, v in parse_qs(urlsplit(self.location).query).items()}
        self.relay_state = query["RelayState"]
        at_idp = browser.get(self.location)
        assert at_idp.status_code == 200
        self.form = at_idp.text
        self.request = idp.requests[-1]
        self.acs = self.request["AssertionConsumerServiceURL"]
        self.audience = f"urn:amazon:cognito:sp:{app.pool_id}"
        self.idp = idp

    def answer(self, **options: Any) -> str:
        """The IdP's base64 Response to this request; `options` as `SamlIdp.response_xml`."""
        return self.idp.response(**self._addressed(options))

    def answer_xml(self, **options: Any) -> etree._Element:
        return self.idp.response_xml(**self._addressed(options))

    def _addressed(self, options: dict[str, Any]) -> dict[str, Any]:
        return {
            "acs": self.acs,
            "audience": self.audience,
            "in_response_to": self.request["ID"],
            **options,
        }


def _form_fields(page: str) -> tuple[str, dict[str, str]]:
    action = html.unescape(re.search(r'action="([^"]+)"', page).group(1))  # type: ignore[union-attr]
    fields = {
        html.unescape(n): html.unescape(v)
        for n, v in re.findall(r'name="([^"]+)" value="([^"]*)"', page)
    }
    return action, fields


def _post(browser: httpx.Client, acs: str, response: str, relay_state: str) -> httpx.Response:
    return browser.post(acs, data={"SAMLResponse": response, "RelayState": relay_state})


def _code(answer: httpx.Response) -> str:
    assert answer.status_code == 302, answer.text
    location = answer.headers["location"]
    assert location.startswith(CALLBACK)
    query = {k: v[0] for k, v in parse_qs(urlsplit(location).query).items()}
    return query["code"]


def _tokens(app: App, code: str) -> dict[str, Any]:
    redeemed = httpx.post(
        f"{app.base}/oauth2/token",
        data={
            "grant_type": "authorization_code",
            "client_id": app.client_id,
            "code": code,
            "redirect_uri": CALLBACK,
        },
        timeout=10,
    )
    assert redeemed.status_code == 200, redeemed.text
    found: dict[str, Any] = redeemed.json()
    return found


def _claims(token: str) -> dict[str, Any]:
    found: dict[str, Any] = jwt.decode(token, options={"verify_signature": False})
    return found


# -- CreateIdentityProvider / Describe ------------------------------------------------------


def test_saml_provider_describe_shows_the_details_cognito_adds(
    hosted: HostedServer, idp: SamlIdp
) -> None:
    app = _saml_app(hosted, idp, IDPSignout="true")
    described = hosted.admin().describe_identity_provider(
        UserPoolId=app.pool_id, ProviderName="Corp"
    )["IdentityProvider"]
    details = described["ProviderDetails"]
    assert described["ProviderType"] == "SAML"
    assert details["MetadataFile"] == idp.metadata()
    assert details["SSORedirectBindingURI"] == f"{idp.base}/sso"
    assert details["SLORedirectBindingURI"] == f"{idp.base}/slo"
    assert details["IDPSignout"] == "true"
    assert details["IDPInit"] == "false"
    assert details["EncryptedResponses"] == "false"
    assert "ActiveEncryptionCertificate" not in details
    assert described["AttributeMapping"] == MAPPING
    assert described["IdpIdentifiers"] == ["corp.example"]


def test_saml_provider_from_metadata_url_is_fetched(hosted: HostedServer, idp: SamlIdp) -> None:
    app = App(hosted, SupportedIdentityProviders=["Corp"])
    made = hosted.admin().create_identity_provider(
        UserPoolId=app.pool_id,
        ProviderName="Corp",
        ProviderType="SAML",
        ProviderDetails={"MetadataURL": f"{idp.base}/metadata"},
    )["IdentityProvider"]
    assert made["ProviderDetails"]["MetadataURL"] == f"{idp.base}/metadata"
    assert made["ProviderDetails"]["SSORedirectBindingURI"] == f"{idp.base}/sso"
    assert "MetadataFile" not in made["ProviderDetails"]


def test_a_metadata_url_is_fetched_without_holding_up_the_server(
    hosted: HostedServer, idp: SamlIdp
) -> None:
    """While the IdP takes its time to send its metadata, the server answers other calls."""
    metadata = httpx.get(f"{idp.base}/metadata", timeout=10).content
    requested, released = threading.Event(), threading.Event()

    class SlowIdp(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            requested.set()
            released.wait(30)  # longer than Lamina's 10 s fetch timeout
            self.send_response(200)
            self.send_header("Content-Length", str(len(metadata)))
            self.end_headers()
            self.wfile.write(metadata)

        def log_message(self, *args: Any) -> None:
            pass

    slow = ThreadingHTTPServer(("127.0.0.1", 0), SlowIdp)
    threading.Thread(target=slow.serve_forever, daemon=True).start()
    app = App(hosted, SupportedIdentityProviders=["Corp"])
    made: dict[str, Any] = {}

    def create() -> None:
        made.update(
            hosted.admin().create_identity_provider(
                UserPoolId=app.pool_id,
                ProviderName="Corp",
                ProviderType="SAML",
                ProviderDetails={"MetadataURL": f"http://127.0.0.1:{slow.server_port}/metadata"},
            )["IdentityProvider"]
        )

    creating = threading.Thread(target=create)
    try:
        creating.start()
        assert requested.wait(10)
        pool = hosted.admin().describe_user_pool(UserPoolId=app.pool_id)["UserPool"]
        assert pool["Id"] == app.pool_id
        released.set()
        creating.join(30)
        assert made["ProviderDetails"]["SSORedirectBindingURI"] == f"{idp.base}/sso"
    finally:
        released.set()
        slow.shutdown()
        slow.server_close()


@pytest.mark.parametrize(
    "details",
    [
        {},
        {"MetadataFile": "<not-xml"},
        {"MetadataFile": '<EntityDescriptor xmlns="urn:oasis:names:tc:SAML:2.0:metadata"/>'},
        {"MetadataURL": "http://127.0.0.1:9/metadata"},
        {"MetadataURL": "http://example.com/metadata"},
        {"MetadataFile": "METADATA", "IDPInit": "maybe"},
        {"MetadataFile": "METADATA", "RequestSigningAlgorithm": "rsa-sha1"},
        {"MetadataFile": "METADATA", "MetadataURL": "https://idp.example/metadata"},
    ],
)
def test_saml_provider_with_bad_details_is_refused(
    hosted: HostedServer, idp: SamlIdp, details: dict[str, str]
) -> None:
    app = App(hosted)
    given = {k: (idp.metadata() if v == "METADATA" else v) for k, v in details.items()}
    with pytest.raises(ClientError) as raised:
        hosted.admin().create_identity_provider(
            UserPoolId=app.pool_id, ProviderName="Corp", ProviderType="SAML", ProviderDetails=given
        )
    assert raised.value.response["Error"]["Code"] == "InvalidParameterException"


def test_saml_provider_with_an_expired_signing_certificate_is_refused(
    hosted: HostedServer, idp: SamlIdp
) -> None:
    app = App(hosted)
    expired = Keys(valid_days=-1)
    with pytest.raises(ClientError) as raised:
        hosted.admin().create_identity_provider(
            UserPoolId=app.pool_id,
            ProviderName="Corp",
            ProviderType="SAML",
            ProviderDetails={"MetadataFile": idp.metadata(expired.cert_base64)},
        )
    assert "expired" in raised.value.response["Error"]["Message"]


# -- SP-initiated sign-in -------------------------------------------------------------------


def test_sign_in_through_the_saml_idp(
    hosted: HostedServer, idp: SamlIdp, browser: httpx.Client
) -> None:
    app = _saml_app(hosted, idp)
    started = Started(browser, app, idp, nonce="n-app")
    assert started.location.startswith(f"{idp.base}/sso?")
    request = started.request
    assert request["tag"] == "{urn:oasis:names:tc:SAML:2.0:protocol}AuthnRequest"
    assert request["Issuer"] == f"urn:amazon:cognito:sp:{app.pool_id}"
    assert request["AssertionConsumerServiceURL"] == f"{app.base}/saml2/idpresponse"
    assert request["Destination"] == f"{idp.base}/sso"
    assert request["ProtocolBinding"] == "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST"
    assert request["RelayState"] == started.relay_state

    action, fields = _form_fields(started.form)
    assert action == f"{app.base}/saml2/idpresponse"
    answer = browser.post(action, data=fields)
    tokens = _tokens(app, _code(answer))
    claims = _claims(tokens["id_token"])
    assert claims["cognito:username"] == "Corp_grace@corp.example"
    assert claims["email"] == "grace@corp.example"
    assert claims["name"] == "Grace Hopper"
    assert claims["nickname"] == "[navy, cobol]"
    assert claims["nonce"] == "n-app"
    assert claims["cognito:groups"] == [f"{app.pool_id}_Corp"]
    [identity] = claims["identities"]
    assert identity["userId"] == "grace@corp.example"
    assert identity["providerName"] == "Corp"
    assert identity["providerType"] == "SAML"
    user = hosted.admin().admin_get_user(UserPoolId=app.pool_id, Username="Corp_grace@corp.example")
    assert user["UserStatus"] == "EXTERNAL_PROVIDER"


def test_authn_request_is_signed_with_the_pools_signing_certificate(
    hosted: HostedServer, idp: SamlIdp, browser: httpx.Client
) -> None:
    app = _saml_app(hosted, idp, RequestSigningAlgorithm="rsa-sha256")
    certificate = hosted.admin().get_signing_certificate(UserPoolId=app.pool_id)["Certificate"]
    idp.sp_certificate = certificate
    started = Started(browser, app, idp)
    assert started.request["SigAlg"] == "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256"
    assert started.request["signature_valid"] is True
    idp.sp_certificate = Keys().cert_base64  # another key: the same request does not verify
    browser.get(started.location)
    assert idp.requests[-1]["signature_valid"] is False


def test_authn_request_is_unsigned_without_request_signing_algorithm(
    hosted: HostedServer, idp: SamlIdp, browser: httpx.Client
) -> None:
    app = _saml_app(hosted, idp)
    started = Started(browser, app, idp)
    assert started.request["SigAlg"] is None and started.request["signature_valid"] is None


def test_signed_response_instead_of_signed_assertion_is_accepted(
    hosted: HostedServer, idp: SamlIdp, browser: httpx.Client
) -> None:
    app = _saml_app(hosted, idp)
    started = Started(browser, app, idp)
    response = started.answer(sign="response")
    _code(_post(browser, started.acs, response, started.relay_state))


def test_any_signing_certificate_of_the_metadata_verifies(
    hosted: HostedServer, idp: SamlIdp, browser: httpx.Client
) -> None:
    """ "User pools support multiple signing certificates": the IdP's is the second."""
    app = App(hosted, SupportedIdentityProviders=["Corp"])
    hosted.admin().create_identity_provider(
        UserPoolId=app.pool_id,
        ProviderName="Corp",
        ProviderType="SAML",
        ProviderDetails={"MetadataFile": idp.metadata(Keys().cert_base64, idp.keys.cert_base64)},
    )
    started = Started(browser, app, idp)
    _, fields = _form_fields(started.form)
    _code(browser.post(started.acs, data=fields))


def test_post_only_idp_gets_the_authn_request_in_a_form(
    hosted: HostedServer, idp: SamlIdp, browser: httpx.Client
) -> None:
    app = App(hosted, SupportedIdentityProviders=["Corp"])
    made = hosted.admin().create_identity_provider(
        UserPoolId=app.pool_id,
        ProviderName="Corp",
        ProviderType="SAML",
        ProviderDetails={"MetadataFile": idp.metadata(redirect=False)},
    )["IdentityProvider"]
    assert "SSORedirectBindingURI" not in made["ProviderDetails"]
    page = browser.get(app.authorize_url(identity_provider="Corp"))
    assert page.status_code == 200
    action, fields = _form_fields(page.text)
    assert action == f"{idp.base}/sso"
    request = etree.fromstring(base64.b64decode(fields["SAMLRequest"]))
    assert request.tag == "{urn:oasis:names:tc:SAML:2.0:protocol}AuthnRequest"
    assert request.get("AssertionConsumerServiceURL") == f"{app.base}/saml2/idpresponse"
    assert fields["RelayState"]


def test_sign_in_on_the_pool_domain_uses_the_domains_acs_url(
    hosted: HostedServer, idp: SamlIdp, browser: httpx.Client
) -> None:
    """The ACS URL is `{pool domain}/saml2/idpresponse`: on a UserPoolDomain host too."""
    app = _saml_app(hosted, idp)
    hosted.admin().create_user_pool_domain(UserPoolId=app.pool_id, Domain="corp-login")
    port = urlsplit(app.base).port
    host = {"host": f"corp-login.auth.localhost:{port}"}
    root = f"http://127.0.0.1:{port}"
    query = urlsplit(app.authorize_url(identity_provider="Corp")).query
    first = browser.get(f"{root}/oauth2/authorize?{query}", headers=host)
    assert first.status_code == 302, first.text
    browser.get(first.headers["location"])
    request = idp.requests[-1]
    acs = f"http://corp-login.auth.localhost:{port}/saml2/idpresponse"
    assert request["AssertionConsumerServiceURL"] == acs
    response = idp.response(
        acs=acs,
        audience=f"urn:amazon:cognito:sp:{app.pool_id}",
        in_response_to=request["ID"],
    )
    answer = browser.post(
        f"{root}/saml2/idpresponse",
        data={"SAMLResponse": response, "RelayState": request["RelayState"]},
        headers=host,
    )
    _code(answer)


def test_idp_identifier_picks_the_saml_provider(
    hosted: HostedServer, idp: SamlIdp, browser: httpx.Client
) -> None:
    app = _saml_app(hosted, idp)
    first = browser.get(app.authorize_url(idp_identifier="corp.example"))
    assert first.status_code == 302
    assert first.headers["location"].startswith(f"{idp.base}/sso?SAMLRequest=")


def test_sign_in_page_lists_the_saml_provider(
    hosted: HostedServer, idp: SamlIdp, browser: httpx.Client
) -> None:
    app = _saml_app(hosted, idp)
    page = browser.get(app.authorize_url().replace("/oauth2/authorize?", "/login?"))
    assert page.status_code == 200
    hrefs = [html.unescape(h) for h in re.findall(r'href="([^"]+)"', page.text)]
    [button] = [h for h in hrefs if "identity_provider=Corp" in h]
    assert (
        browser.get(httpx.URL(app.base).join(button))
        .headers["location"]
        .startswith(f"{idp.base}/sso?")
    )


BAD = {
    "signed with another key": {"keys": "other"},
    "unsigned": {"sign": "none"},
    "wrong audience": {"audience": "urn:amazon:cognito:sp:us-east-1_Someone00"},
    "wrong issuer": {"issuer": "https://evil.example/entity"},
    "wrong InResponseTo": {"in_response_to": "_not-the-request"},
    "no InResponseTo": {"in_response_to": None},
    "wrong recipient": {"recipient": "https://evil.example/saml2/idpresponse"},
    "wrong destination": {"destination": "https://evil.example/saml2/idpresponse"},
    "expired": {"valid_s": 30, "issued_offset_s": -200},
    "not yet valid": {"issued_offset_s": 600},
}


@pytest.mark.parametrize("case", list(BAD))
def test_saml_response_failing_a_check_is_refused(
    hosted: HostedServer, idp: SamlIdp, browser: httpx.Client, case: str
) -> None:
    app = _saml_app(hosted, idp)
    started = Started(browser, app, idp)
    given: dict[str, Any] = dict(BAD[case])
    if given.get("keys") == "other":
        given["keys"] = Keys()
    answer = _post(browser, started.acs, started.answer(**given), started.relay_state)
    assert answer.status_code == 400
    assert INVALID in answer.text
    users = hosted.admin().list_users(UserPoolId=app.pool_id)["Users"]
    assert [u["Username"] for u in users] == ["ada"]


def test_saml_response_with_tampered_signed_content_is_refused(
    hosted: HostedServer, idp: SamlIdp, browser: httpx.Client
) -> None:
    app = _saml_app(hosted, idp)
    started = Started(browser, app, idp)
    root = started.answer_xml()
    name_id = root.find(f".//{{{SAML}}}NameID")
    assert name_id is not None
    name_id.text = "admin@corp.example"
    answer = _post(
        browser, started.acs, base64.b64encode(etree.tostring(root)).decode(), started.relay_state
    )
    assert answer.status_code == 400
    assert INVALID in answer.text


@pytest.mark.parametrize("placement", ["before", "inside-extensions", "signed-one-nested"])
def test_saml_signature_wrapping_is_refused(
    hosted: HostedServer, idp: SamlIdp, browser: httpx.Client, placement: str
) -> None:
    """XML signature wrapping: the signed assertion stays (its signature verifies), and an
    unsigned one naming someone else is put where a careless reader would look first --
    in "signed-one-nested" the forged assertion carries the original's signature and the
    original inside it, so the signature it holds verifies."""
    app = _saml_app(hosted, idp)
    started = Started(browser, app, idp)
    root = started.answer_xml()
    signed = root.find(f"{{{SAML}}}Assertion")
    assert signed is not None
    evil = copy.deepcopy(signed)
    evil.set("ID", "_evil")
    evil.remove(evil.find("{http://www.w3.org/2000/09/xmldsig#}Signature"))
    evil_name = evil.find(f".//{{{SAML}}}NameID")
    assert evil_name is not None
    evil_name.text = "admin@corp.example"
    if placement == "before":
        root.insert(root.index(signed), evil)
    elif placement == "signed-one-nested":
        signature = signed.find("{http://www.w3.org/2000/09/xmldsig#}Signature")
        assert signature is not None
        root.replace(signed, evil)
        evil.insert(1, copy.deepcopy(signature))
        evil.append(signed)
    else:
        extensions = etree.SubElement(root, "{urn:oasis:names:tc:SAML:2.0:protocol}Extensions")
        root.remove(signed)
        extensions.append(signed)
        root.insert(2, evil)
    answer = _post(
        browser, started.acs, base64.b64encode(etree.tostring(root)).decode(), started.relay_state
    )
    assert answer.status_code == 400
    assert INVALID in answer.text
    usernames = [u["Username"] for u in hosted.admin().list_users(UserPoolId=app.pool_id)["Users"]]
    assert "Corp_admin@corp.example" not in usernames


def test_saml_relay_state_is_used_once(
    hosted: HostedServer, idp: SamlIdp, browser: httpx.Client
) -> None:
    app = _saml_app(hosted, idp)
    started = Started(browser, app, idp)
    _, fields = _form_fields(started.form)
    _code(browser.post(started.acs, data=fields))
    fresh = started.answer()
    answer = _post(browser, started.acs, fresh, started.relay_state)
    assert answer.status_code == 400


def test_saml_response_after_the_clock_moves_past_it_is_refused(
    hosted: HostedServer, idp: SamlIdp, browser: httpx.Client, clock: Clock
) -> None:
    app = _saml_app(hosted, idp)
    started = Started(browser, app, idp)
    _, fields = _form_fields(started.form)
    clock.advance(300 + 61)  # the IdP's 5-minute window plus the minute of clock skew
    answer = browser.post(started.acs, data=fields)
    assert answer.status_code == 400


def test_saml_response_within_the_clock_skew_is_accepted(
    hosted: HostedServer, idp: SamlIdp, browser: httpx.Client, clock: Clock
) -> None:
    app = _saml_app(hosted, idp)
    started = Started(browser, app, idp)
    _, fields = _form_fields(started.form)
    clock.advance(300 + 30)
    _code(browser.post(started.acs, data=fields))


# -- EncryptedResponses ---------------------------------------------------------------------


@pytest.mark.parametrize("cipher", ["aes256-gcm", "aes128-cbc"])
def test_encrypted_assertion_is_decrypted_with_the_active_encryption_certificate(
    hosted: HostedServer, idp: SamlIdp, browser: httpx.Client, cipher: str
) -> None:
    app = _saml_app(hosted, idp, EncryptedResponses="true")
    admin = hosted.admin()
    details = admin.describe_identity_provider(UserPoolId=app.pool_id, ProviderName="Corp")[
        "IdentityProvider"
    ]["ProviderDetails"]
    certificate = details["ActiveEncryptionCertificate"]
    # The key pair survives an update of the provider.
    admin.update_identity_provider(
        UserPoolId=app.pool_id, ProviderName="Corp", ProviderDetails={"IDPSignout": "true"}
    )
    again = admin.describe_identity_provider(UserPoolId=app.pool_id, ProviderName="Corp")
    assert again["IdentityProvider"]["ProviderDetails"]["ActiveEncryptionCertificate"] == (
        certificate
    )
    started = Started(browser, app, idp)
    encrypted = started.answer(encrypt_to=certificate, cipher=cipher)
    assert b"EncryptedAssertion" in base64.b64decode(encrypted)
    tokens = _tokens(app, _code(_post(browser, started.acs, encrypted, started.relay_state)))
    assert _claims(tokens["id_token"])["email"] == "grace@corp.example"


def test_unencrypted_assertion_is_refused_when_encryption_is_on(
    hosted: HostedServer, idp: SamlIdp, browser: httpx.Client
) -> None:
    app = _saml_app(hosted, idp, EncryptedResponses="true")
    started = Started(browser, app, idp)
    _, fields = _form_fields(started.form)
    answer = browser.post(started.acs, data=fields)
    assert answer.status_code == 400
    assert INVALID in answer.text


def test_assertion_encrypted_to_another_key_is_refused(
    hosted: HostedServer, idp: SamlIdp, browser: httpx.Client
) -> None:
    app = _saml_app(hosted, idp, EncryptedResponses="true")
    started = Started(browser, app, idp)
    stranger = Keys().cert_base64
    encrypted = started.answer(encrypt_to=stranger)
    assert _post(browser, started.acs, encrypted, started.relay_state).status_code == 400


def test_encrypted_assertion_is_refused_when_encryption_is_off(
    hosted: HostedServer, idp: SamlIdp, browser: httpx.Client
) -> None:
    app = _saml_app(hosted, idp)
    started = Started(browser, app, idp)
    encrypted = started.answer(encrypt_to=Keys().cert_base64)
    assert _post(browser, started.acs, encrypted, started.relay_state).status_code == 400


# -- IdP-initiated sign-in ------------------------------------------------------------------


def _unsolicited(app: App, idp: SamlIdp, **relay: str) -> tuple[str, dict[str, str]]:
    acs = f"{app.base}/saml2/idpresponse"
    response = idp.response(
        acs=acs, audience=f"urn:amazon:cognito:sp:{app.pool_id}", in_response_to=None
    )
    state = {
        "client_id": app.client_id,
        "redirect_uri": CALLBACK,
        "response_type": "code",
        "scope": "openid email",
        "identity_provider": "Corp",
        **relay,
    }
    return acs, {"SAMLResponse": response, "RelayState": urlencode(state)}


def test_idp_initiated_sign_in_when_idpinit_is_true(
    hosted: HostedServer, idp: SamlIdp, browser: httpx.Client
) -> None:
    app = _saml_app(hosted, idp, supported=["Corp"], IDPInit="true")
    acs, form = _unsolicited(app, idp)
    tokens = _tokens(app, _code(browser.post(acs, data=form)))
    assert _claims(tokens["id_token"])["cognito:username"] == "Corp_grace@corp.example"


def test_saml_assertion_replayed_is_refused(
    hosted: HostedServer, idp: SamlIdp, browser: httpx.Client
) -> None:
    """IdP-initiated (no InResponseTo, so only the replay check can refuse the second)."""
    app = _saml_app(hosted, idp, supported=["Corp"], IDPInit="true")
    acs, form = _unsolicited(app, idp)
    _code(browser.post(acs, data=form))
    replay = browser.post(acs, data=form)
    assert replay.status_code == 400
    assert INVALID in replay.text


def test_idp_initiated_sign_in_is_refused_without_idpinit(
    hosted: HostedServer, idp: SamlIdp, browser: httpx.Client
) -> None:
    app = _saml_app(hosted, idp, supported=["Corp"])
    acs, form = _unsolicited(app, idp)
    answer = browser.post(acs, data=form)
    assert answer.status_code == 400
    assert INVALID in answer.text


def test_idp_initiated_sign_in_is_refused_for_a_client_that_also_allows_cognito(
    hosted: HostedServer, idp: SamlIdp, browser: httpx.Client
) -> None:
    app = _saml_app(hosted, idp, IDPInit="true")
    acs, form = _unsolicited(app, idp)
    assert browser.post(acs, data=form).status_code == 400


def test_idp_initiated_assertion_older_than_six_minutes_is_refused(
    hosted: HostedServer, idp: SamlIdp, browser: httpx.Client
) -> None:
    app = _saml_app(hosted, idp, supported=["Corp"], IDPInit="true")
    acs = f"{app.base}/saml2/idpresponse"
    old = idp.response(
        acs=acs,
        audience=f"urn:amazon:cognito:sp:{app.pool_id}",
        in_response_to=None,
        issued_offset_s=-400,
        valid_s=3600,
    )
    relay = urlencode(
        {
            "client_id": app.client_id,
            "redirect_uri": CALLBACK,
            "response_type": "code",
            "scope": "openid",
            "identity_provider": "Corp",
        }
    )
    answer = browser.post(acs, data={"SAMLResponse": old, "RelayState": relay})
    assert answer.status_code == 400


# -- single logout (IDPSignout) -------------------------------------------------------------


def _signed_in_session(
    hosted: HostedServer, idp: SamlIdp, browser: httpx.Client, **details: str
) -> App:
    app = _saml_app(hosted, idp, **details)
    idp.sp_certificate = hosted.admin().get_signing_certificate(UserPoolId=app.pool_id)[
        "Certificate"
    ]
    idp.logout_return = f"{app.base}/saml2/logout"
    started = Started(browser, app, idp)
    _, fields = _form_fields(started.form)
    answer = browser.post(started.acs, data=fields)
    _code(answer)
    assert "cognito=" in answer.headers.get("set-cookie", "")
    return app


def _logout_url(app: App) -> str:
    query = urlencode(
        {"client_id": app.client_id, "logout_uri": "http://localhost:8000/signed-out"}
    )
    return f"{app.base}/logout?{query}"


def test_logout_goes_through_the_idps_single_logout(
    hosted: HostedServer, idp: SamlIdp, browser: httpx.Client
) -> None:
    app = _signed_in_session(hosted, idp, browser, IDPSignout="true")
    first = browser.get(_logout_url(app))
    assert first.status_code == 302
    assert first.headers["location"].startswith(f"{idp.base}/slo?SAMLRequest=")
    assert "cognito=;" in first.headers["set-cookie"]  # the pool's session ends at once
    at_idp = browser.get(first.headers["location"])
    request = idp.logout_requests[-1]
    assert request["tag"] == "{urn:oasis:names:tc:SAML:2.0:protocol}LogoutRequest"
    assert request["Issuer"] == f"urn:amazon:cognito:sp:{app.pool_id}"
    assert request["NameID"] == "grace@corp.example"
    assert request["SessionIndex"]
    assert request["SigAlg"] == "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256"
    assert request["signature_valid"] is True
    action, fields = _form_fields(at_idp.text)
    assert action == f"{app.base}/saml2/logout"
    back = browser.post(action, data=fields)
    assert back.status_code == 302
    assert back.headers["location"] == "http://localhost:8000/signed-out"
    # The RelayState is used once.
    assert browser.post(action, data=fields).status_code == 400


def test_logout_response_not_signed_by_the_idp_is_refused(
    hosted: HostedServer, idp: SamlIdp, browser: httpx.Client
) -> None:
    app = _signed_in_session(hosted, idp, browser, IDPSignout="true")
    first = browser.get(_logout_url(app))
    real = idp.keys
    idp.keys = Keys()  # the IdP signs its LogoutResponse with a key not in the metadata
    try:
        at_idp = browser.get(first.headers["location"])
    finally:
        idp.keys = real
    action, fields = _form_fields(at_idp.text)
    assert browser.post(action, data=fields).status_code == 400


def test_logout_without_idpsignout_stays_with_the_pool(
    hosted: HostedServer, idp: SamlIdp, browser: httpx.Client
) -> None:
    app = _signed_in_session(hosted, idp, browser)
    answer = browser.get(_logout_url(app))
    assert answer.status_code == 302
    assert answer.headers["location"] == "http://localhost:8000/signed-out"
    assert idp.logout_requests == []


# -- linking --------------------------------------------------------------------------------


def test_saml_identity_linked_by_attribute_signs_in_as_the_existing_user(
    hosted: HostedServer, idp: SamlIdp, browser: httpx.Client
) -> None:
    app = _saml_app(hosted, idp)
    hosted.admin().admin_link_provider_for_user(
        UserPoolId=app.pool_id,
        DestinationUser={"ProviderName": "Cognito", "ProviderAttributeValue": "ada"},
        SourceUser={
            "ProviderName": "Corp",
            "ProviderAttributeName": EMAIL,
            "ProviderAttributeValue": "grace@corp.example",
        },
    )
    started = Started(browser, app, idp)
    _, fields = _form_fields(started.form)
    tokens = _tokens(app, _code(browser.post(started.acs, data=fields)))
    claims = _claims(tokens["id_token"])
    assert claims["cognito:username"] == "ada"
    assert claims["email"] == "grace@corp.example"
    identities = claims["identities"]
    assert [(i["providerName"], i["providerType"]) for i in identities] == [("Corp", "SAML")]
    users = [u["Username"] for u in hosted.admin().list_users(UserPoolId=app.pool_id)["Users"]]
    assert users == ["ada"]


def test_saml_identity_linked_by_subject_signs_in_as_the_existing_user(
    hosted: HostedServer, idp: SamlIdp, browser: httpx.Client
) -> None:
    app = _saml_app(hosted, idp)
    hosted.admin().admin_link_provider_for_user(
        UserPoolId=app.pool_id,
        DestinationUser={"ProviderName": "Cognito", "ProviderAttributeValue": "ada"},
        SourceUser={
            "ProviderName": "Corp",
            "ProviderAttributeName": "Cognito_Subject",
            "ProviderAttributeValue": "grace@corp.example",
        },
    )
    started = Started(browser, app, idp)
    _, fields = _form_fields(started.form)
    tokens = _tokens(app, _code(browser.post(started.acs, data=fields)))
    assert _claims(tokens["access_token"])["username"] == "ada"
    assert json.dumps(_claims(tokens["id_token"])["identities"]).count("Corp") == 1
