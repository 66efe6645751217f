"""ImportApi / ReimportApi: an HTTP API from an OpenAPI 3 (or 2) definition with API
Gateway's extensions — `x-amazon-apigateway-integration` (inline or a `$ref` into
`components.x-amazon-apigateway-integrations`), `x-amazon-apigateway-cors`, security
schemes with `x-amazon-apigateway-authorizer` (JWT and Lambda REQUEST) or
`x-amazon-apigateway-authtype: awsSigv4` (IAM), and the `$default` path.

https://docs.aws.amazon.com/apigatewayv2/latest/api-reference/apis.html#ImportApi
https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-open-api.html
https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-swagger-extensions.html
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import Any, TypeVar
from urllib.parse import urlparse

import yaml

from lamina.aws.service import Operation, OperationInput, OperationOutput, ServiceError
from lamina.core.store import Transaction
from lamina.services.apigatewayv2.apis import check_cors, new_api
from lamina.services.apigatewayv2.authorizers import check_authorizer
from lamina.services.apigatewayv2.integrations import new_integration
from lamina.services.apigatewayv2.routes import DEFAULT_ROUTE, INTEGRATION_TARGET, new_route
from lamina.services.apigatewayv2.state import (
    DEPLOYMENT_ID_LENGTH,
    Data,
    HttpApiState,
    bad_request,
)

T = TypeVar("T")
INTEGRATION_KEY = "x-amazon-apigateway-integration"
INTEGRATIONS_KEY = "x-amazon-apigateway-integrations"
AUTHORIZER_KEY = "x-amazon-apigateway-authorizer"
AUTHTYPE_KEY = "x-amazon-apigateway-authtype"
CORS_KEY = "x-amazon-apigateway-cors"
ANY_METHOD_KEY = "x-amazon-apigateway-any-method"
_METHODS = ("get", "put", "post", "delete", "options", "head", "patch")
# The extension's members and the CreateIntegration members they set.
_INTEGRATION_MEMBERS = {
    "connectionId": "ConnectionId",
    "connectionType": "ConnectionType",
    "credentials": "CredentialsArn",
    "description": "Description",
    "httpMethod": "IntegrationMethod",
    "integrationSubtype": "IntegrationSubtype",
    "payloadFormatVersion": "PayloadFormatVersion",
    "requestParameters": "RequestParameters",
    "responseParameters": "ResponseParameters",
    "timeoutInMillis": "TimeoutInMillis",
    "uri": "IntegrationUri",
}
_CORS_MEMBERS = (
    "allowCredentials",
    "allowHeaders",
    "allowMethods",
    "allowOrigins",
    "exposeHeaders",
    "maxAge",
)


def parse_definition(text: str) -> dict[str, Any]:
    """The OpenAPI document, from JSON or YAML."""
    try:
        body = json.loads(text)
    except ValueError:
        try:
            body = yaml.safe_load(text)
        except yaml.YAMLError as error:
            raise bad_request(f"Invalid OpenAPI definition: {error}") from None
    if not isinstance(body, dict) or not isinstance(body.get("paths"), dict):
        raise bad_request("Invalid OpenAPI definition: it has no paths object")
    if not str(body.get("openapi", body.get("swagger", ""))).startswith(("3.", "2.")):
        raise bad_request("Invalid OpenAPI definition: only OpenAPI 3.0 and 2.0 are supported")
    return body


class _Importer:
    """Builds one API's routes, integrations and authorizers from a definition."""

    def __init__(self, state: HttpApiState, api_id: str, body: dict[str, Any], tx: Transaction):
        self.state = state
        self.api_id = api_id
        self.body = body
        self.tx = tx
        self.warnings: list[str] = []
        self.authorizers: dict[str, Data] = {}
        self.iam: set[str] = set()

    def run(self, basepath: str) -> None:
        self._security_schemes()
        prefix = _base_path(self.body, basepath)
        for path, item in self.body["paths"].items():
            if not isinstance(item, dict):
                continue
            for key, operation in item.items():
                method = "ANY" if key == ANY_METHOD_KEY else str(key).upper()
                if key != ANY_METHOD_KEY and key not in _METHODS:
                    continue
                if not isinstance(operation, dict):
                    continue
                route_key = DEFAULT_ROUTE if path == DEFAULT_ROUTE else f"{method} {prefix}{path}"
                self._route(route_key, operation)

    def _security_schemes(self) -> None:
        components = self.body.get("components") or {}
        schemes = {**(self.body.get("securityDefinitions") or {})}
        schemes.update(components.get("securitySchemes") or {})
        for name, scheme in schemes.items():
            if not isinstance(scheme, dict):
                continue
            if str(scheme.get(AUTHTYPE_KEY, "")).lower() == "awssigv4":
                self.iam.add(name)
            elif isinstance(scheme.get(AUTHORIZER_KEY), dict):
                self._authorizer(str(name), scheme, scheme[AUTHORIZER_KEY])
            else:
                self.warnings.append(
                    f"Unable to create authorizer for security scheme '{name}': it has no "
                    f"{AUTHORIZER_KEY} extension"
                )

    def _authorizer(self, name: str, scheme: Mapping[str, Any], spec: Mapping[str, Any]) -> None:
        kind = str(spec.get("type", "")).upper()
        sources = spec.get("identitySource")
        if isinstance(sources, str):
            sources = [part.strip() for part in sources.split(",") if part.strip()]
        record: Data = {
            "AuthorizerId": self.state.new_id(DEPLOYMENT_ID_LENGTH),
            "AuthorizerType": kind,
            "IdentitySource": list(sources or []),
            "Name": name,
        }
        if kind == "JWT":
            jwt = spec.get("jwtConfiguration") or {}
            issuer = jwt.get("issuer") or _oidc_issuer(scheme)
            record["JwtConfiguration"] = {"Audience": list(jwt.get("audience") or [])}
            if issuer:
                record["JwtConfiguration"]["Issuer"] = issuer
        for member, target in (
            ("authorizerUri", "AuthorizerUri"),
            ("authorizerPayloadFormatVersion", "AuthorizerPayloadFormatVersion"),
            ("authorizerResultTtlInSeconds", "AuthorizerResultTtlInSeconds"),
            ("enableSimpleResponses", "EnableSimpleResponses"),
            ("authorizerCredentials", "AuthorizerCredentialsArn"),
        ):
            if member in spec:
                record[target] = spec[member]
        if kind not in ("JWT", "REQUEST"):
            raise bad_request(
                f"Authorizer '{name}': type {spec.get('type')!r} is not jwt or request"
            )
        _named(f"Authorizer '{name}'", check_authorizer, record)
        self.state.put_child(
            self.state.authorizers, self.api_id, record["AuthorizerId"], record, self.tx
        )
        self.authorizers[name] = record

    def _route(self, route_key: str, operation: Mapping[str, Any]) -> None:
        params: Data = {"RouteKey": route_key}
        spec = self._integration_spec(route_key, operation.get(INTEGRATION_KEY))
        if spec is not None:
            given = {
                target: spec[member]
                for member, target in _INTEGRATION_MEMBERS.items()
                if member in spec
            }
            given["IntegrationType"] = str(spec.get("type", "")).upper()
            if isinstance(spec.get("tlsConfig"), dict):
                given["TlsConfig"] = {
                    "ServerNameToVerify": spec["tlsConfig"].get("serverNameToVerify")
                }
            integration = _named(
                f"Route '{route_key}'",
                lambda: new_integration(self.state, self.api_id, given, self.tx, managed=False),
            )
            params["Target"] = INTEGRATION_TARGET + integration["IntegrationId"]
        params.update(self._access(operation.get("security", self.body.get("security"))))
        if "operationId" in operation:
            params["OperationName"] = str(operation["operationId"])[:64]
        _named(
            f"Route '{route_key}'",
            lambda: new_route(self.state, self.api_id, params, self.tx, managed=False),
        )

    def _integration_spec(self, route_key: str, spec: object) -> Mapping[str, Any] | None:
        if isinstance(spec, dict) and "$ref" in spec:
            name = str(spec["$ref"]).rsplit("/", 1)[-1]
            found = ((self.body.get("components") or {}).get(INTEGRATIONS_KEY) or {}).get(name)
            if not isinstance(found, dict):
                raise bad_request(
                    f"Route '{route_key}': integration reference {spec['$ref']} not found"
                )
            return found
        if spec is None:
            self.warnings.append(
                f"Route '{route_key}' has no {INTEGRATION_KEY}; created without a target"
            )
        return spec if isinstance(spec, dict) else None

    def _access(self, security: object) -> Data:
        """The first requirement naming IAM or an authorizer decides."""
        for requirement in security if isinstance(security, list) else []:
            for name, scopes in (requirement or {}).items():
                if name in self.iam:
                    return {"AuthorizationType": "AWS_IAM"}
                found = self.authorizers.get(name)
                if found is not None:
                    access: Data = {
                        "AuthorizationType": "JWT"
                        if found["AuthorizerType"] == "JWT"
                        else "CUSTOM",
                        "AuthorizerId": found["AuthorizerId"],
                    }
                    if scopes and found["AuthorizerType"] == "JWT":
                        access["AuthorizationScopes"] = list(scopes)
                    return access
        return {}


def _named(what: str, action: Callable[..., T], *args: Any) -> T:
    """Run `action`, prefixing a BadRequestException's message with what was imported."""
    try:
        return action(*args)
    except ServiceError as error:
        if error.code != "BadRequestException":
            raise
        raise bad_request(f"{what}: {error.message}") from None


def _oidc_issuer(scheme: Mapping[str, Any]) -> str | None:
    url = scheme.get("openIdConnectUrl")
    if scheme.get("type") != "openIdConnect" or not isinstance(url, str):
        return None
    return url.removesuffix("/.well-known/openid-configuration")


def _base_path(body: Mapping[str, Any], mode: str) -> str:
    """What `Basepath` makes of the first server URL's path: ignore (default), prepend it,
    or split (prepend all but its first segment)."""
    if mode not in ("ignore", "prepend", "split"):
        raise bad_request(f"Invalid basepath {mode}: use ignore, prepend or split")
    servers = body.get("servers") or []
    url = servers[0].get("url", "") if servers and isinstance(servers[0], dict) else ""
    path = urlparse(str(url)).path.strip("/") if mode != "ignore" else ""
    if mode == "split":
        path = path.partition("/")[2]
    return f"/{path}" if path else ""


def _cors(body: Mapping[str, Any]) -> Data | None:
    spec = body.get(CORS_KEY)
    if not isinstance(spec, dict):
        return None
    cors = {
        member[0].upper() + member[1:]: spec[member] for member in _CORS_MEMBERS if member in spec
    }
    check_cors(cors)
    return cors


def _populate(
    state: HttpApiState, api: Data, body: dict[str, Any], params: OperationInput, tx: Transaction
) -> list[str]:
    info = body.get("info") or {}
    if info.get("title"):
        api["Name"] = str(info["title"])
    for member, key in (("Version", "version"), ("Description", "description")):
        if info.get(key) is not None:
            api[member] = str(info[key])
    api.pop("CorsConfiguration", None)
    cors = _cors(body)
    if cors is not None:
        api["CorsConfiguration"] = cors
    state.put_api(api, tx)
    importer = _Importer(state, api["ApiId"], body, tx)
    importer.run(str(params.get("Basepath") or "ignore"))
    if importer.warnings and params.get("FailOnWarnings"):
        raise bad_request("Warnings found during import:\n\t" + "\n\t".join(importer.warnings))
    return importer.warnings


def _import(state: HttpApiState, params: OperationInput) -> OperationOutput:
    body = parse_definition(params["Body"])
    with state.change() as (tx, _):
        api = new_api(state, {"Name": "imported"}, tx)
        warnings = _populate(state, api, body, params, tx)
    return {**api, "Warnings": warnings} if warnings else api


def _reimport(state: HttpApiState, params: OperationInput) -> OperationOutput:
    """Replace the API's definition (routes, integrations, authorizers, CORS); its stages
    and deployments stay, and auto-deploying stages deploy the new definition."""
    api_id = params["ApiId"]
    body = parse_definition(params["Body"])
    with state.change() as (tx, announce):
        api = state.api(api_id, tx)
        for collection in (state.routes, state.integrations, state.authorizers):
            tx.delete_prefix(collection.kind, f"{api_id}/")
        warnings = _populate(state, api, body, params, tx)
        state.auto_deploy(api_id, tx, announce)
    return {**api, "Warnings": warnings} if warnings else api


OPERATIONS: dict[str, Operation[HttpApiState]] = {
    "ImportApi": _import,
    "ReimportApi": _reimport,
}
