"""AWS::ApiGatewayV2::Api with ProtocolType HTTP (from its Body, quick create, or its
Route / Integration resources).

https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-apigatewayv2-api.html
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from lamina.config.access_log import with_access_logs
from lamina.config.api_body import api_body, declared_stages
from lamina.config.authorizer import (
    BodyAuthorizers,
    body_authorizers,
    http_resource_authorizers,
    resource_access,
)
from lamina.config.cors import build_cors, origin_warnings
from lamina.config.default_endpoint import execute_api_disabled
from lamina.config.error import ConfigError
from lamina.config.integration import build_integration
from lamina.config.openapi import DEFAULT_ROUTE, Operation, operations
from lamina.config.reference import HTTP_API, CfnResource
from lamina.config.stack import Stack
from lamina.gateway.model import (
    HTTP_MAX_TIMEOUT_MS,
    Authorizer,
    HttpApi,
    Integration,
    Route,
    Stage,
)

_INTEGRATION_TARGET = "integrations/"


def build_http_apis(stack: Stack, functions: Mapping[str, str]) -> list[HttpApi]:
    apis = []
    for resource in stack.of_type(HTTP_API):
        with stack.blame(resource.logical_id):
            protocol = stack.text(resource, "ProtocolType", "HTTP")
            if protocol != "HTTP":
                stack.warnings.append(
                    f"{protocol} API {resource.logical_id} is not supported yet — ignored"
                )
                continue
            apis.append(_http_api(stack, resource, functions))
    return apis


def _http_api(stack: Stack, resource: CfnResource, functions: Mapping[str, str]) -> HttpApi:
    api_id = stack.resources.id_of(resource.logical_id)
    body = api_body(stack, resource)
    routes: list[Route] = []
    title = None
    authorizers = http_resource_authorizers(stack, api_id, functions)
    if body is not None:
        title = (body.get("info") or {}).get("title")
        schemes = body_authorizers(stack, api_id, body, functions, http=True)
        authorizers += schemes.by_name.values()
        routes += _routes_from_body(stack, resource.logical_id, body, functions, schemes)
    stages = _stages(stack, api_id)
    if "Target" in resource.properties:
        routes.append(_quick_create_route(stack, resource, functions))
        # Quick create also makes a $default stage that deploys automatically.
        stages.setdefault("$default", Stage(name="$default"))
    routes += _routes_from_resources(
        stack, api_id, functions, {found.id: found for found in authorizers}
    )
    cors = build_cors(stack.prop(resource, "CorsConfiguration"), body)
    stack.warnings.extend(origin_warnings(cors, resource.logical_id))
    return HttpApi(
        id=api_id,
        logical_id=resource.logical_id,
        name=stack.text(resource, "Name", str(title or resource.logical_id)),
        routes=tuple(routes),
        stages=tuple(sorted(stages.values(), key=lambda stage: stage.name)),
        authorizers=tuple(authorizers),
        cors=cors,
        disable_execute_api_endpoint=execute_api_disabled(stack, resource, body),
    )


def _routes_from_body(
    stack: Stack,
    logical_id: str,
    body: Mapping[str, Any],
    functions: Mapping[str, str],
    schemes: BodyAuthorizers,
) -> list[Route]:
    routes = []
    for operation in operations(body):
        spec = operation.integration
        integration = None
        if spec is not None:
            # https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-swagger-extensions-integration.html
            integration = build_integration(
                str(spec.get("type", "")),
                spec.get("uri"),
                functions=functions,
                payload_format=_payload_format(stack, logical_id, spec.get("payloadFormatVersion")),
                timeout_ms=spec.get("timeoutInMillis"),
                default_timeout_ms=HTTP_MAX_TIMEOUT_MS,
                request_parameters=spec.get("requestParameters"),
                response_parameters=spec.get("responseParameters"),
                http_method=spec.get("httpMethod"),
                credentials=spec.get("credentials"),
            )
        access = schemes.access(operation.security)
        routes.append(
            Route(
                route_key=_route_key(operation),
                integration=integration,
                authorization_type=access.authorization_type,
                authorizer_id=access.authorizer_id,
                authorization_scopes=access.authorization_scopes,
            )
        )
    return routes


def _route_key(operation: Operation) -> str:
    if operation.path == DEFAULT_ROUTE:
        return DEFAULT_ROUTE
    return f"{operation.method} /{operation.path.strip('/')}"


def _quick_create_route(stack: Stack, resource: CfnResource, functions: Mapping[str, str]) -> Route:
    # Quick create: Target is a function ARN; the route key defaults to $default.
    # https://docs.aws.amazon.com/apigatewayv2/latest/api-reference/apis.html#apis-prop-createapiinput-target
    integration = build_integration(
        "AWS_PROXY",
        stack.text(resource, "Target"),
        functions=functions,
        payload_format="2.0",
        timeout_ms=None,
        default_timeout_ms=HTTP_MAX_TIMEOUT_MS,
        # Quick create: CredentialsArn is the integration's credentials.
        # https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-apigatewayv2-api.html
        credentials=stack.prop(resource, "CredentialsArn"),
    )
    return Route(route_key=stack.text(resource, "RouteKey", DEFAULT_ROUTE), integration=integration)


def _routes_from_resources(
    stack: Stack, api_id: str, functions: Mapping[str, str], authorizers: Mapping[str, Authorizer]
) -> list[Route]:
    integrations = _integrations(stack, api_id, functions)
    routes = []
    for route in stack.of_api("AWS::ApiGatewayV2::Route", api_id, key="ApiId"):
        with stack.blame(route.logical_id):
            target = stack.text(route, "Target", "")
            integration = None
            if target:
                if not target.startswith(_INTEGRATION_TARGET):
                    raise ConfigError(f"Target {target!r} is not integrations/<IntegrationId>")
                integration_id = target.removeprefix(_INTEGRATION_TARGET)
                if integration_id not in integrations:
                    raise ConfigError(f"Target {target!r} names no integration of this API")
                integration = integrations[integration_id]
            access = resource_access(stack, route, known=authorizers)
            if stack.prop(route, "ApiKeyRequired") is True:
                # "Supported only for WebSocket APIs": HTTP APIs have no API keys, so the
                # route stays open to callers without one, as on AWS.
                # https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-apigatewayv2-route.html
                stack.warnings.append(
                    f"{route.logical_id}: ApiKeyRequired is supported only for WebSocket "
                    "APIs; HTTP APIs have no API keys, so this route does not check one "
                    "(use a REST API with a usage plan, or a Lambda or JWT authorizer)"
                )
            routes.append(
                Route(
                    route_key=stack.text(route, "RouteKey"),
                    integration=integration,
                    authorization_type=access.authorization_type,
                    authorizer_id=access.authorizer_id,
                    authorization_scopes=access.authorization_scopes,
                )
            )
    return routes


def _integrations(
    stack: Stack, api_id: str, functions: Mapping[str, str]
) -> dict[str, Integration]:
    """Integration id -> model, for AWS::ApiGatewayV2::Integration resources of this API."""
    # https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-apigatewayv2-integration.html
    found: dict[str, Integration] = {}
    for resource in stack.of_api("AWS::ApiGatewayV2::Integration", api_id, key="ApiId"):
        with stack.blame(resource.logical_id):
            integration_id = stack.resources.id_of(resource.logical_id, 7)
            found[integration_id] = build_integration(
                stack.text(resource, "IntegrationType"),
                stack.prop(resource, "IntegrationUri"),
                functions=functions,
                payload_format=_payload_format(
                    stack, resource.logical_id, stack.prop(resource, "PayloadFormatVersion")
                ),
                timeout_ms=stack.prop(resource, "TimeoutInMillis"),
                default_timeout_ms=HTTP_MAX_TIMEOUT_MS,
                request_parameters=stack.prop(resource, "RequestParameters"),
                response_parameters=stack.prop(resource, "ResponseParameters"),
                http_method=stack.prop(resource, "IntegrationMethod"),
                credentials=stack.prop(resource, "CredentialsArn"),
            )
    return found


def _payload_format(stack: Stack, logical_id: str, value: object) -> str:
    if value is not None:
        return str(value)
    # AWS requires it for Lambda integrations created by CloudFormation; be lenient locally.
    # https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-develop-integrations-lambda.html
    warning = f"{logical_id}: integration without PayloadFormatVersion; using 1.0"
    if warning not in stack.warnings:
        stack.warnings.append(warning)
    return "1.0"


def _stages(stack: Stack, api_id: str) -> dict[str, Stage]:
    # https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-apigatewayv2-stage.html
    stages = declared_stages(
        stack, "AWS::ApiGatewayV2::Stage", api_id, key="ApiId", variables="StageVariables"
    )
    return with_access_logs(  # config/access_log.py
        stack, stages, "AWS::ApiGatewayV2::Stage", api_id, key="ApiId", setting="AccessLogSettings"
    )
