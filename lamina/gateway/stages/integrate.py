"""Call the route's integration and keep its response."""

from __future__ import annotations

import time

from lamina.functions.policy import InvokeRequest
from lamina.gateway.auth.iam import policy_context
from lamina.gateway.context import RequestContext
from lamina.gateway.error import GatewayError, ResponseType
from lamina.gateway.events.v1 import V1Target
from lamina.gateway.integrations.aws_service import AwsServiceCaller, call_aws_service
from lamina.gateway.integrations.content_handling import binary_media
from lamina.gateway.integrations.http import HttpBackend, answer_http
from lamina.gateway.integrations.lambda_ import (
    Authorize,
    Invoker,
    call_lambda,
    substitute_stage_variables,
)
from lamina.gateway.integrations.lambda_custom import (
    BackgroundEvents,
    EventQueue,
    call_lambda_custom,
)
from lamina.gateway.integrations.lambda_mapping import map_lambda_event, map_lambda_response
from lamina.gateway.integrations.lambda_role import InvokeRoles, function_arn
from lamina.gateway.integrations.latency import (
    BackendClock,
    TimedBackend,
    TimedCaller,
    TimedEvents,
    TimedInvoker,
)
from lamina.gateway.integrations.mock import answer_mock, request_facts
from lamina.gateway.integrations.responses import MappingSource
from lamina.gateway.model import (
    CALLER_CREDENTIALS,
    AwsServiceIntegration,
    HttpIntegration,
    LambdaCustomIntegration,
    LambdaIntegration,
    MockIntegration,
)

GATEWAY_PRINCIPAL = "apigateway.amazonaws.com"


class InvokeIntegration:
    def __init__(self, invoker: Invoker, aws_services: AwsServiceCaller | None = None) -> None:
        self._invoker = invoker
        self._http = HttpBackend()
        self.aws_services = aws_services
        """Calls AWS services for AWS service integrations (None: there is no AWS endpoint)."""
        self.events: EventQueue | None = None
        """Runs Lambda custom integrations' Event invocations (None: background tasks)."""
        self._background = BackgroundEvents(invoker)  # holds its running tasks
        self.invoke_roles: InvokeRoles | None = None
        """Decides for Lambda integrations with credentials (None: no role can be used)."""

    async def __call__(self, ctx: RequestContext) -> None:
        integration = ctx.integration
        if isinstance(integration, LambdaIntegration):
            authorize = self._role_check(ctx, integration.credentials)
            source = None if authorize is not None else _gateway_source(ctx)
            started = time.perf_counter_ns()  # IntegrationLatency (gateway/observe.py)
            try:
                ctx.response = await call_lambda(
                    self._invoker,
                    integration,
                    # HTTP APIs' request parameter mapping changes the event's request.
                    map_lambda_event(integration, ctx)
                    if integration.request_parameters
                    else ctx.event,
                    decode_base64=ctx.decode_base64,
                    source=source,
                    stage_variables=ctx.stage.variables if ctx.stage is not None else {},
                    trace_id=ctx.request.trace_id or None,
                    authorize=authorize,
                )
            finally:
                ctx.integration_latency_ms = (time.perf_counter_ns() - started) / 1e6
            if integration.response_parameters:  # HTTP APIs' response parameter mapping
                ctx.response = map_lambda_response(integration, ctx, ctx.response)
            return
        if isinstance(integration, HttpIntegration):
            clock = BackendClock()  # IntegrationLatency: the backend's time only (latency.py)
            try:
                ctx.response = await answer_http(TimedBackend(self._http, clock), integration, ctx)
            finally:
                ctx.integration_latency_ms = clock.ms
            return
        if isinstance(integration, LambdaCustomIntegration):
            await self._lambda_custom(ctx, integration)
            return
        if isinstance(integration, AwsServiceIntegration):
            mapping = _mapping_source(ctx)
            clock = BackendClock()
            caller = self.aws_services
            try:
                ctx.response = await call_aws_service(
                    TimedCaller(caller, clock) if caller is not None else None,
                    integration,
                    mapping,
                    resource_path_params=mapping.path_params,
                )
            finally:
                ctx.integration_latency_ms = clock.ms
            return
        if isinstance(integration, MockIntegration):
            target = ctx.target
            path_params = target.path_params if isinstance(target, V1Target) else {}
            variables = ctx.stage.variables if ctx.stage is not None else {}
            ctx.response = answer_mock(
                integration,
                ctx.request,
                path_params,
                variables,
                request_facts(ctx),
                binary_media(ctx),
            )
            return
        kind = "none" if integration is None else integration.type
        raise GatewayError(
            ResponseType.DEFAULT_5XX, f"integration type {kind} is not supported yet"
        )

    async def _lambda_custom(
        self, ctx: RequestContext, integration: LambdaCustomIntegration
    ) -> None:
        mapping = _mapping_source(ctx)
        source = _gateway_source(ctx)
        clock = BackendClock()  # IntegrationLatency: the function's time only (latency.py)
        events = self.events
        try:
            ctx.response = await call_lambda_custom(
                TimedInvoker(self._invoker, clock),
                integration,
                mapping,
                source=source,
                stage_variables=mapping.stage_variables,
                trace_id=ctx.request.trace_id or None,
                events=TimedEvents(events or self._background, clock),
                authorize=self._role_check(ctx, integration.credentials),
            )
        finally:
            ctx.integration_latency_ms = clock.ms

    def _role_check(self, ctx: RequestContext, credentials: str | None) -> Authorize | None:
        """For an integration with credentials: the check that they may invoke the function
        (integrations/lambda_role.py), which replaces the function's resource policy."""
        if credentials is None:
            return None
        roles = self.invoke_roles
        # https://docs.aws.amazon.com/apigateway/latest/developerguide/aws-api-gateway-stage-variables-reference.html
        variables = ctx.stage.variables if ctx.stage is not None else {}
        role = substitute_stage_variables(credentials, variables)
        region, account_id = ctx.deployment.region, ctx.deployment.account_id
        caller_key = ctx.identity.get("accessKey")
        # The caller's own policies see the request's condition keys (lambda_role.py).
        context = policy_context(ctx, None) if role == CALLER_CREDENTIALS else None

        def authorize(name: str, qualifier: str | None) -> None:
            if roles is None:
                raise GatewayError(
                    ResponseType.DEFAULT_5XX,
                    "Execution failed due to configuration error: no IAM roles are known",
                )
            arn = function_arn(region, account_id, name, qualifier)
            roles.check(role, arn, caller_key=caller_key, context=context)

        return authorize


def _gateway_source(ctx: RequestContext) -> InvokeRequest:
    """Who asks Lambda when the function's resource policy decides: API Gateway, for this
    method's execute-api ARN."""
    return InvokeRequest(
        principal=GATEWAY_PRINCIPAL,
        source_arn=ctx.source_arn,
        source_account=ctx.deployment.account_id,
    )


def _mapping_source(ctx: RequestContext) -> MappingSource:
    """The method request as an AWS service or Lambda (custom) integration's templates
    and parameter mappings read it."""
    target = ctx.target
    mapping = MappingSource(
        ctx.request,
        target.path_params if isinstance(target, V1Target) else {},
        ctx.stage.variables if ctx.stage is not None else {},
        request_facts(ctx),
    )
    mapping.binary = binary_media(ctx)
    return mapping
