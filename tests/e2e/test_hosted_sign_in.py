"""The hosted sign-in through `lamina up`: the template's UserPoolDomain makes the pool answer
at `lamina-hosted.auth.localhost:{port}`; Debian's Chromium (Playwright) opens
/oauth2/authorize there, signs in on the hosted page and lands on a callback page served by
the test (another origin), whose URL carries the code; the code (with its PKCE verifier)
buys tokens at the token endpoint.

https://docs.aws.amazon.com/cognito/latest/developerguide/cognito-userpools-server-contract-reference.html
"""

from __future__ import annotations

import base64
import hashlib
import secrets
import shutil
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import boto3
import httpx
import jwt
import pytest

from lamina.config.load import load_application
from tests.conftest import FIXTURES, LaminaProcess

APP = FIXTURES / "apps" / "hosted"
PASSWORD = "Passw0rd!"
_PAGE = b"<!doctype html><html lang='en'><title>callback</title><h1>Signed in</h1></html>"


# What a single-page app does on its callback page: POST the code (and PKCE verifier) to
# the token endpoint, then GET userInfo with the access token; both from the page's origin.
_REDEEM = """async ([issuer, clientId, redirectUri, code, verifier]) => {
  const body = new URLSearchParams({grant_type: "authorization_code", client_id: clientId,
    code: code, redirect_uri: redirectUri, code_verifier: verifier});
  const response = await fetch(issuer + "/oauth2/token", {method: "POST", body: body});
  const tokens = await response.json();
  const info = await fetch(issuer + "/oauth2/userInfo",
    {headers: {Authorization: "Bearer " + tokens.access_token}});
  return {status: response.status, tokens: tokens, info: await info.json()};
}"""


class _Callback(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(_PAGE)))
        self.end_headers()
        self.wfile.write(_PAGE)

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: the test reports what matters."""


class Deployed:
    """`lamina up` on the fixture with its callback at the test's page; a user in the pool."""

    def __init__(self, folder: Path, callback: str) -> None:
        overrides = {"CallbackUrl": callback}
        app = load_application(folder, parameter_overrides=overrides)
        ids = {r.type: r.physical_id for r in app.service_resources}
        self.pool_id = ids["AWS::Cognito::UserPool"]
        self.client_id = ids["AWS::Cognito::UserPoolClient"]
        self.callback = callback
        self.lamina = LaminaProcess(folder, "--parameter-overrides", f"CallbackUrl={callback}")
        admin = boto3.client(
            "cognito-idp",
            endpoint_url=self.lamina.base,
            region_name="us-east-1",
            aws_access_key_id="test",
            aws_secret_access_key="test",
        )
        admin.admin_create_user(
            UserPoolId=self.pool_id,
            Username="ada",
            UserAttributes=[{"Name": "email", "Value": "ada@example.com"}],
            MessageAction="SUPPRESS",
        )
        admin.admin_set_user_password(
            UserPoolId=self.pool_id, Username="ada", Password=PASSWORD, Permanent=True
        )
        self.domain = f"http://lamina-hosted.auth.localhost:{self.lamina.port}"
        self.issuer = f"{self.lamina.base}/{self.pool_id}"


@pytest.fixture(scope="module")
def deployed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Deployed]:
    # A fresh copy: `lamina up` keeps its state (the pool's users) beside the template.
    folder = tmp_path_factory.mktemp("hosted")
    shutil.copy(APP / "template.yaml", folder / "template.yaml")
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Callback)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    found = Deployed(folder, f"http://127.0.0.1:{server.server_address[1]}/callback")
    yield found
    found.lamina.stop()
    server.shutdown()
    server.server_close()


def test_discovery_names_the_served_endpoints(deployed: Deployed) -> None:
    document = httpx.get(f"{deployed.issuer}/.well-known/openid-configuration", timeout=10).json()
    assert document["authorization_endpoint"] == f"{deployed.issuer}/oauth2/authorize"
    assert document["token_endpoint"] == f"{deployed.issuer}/oauth2/token"
    query = urlencode(
        {
            "response_type": "code",
            "client_id": deployed.client_id,
            "redirect_uri": deployed.callback,
            "scope": "openid",
        }
    )
    # Path form, and the domain's Host on the same port.
    answer = httpx.get(f"{document['authorization_endpoint']}?{query}", timeout=10)
    assert answer.status_code == 302
    assert answer.headers["location"] == f"/{deployed.pool_id}/login?{query}"
    host = {"Host": f"lamina-hosted.auth.localhost:{deployed.lamina.port}"}
    on_domain = httpx.get(f"{deployed.lamina.base}/oauth2/authorize?{query}", headers=host)
    assert on_domain.headers["location"] == f"/login?{query}"


@pytest.mark.slow
def test_browser_signs_in_on_the_hosted_page_and_lands_on_the_callback(
    deployed: Deployed, tmp_path: Path
) -> None:
    from playwright.sync_api import expect, sync_playwright

    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest())
    query = urlencode(
        {
            "response_type": "code",
            "client_id": deployed.client_id,
            "redirect_uri": deployed.callback,
            "scope": "openid email",
            "state": "from-the-spa",
            "code_challenge": challenge.rstrip(b"=").decode(),
            "code_challenge_method": "S256",
        }
    )
    with sync_playwright() as playwright:
        # Debian's Chromium; as root it needs --no-sandbox.
        chromium = playwright.chromium.launch(
            executable_path="/usr/bin/chromium", headless=True, args=["--no-sandbox"]
        )
        try:
            page = chromium.new_page()
            page.goto(f"{deployed.domain}/oauth2/authorize?{query}")
            expect(page).to_have_title("Sign in")
            expect(page.get_by_label("Username")).to_be_focused()
            page.get_by_label("Username").fill("ada")
            page.get_by_label("Password").fill("not-the-password")
            page.get_by_role("button", name="Sign in").click()
            expect(page.get_by_role("alert")).to_have_text("Incorrect username or password.")
            expect(page.get_by_label("Password")).to_be_focused()
            page.screenshot(path=str(tmp_path / "hosted-sign-in-error.png"))
            page.get_by_label("Password").fill(PASSWORD)
            page.get_by_role("button", name="Sign in").click()
            page.wait_for_url(f"{deployed.callback}?*")
            expect(page.get_by_role("heading")).to_have_text("Signed in")
            page.screenshot(path=str(tmp_path / "hosted-callback.png"))
            landed = urlsplit(page.url)
            answer = {k: v[0] for k, v in parse_qs(landed.query).items()}
            # The callback page's script redeems the code and reads userInfo, cross-origin.
            fetched = page.evaluate(
                _REDEEM,
                [deployed.issuer, deployed.client_id, deployed.callback, answer["code"], verifier],
            )
            # Signed in already: a second authorize comes straight back.
            page.goto(f"{deployed.domain}/oauth2/authorize?{query}")
            page.wait_for_url(f"{deployed.callback}?*")
        finally:
            chromium.close()
    assert answer["state"] == "from-the-spa"
    assert fetched["status"] == 200, fetched
    assert fetched["info"]["username"] == "ada"
    assert fetched["info"]["email"] == "ada@example.com"
    tokens = fetched["tokens"]
    id_token = tokens["id_token"]
    keys = jwt.PyJWKClient(f"{deployed.issuer}/.well-known/jwks.json")
    claims = jwt.decode(
        id_token,
        keys.get_signing_key_from_jwt(id_token),
        algorithms=["RS256"],
        audience=deployed.client_id,
        issuer=deployed.issuer,
    )
    assert claims["cognito:username"] == "ada" and claims["email"] == "ada@example.com"


@pytest.mark.slow
def test_browser_signs_up_confirms_with_the_outbox_code_and_lands_signed_in(
    deployed: Deployed, tmp_path: Path
) -> None:
    from playwright.sync_api import expect, sync_playwright

    query = urlencode(
        {
            "response_type": "code",
            "client_id": deployed.client_id,
            "redirect_uri": deployed.callback,
            "scope": "openid email",
            "state": "new-user",
        }
    )
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path="/usr/bin/chromium", headless=True, args=["--no-sandbox"]
        )
        try:
            page = chromium.new_page()
            page.goto(f"{deployed.domain}/oauth2/authorize?{query}")
            page.get_by_role("link", name="Sign up").click()
            expect(page).to_have_title("Sign up")
            page.get_by_label("Username").fill("grace")
            page.get_by_label("Email").fill("grace@example.com")
            page.get_by_label("Password").fill("short")
            page.get_by_role("button", name="Sign up").click()
            expect(page.get_by_role("alert")).to_contain_text("Password did not conform")
            page.get_by_label("Password").fill(PASSWORD)
            page.get_by_role("button", name="Sign up").click()
            expect(page).to_have_title("Confirm your account")
            expect(page.get_by_label("Verification code")).to_be_focused()
            outbox = httpx.get(f"{deployed.lamina.base}/_lamina/cognito/outbox", timeout=10)
            mine = [m for m in outbox.json()["messages"] if m["username"] == "grace"]
            page.get_by_label("Verification code").fill(mine[-1]["code"])
            page.screenshot(path=str(tmp_path / "hosted-confirm.png"))
            page.get_by_role("button", name="Confirm account").click()
            page.wait_for_url(f"{deployed.callback}?*")
            landed = {k: v[0] for k, v in parse_qs(urlsplit(page.url).query).items()}
        finally:
            chromium.close()
    assert landed["state"] == "new-user" and landed["code"]


def test_removing_the_domain_from_the_template_stops_serving_it(tmp_path: Path) -> None:
    shutil.copy(APP / "template.yaml", tmp_path / "template.yaml")
    query = "response_type=code&client_id=x&redirect_uri=y"

    def on_domain(lamina: LaminaProcess) -> int:
        host = {"Host": f"lamina-hosted.auth.localhost:{lamina.port}"}
        url = f"{lamina.base}/oauth2/authorize?{query}"
        return httpx.get(url, headers=host, timeout=10).status_code

    first = LaminaProcess(tmp_path)
    try:
        assert on_domain(first) == 400  # the pool's error page: client x is unknown
    finally:
        first.stop()
    template = (tmp_path / "template.yaml").read_text()
    kept = template[: template.index("  Domain:\n")]
    (tmp_path / "template.yaml").write_text(kept)
    second = LaminaProcess(tmp_path)
    try:
        assert on_domain(second) != 400
        assert (
            b"An error was encountered"
            not in httpx.get(
                f"{second.base}/oauth2/authorize?{query}",
                headers={"Host": f"lamina-hosted.auth.localhost:{second.port}"},
            ).content
        )
    finally:
        second.stop()
