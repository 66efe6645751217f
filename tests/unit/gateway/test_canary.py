"""Canary releases through the real Gateway: a stage's requests go to its canary at random
with probability percentTraffic / 100, run the canary's deployment with its stage variable
overrides, and keep the stage's name in requestContext.stage.
https://docs.aws.amazon.com/apigateway/latest/developerguide/canary-release.html
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import msgspec
import orjson

from lamina.functions.model import InvokeResult
from lamina.gateway.access_log_writer import AccessLogWriter
from lamina.gateway.app import Gateway
from lamina.gateway.deployment import Deployment
from lamina.gateway.limits.model import AccessLimits, Throttle
from lamina.gateway.model import (
    AccessLogSetting,
    Canary,
    HttpApi,
    LambdaIntegration,
    Method,
    Resource,
    RestApi,
    Route,
    Stage,
)
from lamina.gateway.observe import RequestObserver
from tests.gateway_request import gateway_request
from tests.invoker import FakeInvoker, Invocation

ACCOUNT = "123456789012"
REST_ID = "restapi001"
HTTP_ID = "httpapi001"
# No account throttling in the way of thousands of requests.
UNLIMITED = AccessLimits(account=Throttle(rate=1e9, burst=10**9))


class EchoRuntime(FakeInvoker):
    """The gateway's Invoker: answers 200 with the function it ran and the event."""

    def __init__(self) -> None:
        self.functions: list[str] = []

    async def reply(self, call: Invocation) -> InvokeResult:
        self.functions.append(call.name)
        body = orjson.dumps({"function": call.name, "event": call.event}).decode()
        return InvokeResult(payload=orjson.dumps({"statusCode": 200, "body": body}))


def rest_definition(function: str) -> RestApi:
    method = Method(http_method="GET", integration=LambdaIntegration(function_name=function))
    resource = Resource(id="items", path="/items", methods={"GET": method})
    return RestApi(id=REST_ID, logical_id="Api", name="Api", resources=(resource,))


def http_definition(function: str) -> HttpApi:
    integration = LambdaIntegration(function_name=function, payload_format="2.0")
    route = Route(route_key="GET /items", integration=integration)
    return HttpApi(id=HTTP_ID, logical_id="Http", name="Http", routes=(route,))


def canary_stage(percent: float, **canary: Any) -> Stage:
    return Stage(
        name="prod",
        deployment_id="base",
        variables={"color": "blue", "region": "eu"},
        definition=rest_definition("Base"),
        canary=Canary(
            percent_traffic=percent,
            deployment_id="next",
            definition=canary.pop("definition", rest_definition("Next")),
            **canary,
        ),
    )


def gateway(stage: Stage, draw: Callable[[], float]) -> tuple[Gateway, EchoRuntime]:
    api = RestApi(id=REST_ID, logical_id="Api", name="Api", stages=(stage,))
    deployment = Deployment(
        (api,), (), account_id=ACCOUNT, region="us-east-1", limits=UNLIMITED, canary_draw=draw
    )
    runtime = EchoRuntime()
    return Gateway(deployment, runtime), runtime


async def get(gw: Gateway, path: str) -> dict[str, Any]:
    response = await gw.handle(gateway_request(path), "127.0.0.1:3000")
    assert response.status == 200, response.body
    body: dict[str, Any] = orjson.loads(response.body)
    return body


async def canary_count(gw: Gateway, runtime: EchoRuntime, requests: int) -> int:
    for _ in range(requests):
        await get(gw, "/prod/items")
    assert len(runtime.functions) == requests
    return runtime.functions.count("Next")


def draws(*values: float) -> Callable[[], float]:
    found: Iterator[float] = iter(values)
    return lambda: next(found)


async def test_canary_share_with_seeded_draws_is_within_four_sigma() -> None:
    n, p = 4000, 0.10
    gw, runtime = gateway(canary_stage(10.0), random.Random(20261125).random)

    count = await canary_count(gw, runtime, n)

    sigma = math.sqrt(n * p * (1 - p))  # ~19 requests
    assert abs(count - n * p) <= 4 * sigma, count


async def test_canary_share_with_unseeded_draws_is_within_a_one_in_a_million_bound() -> None:
    """Hoeffding: P(|k/n - p| >= t) <= 2 exp(-2 n t^2); with t as below that is 1e-6, so
    this fails by chance less than once in a million runs."""
    n, p = 20_000, 0.25
    gw, runtime = gateway(canary_stage(25.0), random.random)

    count = await canary_count(gw, runtime, n)

    t = math.sqrt(math.log(2 / 1e-6) / (2 * n))  # ~0.019
    assert abs(count / n - p) < t, count


async def test_canary_request_runs_the_canary_deployment_with_overridden_variables() -> None:
    stage = canary_stage(50.0, variable_overrides={"color": "green", "new": "1"})
    gw, _ = gateway(stage, draws(0.49, 0.5))

    canary = await get(gw, "/prod/items")
    base = await get(gw, "/prod/items")

    assert canary["function"] == "Next"
    assert canary["event"]["stageVariables"] == {"color": "green", "region": "eu", "new": "1"}
    assert canary["event"]["requestContext"]["stage"] == "prod"
    assert canary["event"]["requestContext"]["path"] == "/prod/items"
    assert base["function"] == "Base"
    assert base["event"]["stageVariables"] == {"color": "blue", "region": "eu"}
    assert base["event"]["requestContext"]["stage"] == "prod"


async def test_canary_without_definition_runs_the_stage_definition() -> None:
    """Canary.definition None: same deployment as the stage (only the variables differ)."""
    stage = canary_stage(100.0, definition=None, variable_overrides={"color": "red"})
    gw, _ = gateway(stage, draws(0.99))

    body = await get(gw, "/prod/items")

    assert body["function"] == "Base"
    assert body["event"]["stageVariables"]["color"] == "red"


async def test_canary_at_zero_percent_never_runs_and_at_hundred_always_runs() -> None:
    never, runtime = gateway(canary_stage(0.0), draws())  # no draw is even made
    assert await canary_count(never, runtime, 50) == 0
    always, runtime = gateway(canary_stage(100.0), random.Random(7).random)
    assert await canary_count(always, runtime, 50) == 50


async def test_http_api_canary_keeps_the_stage_name_and_overrides_variables() -> None:
    stage = Stage(
        name="$default",
        variables={"color": "blue"},
        definition=http_definition("Base"),
        canary=Canary(
            percent_traffic=30.0,
            deployment_id="next",
            definition=http_definition("Next"),
            variable_overrides={"color": "green"},
        ),
    )
    api = HttpApi(id=HTTP_ID, logical_id="Http", name="Http", stages=(stage,))
    deployment = Deployment(
        (), (api,), account_id=ACCOUNT, region="us-east-1", canary_draw=draws(0.1, 0.9)
    )
    gw = Gateway(deployment, EchoRuntime())

    canary = await get(gw, "/items")
    base = await get(gw, "/items")

    assert (canary["function"], canary["event"]["stageVariables"]) == ("Next", {"color": "green"})
    assert (base["function"], base["event"]["stageVariables"]) == ("Base", {"color": "blue"})
    assert canary["event"]["requestContext"]["stage"] == "$default"


async def test_canary_split_is_per_stage() -> None:
    """Only the stage with a canary draws; its sibling always serves its own deployment."""
    api = RestApi(
        id=REST_ID,
        logical_id="Api",
        name="Api",
        stages=(canary_stage(100.0), Stage(name="dev", definition=rest_definition("Dev"))),
    )
    deployment = Deployment(
        (api,), (), account_id=ACCOUNT, region="us-east-1", canary_draw=draws(0.0)
    )
    gw = Gateway(deployment, EchoRuntime())

    assert (await get(gw, "/dev/items"))["function"] == "Dev"
    assert (await get(gw, "/prod/items"))["function"] == "Next"


async def test_access_log_says_which_requests_ran_the_canary(tmp_path: Path) -> None:
    """$context.isCanaryRequest: true / false on a stage with a canary, `-` elsewhere."""
    log = AccessLogSetting(
        destination_arn=f"arn:aws:logs:us-east-1:{ACCOUNT}:log-group:access",
        log_group="access",
        format="$context.stage $context.isCanaryRequest",
    )
    with_canary = msgspec.structs.replace(canary_stage(50.0), access_log=log)
    plain = Stage(name="dev", definition=rest_definition("Dev"), access_log=log)
    api = RestApi(id=REST_ID, logical_id="Api", name="Api", stages=(with_canary, plain))
    deployment = Deployment(
        (api,), (), account_id=ACCOUNT, region="us-east-1", canary_draw=draws(0.2, 0.8)
    )
    writer = AccessLogWriter(tmp_path)
    gw = Gateway(deployment, EchoRuntime(), observer=RequestObserver(None, writer))

    for path in ("/prod/items", "/prod/items", "/dev/items"):
        await get(gw, path)
    await writer.close()

    assert (tmp_path / "access.log").read_text().splitlines() == [
        "prod true",
        "prod false",
        "dev -",
    ]
