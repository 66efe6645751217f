"""IntegrationLatency of a Lambda custom integration counts the function's time only, not the
gateway's mapping templates around it: "The time between when API Gateway relays a request
to the backend and when it receives a response from the backend."
https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-metrics-and-dimensions.html
"""

from __future__ import annotations

from pathlib import Path

from prometheus_client import CollectorRegistry

from lamina.functions.model import InvokeResult
from lamina.gateway.access_log_writer import AccessLogWriter
from lamina.gateway.app import Gateway
from lamina.gateway.deployment import Deployment
from lamina.gateway.model import (
    IntegrationResponse,
    LambdaCustomIntegration,
    Method,
    Resource,
    RestApi,
    Stage,
)
from lamina.gateway.observe import GatewayMetrics, RequestObserver
from tests.gateway_request import gateway_request
from tests.invoker import ScriptedInvoker

# A request template that keeps the gateway busy (200,000 loop turns) before the call.
BUSY = "#foreach($i in [1..200000])#end{}"
BROKEN = "$util.parseJson('{not json')"
LABELS = {
    "ApiName": "Timed",
    "ApiId": "restapi001",
    "Stage": "Prod",
    "Method": "POST",
    "Route": "",
}


def _gateway(tmp_path: Path, registry: CollectorRegistry, invoker: ScriptedInvoker) -> Gateway:
    def method(template: str) -> Method:
        integration = LambdaCustomIntegration(
            function_name="Fn",
            request_templates={"application/json": template},
            responses=(IntegrationResponse(),),
        )
        return Method(http_method="POST", integration=integration)

    rest = RestApi(
        id="restapi001",
        logical_id="Timed",
        name="Timed",
        stages=(Stage(name="Prod"),),
        resources=(
            Resource(id="a", path="/busy", methods={"POST": method(BUSY)}),
            Resource(id="b", path="/broken", methods={"POST": method(BROKEN)}),
        ),
    )
    observer = RequestObserver(GatewayMetrics(registry), AccessLogWriter(tmp_path))
    deployment = Deployment((rest,), (), account_id="123456789012", region="us-east-1")
    return Gateway(deployment, invoker, observer=observer)


async def _post(gateway: Gateway, path: str) -> int:
    request = gateway_request(
        f"/Prod{path}", method="POST", headers=[("Content-Type", "application/json")], body=b"{}"
    )
    return (await gateway.handle(request, "127.0.0.1:3000")).status


def _sample(registry: CollectorRegistry, name: str, resource: str) -> float:
    value = registry.get_sample_value(name, {**LABELS, "Resource": resource})
    assert value is not None, name
    return value


async def test_integration_latency_leaves_out_the_request_template(tmp_path: Path) -> None:
    registry = CollectorRegistry()
    gateway = _gateway(tmp_path, registry, ScriptedInvoker(InvokeResult(payload=b"{}")))
    assert await _post(gateway, "/busy") == 200
    latency = _sample(registry, "AWS_ApiGateway_Latency_sum", "/busy")
    integration = _sample(registry, "AWS_ApiGateway_IntegrationLatency_sum", "/busy")
    # The function answers at once; the template's loop is the gateway's own time.
    assert _sample(registry, "AWS_ApiGateway_IntegrationLatency_count", "/busy") == 1
    assert integration < latency / 10, (integration, latency)


async def test_integration_latency_counts_the_function_time(tmp_path: Path) -> None:
    registry = CollectorRegistry()
    gateway = _gateway(tmp_path, registry, ScriptedInvoker(0.05))  # answers after 50 ms
    assert await _post(gateway, "/busy") == 200
    assert _sample(registry, "AWS_ApiGateway_IntegrationLatency_sum", "/busy") >= 50


async def test_a_template_that_fails_before_the_call_has_no_integration_latency(
    tmp_path: Path,
) -> None:
    registry = CollectorRegistry()
    invoker = ScriptedInvoker(InvokeResult(payload=b"{}"))
    gateway = _gateway(tmp_path, registry, invoker)
    assert await _post(gateway, "/broken") == 500
    assert invoker.events == []
    assert _sample(registry, "AWS_ApiGateway_IntegrationLatency_count", "/broken") == 0
