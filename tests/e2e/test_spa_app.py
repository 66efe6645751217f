"""examples/spa (the whitepaper's single-page app, A2) through `lamina up --tls`: the app
from a private bucket through the CloudFront-compatible distribution, a Lambda TOKEN
authorizer accepting only the third-party OpenID Connect provider's ID tokens
(tests/oidc_provider.py), /shows cache-aside in Redis with its X-Shows-Cache header, /info
from an S3 document, and a person signing in and buying tickets in Chromium."""

from __future__ import annotations

import json
import re
import socket
import ssl
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import boto3
import httpx
import jwt
import pytest
import redis

from tests.clients import until
from tests.conftest import ROOT, LaminaProcess
from tests.jwt_issuer import SigningKey
from tests.oidc_provider import OidcProvider

APP = ROOT / "examples" / "spa"
CLIENT_ID, CLIENT_SECRET = "shows-spa", "shows-secret"
PERSON = {"sub": "ada-1", "email": "ada@example.com"}
SITE_DOMAIN = "shows.example.localhost"  # the distribution's alias (SiteDomain)
CERTIFICATE = "arn:aws:acm:us-east-1:123456789012:certificate/shows"  # ACM's, on AWS


class Spa:
    """The running example: its distribution's host and an HTTPS client for it."""

    def __init__(self, lamina: LaminaProcess, idp: OidcProvider, prefix: str) -> None:
        self.lamina, self.idp, self.prefix = lamina, idp, prefix
        found = re.search(r"https://(d[a-z0-9]+\.cloudfront\.localhost:\d+)/", lamina.output())
        assert found, lamina.output()
        self.host = found.group(1)
        self.origin = f"https://{self.host}"
        assert lamina.state_dir is not None
        self.ca = str(lamina.state_dir / "tls" / "ca.pem")
        # *.localhost is loopback (RFC 6761) but Python's resolver does not know it: connect to
        # 127.0.0.1 and name the distribution in the Host header, as a browser would.
        self.http = httpx.Client(
            base_url=f"https://127.0.0.1:{lamina.port}",
            headers={"Host": self.host},
            verify=ssl.create_default_context(cafile=self.ca),
            timeout=30,
        )

    def aws(self, service: str) -> Any:
        """A boto3 client of Lamina's AWS endpoint (HTTPS with Lamina's CA)."""
        return boto3.client(
            service,
            endpoint_url=self.lamina.base.replace("http:", "https:"),
            region_name="us-east-1",
            aws_access_key_id="test",
            aws_secret_access_key="test",
            verify=self.ca,
        )

    def sign_in(self, claims: dict[str, str] | None = None) -> dict[str, str]:
        """What the page does: the provider's authorize redirect, then the code exchange."""
        self.idp.claims = claims or PERSON
        authorize = httpx.get(
            f"{self.idp.issuer}/authorize",
            params={"client_id": CLIENT_ID, "redirect_uri": f"{self.origin}/", "state": "s1"},
        )
        code = parse_qs(urlsplit(authorize.headers["location"]).query)["code"][0]
        answer = self.http.post(
            "/api/auth/token", json={"code": code, "redirectUri": f"{self.origin}/"}
        )
        assert answer.status_code == 200, answer.text
        return {"Authorization": f"Bearer {answer.json()['idToken']}"}


@pytest.fixture(scope="module")
def spa() -> Iterator[Spa]:
    idp = OidcProvider(CLIENT_ID, CLIENT_SECRET, dict(PERSON))
    prefix = f"spa-test-{uuid.uuid4().hex[:8]}"  # this run's keys in the shared Redis
    overrides = (
        f"OidcIssuer={idp.issuer} OidcClientId={CLIENT_ID} "
        f"OidcClientSecret={CLIENT_SECRET} CachePrefix={prefix} "
        f"SiteDomain={SITE_DOMAIN} SiteCertificateArn={CERTIFICATE}"
    )
    lamina = LaminaProcess(APP, "--tls", "--parameter-overrides", overrides)
    try:
        assert until(lambda: "Seed SeedFunction:" in lamina.output(), timeout_s=30)
        yield Spa(lamina, idp, prefix)
    finally:
        lamina.stop()
        idp.close()
        redis.Redis.from_url("redis://127.0.0.1:6379/0").delete(f"{prefix}:shows")


def test_the_seed_step_fills_the_buckets_and_the_table(spa: Spa) -> None:
    assert (
        "Seed SeedFunction: 4 site files, info.json and 3 shows are in; "
        f"sign in at {spa.idp.issuer}"
    ) in spa.lamina.output()


def test_the_app_comes_from_the_bucket_through_the_distribution(spa: Spa) -> None:
    page = spa.http.get("/")
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    assert page.headers["x-cache"] in ("Miss from cloudfront", "Hit from cloudfront")
    assert "<title>Shows</title>" in page.text
    config = spa.http.get("/config.json").json()
    assert config == {
        "authorizationEndpoint": f"{spa.idp.issuer}/authorize",
        "clientId": CLIENT_ID,
        "api": "/api",
    }
    # A path the bucket lacks is the app itself (the app routes in the browser).
    deep = spa.http.get("/tickets/recent")
    assert (deep.status_code, deep.text) == (200, page.text)


def test_the_site_answers_on_its_own_name_with_a_certificate_for_that_name(spa: Spa) -> None:
    assert f"https://{SITE_DOMAIN}:{spa.lamina.port}/" in spa.lamina.output()
    tls = ssl.create_default_context(cafile=spa.ca)
    with (
        socket.create_connection(("127.0.0.1", spa.lamina.port), timeout=10) as raw,
        tls.wrap_socket(raw, server_hostname=SITE_DOMAIN) as stream,  # checks the name
    ):
        host = f"{SITE_DOMAIN}:{spa.lamina.port}"
        stream.sendall(f"GET / HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n".encode())
        answer = b""
        while chunk := stream.recv(65536):
            answer += chunk
    assert answer.startswith(b"HTTP/1.1 200 ")
    assert b"<title>Shows</title>" in answer


@pytest.mark.parametrize("path", ["/api/shows", "/api/tickets", "/api/info"])
def test_the_api_refuses_a_request_without_a_token(spa: Spa, path: str) -> None:
    refused = spa.http.get(path)
    assert (refused.status_code, refused.json()) == (401, {"message": "Unauthorized"})


def test_the_authorizer_refuses_tokens_the_provider_did_not_issue_for_this_app(spa: Spa) -> None:
    now = int(time.time())
    claims = {"iss": spa.idp.issuer, "aud": CLIENT_ID, "iat": now, "exp": now + 300, **PERSON}
    forger = SigningKey(spa.idp.key.kid)  # the provider's key id, another key
    forged = jwt.encode(claims, forger.private, algorithm="RS256", headers={"kid": forger.kid})
    other_app = jwt.encode(
        {**claims, "aud": "another-client"},
        spa.idp.key.private,
        algorithm="RS256",
        headers={"kid": spa.idp.key.kid},
    )
    expired = jwt.encode(
        {**claims, "exp": now - 60},
        spa.idp.key.private,
        algorithm="RS256",
        headers={"kid": spa.idp.key.kid},
    )
    for token in (forged, other_app, expired, "not-a-jwt"):
        answer = spa.http.get("/api/tickets", headers={"Authorization": f"Bearer {token}"})
        assert answer.status_code == 401, token


def test_a_signed_in_person_buys_tickets_only_they_see(spa: Spa) -> None:
    ada = spa.sign_in()
    bought = spa.http.post("/api/tickets", headers=ada, json={"showId": "the-tempest"})
    assert bought.status_code == 201, bought.text
    assert bought.json()["owner"] == PERSON["sub"]  # the authorizer's principalId
    listed = spa.http.get("/api/tickets", headers=ada).json()
    assert bought.json() in listed
    grace = spa.sign_in({"sub": "grace-2", "email": "grace@example.com"})
    assert spa.http.get("/api/tickets", headers=grace).json() == []


def test_shows_are_read_through_the_redis_cache(spa: Spa) -> None:
    cache = redis.Redis.from_url("redis://127.0.0.1:6379/0")
    key = f"{spa.prefix}:shows"
    cache.delete(key)
    person = spa.sign_in()
    first = spa.http.get("/api/shows", headers=person)
    second = spa.http.get("/api/shows", headers=person)
    assert first.headers["x-shows-cache"] == "Miss from redis"
    assert second.headers["x-shows-cache"] == "Hit from redis"
    assert first.json() == second.json()
    assert [show["id"] for show in first.json()] == ["hamlet", "jazz-night", "the-tempest"]
    cached = cache.get(key)
    assert cached is not None and json.loads(cached) == first.json()
    ttl = cache.ttl(key)
    assert 0 < ttl <= 60
    cache.delete(key)  # evicted: the next read goes to DynamoDB again
    assert spa.http.get("/api/shows", headers=person).headers["x-shows-cache"] == "Miss from redis"


def test_info_is_the_document_in_s3(spa: Spa) -> None:
    person = spa.sign_in()
    info = spa.http.get("/api/info", headers=person)
    assert info.status_code == 200, info.text
    assert info.json() == json.loads((APP / "src" / "content" / "info.json").read_text())
    variables = spa.aws("lambda").get_function_configuration(FunctionName="InfoFunction")
    bucket = variables["Environment"]["Variables"]["INFO_BUCKET"]
    s3 = spa.aws("s3")
    original = s3.get_object(Bucket=bucket, Key="info.json")["Body"].read()
    changed = {"venue": "The Quay Theatre", "address": "moved", "notices": []}
    s3.put_object(Bucket=bucket, Key="info.json", Body=json.dumps(changed).encode())
    try:
        # A new document is served at once: no deploy, no function change.
        assert spa.http.get("/api/info", headers=person).json() == changed
    finally:
        s3.put_object(Bucket=bucket, Key="info.json", Body=original)


def test_a_function_cannot_read_another_functions_bucket(spa: Spa) -> None:
    """InfoFunction's role reads InfoBucket only: pointed at the site bucket, S3 refuses."""
    functions = spa.aws("lambda")
    info = functions.get_function_configuration(FunctionName="InfoFunction")["Environment"]
    seed = functions.get_function_configuration(FunctionName="SeedFunction")["Environment"]
    site_bucket = seed["Variables"]["SITE_BUCKET"]
    pointed = {**info["Variables"], "INFO_BUCKET": site_bucket}
    functions.update_function_configuration(
        FunctionName="InfoFunction", Environment={"Variables": pointed}
    )
    try:
        answer = functions.invoke(FunctionName="InfoFunction", Payload=b"{}")
        assert answer.get("FunctionError") == "Unhandled"
        message = json.loads(answer["Payload"].read())["errorMessage"]
        assert "AccessDenied" in message and "GetObject" in message
        assert f"arn:aws:s3:::{site_bucket}/info.json" in message
    finally:
        functions.update_function_configuration(FunctionName="InfoFunction", Environment=info)


@pytest.mark.slow
def test_a_person_signs_in_buys_a_ticket_and_signs_out_in_a_browser(
    spa: Spa, tmp_path: Path
) -> None:
    from playwright.sync_api import expect, sync_playwright

    spa.idp.claims = {"sub": f"lin-{uuid.uuid4().hex[:6]}", "email": "lin@example.com"}
    shots = iter(range(1, 100))

    def snap(page: Any, what: str) -> None:
        page.screenshot(path=str(tmp_path / f"{next(shots):02d}-{what}.png"), full_page=True)

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path="/usr/bin/chromium", headless=True, args=["--no-sandbox"]
        )
        try:
            page = browser.new_context(ignore_https_errors=True).new_page()
            page.goto(f"{spa.origin}/")
            expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
            snap(page, "signed-out")
            page.get_by_role("button", name="Sign in with your identity provider").click()
            expect(page.get_by_text("Signed in as lin@example.com")).to_be_visible()
            assert page.url == f"{spa.origin}/"  # the code is gone from the address bar

            shows = page.get_by_role("list", name="Shows")
            expect(shows.get_by_role("listitem")).to_have_count(3)
            expect(
                page.get_by_text(re.compile(r"Catalogue: (Hit|Miss) from redis"))
            ).to_be_visible()
            snap(page, "shows")
            page.get_by_role("button", name="Buy a ticket for Jazz Night").click()
            expect(page.get_by_role("status")).to_have_text("Booked: Jazz Night.")
            expect(page.get_by_role("list", name="Your tickets")).to_contain_text("Jazz Night")
            snap(page, "tickets")

            page.get_by_role("button", name="Info").click()
            expect(page.get_by_role("heading", name=re.compile("Visiting"))).to_be_visible()
            expect(page.get_by_role("list", name="Venue notices")).to_contain_text("Doors open")
            snap(page, "info")

            page.get_by_role("button", name="Sign out").click()
            expect(page.get_by_role("status")).to_have_text("Signed out.")
            expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
            refused = page.goto(f"{spa.origin}/api/tickets")
            assert refused is not None and refused.status == 401
            expect(page.locator("body")).to_contain_text('{"message":"Unauthorized"}')
            snap(page, "refused")
        finally:
            browser.close()
    assert len(list(tmp_path.glob("*.png"))) == 5
