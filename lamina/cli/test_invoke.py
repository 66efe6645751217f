"""TestInvokeMethod's data-plane half (services/apigateway/test_invoke.py's MethodTester):
compile the API's current definition with a synthetic stage `test-invoke-stage` carrying
the request's stage variables, and run the request through a Gateway of its own that
shares the running one's functions.

As AWS does for a test invocation, authorization is skipped: the compiled copy of the
method has no authorizer, no IAM or Cognito check, no API key requirement, and the API no
resource policy; nothing is throttled or counted against a usage plan (a limiter of its
own), and the API's endpoint does not matter (a private API needs no VPC endpoint, a
disabled default endpoint does not refuse). Only the tested method of the tested
resource is compiled, so the simulated path must match that resource's path (template)
and the method is the one that runs.
https://docs.aws.amazon.com/apigateway/latest/api/API_TestInvokeMethod.html
https://docs.aws.amazon.com/apigateway/latest/developerguide/how-to-test-method.html

The `log` imitates the execution log API Gateway writes to CloudWatch Logs and returns
here ("a simulated Amazon CloudWatch Logs entry", how-to-test-method above): a first line
"Execution log for request <id>", then lines stamped `Wed Nov 25 19:30:00 UTC 2026 : ...`
worded as in API Gateway's logs, e.g. "Starting execution for request: <id>", "HTTP
Method: POST, Resource Path: /", "Method request path: {proxy=a/b}", "Method request
headers: {Accept=*/*}", "Endpoint response headers: {...}", "Endpoint response body before
transformations: ...", "Method completed with status: 200" (public execution logs quoted in
https://github.com/brefphp/bref/issues/162 and
https://github.com/elastic/integrations/pull/4266).
"""

from __future__ import annotations

import copy
import time
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from lamina.aws.service import ServiceError
from lamina.config.apigateway_compile import compile_rest_api
from lamina.config.error import ConfigError
from lamina.core.ids import new_extended_request_id, new_request_id, new_trace_id
from lamina.functions.model import InvokeResult
from lamina.functions.policy import InvokeRequest
from lamina.gateway.app import Gateway
from lamina.gateway.context import RequestContext
from lamina.gateway.deployment import Deployment
from lamina.gateway.error import GatewayResponse
from lamina.gateway.events.v1 import V1Target
from lamina.gateway.integrations.lambda_ import Invoker
from lamina.gateway.integrations.latency import BackendClock, TimedInvoker
from lamina.gateway.limits.limiter import InProcessLimiter
from lamina.gateway.model import (
    HttpIntegration,
    LambdaCustomIntegration,
    LambdaIntegration,
    MockIntegration,
)
from lamina.gateway.observe import RequestObserver
from lamina.gateway.request import GatewayRequest

TEST_STAGE = "test-invoke-stage"
"""The stage name API Gateway gives a test invocation (requestContext.stage)."""


class _Call:
    """One Lambda invocation the tested method made."""

    __slots__ = ("latency_ms", "name", "payload", "qualifier", "result")

    def __init__(self, name: str, qualifier: str | None, payload: bytes) -> None:
        self.name = name
        self.qualifier = qualifier
        self.payload = payload
        self.result: InvokeResult | None = None
        self.latency_ms = 0.0


class _Recorder:
    """The running gateway's invoker, noting what was sent and what came back."""

    def __init__(self, invoker: Invoker) -> None:
        self._invoker = invoker
        self.calls: list[_Call] = []

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
        call = _Call(name, qualifier, payload)
        self.calls.append(call)
        clock = BackendClock()  # the same timing as IntegrationLatency's (latency.py)
        try:
            call.result = await TimedInvoker(self._invoker, clock).invoke(
                name,
                payload,
                qualifier=qualifier,
                client_context=client_context,
                source=source,
                trace_id=trace_id,
            )
        finally:
            call.latency_ms = clock.ms
        return call.result


class _Capture(RequestObserver):
    """Keeps the request's context (route, path parameters, error) for the log."""

    def __init__(self) -> None:
        super().__init__(None)
        self.ctx: RequestContext | None = None

    def record(self, ctx: RequestContext, response: GatewayResponse, started_ns: int) -> None:
        self.ctx = ctx


class TestInvoker:
    """The MethodTester `lamina up` gives the apigateway provider."""

    __test__ = False  # not a pytest class, whatever its name

    def __init__(self, invoker: Invoker, *, region: str, account_id: str) -> None:
        self._invoker = invoker
        self._region = region
        self._account_id = account_id

    async def test_invoke(
        self,
        snapshot: Mapping[str, Any],
        resource_id: str,
        http_method: str,
        request: Mapping[str, Any],
    ) -> dict[str, Any]:
        definition, resource_path = _tested_only(snapshot, resource_id, http_method)
        api_id = str(definition["restApi"]["id"])
        stage = {
            "stageName": TEST_STAGE,
            "deploymentId": "test-invoke",
            "variables": dict(request.get("stageVariables") or {}),
        }
        try:
            api = compile_rest_api(
                definition,
                [(stage, definition, None)],
                region=self._region,
                account_id=self._account_id,
            )
        except ConfigError as error:
            raise ServiceError("BadRequestException", str(error), status=400) from error
        deployment = Deployment((api,), (), account_id=self._account_id, region=self._region)
        recorder, capture = _Recorder(self._invoker), _Capture()
        gateway = Gateway(deployment, recorder, InProcessLimiter(), observer=capture)
        target = str(request.get("pathWithQueryString") or resource_path)
        parts = urlsplit(target if target.startswith("/") else "/" + target)
        headers = _headers(request)
        host = f"{api_id}.execute-api.{self._region}.amazonaws.com"
        body = str(request.get("body") or "").encode()
        now_ms = time.time_ns() // 1_000_000
        simulated = GatewayRequest(
            method=http_method,
            path=f"/{TEST_STAGE}{parts.path or '/'}",
            query_string=parts.query,
            headers=[("host", host), *headers],
            body=body,
            source_ip="test-invoke-source-ip",
            protocol="HTTP/1.1",
            domain_name=host,
            request_id=new_request_id(),
            extended_request_id=new_extended_request_id(),
            time_epoch_ms=now_ms,
            trace_id=new_trace_id(now_ms // 1000),
        )
        started = time.perf_counter()
        response = await gateway.handle(simulated, host)
        latency = round((time.perf_counter() - started) * 1000)
        log = _Log(simulated.request_id)
        asked = _Asked(http_method, parts.path or "/", parts.query, headers, body)
        self._log(log, simulated.request_id, asked, capture.ctx, recorder, response)
        return _output(response, log.text(), latency)

    def _log(
        self,
        log: _Log,
        request_id: str,
        asked: _Asked,
        ctx: RequestContext | None,
        recorder: _Recorder,
        response: GatewayResponse,
    ) -> None:
        log.line(f"Starting execution for request: {request_id}")
        target = ctx.target if ctx is not None else None
        path_params = target.path_params if isinstance(target, V1Target) else {}
        log.line(f"HTTP Method: {asked.method}, Resource Path: {asked.path}")
        log.line(f"Method request path: {_braces(path_params.items())}")
        log.line(f"Method request query string: {_braces(parse_qsl(asked.query, True))}")
        log.line(f"Method request headers: {_braces(asked.headers)}")
        body = asked.body.decode(errors="replace")
        log.line(f"Method request body before transformations: {body}")
        integration = ctx.integration if ctx is not None else None
        error = ctx.error if ctx is not None else None
        said = False  # whether the failure is in the log already
        for call in recorder.calls:
            arn = f"arn:aws:lambda:{self._region}:{self._account_id}:function:{call.name}"
            if call.qualifier:
                arn += f":{call.qualifier}"
            uri = f"https://lambda.{self._region}.amazonaws.com/2015-03-31/functions/{arn}/invocations"
            log.line(f"Endpoint request URI: {uri}")
            log.line(
                "Endpoint request body after transformations: "
                + call.payload.decode(errors="replace")
            )
            log.line(f"Sending request to {uri}")
            if call.result is None:  # Lambda refused it (permissions, no such function)
                detail = error.detail if error is not None else "the invocation failed"
                log.line(f"Execution failed due to configuration error: {detail}")
                said = True
                continue
            log.line(
                f"Received response. Status: 200, Integration latency: {call.latency_ms:.0f} ms"
            )
            executed = call.result.executed_version
            log.line(
                "Endpoint response headers: {Content-Type=application/json, "
                f"X-Amz-Executed-Version={executed}, x-amzn-RequestId={call.result.request_id}}}"
            )
            log.line(
                "Endpoint response body before transformations: "
                + call.result.payload.decode(errors="replace")
            )
            if call.result.function_error is not None:
                log.line(
                    "Lambda execution failed with status 200 due to customer function error: "
                    + call.result.payload.decode(errors="replace")
                )
        if isinstance(integration, MockIntegration):
            log.line("Endpoint response body before transformations: (MOCK integration)")
        if error is not None and not said:
            detail = f" ({error.detail})" if error.detail else ""
            log.line(f"Execution failed: {error.response_type.value}{detail}")
        elif error is None and isinstance(
            integration,
            LambdaIntegration | LambdaCustomIntegration | MockIntegration | HttpIntegration,
        ):
            log.line(
                "Method response body after transformations: "
                + response.body.decode(errors="replace")
            )
        log.line(f"Method response headers: {_braces(_decoded(response.headers))}")
        if error is None:
            log.line("Successfully completed execution")
        log.line(f"Method completed with status: {response.status}")


class _Asked:
    """The simulated request as the caller gave it."""

    __slots__ = ("body", "headers", "method", "path", "query")

    def __init__(
        self, method: str, path: str, query: str, headers: list[tuple[str, str]], body: bytes
    ) -> None:
        self.method = method
        self.path = path
        self.query = query
        self.headers = headers
        self.body = body


class _Log:
    """Lines stamped as API Gateway stamps them: `Wed Nov 25 19:30:00 UTC 2026 : ...`."""

    def __init__(self, request_id: str) -> None:
        self._lines = [f"Execution log for request {request_id}"]

    def line(self, text: str) -> None:
        stamp = datetime.now(UTC).strftime("%a %b %d %H:%M:%S UTC %Y")
        self._lines.append(f"{stamp} : {text}")

    def text(self) -> str:
        return "\n".join(self._lines) + "\n"


def _tested_only(
    snapshot: Mapping[str, Any], resource_id: str, http_method: str
) -> tuple[dict[str, Any], str]:
    """A copy of the definition with only the tested method, authorization taken off."""
    definition = copy.deepcopy(dict(snapshot))
    definition["restApi"].pop("policy", None)
    # No client connection is involved: a private API (VPC endpoints only) or one whose
    # default endpoint is disabled is tested as any other.
    definition["restApi"].pop("disableExecuteApiEndpoint", None)
    definition["restApi"].pop("endpointConfiguration", None)
    (resource,) = [r for r in definition["resources"] if r["id"] == resource_id]
    method = dict(resource["resourceMethods"][http_method])
    method.update(authorizationType="NONE", apiKeyRequired=False)
    method.pop("authorizerId", None)
    method.pop("authorizationScopes", None)
    resource["resourceMethods"] = {http_method: method}
    definition["resources"] = [resource]
    return definition, str(resource["path"])


def _headers(request: Mapping[str, Any]) -> list[tuple[str, str]]:
    """headers, then multiValueHeaders (a name in both: the multi-value list wins)."""
    multi: Mapping[str, list[str]] = request.get("multiValueHeaders") or {}
    single: Mapping[str, str] = request.get("headers") or {}
    lowered = {name.lower() for name in multi}
    found = [(name, value) for name, value in single.items() if name.lower() not in lowered]
    found += [(name, value) for name, values in multi.items() for value in values]
    return found


def _decoded(headers: list[tuple[bytes, bytes]]) -> list[tuple[str, str]]:
    return [(name.decode("latin-1"), value.decode("latin-1")) for name, value in headers]


def _braces(pairs: Any) -> str:
    """Java's Map.toString, as the execution log prints maps: {a=1, b=2}."""
    return "{" + ", ".join(f"{name}={value}" for name, value in pairs) + "}"


def _output(response: GatewayResponse, log: str, latency_ms: int) -> dict[str, Any]:
    headers: dict[str, str] = {}
    multi: dict[str, list[str]] = {}
    for name, value in _decoded(response.headers):
        headers[name] = value
        multi.setdefault(name, []).append(value)
    return {
        "status": response.status,
        "body": response.body.decode(errors="replace"),
        "headers": headers,
        "multiValueHeaders": multi,
        "log": log,
        "latency": latency_ms,
    }
