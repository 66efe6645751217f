"""Custom domains read from templates: SAM `Domain`, raw CloudFormation resources,
base paths and truststore locations."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from lamina.config.domain import truststore_path
from lamina.config.error import ConfigError
from lamina.config.load import load_application
from lamina.config.model import Application
from lamina.gateway.domain import ApiMapping
from tests.tls_pki import ClientCa

FIXTURE = Path(__file__).resolve().parents[2] / "fixtures" / "apps" / "domains"

_CFN = """
AWSTemplateFormatVersion: "2010-09-09"
Resources:
  Api:
    Type: AWS::ApiGateway::RestApi
    Properties: {{Name: api}}
  Domain:
    Type: AWS::ApiGateway::DomainName
    Properties:
      DomainName: Api.Example.com
      RegionalCertificateArn: arn:aws:acm:us-east-1:123456789012:certificate/x
{extra_domain}
  Mapping:
    Type: AWS::ApiGateway::BasePathMapping
    Properties:
      DomainName: !Ref Domain
      RestApiId: !Ref Api
{mapping}
"""


def _load(
    tmp_path: Path, mapping: str = "      BasePath: (none)", extra_domain: str = ""
) -> Application:
    (tmp_path / "template.yaml").write_text(_CFN.format(mapping=mapping, extra_domain=extra_domain))
    return load_application(tmp_path)


def test_sam_domains_and_raw_resources_become_custom_domains(tmp_path: Path) -> None:
    app_dir = tmp_path / "domains"
    shutil.copytree(FIXTURE, app_dir)
    (app_dir / "truststore.pem").write_bytes(ClientCa(tmp_path / "ca", "CA").pem_path.read_bytes())
    app = load_application(app_dir)
    rest_id = app.rest_apis[0].id
    http_id = app.http_apis[0].id
    domains = {domain.name: domain for domain in app.domains}
    assert set(domains) == {
        "rest.lamina.test",
        "http.lamina.test",
        "mtls.lamina.test",
        "root.lamina.test",
    }
    # SAM Api Domain with BasePath ["/", "v1"]: the empty base path and "v1".
    assert set(domains["rest.lamina.test"].mappings) == {
        ApiMapping(api_id=rest_id, base_path="", stage="Prod"),
        ApiMapping(api_id=rest_id, base_path="v1", stage="Prod"),
    }
    assert domains["rest.lamina.test"].mutual_tls is None
    # SAM HttpApi Domain: ApiMappingKey "v2" on the $default stage, mutual TLS.
    http = domains["http.lamina.test"]
    assert http.mappings == (ApiMapping(api_id=http_id, base_path="v2", stage="$default"),)
    assert http.mutual_tls is not None
    assert http.mutual_tls.truststore == str((app_dir / "truststore.pem").resolve())
    # Raw CloudFormation: multi-level base path, file:// truststore.
    mtls = domains["mtls.lamina.test"]
    assert mtls.mappings == (ApiMapping(api_id=rest_id, base_path="api/v1", stage="Prod"),)
    assert mtls.mutual_tls is not None and mtls.mutual_tls.truststore_uri == "file://truststore.pem"
    root = domains["root.lamina.test"]
    assert root.mappings == (ApiMapping(api_id=http_id, base_path="", stage="$default"),)
    assert not any("DomainName" in warning for warning in app.warnings)


def test_none_base_path_and_missing_stage(tmp_path: Path) -> None:
    app = _load(tmp_path)
    (domain,) = app.domains
    assert domain.name == "api.example.com"  # domain names are case-insensitive
    assert domain.mappings[0].base_path == ""
    assert domain.mappings[0].stage is None  # the stage comes from the URL


def test_same_base_path_twice_is_refused(tmp_path: Path) -> None:
    text = _CFN.format(mapping="      BasePath: v1", extra_domain="")
    text += """
  Second:
    Type: AWS::ApiGateway::BasePathMapping
    Properties: {DomainName: api.example.com, RestApiId: !Ref Api, BasePath: /v1/}
"""
    (tmp_path / "template.yaml").write_text(text)
    with pytest.raises(ConfigError, match=r"base path v1 of api\.example\.com is mapped twice"):
        load_application(tmp_path)


def test_mapping_to_an_undeclared_domain_is_a_warning(tmp_path: Path) -> None:
    text = _CFN.format(mapping="      BasePath: v1", extra_domain="")
    text += """
  Elsewhere:
    Type: AWS::ApiGateway::BasePathMapping
    Properties: {DomainName: other.example.com, RestApiId: !Ref Api}
"""
    (tmp_path / "template.yaml").write_text(text)
    app = load_application(tmp_path)
    assert any("other.example.com is not declared" in warning for warning in app.warnings)


def test_mutual_tls_truststore_missing_names_the_places_looked(tmp_path: Path) -> None:
    extra = "      MutualTlsAuthentication: {TruststoreUri: s3://bucket/ca/bundle.pem}"
    with pytest.raises(ConfigError, match=r"s3://bucket/ca/bundle.pem.*no PEM file found"):
        _load(tmp_path, extra_domain=extra)


@pytest.mark.parametrize(
    ("uri", "where"),
    [
        ("truststore.pem", "truststore.pem"),
        ("file://certs/truststore.pem", "certs/truststore.pem"),
        ("s3://my-bucket/truststore.pem", "truststore.pem"),
        ("s3://my-bucket/certs/truststore.pem", "certs/truststore.pem"),
        ("s3://my-bucket/only-here.pem", "my-bucket/only-here.pem"),
    ],
)
def test_truststore_uri_maps_to_a_file_beside_the_template(
    tmp_path: Path, uri: str, where: str
) -> None:
    target = tmp_path / where
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text("pem")
    assert truststore_path(uri, tmp_path) == target.resolve()


def test_truststore_uri_with_another_scheme_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="https://"):
        truststore_path("https://example.com/ca.pem", tmp_path)


def test_empty_truststore_uri_turns_mutual_tls_off(tmp_path: Path) -> None:
    app = _load(tmp_path, extra_domain='      MutualTlsAuthentication: {TruststoreUri: ""}')
    assert app.domains[0].mutual_tls is None


def _truststore(tmp_path: Path) -> str:
    (tmp_path / "truststore.pem").write_bytes(ClientCa(tmp_path / "ca", "CA").pem_path.read_bytes())
    return "      MutualTlsAuthentication: {TruststoreUri: truststore.pem}\n"


def test_unknown_security_policy_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="SecurityPolicy TLS_1_3 is not one of TLS_1_0, TLS_1_2"):
        _load(tmp_path, extra_domain="      SecurityPolicy: TLS_1_3")


@pytest.mark.parametrize("policy", ["TLS_1_0", "SecurityPolicy_TLS13_1_3_2025_09"])
def test_mutual_tls_needs_the_tls_1_2_policy(tmp_path: Path, policy: str) -> None:
    extra = _truststore(tmp_path) + f"      SecurityPolicy: {policy}"
    with pytest.raises(ConfigError, match=f"needs SecurityPolicy TLS_1_2 .*has {policy}"):
        _load(tmp_path, extra_domain=extra)


def test_enhanced_policy_is_kept_and_tls_1_3_only_is_told_apart(tmp_path: Path) -> None:
    mode = "\n      EndpointAccessMode: STRICT"
    app = _load(
        tmp_path, extra_domain="      SecurityPolicy: SecurityPolicy_TLS13_1_3_2025_09" + mode
    )
    assert app.domains[0].security_policy == "SecurityPolicy_TLS13_1_3_2025_09"
    assert app.domains[0].endpoint_access_mode == "STRICT"
    assert app.domains[0].accepts_tls_1_3_only
    other = tmp_path / "other"
    other.mkdir()
    app = _load(other, extra_domain="      SecurityPolicy: SecurityPolicy_TLS13_1_2_2021_06" + mode)
    assert not app.domains[0].accepts_tls_1_3_only


def test_http_api_domain_takes_only_the_legacy_policies(tmp_path: Path) -> None:
    (tmp_path / "template.yaml").write_text(
        """
Resources:
  Domain:
    Type: AWS::ApiGatewayV2::DomainName
    Properties:
      DomainName: api.example.com
      DomainNameConfigurations:
        - {CertificateArn: arn:aws:acm:us-east-1:123456789012:certificate/x,
           SecurityPolicy: SecurityPolicy_TLS13_1_3_2025_09}
"""
    )
    with pytest.raises(ConfigError, match=r"is not one of TLS_1_0, TLS_1_2$"):
        load_application(tmp_path)


def test_invalid_truststore_certificates_are_warnings(tmp_path: Path) -> None:
    extra = _truststore(tmp_path)
    expired = ClientCa(tmp_path / "old", "Old CA").expired("gone", "Gone CA")
    with (tmp_path / "truststore.pem").open("ab") as bundle:
        bundle.write(expired.cert_path.read_bytes())
    app = _load(tmp_path, extra_domain=extra)
    assert app.domains[0].mutual_tls is not None
    [warning] = [w for w in app.warnings if "truststore" in w]
    assert warning.startswith("Domain: truststore ")
    assert "certificate 2 (CN=Gone CA,O=Example Clients,C=US) expired on" in warning


def test_truststore_that_is_no_pem_bundle_is_a_warning(tmp_path: Path) -> None:
    (tmp_path / "truststore.pem").write_text("placeholder")
    extra = "      MutualTlsAuthentication: {TruststoreUri: truststore.pem}"
    app = _load(tmp_path, extra_domain=extra)
    assert any("not a PEM bundle of certificates" in w for w in app.warnings)


def test_enhanced_policy_needs_an_endpoint_access_mode(tmp_path: Path) -> None:
    policy = "      SecurityPolicy: SecurityPolicy_TLS13_1_2_2021_06"
    with pytest.raises(ConfigError, match="needs EndpointAccessMode STRICT or BASIC"):
        _load(tmp_path, extra_domain=policy)
    other = tmp_path / "other"
    other.mkdir()
    with pytest.raises(ConfigError, match="EndpointAccessMode LAX is not one of STRICT, BASIC"):
        _load(other, extra_domain=policy + "\n      EndpointAccessMode: LAX")
