"""The REST API management API beside the HTTP API one: both sign as "apigateway", one
endpoint serves both, each request reaches its own service; IAM names API Gateway
resources by their ARN paths.

https://docs.aws.amazon.com/apigateway/latest/developerguide/arn-format-reference.html
"""

from __future__ import annotations

from typing import Any

import boto3

from lamina.core.store import Store
from lamina.services.apigateway.provider import ApiGatewayProvider
from lamina.services.apigatewayv2.provider import ApiGatewayV2Provider
from tests.clock import ManualClock as Clock
from tests.loopback import REGION, LoopbackServer

from .conftest import ACCOUNT


def test_rest_and_http_api_services_share_one_endpoint(store: Store, clock: Clock) -> None:
    server = LoopbackServer()
    v1 = ApiGatewayProvider(store=store, region=REGION, account_id=ACCOUNT, clock=clock)
    v2 = ApiGatewayV2Provider(store, REGION, ACCOUNT, clock=clock)
    server.serve(v2, v1)
    try:
        rest: Any = boto3.client("apigateway", **server.client_options())
        http: Any = boto3.client("apigatewayv2", **server.client_options())
        api = rest.create_rest_api(name="rest")
        resource = rest.create_resource(
            restApiId=api["id"], parentId=api["rootResourceId"], pathPart="pets"
        )
        got = rest.get_resource(restApiId=api["id"], resourceId=resource["id"])
        assert got["path"] == "/pets"
        created = http.create_api(Name="http", ProtocolType="HTTP")
        assert http.get_api(ApiId=created["ApiId"])["Name"] == "http"
        assert [item["name"] for item in rest.get_rest_apis()["items"]] == ["rest"]
    finally:
        server.close()


def test_resource_arns_follow_the_arn_format(store: Store, clock: Clock) -> None:
    provider = ApiGatewayProvider(store=store, region="eu-west-1", account_id=ACCOUNT)
    base = "arn:aws:apigateway:eu-west-1::/restapis"
    assert provider.resource_arns("GetRestApis", {}) == [base]
    assert provider.resource_arns("GetRestApi", {"restApiId": "a1"}) == [f"{base}/a1"]
    integration = provider.resource_arns(
        "PutIntegrationResponse",
        {"restApiId": "a1", "resourceId": "r1", "httpMethod": "GET", "statusCode": "200"},
    )
    assert integration == [f"{base}/a1/resources/r1/methods/GET/integration/responses/200"]
    model = provider.resource_arns("GetModel", {"restApiId": "a1", "modelName": "Pet"})
    assert model == [f"{base}/a1/models/Pet"]
