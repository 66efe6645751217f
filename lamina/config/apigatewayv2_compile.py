"""HTTP API snapshots (the AWS-shaped records the apigatewayv2 management API stores and a
deployment freezes, see lamina/services/apigatewayv2/state.py) compiled into the data
plane's `HttpApi` (domain names: config/apigateway_domains.py).

A snapshot is `{"api": GetApi output (serving members), "routes": [GetRoute output],
"integrations": [GetIntegration output], "authorizers": [GetAuthorizer output]}`, members
named as boto3 names them (`RouteKey`, `IntegrationUri` ...). Stage records are GetStage
outputs.

The returned HttpApi's routes, authorizers and CORS are those of the `snapshot` the caller
passes. A stage whose deployment compiles to something else carries it as
`Stage.definition`; one whose deployment compiles to the same shares the API's (None), so
stages serving one deployment cost nothing extra. A stage without a deployment serves
nothing and is left out.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Literal

import msgspec

from lamina.config.access_log import log_group_name
from lamina.config.authorizer import DEFAULT_TTL, HTTP_DEFAULT_IDENTITY
from lamina.config.cors import build_cors
from lamina.config.error import ConfigError
from lamina.config.integration import (
    http_api_response_parameters,
    is_lambda_uri,
    lambda_uri_target,
)
from lamina.gateway.model import (
    HTTP_MAX_TIMEOUT_MS,
    AccessLogSetting,
    Authorizer,
    HttpApi,
    HttpIntegration,
    Integration,
    LambdaIntegration,
    Route,
    Stage,
    UnsupportedIntegration,
)

Record = Mapping[str, Any]
StageInput = tuple[Record, Record]
"""(stage record in GetStage shape, the snapshot of the deployment it serves)."""

_INTEGRATION_TARGET = "integrations/"


def compile_http_api(
    snapshot: Record,
    stages: Sequence[StageInput],
    *,
    region: str,
    account_id: str,
    logical_id: str | None = None,
) -> HttpApi:
    """The data plane's model of one HTTP API and its stages. `logical_id` defaults to the
    API's id (APIs made through the management API have no template logical id).
    `region` / `account_id` are those the API lives in (ARNs the model may need)."""
    del region, account_id  # no member of the HTTP API model is an ARN of the API itself
    api = compile_definition(snapshot, logical_id=logical_id)
    compiled: dict[str, HttpApi] = {}
    built = []
    for record, deployed in stages:
        deployment_id = _optional_text(record.get("DeploymentId"))
        if deployment_id is None:
            continue
        if deployment_id not in compiled:
            definition = compile_definition(deployed, logical_id=api.logical_id)
            compiled[deployment_id] = api if definition == api else definition
        built.append(_stage(record, deployment_id, compiled[deployment_id], api))
    return msgspec.structs.replace(api, stages=tuple(sorted(built, key=lambda s: s.name)))


def compile_definition(snapshot: Record, *, logical_id: str | None = None) -> HttpApi:
    """One snapshot's API without stages."""
    api = _mapping(snapshot.get("api"), "api")
    api_id = _text(api, "ApiId", "api")
    try:
        integrations = {
            _text(spec, "IntegrationId", "integration"): _integration(spec)
            for spec in _records(snapshot.get("integrations"), "integrations")
        }
        return HttpApi(
            id=api_id,
            logical_id=logical_id or api_id,
            name=_text(api, "Name", "api"),
            routes=tuple(
                _route(spec, integrations) for spec in _records(snapshot.get("routes"), "routes")
            ),
            authorizers=tuple(
                _authorizer(spec) for spec in _records(snapshot.get("authorizers"), "authorizers")
            ),
            cors=build_cors(api.get("CorsConfiguration"), None),
            disable_execute_api_endpoint=api.get("DisableExecuteApiEndpoint") is True,
        )
    except ConfigError as error:
        raise ConfigError(f"HTTP API {api_id}: {error.detail}") from error


def _stage(record: Record, deployment_id: str, definition: HttpApi, api: HttpApi) -> Stage:
    return Stage(
        name=_text(record, "StageName", "stage"),
        variables=_strings(record.get("StageVariables")),
        access_log=_access_log(record.get("AccessLogSettings")),
        deployment_id=deployment_id,
        definition=None if definition is api else definition,
    )


def _route(spec: Record, integrations: Mapping[str, Integration]) -> Route:
    # https://docs.aws.amazon.com/apigatewayv2/latest/api-reference/apis-apiid-routes-routeid.html
    target = _optional_text(spec.get("Target"))
    integration = None
    if target is not None:
        integration_id = target.removeprefix(_INTEGRATION_TARGET)
        if not target.startswith(_INTEGRATION_TARGET) or integration_id not in integrations:
            raise ConfigError(
                f"route {spec.get('RouteKey')!r}: target {target!r} names no integration"
            )
        integration = integrations[integration_id]
    return Route(
        route_key=_text(spec, "RouteKey", "route"),
        integration=integration,
        authorization_type=str(spec.get("AuthorizationType") or "NONE"),
        authorizer_id=_optional_text(spec.get("AuthorizerId")),
        authorization_scopes=tuple(str(scope) for scope in spec.get("AuthorizationScopes") or ()),
    )


def _integration(spec: Record) -> Integration:
    """AWS_PROXY to a Lambda function, or an integration the data plane does not run
    (HTTP_PROXY, AWS service integrations)."""
    # https://docs.aws.amazon.com/apigatewayv2/latest/api-reference/apis-apiid-integrations-integrationid.html
    kind = str(spec.get("IntegrationType") or "").upper()
    uri = str(spec.get("IntegrationUri") or "")
    timeout = _number(spec.get("TimeoutInMillis"), "TimeoutInMillis")
    request_parameters = _strings(spec.get("RequestParameters"))
    response_parameters = http_api_response_parameters(spec.get("ResponseParameters"))
    if kind == "HTTP_PROXY" and uri:
        # https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-develop-integrations-http.html
        return HttpIntegration(
            uri=uri,
            http_method=str(spec.get("IntegrationMethod") or "ANY").upper(),
            timeout_ms=HTTP_MAX_TIMEOUT_MS if timeout is None else timeout,
            request_parameters=request_parameters,
            response_parameters=response_parameters,
        )
    if kind != "AWS_PROXY" or not is_lambda_uri(uri):
        return UnsupportedIntegration(type=kind, uri=uri)
    # `${stageVariables.x}` in the function name or qualifier stays as written: the data plane
    # substitutes it per request.
    name, qualifier = lambda_uri_target(uri)
    return LambdaIntegration(
        function_name=name,
        qualifier=qualifier,
        payload_format=_payload_format(spec.get("PayloadFormatVersion"), "1.0"),
        timeout_ms=HTTP_MAX_TIMEOUT_MS if timeout is None else timeout,
        request_parameters=request_parameters,
        response_parameters=response_parameters,
        credentials=str(spec["CredentialsArn"]) if spec.get("CredentialsArn") else None,
    )


def _authorizer(spec: Record) -> Authorizer:
    # https://docs.aws.amazon.com/apigatewayv2/latest/api-reference/apis-apiid-authorizers-authorizerid.html
    authorizer_id = _text(spec, "AuthorizerId", "authorizer")
    kind: Literal["REQUEST", "JWT"]
    raw = str(spec.get("AuthorizerType") or "").upper()
    if raw == "JWT":
        kind = "JWT"
    elif raw == "REQUEST":
        kind = "REQUEST"
    else:
        raise ConfigError(f"authorizer {authorizer_id}: type {raw!r} is not REQUEST or JWT")
    sources = tuple(str(source) for source in spec.get("IdentitySource") or ())
    jwt = _mapping(spec.get("JwtConfiguration") or {}, "JwtConfiguration")
    function_name = qualifier = None
    uri = _optional_text(spec.get("AuthorizerUri"))
    if kind == "REQUEST" and uri:
        function_name, qualifier = lambda_uri_target(uri)
    ttl = _number(spec.get("AuthorizerResultTtlInSeconds"), "AuthorizerResultTtlInSeconds")
    if ttl is None:
        # Caching keys on the identity sources: without any there is nothing to cache by.
        ttl = DEFAULT_TTL if sources and kind == "REQUEST" else 0
    return Authorizer(
        id=authorizer_id,
        name=str(spec.get("Name") or authorizer_id),
        type=kind,
        function_name=function_name,
        qualifier=qualifier,
        identity_sources=sources or ((HTTP_DEFAULT_IDENTITY,) if kind == "JWT" else ()),
        result_ttl_seconds=ttl,
        payload_format=_payload_format(spec.get("AuthorizerPayloadFormatVersion"), "2.0"),
        simple_responses=spec.get("EnableSimpleResponses") is True,
        issuer=_optional_text(jwt.get("Issuer")),
        audience=tuple(str(audience) for audience in jwt.get("Audience") or ()),
        credentials=_optional_text(spec.get("AuthorizerCredentialsArn")),
    )


def _access_log(settings: object) -> AccessLogSetting | None:
    """Both the destination and the format turn access logging on."""
    # https://docs.aws.amazon.com/apigatewayv2/latest/api-reference/apis-apiid-stages-stagename.html#apis-apiid-stages-stagename-model-accesslogsettings
    if not isinstance(settings, Mapping):
        return None
    arn = _optional_text(settings.get("DestinationArn"))
    log_format = _optional_text(settings.get("Format"))
    if not arn or not log_format:
        return None
    return AccessLogSetting(
        destination_arn=arn, log_group=log_group_name(arn)[0], format=log_format
    )


def _payload_format(value: object, default: Literal["1.0", "2.0"]) -> Literal["1.0", "2.0"]:
    if value is None:
        return default
    if value == "2.0":
        return "2.0"
    if value == "1.0":
        return "1.0"
    raise ConfigError(f"payload format version {value!r} is not 1.0 or 2.0")


def _mapping(value: object, what: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise ConfigError(f"snapshot {what} is not an object")
    return value


def _records(value: object, what: str) -> list[Record]:
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(item, Mapping) for item in value):
        raise ConfigError(f"snapshot {what} is not a list of objects")
    return value


def _text(record: Record, key: str, what: str) -> str:
    value = record.get(key)
    if not isinstance(value, str) or not value:
        raise ConfigError(f"{what} has no {key}")
    return value


def _optional_text(value: object) -> str | None:
    return str(value) if value not in (None, "") else None


def _number(value: object, what: str) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ConfigError(f"{what} {value!r} is not a number")
    return int(value)


def _strings(value: object) -> dict[str, str]:
    if not isinstance(value, Mapping):
        return {}
    return {str(key): str(item) for key, item in value.items()}
