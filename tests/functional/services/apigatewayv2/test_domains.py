"""Custom domain names and multi-level API mappings through boto3.

https://docs.aws.amazon.com/apigatewayv2/latest/api-reference/domainnames.html
https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-mappings.html
"""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.loopback import ACCOUNT

from .conftest import ApiGatewayV2Server
from .errors import error_of

CERTIFICATE = "arn:aws:acm:us-east-1:123456789012:certificate/abc"


@pytest.fixture
def api_id(v2: Any) -> str:
    """An API with a $default stage of its own (not quick create's managed one)."""
    api_id = str(v2.create_api(Name="q", ProtocolType="HTTP")["ApiId"])
    v2.create_route(ApiId=api_id, RouteKey="GET /")
    v2.create_stage(ApiId=api_id, StageName="$default", AutoDeploy=True)
    return api_id


def test_domain_name_crud(v2: Any) -> None:
    created = v2.create_domain_name(
        DomainName="API.example.com",
        DomainNameConfigurations=[{"CertificateArn": CERTIFICATE, "EndpointType": "REGIONAL"}],
        Tags={"env": "prod"},
    )
    assert created["ResponseMetadata"]["HTTPStatusCode"] == 201
    assert created["DomainName"] == "api.example.com"
    assert created["ApiMappingSelectionExpression"] == "$request.basepath"
    [configuration] = created["DomainNameConfigurations"]
    assert configuration["DomainNameStatus"] == "AVAILABLE"
    assert configuration["SecurityPolicy"] == "TLS_1_2"
    assert configuration["ApiGatewayDomainName"].endswith(".execute-api.us-east-1.amazonaws.com")
    assert v2.get_domain_name(DomainName="api.example.com")["Tags"] == {"env": "prod"}
    updated = v2.update_domain_name(
        DomainName="api.example.com",
        DomainNameConfigurations=[{"CertificateArn": CERTIFICATE + "2"}],
    )
    assert updated["DomainNameConfigurations"][0]["CertificateArn"] == CERTIFICATE + "2"
    assert [d["DomainName"] for d in v2.get_domain_names()["Items"]] == ["api.example.com"]
    v2.delete_domain_name(DomainName="api.example.com")
    with pytest.raises(ClientError) as info:
        v2.get_domain_name(DomainName="api.example.com")
    assert error_of(info) == (
        404,
        "NotFoundException",
        f"Invalid domain name identifier specified {ACCOUNT}:api.example.com",
    )


def test_domain_name_errors(v2: Any) -> None:
    v2.create_domain_name(DomainName="a.example.com")
    with pytest.raises(ClientError) as info:
        v2.create_domain_name(DomainName="a.example.com")
    assert error_of(info) == (
        409,
        "ConflictException",
        "The domain name you provided already exists.",
    )
    with pytest.raises(ClientError) as info:
        v2.create_domain_name(DomainName="not a domain")
    assert error_of(info)[:2] == (400, "BadRequestException")


def test_multi_level_api_mappings(v2: Any, api_id: str, server: ApiGatewayV2Server) -> None:
    v2.create_domain_name(DomainName="api.example.com")
    server.changes.clear()
    keys = ["myservice", "myservice/cat/v1", "myservice/dog/v2", ""]
    made = [
        v2.create_api_mapping(
            DomainName="api.example.com", ApiId=api_id, Stage="$default", ApiMappingKey=key
        )
        for key in keys
    ]
    assert made[0]["ResponseMetadata"]["HTTPStatusCode"] == 201
    assert server.changes == [api_id] * 4
    listed = v2.get_api_mappings(DomainName="api.example.com")["Items"]
    assert [m.get("ApiMappingKey", "") for m in listed] == keys
    got = v2.get_api_mapping(DomainName="api.example.com", ApiMappingId=made[1]["ApiMappingId"])
    assert got["ApiMappingKey"] == "myservice/cat/v1" and got["Stage"] == "$default"
    moved = v2.update_api_mapping(
        DomainName="api.example.com",
        ApiMappingId=made[1]["ApiMappingId"],
        ApiId=api_id,
        ApiMappingKey="myservice/cat/v3",
    )
    assert moved["ApiMappingKey"] == "myservice/cat/v3"
    v2.delete_api_mapping(DomainName="api.example.com", ApiMappingId=made[0]["ApiMappingId"])
    assert len(v2.get_api_mappings(DomainName="api.example.com")["Items"]) == 3


@pytest.mark.parametrize("key", ["/lead", "trail/", "a//b", "sp ace"])
def test_invalid_mapping_keys_are_bad_requests(v2: Any, api_id: str, key: str) -> None:
    v2.create_domain_name(DomainName="api.example.com")
    with pytest.raises(ClientError) as info:
        v2.create_api_mapping(
            DomainName="api.example.com", ApiId=api_id, Stage="$default", ApiMappingKey=key
        )
    assert error_of(info)[:2] == (400, "BadRequestException")


def test_mapping_errors(v2: Any, api_id: str) -> None:
    v2.create_domain_name(DomainName="api.example.com")
    v2.create_api_mapping(
        DomainName="api.example.com", ApiId=api_id, Stage="$default", ApiMappingKey="v1"
    )
    with pytest.raises(ClientError) as info:
        v2.create_api_mapping(
            DomainName="api.example.com", ApiId=api_id, Stage="$default", ApiMappingKey="v1"
        )
    assert error_of(info)[:2] == (409, "ConflictException")
    with pytest.raises(ClientError) as info:
        v2.create_api_mapping(DomainName="api.example.com", ApiId=api_id, Stage="nope")
    assert error_of(info)[:2] == (404, "NotFoundException")
    with pytest.raises(ClientError) as info:
        v2.create_api_mapping(DomainName="other.example.com", ApiId=api_id, Stage="$default")
    assert error_of(info)[:2] == (404, "NotFoundException")
    with pytest.raises(ClientError) as info:
        v2.get_api_mapping(DomainName="api.example.com", ApiMappingId="zzz")
    assert error_of(info) == (
        404,
        "NotFoundException",
        "Invalid ApiMapping identifier specified zzz",
    )
    with pytest.raises(ClientError) as info:
        v2.delete_stage(ApiId=api_id, StageName="$default")
    assert error_of(info)[:2] == (409, "ConflictException")


def test_deleting_domain_or_api_drops_its_mappings(
    v2: Any, api_id: str, server: ApiGatewayV2Server
) -> None:
    v2.create_domain_name(DomainName="a.example.com")
    v2.create_domain_name(DomainName="b.example.com")
    for name in ("a.example.com", "b.example.com"):
        v2.create_api_mapping(DomainName=name, ApiId=api_id, Stage="$default")
    server.changes.clear()
    v2.delete_domain_name(DomainName="a.example.com")
    assert server.changes == [api_id]
    v2.delete_api(ApiId=api_id)
    assert v2.get_api_mappings(DomainName="b.example.com")["Items"] == []
