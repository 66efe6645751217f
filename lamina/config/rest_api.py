"""AWS::ApiGateway::RestApi (from its OpenAPI Body or its Resource / Method resources).

https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-apigateway-restapi.html
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from lamina.config.access_log import deployment_access_log, with_access_logs
from lamina.config.api_body import api_body, declared_stages, stage_variables
from lamina.config.authorizer import (
    BodyAuthorizers,
    body_authorizers,
    resource_access,
    rest_resource_authorizers,
)
from lamina.config.default_endpoint import execute_api_disabled
from lamina.config.error import ConfigError
from lamina.config.gateway_responses import build_gateway_responses
from lamina.config.ids import physical_id
from lamina.config.integration import (
    build_aws_service_integration,
    build_http_integration,
    build_integration,
    build_lambda_custom_integration,
    build_mock_integration,
    is_aws_service,
    is_http,
    is_lambda_custom,
)
from lamina.config.openapi import ANY_METHOD_KEY, binary_media_types, operations
from lamina.config.private_api import check_private, endpoint_configuration
from lamina.config.reference import REST_API, CfnResource, root_resource_id
from lamina.config.request_validation import (
    BodyValidation,
    resource_method_validation,
    resource_models,
    resource_validators,
)
from lamina.config.resource_policy import resource_policy
from lamina.config.stack import Stack
from lamina.config.stage_cache import cache_keys, with_stage_cache
from lamina.config.stage_logging import with_method_logs
from lamina.config.stage_tracing import with_stage_tracing
from lamina.config.usage_plan import api_key_source
from lamina.gateway.model import (
    REST_DEFAULT_TIMEOUT_MS,
    Authorizer,
    Integration,
    Method,
    Resource,
    RestApi,
    Stage,
)

_RESOURCE = "AWS::ApiGateway::Resource"
_METHOD = "AWS::ApiGateway::Method"


def build_rest_apis(stack: Stack, functions: Mapping[str, str]) -> list[RestApi]:
    apis = []
    for resource in stack.of_type(REST_API):
        with stack.blame(resource.logical_id):
            apis.append(_rest_api(stack, resource, functions))
    return apis


def _rest_api(stack: Stack, resource: CfnResource, functions: Mapping[str, str]) -> RestApi:
    api_id = stack.resources.id_of(resource.logical_id)
    body = api_body(stack, resource)
    authorizers = rest_resource_authorizers(stack, api_id, functions)
    models = resource_models(stack, api_id)  # request validation (config/request_validation.py)
    validators = resource_validators(stack, api_id)
    if body is not None:
        schemes = body_authorizers(stack, api_id, body, functions, http=False)
        validation = BodyValidation(api_id, body)
        tree = _tree_from_body(api_id, body, functions, schemes, validation)
        models += validation.models
        validators += validation.validators
        authorizers += schemes.by_name.values()
        title = (body.get("info") or {}).get("title")
    else:
        tree = _tree_from_resources(stack, api_id, functions, authorizers)
        title = None
    binary = binary_media_types(stack.prop(resource, "BinaryMediaTypes"))
    if body is not None:
        binary += binary_media_types(body.get("x-amazon-apigateway-binary-media-types"))
    private, vpc_endpoint_ids = endpoint_configuration(stack, resource, body)
    api = RestApi(
        id=api_id,
        logical_id=resource.logical_id,
        name=stack.text(resource, "Name", str(title or resource.logical_id)),
        resources=tuple(
            Resource(id=_resource_id(api_id, path), path=path, methods=methods)
            for path, methods in sorted(tree.items())
        ),
        stages=_stages(stack, api_id),
        binary_media_types=tuple(dict.fromkeys(binary)),
        api_key_source=api_key_source(stack, resource, body),
        authorizers=tuple(authorizers),
        gateway_responses=build_gateway_responses(stack, api_id, body),
        policy=resource_policy(stack, resource, body, api_id),
        models=tuple(models),
        request_validators=tuple(validators),
        private=private,
        vpc_endpoint_ids=vpc_endpoint_ids,
        disable_execute_api_endpoint=execute_api_disabled(stack, resource, body),
    )
    check_private(api)
    _warn_default_endpoint_tls(stack, resource, body)
    return api


def _warn_default_endpoint_tls(
    stack: Stack, resource: CfnResource, body: Mapping[str, Any] | None
) -> None:
    """A RestApi's SecurityPolicy and EndpointAccessMode (x-amazon-apigateway-security-policy
    / -endpoint-access-mode) choose the TLS of its default execute-api endpoint on AWS;
    here that endpoint shares `lamina up`'s one listener (--tls), so they are not applied:
    the user is told rather than left to believe them enforced. A custom domain's settings
    are applied (config/domain.py).
    https://docs.aws.amazon.com/apigateway/latest/developerguide/openapi-extensions-security-policy.html
    https://docs.aws.amazon.com/apigateway/latest/developerguide/openapi-extensions-endpoint-access-mode.html"""
    extensions = {
        "SecurityPolicy": "x-amazon-apigateway-security-policy",
        "EndpointAccessMode": "x-amazon-apigateway-endpoint-access-mode",
    }
    for name, extension in extensions.items():
        given = stack.prop(resource, name)
        if given is None and body is not None:
            given = body.get(extension)
        if given is not None:
            stack.warnings.append(
                f"{resource.logical_id}: {name} {given!r} is not applied to the default "
                "execute-api endpoint (it is served with lamina up's own TLS settings); "
                "set it on an AWS::ApiGateway::DomainName to have it enforced"
            )


def _resource_id(api_id: str, path: str) -> str:
    return root_resource_id(api_id) if path == "/" else physical_id(api_id, path, length=6)


def _tree_from_body(
    api_id: str,
    body: Mapping[str, Any],
    functions: Mapping[str, str],
    schemes: BodyAuthorizers,
    validation: BodyValidation,
) -> dict[str, dict[str, Method]]:
    """Path -> methods; every ancestor of a path is a resource too, as on import."""
    tree: dict[str, dict[str, Method]] = {"/": {}}
    for operation in operations(body):
        path = _normal_path(operation.path)
        for ancestor in _ancestors(path):
            tree.setdefault(ancestor, {})
        spec = operation.integration
        integration = None if spec is None else _body_integration(spec, functions)
        access = schemes.access(operation.security)
        path_item = body["paths"][operation.path]
        key = ANY_METHOD_KEY if operation.method == "ANY" else operation.method.lower()
        checks = validation.method(
            path_item, path_item[key], f"{operation.method} {operation.path}"
        )
        tree[path][operation.method] = Method(
            http_method=operation.method,
            integration=integration,
            authorization_type=access.authorization_type,
            authorizer_id=access.authorizer_id,
            authorization_scopes=access.authorization_scopes,
            api_key_required=operation.api_key_required,
            request_validator_id=checks.request_validator_id,
            request_parameters=checks.request_parameters,
            request_models=checks.request_models,
            # operationId becomes operationName, as ImportRestApi does (openapi_method.py).
            # https://docs.aws.amazon.com/apigateway/latest/api/API_Method.html
            operation_name=_operation_name(path_item[key].get("operationId")),
            **_cache_keys(spec, capitalized=False),
        )
    return tree


def _body_integration(spec: Mapping[str, Any], functions: Mapping[str, str]) -> Integration:
    # https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-swagger-extensions-integration.html
    return _rest_integration(spec, functions, ("type", "uri", "timeoutInMillis"))


def _rest_integration(
    spec: Mapping[str, Any], functions: Mapping[str, str], keys: tuple[str, str, str]
) -> Integration:
    """The OpenAPI extension and the CloudFormation property spell the same three fields
    differently: (type, uri, timeoutInMillis) vs (Type, Uri, TimeoutInMillis)."""
    kind, uri, timeout = keys
    if str(spec.get(kind, "")).upper() == "MOCK":
        return build_mock_integration(spec)
    if is_lambda_custom(spec):
        return build_lambda_custom_integration(spec, functions, REST_DEFAULT_TIMEOUT_MS)
    if is_http(spec):
        return build_http_integration(spec, REST_DEFAULT_TIMEOUT_MS)
    if is_aws_service(spec):
        return build_aws_service_integration(spec, REST_DEFAULT_TIMEOUT_MS)
    return build_integration(
        str(spec.get(kind, "")),
        spec.get(uri),
        functions=functions,
        payload_format="1.0",
        timeout_ms=spec.get(timeout),
        default_timeout_ms=REST_DEFAULT_TIMEOUT_MS,
        credentials=spec.get("Credentials" if kind == "Type" else "credentials"),
    )


def _normal_path(path: str) -> str:
    return "/" + path.strip("/")


def _ancestors(path: str) -> list[str]:
    parts = path.strip("/").split("/") if path != "/" else []
    return ["/" + "/".join(parts[:depth]) for depth in range(len(parts) + 1)]


def _tree_from_resources(
    stack: Stack, api_id: str, functions: Mapping[str, str], authorizers: list[Authorizer]
) -> dict[str, dict[str, Method]]:
    paths = _resource_paths(stack, api_id)
    tree: dict[str, dict[str, Method]] = {path: {} for path in paths.values()}
    for method in stack.of_api(_METHOD, api_id, key="RestApiId"):
        with stack.blame(method.logical_id):
            resource_id = stack.text(method, "ResourceId")
            if resource_id not in paths:
                raise ConfigError(f"ResourceId {resource_id!r} is no resource of this API")
            built = _method(stack, method, functions, authorizers)
            tree[paths[resource_id]][built.http_method] = built
    return tree


def _resource_paths(stack: Stack, api_id: str) -> dict[str, str]:
    """Resource id -> full path, following ParentId up to the root."""
    root = root_resource_id(api_id)
    links: dict[str, tuple[str, str, str]] = {}
    for resource in stack.of_api(_RESOURCE, api_id, key="RestApiId"):
        with stack.blame(resource.logical_id):
            own_id = stack.resources.id_of(resource.logical_id, 6)
            parent = stack.text(resource, "ParentId")
            links[own_id] = (parent, stack.text(resource, "PathPart"), resource.logical_id)
    paths = {root: "/"}
    for own_id in links:
        _path_of(own_id, links, paths, stack)
    return paths


def _path_of(
    own_id: str, links: Mapping[str, tuple[str, str, str]], paths: dict[str, str], stack: Stack
) -> str:
    seen: list[str] = []
    current = own_id
    while current not in paths:
        if current not in links:
            raise ConfigError(f"ParentId {current!r} is no resource of this API").located(
                file=stack.document.path, logical_id=links[seen[-1]][2]
            )
        if current in seen:
            raise ConfigError("resources form a ParentId cycle").located(
                file=stack.document.path, logical_id=links[current][2]
            )
        seen.append(current)
        current = links[current][0]
    for resource_id in reversed(seen):
        parent_path = paths[links[resource_id][0]]
        paths[resource_id] = parent_path.rstrip("/") + "/" + links[resource_id][1]
    return paths[own_id]


def _method(
    stack: Stack, method: CfnResource, functions: Mapping[str, str], authorizers: list[Authorizer]
) -> Method:
    # https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-apigateway-method.html
    http_method = stack.text(method, "HttpMethod").upper()
    spec = stack.prop(method, "Integration")
    integration = None
    if isinstance(spec, dict):
        integration = _rest_integration(spec, functions, ("Type", "Uri", "TimeoutInMillis"))
    access = resource_access(stack, method, known={found.id: found for found in authorizers})
    checks = resource_method_validation(stack, method)
    return Method(
        http_method=http_method,
        integration=integration,
        authorization_type=access.authorization_type,
        authorizer_id=access.authorizer_id,
        authorization_scopes=access.authorization_scopes,
        api_key_required=stack.prop(method, "ApiKeyRequired", False) in (True, "true"),
        request_validator_id=checks.request_validator_id,
        request_parameters=checks.request_parameters,
        request_models=checks.request_models,
        operation_name=_operation_name(stack.prop(method, "OperationName")),
        **_cache_keys(spec, capitalized=True),
    )


def _operation_name(given: object) -> str | None:
    """An OpenAPI operationId or a Method's OperationName, if the template gives one."""
    return str(given) if given else None


def _cache_keys(spec: object, *, capitalized: bool) -> dict[str, Any]:
    """The integration's cacheKeyParameters / cacheNamespace (config/stage_cache.py)."""
    if not isinstance(spec, Mapping):
        return {}
    keys, namespace = cache_keys(spec, capitalized=capitalized)
    return {"cache_key_parameters": keys, "cache_namespace": namespace}


def _stages(stack: Stack, api_id: str) -> tuple[Stage, ...]:
    """AWS::ApiGateway::Stage resources, and the stage a Deployment's StageName creates."""
    # https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-apigateway-deployment.html
    stages = declared_stages(
        stack, "AWS::ApiGateway::Stage", api_id, key="RestApiId", variables="Variables"
    )
    stages = with_access_logs(  # config/access_log.py
        stack, stages, "AWS::ApiGateway::Stage", api_id, key="RestApiId", setting="AccessLogSetting"
    )
    for resource in stack.of_api("AWS::ApiGateway::Deployment", api_id, key="RestApiId"):
        with stack.blame(resource.logical_id):
            if "StageName" not in resource.properties:
                continue
            name = stack.text(resource, "StageName")
            description = stack.prop(resource, "StageDescription") or {}
            variables = stage_variables(description.get("Variables"))
            access_log = deployment_access_log(stack, description)
            stages.setdefault(name, Stage(name=name, variables=variables, access_log=access_log))
    stages = with_stage_cache(stack, stages, api_id)  # config/stage_cache.py
    stages = with_stage_tracing(stack, stages, api_id)  # config/stage_tracing.py
    stages = with_method_logs(stack, stages, api_id)  # config/stage_logging.py
    return tuple(sorted(stages.values(), key=lambda stage: stage.name))
