"""Custom domains made through the management APIs (boto3 apigateway / apigatewayv2
CreateDomainName) against a running `lamina up --tls`: their truststore read from Lamina's
own S3 and checked as AWS checks it, served by SNI with a certificate for their name, mutual
TLS from the next handshake, and their security policy and endpoint access mode enforced.
https://docs.aws.amazon.com/apigateway/latest/developerguide/rest-api-mutual-tls.html
https://docs.aws.amazon.com/apigateway/latest/api/API_MutualTlsAuthentication.html
"""

from __future__ import annotations

import shutil
import socket
import ssl
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import httpx
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError
from cryptography import x509

from tests.clients import until
from tests.conftest import FIXTURES, LaminaProcess
from tests.tls_pki import ClientCa, ClientCert

CERTIFICATE = "arn:aws:acm:us-east-1:123456789012:certificate/11111111-2222-3333-4444-555555555555"
BUCKET = "truststores"


class Site:
    def __init__(self, root: Path) -> None:
        folder = root / "domains"
        shutil.copytree(FIXTURES / "apps" / "domains", folder)
        pki = root / "pki"
        self.clients = ClientCa(pki / "clients", "Example Client CA")
        (folder / "truststore.pem").write_bytes(self.clients.pem_path.read_bytes())
        self.valid = self.clients.issue("alice", "alice.example.com", serial=0x0A1B2C)
        self.strangers = ClientCa(pki / "strangers", "Stranger CA")
        self.untrusted = self.strangers.issue("eve", "eve")
        self.gone = ClientCa(pki / "gone", "Gone CA", expired=True)
        self.lamina = LaminaProcess(folder / "template.yaml", "--tls")
        self.ca = folder / ".lamina" / "tls" / "ca.pem"
        self.port = self.lamina.port
        deadline = time.monotonic() + 10
        while "Listening on" not in self.lamina.output() and time.monotonic() < deadline:
            time.sleep(0.05)

    def client(self, service: str) -> Any:
        return boto3.client(
            service,
            endpoint_url=f"https://127.0.0.1:{self.port}",
            region_name="us-east-1",
            aws_access_key_id="test",
            aws_secret_access_key="test",
            verify=str(self.ca),
            config=Config(s3={"addressing_style": "path"}),
        )

    def get(
        self,
        name: str,
        path: str,
        client: ClientCert | None = None,
        *,
        host: str | None = None,
        max_version: ssl.TLSVersion | None = None,
    ) -> httpx.Response:
        """GET https://{name}:{port}{path} from 127.0.0.1 with SNI `name` (Host `host`)."""
        context = ssl.create_default_context(cafile=self.ca)
        if client is not None:
            context.load_cert_chain(client.cert_path, client.key_path)
        if max_version is not None:
            context.maximum_version = max_version
        with httpx.Client(verify=context, timeout=10) as http:
            return http.get(
                f"https://127.0.0.1:{self.port}{path}",
                headers={"Host": host or name},
                extensions={"sni_hostname": name},
            )

    def served_names(self, server_name: str) -> list[str]:
        context = ssl.create_default_context(cafile=self.ca)
        context.check_hostname = False
        raw = socket.create_connection(("127.0.0.1", self.port), timeout=5)
        with raw, context.wrap_socket(raw, server_hostname=server_name) as tls:
            cert = x509.load_der_x509_certificate(tls.getpeercert(binary_form=True) or b"")
        san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
        return [str(name) for name in san.get_values_for_type(x509.DNSName)]

    def rest_api_id(self) -> str:
        (api,) = self.client("apigateway").get_rest_apis()["items"]  # the template's RestApi
        return str(api["id"])


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    built = Site(tmp_path_factory.mktemp("tls-api-domains"))
    s3 = built.client("s3")
    s3.create_bucket(Bucket=BUCKET)
    s3.put_object(Bucket=BUCKET, Key="clients.pem", Body=built.clients.pem_path.read_bytes())
    both = built.clients.pem_path.read_bytes() + built.gone.pem_path.read_bytes()
    s3.put_object(Bucket=BUCKET, Key="with-expired.pem", Body=both)
    s3.put_object(Bucket=BUCKET, Key="not-pem.txt", Body=b"placeholder")
    strangers = built.strangers.pem_path.read_bytes()
    s3.put_object(Bucket=BUCKET, Key="strangers.pem", Body=strangers)
    yield built
    built.lamina.stop()


def _error(call: Any, **params: Any) -> tuple[str, str]:
    with pytest.raises(ClientError) as raised:
        call(**params)
    error = raised.value.response["Error"]
    return str(error["Code"]), str(error["Message"])


def _mtls_domain(site: Site, name: str, key: str = "clients.pem") -> dict[str, Any]:
    created: dict[str, Any] = site.client("apigateway").create_domain_name(
        domainName=name,
        regionalCertificateArn=CERTIFICATE,
        endpointConfiguration={"types": ["REGIONAL"]},
        securityPolicy="TLS_1_2",
        mutualTlsAuthentication={"truststoreUri": f"s3://{BUCKET}/{key}"},
    )
    return created


def _map(site: Site, name: str, base_path: str) -> None:
    site.client("apigateway").create_base_path_mapping(
        domainName=name, restApiId=site.rest_api_id(), basePath=base_path, stage="Prod"
    )


def _served(site: Site, name: str, path: str, client: ClientCert | None = None) -> bool:
    """Whether the data plane routes `name` yet (a mapping is served after its redeploy)."""
    try:
        return site.get(name, path, client).status_code == 200
    except httpx.TransportError:
        return False


def test_api_domain_with_mtls_serves_its_certificate_and_checks_clients(site: Site) -> None:
    created = _mtls_domain(site, "api.lamina.test")
    assert created["mutualTlsAuthentication"] == {"truststoreUri": f"s3://{BUCKET}/clients.pem"}
    _map(site, "api.lamina.test", "svc")
    assert until(lambda: _served(site, "api.lamina.test", "/svc/echo/ann", site.valid))
    assert site.served_names("api.lamina.test") == ["api.lamina.test"]
    event = site.get("api.lamina.test", "/svc/echo/ann", site.valid).json()
    identity = event["requestContext"]["identity"]
    assert identity["clientCert"]["subjectDN"] == "CN=alice.example.com,O=Example Clients,C=US"
    assert identity["clientCert"]["serialNumber"] == "0a:1b:2c"
    assert event["requestContext"]["domainName"] == "api.lamina.test"


def test_api_domain_with_mtls_forbids_a_request_without_certificate(site: Site) -> None:
    _mtls_domain(site, "nocert.lamina.test")
    _map(site, "nocert.lamina.test", "svc")
    assert until(lambda: _served(site, "nocert.lamina.test", "/svc/echo/ann", site.valid))
    response = site.get("nocert.lamina.test", "/svc/echo/ann")
    assert (response.status_code, response.content) == (403, b'{"message":"Forbidden"}')
    with pytest.raises(httpx.TransportError):  # refused at the handshake: unknown CA
        site.get("nocert.lamina.test", "/svc/echo/ann", site.untrusted)


def test_api_domain_truststore_warnings_name_an_expired_ca(site: Site) -> None:
    v2 = site.client("apigatewayv2")
    created = v2.create_domain_name(
        DomainName="warn.lamina.test",
        DomainNameConfigurations=[{"CertificateArn": CERTIFICATE, "SecurityPolicy": "TLS_1_2"}],
        MutualTlsAuthentication={"TruststoreUri": f"s3://{BUCKET}/with-expired.pem"},
    )
    (warning,) = created["MutualTlsAuthentication"]["TruststoreWarnings"]
    assert "CN=Gone CA" in warning and "expired on" in warning
    shown = site.client("apigateway").get_domain_name(domainName="warn.lamina.test")
    assert shown["mutualTlsAuthentication"]["truststoreWarnings"] == [warning]


def test_api_domain_truststore_that_cannot_be_read_is_a_bad_request(site: Site) -> None:
    rest = site.client("apigateway")
    for key in ("missing.pem", "not-pem.txt"):
        code, message = _error(
            rest.create_domain_name,
            domainName=f"bad-{key.partition('.')[0]}.lamina.test",
            regionalCertificateArn=CERTIFICATE,
            endpointConfiguration={"types": ["REGIONAL"]},
            mutualTlsAuthentication={"truststoreUri": f"s3://{BUCKET}/{key}"},
        )
        assert code == "BadRequestException", message
        assert f"s3://{BUCKET}/{key}" in message
    code, _ = _error(rest.get_domain_name, domainName="bad-missing.lamina.test")
    assert code == "NotFoundException"


def test_api_domain_policy_is_checked_as_aws_checks_it(site: Site) -> None:
    rest, v2 = site.client("apigateway"), site.client("apigatewayv2")
    base = {
        "regionalCertificateArn": CERTIFICATE,
        "endpointConfiguration": {"types": ["REGIONAL"]},
    }
    mtls = {"truststoreUri": f"s3://{BUCKET}/clients.pem"}
    _, message = _error(
        rest.create_domain_name,
        domainName="old.lamina.test",
        securityPolicy="TLS_1_0",
        mutualTlsAuthentication=mtls,
        **base,
    )
    assert "TLS_1_2" in message
    _, message = _error(
        rest.create_domain_name,
        domainName="nomode.lamina.test",
        securityPolicy="SecurityPolicy_TLS13_1_3_2025_09",
        **base,
    )
    assert "endpoint access mode" in message
    code, _ = _error(
        v2.create_domain_name,
        DomainName="v2.lamina.test",
        DomainNameConfigurations=[
            {"CertificateArn": CERTIFICATE, "SecurityPolicy": "SecurityPolicy_TLS13_1_3_2025_09"}
        ],
    )
    assert code == "BadRequestException"


def test_api_domain_tls13_strict_refuses_tls12_and_a_borrowed_host(site: Site) -> None:
    rest = site.client("apigateway")
    created = rest.create_domain_name(
        domainName="strict.lamina.test",
        regionalCertificateArn=CERTIFICATE,
        endpointConfiguration={"types": ["REGIONAL"]},
        securityPolicy="SecurityPolicy_TLS13_1_3_2025_09",
        endpointAccessMode="STRICT",
    )
    assert created["endpointAccessMode"] == "STRICT"
    assert created["securityPolicy"] == "SecurityPolicy_TLS13_1_3_2025_09"
    _map(site, "strict.lamina.test", "svc")
    assert until(lambda: _served(site, "strict.lamina.test", "/svc/echo/ann"))
    with pytest.raises(httpx.TransportError):
        site.get("strict.lamina.test", "/svc/echo/ann", max_version=ssl.TLSVersion.TLSv1_2)
    # STRICT: the Host must be the name the TLS connection asked for (SNI).
    borrowed = site.get("rest.lamina.test", "/svc/echo/ann", host="strict.lamina.test")
    assert borrowed.status_code == 403


def test_api_domain_truststore_update_applies_from_the_next_handshake(site: Site) -> None:
    _mtls_domain(site, "rotate.lamina.test")
    _map(site, "rotate.lamina.test", "svc")
    assert until(lambda: _served(site, "rotate.lamina.test", "/svc/echo/ann", site.valid))
    site.client("apigateway").update_domain_name(
        domainName="rotate.lamina.test",
        patchOperations=[
            {
                "op": "replace",
                "path": "/mutualTlsAuthentication/truststoreUri",
                "value": f"s3://{BUCKET}/strangers.pem",
            }
        ],
    )
    assert until(lambda: _served(site, "rotate.lamina.test", "/svc/echo/ann", site.untrusted))
    event = site.get("rotate.lamina.test", "/svc/echo/ann", site.untrusted).json()
    assert event["requestContext"]["identity"]["clientCert"]["subjectDN"].startswith("CN=eve")
    with pytest.raises(httpx.TransportError):
        site.get("rotate.lamina.test", "/svc/echo/ann", site.valid)
    shown = site.client("apigateway").get_domain_name(domainName="rotate.lamina.test")
    assert shown["mutualTlsAuthentication"]["truststoreUri"] == f"s3://{BUCKET}/strangers.pem"
