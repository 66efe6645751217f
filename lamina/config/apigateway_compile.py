"""REST API snapshots (the AWS-shaped records the management API stores and CreateDeployment
freezes) compiled into the data plane's `RestApi`.

A snapshot is `{"restApi": RestApi, "resources": [Resource with resourceMethods embedded],
"authorizers": [...], "gatewayResponses": [...], "models": [...], "requestValidators": [...]}`
with botocore's output member names (GetRestApi, GetResources(embed=methods), GetAuthorizers,
GetGatewayResponses). Stage records are GetStage outputs.

The returned RestApi's resources, authorizers, ... are those of the `snapshot` the caller
passes: the API's current definition (what GetResources shows now). A stage whose deployment
froze a definition that compiles to something else carries it as `Stage.definition`; one whose
deployment compiles to the same thing shares the API's (definition None), so stages of a
template API, and stages deployed from the API as it stands, cost nothing extra.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any, Literal

import msgspec

from lamina.config.access_log import log_group_name
from lamina.config.authorizer import DEFAULT_TTL, REST_DEFAULT_IDENTITY
from lamina.config.error import ConfigError
from lamina.config.integration import build_mock_integration, is_lambda_uri, lambda_uri_target
from lamina.config.openapi import binary_media_types
from lamina.config.resource_policy import expand_resources
from lamina.config.rest_jwt import jwt_configuration
from lamina.config.stage_cache import cache_keys, record_stage_cache
from lamina.config.stage_logging import record_method_logs
from lamina.config.stage_tracing import record_stage_tracing
from lamina.gateway.model import (
    REST_DEFAULT_TIMEOUT_MS,
    AccessLogSetting,
    Authorizer,
    AwsServiceIntegration,
    Canary,
    GatewayResponseSetting,
    HttpIntegration,
    Integration,
    LambdaCustomIntegration,
    LambdaIntegration,
    Method,
    Model,
    RequestValidator,
    Resource,
    RestApi,
    Stage,
    UnsupportedIntegration,
)
from lamina.gateway.waf.model import WebAcl

Record = Mapping[str, Any]
StageInput = tuple[Record, Record, Record | None]
"""(stage record in GetStage shape, its deployment's snapshot, its canary deployment's snapshot
or None)."""

_AUTHORIZER_TYPES: dict[str, Literal["TOKEN", "REQUEST", "COGNITO_USER_POOLS", "JWT"]] = {
    "TOKEN": "TOKEN",
    "REQUEST": "REQUEST",
    "COGNITO_USER_POOLS": "COGNITO_USER_POOLS",
    "JWT": "JWT",
}


def compile_rest_api(
    snapshot: Record,
    stages: Sequence[StageInput],
    *,
    region: str,
    account_id: str,
    logical_id: str | None = None,
    web_acls: Mapping[str, WebAcl] | None = None,
) -> RestApi:
    """The data plane's model of one REST API and its stages.

    `logical_id` defaults to the API's id (APIs created through the management API have no
    template logical id). `web_acls` maps web ACL ARNs to the ACLs a stage's `webAclArn` may
    name; without it (there is no AWS WAF management API yet) stages carry no web ACL.
    Each distinct deployment is compiled once.
    """
    api = compile_definition(snapshot, region=region, account_id=account_id, logical_id=logical_id)
    definitions = _Definitions(api, region=region, account_id=account_id)
    built = [_stage(stage, definitions, web_acls or {}) for stage in stages]
    return msgspec.structs.replace(api, stages=tuple(sorted(built, key=lambda stage: stage.name)))


def compile_definition(
    snapshot: Record, *, region: str, account_id: str, logical_id: str | None = None
) -> RestApi:
    """One snapshot's API without stages."""
    rest_api = _mapping(snapshot.get("restApi"), "restApi")
    api_id = _text(rest_api, "id", "restApi")
    try:
        return RestApi(
            id=api_id,
            logical_id=logical_id or api_id,
            name=_text(rest_api, "name", "restApi"),
            resources=_resources(_records(snapshot.get("resources"), "resources")),
            binary_media_types=tuple(
                dict.fromkeys(binary_media_types(rest_api.get("binaryMediaTypes")))
            ),
            authorizers=tuple(
                _authorizer(spec) for spec in _records(snapshot.get("authorizers"), "authorizers")
            ),
            api_key_source="AUTHORIZER"
            if rest_api.get("apiKeySource") == "AUTHORIZER"
            else "HEADER",
            policy=_policy(
                rest_api.get("policy"), f"arn:aws:execute-api:{region}:{account_id}:{api_id}"
            ),
            gateway_responses=_gateway_responses(
                _records(snapshot.get("gatewayResponses"), "gatewayResponses")
            ),
            models=tuple(_model(spec) for spec in _records(snapshot.get("models"), "models")),
            request_validators=tuple(
                _request_validator(spec)
                for spec in _records(snapshot.get("requestValidators"), "requestValidators")
            ),
            **_endpoint_configuration(rest_api.get("endpointConfiguration")),
            disable_execute_api_endpoint=rest_api.get("disableExecuteApiEndpoint") is True,
        )
    except ConfigError as error:
        raise ConfigError(f"REST API {api_id}: {error.detail}") from error


class _Definitions:
    """Compiled deployments by id; a deployment that compiles to the API's own definition is
    that same object, so `own` tells a stage's (or canary's) definition from a shared one."""

    def __init__(self, api: RestApi, *, region: str, account_id: str) -> None:
        self._api = api
        self._region = region
        self._account_id = account_id
        self._by_id: dict[str, RestApi] = {}

    def of(self, deployment_id: str | None, snapshot: Record) -> RestApi:
        if deployment_id is not None and deployment_id in self._by_id:
            return self._by_id[deployment_id]
        compiled = compile_definition(
            snapshot,
            region=self._region,
            account_id=self._account_id,
            logical_id=self._api.logical_id,
        )
        if compiled == self._api:
            compiled = self._api
        if deployment_id is not None:
            self._by_id[deployment_id] = compiled
        return compiled

    def own(self, definition: RestApi, *, unless: RestApi | None = None) -> RestApi | None:
        """`definition`, or None when it is `unless` (by default the API's own)."""
        shared = self._api if unless is None else unless
        return None if definition is shared or definition == shared else definition


def _stage(stage: StageInput, definitions: _Definitions, web_acls: Mapping[str, WebAcl]) -> Stage:
    record, deployed, canary_deployed = stage
    name = _text(record, "stageName", "stage")
    deployment_id = _optional_text(record.get("deploymentId"))
    definition = definitions.of(deployment_id, deployed)
    canary = None
    settings = record.get("canarySettings")
    if isinstance(settings, Mapping):
        # https://docs.aws.amazon.com/apigateway/latest/api/API_CanarySettings.html
        canary_id = _optional_text(settings.get("deploymentId")) or deployment_id or ""
        canary_definition = (
            definition
            if canary_deployed is None
            else definitions.of(canary_id or None, canary_deployed)
        )
        canary = Canary(
            percent_traffic=float(settings.get("percentTraffic") or 0.0),
            deployment_id=canary_id,
            definition=definitions.own(canary_definition, unless=definition),
            variable_overrides=_strings(settings.get("stageVariableOverrides")),
            use_stage_cache=settings.get("useStageCache") is True,
        )
    web_acl_arn = _optional_text(record.get("webAclArn"))
    return Stage(
        name=name,
        variables=_strings(record.get("variables")),
        web_acl=web_acls.get(web_acl_arn) if web_acl_arn else None,
        access_log=_access_log(record.get("accessLogSettings")),
        deployment_id=deployment_id,
        definition=definitions.own(definition),
        canary=canary,
        **record_stage_cache(record),  # config/stage_cache.py
        **record_stage_tracing(record),  # config/stage_tracing.py
        **record_method_logs(record),  # config/stage_logging.py
    )


def _access_log(settings: object) -> AccessLogSetting | None:
    """Both the destination and the format turn access logging on, as in a template."""
    # https://docs.aws.amazon.com/apigateway/latest/api/API_AccessLogSettings.html
    if not isinstance(settings, Mapping):
        return None
    arn = _optional_text(settings.get("destinationArn"))
    log_format = _optional_text(settings.get("format"))
    if not arn or not log_format:
        return None
    return AccessLogSetting(
        destination_arn=arn, log_group=log_group_name(arn)[0], format=log_format
    )


def _resources(records: list[Record]) -> tuple[Resource, ...]:
    paths = _paths(records)
    resources = [
        Resource(
            id=_text(record, "id", "resource"),
            path=paths[_text(record, "id", "resource")],
            methods={
                str(http_method).upper(): _method(
                    str(http_method).upper(), spec, _text(record, "id", "resource")
                )
                for http_method, spec in _mapping(
                    record.get("resourceMethods") or {}, "resourceMethods"
                ).items()
            },
        )
        for record in records
    ]
    return tuple(sorted(resources, key=lambda resource: resource.path))


def _paths(records: list[Record]) -> dict[str, str]:
    """Resource id -> path: the record's `path`, else its parent's path and its pathPart."""
    by_id = {_text(record, "id", "resource"): record for record in records}
    paths: dict[str, str] = {}

    def path_of(resource_id: str, depth: int) -> str:
        if resource_id in paths:
            return paths[resource_id]
        record = by_id.get(resource_id)
        if record is None or depth > len(by_id):
            raise ConfigError(f"resource {resource_id!r} has no path and no parent leading to /")
        path = record.get("path")
        if not isinstance(path, str):
            parent = path_of(_text(record, "parentId", "resource"), depth + 1)
            path = parent.rstrip("/") + "/" + _text(record, "pathPart", "resource")
        paths[resource_id] = path
        return path

    for resource_id in by_id:
        path_of(resource_id, 0)
    return paths


def _method(http_method: str, spec: object, resource_id: str = "") -> Method:
    # https://docs.aws.amazon.com/apigateway/latest/api/API_Method.html
    method = _mapping(spec, f"method {http_method}")
    integration = method.get("methodIntegration")
    keys, namespace = cache_keys(integration) if isinstance(integration, Mapping) else ((), None)
    return Method(
        http_method=http_method,
        integration=None if integration is None else _integration(integration),
        authorization_type=str(method.get("authorizationType") or "NONE").upper(),
        authorizer_id=_optional_text(method.get("authorizerId")),
        authorization_scopes=tuple(str(scope) for scope in method.get("authorizationScopes") or ()),
        api_key_required=method.get("apiKeyRequired") is True,
        cache_key_parameters=keys,
        # The default namespace is the resource's own id (what AWS and render write).
        cache_namespace=None if namespace == resource_id else namespace,
        request_validator_id=_optional_text(method.get("requestValidatorId")),
        request_parameters={
            str(key): value is True
            for key, value in (method.get("requestParameters") or {}).items()
        },
        request_models=_strings(method.get("requestModels")),
        operation_name=_optional_text(method.get("operationName")),
    )


def _model(spec: Record) -> Model:
    """A model record; its schema is JSON text (what CreateModel stores).
    https://docs.aws.amazon.com/apigateway/latest/api/API_Model.html"""
    name = _text(spec, "name", "model")
    raw = spec.get("schema") or "{}"
    try:
        schema = json.loads(raw) if isinstance(raw, str | bytes) else raw
    except json.JSONDecodeError as error:
        raise ConfigError(f"model {name}: schema is not JSON ({error})") from None
    if not isinstance(schema, dict):
        raise ConfigError(f"model {name}: schema must be a JSON object")
    description = spec.get("description")
    return Model(
        name=name,
        schema=schema,
        content_type=str(spec.get("contentType") or "application/json"),
        id=str(spec.get("id") or ""),
        description=description if isinstance(description, str) else None,
    )


def _request_validator(spec: Record) -> RequestValidator:
    # https://docs.aws.amazon.com/apigateway/latest/api/API_RequestValidator.html
    return RequestValidator(
        id=_text(spec, "id", "request validator"),
        name=str(spec.get("name") or ""),
        validate_request_body=spec.get("validateRequestBody") is True,
        validate_request_parameters=spec.get("validateRequestParameters") is True,
    )


def _integration(spec: object) -> Integration:
    """AWS_PROXY or AWS (custom) to a Lambda function, MOCK, or an integration the data plane
    does not run."""
    # https://docs.aws.amazon.com/apigateway/latest/api/API_Integration.html
    integration = _mapping(spec, "methodIntegration")
    kind = str(integration.get("type") or "").upper()
    uri = str(integration.get("uri") or "")
    if kind == "MOCK":
        return build_mock_integration(_cloudformation_mock(integration))
    if kind == "AWS" and is_lambda_uri(uri):
        # A Lambda custom (non-proxy) integration: templates and integration responses as
        # a MOCK's, the function as a proxy's.
        # https://docs.aws.amazon.com/apigateway/latest/developerguide/set-up-lambda-custom-integrations.html
        mapped = build_mock_integration(_cloudformation_mock(integration))
        name, qualifier = lambda_uri_target(uri)
        return LambdaCustomIntegration(
            function_name=name,
            qualifier=qualifier,
            timeout_ms=_number(integration.get("timeoutInMillis"), "timeoutInMillis")
            or REST_DEFAULT_TIMEOUT_MS,
            request_templates=mapped.request_templates,
            passthrough_behavior=mapped.passthrough_behavior,
            content_handling=mapped.content_handling,
            responses=mapped.responses,
            request_parameters=_strings(integration.get("requestParameters")),
            credentials=_optional_text(integration.get("credentials")),
        )
    if kind == "AWS_PROXY" and is_lambda_uri(uri):
        # `${stageVariables.x}` in the function name or qualifier stays as written: the data
        # plane substitutes it per request.
        # https://docs.aws.amazon.com/apigateway/latest/developerguide/stage-variables.html
        name, qualifier = lambda_uri_target(uri)
        return LambdaIntegration(
            function_name=name,
            qualifier=qualifier,
            payload_format="1.0",
            timeout_ms=_number(integration.get("timeoutInMillis"), "timeoutInMillis")
            or REST_DEFAULT_TIMEOUT_MS,
            credentials=_optional_text(integration.get("credentials")),
        )
    if kind in ("HTTP", "HTTP_PROXY") and uri:
        # https://docs.aws.amazon.com/apigateway/latest/developerguide/setup-http-integrations.html
        mapped = build_mock_integration(_cloudformation_mock(integration))
        return HttpIntegration(
            type="HTTP" if kind == "HTTP" else "HTTP_PROXY",
            uri=uri,
            http_method=str(integration.get("httpMethod") or "ANY").upper(),
            timeout_ms=_number(integration.get("timeoutInMillis"), "timeoutInMillis")
            or REST_DEFAULT_TIMEOUT_MS,
            request_parameters=_strings(integration.get("requestParameters")),
            request_templates=mapped.request_templates,
            passthrough_behavior=mapped.passthrough_behavior,
            content_handling=mapped.content_handling,
            responses=mapped.responses,
        )
    if kind == "AWS" and ":apigateway:" in uri:
        # https://docs.aws.amazon.com/apigateway/latest/developerguide/integrating-api-with-aws-services-s3.html
        mapped = build_mock_integration(_cloudformation_mock(integration))
        return AwsServiceIntegration(
            uri=uri,
            http_method=str(integration.get("httpMethod") or "POST").upper(),
            credentials=_optional_text(integration.get("credentials")),
            timeout_ms=_number(integration.get("timeoutInMillis"), "timeoutInMillis")
            or REST_DEFAULT_TIMEOUT_MS,
            request_parameters=_strings(integration.get("requestParameters")),
            request_templates=mapped.request_templates,
            passthrough_behavior=mapped.passthrough_behavior,
            content_handling=mapped.content_handling,
            responses=mapped.responses,
        )
    return UnsupportedIntegration(type=kind, uri=uri)


def _cloudformation_mock(integration: Record) -> dict[str, object]:
    """The GetIntegration shape spelled as CloudFormation's Integration property, which
    `build_mock_integration` reads: a list keeps every response, in the snapshot's order."""
    responses = _mapping(integration.get("integrationResponses") or {}, "integrationResponses")
    return {
        "Type": "MOCK",
        "RequestTemplates": integration.get("requestTemplates"),
        "PassthroughBehavior": integration.get("passthroughBehavior"),
        "ContentHandling": integration.get("contentHandling"),
        "IntegrationResponses": [
            {
                "StatusCode": response.get("statusCode", status),
                "SelectionPattern": response.get("selectionPattern"),
                "ResponseParameters": response.get("responseParameters"),
                "ResponseTemplates": response.get("responseTemplates"),
                "ContentHandling": response.get("contentHandling"),
            }
            for status, response in responses.items()
            if isinstance(response, Mapping)
        ],
    }


def _authorizer(spec: Record) -> Authorizer:
    # https://docs.aws.amazon.com/apigateway/latest/api/API_Authorizer.html
    authorizer_id = _text(spec, "id", "authorizer")
    kind = _AUTHORIZER_TYPES.get(str(spec.get("type") or "").upper())
    if kind is None:
        raise ConfigError(
            f"authorizer {authorizer_id}: type {spec.get('type')!r} is not TOKEN, REQUEST, "
            "COGNITO_USER_POOLS or JWT"
        )
    if kind == "JWT":
        return _jwt_authorizer(authorizer_id, spec)
    function_name = qualifier = None
    uri = _optional_text(spec.get("authorizerUri"))
    if kind != "COGNITO_USER_POOLS" and uri:
        function_name, qualifier = lambda_uri_target(uri)
    # identitySource is one comma-separated string in the REST API.
    sources = tuple(
        part.strip() for part in str(spec.get("identitySource") or "").split(",") if part.strip()
    )
    if kind == "COGNITO_USER_POOLS" and not sources:
        sources = (REST_DEFAULT_IDENTITY,)
    ttl = _number(spec.get("authorizerResultTtlInSeconds"), "authorizerResultTtlInSeconds")
    return Authorizer(
        id=authorizer_id,
        name=str(spec.get("name") or authorizer_id),
        type=kind,
        function_name=function_name,
        qualifier=qualifier,
        identity_sources=sources,
        identity_validation_expression=_optional_text(spec.get("identityValidationExpression")),
        result_ttl_seconds=DEFAULT_TTL if ttl is None else ttl,
        provider_arns=tuple(str(arn) for arn in spec.get("providerARNs") or ()),
        credentials=_optional_text(spec.get("authorizerCredentials")),
    )


def _jwt_authorizer(authorizer_id: str, spec: Record) -> Authorizer:
    """A JWT authorizer's record: its one header and its jwtConfiguration (no cache)."""
    sources = tuple(
        part.strip() for part in str(spec.get("identitySource") or "").split(",") if part.strip()
    )
    try:
        issuers, algorithms = jwt_configuration(sources, spec.get("jwtConfiguration"))
    except ConfigError as error:
        raise ConfigError(f"authorizer {authorizer_id}: {error.detail}") from None
    return Authorizer(
        id=authorizer_id,
        name=str(spec.get("name") or authorizer_id),
        type="JWT",
        identity_sources=sources,
        result_ttl_seconds=0,
        jwt_issuers=issuers,
        jwt_algorithms=algorithms,
    )


def _gateway_responses(records: list[Record]) -> tuple[GatewayResponseSetting, ...]:
    """The responses the user put, by type (AWS's defaults are the data plane's own)."""
    # https://docs.aws.amazon.com/apigateway/latest/api/API_GatewayResponse.html
    found = {}
    for record in records:
        if record.get("defaultResponse") is True:
            continue
        response_type = _text(record, "responseType", "gateway response")
        found[response_type] = GatewayResponseSetting(
            response_type=response_type,
            status_code=_number(record.get("statusCode"), "statusCode"),
            response_parameters=_strings(record.get("responseParameters")),
            response_templates=_strings(record.get("responseTemplates")),
        )
    return tuple(found[name] for name in sorted(found))


def _endpoint_configuration(raw: object) -> dict[str, Any]:
    """`private` and `vpc_endpoint_ids` from the RestApi's endpointConfiguration.
    https://docs.aws.amazon.com/apigateway/latest/api/API_EndpointConfiguration.html"""
    if not isinstance(raw, Mapping) or raw.get("types") != ["PRIVATE"]:
        return {}
    ids = raw.get("vpcEndpointIds")
    if not isinstance(ids, list):
        ids = []
    return {"private": True, "vpc_endpoint_ids": tuple(i for i in ids if isinstance(i, str))}


def _policy(raw: object, prefix: str) -> dict[str, Any] | None:
    """The policy document from its JSON text, plain or as AWS returns it (quotes and
    slashes backslash-escaped: `{\\"Version\\":...}`), with `execute-api:/...` resources
    expanded to full ARNs as API Gateway does when it attaches a policy.
    https://docs.aws.amazon.com/apigateway/latest/developerguide/apigateway-resource-policies-create-attach.html
    """
    if raw is None or raw == "":
        return None
    document: object = raw
    # Plain text decodes at once; AWS's escaped text first decodes, as the inside of a JSON
    # string, to plain text (and a JSON string holding the text decodes to the text).
    for _ in range(3):
        if not isinstance(document, str):
            break
        try:
            document = json.loads(document)
        except json.JSONDecodeError:
            try:
                document = json.loads(f'"{document}"', strict=False)
            except json.JSONDecodeError:
                raise ConfigError("the resource policy is not valid JSON") from None
    if not isinstance(document, dict):
        raise ConfigError("the resource policy is not a JSON policy document")
    return expand_resources(document, prefix)


def _mapping(value: object, what: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise ConfigError(f"{what} must be an object")
    return value


def _records(value: object, what: str) -> list[Record]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise ConfigError(f"{what} must be a list")
    return [_mapping(item, what) for item in value]


def _text(record: Record, key: str, what: str) -> str:
    value = record.get(key)
    if not isinstance(value, str) or not value:
        raise ConfigError(f"{what} has no {key}")
    return value


def _number(value: object, what: str) -> int | None:
    if value is None or value == "":
        return None
    try:
        return int(str(value))
    except ValueError:
        raise ConfigError(f"{what} {value!r} is not a number") from None


def _optional_text(value: object) -> str | None:
    return str(value) if value not in (None, "") else None


def _strings(value: object) -> dict[str, str]:
    if not isinstance(value, Mapping):
        return {}
    return {str(key): str(item) for key, item in value.items()}
