"""Reading an OpenAPI 3 or Swagger 2 document (JSON or YAML) with API Gateway's
`x-amazon-apigateway-*` extensions into the records of a REST API: ImportRestApi's and
PutRestApi's input.

https://docs.aws.amazon.com/apigateway/latest/developerguide/import-edge-optimized-api.html
https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-swagger-extensions.html
https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-import-api-basePath.html

Authorizers and validators are named, not yet given ids: a method names its authorizer and
validator, and transfer.py resolves the names against the API it writes into.
"""

from __future__ import annotations

import re
from typing import Any

import orjson
import yaml

from lamina.core.openapi import endpoint_extension
from lamina.services.apigateway.authorizers import check_jwt
from lamina.services.apigateway.error import bad_request
from lamina.services.apigateway.openapi_method import read_operation
from lamina.services.apigateway.openapi_refs import resolve
from lamina.services.apigateway.records import Authorizer, GatewayResponse, Method

X = "x-amazon-apigateway-"
HTTP_VERBS = ("get", "put", "post", "delete", "patch", "options", "head")
ANY_KEY = f"{X}any-method"
INVALID = "Invalid OpenAPI input."


class ImportedMethod:
    __slots__ = ("authorizer", "method", "path", "validator")

    def __init__(
        self, path: str, method: Method, authorizer: str | None, validator: str | None
    ) -> None:
        self.path = path
        self.method = method
        self.authorizer = authorizer
        """The security scheme naming the method's authorizer (its authorizerId to be)."""
        self.validator = validator
        """The request validator's name (its requestValidatorId to be)."""


class Definition:
    """A REST API as an OpenAPI document describes it."""

    __slots__ = (
        "api",
        "authorizers",
        "gateway_responses",
        "methods",
        "models",
        "paths",
        "validators",
    )

    def __init__(self) -> None:
        self.api: dict[str, Any] = {}
        """CreateRestApi members: name, description, version, binaryMediaTypes ..."""
        self.models: dict[str, str] = {}
        """Model name -> its JSON schema, `$ref`s still as the document wrote them."""
        self.authorizers: dict[str, Authorizer] = {}
        self.validators: dict[str, tuple[bool, bool]] = {}
        """Name -> (validateRequestBody, validateRequestParameters)."""
        self.gateway_responses: list[GatewayResponse] = []
        self.methods: list[ImportedMethod] = []
        self.paths: list[str] = []
        """Every path the document names (with or without methods), in its order."""


def read_document(body: bytes) -> dict[str, Any]:
    """The document, JSON or YAML; AWS's BadRequest when it is neither or not OpenAPI."""
    document: Any
    try:
        document = orjson.loads(body)
    except orjson.JSONDecodeError:
        try:
            document = yaml.load(body, Loader=yaml.CSafeLoader)
        except yaml.YAMLError as exc:
            raise bad_request(INVALID) from exc
    if not isinstance(document, dict) or not (
        str(document.get("swagger", "")).startswith("2") or "openapi" in document
    ):
        raise bad_request(INVALID)
    return document


def read_definition(document: dict[str, Any], parameters: dict[str, str]) -> Definition:
    definition = Definition()
    definition.api = _api_members(document, parameters)
    swagger = "swagger" in document
    schemas = document.get("definitions") if swagger else _components(document, "schemas")
    for name, schema in (schemas or {}).items():
        definition.models[name] = orjson.dumps(schema).decode()
    schemes = (
        document.get("securityDefinitions") if swagger else _components(document, "securitySchemes")
    )
    for name, scheme in (schemes or {}).items():
        authorizer = _authorizer(name, scheme)
        if authorizer is not None:
            definition.authorizers[name] = authorizer
    for name, flags in (document.get(f"{X}request-validators") or {}).items():
        definition.validators[name] = (
            bool(flags.get("validateRequestBody", False)),
            bool(flags.get("validateRequestParameters", False)),
        )
    for response_type, response in (document.get(f"{X}gateway-responses") or {}).items():
        definition.gateway_responses.append(_gateway_response(response_type, response))
    _read_paths(document, schemes or {}, _base_path(document, parameters), definition)
    return definition


def _components(document: dict[str, Any], section: str) -> Any:
    return (document.get("components") or {}).get(section)


def _api_members(document: dict[str, Any], parameters: dict[str, str]) -> dict[str, Any]:
    info = document.get("info") or {}
    if not info.get("title"):
        raise bad_request(INVALID)
    members: dict[str, Any] = {"name": str(info["title"])}
    if info.get("description"):
        members["description"] = str(info["description"])
    if info.get("version") is not None:
        members["version"] = str(info["version"])
    simple = {
        "binaryMediaTypes": f"{X}binary-media-types",
        "apiKeySource": f"{X}api-key-source",
        "minimumCompressionSize": f"{X}minimum-compression-size",
    }
    for member, key in simple.items():
        if document.get(key) is not None:
            members[member] = document[key]
    policy = document.get(f"{X}policy")
    if policy is not None:
        members["policy"] = policy if isinstance(policy, str) else orjson.dumps(policy).decode()
    endpoint = endpoint_extension(document) or {}
    if "disableExecuteApiEndpoint" in endpoint:
        members["disableExecuteApiEndpoint"] = bool(endpoint["disableExecuteApiEndpoint"])
    types = parameters.get("endpointConfigurationTypes")
    if types:
        members["endpointConfiguration"] = {"types": [types]}
    ids = endpoint.get("vpcEndpointIds")
    if types == "PRIVATE" and isinstance(ids, list) and ids:
        # "only supported for the PRIVATE endpoint type"
        # https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-swagger-extensions-endpoint-configuration.html
        members["endpointConfiguration"]["vpcEndpointIds"] = [str(i) for i in ids]
    return members


def _authorizer(name: str, scheme: dict[str, Any]) -> Authorizer | None:
    """A security scheme with `x-amazon-apigateway-authorizer` as an authorizer.
    https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-swagger-extensions-authorizer.html
    """
    spec = scheme.get(f"{X}authorizer")
    if not isinstance(spec, dict):
        return None
    kind = str(spec.get("type", "token")).upper()
    if kind not in ("TOKEN", "REQUEST", "COGNITO_USER_POOLS", "JWT"):
        raise bad_request(f"Invalid authorizer type specified: {spec.get('type')}")
    identity = spec.get("identitySource")
    if identity is None and kind != "REQUEST" and scheme.get("in") == "header":
        identity = f"method.request.header.{scheme.get('name', 'Authorization')}"
    ttl = spec.get("authorizerResultTtlInSeconds")
    authorizer = Authorizer(
        id="",
        name=name,
        type=kind,
        provider_arns=spec.get("providerARNs"),
        auth_type=scheme.get(f"{X}authtype"),
        authorizer_uri=spec.get("authorizerUri"),
        authorizer_credentials=spec.get("authorizerCredentials"),
        identity_source=identity,
        identity_validation_expression=spec.get("identityValidationExpression"),
        authorizer_result_ttl_in_seconds=int(ttl) if ttl is not None else None,
        jwt_configuration=spec.get("jwtConfiguration"),
    )
    if kind == "JWT":
        check_jwt(authorizer)
    return authorizer


def _gateway_response(response_type: str, response: dict[str, Any]) -> GatewayResponse:
    status = response.get("statusCode")
    return GatewayResponse(
        response_type=response_type,
        status_code=str(status) if status is not None else None,
        response_parameters=dict(response.get("responseParameters") or {}),
        response_templates=dict(response.get("responseTemplates") or {}),
        default_response=False,
    )


def _base_path(document: dict[str, Any], parameters: dict[str, str]) -> str:
    """The prefix `basepath=prepend|split` puts before every path ("" for ignore, the
    default). Swagger names it `basePath`; OpenAPI 3 the first server URL's path."""
    mode = parameters.get("basepath", "ignore")
    if mode not in ("ignore", "prepend", "split"):
        raise bad_request(f"Invalid basepath mode specified: {mode}")
    if mode == "ignore":
        return ""
    if "swagger" in document:
        base = str(document.get("basePath") or "")
    else:
        base = _server_path((document.get("servers") or [{}])[0])
    parts = [part for part in base.split("/") if part]
    if mode == "split":
        parts = parts[1:]
    return "".join(f"/{part}" for part in parts)


def _server_path(server: dict[str, Any]) -> str:
    url = str(server.get("url") or "")
    for name, variable in (server.get("variables") or {}).items():
        url = url.replace(f"{{{name}}}", str(variable.get("default", "")))
    return re.sub(r"^[a-z]+://[^/]*", "", url)


def _read_paths(
    document: dict[str, Any], schemes: dict[str, Any], base: str, definition: Definition
) -> None:
    default_validator = document.get(f"{X}request-validator")
    for path, item in (document.get("paths") or {}).items():
        item = resolve(document, item)
        full = (base + path).rstrip("/") or "/"
        definition.paths.append(full)
        shared = item.get("parameters") or []
        for key, operation in item.items():
            verb = "ANY" if key == ANY_KEY else key.upper() if key in HTTP_VERBS else None
            if verb is None or not isinstance(operation, dict):
                continue
            method, authorizer = read_operation(document, schemes, verb, operation, shared)
            validator = operation.get(f"{X}request-validator", default_validator)
            definition.methods.append(ImportedMethod(full, method, authorizer, validator))
