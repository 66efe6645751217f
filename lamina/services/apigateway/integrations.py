"""PutIntegration, GetIntegration, UpdateIntegration, DeleteIntegration and the
integration responses: where a method's requests go and how the answers map back.

https://docs.aws.amazon.com/apigateway/latest/api/API_PutIntegration.html
https://docs.aws.amazon.com/apigateway/latest/api/API_PutIntegrationResponse.html
https://docs.aws.amazon.com/apigateway/latest/api/patch-operations.html#UpdateIntegration-Patch
"""

from __future__ import annotations

from typing import Any

from lamina.aws.service import Operation, OperationInput, OperationOutput, ServiceError
from lamina.services.apigateway.error import bad_request, not_found
from lamina.services.apigateway.methods import check_status_code, editing
from lamina.services.apigateway.patch import (
    PatchOp,
    invalid_path,
    op_must_be,
    patch_map,
    read_ops,
    set_scalar,
)
from lamina.services.apigateway.records import (
    Integration,
    IntegrationResponse,
    Method,
    TlsConfig,
    from_wire,
    wire,
)
from lamina.services.apigateway.state import ApiGatewayState, method_of

TYPES = ["HTTP", "AWS", "MOCK", "HTTP_PROXY", "AWS_PROXY"]
DEFAULT_TIMEOUT_MS = 29_000
MIN_TIMEOUT_MS = 50


def new_integration(params: OperationInput, resource_id: str) -> Integration:
    """An integration from PutIntegration's members with AWS's defaults (29 s timeout,
    WHEN_NO_MATCH passthrough, the resource's id as cache namespace), validated."""
    kind = params["type"]
    connection_type = params.get("connectionType")
    if connection_type is None and kind.startswith("HTTP"):
        connection_type = "INTERNET"
    http_method = params.get("integrationHttpMethod")
    tls = params.get("tlsConfig")
    timeout = params.get("timeoutInMillis")
    integration = Integration(
        type=kind,
        http_method=http_method.upper() if http_method else None,
        uri=params.get("uri"),
        connection_type=connection_type,
        connection_id=params.get("connectionId"),
        credentials=params.get("credentials"),
        request_parameters=params.get("requestParameters"),
        request_templates=params.get("requestTemplates"),
        passthrough_behavior=params.get("passthroughBehavior") or "WHEN_NO_MATCH",
        content_handling=params.get("contentHandling"),
        timeout_in_millis=DEFAULT_TIMEOUT_MS if timeout is None else timeout,
        cache_namespace=params.get("cacheNamespace") or resource_id,
        cache_key_parameters=list(params.get("cacheKeyParameters") or []),
        tls_config=TlsConfig(insecure_skip_verification=tls.get("insecureSkipVerification"))
        if tls
        else None,
    )
    check_integration(integration)
    return integration


def check_integration(integration: Integration) -> None:
    """PutIntegration's rules (an import's integrations follow them too)."""
    kind = integration.type
    if kind not in TYPES:
        raise ServiceError(
            "ValidationException",
            f"1 validation error detected: Value '{kind}' at 'putIntegrationInput.type' failed "
            f"to satisfy constraint: Member must satisfy enum value set: [{', '.join(TYPES)}]",
            status=400,
        )
    if kind != "MOCK":
        if not integration.http_method:
            raise bad_request("Enumeration value for HttpMethod must be non-empty")
        _check_uri(kind, integration.uri or "")
    check_timeout(integration.timeout_in_millis or 0)


def check_timeout(timeout: int) -> None:
    if not MIN_TIMEOUT_MS <= timeout <= DEFAULT_TIMEOUT_MS:
        raise bad_request(
            f"Timeout should be between {MIN_TIMEOUT_MS} ms and {DEFAULT_TIMEOUT_MS} ms"
        )


def _check_uri(kind: str, uri: str) -> None:
    """HTTP integrations take an http(s) URL (stage variables allowed); AWS ones an
    `arn:aws:apigateway:{region}:{service}:path|action/...` ARN, AWS_PROXY only Lambda's
    (or Firehose's). Stage variables may stand for any part."""
    if kind.startswith("HTTP"):
        if not uri.startswith(("http://", "https://", "${stageVariables.")):
            raise bad_request("Invalid HTTP endpoint specified for URI")
        return
    parts = uri.split(":", 5)
    if len(parts) < 6 or parts[0] != "arn" or parts[2] != "apigateway":
        raise bad_request("Invalid ARN specified in the request")
    if not parts[5].startswith(("path/", "action/")):
        raise bad_request("AWS ARN for integration must contain path or action")
    if kind == "AWS_PROXY" and parts[4] not in ("lambda", "firehose"):
        raise bad_request(
            "Integrations of type 'AWS_PROXY' currently only supports Lambda function and "
            "Firehose stream invocations."
        )


def integration_of(method: Method) -> Integration:
    if method.method_integration is None:
        raise not_found("Invalid Integration identifier specified")
    return method.method_integration


def _put_integration(state: ApiGatewayState, params: OperationInput) -> OperationOutput:
    with editing(state, params) as (resource, save):
        method = method_of(resource, params["httpMethod"])
        method.method_integration = new_integration(params, resource.id)
        save()
    return wire(method.method_integration)


def _get_integration(state: ApiGatewayState, params: OperationInput) -> OperationOutput:
    resource = state.resource(params["restApiId"], params["resourceId"])
    return wire(integration_of(method_of(resource, params["httpMethod"])))


def _delete_integration(state: ApiGatewayState, params: OperationInput) -> OperationOutput:
    with editing(state, params) as (resource, save):
        method = method_of(resource, params["httpMethod"])
        integration_of(method)
        method.method_integration = None
        save()
    return {}


_INTEGRATION_SCALARS = (
    "uri",
    "httpMethod",
    "credentials",
    "passthroughBehavior",
    "contentHandling",
    "connectionType",
    "connectionId",
    "type",
)


def _update_integration(state: ApiGatewayState, params: OperationInput) -> OperationOutput:
    ops = read_ops(params, "updateIntegrationInput")
    with editing(state, params) as (resource, save):
        method = method_of(resource, params["httpMethod"])
        document = wire(integration_of(method))
        for op in ops:
            _apply_integration(document, op)
        updated: Integration = from_wire(document, Integration)
        check_integration(updated)
        method.method_integration = updated
        save()
    return wire(updated)


def _apply_integration(document: dict[str, Any], op: PatchOp) -> None:
    member = op.segments[0] if op.segments else ""
    if member in ("requestParameters", "requestTemplates"):
        patch_map(document, member, op)
    elif member == "cacheKeyParameters" and len(op.segments) == 2:
        keys = [k for k in document.get(member) or [] if k != op.segments[1]]
        if op.op == "add":
            keys.append(op.segments[1])
        elif op.op != "remove":
            raise op_must_be(["add", "remove"])
        document[member] = keys
    elif member == "timeoutInMillis" and len(op.segments) == 1:
        if op.op != "replace":
            raise op_must_be(["replace"])
        try:
            document[member] = int(op.value or "")
        except ValueError as exc:
            raise bad_request(f"Invalid timeout value specified: {op.value}") from exc
    elif member == "tlsConfig" and op.segments[1:] == ["insecureSkipVerification"]:
        document[member] = {"insecureSkipVerification": (op.value or "").lower() == "true"}
    elif member in _INTEGRATION_SCALARS and len(op.segments) == 1:
        if op.op != "replace":
            raise op_must_be(["replace"])
        set_scalar(document, member, op, op.value or None)
        if document.get(member) is None:
            document.pop(member, None)
    else:
        raise invalid_path(op.path)


# Integration responses.


def _integration_response_of(integration: Integration, status_code: str) -> IntegrationResponse:
    check_status_code(status_code)
    response = (integration.integration_responses or {}).get(status_code)
    if response is None:
        raise not_found("Invalid Response status code specified")
    return response


def _put_integration_response(state: ApiGatewayState, params: OperationInput) -> OperationOutput:
    status_code = check_status_code(params["statusCode"])
    with editing(state, params) as (resource, save):
        integration = integration_of(method_of(resource, params["httpMethod"]))
        response = IntegrationResponse(
            status_code=status_code,
            selection_pattern=params.get("selectionPattern"),
            response_parameters=params.get("responseParameters"),
            response_templates=params.get("responseTemplates"),
            content_handling=params.get("contentHandling"),
        )
        integration.integration_responses = {
            **(integration.integration_responses or {}),
            status_code: response,
        }
        save()
    return wire(response)


def _get_integration_response(state: ApiGatewayState, params: OperationInput) -> OperationOutput:
    resource = state.resource(params["restApiId"], params["resourceId"])
    integration = _integration_for(resource.resource_methods or {}, params["httpMethod"])
    return wire(_integration_response_of(integration, params["statusCode"]))


def _integration_for(methods: dict[str, Method], http_method: str) -> Integration:
    """Get/DeleteIntegrationResponse name a missing method's integration, not the method."""
    method = methods.get(http_method.upper())
    if method is None or method.method_integration is None:
        raise not_found("Invalid Integration identifier specified")
    return method.method_integration


def _delete_integration_response(state: ApiGatewayState, params: OperationInput) -> OperationOutput:
    with editing(state, params) as (resource, save):
        integration = _integration_for(resource.resource_methods or {}, params["httpMethod"])
        response = _integration_response_of(integration, params["statusCode"])
        remaining = dict(integration.integration_responses or {})
        remaining.pop(response.status_code)
        integration.integration_responses = remaining or None
        save()
    return {}


def _update_integration_response(state: ApiGatewayState, params: OperationInput) -> OperationOutput:
    # https://docs.aws.amazon.com/apigateway/latest/api/patch-operations.html#UpdateIntegrationResponse-Patch
    ops = read_ops(params, "updateIntegrationResponseInput")
    with editing(state, params) as (resource, save):
        integration = _integration_for(resource.resource_methods or {}, params["httpMethod"])
        document = wire(_integration_response_of(integration, params["statusCode"]))
        for op in ops:
            member = op.segments[0] if op.segments else ""
            if member in ("responseParameters", "responseTemplates"):
                patch_map(document, member, op)
            elif member in ("selectionPattern", "contentHandling") and len(op.segments) == 1:
                if op.op != "replace":
                    raise op_must_be(["replace"])
                document[member] = op.value
            else:
                raise invalid_path(op.path)
        updated: IntegrationResponse = from_wire(document, IntegrationResponse)
        integration.integration_responses = {
            **(integration.integration_responses or {}),
            updated.status_code: updated,
        }
        save()
    return wire(updated)


OPERATIONS: dict[str, Operation[ApiGatewayState]] = {
    "PutIntegration": _put_integration,
    "GetIntegration": _get_integration,
    "UpdateIntegration": _update_integration,
    "DeleteIntegration": _delete_integration,
    "PutIntegrationResponse": _put_integration_response,
    "GetIntegrationResponse": _get_integration_response,
    "UpdateIntegrationResponse": _update_integration_response,
    "DeleteIntegrationResponse": _delete_integration_response,
}
