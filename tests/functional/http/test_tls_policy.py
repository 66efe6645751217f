"""`lamina up --tls` with a domain whose security policy accepts TLS 1.3 only, and a
mutual-TLS truststore holding an expired CA: real clients (ssl, httpx, curl)."""

from __future__ import annotations

import shutil
import socket
import ssl
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from cryptography.hazmat.primitives import hashes

from tests.conftest import FIXTURES, LaminaProcess
from tests.tls_pki import ClientCa, ClientCert

TEMPLATE = """
AWSTemplateFormatVersion: "2010-09-09"
Transform: AWS::Serverless-2016-10-31
Resources:
  Api:
    Type: AWS::Serverless::Api
    Properties: {StageName: Prod}
  Echo:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: python3.11
      CodeUri: src/
      Handler: echo.handler
      Events:
        Get: {Type: Api, Properties: {RestApiId: !Ref Api, Path: "/echo/{name}", Method: get}}
  Modern:
    Type: AWS::ApiGateway::DomainName
    Properties:
      DomainName: modern.lamina.test
      RegionalCertificateArn: arn:aws:acm:us-east-1:123456789012:certificate/x
      EndpointConfiguration: {Types: [REGIONAL]}
      SecurityPolicy: SecurityPolicy_TLS13_1_3_2025_09
      EndpointAccessMode: STRICT
  ModernMapping:
    Type: AWS::ApiGateway::BasePathMapping
    DependsOn: ApiProdStage
    Properties: {DomainName: !Ref Modern, RestApiId: !Ref Api, Stage: Prod}
  Partners:
    Type: AWS::ApiGateway::DomainName
    Properties:
      DomainName: partners.lamina.test
      RegionalCertificateArn: arn:aws:acm:us-east-1:123456789012:certificate/x
      EndpointConfiguration: {Types: [REGIONAL]}
      SecurityPolicy: TLS_1_2
      MutualTlsAuthentication: {TruststoreUri: truststore.pem}
  PartnersMapping:
    Type: AWS::ApiGateway::BasePathMapping
    DependsOn: ApiProdStage
    Properties: {DomainName: !Ref Partners, RestApiId: !Ref Api, Stage: Prod}
"""


class Site:
    def __init__(self, root: Path) -> None:
        self.folder = root / "app"
        self.folder.mkdir()
        shutil.copytree(FIXTURES / "apps" / "domains" / "src", self.folder / "src")
        (self.folder / "template.yaml").write_text(TEMPLATE)
        current = ClientCa(root / "current", "Current CA")
        lapsed = ClientCa(root / "lapsed", "Lapsed CA", expired=True)
        (self.folder / "truststore.pem").write_bytes(
            current.pem_path.read_bytes() + lapsed.pem_path.read_bytes()
        )
        self.valid = current.issue("valid", "valid.example.com")
        self.stranded = lapsed.issue("stranded", "stranded.example.com")
        self.weak = current.issue("weak", "weak.example.com", algorithm=hashes.SHA224())
        self.lamina = LaminaProcess(self.folder / "template.yaml", "--tls")
        self.ca = self.folder / ".lamina" / "tls" / "ca.pem"
        deadline = time.monotonic() + 10
        while "Listening on" not in self.lamina.output() and time.monotonic() < deadline:
            time.sleep(0.05)

    def get(
        self,
        name: str,
        *,
        max_version: ssl.TLSVersion | None = None,
        cert: ClientCert | None = None,
    ) -> httpx.Response:
        context = ssl.create_default_context(cafile=self.ca)
        if max_version is not None:
            context.maximum_version = max_version
        if cert is not None:
            context.load_cert_chain(cert.cert_path, cert.key_path)
        with httpx.Client(verify=context, timeout=10) as http:
            return http.get(
                f"https://127.0.0.1:{self.lamina.port}/echo/ann",
                headers={"Host": name},
                extensions={"sni_hostname": name},
            )


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    built = Site(tmp_path_factory.mktemp("tls-policy"))
    yield built
    built.lamina.stop()


def test_tls_1_3_policy_serves_tls_1_3(site: Site) -> None:
    response = site.get("modern.lamina.test")
    assert response.status_code == 200, response.text
    assert response.json()["requestContext"]["domainName"] == "modern.lamina.test"


def test_tls_1_3_policy_refuses_a_tls_1_2_client(site: Site) -> None:
    with pytest.raises(httpx.TransportError):
        site.get("modern.lamina.test", max_version=ssl.TLSVersion.TLSv1_2)
    # Refused while or right after the handshake ends: never an HTTP answer.
    context = ssl.create_default_context(cafile=site.ca)
    context.maximum_version = ssl.TLSVersion.TLSv1_2
    raw = socket.create_connection(("127.0.0.1", site.lamina.port), timeout=5)
    try:
        with raw, context.wrap_socket(raw, server_hostname="modern.lamina.test") as tls:
            tls.sendall(b"GET /echo/ann HTTP/1.1\r\nHost: modern.lamina.test\r\n\r\n")
            answer = tls.recv(100)
    except (ConnectionError, ssl.SSLError):
        answer = b""
    assert answer == b""


def test_other_names_keep_tls_1_2(site: Site) -> None:
    response = site.get("partners.lamina.test", max_version=ssl.TLSVersion.TLSv1_2, cert=site.valid)
    assert response.status_code == 200, response.text


@pytest.mark.skipif(shutil.which("curl") is None, reason="curl not installed")
def test_curl_with_tls_max_1_2_is_refused_by_the_tls_1_3_domain(site: Site) -> None:
    port = site.lamina.port
    command = ["curl", "-sS", "-o", "/dev/null", "-w", "%{http_code}", "--cacert", str(site.ca)]
    command += ["--resolve", f"modern.lamina.test:{port}:127.0.0.1"]
    url = f"https://modern.lamina.test:{port}/echo/ann"
    refused = subprocess.run([*command, "--tls-max", "1.2", url], capture_output=True, timeout=30)
    assert refused.returncode != 0 and refused.stdout == b"000", refused.stderr
    served = subprocess.run([*command, url], capture_output=True, timeout=30)
    assert served.stdout == b"200", served.stderr


def test_truststore_warning_names_the_expired_ca(site: Site) -> None:
    output = site.lamina.output()
    assert "warning: Partners: truststore " in output
    assert "certificate 2 (CN=Lapsed CA,O=Example Corp,C=US) expired on" in output


def test_client_of_the_expired_ca_is_refused_at_the_handshake(site: Site) -> None:
    with pytest.raises(httpx.TransportError):
        site.get("partners.lamina.test", cert=site.stranded)
    assert site.get("partners.lamina.test", cert=site.valid).status_code == 200


def test_client_certificate_signed_with_sha_224_is_forbidden(site: Site) -> None:
    # Trusted and current, but "doesn't use a supported algorithm": 403, as AWS answers.
    response = site.get("partners.lamina.test", cert=site.weak)
    assert (response.status_code, response.content) == (403, b'{"message":"Forbidden"}')
    assert response.headers["x-amzn-errortype"] == "ForbiddenException"


def test_strict_access_mode_refuses_a_host_its_sni_did_not_name(site: Site) -> None:
    # TLS to localhost (the default certificate), then Host: modern.lamina.test.
    context = ssl.create_default_context(cafile=site.ca)
    with httpx.Client(verify=context, timeout=10) as http:
        response = http.get(
            f"https://127.0.0.1:{site.lamina.port}/echo/ann",
            headers={"Host": "modern.lamina.test"},
            extensions={"sni_hostname": "localhost"},
        )
    assert (response.status_code, response.content) == (403, b'{"message":"Forbidden"}')
    assert response.headers["x-amzn-errortype"] == "ForbiddenException"
