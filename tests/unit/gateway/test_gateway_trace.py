"""X-Ray tracing in the gateway pipeline: REST stages with tracingEnabled record one segment
per sampled request, a subsegment per stage, and pass the decision downstream; other
stages and HTTP APIs pass the caller's header on untouched.
https://docs.aws.amazon.com/apigateway/latest/developerguide/apigateway-xray.html
"""

from __future__ import annotations

from typing import Any

from lamina.core.trace import Sampler, Tracer
from lamina.core.trace_store import assembled
from lamina.functions.model import InvokeResult
from lamina.gateway.app import Gateway
from lamina.gateway.deployment import Deployment
from lamina.gateway.domain import ApiMapping, CustomDomain
from lamina.gateway.model import HttpApi, LambdaIntegration, Method, Resource, RestApi, Route, Stage
from lamina.gateway.trace import GatewayTracing
from tests.gateway_request import gateway_request
from tests.invoker import FakeInvoker, Invocation

ROOT = "1-5759e988-bd862e3fe1be46a994272793"
OK = InvokeResult(payload=b'{"statusCode": 200, "body": "ok"}')


class TraceRecordingInvoker(FakeInvoker):
    def __init__(self) -> None:
        self.trace_ids: list[str | None] = []

    async def reply(self, call: Invocation) -> InvokeResult:
        self.trace_ids.append(call.trace_id)
        return OK


def _gateway(traced: bool, sampler: Sampler | None = None) -> tuple[Gateway, Tracer, Any]:
    lam = LambdaIntegration(function_name="Fn", timeout_ms=1000)
    method = Method(http_method="GET", integration=lam)
    rest = RestApi(
        id="restapi001",
        logical_id="Rest",
        name="Rest",
        stages=(Stage(name="prod", tracing_enabled=traced), Stage(name="dev")),
        resources=(Resource(id="a", path="/items", methods={"GET": method}),),
    )
    http = HttpApi(
        id="httpapi001",
        logical_id="Http",
        name="Http",
        stages=(Stage(name="$default", tracing_enabled=True),),
        routes=(Route(route_key="GET /v2/items", integration=lam),),
    )
    deployment = Deployment((rest,), (http,), account_id="123456789012", region="us-east-1")
    invoker = TraceRecordingInvoker()
    gateway = Gateway(deployment, invoker)
    tracer = Tracer(sampler=sampler or Sampler(reservoir=0, rate=0.0))
    gateway.tracing = GatewayTracing(tracer)
    return gateway, tracer, invoker


async def _get(gateway: Gateway, path: str, header: str, host: str = "127.0.0.1:3000") -> Any:
    request = gateway_request(path, host=host, trace_id=header)
    return await gateway.handle(request, host)


def _segments(tracer: Tracer) -> list[dict[str, Any]]:
    trace = tracer.store.get(ROOT)
    return assembled(trace) if trace is not None else []


async def test_a_sampled_request_records_the_stage_segment_and_parents_the_function() -> None:
    gateway, tracer, invoker = _gateway(traced=True)
    header = f"Root={ROOT};Parent=53995c3f42cd8ad8;Sampled=1"
    response = await _get(gateway, "/restapis/restapi001/prod/_user_request_/items", header)
    assert response.status == 200
    (segment,) = _segments(tracer)
    assert (segment["name"], segment["origin"]) == ("Rest/prod", "AWS::ApiGateway::Stage")
    assert segment["parent_id"] == "53995c3f42cd8ad8"
    assert segment["aws"]["api_gateway"]["rest_api_id"] == "restapi001"
    names = [s["name"] for s in segment["subsegments"]]
    assert names[0] == "routing" and "integration" in names
    # Every stage under Lamina's name for it, none under its class name.
    assert all(name == name.lower() for name in names), names
    integration = next(s for s in segment["subsegments"] if s["name"] == "integration")
    assert invoker.trace_ids == [f"Root={ROOT};Parent={integration['id']};Sampled=1"]
    assert dict(response.headers)[b"x-amzn-trace-id"] == f"Root={ROOT};Sampled=1".encode()


async def test_an_unsampled_request_tells_the_function_not_to_trace() -> None:
    gateway, tracer, invoker = _gateway(traced=True)
    await _get(gateway, "/restapis/restapi001/prod/_user_request_/items", f"Root={ROOT}")
    assert _segments(tracer) == []
    assert invoker.trace_ids == [f"Root={ROOT};Sampled=0"]


async def test_the_sampling_rule_decides_when_the_caller_did_not() -> None:
    gateway, tracer, invoker = _gateway(traced=True, sampler=Sampler(reservoir=1, rate=0.0))
    await _get(gateway, "/restapis/restapi001/prod/_user_request_/items", f"Root={ROOT}")
    assert len(_segments(tracer)) == 1
    assert invoker.trace_ids[0] is not None and invoker.trace_ids[0].endswith(";Sampled=1")


async def test_stages_without_tracing_and_http_apis_pass_the_header_on() -> None:
    gateway, tracer, invoker = _gateway(traced=True)
    header = f"Root={ROOT};Parent=53995c3f42cd8ad8;Sampled=1"
    await _get(gateway, "/restapis/restapi001/dev/_user_request_/items", header)
    await _get(gateway, "/v2/items", header, host="httpapi001.execute-api.localhost:3000")
    assert _segments(tracer) == []
    assert invoker.trace_ids == [header, header]


async def test_no_traced_stage_in_the_deployment_keeps_the_plain_pipeline() -> None:
    gateway, _, _ = _gateway(traced=False)
    assert gateway.tracing is not None
    request = gateway_request("/restapis/restapi001/prod/_user_request_/items")
    assert gateway.tracing.begin(_context(gateway, request)) is None


def _context(gateway: Gateway, request: Any) -> Any:
    from lamina.gateway.context import RequestContext

    return RequestContext(request, gateway.deployment, "127.0.0.1:3000")


async def test_a_gateway_error_is_recorded_with_the_stage_that_raised_it() -> None:
    gateway, tracer, _ = _gateway(traced=True)
    header = f"Root={ROOT};Sampled=1"
    response = await _get(gateway, "/restapis/restapi001/prod/_user_request_/nowhere", header)
    assert response.status == 403  # API Gateway's Missing Authentication Token
    (segment,) = _segments(tracer)
    assert segment["error"] is True and segment["http"]["response"]["status"] == 403
    (routing,) = segment["subsegments"]
    assert routing["name"] == "routing" and routing["error"] is True


async def test_stages_that_only_some_deployments_need_have_lamina_names_too() -> None:
    # A custom domain (client certificate stage) in front of an API whose default endpoint
    # is disabled (default endpoint stage): every subsegment still under Lamina's name.
    lam = LambdaIntegration(function_name="Fn", timeout_ms=1000)
    rest = RestApi(
        id="restapi001",
        logical_id="Rest",
        name="Rest",
        stages=(Stage(name="prod", tracing_enabled=True),),
        resources=(
            Resource(
                id="a",
                path="/items",
                methods={"GET": Method(http_method="GET", integration=lam)},
            ),
        ),
        disable_execute_api_endpoint=True,
    )
    domain = CustomDomain(
        name="api.example.com", mappings=(ApiMapping(api_id="restapi001", stage="prod"),)
    )
    deployment = Deployment(
        (rest,), (), account_id="123456789012", region="us-east-1", domains=(domain,)
    )
    gateway = Gateway(deployment, TraceRecordingInvoker())
    tracer = Tracer(sampler=Sampler(reservoir=0, rate=0.0))
    gateway.tracing = GatewayTracing(tracer)
    header = f"Root={ROOT};Parent=53995c3f42cd8ad8;Sampled=1"
    response = await _get(gateway, "/items", header, host="api.example.com")
    assert response.status == 200
    (segment,) = _segments(tracer)
    names = [s["name"] for s in segment["subsegments"]]
    assert all(name == name.lower() for name in names), names
