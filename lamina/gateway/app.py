"""The gateway's request pipeline: read this file to know a request's whole path.

    locate API + stage (an API whose default endpoint is disabled: custom domains only)
    → firewall (WAF, in front of routing as on AWS) → route
    → client certificate (mTLS) → CORS preflight (HTTP APIs)
    (the client certificate is checked first, at the custom domain, as on AWS)
    → throttling (method / route and account buckets)
    → authorize (resource policy, authorizers, IAM) → API key, usage plan (client
      bucket, quota)
    → request validation (REST: required parameters, body against its model)
    → stage cache lookup (REST; a hit is the answer)
    → build proxy event → integration (Lambda) → map response → stage cache store
    any GatewayError → the gateway response API Gateway would send

Later stages (validation, caching, VTL) slot into `self._stages` in the order DESIGN.md
gives.
"""

from __future__ import annotations

import logging
import time

from lamina.aws.credentials import CredentialStore
from lamina.gateway.address import resolve_address
from lamina.gateway.auth import Check
from lamina.gateway.auth.cache import AuthorizerCache
from lamina.gateway.auth.iam import IamCheck
from lamina.gateway.auth.jwks import IssuerDirectory
from lamina.gateway.auth.lambda_ import LambdaAuthorizerCheck
from lamina.gateway.auth.tokens import token_checks
from lamina.gateway.cache import ResponseCache
from lamina.gateway.cache.entry import EntryCipher
from lamina.gateway.cache.memory import MemoryResponseCache
from lamina.gateway.context import RequestContext
from lamina.gateway.cors import AnswerPreflight, add_cors_headers
from lamina.gateway.deployment import CompiledRestApi, Deployment
from lamina.gateway.error import ApiKind, GatewayError, GatewayResponse, render_error
from lamina.gateway.gateway_response import apply_configured_response
from lamina.gateway.integrations.aws_service import AwsServiceCaller
from lamina.gateway.integrations.lambda_ import Invoker
from lamina.gateway.integrations.lambda_custom import EventQueue
from lamina.gateway.integrations.lambda_role import InvokeRoles
from lamina.gateway.limits.limiter import InProcessLimiter, RateLimiter
from lamina.gateway.observe import RequestObserver, default_observer
from lamina.gateway.request import GatewayRequest
from lamina.gateway.stages import OptionalStage, Stage
from lamina.gateway.stages.authorize import Authorize
from lamina.gateway.stages.cache import LookupCache, StoreCache
from lamina.gateway.stages.client_cert import ClientCertificate
from lamina.gateway.stages.domain import MapCustomDomain, RefuseDefaultEndpoint
from lamina.gateway.stages.event import BuildEvent
from lamina.gateway.stages.firewall import Firewall
from lamina.gateway.stages.integrate import InvokeIntegration
from lamina.gateway.stages.meter import EnforceThrottle, MeterUsage
from lamina.gateway.stages.route import RouteRequest
from lamina.gateway.stages.validate import ValidateRequest
from lamina.gateway.trace import GatewayTracing
from lamina.gateway.waf.rate import RateCounts

log = logging.getLogger("lamina.gateway")


class Gateway:
    def __init__(
        self,
        deployment: Deployment,
        invoker: Invoker,
        limiter: RateLimiter | None = None,
        *,
        issuers: IssuerDirectory | None = None,
        credentials: CredentialStore | None = None,
        authorizer_cache: AuthorizerCache | None = None,
        response_cache: ResponseCache | None = None,
        observer: RequestObserver | None = None,
        aws_services: AwsServiceCaller | None = None,
        waf_rates: RateCounts | None = None,
    ) -> None:
        self.observer = observer or default_observer()
        """Metrics and access logs, recorded once a request is answered."""
        checks: dict[str, Check] = {}
        # AWS_IAM: SigV4 against the credential store (REST and HTTP APIs).
        checks["AWS_IAM"] = iam = IamCheck(credentials or CredentialStore.local())
        checks.update(token_checks(issuers))  # COGNITO_USER_POOLS, JWT
        checks["CUSTOM"] = LambdaAuthorizerCheck(invoker, authorizer_cache)  # Lambda authorizers
        # The stage cache (G7); entries of encrypting methods are sealed with this process's key.
        cache, cipher = response_cache or MemoryResponseCache(), EntryCipher()
        self._all_stages: tuple[Stage, ...] = (
            ClientCertificate(),
            RefuseDefaultEndpoint(),  # DisableExecuteApiEndpoint: custom domains only
            Firewall(rates=waf_rates),  # AWS WAF sees the request before API Gateway routes it
            RouteRequest(),
            MapCustomDomain(),
            AnswerPreflight(),
            EnforceThrottle(limiter := limiter or InProcessLimiter()),  # before authorizers
            Authorize(checks),
            MeterUsage(limiter),  # API keys: after authorizers (one may give the key)
            ValidateRequest(),  # REST request validators, before the integration
            LookupCache(cache, cipher, iam),  # a hit answers here, without the integration
            BuildEvent(),
            integrate := InvokeIntegration(invoker, aws_services),
            StoreCache(cache, cipher),
        )
        self._integrate = integrate
        self.tracing: GatewayTracing | None = None
        """X-Ray tracing of REST stages with tracingEnabled (set by `lamina up`)."""
        self._current = (deployment, self._pipeline(deployment))

    def use_aws_services(self, caller: AwsServiceCaller) -> None:
        """Call AWS services (AWS service integrations) through `caller`: the AWS endpoint
        is built after the gateway, so it is connected here."""
        self._integrate.aws_services = caller

    def use_invoke_roles(self, roles: InvokeRoles) -> None:
        """Decide Lambda integrations with credentials with `roles` (the application's IAM
        roles, known once `lamina up` has built its credential store)."""
        self._integrate.invoke_roles = roles

    def use_event_queue(self, events: EventQueue) -> None:
        """Run Lambda custom integrations' `Event` invocations through `events` (Lambda's
        durable asynchronous queue, built after the gateway); by default they run as
        background tasks of this process."""
        self._integrate.events = events

    @property
    def deployment(self) -> Deployment:
        return self._current[0]

    def deploy(self, deployment: Deployment) -> None:
        """Swap in a new deployment; requests in flight keep the one they started with."""
        self._current = (deployment, self._pipeline(deployment))

    def _pipeline(self, deployment: Deployment) -> tuple[Stage, ...]:
        """The stages this deployment needs: one with nothing to do for any API of it (no
        web ACL, no custom domain, no CORS, no authorization) stays out of every request's
        path — each costs a coroutine per request."""
        return tuple(
            stage
            for stage in self._all_stages
            if not isinstance(stage, OptionalStage) or stage.needed(deployment)
        )

    async def handle(self, request: GatewayRequest, host: str) -> GatewayResponse:
        started = time.perf_counter_ns()
        deployment, stages = self._current
        ctx = RequestContext(request, deployment, host)
        path = request.path  # stages rewrite it (the stage prefix is cut)
        # X-Ray (gateway/trace.py): None unless some REST stage of the deployment traces.
        trace = self.tracing.begin(ctx) if self.tracing is not None else None
        try:
            if trace is not None:
                await trace.run(stages)
            else:
                for stage in stages:
                    await stage(ctx)
                    if ctx.answered:
                        break
        except GatewayError as error:
            ctx.error = error
            response = render_error(ctx.kind, error)
            apply_configured_response(ctx, error, response)
            # The client sees only AWS's terse body; the console says why.
            log.warning(
                "%s %s -> %d %s%s",
                request.method,
                path,
                response.status,
                error.response_type.value,
                f" ({error.detail})" if error.detail else "",
            )
        else:
            assert ctx.response is not None
            response = ctx.response
        add_cors_headers(ctx, response)
        if trace is not None:
            trace.finish(response)
        _stamp(response, ctx.kind, request)
        self.observer.record(ctx, response, started)
        return response

    def reject(self, request: GatewayRequest, host: str, error: GatewayError) -> GatewayResponse:
        """Answer with a gateway response before routing (e.g. a body over the size limit)."""
        started = time.perf_counter_ns()
        address = resolve_address(self.deployment, host, request.path, request.header)
        kind = (
            ApiKind.REST if isinstance(address and address.api, CompiledRestApi) else ApiKind.HTTP
        )
        response = render_error(kind, error)
        _stamp(response, kind, request)
        # Counted and access-logged like any answered request (a 413 is a 4XXError).
        ctx = RequestContext(request, self.deployment, host)
        ctx.address, ctx.kind, ctx.error = address, kind, error
        self.observer.record(ctx, response, started)
        return response


def _stamp(response: GatewayResponse, kind: ApiKind, request: GatewayRequest) -> None:
    """Headers API Gateway adds to every response."""
    if kind is ApiKind.REST:
        response.headers.append((b"x-amzn-requestid", request.request_id.encode()))
        response.headers.append((b"x-amz-apigw-id", request.extended_request_id.encode()))
        if request.trace_id:
            response.headers.append((b"x-amzn-trace-id", request.trace_id.encode()))
    else:
        response.headers.append((b"apigw-requestid", request.extended_request_id.encode()))
