"""A template-built `RestApi` rendered as the AWS-shaped records the management API stores:
a snapshot (see apigateway_compile) and its stages' GetStage records, so template APIs show up
in GetRestApis / GetResources / GetStages and can be redeployed through the same compiler.

`compile_rest_api(render_rest_api(api))` gives `api` back, except for what a snapshot cannot
carry: a template stage gets a deployment id (the template has none), and a stage's web ACL
comes back only when its ARN is passed to the compiler.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from typing import Any

from lamina.config.access_log import log_group_name
from lamina.config.ids import physical_id
from lamina.config.reference import root_resource_id
from lamina.config.stage_cache import render_stage_cache
from lamina.config.stage_logging import method_setting_key, render_method_logs
from lamina.gateway.limits.model import StageThrottle
from lamina.gateway.model import (
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
    MockIntegration,
    Model,
    RequestValidator,
    Resource,
    RestApi,
    Stage,
)

# Deployment ids are 6 lowercase alphanumerics, as GetDeployments shows them.
DEPLOYMENT_ID_LENGTH = 6
_RESOURCE_ID_LENGTH = 6


def render_rest_api(
    api: RestApi,
    *,
    region: str,
    account_id: str,
    throttles: Iterable[StageThrottle] = (),
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """(the API's snapshot, its stages' records). `throttles` are the stages' throttling
    MethodSettings (the application's access limits hold them, not the Stage model).

    A stage without a deployment id (a template's) serves the snapshot, under a deployment
    id derived from the API id and the snapshot's content: the same template gives the same
    id across restarts, a changed one a new id. A stage with its own definition or canary
    keeps its deployment ids; `render_definition` renders those deployments' snapshots.
    """
    snapshot = render_definition(api, region=region, account_id=account_id)
    deployment_id = content_deployment_id(api.id, snapshot)
    limits = {throttle.stage: throttle for throttle in throttles if throttle.api_id == api.id}
    return snapshot, [
        _stage(stage, deployment_id, region, account_id, limits.get(stage.name))
        for stage in api.stages
    ]


def render_definition(api: RestApi, *, region: str, account_id: str) -> dict[str, Any]:
    """One definition's snapshot (its stages are not part of it)."""
    return {
        "restApi": _rest_api(api),
        "resources": _resources(api, region, account_id),
        "authorizers": [_authorizer(found, region, account_id) for found in api.authorizers],
        "gatewayResponses": [_gateway_response(found) for found in api.gateway_responses],
        "models": [_model(api.id, model) for model in api.models],
        "requestValidators": [_request_validator(found) for found in api.request_validators],
    }


def content_deployment_id(api_id: str, snapshot: dict[str, Any]) -> str:
    """A deployment id that names what the snapshot holds."""
    digest = hashlib.sha256(json.dumps(snapshot, sort_keys=True).encode()).hexdigest()
    return physical_id(api_id, "deployment", digest, length=DEPLOYMENT_ID_LENGTH)


def lambda_invocation_uri(
    function_name: str, qualifier: str | None, region: str, account: str
) -> str:
    """The integration / authorizer URI API Gateway invokes a Lambda function through.
    https://docs.aws.amazon.com/apigateway/latest/developerguide/set-up-lambda-proxy-integrations.html
    """
    arn = f"arn:aws:lambda:{region}:{account}:function:{function_name}"
    if qualifier:
        arn += f":{qualifier}"
    return f"arn:aws:apigateway:{region}:lambda:path/2015-03-31/functions/{arn}/invocations"


def _rest_api(api: RestApi) -> dict[str, Any]:
    # https://docs.aws.amazon.com/apigateway/latest/api/API_RestApi.html
    record: dict[str, Any] = {
        "id": api.id,
        "name": api.name,
        "rootResourceId": _root_id(api),
        "apiKeySource": api.api_key_source,
        # CloudFormation's and CreateRestApi's default endpoint type.
        "endpointConfiguration": {"types": ["EDGE"]},
        "disableExecuteApiEndpoint": api.disable_execute_api_endpoint,
    }
    if api.private:
        record["endpointConfiguration"] = {"types": ["PRIVATE"]}
        if api.vpc_endpoint_ids:
            record["endpointConfiguration"]["vpcEndpointIds"] = list(api.vpc_endpoint_ids)
    if api.binary_media_types:
        record["binaryMediaTypes"] = list(api.binary_media_types)
    if api.policy is not None:
        record["policy"] = _aws_policy_text(api.policy)
    return record


def _aws_policy_text(document: dict[str, Any]) -> str:
    """The policy as GetRestApi returns it: compact JSON with quotes and slashes escaped
    (`{\\"Version\\":\\"2012-10-17\\",...\\"arn:...:abc\\/*\\"}`)."""
    compact = json.dumps(document, separators=(",", ":"))
    return json.dumps(compact)[1:-1].replace("/", "\\/")


def _root_id(api: RestApi) -> str:
    for resource in api.resources:
        if resource.path == "/":
            return resource.id
    return root_resource_id(api.id)


def _resources(api: RestApi, region: str, account_id: str) -> list[dict[str, Any]]:
    """Every resource with its parentId; a missing ancestor is added (AWS has no resource
    without a parent), with the id a template would give it."""
    by_path = {resource.path: resource for resource in api.resources}
    for path in list(by_path):
        for ancestor in _ancestors(path):
            if ancestor not in by_path:
                by_path[ancestor] = Resource(
                    id=_root_id(api)
                    if ancestor == "/"
                    else physical_id(api.id, ancestor, length=_RESOURCE_ID_LENGTH),
                    path=ancestor,
                )
    return [_resource(by_path[path], by_path, region, account_id) for path in sorted(by_path)]


def _ancestors(path: str) -> list[str]:
    parts = [part for part in path.split("/") if part]
    return ["/" + "/".join(parts[:depth]) for depth in range(len(parts))]


def _resource(
    resource: Resource, by_path: dict[str, Resource], region: str, account_id: str
) -> dict[str, Any]:
    # https://docs.aws.amazon.com/apigateway/latest/api/API_Resource.html
    record: dict[str, Any] = {"id": resource.id, "path": resource.path}
    if resource.path != "/":
        parent, _, part = resource.path.rpartition("/")
        record["parentId"] = by_path[parent or "/"].id
        record["pathPart"] = part
    if resource.methods:
        record["resourceMethods"] = {
            http_method: _method(method, resource.id, region, account_id)
            for http_method, method in resource.methods.items()
        }
    return record


def _method(method: Method, resource_id: str, region: str, account_id: str) -> dict[str, Any]:
    # https://docs.aws.amazon.com/apigateway/latest/api/API_Method.html
    record: dict[str, Any] = {
        "httpMethod": method.http_method,
        "authorizationType": method.authorization_type,
        "apiKeyRequired": method.api_key_required,
    }
    if method.authorizer_id is not None:
        record["authorizerId"] = method.authorizer_id
    if method.authorization_scopes:
        record["authorizationScopes"] = list(method.authorization_scopes)
    if method.request_validator_id is not None:
        record["requestValidatorId"] = method.request_validator_id
    if method.request_parameters:
        record["requestParameters"] = dict(method.request_parameters)
    if method.request_models:
        record["requestModels"] = dict(method.request_models)
    if method.operation_name is not None:
        record["operationName"] = method.operation_name
    if method.integration is not None:
        record["methodIntegration"] = _integration(
            method.integration, method.http_method, resource_id, region, account_id
        )
        record["methodIntegration"]["cacheKeyParameters"] = list(method.cache_key_parameters)
        if method.cache_namespace is not None:
            record["methodIntegration"]["cacheNamespace"] = method.cache_namespace
        if (
            isinstance(
                method.integration,
                MockIntegration | LambdaCustomIntegration | HttpIntegration | AwsServiceIntegration,
            )
            and method.integration.responses
        ):
            record["methodResponses"] = _method_responses(method.integration)
    return record


def _integration(
    integration: Integration, http_method: str, resource_id: str, region: str, account_id: str
) -> dict[str, Any]:
    # https://docs.aws.amazon.com/apigateway/latest/api/API_Integration.html
    record: dict[str, Any] = {
        "passthroughBehavior": "WHEN_NO_MATCH",
        "timeoutInMillis": 29_000,
        "cacheNamespace": resource_id,
        "cacheKeyParameters": [],
    }
    if isinstance(integration, LambdaIntegration):
        record |= {
            "type": "AWS_PROXY",
            "httpMethod": "POST",
            "uri": lambda_invocation_uri(
                integration.function_name, integration.qualifier, region, account_id
            ),
            "timeoutInMillis": integration.timeout_ms,
        }
        if integration.credentials is not None:
            record["credentials"] = integration.credentials
    elif isinstance(integration, LambdaCustomIntegration):
        # https://docs.aws.amazon.com/apigateway/latest/developerguide/set-up-lambda-custom-integrations.html
        record |= {
            "type": "AWS",
            "httpMethod": "POST",
            "uri": lambda_invocation_uri(
                integration.function_name, integration.qualifier, region, account_id
            ),
            "timeoutInMillis": integration.timeout_ms,
            "passthroughBehavior": integration.passthrough_behavior,
        }
        if integration.credentials is not None:
            record["credentials"] = integration.credentials
        if integration.request_parameters:
            record["requestParameters"] = dict(integration.request_parameters)
        _put_templates_and_responses(record, integration)
    elif isinstance(integration, HttpIntegration):
        # https://docs.aws.amazon.com/apigateway/latest/developerguide/setup-http-integrations.html
        record |= {
            "type": integration.type,
            "httpMethod": integration.http_method,
            "uri": integration.uri,
            "timeoutInMillis": integration.timeout_ms,
            "passthroughBehavior": integration.passthrough_behavior,
        }
        if integration.request_parameters:
            record["requestParameters"] = dict(integration.request_parameters)
        _put_templates_and_responses(record, integration)
    elif isinstance(integration, AwsServiceIntegration):
        # https://docs.aws.amazon.com/apigateway/latest/developerguide/integrating-api-with-aws-services-s3.html
        record |= {
            "type": "AWS",
            "httpMethod": integration.http_method,
            "uri": integration.uri,
            "timeoutInMillis": integration.timeout_ms,
            "passthroughBehavior": integration.passthrough_behavior,
        }
        if integration.credentials is not None:
            record["credentials"] = integration.credentials
        if integration.request_parameters:
            record["requestParameters"] = dict(integration.request_parameters)
        _put_templates_and_responses(record, integration)
    elif isinstance(integration, MockIntegration):
        record |= {"type": "MOCK", "passthroughBehavior": integration.passthrough_behavior}
        _put_templates_and_responses(record, integration)
    else:
        # The model keeps no integration HTTP method: a Lambda (AWS) integration is always
        # invoked with POST; an HTTP one is shown with the method's own.
        record |= {
            "type": integration.type,
            "httpMethod": _backend_method(integration.type, http_method),
        }
        if integration.uri:
            record["uri"] = integration.uri
    handling = getattr(integration, "content_handling", None)
    if handling is not None:  # non-proxy integrations' contentHandling
        record["contentHandling"] = handling
    return record


def _put_templates_and_responses(
    record: dict[str, Any],
    integration: MockIntegration
    | LambdaCustomIntegration
    | HttpIntegration
    | AwsServiceIntegration,
) -> None:
    """A non-proxy integration's requestTemplates and integrationResponses, when it has any."""
    if integration.request_templates:
        record["requestTemplates"] = dict(integration.request_templates)
    if integration.responses:
        record["integrationResponses"] = _integration_responses(integration)


def _backend_method(kind: str, http_method: str) -> str:
    return "POST" if kind in ("AWS", "AWS_PROXY") else http_method


def _integration_responses(
    integration: MockIntegration
    | LambdaCustomIntegration
    | HttpIntegration
    | AwsServiceIntegration,
) -> dict[str, dict[str, Any]]:
    """Keyed by status code, as AWS keys them: of two responses with one status code (which
    an OpenAPI body keyed by selection pattern can declare) the first is kept."""
    # https://docs.aws.amazon.com/apigateway/latest/api/API_IntegrationResponse.html
    found: dict[str, dict[str, Any]] = {}
    for response in integration.responses:
        record: dict[str, Any] = {"statusCode": response.status_code}
        if response.selection_pattern is not None:
            record["selectionPattern"] = response.selection_pattern
        if response.response_parameters:
            record["responseParameters"] = dict(response.response_parameters)
        if response.response_templates:
            record["responseTemplates"] = dict(response.response_templates)
        if response.content_handling is not None:
            record["contentHandling"] = response.content_handling
        found.setdefault(response.status_code, record)
    return found


def _method_responses(
    integration: MockIntegration
    | LambdaCustomIntegration
    | HttpIntegration
    | AwsServiceIntegration,
) -> dict[str, dict[str, Any]]:
    """The method responses the integration responses map to, declaring the headers they set
    (AWS refuses an integration response without its method response)."""
    # https://docs.aws.amazon.com/apigateway/latest/api/API_MethodResponse.html
    found: dict[str, dict[str, Any]] = {}
    for response in integration.responses:
        record = found.setdefault(response.status_code, {"statusCode": response.status_code})
        headers = [name for name in response.response_parameters if name.startswith("method.")]
        if headers:
            record.setdefault("responseParameters", {}).update(dict.fromkeys(headers, False))
    return found


def _authorizer(authorizer: Authorizer, region: str, account_id: str) -> dict[str, Any]:
    # https://docs.aws.amazon.com/apigateway/latest/api/API_Authorizer.html
    record: dict[str, Any] = {
        "id": authorizer.id,
        "name": authorizer.name,
        "type": authorizer.type,
        "authType": _AUTH_TYPES.get(authorizer.type, "custom"),
        "authorizerResultTtlInSeconds": authorizer.result_ttl_seconds,
    }
    if authorizer.type == "JWT":
        # "This property is not supported for JWT authorizers" (authorizerResultTtlInSeconds).
        del record["authorizerResultTtlInSeconds"]
        record["jwtConfiguration"] = _jwt_configuration(authorizer)
    if authorizer.function_name is not None:
        record["authorizerUri"] = lambda_invocation_uri(
            authorizer.function_name, authorizer.qualifier, region, account_id
        )
    if authorizer.identity_sources:
        record["identitySource"] = ",".join(authorizer.identity_sources)
    if authorizer.identity_validation_expression is not None:
        record["identityValidationExpression"] = authorizer.identity_validation_expression
    if authorizer.provider_arns:
        record["providerARNs"] = list(authorizer.provider_arns)
    if authorizer.credentials is not None:
        record["authorizerCredentials"] = authorizer.credentials
    return record


_AUTH_TYPES = {"COGNITO_USER_POOLS": "cognito_user_pools", "JWT": "jwt"}


def _jwt_configuration(authorizer: Authorizer) -> dict[str, Any]:
    """The JwtConfiguration shape GetAuthorizer returns (botocore's apigateway model)."""
    issuers = []
    for issuer in authorizer.jwt_issuers:
        record: dict[str, Any] = {"issuer": issuer.issuer, "audiences": list(issuer.audiences)}
        if issuer.additional_claims:
            record["additionalClaims"] = [
                {
                    "claimName": rule.name,
                    "format": "SINGLE_STRING",
                    "required": rule.required,
                    **(
                        {"expectedValues": list(rule.expected_values)}
                        if rule.expected_values
                        else {}
                    ),
                }
                for rule in issuer.additional_claims
            ]
        issuers.append(record)
    return {"issuers": issuers, "defaultAlgorithms": list(authorizer.jwt_algorithms)}


def _model(api_id: str, model: Model) -> dict[str, Any]:
    # https://docs.aws.amazon.com/apigateway/latest/api/API_Model.html (schema is a string)
    record: dict[str, Any] = {
        "id": model.id or physical_id(api_id, "model", model.name, length=6),
        "name": model.name,
        "contentType": model.content_type,
        "schema": json.dumps(model.schema),
    }
    if model.description is not None:
        record["description"] = model.description
    return record


def _request_validator(validator: RequestValidator) -> dict[str, Any]:
    # https://docs.aws.amazon.com/apigateway/latest/api/API_RequestValidator.html
    return {
        "id": validator.id,
        "name": validator.name,
        "validateRequestBody": validator.validate_request_body,
        "validateRequestParameters": validator.validate_request_parameters,
    }


def _gateway_response(response: GatewayResponseSetting) -> dict[str, Any]:
    # https://docs.aws.amazon.com/apigateway/latest/api/API_GatewayResponse.html
    record: dict[str, Any] = {
        "responseType": response.response_type,
        "responseParameters": dict(response.response_parameters),
        "responseTemplates": dict(response.response_templates),
        "defaultResponse": False,
    }
    if response.status_code is not None:
        record["statusCode"] = str(response.status_code)
    return record


def _stage(
    stage: Stage,
    template_deployment_id: str,
    region: str,
    account_id: str,
    throttle: StageThrottle | None,
) -> dict[str, Any]:
    # https://docs.aws.amazon.com/apigateway/latest/api/API_Stage.html
    record: dict[str, Any] = {
        "stageName": stage.name,
        "deploymentId": stage.deployment_id or template_deployment_id,
        "variables": dict(stage.variables),
        "methodSettings": {},
        "cacheClusterEnabled": False,
        "cacheClusterStatus": "NOT_AVAILABLE",
        "tracingEnabled": stage.tracing_enabled,
    }
    record.update(render_stage_cache(stage))  # config/stage_cache.py
    record["methodSettings"] = _method_settings(record["methodSettings"], stage, throttle)
    if stage.access_log is not None:
        record["accessLogSettings"] = _access_log(stage.access_log, region, account_id)
    if stage.canary is not None:
        record["canarySettings"] = _canary(stage.canary)
    if stage.web_acl is not None:
        record["webAclArn"] = stage.web_acl.arn
    return record


def _method_settings(
    cached: dict[str, dict[str, Any]], stage: Stage, throttle: StageThrottle | None
) -> dict[str, dict[str, Any]]:
    """One entry per `{resourcePath}/{httpMethod}` key with the MethodSetting fields the
    template set: caching (`cached`), logging and metrics, throttling.
    https://docs.aws.amazon.com/apigateway/latest/api/API_MethodSetting.html
    """
    merged = {key: dict(entry) for key, entry in cached.items()}
    for key, entry in render_method_logs(stage).items():  # config/stage_logging.py
        merged.setdefault(key, {}).update(entry)
    for setting in throttle.settings if throttle is not None else ():
        key = method_setting_key(setting.resource_path, setting.http_method)
        entry = merged.setdefault(key, {})
        if setting.throttle.burst >= 0:  # negative: not set (limits/model.py Throttle)
            entry["throttlingBurstLimit"] = setting.throttle.burst
        if setting.throttle.rate >= 0:
            entry["throttlingRateLimit"] = setting.throttle.rate
    stage_wide = cached.get("*/*")
    if stage_wide is not None:
        for key, entry in merged.items():
            if "cachingEnabled" not in entry:
                entry.update(_inherited_caching(stage_wide, key))
    return merged


def _inherited_caching(stage_wide: dict[str, Any], key: str) -> dict[str, Any]:
    """The caching fields of an entry that sets none: what its method is served with, the
    stage-wide (`*/*`) entry's, which caches GET only ("When you enable caching for a
    stage, only GET methods have caching enabled by default"). An entry of a record decides
    caching for its method (gateway/cache/policy.py), so without them the method would lose
    the caching the template gives it. [choice: whether AWS copies them is not documented]
    https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-caching.html
    """
    inherited = dict(stage_wide)
    inherited["cachingEnabled"] = bool(stage_wide.get("cachingEnabled")) and key.endswith("/GET")
    return inherited


def _access_log(setting: AccessLogSetting, region: str, account_id: str) -> dict[str, str]:
    """The destination as written, unless it names the group only through the template
    (`!Ref Group`): then the group's own ARN, which names the same group."""
    arn = setting.destination_arn
    if log_group_name(arn)[0] != setting.log_group:
        arn = f"arn:aws:logs:{region}:{account_id}:log-group:{setting.log_group}"
    return {"format": setting.format, "destinationArn": arn}


def _canary(canary: Canary) -> dict[str, Any]:
    # https://docs.aws.amazon.com/apigateway/latest/api/API_CanarySettings.html
    return {
        "percentTraffic": canary.percent_traffic,
        "deploymentId": canary.deployment_id,
        "stageVariableOverrides": dict(canary.variable_overrides),
        "useStageCache": canary.use_stage_cache,
    }
