"""Template HTTP APIs adopted into the store: the management API shows and changes them, and
what the store serves compiles back to the template's model."""

from __future__ import annotations

from typing import Any

import msgspec
import pytest

from lamina.config.apigatewayv2_compile import compile_http_api
from lamina.config.apigatewayv2_render import render_http_api
from lamina.config.load import load_application
from lamina.gateway.model import HttpApi, Stage
from lamina.services.apigatewayv2.adopt import adopt, forget_missing, template_logical_id
from tests.clock import ManualClock
from tests.conftest import FIXTURES
from tests.loopback import ACCOUNT, REGION

from .conftest import FUNCTION_ARN, ApiGatewayV2Server, Backend


def load(folder: str) -> HttpApi:
    """The fixture's first HTTP API."""
    return load_application(FIXTURES / folder, region=REGION, account_id=ACCOUNT).http_apis[0]


def adopt_api(server: ApiGatewayV2Server, api: HttpApi, stack: str = "stack") -> bool:
    snapshot, stages = render_http_api(api, region=REGION, account_id=ACCOUNT)
    return adopt(server.provider, snapshot, stages, logical_id=api.logical_id, stack_name=stack)


def served_model(server: ApiGatewayV2Server, api_id: str) -> HttpApi:
    served = server.provider.served(api_id)
    assert served is not None
    logical_id = template_logical_id(server.provider, api_id)
    return compile_http_api(*served, region=REGION, account_id=ACCOUNT, logical_id=logical_id)


def as_served(api: HttpApi, deployment_id: str) -> HttpApi:
    """The template model as the store serves it: its stages on the adopted deployment, and
    JWT authorizers without a result TTL or payload format (AWS has none for them)."""
    authorizers = tuple(
        msgspec.structs.replace(a, result_ttl_seconds=0, payload_format="2.0")
        if a.type == "JWT"
        else a
        for a in api.authorizers
    )
    stages = tuple(msgspec.structs.replace(s, deployment_id=deployment_id) for s in api.stages)
    return msgspec.structs.replace(api, authorizers=authorizers, stages=stages)


def records(v2: Any, api_id: str) -> list[Any]:
    """What the management API shows of an API, without the response metadata."""
    api = {k: v for k, v in v2.get_api(ApiId=api_id).items() if k != "ResponseMetadata"}
    return [
        api,
        v2.get_routes(ApiId=api_id)["Items"],
        v2.get_integrations(ApiId=api_id)["Items"],
        v2.get_authorizers(ApiId=api_id)["Items"],
        v2.get_stages(ApiId=api_id)["Items"],
        v2.get_deployments(ApiId=api_id)["Items"],
    ]


def stage_deployment(v2: Any, api_id: str, name: str) -> str:
    return str(v2.get_stage(ApiId=api_id, StageName=name)["DeploymentId"])


@pytest.mark.parametrize("folder", ["apps/jwt", "apps/authorizers", "apps/staged", "apps/cors"])
def test_adopted_api_is_listed_and_served_as_the_template_declares(
    v2: Any, server: ApiGatewayV2Server, folder: str
) -> None:
    api = load(folder)
    assert adopt_api(server, api)
    assert server.changes == [api.id]
    [listed] = v2.get_apis()["Items"]
    assert (listed["ApiId"], listed["Name"], listed["ProtocolType"]) == (api.id, api.name, "HTTP")
    assert listed["ApiEndpoint"] == f"https://{api.id}.execute-api.{REGION}.amazonaws.com"
    assert listed["Tags"] == {
        "aws:cloudformation:logical-id": api.logical_id,
        "aws:cloudformation:stack-name": "stack",
    }
    routes = v2.get_routes(ApiId=api.id)["Items"]
    assert [route["RouteKey"] for route in routes] == [route.route_key for route in api.routes]
    integrations = {i["IntegrationId"] for i in v2.get_integrations(ApiId=api.id)["Items"]}
    assert {route["Target"].removeprefix("integrations/") for route in routes} == integrations
    authorizers = v2.get_authorizers(ApiId=api.id)["Items"]
    assert [a["AuthorizerId"] for a in authorizers] == [a.id for a in api.authorizers]
    stages = v2.get_stages(ApiId=api.id)["Items"]
    assert [stage["StageName"] for stage in stages] == [stage.name for stage in api.stages]
    [deployment] = v2.get_deployments(ApiId=api.id)["Items"]
    assert {stage["DeploymentId"] for stage in stages} == {deployment["DeploymentId"]}
    assert deployment["DeploymentStatus"] == "DEPLOYED"
    assert served_model(server, api.id) == as_served(api, deployment["DeploymentId"])


def test_readopting_the_same_template_changes_nothing(
    v2: Any, server: ApiGatewayV2Server, clock: ManualClock
) -> None:
    api = load("apps/staged")
    assert adopt_api(server, api)
    before = records(v2, api.id)
    clock.advance(60)
    assert not adopt_api(server, api)
    assert records(v2, api.id) == before
    assert server.changes == [api.id]


def test_management_changes_stay_while_the_template_is_unchanged(
    v2: Any, server: ApiGatewayV2Server
) -> None:
    api = load("apps/staged")
    adopt_api(server, api)
    v2.update_stage(ApiId=api.id, StageName="beta", StageVariables={"added": "yes"})
    v2.create_route(ApiId=api.id, RouteKey="GET /made-here")
    assert not adopt_api(server, api)
    assert v2.get_stage(ApiId=api.id, StageName="beta")["StageVariables"]["added"] == "yes"
    keys = {route["RouteKey"] for route in v2.get_routes(ApiId=api.id)["Items"]}
    assert "GET /made-here" in keys


def test_edited_template_replaces_the_definition_and_repoints_its_stages(
    v2: Any, server: ApiGatewayV2Server, clock: ManualClock
) -> None:
    api = load("apps/jwt")
    adopt_api(server, api)
    created = v2.get_api(ApiId=api.id)["CreatedDate"]
    first = stage_deployment(v2, api.id, "$default")
    # Stages made through the management API: one pinned, one deploying itself.
    v2.create_stage(ApiId=api.id, StageName="pinned", DeploymentId=first)
    v2.create_stage(ApiId=api.id, StageName="follow", AutoDeploy=True)
    clock.advance(60)
    edited = msgspec.structs.replace(
        api,
        name="renamed",
        routes=api.routes[1:],
        stages=(Stage(name="$default", variables={"edited": "1"}),),
    )
    assert adopt_api(server, edited)
    second = stage_deployment(v2, api.id, "$default")
    assert second != first
    keys = [route["RouteKey"] for route in v2.get_routes(ApiId=api.id)["Items"]]
    assert keys == [route.route_key for route in edited.routes]
    assert len(v2.get_integrations(ApiId=api.id)["Items"]) == len(edited.routes)
    got = v2.get_api(ApiId=api.id)
    assert (got["Name"], got["CreatedDate"]) == ("renamed", created)
    assert v2.get_stage(ApiId=api.id, StageName="$default")["StageVariables"] == {"edited": "1"}
    # The pinned stage keeps the first deployment (so it stays); the other follows.
    assert stage_deployment(v2, api.id, "pinned") == first
    assert stage_deployment(v2, api.id, "follow") == second
    ids = {d["DeploymentId"] for d in v2.get_deployments(ApiId=api.id)["Items"]}
    assert {first, second} <= ids
    model = served_model(server, api.id)
    assert model.routes == edited.routes and model.name == "renamed"
    pinned = next(stage for stage in model.stages if stage.name == "pinned")
    assert isinstance(pinned.definition, HttpApi) and pinned.definition.routes == api.routes


def test_an_unserved_template_deployment_is_dropped_when_the_template_changes(
    v2: Any, server: ApiGatewayV2Server
) -> None:
    api = load("apps/staged")
    adopt_api(server, api)
    first = stage_deployment(v2, api.id, "beta")
    adopt_api(server, msgspec.structs.replace(api, routes=api.routes[:1]))
    [deployment] = v2.get_deployments(ApiId=api.id)["Items"]
    assert deployment["DeploymentId"] != first
    assert deployment["DeploymentId"] == stage_deployment(v2, api.id, "beta")


def test_stage_dropped_from_the_template_is_deleted(v2: Any, server: ApiGatewayV2Server) -> None:
    api = load("apps/staged")
    two = msgspec.structs.replace(api, stages=(*api.stages, Stage(name="gamma")))
    adopt_api(server, two)
    v2.create_domain_name(DomainName="api.example.com")
    v2.create_api_mapping(DomainName="api.example.com", ApiId=api.id, Stage="gamma")
    adopt_api(server, api)
    names = [stage["StageName"] for stage in v2.get_stages(ApiId=api.id)["Items"]]
    assert names == [stage.name for stage in api.stages]
    assert v2.get_api_mappings(DomainName="api.example.com")["Items"] == []


def test_deploying_an_unchanged_adopted_api_freezes_the_same_definition(
    v2: Any, server: ApiGatewayV2Server
) -> None:
    api = load("apps/authorizers")
    adopt_api(server, api)
    v2.create_stage(ApiId=api.id, StageName="prod")
    v2.create_deployment(ApiId=api.id, StageName="prod")
    v2.update_stage(ApiId=api.id, StageName="$default", StageVariables={"v": "1"})
    model = served_model(server, api.id)
    assert all(stage.definition is None for stage in model.stages)
    assert {stage.name: stage.variables for stage in model.stages} == {
        "$default": {"v": "1"},
        "prod": {},
    }


def test_forget_missing_deletes_only_template_apis_no_longer_declared(
    v2: Any, server: ApiGatewayV2Server
) -> None:
    kept, gone, other = load("apps/staged"), load("apps/cors"), load("apps/jwt")
    adopt_api(server, kept)
    adopt_api(server, gone)
    adopt_api(server, other, stack="other-stack")
    made = v2.create_api(Name="made", ProtocolType="HTTP", Target=FUNCTION_ARN)["ApiId"]
    server.changes.clear()
    assert forget_missing(server.provider, [kept.id], stack_name="stack") == [gone.id]
    assert server.changes == [gone.id]
    assert {api["ApiId"] for api in v2.get_apis()["Items"]} == {kept.id, other.id, made}
    assert forget_missing(server.provider, [kept.id]) == [other.id]
    assert forget_missing(server.provider, [kept.id]) == []
    assert template_logical_id(server.provider, kept.id) == kept.logical_id
    assert template_logical_id(server.provider, made) is None


def test_readopting_after_a_restart_changes_nothing(backend: Backend, clock: ManualClock) -> None:
    api = load("apps/jwt")
    for expected in (True, False):
        store = backend.open()
        server = ApiGatewayV2Server(store, clock)
        try:
            assert adopt_api(server, api) is expected
            deployment = stage_deployment(server.client(), api.id, "$default")
            assert served_model(server, api.id) == as_served(api, deployment)
        finally:
            server.close()
            store.close()
