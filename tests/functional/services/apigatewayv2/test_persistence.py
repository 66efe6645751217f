"""HTTP APIs survive a restart (a new provider over the store opened again), and the
apigatewayv2 and apigateway services share one endpoint and signing name."""

from __future__ import annotations

from typing import Any

import boto3

from lamina.services.apigateway.provider import ApiGatewayProvider
from lamina.services.apigatewayv2.provider import ApiGatewayV2Provider
from tests.clock import ManualClock
from tests.loopback import ACCOUNT, REGION, LoopbackServer

from .conftest import FUNCTION_ARN, ApiGatewayV2Server, Backend


def test_everything_is_still_there_after_a_restart(backend: Backend, clock: ManualClock) -> None:
    store = backend.open()
    first = ApiGatewayV2Server(store, clock)
    try:
        v2 = first.client()
        api_id = v2.create_api(Name="kept", ProtocolType="HTTP", Target=FUNCTION_ARN)["ApiId"]
        v2.create_stage(ApiId=api_id, StageName="prod", StageVariables={"fn": "hello"})
        v2.create_deployment(ApiId=api_id, StageName="prod")
        v2.create_domain_name(DomainName="api.example.com")
        v2.create_api_mapping(DomainName="api.example.com", ApiId=api_id, Stage="prod")
        before = _everything(v2, api_id)
        served = first.provider.served(api_id)
    finally:
        first.close()
        store.close()
    store = backend.open()
    second = ApiGatewayV2Server(store, clock)
    try:
        assert _everything(second.client(), api_id) == before
        assert second.provider.served(api_id) == served
        assert second.provider.api_ids() == [api_id]
    finally:
        second.close()
        store.close()


def _everything(v2: Any, api_id: str) -> list[Any]:
    answers = [
        v2.get_api(ApiId=api_id),
        v2.get_routes(ApiId=api_id),
        v2.get_integrations(ApiId=api_id),
        v2.get_stages(ApiId=api_id),
        v2.get_deployments(ApiId=api_id),
        v2.get_domain_names(),
        v2.get_api_mappings(DomainName="api.example.com"),
    ]
    for answer in answers:
        answer.pop("ResponseMetadata")
    return answers


class _BothServices(LoopbackServer):
    def __init__(self, backend: Backend, clock: ManualClock) -> None:
        super().__init__()
        self.store = backend.open()
        self.serve(
            ApiGatewayProvider(store=self.store, region=REGION, account_id=ACCOUNT, clock=clock),
            ApiGatewayV2Provider(self.store, REGION, ACCOUNT, clock=clock),
        )

    def release(self) -> None:
        self.store.close()


def test_v1_and_v2_clients_reach_their_own_service(backend: Backend, clock: ManualClock) -> None:
    server = _BothServices(backend, clock)
    try:
        v1 = boto3.client("apigateway", **server.client_options())
        v2 = boto3.client("apigatewayv2", **server.client_options())
        rest = v1.create_rest_api(name="rest")
        http = v2.create_api(Name="http", ProtocolType="HTTP")
        assert [item["id"] for item in v1.get_rest_apis()["items"]] == [rest["id"]]
        assert [item["ApiId"] for item in v2.get_apis()["Items"]] == [http["ApiId"]]
    finally:
        server.close()
