"""A custom domain made through the management APIs against `lamina up` routes on Host: the
domain made with apigateway, a REST stage mapped under "v1" with CreateBasePathMapping and
an HTTP API stage under "api/v2" with apigatewayv2's CreateApiMapping, the longest matching
base path winning; both APIs list the domain's mappings.
https://docs.aws.amazon.com/apigateway/latest/developerguide/rest-api-mappings.html
https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-mappings.html
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import boto3
import httpx
import pytest

from tests.conftest import FIXTURES, LaminaProcess

APP = FIXTURES / "apps" / "proxy"
HOST = "api.example.test"
CERT = "arn:aws:acm:us-east-1:123456789012:certificate/local"


@pytest.fixture
def lamina() -> Iterator[LaminaProcess]:
    process = LaminaProcess(APP)
    try:
        yield process
    finally:
        process.stop()


def _client(service: str, base: str) -> Any:
    return boto3.client(
        service,
        endpoint_url=base,
        region_name="us-east-1",
        aws_access_key_id="test",
        aws_secret_access_key="test",
    )


def _call(base: str, path: str) -> httpx.Response:
    return httpx.get(base + path, headers={"host": HOST}, timeout=30)


def test_a_domain_maps_rest_and_http_stages_longest_base_path_first(
    lamina: LaminaProcess,
) -> None:
    apigw, v2 = _client("apigateway", lamina.base), _client("apigatewayv2", lamina.base)
    [rest] = apigw.get_rest_apis()["items"]
    [http] = v2.get_apis()["Items"]
    rest_id, http_id = rest["id"], http["ApiId"]
    assert _call(lamina.base, "/v1/echo/bob").status_code == 404  # no such domain yet

    apigw.create_domain_name(
        domainName=HOST,
        regionalCertificateArn=CERT,
        endpointConfiguration={"types": ["REGIONAL"]},
    )
    apigw.create_base_path_mapping(domainName=HOST, basePath="v1", restApiId=rest_id, stage="Prod")
    v2.create_api_mapping(DomainName=HOST, ApiId=http_id, Stage="$default", ApiMappingKey="api/v2")
    v2.create_api_mapping(DomainName=HOST, ApiId=rest_id, Stage="Prod", ApiMappingKey="api")

    by_rest = _call(lamina.base, "/v1/echo/bob")
    assert by_rest.status_code == 200, by_rest.text
    event = by_rest.json()["event"]
    assert event["resource"] == "/echo/{name}" and event["pathParameters"] == {"name": "bob"}
    assert event["requestContext"]["stage"] == "Prod"

    by_http = _call(lamina.base, "/api/v2/echo/ann")
    assert by_http.status_code == 200, by_http.text
    event = by_http.json()["event"]
    assert event["version"] == "2.0" and event["routeKey"] == "ANY /echo/{name}"
    assert event["pathParameters"] == {"name": "ann"}

    shorter = _call(lamina.base, "/api/echo/cy")  # "api" (REST), not "api/v2"
    assert shorter.status_code == 200, shorter.text
    assert shorter.json()["event"]["resource"] == "/echo/{name}"

    listed = apigw.get_base_path_mappings(domainName=HOST)["items"]
    assert [m["basePath"] for m in listed] == ["v1", "api/v2", "api"]
    keys = [m["ApiMappingKey"] for m in v2.get_api_mappings(DomainName=HOST)["Items"]]
    assert keys == ["v1", "api/v2", "api"]

    v2.delete_domain_name(DomainName=HOST)
    assert _call(lamina.base, "/v1/echo/bob").status_code == 404
