"""Custom domain names and base path mappings through boto3.

https://docs.aws.amazon.com/apigateway/latest/api/API_CreateDomainName.html
https://docs.aws.amazon.com/apigateway/latest/api/API_CreateBasePathMapping.html
https://docs.aws.amazon.com/apigateway/latest/developerguide/rest-api-mappings.html
"""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError

from lamina.services.apigateway.domain_store import domain_table

from .deploy_server import deployed_api, error_of
from .v2_client import v2_fixture  # noqa: F401 (the `v2` fixture)

CERT = "arn:aws:acm:us-east-1:123456789012:certificate/abc"


def _regional(apigw: Any, name: str = "api.example.com") -> Any:
    return apigw.create_domain_name(
        domainName=name,
        regionalCertificateArn=CERT,
        endpointConfiguration={"types": ["REGIONAL"]},
    )


def test_create_regional_domain_name(apigw: Any, server: Any) -> None:
    server.changes.clear()
    domain = _regional(apigw)
    assert domain["ResponseMetadata"]["HTTPStatusCode"] == 201
    assert domain["domainName"] == "api.example.com"
    assert domain["regionalCertificateArn"] == CERT
    assert domain["regionalDomainName"].startswith("d-")
    assert domain["regionalDomainName"].endswith(".execute-api.us-east-1.amazonaws.com")
    assert domain["regionalHostedZoneId"] == "Z1UJRXOUMOOFQ8"
    assert domain["endpointConfiguration"]["types"] == ["REGIONAL"]
    assert domain["domainNameStatus"] == "AVAILABLE"
    assert domain["securityPolicy"] == "TLS_1_2"
    assert "distributionDomainName" not in domain
    assert server.changes == [""]


def test_create_edge_domain_name_is_the_default(apigw: Any) -> None:
    domain = apigw.create_domain_name(domainName="edge.example.com", certificateArn=CERT)
    assert domain["endpointConfiguration"]["types"] == ["EDGE"]
    assert domain["certificateArn"] == CERT
    assert domain["distributionDomainName"].endswith(".cloudfront.net")
    assert domain["distributionHostedZoneId"] == "Z2FDTNDATAQYW2"
    assert "certificateUploadDate" in domain


def test_domain_name_validation(apigw: Any) -> None:
    _regional(apigw)
    with pytest.raises(ClientError) as duplicate:
        _regional(apigw)
    assert error_of(duplicate) == (
        400,
        "BadRequestException",
        "The domain name you provided already exists.",
    )
    with pytest.raises(ClientError) as no_certificate:
        apigw.create_domain_name(
            domainName="b.example.com", endpointConfiguration={"types": ["REGIONAL"]}
        )
    assert error_of(no_certificate)[:2] == (400, "BadRequestException")
    with pytest.raises(ClientError) as bad_name:
        apigw.create_domain_name(domainName="not a domain", certificateArn=CERT)
    assert error_of(bad_name)[:2] == (400, "BadRequestException")


def test_get_update_and_delete_domain_names(apigw: Any) -> None:
    _regional(apigw, "a.example.com")
    _regional(apigw, "b.example.com")
    names = [d["domainName"] for d in apigw.get_domain_names()["items"]]
    assert names == ["a.example.com", "b.example.com"]
    updated = apigw.update_domain_name(
        domainName="a.example.com",
        patchOperations=[
            {"op": "replace", "path": "/regionalCertificateArn", "value": CERT + "2"},
            {"op": "replace", "path": "/securityPolicy", "value": "TLS_1_0"},
        ],
    )
    assert updated["regionalCertificateArn"] == CERT + "2"
    assert updated["securityPolicy"] == "TLS_1_0"
    with pytest.raises(ClientError) as bad_path:
        apigw.update_domain_name(
            domainName="a.example.com",
            patchOperations=[{"op": "replace", "path": "/domainName", "value": "x.example.com"}],
        )
    assert error_of(bad_path) == (400, "BadRequestException", "Invalid patch path /domainName")
    assert (
        apigw.delete_domain_name(domainName="a.example.com")["ResponseMetadata"]["HTTPStatusCode"]
        == 202
    )
    with pytest.raises(ClientError) as gone:
        apigw.get_domain_name(domainName="a.example.com")
    assert error_of(gone) == (404, "NotFoundException", "Invalid domain name identifier specified")


def test_base_path_mappings_with_none_and_multi_level_paths(
    apigw: Any, server: Any, v2: Any
) -> None:
    """Multi-level base paths are made with apigatewayv2's CreateApiMapping (on a REGIONAL
    domain) and read here like any other."""
    api_id, _ = deployed_api(apigw)
    other, _ = deployed_api(apigw, stage="v1")
    _regional(apigw)
    root = apigw.create_base_path_mapping(domainName="api.example.com", restApiId=api_id)
    assert root["ResponseMetadata"]["HTTPStatusCode"] == 201
    assert root["basePath"] == "(none)" and root["restApiId"] == api_id and "stage" not in root
    v2.create_api_mapping(
        DomainName="api.example.com", ApiId=other, Stage="v1", ApiMappingKey="myservice/cat/v1"
    )
    apigw.create_base_path_mapping(
        domainName="api.example.com", basePath="myservice", restApiId=api_id, stage="dev"
    )
    fetched = apigw.get_base_path_mapping(domainName="api.example.com", basePath="myservice/cat/v1")
    assert fetched == {**fetched, "basePath": "myservice/cat/v1", "restApiId": other, "stage": "v1"}
    listed = apigw.get_base_path_mappings(domainName="api.example.com")["items"]
    assert [m["basePath"] for m in listed] == ["(none)", "myservice/cat/v1", "myservice"]
    ((domain, mappings),) = domain_table(server.store)
    assert domain.domain_name == "api.example.com"
    assert len(mappings) == 3
    none = apigw.get_base_path_mapping(domainName="api.example.com", basePath="(none)")
    assert none["restApiId"] == api_id


def test_base_path_mapping_validation(apigw: Any) -> None:
    api_id, _ = deployed_api(apigw)
    _regional(apigw)
    apigw.create_domain_name(domainName="edge.example.com", certificateArn=CERT)
    apigw.create_base_path_mapping(domainName="api.example.com", basePath="v1", restApiId=api_id)
    with pytest.raises(ClientError) as duplicate:
        apigw.create_base_path_mapping(
            domainName="api.example.com", basePath="v1", restApiId=api_id
        )
    assert error_of(duplicate) == (
        409,
        "ConflictException",
        "Base path already exists for this domain name",
    )
    with pytest.raises(ClientError) as unknown_api:
        apigw.create_base_path_mapping(domainName="api.example.com", restApiId="nope000000")
    assert error_of(unknown_api) == (
        400,
        "BadRequestException",
        "Invalid REST API identifier specified",
    )
    with pytest.raises(ClientError) as unknown_stage:
        apigw.create_base_path_mapping(
            domainName="api.example.com", basePath="x", restApiId=api_id, stage="nope"
        )
    assert error_of(unknown_stage) == (
        400,
        "BadRequestException",
        "Invalid stage identifier specified",
    )
    for name in ("edge.example.com", "api.example.com"):
        with pytest.raises(ClientError) as multi_level:
            apigw.create_base_path_mapping(domainName=name, basePath="a/b", restApiId=api_id)
        assert error_of(multi_level) == (
            400,
            "BadRequestException",
            "API Gateway V1 doesn't support the slash character (/) in base path mappings. "
            "To create a multi-level base path mapping, use API Gateway V2.",
        )
    with pytest.raises(ClientError) as unknown_domain:
        apigw.create_base_path_mapping(domainName="nope.example.com", restApiId=api_id)
    assert error_of(unknown_domain)[:2] == (404, "NotFoundException")


def test_update_and_delete_base_path_mappings(apigw: Any, server: Any) -> None:
    api_id, _ = deployed_api(apigw)
    apigw.create_deployment(restApiId=api_id, stageName="prod")
    _regional(apigw)
    apigw.create_base_path_mapping(domainName="api.example.com", basePath="pets", restApiId=api_id)
    server.changes.clear()
    moved = apigw.update_base_path_mapping(
        domainName="api.example.com",
        basePath="pets",
        patchOperations=[
            {"op": "replace", "path": "/basePath", "value": "animals"},
            {"op": "replace", "path": "/stage", "value": "prod"},
        ],
    )
    assert moved["basePath"] == "animals" and moved["stage"] == "prod"
    assert server.changes == [""]
    with pytest.raises(ClientError) as old:
        apigw.get_base_path_mapping(domainName="api.example.com", basePath="pets")
    assert error_of(old) == (
        404,
        "NotFoundException",
        "Invalid base path mapping identifier specified",
    )
    deleted = apigw.delete_base_path_mapping(domainName="api.example.com", basePath="animals")
    assert deleted["ResponseMetadata"]["HTTPStatusCode"] == 202
    assert apigw.get_base_path_mappings(domainName="api.example.com")["items"] == []


def test_deleting_a_domain_deletes_its_mappings(apigw: Any, server: Any) -> None:
    api_id, _ = deployed_api(apigw)
    _regional(apigw)
    apigw.create_base_path_mapping(domainName="api.example.com", restApiId=api_id)
    apigw.delete_domain_name(domainName="api.example.com")
    _regional(apigw)
    assert apigw.get_base_path_mappings(domainName="api.example.com")["items"] == []
    assert [mappings for _, mappings in domain_table(server.store)] == [[]]
