"""A template-built `HttpApi` rendered as the AWS-shaped records the apigatewayv2 management
API stores (see lamina/services/apigatewayv2/state.py): a snapshot and its stages' GetStage
records, so template HTTP APIs show up in GetApis / GetRoutes / GetStages, can be changed and
redeployed there, and are served through the same compiler (config/apigatewayv2_compile).

Ids are derived, so the same template renders the same records across restarts: a route and
its integration from the API id and the route key, authorizers keep the template's ids, and
the template's stages serve one deployment whose id names the snapshot's content.

`compile_http_api(render_http_api(api))` gives `api` back for what the data plane reads,
except what the records cannot carry: a template stage gets a deployment id (the template has
none), and a JWT authorizer has no result TTL or payload format (AWS takes those for Lambda
authorizers only; the data plane reads neither for JWT).
"""

from __future__ import annotations

from typing import Any

from lamina.config.access_log import log_group_name
from lamina.config.apigateway_render import content_deployment_id, lambda_invocation_uri
from lamina.config.error import ConfigError
from lamina.config.ids import physical_id
from lamina.gateway.model import (
    AccessLogSetting,
    Authorizer,
    AwsServiceIntegration,
    CorsConfiguration,
    HttpApi,
    HttpIntegration,
    Integration,
    LambdaCustomIntegration,
    LambdaIntegration,
    MockIntegration,
    Route,
    Stage,
)
from lamina.services.apigatewayv2.apis import (
    API_KEY_SELECTION_EXPRESSION,
    ROUTE_SELECTION_EXPRESSION,
)
from lamina.services.apigatewayv2.integrations import DEFAULT_TIMEOUT_MS
from lamina.services.apigatewayv2.routes import INTEGRATION_TARGET
from lamina.services.apigatewayv2.state import CHILD_ID_LENGTH

Data = dict[str, Any]


def render_http_api(api: HttpApi, *, region: str, account_id: str) -> tuple[Data, list[Data]]:
    """(the API's snapshot, its stages' records), every stage on the snapshot's deployment."""
    snapshot = render_definition(api, region=region, account_id=account_id)
    deployment_id = content_deployment_id(api.id, snapshot)
    return snapshot, [_stage(stage, deployment_id, region, account_id) for stage in api.stages]


def render_definition(api: HttpApi, *, region: str, account_id: str) -> Data:
    """One definition's snapshot (its stages are not part of it), records in the template's
    order: what the store lists after they are written, so a deployment of them freezes an
    equal snapshot."""
    routes: list[Data] = []
    integrations: list[Data] = []
    # AWS keeps one route per key; of a template's duplicates the router serves the last.
    for route in {found.route_key: found for found in api.routes}.values():
        route_id = physical_id(api.id, "route", route.route_key, length=CHILD_ID_LENGTH)
        target = None
        if route.integration is not None:
            integration_id = physical_id(
                api.id, "integration", route.route_key, length=CHILD_ID_LENGTH
            )
            integrations.append(_integration(route.integration, integration_id, region, account_id))
            target = INTEGRATION_TARGET + integration_id
        routes.append(_route(route, route_id, target))
    return {
        "api": _api(api),
        "routes": routes,
        "integrations": integrations,
        "authorizers": [_authorizer(found, region, account_id) for found in api.authorizers],
    }


def _api(api: HttpApi) -> Data:
    """The members a deployment freezes, as CreateApi sets them for an HTTP API."""
    # https://docs.aws.amazon.com/apigatewayv2/latest/api-reference/apis-apiid.html
    record: Data = {
        "ApiId": api.id,
        "ApiKeySelectionExpression": API_KEY_SELECTION_EXPRESSION,
        "DisableExecuteApiEndpoint": api.disable_execute_api_endpoint,
        "IpAddressType": "ipv4",
        "Name": api.name,
        "ProtocolType": "HTTP",
        "RouteSelectionExpression": ROUTE_SELECTION_EXPRESSION,
    }
    if api.cors is not None:
        record["CorsConfiguration"] = _cors(api.cors)
    return record


def _cors(cors: CorsConfiguration) -> Data:
    # https://docs.aws.amazon.com/apigatewayv2/latest/api-reference/apis-apiid.html#apis-apiid-model-cors
    record: Data = {"AllowCredentials": cors.allow_credentials}
    for member, values in (
        ("AllowHeaders", cors.allow_headers),
        ("AllowMethods", cors.allow_methods),
        ("AllowOrigins", cors.allow_origins),
        ("ExposeHeaders", cors.expose_headers),
    ):
        if values:
            record[member] = list(values)
    if cors.max_age is not None:
        record["MaxAge"] = cors.max_age
    return record


def _route(route: Route, route_id: str, target: str | None) -> Data:
    # https://docs.aws.amazon.com/apigatewayv2/latest/api-reference/apis-apiid-routes-routeid.html
    record: Data = {
        "ApiKeyRequired": False,
        "AuthorizationType": route.authorization_type,
        "RouteId": route_id,
        "RouteKey": route.route_key,
    }
    if target is not None:
        record["Target"] = target
    if route.authorizer_id is not None:
        record["AuthorizerId"] = route.authorizer_id
    if route.authorization_scopes:
        record["AuthorizationScopes"] = list(route.authorization_scopes)
    return record


def _integration(integration: Integration, integration_id: str, region: str, account: str) -> Data:
    # https://docs.aws.amazon.com/apigatewayv2/latest/api-reference/apis-apiid-integrations-integrationid.html
    record: Data = {
        "ConnectionType": "INTERNET",
        "IntegrationId": integration_id,
        "TimeoutInMillis": DEFAULT_TIMEOUT_MS,
    }
    if isinstance(integration, LambdaIntegration):
        # Lambda is invoked with POST.
        # https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-develop-integrations-lambda.html
        return (
            record
            | {
                "IntegrationMethod": "POST",
                "IntegrationType": "AWS_PROXY",
                "IntegrationUri": lambda_invocation_uri(
                    integration.function_name, integration.qualifier, region, account
                ),
                "PayloadFormatVersion": integration.payload_format,
                "TimeoutInMillis": integration.timeout_ms,
            }
            | ({"CredentialsArn": integration.credentials} if integration.credentials else {})
            | _parameter_mapping(integration.request_parameters, integration.response_parameters)
        )
    if isinstance(integration, HttpIntegration):
        # "1.0 is the only supported value" of PayloadFormatVersion for HTTP_PROXY.
        # https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-develop-integrations-http.html
        return (
            record
            | {
                "IntegrationMethod": integration.http_method,
                "IntegrationType": integration.type,
                "IntegrationUri": integration.uri,
                "PayloadFormatVersion": "1.0",
                "TimeoutInMillis": integration.timeout_ms,
            }
            | _parameter_mapping(integration.request_parameters, integration.response_parameters)
        )
    if isinstance(integration, MockIntegration | LambdaCustomIntegration | AwsServiceIntegration):
        raise ConfigError(
            f"integration {integration_id}: MOCK, Lambda custom and AWS service integrations "
            "are REST API ones"
        )
    record["IntegrationType"] = integration.type
    if integration.uri:
        record["IntegrationUri"] = integration.uri
    return record


def _parameter_mapping(request: dict[str, str], response: dict[str, dict[str, str]]) -> Data:
    """RequestParameters / ResponseParameters, present only when set (as AWS returns them)."""
    record: Data = {}
    if request:
        record["RequestParameters"] = dict(request)
    if response:
        record["ResponseParameters"] = {status: dict(m) for status, m in response.items()}
    return record


def _authorizer(authorizer: Authorizer, region: str, account: str) -> Data:
    """JWT authorizers take an issuer and audience; REQUEST (Lambda) ones a function, payload
    format, simple responses and a result TTL, which AWS supports for Lambda ones only."""
    # https://docs.aws.amazon.com/apigatewayv2/latest/api-reference/apis-apiid-authorizers-authorizerid.html
    record: Data = {
        "AuthorizerId": authorizer.id,
        "AuthorizerType": authorizer.type,
        "Name": authorizer.name,
    }
    if authorizer.identity_sources:
        record["IdentitySource"] = list(authorizer.identity_sources)
    if authorizer.type == "JWT":
        jwt: Data = {"Audience": list(authorizer.audience)}
        if authorizer.issuer is not None:
            jwt["Issuer"] = authorizer.issuer
        record["JwtConfiguration"] = jwt
        return record
    if authorizer.type != "REQUEST" or authorizer.function_name is None:
        raise ConfigError(
            f"authorizer {authorizer.id}: HTTP APIs take JWT and REQUEST (Lambda) authorizers"
        )
    record |= {
        "AuthorizerPayloadFormatVersion": authorizer.payload_format,
        "AuthorizerResultTtlInSeconds": authorizer.result_ttl_seconds,
        "AuthorizerUri": lambda_invocation_uri(
            authorizer.function_name, authorizer.qualifier, region, account
        ),
        "EnableSimpleResponses": authorizer.simple_responses,
    }
    if authorizer.credentials is not None:
        record["AuthorizerCredentialsArn"] = authorizer.credentials
    return record


def _stage(stage: Stage, deployment_id: str, region: str, account: str) -> Data:
    """The stage as CreateStage records it, serving the template's deployment. The model
    carries no AutoDeploy: a template's stages change when the template does (or through
    CreateDeployment / UpdateStage)."""
    # https://docs.aws.amazon.com/apigatewayv2/latest/api-reference/apis-apiid-stages-stagename.html
    if stage.definition is not None or stage.canary is not None or stage.deployment_id:
        raise ConfigError(
            f"stage {stage.name}: a template stage serves the template (no deployment of its "
            "own, and HTTP API stages have no canary)"
        )
    record: Data = {
        "AutoDeploy": False,
        "DefaultRouteSettings": {"DetailedMetricsEnabled": False},
        "DeploymentId": deployment_id,
        "RouteSettings": {},
        "StageName": stage.name,
        "StageVariables": dict(stage.variables),
    }
    if stage.access_log is not None:
        record["AccessLogSettings"] = _access_log(stage.access_log, region, account)
    return record


def _access_log(setting: AccessLogSetting, region: str, account: str) -> Data:
    """The destination as written, unless it names the group only through the template
    (`!Ref Group`): then the group's own ARN, which names the same group."""
    arn = setting.destination_arn
    if log_group_name(arn)[0] != setting.log_group:
        arn = f"arn:aws:logs:{region}:{account}:log-group:{setting.log_group}"
    return {"DestinationArn": arn, "Format": setting.format}
