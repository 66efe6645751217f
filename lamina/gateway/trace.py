"""X-Ray tracing of REST API stages: one segment per traced request, a subsegment per
pipeline stage (routing, authorizer, validation, cache, integration ...).

    Gateway.handle ─ tracing.begin(ctx) ─► GatewayTrace (None: no stage of the deployment
                                           traces, the plain loop runs)
        trace.run(stages)   each stage timed; once routing found the stage: traced?
                            (tracingEnabled, then the caller's Sampled or the sampling rule)
                            while traced, the header handed downstream names the running
                            stage's subsegment as Parent (a function's trace hangs under it)
        trace.finish(response) ─► Tracer.record(segment document)

API Gateway traces REST API stages with tracingEnabled; HTTP APIs do not support X-Ray.
A request with `Sampled=1` is traced whatever the sampling rule says; `Sampled=0` is not.
https://docs.aws.amazon.com/apigateway/latest/developerguide/apigateway-xray.html
https://docs.aws.amazon.com/apigateway/latest/developerguide/apigateway-configuring-xray.html
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

from lamina.core.trace import (
    TraceHeader,
    Tracer,
    http_fault_fields,
    new_segment_id,
    parse_trace_header,
    subsegment,
)
from lamina.gateway.deployment import CompiledRestApi, Deployment
from lamina.gateway.error import GatewayError, GatewayResponse

if TYPE_CHECKING:
    from lamina.gateway.context import RequestContext
    from lamina.gateway.model import Stage as ModelStage
    from lamina.gateway.stages import Stage

ORIGIN = "AWS::ApiGateway::Stage"
# Lamina's names for its pipeline stages in a trace (the class name otherwise).
_STAGE_NAMES = {
    "ClientCertificate": "client certificate",
    "RefuseDefaultEndpoint": "default endpoint",
    "Firewall": "waf",
    "RouteRequest": "routing",
    "MapCustomDomain": "custom domain",
    "AnswerPreflight": "cors",
    "EnforceThrottle": "throttle",
    "Authorize": "authorizer",
    "MeterUsage": "usage plan",
    "ValidateRequest": "validation",
    "LookupCache": "cache lookup",
    "BuildEvent": "integration request",
    "InvokeIntegration": "integration",
    "StoreCache": "cache store",
}


class GatewayTracing:
    """The gateway's hook into a Tracer."""

    def __init__(self, tracer: Tracer) -> None:
        self.tracer = tracer
        self._seen: Deployment | None = None
        self._wanted = False

    def begin(self, ctx: RequestContext) -> GatewayTrace | None:
        """A trace for the request when some REST stage of its deployment traces."""
        deployment = ctx.deployment
        if deployment is not self._seen:
            self._seen, self._wanted = deployment, _any_traced(deployment)
        return GatewayTrace(self.tracer, ctx) if self._wanted else None


def _any_traced(deployment: Deployment) -> bool:
    return any(
        stage.tracing_enabled
        for api in deployment.rest.values()
        for stage in (*api.stages.values(), *_served_stages(api))
    )


def _stage(ctx: RequestContext) -> ModelStage | None:
    """The stage routed to, or the one the address named when routing failed after it
    (a request for no resource of a traced stage is traced too)."""
    if ctx.stage is not None:
        return ctx.stage
    return ctx.address.stage if ctx.address is not None else None


def _served_stages(api: CompiledRestApi) -> list[ModelStage]:
    return [serving.stage for serving in (api.serving or {}).values()]


class GatewayTrace:
    """One request's trace while it runs: undecided until routing names the stage."""

    __slots__ = ("_ctx", "_header", "_id", "_spans", "_start", "_tracer", "sampled")

    def __init__(self, tracer: Tracer, ctx: RequestContext) -> None:
        self._tracer = tracer
        self._ctx = ctx
        self._start = time.time()
        self._id = new_segment_id()
        self._header = parse_trace_header(ctx.request.trace_id)
        self._spans: list[dict[str, Any]] = []
        self.sampled: bool | None = None

    async def run(self, stages: tuple[Stage, ...]) -> None:
        ctx = self._ctx
        for stage in stages:
            if self.sampled is False:  # decided: the rest runs as in the plain loop
                await stage(ctx)
                if ctx.answered:
                    break
                continue
            sub_id = new_segment_id()
            if self.sampled:
                ctx.request.trace_id = str(self._root().child(sub_id, True))
            started = time.time()
            try:
                await stage(ctx)
            except GatewayError as error:
                self._span(stage, sub_id, started, error)
                self._decide()
                raise
            self._span(stage, sub_id, started, None)
            if self.sampled is None and _stage(ctx) is not None:
                self._decide()
            if ctx.answered:
                break

    def _root(self) -> TraceHeader:
        if self._header is None:  # the edge always gives a Root; a test may not
            self._header = TraceHeader(f"1-{int(self._start):08x}-{new_segment_id()}00000000")
        return self._header

    def _decide(self) -> None:
        """Traced when the routed stage has tracingEnabled and the request is sampled; the
        header downstream then carries the decision (Sampled=0 keeps functions untraced)."""
        if self.sampled is not None:
            return
        ctx = self._ctx
        stage = _stage(ctx)
        api = ctx.api or (ctx.address.api if ctx.address is not None else None)
        if not isinstance(api, CompiledRestApi) or stage is None or not stage.tracing_enabled:
            self.sampled = False
            return  # the header passes through as the client sent it
        header = self._root()
        self.sampled = self._tracer.decide(header)
        # Sampled: this segment is the parent downstream; not: only the decision is added.
        parent = self._id if self.sampled else header.parent
        ctx.request.trace_id = str(header.child(parent, self.sampled))

    def _span(self, stage: Stage, sub_id: str, started: float, error: GatewayError | None) -> None:
        if self.sampled is False:
            return
        name = type(stage).__name__
        span = subsegment(_STAGE_NAMES.get(name, name), started, time.time())
        span["id"] = sub_id
        if error is not None:
            span["error"] = True
            message = error.detail or error.response_type.value
            span["cause"] = {"exceptions": [{"id": new_segment_id(), "message": message}]}
        self._spans.append(span)

    def finish(self, response: GatewayResponse) -> None:
        """Record the segment (a traced request), and say the decision in the response's
        X-Amzn-Trace-Id."""
        if not self.sampled:
            return
        ctx, header = self._ctx, self._root()
        ctx.request.trace_id = str(TraceHeader(header.root, None, True))
        self._tracer.record(self._document(response, header))

    def _document(self, response: GatewayResponse, header: TraceHeader) -> dict[str, Any]:
        ctx, request = self._ctx, self._ctx.request
        api = ctx.api or (ctx.address.api if ctx.address is not None else None)
        stage = _stage(ctx)
        api_name = api.api.name if api is not None else ""
        stage_name = stage.name if stage is not None else ""
        api_id = api.api.id if api is not None else ""
        scheme = "https" if request.tls is not None else "http"
        document: dict[str, Any] = {
            "trace_id": header.root,
            "id": self._id,
            "name": f"{api_name}/{stage_name}",
            "origin": ORIGIN,
            "start_time": self._start,
            "end_time": time.time(),
            "http": {
                "request": {
                    "method": request.method,
                    "url": f"{scheme}://{ctx.host}{ctx.raw_path}",
                    "client_ip": request.source_ip,
                    "user_agent": request.header("user-agent") or "",
                },
                "response": {"status": response.status, "content_length": len(response.body)},
            },
            "aws": {
                "api_gateway": {
                    "account_id": ctx.deployment.account_id,
                    "rest_api_id": api_id,
                    "stage": stage_name,
                    "request_id": request.request_id,
                },
                "account_id": ctx.deployment.account_id,
            },
            "resource_arn": (
                f"arn:aws:apigateway:{ctx.deployment.region}::/restapis/{api_id}"
                f"/stages/{stage_name}"
            ),
            "subsegments": self._spans,
        }
        if header.parent:
            document["parent_id"] = header.parent
        document.update(http_fault_fields(response.status))
        return document
