"""What the management API stores compiles into the data plane's model: the provider's
`served` answer fed to config.apigatewayv2_compile, as the control plane's wiring does."""

from __future__ import annotations

from typing import Any

from lamina.config.apigateway_domains import compile_custom_domains
from lamina.config.apigatewayv2_compile import compile_http_api
from lamina.gateway.model import LambdaIntegration
from lamina.services.apigateway.domain_store import domain_table
from tests.loopback import ACCOUNT, REGION

from .conftest import FUNCTION_ARN, ApiGatewayV2Server


def test_quick_created_api_compiles_to_its_default_stage(
    v2: Any, server: ApiGatewayV2Server
) -> None:
    api_id = v2.create_api(Name="quick", ProtocolType="HTTP", Target=FUNCTION_ARN)["ApiId"]
    served = server.provider.served(api_id)
    assert served is not None
    api = compile_http_api(*served, region=REGION, account_id=ACCOUNT)
    [route] = api.routes
    assert route.route_key == "$default"
    assert route.integration == LambdaIntegration(
        function_name="hello", payload_format="2.0", timeout_ms=30000
    )
    [stage] = api.stages
    assert stage.name == "$default" and stage.definition is None


def test_stages_on_different_deployments_get_their_own_definitions(
    v2: Any, server: ApiGatewayV2Server
) -> None:
    api_id = v2.create_api(Name="quick", ProtocolType="HTTP", Target=FUNCTION_ARN)["ApiId"]
    v2.create_stage(ApiId=api_id, StageName="prod")
    v2.create_deployment(ApiId=api_id, StageName="prod")
    v2.create_route(ApiId=api_id, RouteKey="GET /new")  # auto-deploys $default only
    served = server.provider.served(api_id)
    assert served is not None
    api = compile_http_api(*served, region=REGION, account_id=ACCOUNT)
    default, prod = api.stages
    assert {route.route_key for route in api.routes} == {"$default", "GET /new"}
    assert default.definition is None
    assert prod.definition is not None
    assert [route.route_key for route in prod.definition.routes] == ["$default"]
    assert server.provider.served("missing") is None


def test_domains_compile_with_their_mappings(v2: Any, server: ApiGatewayV2Server) -> None:
    api_id = v2.create_api(Name="quick", ProtocolType="HTTP", Target=FUNCTION_ARN)["ApiId"]
    v2.create_domain_name(DomainName="api.example.com")
    v2.create_api_mapping(
        DomainName="api.example.com", ApiId=api_id, Stage="$default", ApiMappingKey="a/b"
    )
    [domain] = compile_custom_domains(domain_table(server.provider.store))
    [mapping] = domain.mappings
    assert (domain.name, mapping.api_id, mapping.base_path) == ("api.example.com", api_id, "a/b")
