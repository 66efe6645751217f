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
    (app_dir / "truststore.pem").write_text("placeholder")  # the tests write a real one
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
