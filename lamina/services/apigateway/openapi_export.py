"""A REST API snapshot (snapshot.py's document) as OpenAPI 3.0 or Swagger 2.0, with API
Gateway's extensions when asked for: what GetExport answers.

`extensions`: "integrations" adds `x-amazon-apigateway-integration`, "authorizers" adds
`x-amazon-apigateway-authorizer`, "apigateway" adds those and the API-level extensions
(binary media types, policy, gateway responses, request validators ...), so that
importing the export rebuilds the same API.
https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-export-api.html
https://docs.aws.amazon.com/apigateway/latest/api/API_GetExport.html
"""

from __future__ import annotations

from typing import Any

import orjson

from lamina.services.apigateway.openapi_refs import to_local_refs

X = "x-amazon-apigateway-"
_LOCATIONS = {"path": "path", "querystring": "query", "header": "header"}
DEFAULT_TIMEOUT_MS = 29_000
API_KEY_SCHEME = "api_key"
SIGV4_SCHEME = "sigv4"


class Exporter:
    """One export: the snapshot, the flavour and the extensions asked for."""

    def __init__(
        self, snapshot: dict[str, Any], *, swagger: bool, extensions: set[str], region: str
    ) -> None:
        self.snapshot = snapshot
        self.swagger = swagger
        self.integrations = bool(extensions & {"integrations", "apigateway"})
        self.authorizer_extension = bool(extensions & {"authorizers", "apigateway"})
        self.apigateway = "apigateway" in extensions
        self.region = region
        self.authorizers = {a["id"]: a for a in snapshot.get("authorizers", ())}
        self.validators = {v["id"]: v for v in snapshot.get("requestValidators", ())}
        self.schemes: dict[str, Any] = {}

    def ref(self, model: str) -> dict[str, str]:
        prefix = "#/definitions/" if self.swagger else "#/components/schemas/"
        return {"$ref": prefix + model}

    def document(self, stage_name: str, version: str) -> dict[str, Any]:
        """`version`: info.version, the API's own or (AWS's choice) its creation time."""
        api = self.snapshot["restApi"]
        info: dict[str, Any] = {"title": api["name"], "version": version}
        if api.get("description"):
            info["description"] = api["description"]
        paths = {
            resource["path"]: self._path_item(resource)
            for resource in self.snapshot.get("resources", ())
            if resource.get("resourceMethods")
        }
        host = f"{api['id']}.execute-api.{self.region}.amazonaws.com"
        models = {
            model["name"]: orjson.loads(to_local_refs(model.get("schema") or "{}", self.swagger))
            for model in self.snapshot.get("models", ())
        }
        document: dict[str, Any]
        if self.swagger:
            document = {"swagger": "2.0", "info": info, "host": host}
            document.update({"basePath": f"/{stage_name}", "schemes": ["https"], "paths": paths})
            if self.schemes:
                document["securityDefinitions"] = self.schemes
            if models:
                document["definitions"] = models
        else:
            server = {
                "url": f"https://{host}/{{basePath}}",
                "variables": {"basePath": {"default": stage_name}},
            }
            document = {"openapi": "3.0.1", "info": info, "servers": [server], "paths": paths}
            components: dict[str, Any] = {}
            if models:
                components["schemas"] = models
            if self.schemes:
                components["securitySchemes"] = self.schemes
            document["components"] = components
        if self.apigateway:
            document.update(self._api_extensions(api))
        return document

    def _api_extensions(self, api: dict[str, Any]) -> dict[str, Any]:
        out: dict[str, Any] = {}
        if api.get("apiKeySource"):
            out[f"{X}api-key-source"] = api["apiKeySource"]
        if api.get("binaryMediaTypes"):
            out[f"{X}binary-media-types"] = api["binaryMediaTypes"]
        if api.get("minimumCompressionSize") is not None:
            out[f"{X}minimum-compression-size"] = api["minimumCompressionSize"]
        if api.get("policy"):
            out[f"{X}policy"] = _json_or_text(api["policy"])
        if api.get("disableExecuteApiEndpoint"):
            out[f"{X}endpoint-configuration"] = {"disableExecuteApiEndpoint": True}
        vpc_endpoint_ids = (api.get("endpointConfiguration") or {}).get("vpcEndpointIds")
        if vpc_endpoint_ids:
            out.setdefault(f"{X}endpoint-configuration", {})["vpcEndpointIds"] = vpc_endpoint_ids
        responses = {
            r["responseType"]: {
                key: r[key]
                for key in ("statusCode", "responseParameters", "responseTemplates")
                if r.get(key) is not None
            }
            for r in self.snapshot.get("gatewayResponses", ())
        }
        if responses:
            out[f"{X}gateway-responses"] = responses
        if self.validators:
            out[f"{X}request-validators"] = {
                v.get("name") or v["id"]: {
                    "validateRequestBody": bool(v.get("validateRequestBody")),
                    "validateRequestParameters": bool(v.get("validateRequestParameters")),
                }
                for v in self.validators.values()
            }
        return out

    def _path_item(self, resource: dict[str, Any]) -> dict[str, Any]:
        item: dict[str, Any] = {}
        for verb, method in sorted(resource["resourceMethods"].items()):
            key = f"{X}any-method" if verb == "ANY" else verb.lower()
            item[key] = self._operation(method, resource["id"])
        return item

    def _operation(self, method: dict[str, Any], resource_id: str) -> dict[str, Any]:
        operation: dict[str, Any] = {}
        if method.get("operationName"):
            operation["operationId"] = method["operationName"]
        parameters = [
            self._parameter(expression, required)
            for expression, required in (method.get("requestParameters") or {}).items()
            if expression.split(".")[2] in _LOCATIONS
        ]
        models = method.get("requestModels") or {}
        if self.swagger and models:
            operation["consumes"] = list(models)
            model = next(iter(models.values()))
            parameters.append(
                {"in": "body", "name": model, "required": True, "schema": self.ref(model)}
            )
        if parameters:
            operation["parameters"] = parameters
        if models and not self.swagger:
            content = {ct: {"schema": self.ref(model)} for ct, model in models.items()}
            operation["requestBody"] = {"content": content, "required": True}
        operation["responses"] = self._responses(method, operation)
        security = self._security(method)
        if security:
            operation["security"] = security
        validator = self.validators.get(method.get("requestValidatorId") or "")
        if validator is not None and self.apigateway:
            operation[f"{X}request-validator"] = validator.get("name") or validator["id"]
        integration = method.get("methodIntegration")
        if integration and self.integrations:
            operation[f"{X}integration"] = export_integration(integration, resource_id)
        return operation

    def _parameter(self, expression: str, required: bool) -> dict[str, Any]:
        _, _, location, name = expression.split(".", 3)
        parameter: dict[str, Any] = {"name": name, "in": _LOCATIONS[location]}
        required = location == "path" or bool(required)
        if self.swagger:
            parameter["required"] = required
            parameter["type"] = "string"
        else:
            if required:
                parameter["required"] = True
            parameter["schema"] = {"type": "string"}
        return parameter

    def _responses(self, method: dict[str, Any], operation: dict[str, Any]) -> dict[str, Any]:
        responses: dict[str, Any] = {}
        produces: list[str] = []
        for code, response in sorted((method.get("methodResponses") or {}).items()):
            out: dict[str, Any] = {"description": f"{code} response"}
            headers = {
                expression.rsplit(".", 1)[-1]: (
                    {"type": "string"} if self.swagger else {"schema": {"type": "string"}}
                )
                for expression in (response.get("responseParameters") or {})
            }
            if headers:
                out["headers"] = headers
            models = response.get("responseModels") or {}
            if models and self.swagger:
                out["schema"] = self.ref(next(iter(models.values())))
                produces.extend(ct for ct in models if ct not in produces)
            elif not self.swagger:
                out["content"] = {ct: {"schema": self.ref(m)} for ct, m in models.items()}
            responses[code] = out
        if produces:
            operation["produces"] = produces
        return responses

    def _security(self, method: dict[str, Any]) -> list[dict[str, list[str]]]:
        security: list[dict[str, list[str]]] = []
        kind = method.get("authorizationType", "NONE")
        authorizer = self.authorizers.get(method.get("authorizerId") or "")
        if kind in ("CUSTOM", "COGNITO_USER_POOLS", "JWT") and authorizer is not None:
            self.schemes[authorizer["name"]] = self._authorizer_scheme(authorizer)
            security.append({authorizer["name"]: list(method.get("authorizationScopes") or [])})
        elif kind == "AWS_IAM":
            self.schemes[SIGV4_SCHEME] = {
                "type": "apiKey",
                "name": "Authorization",
                "in": "header",
                f"{X}authtype": "awsSigv4",
            }
            security.append({SIGV4_SCHEME: []})
        if method.get("apiKeyRequired"):
            self.schemes[API_KEY_SCHEME] = {"type": "apiKey", "name": "x-api-key", "in": "header"}
            security.append({API_KEY_SCHEME: []})
        return security

    def _authorizer_scheme(self, authorizer: dict[str, Any]) -> dict[str, Any]:
        source = authorizer.get("identitySource") or ""
        header = "Unused"
        if source.startswith("method.request.header.") and "," not in source:
            header = source.removeprefix("method.request.header.")
        kind = authorizer["type"]
        default_auth = {"COGNITO_USER_POOLS": "cognito_user_pools", "JWT": "jwt"}.get(
            kind, "custom"
        )
        scheme: dict[str, Any] = {"type": "apiKey", "name": header, "in": "header"}
        scheme[f"{X}authtype"] = authorizer.get("authType") or default_auth
        if self.authorizer_extension:
            spec: dict[str, Any] = {"type": kind.lower()}
            for member in (
                "authorizerUri",
                "authorizerCredentials",
                "identitySource",
                "identityValidationExpression",
                "authorizerResultTtlInSeconds",
                "providerARNs",
                "jwtConfiguration",
            ):
                if authorizer.get(member) is not None:
                    spec[member] = authorizer[member]
            scheme[f"{X}authorizer"] = spec
        return scheme


def export_integration(integration: dict[str, Any], resource_id: str) -> dict[str, Any]:
    """An integration as `x-amazon-apigateway-integration` (types and passthrough behaviour
    in lower case, responses keyed by selection pattern, "default" for none; the cache
    namespace only when it is not the resource's own id, the default)."""
    out: dict[str, Any] = {"type": integration["type"].lower()}
    for member in (
        "httpMethod",
        "uri",
        "connectionType",
        "connectionId",
        "credentials",
        "requestParameters",
        "requestTemplates",
        "contentHandling",
        "timeoutInMillis",
        "cacheNamespace",
        "cacheKeyParameters",
        "tlsConfig",
    ):
        if integration.get(member) not in (None, [], {}):
            out[member] = integration[member]
    # AWS leaves out the defaults: the resource's own cache namespace, 29 s, INTERNET.
    if out.get("cacheNamespace") == resource_id:
        del out["cacheNamespace"]
    if out.get("timeoutInMillis") == DEFAULT_TIMEOUT_MS:
        del out["timeoutInMillis"]
    if out.get("connectionType") == "INTERNET":
        del out["connectionType"]
    if integration.get("passthroughBehavior"):
        out["passthroughBehavior"] = integration["passthroughBehavior"].lower()
    responses: dict[str, Any] = {}
    for response in (integration.get("integrationResponses") or {}).values():
        pattern = response.get("selectionPattern")
        entry = {
            key: response[key]
            for key in ("statusCode", "responseParameters", "responseTemplates", "contentHandling")
            if response.get(key) is not None
        }
        responses["default" if pattern is None else pattern] = entry
    if responses:
        out["responses"] = responses
    return out


def _json_or_text(text: str) -> Any:
    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError:
        return text
