"""One OpenAPI operation (Swagger 2 or OpenAPI 3) as an API Gateway method: parameters,
request and response models, security, `x-amazon-apigateway-integration`.

https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-swagger-extensions-integration.html
https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-swagger-extensions-integration-responses.html
"""

from __future__ import annotations

from typing import Any

from lamina.services.apigateway.openapi_refs import ref_name, resolve
from lamina.services.apigateway.records import (
    Integration,
    IntegrationResponse,
    Method,
    MethodResponse,
    TlsConfig,
)

X = "x-amazon-apigateway-"
_LOCATIONS = {"path": "path", "query": "querystring", "header": "header"}
# x-amazon-apigateway-authtype values and the authorization types they mean.
# https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-swagger-extensions-authtype.html
_AUTH_TYPES = {"awssigv4": "AWS_IAM", "cognito_user_pools": "COGNITO_USER_POOLS"}
# An authorizer's type -> the authorization type of the methods it guards.
_METHOD_TYPES = {"cognito_user_pools": "COGNITO_USER_POOLS", "jwt": "JWT"}


def read_operation(
    document: dict[str, Any],
    schemes: dict[str, Any],
    verb: str,
    operation: dict[str, Any],
    shared: list[Any],
) -> tuple[Method, str | None]:
    """The method and the name of the security scheme holding its authorizer."""
    swagger = "swagger" in document
    parameters, models = _request(document, operation, shared, swagger)
    method = Method(
        http_method=verb,
        authorization_type="NONE",
        api_key_required=False,
        operation_name=operation.get("operationId"),
        request_parameters=parameters or None,
        request_models=models or None,
        method_responses=_responses(document, operation, swagger) or None,
    )
    authorizer = _security(document, schemes, operation, method)
    spec = operation.get(f"{X}integration")
    if isinstance(spec, dict):
        method.method_integration = read_integration(spec)
    return method, authorizer


def _request(
    document: dict[str, Any], operation: dict[str, Any], shared: list[Any], swagger: bool
) -> tuple[dict[str, bool], dict[str, str]]:
    parameters: dict[str, bool] = {}
    models: dict[str, str] = {}
    for raw in [*shared, *(operation.get("parameters") or [])]:
        parameter = resolve(document, raw)
        where = parameter.get("in")
        if where in _LOCATIONS:
            name = f"method.request.{_LOCATIONS[where]}.{parameter.get('name')}"
            parameters[name] = where == "path" or bool(parameter.get("required", False))
        elif where == "body" and swagger:
            ref = (parameter.get("schema") or {}).get("$ref")
            if ref:
                for content_type in _media(document, operation, "consumes"):
                    models[content_type] = ref_name(ref)
    body = resolve(document, operation.get("requestBody") or {})
    for content_type, media in (body.get("content") or {}).items():
        ref = (media.get("schema") or {}).get("$ref")
        if ref:
            models[content_type] = ref_name(ref)
    return parameters, models


def _media(document: dict[str, Any], operation: dict[str, Any], key: str) -> list[str]:
    return list(operation.get(key) or document.get(key) or ["application/json"])


def _responses(
    document: dict[str, Any], operation: dict[str, Any], swagger: bool
) -> dict[str, MethodResponse]:
    responses: dict[str, MethodResponse] = {}
    for code, raw in (operation.get("responses") or {}).items():
        status = str(code)
        if not (len(status) == 3 and status.isdigit()):
            continue
        response = resolve(document, raw)
        headers = {
            f"method.response.header.{name}": False for name in (response.get("headers") or {})
        }
        models: dict[str, str] = {}
        if swagger:
            ref = (response.get("schema") or {}).get("$ref")
            if ref:
                for content_type in _media(document, operation, "produces"):
                    models[content_type] = ref_name(ref)
        else:
            for content_type, media in (response.get("content") or {}).items():
                ref = (media.get("schema") or {}).get("$ref")
                if ref:
                    models[content_type] = ref_name(ref)
        responses[status] = MethodResponse(
            status_code=status, response_parameters=headers, response_models=models
        )
    return responses


def _security(
    document: dict[str, Any], schemes: dict[str, Any], operation: dict[str, Any], method: Method
) -> str | None:
    """Set the method's authorization from its (or the document's) security requirement;
    the scheme holding an authorizer, if one does."""
    requirements = operation.get("security", document.get("security")) or []
    authorizer: str | None = None
    for requirement in requirements:
        for name, scopes in (requirement or {}).items():
            scheme = schemes.get(name) or {}
            spec = scheme.get(f"{X}authorizer")
            auth_type = str(scheme.get(f"{X}authtype", "")).lower()
            if isinstance(spec, dict):
                authorizer = name
                kind = str(spec.get("type", "")).lower()
                cognito = kind in ("cognito_user_pools", "jwt")  # both take method scopes
                method.authorization_type = _METHOD_TYPES.get(kind, "CUSTOM")
                if cognito and scopes:
                    method.authorization_scopes = list(scopes)
            elif auth_type in _AUTH_TYPES:
                method.authorization_type = _AUTH_TYPES[auth_type]
            elif scheme.get("type") == "apiKey":
                method.api_key_required = True
    return authorizer


def read_integration(spec: dict[str, Any]) -> Integration:
    """`x-amazon-apigateway-integration` as an integration (AWS's defaults filled in)."""
    kind = str(spec.get("type", "")).upper()
    responses: dict[str, IntegrationResponse] = {}
    for pattern, response in (spec.get("responses") or {}).items():
        status = str(response.get("statusCode", "200"))
        responses[status] = IntegrationResponse(
            status_code=status,
            selection_pattern=None if pattern == "default" else str(pattern),
            response_parameters=response.get("responseParameters"),
            response_templates=response.get("responseTemplates"),
            content_handling=response.get("contentHandling"),
        )
    http_method = spec.get("httpMethod")
    tls = spec.get("tlsConfig")
    connection_type = spec.get("connectionType")
    if connection_type is None and kind.startswith("HTTP"):
        connection_type = "INTERNET"
    return Integration(
        type=kind,
        http_method=str(http_method).upper() if http_method else None,
        uri=spec.get("uri"),
        connection_type=connection_type,
        connection_id=spec.get("connectionId"),
        credentials=spec.get("credentials"),
        request_parameters=spec.get("requestParameters"),
        request_templates=spec.get("requestTemplates"),
        passthrough_behavior=str(spec.get("passthroughBehavior", "when_no_match")).upper(),
        content_handling=spec.get("contentHandling"),
        timeout_in_millis=int(spec.get("timeoutInMillis", 29_000)),
        cache_namespace=spec.get("cacheNamespace"),
        cache_key_parameters=list(spec.get("cacheKeyParameters") or []),
        integration_responses=responses or None,
        tls_config=TlsConfig(insecure_skip_verification=tls.get("insecureSkipVerification"))
        if isinstance(tls, dict)
        else None,
    )
