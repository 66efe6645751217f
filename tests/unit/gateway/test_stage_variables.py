"""`${stageVariables.x}` in Lambda integration and Lambda authorizer function names and
aliases, resolved per request from the stage's variables (a canary's overrides included),
through the real Gateway.
https://docs.aws.amazon.com/apigateway/latest/developerguide/aws-api-gateway-stage-variables-reference.html
"""

from __future__ import annotations

from typing import Any

import msgspec
import orjson
import pytest

from lamina.functions.model import InvokeResult
from lamina.functions.policy import InvokeRequest
from lamina.gateway.app import Gateway
from lamina.gateway.deployment import Deployment
from lamina.gateway.error import GatewayError
from lamina.gateway.integrations.lambda_ import function_target
from lamina.gateway.model import (
    Authorizer,
    Canary,
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
ALLOW = {
    "principalId": "user",
    "policyDocument": {
        "Version": "2012-10-17",
        "Statement": [{"Action": "execute-api:Invoke", "Effect": "Allow", "Resource": "*"}],
    },
}


class Runtime:
    """The gateway's Invoker: records (function, qualifier); authorizers (names starting
    with "Auth") allow everything, any other function echoes its event."""

    def __init__(self) -> None:
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
        if name.startswith("Auth"):
            return InvokeResult(payload=orjson.dumps(ALLOW))
        body = orjson.dumps({"function": name, "event": orjson.loads(payload)}).decode()
        return InvokeResult(payload=orjson.dumps({"statusCode": 200, "body": body}))


def rest_gateway(
    integration: LambdaIntegration,
    *stages: Stage,
    authorizer: Authorizer | None = None,
) -> tuple[Gateway, Runtime]:
    method = Method(
        http_method="GET",
        integration=integration,
        authorization_type="CUSTOM" if authorizer else "NONE",
        authorizer_id=authorizer.id if authorizer else None,
    )
    api = RestApi(
        id=REST_ID,
        logical_id="Api",
        name="Api",
        resources=(Resource(id="items", path="/items", methods={"GET": method}),),
        stages=stages,
        authorizers=(authorizer,) if authorizer else (),
    )
    runtime = Runtime()
    deployment = Deployment((api,), (), account_id=ACCOUNT, region="us-east-1")
    return Gateway(deployment, runtime), runtime


async def call(gateway: Gateway, path: str, **headers: str) -> tuple[int, Any, dict[bytes, bytes]]:
    request = gateway_request(path, headers=list(headers.items()))
    response = await gateway.handle(request, "127.0.0.1:3000")
    return response.status, orjson.loads(response.body), dict(response.headers)


DEV = Stage(name="dev", variables={"fn": "ItemsDev", "alias": "beta"})
PROD = Stage(name="prod", variables={"fn": "ItemsProd", "alias": "live"})


async def test_function_name_comes_from_each_stage_variables() -> None:
    gw, runtime = rest_gateway(LambdaIntegration(function_name="${stageVariables.fn}"), DEV, PROD)

    assert (await call(gw, "/dev/items"))[1]["function"] == "ItemsDev"
    assert (await call(gw, "/prod/items"))[1]["function"] == "ItemsProd"
    assert runtime.calls == [("ItemsDev", None), ("ItemsProd", None)]


async def test_alias_comes_from_stage_variables() -> None:
    """function:name:${stageVariables.alias}: one function, the alias chosen per stage."""
    integration = LambdaIntegration(function_name="Items", qualifier="${stageVariables.alias}")
    gw, runtime = rest_gateway(integration, DEV, PROD)

    await call(gw, "/dev/items")
    await call(gw, "/prod/items")

    assert runtime.calls == [("Items", "beta"), ("Items", "live")]


@pytest.mark.parametrize(
    ("function_name", "qualifier", "variables", "expected"),
    [
        ("${stageVariables.fn}", None, {"fn": "Items"}, ("Items", None)),
        ("${stageVariables.fn}", None, {"fn": "Items:live"}, ("Items", "live")),
        ("${stageVariables.fn}", None, {"fn": "Items:7"}, ("Items", "7")),
        ("${stageVariables.fn}", None, {"fn": "Items:$LATEST"}, ("Items", None)),
        (
            "arn:aws:lambda:us-east-1:123456789012:function:${stageVariables.fn}",
            None,
            {"fn": "Items"},
            ("Items", None),
        ),
        (
            "arn:aws:lambda:us-east-1:123456789012:function:Items:${stageVariables.v}",
            None,
            {"v": "3"},
            ("Items", "3"),
        ),
        ("items-${stageVariables.env}", None, {"env": "dev"}, ("items-dev", None)),
        ("Items", "${stageVariables.alias}", {"alias": "$LATEST"}, ("Items", None)),
        ("Items", "live", {}, ("Items", "live")),
    ],
)
def test_function_target_substitutes_and_splits(
    function_name: str,
    qualifier: str | None,
    variables: dict[str, str],
    expected: tuple[str, str | None],
) -> None:
    assert function_target(function_name, qualifier, variables) == expected


@pytest.mark.parametrize(
    ("function_name", "qualifier", "variables"),
    [
        ("${stageVariables.fn}", None, {}),  # not defined
        ("${stageVariables.fn}", None, {"fn": ""}),
        ("${stageVariables.fn}", None, {"fn": "no spaces allowed"}),
        ("${stageVariables.fn}", "live", {"fn": "Items:beta"}),  # two qualifiers
        ("Items", "${stageVariables.alias}", {"alias": "a/b"}),
        ("${stageVariables.fn-x}", None, {"fn-x": "Items"}),  # not a variable name
    ],
)
def test_function_target_refuses_what_names_no_function(
    function_name: str, qualifier: str | None, variables: dict[str, str]
) -> None:
    with pytest.raises(GatewayError) as raised:
        function_target(function_name, qualifier, variables)
    assert raised.value.response_type.value == "DEFAULT_5XX"


async def test_undefined_stage_variable_answers_500_without_invoking() -> None:
    gw, runtime = rest_gateway(LambdaIntegration(function_name="${stageVariables.missing}"), DEV)

    status, body, headers = await call(gw, "/dev/items")

    assert (status, body) == (500, {"message": "Internal server error"})
    assert headers[b"content-type"] == b"application/json"
    assert runtime.calls == []


async def test_http_api_undefined_stage_variable_answers_its_500() -> None:
    route = Route(
        route_key="GET /items",
        integration=LambdaIntegration(function_name="${stageVariables.fn}", payload_format="2.0"),
    )
    api = HttpApi(
        id=HTTP_ID,
        logical_id="Http",
        name="Http",
        routes=(route,),
        stages=(Stage(name="$default"), Stage(name="v2", variables={"fn": "ItemsV2"})),
    )
    runtime = Runtime()
    gw = Gateway(Deployment((), (api,), account_id=ACCOUNT, region="us-east-1"), runtime)

    assert (await call(gw, "/items"))[:2] == (500, {"message": "Internal Server Error"})
    status, body, _ = await call(gw, "/v2/items")
    assert (status, body["function"]) == (200, "ItemsV2")
    assert body["event"]["stageVariables"] == {"fn": "ItemsV2"}


async def test_canary_overrides_pick_the_function() -> None:
    """The canary's stageVariableOverrides are what `${stageVariables.x}` reads for the
    canary's requests (the stage -> alias -> version chain)."""
    stage = Stage(
        name="prod",
        variables={"alias": "live"},
        canary=Canary(
            percent_traffic=50.0, deployment_id="d2", variable_overrides={"alias": "next"}
        ),
    )
    method = Method(
        http_method="GET",
        integration=LambdaIntegration(function_name="Items", qualifier="${stageVariables.alias}"),
    )
    api = RestApi(
        id=REST_ID,
        logical_id="Api",
        name="Api",
        resources=(Resource(id="items", path="/items", methods={"GET": method}),),
        stages=(stage,),
    )
    draws = iter([0.2, 0.7])
    deployment = Deployment(
        (api,), (), account_id=ACCOUNT, region="us-east-1", canary_draw=lambda: next(draws)
    )
    runtime = Runtime()
    gw = Gateway(deployment, runtime)

    canary = await call(gw, "/prod/items")
    base = await call(gw, "/prod/items")

    assert runtime.calls == [("Items", "next"), ("Items", "live")]
    assert canary[1]["event"]["stageVariables"] == {"alias": "next"}
    assert base[1]["event"]["stageVariables"] == {"alias": "live"}


AUTH = Authorizer(
    id="auth01",
    name="Auth",
    type="TOKEN",
    function_name="${stageVariables.authorizer}",
    identity_sources=("method.request.header.Authorization",),
    result_ttl_seconds=0,
)


async def test_lambda_authorizer_function_comes_from_stage_variables() -> None:
    stage = Stage(name="prod", variables={"authorizer": "AuthProd", "fn": "Items"})
    gw, runtime = rest_gateway(
        LambdaIntegration(function_name="${stageVariables.fn}"), stage, authorizer=AUTH
    )

    status, body, _ = await call(gw, "/prod/items", Authorization="token")

    assert (status, body["function"]) == (200, "Items")
    assert runtime.calls == [("AuthProd", None), ("Items", None)]


async def test_lambda_authorizer_undefined_stage_variable_is_a_configuration_error() -> None:
    gw, runtime = rest_gateway(
        LambdaIntegration(function_name="Items"), Stage(name="prod"), authorizer=AUTH
    )

    status, body, headers = await call(gw, "/prod/items", Authorization="token")

    assert (status, body) == (500, {"message": None})
    assert headers[b"x-amzn-errortype"] == b"AuthorizerConfigurationException"
    assert runtime.calls == []


async def test_rest_event_stage_variables_are_null_without_variables() -> None:
    gw, _ = rest_gateway(LambdaIntegration(function_name="Items"), Stage(name="prod"))

    status, body, _ = await call(gw, "/prod/items")

    assert status == 200
    assert body["event"]["stageVariables"] is None


async def test_cached_authorizer_answers_are_not_shared_between_functions() -> None:
    """Two stages whose authorizer function differs by stage variable each ask their own
    function; a repeated token on one stage is answered from the cache."""
    cached = msgspec.structs.replace(AUTH, result_ttl_seconds=300)
    dev = Stage(name="dev", variables={"authorizer": "AuthDev"})
    prod = Stage(name="prod", variables={"authorizer": "AuthProd"})
    gw, runtime = rest_gateway(
        LambdaIntegration(function_name="Items"), dev, prod, authorizer=cached
    )

    for path in ("/dev/items", "/prod/items", "/dev/items", "/prod/items"):
        assert (await call(gw, path, Authorization="token"))[0] == 200

    authorizers = [name for name, _ in runtime.calls if name.startswith("Auth")]
    assert authorizers == ["AuthDev", "AuthProd"]
