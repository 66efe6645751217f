"""Request validation (REST APIs): after authorization and throttling, before the
integration, a method's request validator rejects a request lacking a required parameter
(400 BAD_REQUEST_PARAMETERS) or whose body does not match the model for its content type
(400 BAD_REQUEST_BODY).
https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-method-request-validation.html

Schemas are compiled when a deployment is swapped in (`needed`), not per request; a
deployment without a validating method leaves this stage out of the pipeline.
"""

from __future__ import annotations

import logging
from urllib.parse import parse_qsl

from lamina.gateway.context import RequestContext
from lamina.gateway.deployment import CompiledRestApi, Deployment
from lamina.gateway.error import GatewayError, ResponseType
from lamina.gateway.events.common import media_type
from lamina.gateway.events.v1 import V1Target
from lamina.gateway.model import Method
from lamina.gateway.validation import (
    MethodChecks,
    compile_api,
    compile_method,
    validation_error_string,
)

log = logging.getLogger("lamina.gateway.validation")


class ValidateRequest:
    def __init__(self) -> None:
        self._checks: dict[int, tuple[Method, MethodChecks | None]] = {}

    def needed(self, deployment: Deployment) -> bool:
        """Compile every validating method of the deployment (stages' own definitions
        included); the table replaces the previous deployment's."""
        checks: dict[int, tuple[Method, MethodChecks | None]] = {}
        for api in deployment.rest_definitions:
            checks.update(compile_api(api))
        self._checks = checks
        return any(found is not None for _, found in checks.values())

    async def __call__(self, ctx: RequestContext) -> None:
        method = ctx.method
        if method is None:
            return  # HTTP APIs have no request validators
        found = self._checks.get(id(method))
        if found is not None and found[0] is method:
            checks = found[1]
        elif method.request_validator_id is None:
            return
        else:
            checks = self._late(ctx, method)
        if checks is None:
            return
        request = ctx.request
        if checks.required:
            sources = checks.sources
            headers: dict[str, str] = {}
            if "header" in sources:
                headers = {name.lower(): value for name, value in request.headers}
            query: dict[str, str] = {}
            if "querystring" in sources:
                query = dict(parse_qsl(request.query_string, keep_blank_values=True))
            target = ctx.target
            path = target.path_params if isinstance(target, V1Target) else {}
            missing = checks.missing(headers, query, path)
            if missing:
                message = f"Missing required request parameters: [{', '.join(missing)}]"
                raise GatewayError(
                    ResponseType.BAD_REQUEST_PARAMETERS,
                    message,
                    message=message,
                    validation_error=message,
                )
        if checks.bodies is not None:
            content_type = media_type(request.header("content-type"))
            errors = checks.body_errors(content_type, request.body)
            if errors:
                detail = validation_error_string(errors)
                raise GatewayError(
                    ResponseType.BAD_REQUEST_BODY,
                    # What AWS logs: "Request body does not match model schema for content
                    # type application/json: [...]"
                    f"Request body does not match model schema for content type "
                    f"{content_type or 'application/json'}: {detail}",
                    validation_error=detail,
                )

    def _late(self, ctx: RequestContext, method: Method) -> MethodChecks | None:
        """A request still running a deployment swapped out since (rare): compile its
        method now, once."""
        api = ctx.api
        if not isinstance(api, CompiledRestApi):
            return None
        checks = compile_method(api.api, method)
        self._checks[id(method)] = (method, checks)
        return checks
