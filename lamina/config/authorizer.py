"""Authorizers of REST and HTTP APIs, and which one each method or route uses.

Three places declare them, and SAM's `Auth` arrives through the first (the translator
writes OpenAPI security schemes into the API's Body):
- an OpenAPI body: `securityDefinitions` (Swagger 2) / `components.securitySchemes`
  (OpenAPI 3) with `x-amazon-apigateway-authorizer`, and each operation's `security`;
  https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-swagger-extensions-authorizer.html
- AWS::ApiGateway::Authorizer with AWS::ApiGateway::Method AuthorizationType/AuthorizerId;
- AWS::ApiGatewayV2::Authorizer with AWS::ApiGatewayV2::Route AuthorizationType/AuthorizerId.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, Literal

import msgspec

from lamina.config.error import ConfigError
from lamina.config.ids import physical_id
from lamina.config.integration import lambda_target
from lamina.config.rest_jwt import jwt_configuration
from lamina.config.stack import Stack
from lamina.gateway.model import Authorizer

AUTHORIZER_KEY = "x-amazon-apigateway-authorizer"
AUTHTYPE_KEY = "x-amazon-apigateway-authtype"

# Authorizer ids are 6 lowercase alphanumerics, as GetAuthorizers shows them.
AUTHORIZER_ID_LENGTH = 6
# "If this field is not set, the default value is 300. The maximum value is 3600."
# https://docs.aws.amazon.com/apigateway/latest/api/API_Authorizer.html#apigw-Type-Authorizer-authorizerResultTtlInSeconds
# HTTP APIs: the same default (stated by earlier versions of the apigatewayv2 API reference;
# the current page gives none). https://docs.aws.amazon.com/apigatewayv2/latest/api-reference/apis-apiid-authorizers.html
DEFAULT_TTL = 300
MAX_TTL = 3600
HTTP_DEFAULT_IDENTITY = "$request.header.Authorization"
REST_DEFAULT_IDENTITY = "method.request.header.Authorization"
_TOKEN_SOURCE = "method.request.header."
_JWT_SOURCES = ("$request.header.", "$request.querystring.")
_REST_REQUEST_SOURCES = (
    "method.request.header.",
    "method.request.querystring.",
    "stageVariables.",
    "context.",
)
_HTTP_REQUEST_SOURCES = (*_JWT_SOURCES, "$stageVariables.", "$context.")

_REST_TYPES = {
    "token": "TOKEN",
    "request": "REQUEST",
    "cognito_user_pools": "COGNITO_USER_POOLS",
    "jwt": "JWT",
}
_HTTP_TYPES = {"request": "REQUEST", "jwt": "JWT"}
# The method's authorization type for each authorizer type.
_AUTHORIZATION_TYPE = {
    "TOKEN": "CUSTOM",
    "REQUEST": "CUSTOM",
    "COGNITO_USER_POOLS": "COGNITO_USER_POOLS",
    "JWT": "JWT",
}
_AuthorizerType = Literal["TOKEN", "REQUEST", "COGNITO_USER_POOLS", "JWT"]


class Access(msgspec.Struct, frozen=True, kw_only=True):
    """How one method or route is authorized (its Method/Route authorization fields)."""

    authorization_type: str = "NONE"
    authorizer_id: str | None = None
    authorization_scopes: tuple[str, ...] = ()


OPEN = Access()


class BodyAuthorizers:
    """The security schemes of one OpenAPI body: authorizers by scheme name, and the
    schemes that mean IAM authorization (`x-amazon-apigateway-authtype: awsSigv4`)."""

    def __init__(self) -> None:
        self.by_name: dict[str, Authorizer] = {}
        self.iam: set[str] = set()

    def access(self, security: tuple[tuple[str, tuple[str, ...]], ...]) -> Access:
        """The first requirement naming an authorizer or IAM decides; an unknown name
        (SAM writes `NONE`) or an API key scheme leaves the operation open."""
        for name, scopes in security:
            if name in self.iam:
                return Access(authorization_type="AWS_IAM")
            found = self.by_name.get(name)
            if found is not None:
                return Access(
                    authorization_type=_AUTHORIZATION_TYPE[found.type],
                    authorizer_id=found.id,
                    authorization_scopes=scopes,
                )
        return OPEN


def body_authorizers(
    stack: Stack,
    api_id: str,
    body: Mapping[str, Any],
    functions: Mapping[str, str],
    *,
    http: bool,
) -> BodyAuthorizers:
    """The authorizers an API's OpenAPI body declares (`http`: an HTTP API's body)."""
    found = BodyAuthorizers()
    for name, scheme in _schemes(body).items():
        if str(scheme.get(AUTHTYPE_KEY, "")).lower() == "awssigv4":
            found.iam.add(name)
            continue
        spec = scheme.get(AUTHORIZER_KEY)
        if not isinstance(spec, dict):
            continue
        try:
            found.by_name[name] = _body_authorizer(
                stack, api_id, name, scheme, spec, functions, http=http
            )
        except ConfigError as error:
            raise ConfigError(f"security scheme {name}: {error.detail}") from error
    return found


def _schemes(body: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    swagger2 = body.get("securityDefinitions")
    components = body.get("components")
    openapi3 = components.get("securitySchemes") if isinstance(components, dict) else None
    merged = {**(swagger2 if isinstance(swagger2, dict) else {})}
    merged.update(openapi3 if isinstance(openapi3, dict) else {})
    return {str(name): scheme for name, scheme in merged.items() if isinstance(scheme, dict)}


def _body_authorizer(
    stack: Stack,
    api_id: str,
    name: str,
    scheme: Mapping[str, Any],
    spec: Mapping[str, Any],
    functions: Mapping[str, str],
    *,
    http: bool,
) -> Authorizer:
    kinds = _HTTP_TYPES if http else _REST_TYPES
    raw_type = str(spec.get("type", "")).lower()
    if raw_type not in kinds:
        raise ConfigError(f"authorizer type {spec.get('type')!r} is not one of {sorted(kinds)}")
    kind = _type(kinds[raw_type])
    sources = _sources(spec.get("identitySource"))
    header_kinds = (
        ("TOKEN", "COGNITO_USER_POOLS") if http else ("TOKEN", "COGNITO_USER_POOLS", "JWT")
    )
    if not sources and kind in header_kinds and scheme.get("in") == "header":
        # Token, user pool and REST JWT authorizers read the header the apiKey scheme names
        # (SAM writes only that).
        sources = (f"method.request.header.{scheme.get('name') or 'Authorization'}",)
    jwt = spec.get("jwtConfiguration") or {}
    return _authorizer(
        stack,
        authorizer_id=physical_id(api_id, "authorizer", name, length=AUTHORIZER_ID_LENGTH),
        name=name,
        kind=kind,
        uri=spec.get("authorizerUri"),
        functions=functions,
        sources=sources,
        validation=spec.get("identityValidationExpression"),
        ttl=spec.get("authorizerResultTtlInSeconds"),
        payload_format=spec.get("authorizerPayloadFormatVersion"),
        simple=spec.get("enableSimpleResponses"),
        provider_arns=spec.get("providerARNs"),
        issuer=(jwt.get("issuer") if isinstance(jwt, dict) else None) or _oidc_issuer(scheme),
        credentials=spec.get("authorizerCredentials"),
        audience=jwt.get("audience") if isinstance(jwt, dict) else None,
        rest_jwt=jwt if kind == "JWT" and not http else None,
        http=http,
    )


def rest_resource_authorizers(
    stack: Stack, api_id: str, functions: Mapping[str, str]
) -> list[Authorizer]:
    """AWS::ApiGateway::Authorizer resources of the REST API."""
    # https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-apigateway-authorizer.html
    found = []
    for resource in stack.of_api("AWS::ApiGateway::Authorizer", api_id, key="RestApiId"):
        with stack.blame(resource.logical_id):
            raw_type = stack.text(resource, "Type").upper()
            if raw_type not in _REST_TYPES.values():
                raise ConfigError(
                    f"Type {raw_type!r} is not TOKEN, REQUEST, COGNITO_USER_POOLS or JWT"
                )
            found.append(
                _authorizer(
                    stack,
                    authorizer_id=stack.resources.id_of(resource.logical_id, AUTHORIZER_ID_LENGTH),
                    name=stack.text(resource, "Name", resource.logical_id),
                    kind=_type(raw_type),
                    uri=stack.prop(resource, "AuthorizerUri"),
                    functions=functions,
                    sources=_sources(stack.prop(resource, "IdentitySource")),
                    validation=stack.prop(resource, "IdentityValidationExpression"),
                    ttl=stack.prop(resource, "AuthorizerResultTtlInSeconds"),
                    payload_format=None,
                    simple=None,
                    provider_arns=stack.prop(resource, "ProviderARNs"),
                    issuer=None,
                    audience=None,
                    credentials=stack.prop(resource, "AuthorizerCredentials"),
                    rest_jwt=stack.prop(resource, "JwtConfiguration")
                    if raw_type == "JWT"
                    else None,
                    http=False,
                )
            )
    return found


def http_resource_authorizers(
    stack: Stack, api_id: str, functions: Mapping[str, str]
) -> list[Authorizer]:
    """AWS::ApiGatewayV2::Authorizer resources of the HTTP API."""
    # https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-apigatewayv2-authorizer.html
    found = []
    for resource in stack.of_api("AWS::ApiGatewayV2::Authorizer", api_id, key="ApiId"):
        with stack.blame(resource.logical_id):
            raw_type = stack.text(resource, "AuthorizerType").upper()
            if raw_type not in _HTTP_TYPES.values():
                raise ConfigError(f"AuthorizerType {raw_type!r} is not REQUEST or JWT")
            jwt = stack.prop(resource, "JwtConfiguration") or {}
            if not isinstance(jwt, dict):
                raise ConfigError("JwtConfiguration must be a mapping")
            found.append(
                _authorizer(
                    stack,
                    authorizer_id=stack.resources.id_of(resource.logical_id, AUTHORIZER_ID_LENGTH),
                    name=stack.text(resource, "Name", resource.logical_id),
                    kind=_type(raw_type),
                    uri=stack.prop(resource, "AuthorizerUri"),
                    functions=functions,
                    sources=_sources(stack.prop(resource, "IdentitySource")),
                    validation=None,
                    ttl=stack.prop(resource, "AuthorizerResultTtlInSeconds"),
                    payload_format=stack.prop(resource, "AuthorizerPayloadFormatVersion"),
                    simple=stack.prop(resource, "EnableSimpleResponses"),
                    provider_arns=None,
                    issuer=jwt.get("Issuer"),
                    audience=jwt.get("Audience"),
                    credentials=stack.prop(resource, "AuthorizerCredentialsArn"),
                    http=True,
                )
            )
    return found


def resource_access(stack: Stack, resource: Any, *, known: Mapping[str, Authorizer]) -> Access:
    """AuthorizationType / AuthorizerId / AuthorizationScopes of a Method or Route resource."""
    # https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-apigateway-method.html
    # https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-apigatewayv2-route.html
    authorizer_id = stack.prop(resource, "AuthorizerId")
    authorization_type = stack.text(resource, "AuthorizationType", "NONE").upper()
    if authorizer_id is not None:
        authorizer_id = str(authorizer_id)
        if authorizer_id not in known:
            raise ConfigError(f"AuthorizerId {authorizer_id!r} names no authorizer of this API")
        expected = _AUTHORIZATION_TYPE[known[authorizer_id].type]
        if authorization_type == "NONE":
            # CloudFormation requires the type with an AuthorizerId; infer it leniently.
            authorization_type = expected
        elif authorization_type != expected:
            # Another check would run with this authorizer and answer 500 every time.
            raise ConfigError(
                f"AuthorizationType {authorization_type} does not match authorizer "
                f"{known[authorizer_id].name} (a {known[authorizer_id].type} authorizer "
                f"needs {expected})"
            )
    elif authorization_type in ("CUSTOM", "COGNITO_USER_POOLS", "JWT"):
        raise ConfigError(f"AuthorizationType {authorization_type} needs an AuthorizerId")
    scopes = _strings(stack.prop(resource, "AuthorizationScopes"), "scopes")
    if (
        scopes
        and getattr(resource, "type", None) == "AWS::ApiGatewayV2::Route"
        and authorization_type not in ("COGNITO_USER_POOLS", "JWT")
    ):
        # CloudFormation's refusal (AmazonApiGatewayV2), quoted in aws/aws-cdk#27576.
        raise ConfigError(
            "Authorization Scopes are only valid for COGNITO_USER_POOLS and JWT authorization types"
        )
    return Access(
        authorization_type=authorization_type,
        authorizer_id=authorizer_id,
        authorization_scopes=scopes,
    )


def _authorizer(
    stack: Stack,
    *,
    authorizer_id: str,
    name: str,
    kind: _AuthorizerType,
    uri: object,
    functions: Mapping[str, str],
    sources: tuple[str, ...],
    validation: object,
    ttl: object,
    payload_format: object,
    simple: object,
    provider_arns: object,
    issuer: object,
    audience: object,
    credentials: object = None,
    rest_jwt: object = None,
    http: bool,
) -> Authorizer:
    if kind == "JWT" and not http:
        return _rest_jwt_authorizer(authorizer_id, name, sources, ttl, rest_jwt)
    function_name = qualifier = None
    if kind in ("TOKEN", "REQUEST"):
        if not isinstance(uri, str) or not uri:
            raise ConfigError("a Lambda authorizer needs an authorizerUri naming its function")
        function_name, qualifier = lambda_target(uri, functions)
    if kind == "TOKEN" and (len(sources) != 1 or not sources[0].startswith(_TOKEN_SOURCE)):
        raise ConfigError("a TOKEN authorizer reads exactly one method.request.header.X")
    if validation:
        try:
            re.compile(str(validation))
        except re.error as error:
            raise ConfigError(f"identityValidationExpression is no regex: {error}") from None
    if kind == "REQUEST":
        _check_request_sources(sources, http=http)
    result_ttl = _ttl(ttl, DEFAULT_TTL)
    if kind == "REQUEST" and not http and not sources and result_ttl > 0:
        # "For the REQUEST authorizer, this is required when authorization caching is
        # enabled." https://docs.aws.amazon.com/apigateway/latest/api/API_Authorizer.html
        raise ConfigError(
            f"a REQUEST authorizer caching its answers (authorizerResultTtlInSeconds "
            f"{result_ttl}) needs an identitySource; set the TTL to 0 to call it uncached"
        )
    if kind == "JWT" and not sources:
        sources = (HTTP_DEFAULT_IDENTITY,)
    if kind == "JWT" and (len(sources) != 1 or not sources[0].startswith(_JWT_SOURCES)):
        # "For JWT, a single entry ... Currently only header-based and query
        # parameter-based selections are supported."
        # https://docs.aws.amazon.com/apigatewayv2/latest/api-reference/apis-apiid-authorizers.html
        raise ConfigError(
            "a JWT authorizer reads exactly one $request.header.X or $request.querystring.X"
        )
    if kind == "COGNITO_USER_POOLS" and not sources:
        sources = (REST_DEFAULT_IDENTITY,)
    if kind == "COGNITO_USER_POOLS" and (
        len(sources) != 1 or not sources[0].startswith(_TOKEN_SOURCE)
    ):
        # "For a TOKEN or COGNITO_USER_POOLS authorizer, this is required and specifies the
        # request header mapping expression" (API_Authorizer, identitySource).
        raise ConfigError(
            "a COGNITO_USER_POOLS authorizer reads exactly one method.request.header.X"
        )
    version = _payload_format(stack, name, payload_format) if http and kind == "REQUEST" else "1.0"
    simple_responses = simple in (True, "true")
    if simple_responses and version != "2.0":
        raise ConfigError("enableSimpleResponses needs authorizerPayloadFormatVersion 2.0")
    return Authorizer(
        id=authorizer_id,
        name=name,
        type=kind,
        function_name=function_name,
        qualifier=qualifier,
        identity_sources=sources,
        identity_validation_expression=str(validation) if validation else None,
        result_ttl_seconds=result_ttl,
        payload_format=version,
        simple_responses=simple_responses,
        provider_arns=_strings(provider_arns, "providerARNs"),
        issuer=str(issuer) if issuer else None,
        audience=_strings(audience, "audience"),
        credentials=str(credentials) if credentials else None,
    )


def _rest_jwt_authorizer(
    authorizer_id: str, name: str, sources: tuple[str, ...], ttl: object, config: object
) -> Authorizer:
    """A REST API's JWT authorizer. Its identitySource "is required and must be a single
    request-header mapping expression ... Query string parameters are not supported, and
    there is no default"; authorizerResultTtlInSeconds "is not supported for JWT
    authorizers" (API reference, CreateAuthorizer).
    https://docs.aws.amazon.com/apigateway/latest/developerguide/rest-api-jwt-authorizer-create.html"""
    if ttl is not None and str(ttl) != "0":  # an explicit 0 (no cache) loads [Lamina]
        raise ConfigError("authorizerResultTtlInSeconds is not supported for JWT authorizers")
    issuers, algorithms = jwt_configuration(sources, config)
    return Authorizer(
        id=authorizer_id,
        name=name,
        type="JWT",
        identity_sources=sources,
        result_ttl_seconds=0,
        jwt_issuers=issuers,
        jwt_algorithms=algorithms,
    )


def _check_request_sources(sources: tuple[str, ...], *, http: bool) -> None:
    """A REQUEST authorizer's identity sources name headers, query strings, stage
    variables or context variables; anything else could never be present.
    https://docs.aws.amazon.com/apigateway/latest/api/API_Authorizer.html (REST)
    https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-lambda-authorizer.html#http-api-lambda-authorizer.identity-sources"""
    prefixes = _HTTP_REQUEST_SOURCES if http else _REST_REQUEST_SOURCES
    for source in sources:
        if not source.startswith(prefixes) or source in prefixes:
            raise ConfigError(
                f"identity source {source!r} is none of {', '.join(p + 'X' for p in prefixes)}"
            )


def _oidc_issuer(scheme: Mapping[str, Any]) -> str | None:
    """An `openIdConnect` scheme's issuer is its discovery URL without the well-known part."""
    # https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-jwt-authorizer.html
    url = scheme.get("openIdConnectUrl")
    if scheme.get("type") != "openIdConnect" or not isinstance(url, str):
        return None
    return url.removesuffix("/.well-known/openid-configuration")


def _type(value: str) -> _AuthorizerType:
    if value == "TOKEN":
        return "TOKEN"
    if value == "REQUEST":
        return "REQUEST"
    if value == "JWT":
        return "JWT"
    return "COGNITO_USER_POOLS"


def _sources(value: object) -> tuple[str, ...]:
    """REST writes one comma-separated string; HTTP APIs a list (or, in a body, either)."""
    if value is None:
        return ()
    items = value if isinstance(value, list) else str(value).split(",")
    return tuple(str(item).strip() for item in items if str(item).strip())


def _strings(value: object, what: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        return (value,)
    if not isinstance(value, list):
        raise ConfigError(f"{what} must be a list of strings")
    return tuple(str(item) for item in value)


def _ttl(value: object, default: int) -> int:
    if value is None:
        return default
    try:
        ttl = int(str(value))
    except ValueError:
        raise ConfigError(f"authorizer result TTL {value!r} is not a number of seconds") from None
    if not 0 <= ttl <= MAX_TTL:
        raise ConfigError(f"authorizer result TTL {ttl} is not between 0 and {MAX_TTL} seconds")
    return ttl


def _payload_format(stack: Stack, name: str, value: object) -> Literal["1.0", "2.0"]:
    if value is None:
        # Required by CloudFormation and the CLI; lenient locally, as for integrations.
        # https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-lambda-authorizer.html#http-api-lambda-authorizer.payload-format
        warning = f"authorizer {name} without a payload format version; using 2.0"
        if warning not in stack.warnings:
            stack.warnings.append(warning)
        return "2.0"
    text = str(value)
    if text not in ("1.0", "2.0"):
        raise ConfigError(f"authorizer payload format version {text!r} is not 1.0 or 2.0")
    return "2.0" if text == "2.0" else "1.0"
