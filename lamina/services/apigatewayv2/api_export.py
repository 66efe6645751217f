"""ExportApi: an HTTP API as an OpenAPI 3.0 document (JSON or YAML), with or without API
Gateway's extensions; with StageName, the definition deployed to that stage.

https://docs.aws.amazon.com/apigatewayv2/latest/api-reference/apis-apiid-exports-specification.html
https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-export.html
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from typing import Any

import yaml

from lamina.aws.service import Operation, OperationInput, OperationOutput
from lamina.services.apigatewayv2.api_import import (
    ANY_METHOD_KEY,
    AUTHORIZER_KEY,
    AUTHTYPE_KEY,
    CORS_KEY,
    INTEGRATION_KEY,
)
from lamina.services.apigatewayv2.routes import DEFAULT_ROUTE, INTEGRATION_TARGET
from lamina.services.apigatewayv2.state import Data, HttpApiState, bad_request

_VARIABLE = re.compile(r"\{([^}+]+)\+?\}")
_EXTENSION_PREFIX = "x-amazon-apigateway-"
_IAM_SCHEME = "sigv4"
# GetIntegration members and the extension's names for them.
_INTEGRATION_MEMBERS = {
    "ConnectionId": "connectionId",
    "ConnectionType": "connectionType",
    "CredentialsArn": "credentials",
    "Description": "description",
    "IntegrationMethod": "httpMethod",
    "IntegrationSubtype": "integrationSubtype",
    "IntegrationUri": "uri",
    "PayloadFormatVersion": "payloadFormatVersion",
    "RequestParameters": "requestParameters",
    "ResponseParameters": "responseParameters",
    "TimeoutInMillis": "timeoutInMillis",
}


def export_document(state: HttpApiState, api: Data, snapshot: Data, stage: str | None) -> Data:
    """The OpenAPI 3.0.1 document of `snapshot` (with every extension)."""
    info: Data = {"title": api["Name"], "version": api.get("Version") or _export_time(state)}
    if api.get("Description"):
        info["description"] = api["Description"]
    document: Data = {"openapi": "3.0.1", "info": info}
    if stage is not None:
        base = "" if stage == "$default" else "/{basePath}"
        server: Data = {
            "url": f"https://{api['ApiId']}.execute-api.{state.region}.amazonaws.com{base}"
        }
        if base:
            server["variables"] = {"basePath": {"default": stage}}
        document["servers"] = [server]
    integrations = {item["IntegrationId"]: item for item in snapshot["integrations"]}
    authorizers = {item["AuthorizerId"]: item for item in snapshot["authorizers"]}
    paths: Data = {}
    for route in snapshot["routes"]:
        path, method = _path_and_method(route["RouteKey"])
        paths.setdefault(path, {})[method] = _operation(route, integrations, authorizers)
    document["paths"] = paths
    schemes = {item["Name"]: _scheme(item) for item in snapshot["authorizers"]}
    if any(route.get("AuthorizationType") == "AWS_IAM" for route in snapshot["routes"]):
        schemes[_IAM_SCHEME] = {
            "type": "apiKey",
            "name": "Authorization",
            "in": "header",
            AUTHTYPE_KEY: "awsSigv4",
        }
    if schemes:
        document["components"] = {"securitySchemes": schemes}
    cors = snapshot["api"].get("CorsConfiguration")
    if cors:
        document[CORS_KEY] = {key[0].lower() + key[1:]: value for key, value in cors.items()}
    document["x-amazon-apigateway-importexport-version"] = "1.0"
    return document


def _export_time(state: HttpApiState) -> str:
    # AWS writes the export time when the API has no version, e.g. "2020-04-17 21:42:35UTC".
    return datetime.fromtimestamp(state.now(), UTC).strftime("%Y-%m-%d %H:%M:%SUTC")


def _path_and_method(route_key: str) -> tuple[str, str]:
    if route_key == DEFAULT_ROUTE:
        return DEFAULT_ROUTE, ANY_METHOD_KEY
    method, _, path = route_key.partition(" ")
    return path, ANY_METHOD_KEY if method == "ANY" else method.lower()


def _operation(route: Data, integrations: dict[str, Data], authorizers: dict[str, Data]) -> Data:
    key = route["RouteKey"]
    operation: Data = {"responses": {"default": {"description": f"Default response for {key}"}}}
    if route.get("OperationName"):
        operation["operationId"] = route["OperationName"]
    names = _VARIABLE.findall(key)
    if names:
        operation["parameters"] = [
            {"name": name, "in": "path", "required": True, "schema": {"type": "string"}}
            for name in names
        ]
    authorizer = authorizers.get(route.get("AuthorizerId") or "")
    if authorizer is not None:
        operation["security"] = [{authorizer["Name"]: list(route.get("AuthorizationScopes") or [])}]
    elif route.get("AuthorizationType") == "AWS_IAM":
        operation["security"] = [{_IAM_SCHEME: []}]
    target = str(route.get("Target") or "")
    integration = integrations.get(target.removeprefix(INTEGRATION_TARGET))
    if integration is not None:
        spec = {
            name: integration[member]
            for member, name in _INTEGRATION_MEMBERS.items()
            if member in integration
        }
        spec["type"] = str(integration["IntegrationType"]).lower()
        if integration.get("TlsConfig"):
            spec["tlsConfig"] = {
                "serverNameToVerify": integration["TlsConfig"].get("ServerNameToVerify")
            }
        operation[INTEGRATION_KEY] = spec
    return operation


def _scheme(authorizer: Data) -> Data:
    """JWT authorizers export as oauth2 schemes, Lambda ones as apiKey schemes."""
    spec: Data = {
        "type": str(authorizer["AuthorizerType"]).lower(),
        "identitySource": ", ".join(authorizer.get("IdentitySource") or []),
    }
    if authorizer["AuthorizerType"] == "JWT":
        jwt = authorizer.get("JwtConfiguration") or {}
        spec["jwtConfiguration"] = {
            "audience": jwt.get("Audience") or [],
            "issuer": jwt.get("Issuer"),
        }
        return {"type": "oauth2", "flows": {}, AUTHORIZER_KEY: spec}
    for member, name in (
        ("AuthorizerUri", "authorizerUri"),
        ("AuthorizerPayloadFormatVersion", "authorizerPayloadFormatVersion"),
        ("AuthorizerResultTtlInSeconds", "authorizerResultTtlInSeconds"),
        ("EnableSimpleResponses", "enableSimpleResponses"),
        ("AuthorizerCredentialsArn", "authorizerCredentials"),
    ):
        if member in authorizer:
            spec[name] = authorizer[member]
    return {"type": "apiKey", "name": "Unused", "in": "header", AUTHORIZER_KEY: spec}


def without_extensions(value: Any) -> Any:
    if isinstance(value, dict):
        return {
            key: without_extensions(item)
            for key, item in value.items()
            if not str(key).startswith(_EXTENSION_PREFIX)
        }
    if isinstance(value, list):
        return [without_extensions(item) for item in value]
    return value


def _export(state: HttpApiState, params: OperationInput) -> OperationOutput:
    api_id = params["ApiId"]
    if params["Specification"] != "OAS30":
        raise bad_request(f"Invalid specification {params['Specification']}: use OAS30")
    output_type = params["OutputType"]
    if output_type not in ("JSON", "YAML"):
        raise bad_request(f"Invalid output type {output_type}: use JSON or YAML")
    if params.get("ExportVersion", "1.0") != "1.0":
        raise bad_request(f"Invalid export version {params['ExportVersion']}: use 1.0")
    with state.store.transaction() as tx:
        api = state.api(api_id, tx)
        stage_name = params.get("StageName")
        if stage_name is None:
            snapshot = state.snapshot(api_id, tx)
        else:
            stage = state.stage(api_id, stage_name, tx)
            if not stage.get("DeploymentId"):
                raise bad_request(f"Stage {stage_name} has no deployment to export")
            snapshot = state.deployment_record(api_id, stage["DeploymentId"], tx).snapshot
    document = export_document(state, api, snapshot, stage_name)
    if params.get("IncludeExtensions") is False:
        document = without_extensions(document)
    if output_type == "JSON":
        return {"body": json.dumps(document, indent=2).encode()}
    return {"body": yaml.safe_dump(document, sort_keys=False).encode()}


OPERATIONS: dict[str, Operation[HttpApiState]] = {"ExportApi": _export}
