"""`lamina up --tls` on the domains fixture, with real TLS clients (httpx, ssl, curl):
HTTPS with the generated CA, SNI per custom domain, base path mappings, mutual TLS."""

from __future__ import annotations

import shutil
import socket
import ssl
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest
from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding

from lamina.http.certificate import CertificateAuthority
from tests.conftest import FIXTURES, LaminaProcess
from tests.tls_pki import ClientCa, ClientCert


class Site:
    def __init__(self, root: Path) -> None:
        self.folder = root / "domains"
        shutil.copytree(FIXTURES / "apps" / "domains", self.folder)
        pki = root / "pki"
        self.clients = ClientCa(pki / "clients", "Example Client CA")
        (self.folder / "truststore.pem").write_bytes(self.clients.pem_path.read_bytes())
        self.valid = self.clients.issue("alice", "alice.example.com", serial=0x0A1B2C)
        self.expired = self.clients.expired("old", "old.example.com")
        self.untrusted = ClientCa(pki / "strangers", "Stranger CA").issue("eve", "eve")
        self.lamina = LaminaProcess(self.folder / "template.yaml", "--tls")
        self.ca = self.folder / ".lamina" / "tls" / "ca.pem"
        self.port = self.lamina.port
        _wait_for_banner(self.lamina)

    def get(self, name: str, path: str, client: ClientCert | None = None) -> httpx.Response:
        """GET https://{name}:{port}{path}, connecting to 127.0.0.1 with SNI `name`."""
        context = ssl.create_default_context(cafile=self.ca)
        if client is not None:
            context.load_cert_chain(client.cert_path, client.key_path)
        with httpx.Client(verify=context, timeout=10) as http:
            return http.get(
                f"https://127.0.0.1:{self.port}{path}",
                headers={"Host": f"{name}:{self.port}"},
                extensions={"sni_hostname": name},
            )


def _wait_for_banner(lamina: LaminaProcess) -> None:
    """The port accepts connections a moment before the banner is printed."""
    deadline = time.monotonic() + 10
    while "Listening on" not in lamina.output() and time.monotonic() < deadline:
        time.sleep(0.05)


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    built = Site(tmp_path_factory.mktemp("tls-up"))
    yield built
    built.lamina.stop()


def _event(response: httpx.Response) -> dict[str, Any]:
    assert response.status_code == 200, response.text
    event: dict[str, Any] = response.json()
    return event


def _served_names(site: Site, server_name: str) -> list[str]:
    context = ssl.create_default_context(cafile=site.ca)
    raw = socket.create_connection(("127.0.0.1", site.port), timeout=5)
    with raw, context.wrap_socket(raw, server_hostname=server_name) as tls:
        cert = x509.load_der_x509_certificate(tls.getpeercert(binary_form=True) or b"")
    san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    return [str(name) for name in san.get_values_for_type(x509.DNSName)]


def test_banner_prints_the_ca_and_how_to_trust_it(site: Site) -> None:
    output = site.lamina.output()
    assert f"curl --cacert {site.ca}" in output
    assert f"SSL_CERT_FILE={site.ca}" in output
    assert f"REQUESTS_CA_BUNDLE={site.ca}" in output
    assert f"https://rest.lamina.test:{site.port}/v1/ -> RestApi Prod" in output
    assert f"Listening on https://127.0.0.1:{site.port}" in output


def test_https_root_url_with_generated_ca(site: Site) -> None:
    context = ssl.create_default_context(cafile=site.ca)
    response = httpx.get(f"https://127.0.0.1:{site.port}/Prod/echo/ann", verify=context)
    event = _event(response)
    assert event["path"] == "/echo/ann"
    assert event["headers"]["X-Forwarded-Proto"] == "https"
    assert "clientCert" not in event["requestContext"]["identity"]


def test_plain_http_is_not_served_on_the_tls_port(site: Site) -> None:
    with pytest.raises(httpx.HTTPError):
        httpx.get(f"http://127.0.0.1:{site.port}/Prod/echo/ann", timeout=5)


def test_sni_serves_each_domain_its_certificate(site: Site) -> None:
    assert _served_names(site, "rest.lamina.test") == ["rest.lamina.test"]
    assert _served_names(site, "mtls.lamina.test") == ["mtls.lamina.test"]
    assert "localhost" in _served_names(site, "localhost")


def test_rest_custom_domain_base_path_reaches_the_api(site: Site) -> None:
    event = _event(site.get("rest.lamina.test", "/v1/echo/ann"))
    context = event["requestContext"]
    assert (event["path"], event["resource"]) == ("/v1/echo/ann", "/echo/{name}")
    assert (context["path"], context["stage"]) == ("/v1/echo/ann", "Prod")
    assert context["domainName"] == "rest.lamina.test"
    assert event["pathParameters"] == {"name": "ann"}
    # The (none) base path of the same domain.
    assert _event(site.get("rest.lamina.test", "/echo/ann"))["path"] == "/echo/ann"


def test_http_api_custom_domain_without_base_path(site: Site) -> None:
    event = _event(site.get("root.lamina.test", "/echo/ann"))
    assert event["rawPath"] == "/echo/ann"
    assert event["requestContext"]["domainName"] == "root.lamina.test"
    assert "authentication" not in event["requestContext"]


def test_mtls_http_api_valid_certificate_reaches_the_function(site: Site) -> None:
    event = _event(site.get("http.lamina.test", "/v2/echo/ann", site.valid))
    context = event["requestContext"]
    assert event["rawPath"] == "/v2/echo/ann"
    client_cert = context["authentication"]["clientCert"]
    assert client_cert["subjectDN"] == "CN=alice.example.com,O=Example Clients,C=US"
    assert client_cert["issuerDN"] == "CN=Example Client CA,O=Example Corp,C=US"
    assert client_cert["serialNumber"] == "0a:1b:2c"
    assert client_cert["clientCertPem"] == site.valid.cert_path.read_text()
    not_after = site.valid.cert.not_valid_after_utc
    assert client_cert["validity"]["notAfter"] == (
        f"{not_after:%b} {not_after.day:2d} {not_after:%H:%M:%S %Y} GMT"
    )


def test_mtls_rest_domain_puts_client_cert_in_identity(site: Site) -> None:
    event = _event(site.get("mtls.lamina.test", "/api/v1/echo/ann", site.valid))
    identity = event["requestContext"]["identity"]
    assert identity["clientCert"]["subjectDN"] == "CN=alice.example.com,O=Example Clients,C=US"
    assert event["path"] == "/api/v1/echo/ann"


def test_mtls_without_client_certificate_is_forbidden(site: Site) -> None:
    http = site.get("http.lamina.test", "/v2/echo/ann")
    assert (http.status_code, http.content) == (403, b'{"message":"Forbidden"}')
    rest = site.get("mtls.lamina.test", "/api/v1/echo/ann")
    assert (rest.status_code, rest.content) == (403, b'{"message":"Forbidden"}')
    assert rest.headers["x-amzn-errortype"] == "ForbiddenException"


def test_mtls_expired_certificate_is_forbidden(site: Site) -> None:
    response = site.get("http.lamina.test", "/v2/echo/ann", site.expired)
    assert (response.status_code, response.content) == (403, b'{"message":"Forbidden"}')


def test_mtls_certificate_from_untrusted_ca_is_refused_at_handshake(site: Site) -> None:
    # Refused during the handshake, or reset at the first read/write (TLS 1.3): never HTTP.
    with pytest.raises(httpx.TransportError):
        site.get("http.lamina.test", "/v2/echo/ann", site.untrusted)


def test_mtls_host_cannot_borrow_another_names_connection(site: Site) -> None:
    # TLS to rest.lamina.test (no mutual TLS), then Host: http.lamina.test.
    context = ssl.create_default_context(cafile=site.ca)
    with httpx.Client(verify=context, timeout=10) as http:
        response = http.get(
            f"https://127.0.0.1:{site.port}/v2/echo/ann",
            headers={"Host": "http.lamina.test"},
            extensions={"sni_hostname": "rest.lamina.test"},
        )
    assert response.status_code == 403


@pytest.mark.skipif(shutil.which("curl") is None, reason="curl not installed")
def test_curl_with_resolve_and_client_certificate(site: Site) -> None:
    port = site.port
    command = ["curl", "-sS", "--cacert", str(site.ca)]
    command += ["--resolve", f"http.lamina.test:{port}:127.0.0.1"]
    command += ["--cert", str(site.valid.cert_path), "--key", str(site.valid.key_path)]
    done = subprocess.run(
        [*command, f"https://http.lamina.test:{port}/v2/echo/ann"],
        capture_output=True,
        timeout=30,
    )
    assert done.returncode == 0, done.stderr
    event = orjson.loads(done.stdout)
    assert event["requestContext"]["authentication"]["clientCert"]["serialNumber"] == "0a:1b:2c"
    refused = subprocess.run(
        ["curl", "-sS", "--cacert", str(site.ca), "--resolve", f"http.lamina.test:{port}:127.0.0.1",
         "-o", "/dev/null", "-w", "%{http_code}", f"https://http.lamina.test:{port}/v2/echo/ann"],
        capture_output=True,
        timeout=30,
    )  # fmt: skip
    assert refused.stdout == b"403"
    # An expired certificate: the handshake completes, curl gets API Gateway's 403 body.
    expired = subprocess.run(
        [*command[:6], "--cert", str(site.expired.cert_path), "--key", str(site.expired.key_path),
         "-w", " %{http_code}", f"https://http.lamina.test:{port}/v2/echo/ann"],
        capture_output=True,
        timeout=30,
    )  # fmt: skip
    assert expired.returncode == 0, expired.stderr
    assert expired.stdout == b'{"message":"Forbidden"} 403'


def test_user_certificates_for_default_name_and_a_domain(tmp_path: Path) -> None:
    own = CertificateAuthority(tmp_path / "own-ca")
    default = own.leaf("mine", ["localhost", "127.0.0.1"])
    domain = own.leaf("rest", ["rest.lamina.test"])
    folder = tmp_path / "app"
    shutil.copytree(FIXTURES / "apps" / "domains", folder)
    clients = ClientCa(tmp_path / "clients", "Client CA")
    (folder / "truststore.pem").write_bytes(clients.pem_path.read_bytes())
    lamina = LaminaProcess(
        folder / "template.yaml",
        "--tls-cert",
        str(default.cert_path),
        "--tls-key",
        str(default.key_path),
        "--tls-domain-cert",
        f"rest.lamina.test={domain.cert_path},{domain.key_path}",
    )
    try:
        _wait_for_banner(lamina)
        context = ssl.create_default_context(cafile=tmp_path / "own-ca" / "ca.pem")
        for name, pair in (("localhost", default), ("rest.lamina.test", domain)):
            raw = socket.create_connection(("127.0.0.1", lamina.port), timeout=5)
            with raw, context.wrap_socket(raw, server_hostname=name) as tls:
                served = tls.getpeercert(binary_form=True)
            assert served == pair.certificate().public_bytes(Encoding.DER), name
        # The banner names the certificate served, and the URLs it does not cover.
        output = lamina.output()
        assert f"TLS: your certificate {default.cert_path}, for 127.0.0.1, localhost" in output
        assert "it does not name *.execute-api.localhost" in output
        # The other domains still get certificates of Lamina's CA.
        lamina_ca = folder / ".lamina" / "tls" / "ca.pem"
        assert f"curl --cacert {lamina_ca}" in lamina.output()
        assert not (folder / ".lamina" / "tls" / "domain-rest.lamina.test.pem").exists()
    finally:
        lamina.stop()


def test_without_tls_domains_match_by_host_and_mutual_tls_domains_deny(tmp_path: Path) -> None:
    folder = tmp_path / "app"
    shutil.copytree(FIXTURES / "apps" / "domains", folder)
    clients = ClientCa(tmp_path / "clients", "Client CA")
    (folder / "truststore.pem").write_bytes(clients.pem_path.read_bytes())
    lamina = LaminaProcess(folder / "template.yaml")
    try:
        _wait_for_banner(lamina)
        base = f"http://127.0.0.1:{lamina.port}"
        response = httpx.get(f"{base}/v1/echo/ann", headers={"Host": "rest.lamina.test"})
        event = _event(response)
        assert (event["path"], event["requestContext"]["domainName"]) == (
            "/v1/echo/ann",
            "rest.lamina.test",
        )
        assert event["headers"]["X-Forwarded-Proto"] == "http"
        denied = httpx.get(f"{base}/v2/echo/ann", headers={"Host": "http.lamina.test"})
        assert (denied.status_code, denied.content) == (403, b'{"message":"Forbidden"}')
        assert "(mutual TLS, truststore" in lamina.output() and "needs --tls)" in lamina.output()
        assert not (folder / ".lamina" / "tls").exists()
    finally:
        lamina.stop()
