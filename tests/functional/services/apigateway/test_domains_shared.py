"""One custom domain name resource for both management APIs, as on AWS: a domain made with
apigateway is seen, changed and deleted through apigatewayv2 and the other way round; both
list every mapping of the domain in their own shape; a base path is taken once.

https://docs.aws.amazon.com/apigateway/latest/developerguide/rest-api-mappings.html
https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-mappings.html
"""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError

from lamina.services.apigateway.domain_store import domain_table

from .deploy_server import deployed_api, error_of
from .v2_client import v2_fixture  # noqa: F401 (the `v2` fixture)

CERT = "arn:aws:acm:us-east-1:123456789012:certificate/abc"
NAME = "api.example.test"


def _rest_domain(apigw: Any, name: str = NAME) -> Any:
    return apigw.create_domain_name(
        domainName=name,
        regionalCertificateArn=CERT,
        endpointConfiguration={"types": ["REGIONAL"]},
    )


def _http_api(v2: Any) -> str:
    api_id = str(v2.create_api(Name="h", ProtocolType="HTTP")["ApiId"])
    v2.create_route(ApiId=api_id, RouteKey="GET /")
    v2.create_stage(ApiId=api_id, StageName="$default", AutoDeploy=True)
    return api_id


def test_a_domain_made_with_either_api_is_seen_by_both(apigw: Any, v2: Any) -> None:
    made = _rest_domain(apigw)
    seen = v2.get_domain_name(DomainName=NAME)
    [configuration] = seen["DomainNameConfigurations"]
    assert configuration["ApiGatewayDomainName"] == made["regionalDomainName"]
    assert configuration["HostedZoneId"] == made["regionalHostedZoneId"] == "Z1UJRXOUMOOFQ8"
    assert configuration["CertificateArn"] == CERT
    assert configuration["EndpointType"] == "REGIONAL"
    assert seen["DomainNameArn"] == made["domainNameArn"]
    v2.create_domain_name(
        DomainName="v2.example.test",
        DomainNameConfigurations=[{"CertificateArn": CERT + "2", "EndpointType": "REGIONAL"}],
        Tags={"team": "a"},
    )
    listed = {d["domainName"]: d for d in apigw.get_domain_names()["items"]}
    assert set(listed) == {NAME, "v2.example.test"}
    other = listed["v2.example.test"]
    assert other["regionalCertificateArn"] == CERT + "2"
    assert other["endpointConfiguration"]["types"] == ["REGIONAL"]
    assert other["regionalDomainName"].endswith(".execute-api.us-east-1.amazonaws.com")
    assert other["tags"] == {"team": "a"}
    assert [d["DomainName"] for d in v2.get_domain_names()["Items"]] == [NAME, "v2.example.test"]


def test_changes_through_one_api_show_in_the_other(apigw: Any, v2: Any) -> None:
    _rest_domain(apigw)
    v2.update_domain_name(
        DomainName=NAME, DomainNameConfigurations=[{"CertificateArn": CERT + "new"}]
    )
    assert apigw.get_domain_name(domainName=NAME)["regionalCertificateArn"] == CERT + "new"
    apigw.update_domain_name(
        domainName=NAME,
        patchOperations=[{"op": "replace", "path": "/securityPolicy", "value": "TLS_1_0"}],
    )
    [configuration] = v2.get_domain_name(DomainName=NAME)["DomainNameConfigurations"]
    assert configuration["SecurityPolicy"] == "TLS_1_0"


def test_a_name_is_taken_once_across_both_apis(apigw: Any, v2: Any) -> None:
    _rest_domain(apigw)
    with pytest.raises(ClientError) as through_v2:
        v2.create_domain_name(DomainName=NAME)
    assert error_of(through_v2) == (
        409,
        "ConflictException",
        "The domain name you provided already exists.",
    )
    v2.create_domain_name(DomainName="v2.example.test")
    with pytest.raises(ClientError) as through_v1:
        _rest_domain(apigw, "v2.example.test")
    assert error_of(through_v1) == (
        400,
        "BadRequestException",
        "The domain name you provided already exists.",
    )


def test_both_apis_list_every_mapping_in_their_own_shape(apigw: Any, v2: Any, server: Any) -> None:
    rest_id, _ = deployed_api(apigw, stage="prod")
    http_id = _http_api(v2)
    _rest_domain(apigw)
    apigw.create_base_path_mapping(domainName=NAME, basePath="v1", restApiId=rest_id, stage="prod")
    apigw.create_base_path_mapping(domainName=NAME, restApiId=rest_id)
    v2.create_api_mapping(DomainName=NAME, ApiId=http_id, Stage="$default", ApiMappingKey="api/v2")
    v2.create_api_mapping(DomainName=NAME, ApiId=rest_id, Stage="prod", ApiMappingKey="rest/x")
    base_paths = apigw.get_base_path_mappings(domainName=NAME)["items"]
    assert base_paths == [
        {"basePath": "v1", "restApiId": rest_id, "stage": "prod"},
        {"basePath": "(none)", "restApiId": rest_id},
        {"basePath": "api/v2", "restApiId": http_id, "stage": "$default"},
        {"basePath": "rest/x", "restApiId": rest_id, "stage": "prod"},
    ]
    api_mappings = v2.get_api_mappings(DomainName=NAME)["Items"]
    assert [(m["ApiMappingKey"], m["ApiId"], m["Stage"]) for m in api_mappings] == [
        ("v1", rest_id, "prod"),
        ("", rest_id, "(none)"),
        ("api/v2", http_id, "$default"),
        ("rest/x", rest_id, "prod"),
    ]
    made_by_v1 = api_mappings[0]["ApiMappingId"]
    got = v2.get_api_mapping(DomainName=NAME, ApiMappingId=made_by_v1)
    assert got["ApiMappingKey"] == "v1"
    fetched = apigw.get_base_path_mapping(domainName=NAME, basePath="rest/x")
    assert fetched["restApiId"] == rest_id
    v2.delete_api_mapping(DomainName=NAME, ApiMappingId=made_by_v1)
    apigw.delete_base_path_mapping(domainName=NAME, basePath="api/v2")
    assert [m["basePath"] for m in apigw.get_base_path_mappings(domainName=NAME)["items"]] == [
        "(none)",
        "rest/x",
    ]
    ((domain, mappings),) = domain_table(server.store)
    assert domain.domain_name == NAME
    assert [(m.base_path, m.api_type) for m in mappings] == [("", "REST"), ("rest/x", "REST")]


def test_a_base_path_is_taken_once_across_both_apis(apigw: Any, v2: Any) -> None:
    rest_id, _ = deployed_api(apigw, stage="prod")
    http_id = _http_api(v2)
    _rest_domain(apigw)
    apigw.create_base_path_mapping(domainName=NAME, basePath="v1", restApiId=rest_id, stage="prod")
    apigw.create_base_path_mapping(domainName=NAME, restApiId=rest_id, stage="prod")
    for key in ("v1", ""):
        with pytest.raises(ClientError) as through_v2:
            v2.create_api_mapping(
                DomainName=NAME, ApiId=http_id, Stage="$default", ApiMappingKey=key
            )
        assert error_of(through_v2)[:2] == (409, "ConflictException")
    v2.create_api_mapping(DomainName=NAME, ApiId=http_id, Stage="$default", ApiMappingKey="orders")
    with pytest.raises(ClientError) as through_v1:
        apigw.create_base_path_mapping(domainName=NAME, basePath="orders", restApiId=rest_id)
    assert error_of(through_v1) == (
        409,
        "ConflictException",
        "Base path already exists for this domain name",
    )
    with pytest.raises(ClientError) as moved_onto_taken:
        apigw.update_base_path_mapping(
            domainName=NAME,
            basePath="v1",
            patchOperations=[{"op": "replace", "path": "/basePath", "value": "orders"}],
        )
    assert error_of(moved_onto_taken)[:2] == (409, "ConflictException")


def test_v1_refuses_an_http_api_and_v2_maps_rest_stages_it_checks(apigw: Any, v2: Any) -> None:
    rest_id, _ = deployed_api(apigw, stage="prod")
    http_id = _http_api(v2)
    _rest_domain(apigw)
    with pytest.raises(ClientError) as http_through_v1:
        apigw.create_base_path_mapping(domainName=NAME, restApiId=http_id, stage="$default")
    assert error_of(http_through_v1) == (
        400,
        "BadRequestException",
        "Invalid REST API identifier specified",
    )
    with pytest.raises(ClientError) as missing_rest_stage:
        v2.create_api_mapping(DomainName=NAME, ApiId=rest_id, Stage="nope", ApiMappingKey="a")
    assert error_of(missing_rest_stage)[:2] == (404, "NotFoundException")
    with pytest.raises(ClientError) as missing_api:
        v2.create_api_mapping(DomainName=NAME, ApiId="nope000000", Stage="x", ApiMappingKey="a")
    assert error_of(missing_api)[:2] == (404, "NotFoundException")


def test_multi_level_keys_need_a_regional_tls_1_2_domain(apigw: Any, v2: Any) -> None:
    http_id = _http_api(v2)
    apigw.create_domain_name(domainName="edge.example.test", certificateArn=CERT)
    with pytest.raises(ClientError) as on_edge:
        v2.create_api_mapping(
            DomainName="edge.example.test", ApiId=http_id, Stage="$default", ApiMappingKey="a/b"
        )
    assert error_of(on_edge)[:2] == (400, "BadRequestException")
    made = v2.create_api_mapping(
        DomainName="edge.example.test", ApiId=http_id, Stage="$default", ApiMappingKey="a"
    )
    assert made["ApiMappingKey"] == "a"
    [configuration] = v2.get_domain_name(DomainName="edge.example.test")["DomainNameConfigurations"]
    assert configuration["EndpointType"] == "EDGE"
    assert configuration["ApiGatewayDomainName"].endswith(".cloudfront.net")
    assert configuration["CertificateArn"] == CERT


@pytest.mark.parametrize("deleted_by", ["apigateway", "apigatewayv2"])
def test_deleting_through_either_api_deletes_domain_and_mappings(
    apigw: Any, v2: Any, deleted_by: str
) -> None:
    rest_id, _ = deployed_api(apigw, stage="prod")
    http_id = _http_api(v2)
    _rest_domain(apigw)
    apigw.create_base_path_mapping(domainName=NAME, basePath="v1", restApiId=rest_id, stage="prod")
    v2.create_api_mapping(DomainName=NAME, ApiId=http_id, Stage="$default", ApiMappingKey="a/b")
    if deleted_by == "apigateway":
        apigw.delete_domain_name(domainName=NAME)
    else:
        v2.delete_domain_name(DomainName=NAME)
    with pytest.raises(ClientError) as v1_gone:
        apigw.get_domain_name(domainName=NAME)
    assert error_of(v1_gone)[:2] == (404, "NotFoundException")
    with pytest.raises(ClientError) as v2_gone:
        v2.get_api_mappings(DomainName=NAME)
    assert error_of(v2_gone)[:2] == (404, "NotFoundException")
    v2.create_domain_name(DomainName=NAME)
    assert apigw.get_base_path_mappings(domainName=NAME)["items"] == []
    assert v2.get_api_mappings(DomainName=NAME)["Items"] == []
