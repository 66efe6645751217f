"""What `lamina up --tls` sets up (lamina.cli.transport) and prints (lamina.cli.banner)."""

from __future__ import annotations

import ssl
from pathlib import Path

import pytest
from cryptography import x509

from lamina.cli.banner import banner_lines
from lamina.cli.transport import Transport, parse_domain_certs
from lamina.config.model import Application
from lamina.gateway.deployment import Deployment
from lamina.gateway.domain import ApiMapping, CustomDomain, MutualTls
from lamina.gateway.model import RestApi, Stage
from lamina.http.certificate import CertificateAuthority
from lamina.http.tls import TlsConfigError
from tests.tls_pki import ClientCa


def _app(tmp_path: Path, truststore: Path | None = None) -> Application:
    rest = RestApi(id="restapi001", logical_id="Rest", name="Rest", stages=(Stage(name="Prod"),))
    mtls = (
        MutualTls(truststore=str(truststore), truststore_uri="truststore.pem")
        if truststore
        else None
    )
    domain = CustomDomain(
        name="api.example.com",
        mappings=(
            ApiMapping(api_id="restapi001", base_path="v1", stage="Prod"),
            ApiMapping(api_id="restapi001", base_path="any"),
        ),
        mutual_tls=mtls,
    )
    return Application(
        template_path=str(tmp_path / "template.yaml"),
        stack_name="s",
        rest_apis=(rest,),
        domains=(domain,),
    )


def _sans(path: Path) -> list[str]:
    cert = x509.load_pem_x509_certificate(path.read_bytes())
    san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    return [str(v) for v in san.get_values_for_type(x509.DNSName)] + [
        str(v) for v in san.get_values_for_type(x509.IPAddress)
    ]


def test_without_tls_the_server_speaks_http_and_no_ca_is_made(tmp_path: Path) -> None:
    transport = Transport.create(_app(tmp_path), tmp_path / ".lamina", "127.0.0.1", tls=False)
    assert (transport.server_tls, transport.ca_path, transport.scheme) == (None, None, "http")
    assert not (tmp_path / ".lamina").exists()


def test_tls_issues_default_and_domain_certificates(tmp_path: Path) -> None:
    state = tmp_path / ".lamina"
    transport = Transport.create(_app(tmp_path), state, "192.0.2.7", tls=True)
    assert transport.scheme == "https"
    assert transport.ca_path == state / "tls" / "ca.pem"
    assert _sans(state / "tls" / "localhost.pem") == [
        "localhost",
        "*.execute-api.localhost",
        "*.execute-api.vpce.localhost",  # a VPC endpoint's own name (private APIs)
        "*.cloudfront.localhost",  # CloudFront-compatible distributions
        "127.0.0.1",
        "::1",
        "192.0.2.7",
    ]
    assert _sans(state / "tls" / "domain-api.example.com.pem") == ["api.example.com"]


def test_wildcard_bind_adds_no_name(tmp_path: Path) -> None:
    Transport.create(_app(tmp_path), tmp_path, "0.0.0.0", tls=True)
    assert "0.0.0.0" not in _sans(tmp_path / "tls" / "localhost.pem")


def test_tls_cert_without_key_is_refused(tmp_path: Path) -> None:
    with pytest.raises(TlsConfigError, match="--tls-cert and --tls-key go together"):
        Transport.create(_app(tmp_path), tmp_path, "127.0.0.1", tls=True, cert="c.pem")


def test_mutual_tls_domain_asks_for_client_certificates(tmp_path: Path) -> None:
    clients = ClientCa(tmp_path / "pki", "Client CA")
    app = _app(tmp_path, truststore=clients.pem_path)
    transport = Transport.create(app, tmp_path / ".lamina", "127.0.0.1", tls=True)
    assert transport.server_tls is not None
    assert transport.server_tls.context.verify_mode is ssl.CERT_OPTIONAL


def test_banner_lists_domain_urls_and_how_to_trust_the_ca(tmp_path: Path) -> None:
    clients = ClientCa(tmp_path / "pki", "Client CA")
    app = _app(tmp_path, truststore=clients.pem_path)
    deployment = Deployment(
        app.rest_apis, (), account_id="123456789012", region="us-east-1", domains=app.domains
    )
    ca = tmp_path / "ca.pem"
    lines = banner_lines(app, deployment, "127.0.0.1", 3443, scheme="https", ca_path=ca)
    assert (
        "  https://127.0.0.1:3443/Prod/  https://restapi001.execute-api.localhost:3443/Prod/"
        in ("\n".join(lines))
    )
    assert f"  api.example.com  (mutual TLS, truststore {clients.pem_path})" in lines
    assert "  https://api.example.com:3443/v1/ -> Rest Prod" in lines
    assert "  https://api.example.com:3443/any/ -> Rest {stage from the path}" in lines
    assert f"  curl --cacert {ca} ..." in lines
    assert f"  SSL_CERT_FILE={ca}  (Python ssl, httpx)" in lines
    assert f"  REQUESTS_CA_BUNDLE={ca}  (requests)" in lines


def test_banner_without_tls_says_mutual_tls_needs_it(tmp_path: Path) -> None:
    clients = ClientCa(tmp_path / "pki", "Client CA")
    app = _app(tmp_path, truststore=clients.pem_path)
    deployment = Deployment(app.rest_apis, (), account_id="1", region="us-east-1")
    lines = banner_lines(app, deployment, "127.0.0.1", 3000)
    assert any(line.endswith("; needs --tls)") for line in lines)
    assert not any("curl --cacert" in line for line in lines)


def test_user_certificates_need_no_local_ca(tmp_path: Path) -> None:
    own = CertificateAuthority(tmp_path / "own")
    pair = own.leaf("mine", ["localhost"])
    app = _app(tmp_path)
    transport = Transport.create(
        app,
        tmp_path / ".lamina",
        "127.0.0.1",
        tls=False,  # implied by the certificates given
        cert=str(pair.cert_path),
        key=str(pair.key_path),
        domain_certs=parse_domain_certs([f"API.example.com={pair.cert_path},{pair.key_path}"]),
    )
    assert transport.server_tls is not None and transport.ca_path is None
    assert not (tmp_path / ".lamina").exists()


def test_domain_certificate_for_an_undeclared_domain_is_refused(tmp_path: Path) -> None:
    with pytest.raises(TlsConfigError, match=r"other\.example\.com: no such custom domain"):
        Transport.create(
            _app(tmp_path),
            tmp_path,
            "127.0.0.1",
            tls=True,
            domain_certs=parse_domain_certs(["other.example.com=c.pem,k.pem"]),
        )


@pytest.mark.parametrize("value", ["api.example.com", "api.example.com=c.pem", "=c.pem,k.pem"])
def test_domain_certificate_option_must_name_both_files(value: str) -> None:
    with pytest.raises(TlsConfigError, match="expected NAME=CERT,KEY"):
        parse_domain_certs([value])
