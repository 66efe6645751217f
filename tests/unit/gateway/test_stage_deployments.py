"""Stages of one API serving different deployments (`Stage.definition`), through the real
Gateway: routing, authorization, gateway responses and limits read the stage's definition;
each distinct definition is compiled once; Gateway.deploy swaps atomically."""

from __future__ import annotations

import asyncio
from typing import Any

import orjson
import pytest

from lamina.functions.model import InvokeResult
from lamina.functions.policy import InvokeRequest
from lamina.gateway.app import Gateway
from lamina.gateway.deployment import Deployment
from lamina.gateway.limits.model import AccessLimits, MethodThrottle, StageThrottle, Throttle
from lamina.gateway.model import (
    CorsConfiguration,
    GatewayResponseSetting,
    HttpApi,
    LambdaIntegration,
    Method,
    Resource,
    RestApi,
    Route,
    Stage,
)
from tests.gateway_request import gateway_request

ACCOUNT = "123456789012"
REST_ID = "restapi001"
HTTP_ID = "httpapi001"
DENY_ALL = {
    "Version": "2012-10-17",
    "Statement": [{"Action": "execute-api:Invoke", "Effect": "Deny", "Resource": "*"}],
}


class EchoRuntime:
    """The gateway's Invoker: answers 200 with the function, qualifier and event it got,
    after `delay` seconds."""

    def __init__(self, delay: float = 0.0) -> None:
        self.delay = delay
        self.calls: list[tuple[str, str | None]] = []

    async def invoke(
        self,
        name: str,
        payload: bytes,
        *,
        qualifier: str | None = None,
        client_context: str | None = None,
        source: InvokeRequest | None = None,
        trace_id: str | None = None,
    ) -> InvokeResult:
        self.calls.append((name, qualifier))
        if self.delay:
            await asyncio.sleep(self.delay)
        event = orjson.loads(payload)
        body = {"function": name, "qualifier": qualifier, "event": event}
        return InvokeResult(
            payload=orjson.dumps({"statusCode": 200, "body": orjson.dumps(body).decode()})
        )


def _get(path: str, function: str) -> Resource:
    integration = LambdaIntegration(function_name=function)
    return Resource(
        id=path.strip("/") or "root",
        path=path,
        methods={"GET": Method(http_method="GET", integration=integration)},
    )


def rest_definition(*resources: Resource, **fields: Any) -> RestApi:
    return RestApi(id=REST_ID, logical_id="Api", name="Api", resources=resources, **fields)


def rest_api(*stages: Stage, resources: tuple[Resource, ...] = ()) -> RestApi:
    return RestApi(id=REST_ID, logical_id="Api", name="Api", resources=resources, stages=stages)


def deployment(*rest: RestApi, http: tuple[HttpApi, ...] = (), **more: Any) -> Deployment:
    return Deployment(rest, http, account_id=ACCOUNT, region="us-east-1", **more)


async def call(gateway: Gateway, path: str, method: str = "GET") -> tuple[int, dict[str, Any]]:
    response = await gateway.handle(gateway_request(path, method=method), "127.0.0.1:3000")
    return response.status, orjson.loads(response.body)


DEV = rest_definition(_get("/items", "ItemsV1"))
PROD = rest_definition(_get("/items", "ItemsV2"), _get("/orders", "OrdersV2"))


async def test_stages_of_one_api_serve_their_own_deployments() -> None:
    api = rest_api(
        Stage(name="dev", deployment_id="d1", definition=DEV),
        Stage(name="prod", deployment_id="d2", definition=PROD),
    )
    gateway = Gateway(deployment(api), EchoRuntime())

    assert (await call(gateway, "/dev/items"))[1]["function"] == "ItemsV1"
    assert (await call(gateway, "/prod/items"))[1]["function"] == "ItemsV2"
    status, body = await call(gateway, "/prod/orders")
    assert (status, body["function"]) == (200, "OrdersV2")
    assert body["event"]["requestContext"]["stage"] == "prod"
    # /orders is not deployed to dev: API Gateway's 403 for an unknown resource.
    assert await call(gateway, "/dev/orders") == (403, {"message": "Missing Authentication Token"})


async def test_stage_without_definition_serves_the_api_own_resources() -> None:
    api = rest_api(
        Stage(name="live"),
        Stage(name="next", definition=PROD),
        resources=(_get("/items", "Own"),),
    )
    gateway = Gateway(deployment(api), EchoRuntime())

    assert (await call(gateway, "/live/items"))[1]["function"] == "Own"
    assert (await call(gateway, "/next/items"))[1]["function"] == "ItemsV2"
    assert (await call(gateway, "/live/orders"))[0] == 403


async def test_http_api_stages_serve_their_own_deployments() -> None:
    def routes(function: str) -> HttpApi:
        route = Route(
            route_key="GET /pets",
            integration=LambdaIntegration(function_name=function, payload_format="2.0"),
        )
        return HttpApi(id=HTTP_ID, logical_id="Http", name="Http", routes=(route,))

    api = HttpApi(
        id=HTTP_ID,
        logical_id="Http",
        name="Http",
        stages=(
            Stage(name="$default", definition=routes("PetsDefault")),
            Stage(name="beta", definition=routes("PetsBeta")),
        ),
    )
    gateway = Gateway(deployment(http=(api,)), EchoRuntime())

    status, body = await call(gateway, "/pets")
    assert (status, body["function"]) == (200, "PetsDefault")
    status, body = await call(gateway, "/beta/pets")
    assert (status, body["function"]) == (200, "PetsBeta")
    assert body["event"]["requestContext"]["stage"] == "beta"
    assert (await call(gateway, "/beta/cats"))[0] == 404


async def test_stage_definition_resource_policy_is_enforced() -> None:
    """The API's own definition authorizes nothing; the stage's deployment denies all:
    the authorization stage must run for that stage (and only its requests are denied)."""
    locked = rest_definition(_get("/items", "ItemsV2"), policy=DENY_ALL)
    api = rest_api(
        Stage(name="open", definition=DEV),
        Stage(name="locked", definition=locked),
    )
    gateway = Gateway(deployment(api), EchoRuntime())

    assert (await call(gateway, "/open/items"))[0] == 200
    status, body = await call(gateway, "/locked/items")
    assert status == 403
    assert "anonymous is not authorized" in body["Message"]


async def test_stage_definition_gateway_responses_apply_to_its_errors() -> None:
    custom = rest_definition(
        _get("/items", "ItemsV2"),
        gateway_responses=(
            GatewayResponseSetting(
                response_type="MISSING_AUTHENTICATION_TOKEN",
                status_code=404,
                response_templates={"application/json": '{"message":"no such route"}'},
            ),
        ),
    )
    api = rest_api(Stage(name="dev", definition=DEV), Stage(name="prod", definition=custom))
    gateway = Gateway(deployment(api), EchoRuntime())

    assert await call(gateway, "/prod/nope") == (404, {"message": "no such route"})
    assert await call(gateway, "/dev/nope") == (403, {"message": "Missing Authentication Token"})


async def test_stage_method_throttle_applies_to_the_stage_definition_resources() -> None:
    api = rest_api(Stage(name="prod", definition=PROD))
    limits = AccessLimits(
        stage_throttles=(
            StageThrottle(
                api_id=REST_ID,
                stage="prod",
                settings=(
                    MethodThrottle(
                        resource_path="/orders",
                        http_method="GET",
                        throttle=Throttle(rate=0.001, burst=1),
                    ),
                ),
            ),
        )
    )
    gateway = Gateway(deployment(api, limits=limits), EchoRuntime())

    assert (await call(gateway, "/prod/orders"))[0] == 200
    assert await call(gateway, "/prod/orders") == (429, {"message": "Too Many Requests"})
    assert (await call(gateway, "/prod/items"))[0] == 200


def test_equal_definitions_are_compiled_once() -> None:
    """Two stages on equal deployments (built separately) share one compilation; a stage
    whose definition equals the API's own needs none."""
    own = (_get("/items", "Own"),)
    same_as_own = rest_definition(*own)
    api = rest_api(
        Stage(name="a", definition=rest_definition(_get("/items", "ItemsV2"))),
        Stage(name="b", definition=rest_definition(_get("/items", "ItemsV2"))),
        Stage(name="c", definition=same_as_own),
        Stage(name="d"),
        resources=own,
    )
    built = deployment(api)
    compiled = built.rest[REST_ID]

    assert compiled.serving is not None
    assert compiled.serving["a"].api is compiled.serving["b"].api
    assert compiled.serving["a"].api is not compiled
    assert set(compiled.serving) == {"a", "b"}  # c and d serve the API's own compilation
    assert built.rest_definitions == (api, compiled.serving["a"].api.api)


def test_stages_whose_definition_equals_the_api_own_route_as_templates() -> None:
    own = (_get("/items", "Own"),)
    api = rest_api(Stage(name="c", definition=rest_definition(*own)), resources=own)

    assert deployment(api).rest[REST_ID].serving is None


def test_template_api_has_no_serving_table() -> None:
    compiled = deployment(rest_api(Stage(name="Prod"), resources=(_get("/x", "Fn"),)))

    assert compiled.rest[REST_ID].serving is None
    assert compiled.rest_definitions == (compiled.rest[REST_ID].api,)


def test_stage_definition_of_another_kind_or_api_is_refused() -> None:
    http = HttpApi(id=REST_ID, logical_id="Http", name="Http")
    with pytest.raises(ValueError, match="cannot serve"):
        deployment(rest_api(Stage(name="dev", definition=http)))
    other = RestApi(id="other0001", logical_id="Other", name="Other")
    with pytest.raises(ValueError, match="other0001"):
        deployment(rest_api(Stage(name="dev", definition=other)))


async def test_requests_in_flight_finish_on_the_deployment_they_started_with() -> None:
    """Gateway.deploy while requests wait on a slow function: those finish on the old
    deployment; requests that start after the swap see the new one."""
    old = deployment(rest_api(Stage(name="prod", deployment_id="d1", definition=DEV)))
    new = deployment(rest_api(Stage(name="prod", deployment_id="d2", definition=PROD)))
    runtime = EchoRuntime(delay=0.2)
    gateway = Gateway(old, runtime)

    in_flight = [asyncio.ensure_future(call(gateway, "/prod/items")) for _ in range(8)]
    while len(runtime.calls) < len(in_flight):  # all 8 are inside the function
        await asyncio.sleep(0.005)
    gateway.deploy(new)
    after = [asyncio.ensure_future(call(gateway, "/prod/items")) for _ in range(8)]
    orders = await call(gateway, "/prod/orders")

    assert [body["function"] for _, body in await asyncio.gather(*in_flight)] == ["ItemsV1"] * 8
    assert [body["function"] for _, body in await asyncio.gather(*after)] == ["ItemsV2"] * 8
    assert orders[0] == 200
    assert gateway.deployment is new


async def test_http_api_stage_definition_cors_answers_preflights() -> None:
    """CORS configured only in the stage's deployment: the preflight stage must run."""
    route = Route(route_key="GET /pets", integration=LambdaIntegration(function_name="Pets"))
    cors = CorsConfiguration(allow_origins=("https://app.example",), allow_methods=("GET",))
    definition = HttpApi(id=HTTP_ID, logical_id="Http", name="Http", routes=(route,), cors=cors)
    api = HttpApi(
        id=HTTP_ID,
        logical_id="Http",
        name="Http",
        stages=(Stage(name="$default", definition=definition),),
    )
    runtime = EchoRuntime()
    gateway = Gateway(deployment(http=(api,)), runtime)
    request = gateway_request(
        "/pets",
        method="OPTIONS",
        headers=[("Origin", "https://app.example"), ("Access-Control-Request-Method", "GET")],
    )

    response = await gateway.handle(request, "127.0.0.1:3000")

    assert response.status == 204
    headers = dict(response.headers)
    assert headers[b"access-control-allow-origin"] == b"https://app.example"
    assert runtime.calls == []
