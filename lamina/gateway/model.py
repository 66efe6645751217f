"""API Gateway's resource model, as the data plane serves it.

REST APIs (v1): RestApi / Resource / Method / Integration / Stage.
HTTP APIs (v2): Api / Route / Integration / Stage.
Built by lamina.config from templates; frozen so a deployment can be swapped atomically.
"""

from __future__ import annotations

from typing import Any, Literal

import msgspec

from lamina.gateway.waf.model import WebAcl

# REST API default integration timeout is 29 s; HTTP APIs allow at most 30 s.
# https://docs.aws.amazon.com/apigateway/latest/developerguide/limits.html
REST_DEFAULT_TIMEOUT_MS = 29_000
HTTP_MAX_TIMEOUT_MS = 30_000


CALLER_CREDENTIALS = "arn:aws:iam::*:user/*"
"""Integration credentials that pass the caller's own (AWS_IAM) identity through.
https://docs.aws.amazon.com/apigateway/latest/api/API_Integration.html"""


class LambdaIntegration(msgspec.Struct, frozen=True, kw_only=True):
    """A Lambda proxy integration (AWS_PROXY)."""

    function_name: str
    """Physical name of the target function (resolved from the integration URI)."""
    qualifier: str | None = None
    """Version or alias when the URI names one (function:name:alias)."""
    payload_format: Literal["1.0", "2.0"] = "1.0"
    timeout_ms: int = REST_DEFAULT_TIMEOUT_MS
    request_parameters: dict[str, str] = msgspec.field(default_factory=dict)
    """HTTP APIs' parameter mapping (`overwrite:header.x` -> `$request.header.y`, ...)."""
    response_parameters: dict[str, dict[str, str]] = msgspec.field(default_factory=dict)
    """HTTP APIs: status code -> {`overwrite:statuscode` / `append:header.x` ...: value}."""
    credentials: str | None = None
    """The role API Gateway assumes to invoke the function (REST credentials, HTTP APIs
    credentialsArn), or CALLER_CREDENTIALS; None: the function's resource policy decides."""


class UnsupportedIntegration(msgspec.Struct, frozen=True, kw_only=True):
    """An integration type this build does not run yet (answered with a clear 500)."""

    type: str
    uri: str = ""


class IntegrationResponse(msgspec.Struct, frozen=True, kw_only=True):
    """One integration response of a non-proxy integration (REST): chosen by matching
    `selection_pattern` against the integration's status code; None is the default one.
    https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-swagger-extensions-integration-response.html
    """

    selection_pattern: str | None = None
    status_code: str = "200"
    """The method response status sent to the client."""
    response_parameters: dict[str, str] = msgspec.field(default_factory=dict)
    """`method.response.header.X` -> a 'literal' or a source such as
    `integration.response.header.Y` / `method.request.header.Y`."""
    response_templates: dict[str, str] = msgspec.field(default_factory=dict)
    """Media type -> body mapping template."""
    content_handling: Literal["CONVERT_TO_BINARY", "CONVERT_TO_TEXT"] | None = None
    """contentHandling (integrations/content_handling.py); None: no conversion."""


class MockIntegration(msgspec.Struct, frozen=True, kw_only=True):
    """A MOCK integration (REST): the gateway answers itself, e.g. SAM `Cors`'s OPTIONS
    methods. https://docs.aws.amazon.com/apigateway/latest/developerguide/how-to-mock-integration.html
    """

    request_templates: dict[str, str] = msgspec.field(default_factory=dict)
    """Media type -> request mapping template; its output's `statusCode` picks the response."""
    passthrough_behavior: Literal["WHEN_NO_MATCH", "WHEN_NO_TEMPLATES", "NEVER"] = "WHEN_NO_MATCH"
    content_handling: Literal["CONVERT_TO_BINARY", "CONVERT_TO_TEXT"] | None = None
    """contentHandling (integrations/content_handling.py); None: no conversion."""
    responses: tuple[IntegrationResponse, ...] = ()


class HttpIntegration(msgspec.Struct, frozen=True, kw_only=True):
    """An HTTP (non-proxy, REST only) or HTTP_PROXY integration to a backend URL.
    https://docs.aws.amazon.com/apigateway/latest/developerguide/setup-http-integrations.html
    https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-develop-integrations-http.html
    """

    type: Literal["HTTP", "HTTP_PROXY"] = "HTTP_PROXY"
    uri: str
    """The backend URL; may hold `{name}` path parameters and `${stageVariables.x}`."""
    http_method: str = "ANY"
    """The method sent to the backend; ANY sends the client's."""
    timeout_ms: int = REST_DEFAULT_TIMEOUT_MS
    request_parameters: dict[str, str] = msgspec.field(default_factory=dict)
    """REST: `integration.request.header.X` / `.querystring.X` / `.path.X` -> a source
    (`method.request.*`, 'literal', `context.x`, `stageVariables.x`). HTTP APIs:
    `overwrite:header.x` / `append:...` / `remove:...` / `overwrite:path` -> a value."""
    request_templates: dict[str, str] = msgspec.field(default_factory=dict)
    """REST HTTP: media type -> request mapping template."""
    passthrough_behavior: Literal["WHEN_NO_MATCH", "WHEN_NO_TEMPLATES", "NEVER"] = "WHEN_NO_MATCH"
    content_handling: Literal["CONVERT_TO_BINARY", "CONVERT_TO_TEXT"] | None = None
    """contentHandling (integrations/content_handling.py); None: no conversion."""
    responses: tuple[IntegrationResponse, ...] = ()
    """REST HTTP: integration responses, selected by the backend's status code."""
    response_parameters: dict[str, dict[str, str]] = msgspec.field(default_factory=dict)
    """HTTP APIs: status code -> {`overwrite:statuscode` / `append:header.x` ...: value}."""


class LambdaCustomIntegration(msgspec.Struct, frozen=True, kw_only=True):
    """A Lambda custom (non-proxy) integration (REST `AWS` type with a Lambda URI): a request
    template builds the event; integration responses, selected by matching `selection_pattern`
    against the function's `errorMessage`, map the result to the method response.
    https://docs.aws.amazon.com/apigateway/latest/developerguide/set-up-lambda-custom-integrations.html
    """

    function_name: str
    """Physical name of the target function (may hold `${stageVariables.x}`)."""
    qualifier: str | None = None
    timeout_ms: int = REST_DEFAULT_TIMEOUT_MS
    request_templates: dict[str, str] = msgspec.field(default_factory=dict)
    """Media type -> request mapping template building the Lambda event."""
    passthrough_behavior: Literal["WHEN_NO_MATCH", "WHEN_NO_TEMPLATES", "NEVER"] = "WHEN_NO_MATCH"
    content_handling: Literal["CONVERT_TO_BINARY", "CONVERT_TO_TEXT"] | None = None
    """contentHandling (integrations/content_handling.py); None: no conversion."""
    responses: tuple[IntegrationResponse, ...] = ()
    request_parameters: dict[str, str] = msgspec.field(default_factory=dict)
    """`integration.request.header.X-Amz-Invocation-Type` <- `'Event'` or a method request
    parameter: Lambda's invocation type (integrations/lambda_custom.py)."""
    credentials: str | None = None
    """As LambdaIntegration.credentials."""


class AwsServiceIntegration(msgspec.Struct, frozen=True, kw_only=True):
    """An AWS service integration (REST `AWS` type whose URI names a service other than
    Lambda): `arn:aws:apigateway:{region}:{service}:path/{path}` or `...:action/{Action}`,
    called with the `credentials` role's permissions; integration responses are selected by
    the service's HTTP status code.
    https://docs.aws.amazon.com/apigateway/latest/developerguide/integration-request-basic-setup.html
    """

    uri: str
    http_method: str = "POST"
    """The method the service is called with (S3's GET / PUT / DELETE, POST for actions)."""
    credentials: str | None = None
    """The execution role's ARN."""
    timeout_ms: int = REST_DEFAULT_TIMEOUT_MS
    request_parameters: dict[str, str] = msgspec.field(default_factory=dict)
    """`integration.request.header.X` / `.querystring.X` / `.path.X` -> a source."""
    request_templates: dict[str, str] = msgspec.field(default_factory=dict)
    passthrough_behavior: Literal["WHEN_NO_MATCH", "WHEN_NO_TEMPLATES", "NEVER"] = "WHEN_NO_MATCH"
    content_handling: Literal["CONVERT_TO_BINARY", "CONVERT_TO_TEXT"] | None = None
    """contentHandling (integrations/content_handling.py); None: no conversion."""
    responses: tuple[IntegrationResponse, ...] = ()


Integration = (
    LambdaIntegration
    | LambdaCustomIntegration
    | MockIntegration
    | HttpIntegration
    | AwsServiceIntegration
    | UnsupportedIntegration
)


class GatewayResponseSetting(msgspec.Struct, frozen=True, kw_only=True):
    """A REST gateway response the user configured (AWS::ApiGateway::GatewayResponse,
    x-amazon-apigateway-gateway-responses, SAM `GatewayResponses`).
    https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-gatewayResponse-definition.html
    """

    response_type: str
    """DEFAULT_4XX, DEFAULT_5XX, UNAUTHORIZED, MISSING_AUTHENTICATION_TOKEN, ..."""
    status_code: int | None = None
    response_parameters: dict[str, str] = msgspec.field(default_factory=dict)
    """`gatewayresponse.header.X` -> a 'literal', `method.request.header.Y`, ..."""
    response_templates: dict[str, str] = msgspec.field(default_factory=dict)


class CorsConfiguration(msgspec.Struct, frozen=True, kw_only=True):
    """An HTTP API's CORS configuration, applied by the gateway itself.
    https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-cors.html
    """

    allow_origins: tuple[str, ...] = ()
    allow_methods: tuple[str, ...] = ()
    allow_headers: tuple[str, ...] = ()
    expose_headers: tuple[str, ...] = ()
    max_age: int | None = None
    allow_credentials: bool = False


class JwtClaimRule(msgspec.Struct, frozen=True, kw_only=True):
    """REST JWT authorizers: one of an issuer's `additionalClaims` (format SINGLE_STRING).
    https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-properties-apigateway-authorizer-jwtadditionalclaim.html
    """

    name: str
    required: bool = False
    expected_values: tuple[str, ...] = ()


class JwtIssuer(msgspec.Struct, frozen=True, kw_only=True):
    """REST JWT authorizers: a trusted issuer, its audiences and claim rules.
    https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-properties-apigateway-authorizer-jwtissuer.html
    """

    issuer: str
    audiences: tuple[str, ...]
    additional_claims: tuple[JwtClaimRule, ...] = ()


class Authorizer(msgspec.Struct, frozen=True, kw_only=True):
    """An API's authorizer (REST: AWS::ApiGateway::Authorizer or
    x-amazon-apigateway-authorizer; HTTP: AWS::ApiGatewayV2::Authorizer).

    https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-swagger-extensions-authorizer.html
    """

    id: str
    name: str
    type: Literal["TOKEN", "REQUEST", "COGNITO_USER_POOLS", "JWT"]
    function_name: str | None = None
    """Lambda authorizers: the physical name of the function (from authorizerUri)."""
    qualifier: str | None = None
    identity_sources: tuple[str, ...] = ()
    """As written: `method.request.header.Authorization` (REST),
    `$request.header.Authorization` (HTTP)."""
    identity_validation_expression: str | None = None
    """TOKEN authorizers: a regex the token must match before the function is called."""
    result_ttl_seconds: int = 300
    payload_format: Literal["1.0", "2.0"] = "1.0"
    """HTTP API Lambda authorizers: authorizerPayloadFormatVersion."""
    simple_responses: bool = False
    """HTTP API Lambda authorizers, payload 2.0: `{"isAuthorized": bool, "context": {}}`."""
    provider_arns: tuple[str, ...] = ()
    """COGNITO_USER_POOLS: the user pool ARNs whose tokens are accepted."""
    issuer: str | None = None
    """JWT: the `iss` tokens must carry."""
    audience: tuple[str, ...] = ()
    """JWT: accepted `aud` (ID tokens) / `client_id` (access tokens) values."""
    credentials: str | None = None
    """Lambda authorizers: the IAM role API Gateway assumes to invoke the function
    (authorizerCredentials); None: the function's resource policy must allow it."""
    jwt_issuers: tuple[JwtIssuer, ...] = ()
    """REST JWT authorizers: jwtConfiguration.issuers (the token's `iss` picks one)."""
    jwt_algorithms: tuple[str, ...] = ()
    """REST JWT authorizers: jwtConfiguration.defaultAlgorithms, for every issuer."""


class Model(msgspec.Struct, frozen=True, kw_only=True):
    """A REST API's data model: a JSON Schema (draft-04) request bodies are validated
    against (AWS::ApiGateway::Model, OpenAPI definitions / components.schemas, CreateModel).
    https://docs.aws.amazon.com/apigateway/latest/developerguide/models-mappings-models.html
    """

    name: str
    schema: dict[str, Any] = msgspec.field(default_factory=dict)
    content_type: str = "application/json"
    id: str = ""
    description: str | None = None


class RequestValidator(msgspec.Struct, frozen=True, kw_only=True):
    """A REST API's request validator (AWS::ApiGateway::RequestValidator,
    x-amazon-apigateway-request-validators, CreateRequestValidator).
    https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-method-request-validation.html
    """

    id: str
    name: str = ""
    validate_request_body: bool = False
    validate_request_parameters: bool = False


class Method(msgspec.Struct, frozen=True, kw_only=True):
    http_method: str
    """GET, POST, ... or ANY."""
    integration: Integration | None = None
    authorization_type: str = "NONE"
    """NONE, CUSTOM (Lambda authorizer), COGNITO_USER_POOLS or AWS_IAM."""
    authorizer_id: str | None = None
    authorization_scopes: tuple[str, ...] = ()
    """COGNITO_USER_POOLS: the access token must carry one of these scopes."""
    api_key_required: bool = False
    request_validator_id: str | None = None
    """The API's RequestValidator that checks this method's requests; None: none."""
    request_parameters: dict[str, bool] = msgspec.field(default_factory=dict)
    """`method.request.header|querystring|path.X` -> whether it is required."""
    request_models: dict[str, str] = msgspec.field(default_factory=dict)
    """Content type (or `$default`) -> the name of the API's Model for the body."""
    cache_key_parameters: tuple[str, ...] = ()
    """The stage cache's key parameters (integration cacheKeyParameters), each
    `method.request.{querystring|header|path|multivaluequerystring|multivalueheader}.X`
    or a `'literal'` (an integration parameter mapped from one)."""
    cache_namespace: str | None = None
    """Methods sharing a cacheNamespace share cache entries; None: the resource's own."""
    operation_name: str | None = None
    """The method's operationName (an OpenAPI body's operationId): what GetSdk and the
    exported document name the operation."""


class Resource(msgspec.Struct, frozen=True, kw_only=True):
    id: str
    path: str
    """Full path such as /users/{id} or /files/{proxy+}; the root is /."""
    methods: dict[str, Method] = msgspec.field(default_factory=dict)


class AccessLogSetting(msgspec.Struct, frozen=True, kw_only=True):
    """A stage's access logging (REST AccessLogSetting, HTTP API AccessLogSettings).
    https://docs.aws.amazon.com/apigateway/latest/developerguide/set-up-logging.html
    """

    destination_arn: str
    """`arn:aws:logs:{region}:{account}:log-group:{name}`."""
    log_group: str
    """The log group the DestinationArn names (lines go to .lamina/logs/access/{name}.log)."""
    format: str
    """A single line with `$context.*` variables (gateway/access_log.py renders it)."""


class Canary(msgspec.Struct, frozen=True, kw_only=True):
    """A stage's canary release: `percent_traffic` of its requests run the canary
    deployment, with `variable_overrides` over the stage's variables.
    https://docs.aws.amazon.com/apigateway/latest/developerguide/canary-release.html
    """

    percent_traffic: float
    """0.0 to 100.0."""
    deployment_id: str
    definition: RestApi | HttpApi | None = None
    """The canary deployment's API; None: the same as the stage's."""
    variable_overrides: dict[str, str] = msgspec.field(default_factory=dict)
    use_stage_cache: bool = False
    """Whether canary requests use the stage cache (useStageCache)."""


class MethodCacheSetting(msgspec.Struct, frozen=True, kw_only=True):
    """The caching part of one stage methodSettings entry (`*/*` or
    `{resourcePath}/{httpMethod}`).
    https://docs.aws.amazon.com/apigateway/latest/api/API_MethodSetting.html
    """

    resource_path: str
    """`*` for every method, else the resource path (`/pets/{id}`)."""
    http_method: str
    """`*` or GET, POST, ..."""
    caching_enabled: bool = False
    ttl_seconds: int = 300
    data_encrypted: bool = False
    require_authorization_for_cache_control: bool = True
    unauthorized_strategy: Literal[
        "FAIL_WITH_403", "SUCCEED_WITH_RESPONSE_HEADER", "SUCCEED_WITHOUT_RESPONSE_HEADER"
    ] = "SUCCEED_WITH_RESPONSE_HEADER"


class MethodLogSetting(msgspec.Struct, frozen=True, kw_only=True):
    """The logging and metrics part of one stage methodSettings entry. GetStage shows it;
    Lamina writes no CloudWatch execution logs or per-method metrics from it.
    https://docs.aws.amazon.com/apigateway/latest/api/API_MethodSetting.html
    """

    resource_path: str
    """`*` for every method, else the resource path (`/pets/{id}`)."""
    http_method: str
    """`*` or GET, POST, ..."""
    logging_level: Literal["OFF", "ERROR", "INFO"] | None = None
    data_trace_enabled: bool = False
    metrics_enabled: bool = False


class Stage(msgspec.Struct, frozen=True, kw_only=True):
    name: str
    variables: dict[str, str] = msgspec.field(default_factory=dict)
    web_acl: WebAcl | None = None
    """The AWS WAF web ACL associated with the stage (REST APIs only)."""
    access_log: AccessLogSetting | None = None
    """Where and how the stage writes one line per request; None: no access logging."""
    deployment_id: str | None = None
    """The deployment the stage serves (control-plane APIs; None for a template's)."""
    definition: RestApi | HttpApi | None = None
    """The API as deployed to this stage when it differs from the API's own resources /
    routes (stages of one API serving different deployments); None: the API's."""
    canary: Canary | None = None
    cache_cluster_enabled: bool = False
    """REST: the stage cache is provisioned (cacheClusterEnabled)."""
    cache_cluster_size: str | None = None
    """GB, as AWS spells it ("0.5", "1.6", ... "237"): bounds the cache's bytes."""
    method_cache: tuple[MethodCacheSetting, ...] = ()
    """The methodSettings entries that set caching."""
    method_logs: tuple[MethodLogSetting, ...] = ()
    """The methodSettings entries that set logging or metrics (shown by GetStage only)."""
    tracing_enabled: bool = False
    """REST: X-Ray tracing of the stage's requests (tracingEnabled; gateway/trace.py)."""


class RestApi(msgspec.Struct, frozen=True, kw_only=True):
    id: str
    logical_id: str
    name: str
    resources: tuple[Resource, ...] = ()
    stages: tuple[Stage, ...] = ()
    binary_media_types: tuple[str, ...] = ()
    authorizers: tuple[Authorizer, ...] = ()
    api_key_source: Literal["HEADER", "AUTHORIZER"] = "HEADER"
    policy: dict[str, Any] | None = None
    """The resource policy document (RestApi Policy / x-amazon-apigateway-policy)."""
    gateway_responses: tuple[GatewayResponseSetting, ...] = ()
    """Gateway responses the user configured; the others keep API Gateway's defaults."""
    models: tuple[Model, ...] = ()
    request_validators: tuple[RequestValidator, ...] = ()
    private: bool = False
    """EndpointConfiguration Types [PRIVATE]: reachable only through a VPC endpoint for
    execute-api (gateway/private.py)."""
    vpc_endpoint_ids: tuple[str, ...] = ()
    """PRIVATE only: the endpoints associated with the API (VpcEndpointIds), each giving
    the `{apiId}-{vpceId}` host name (the Route 53 alias AWS generates)."""
    disable_execute_api_endpoint: bool = False
    """Only custom domain names reach the API; its default endpoint answers 403."""


class VpcEndpoint(msgspec.Struct, frozen=True, kw_only=True):
    """An interface VPC endpoint for execute-api (AWS::EC2::VPCEndpoint, or the one Lamina
    names when a template with a private API declares none). Requests that come through
    it carry `aws:SourceVpce` = `id` and `aws:SourceVpc` = `vpc_id`."""

    id: str
    """vpce-{17 hex digits}."""
    vpc_id: str | None = None
    """None: an endpoint the template only names by id (its VPC is not known)."""


class Route(msgspec.Struct, frozen=True, kw_only=True):
    route_key: str
    """"GET /pets/{id}", "ANY /{proxy+}" or "$default"."""
    integration: Integration | None = None
    authorization_type: str = "NONE"
    """NONE, CUSTOM (Lambda authorizer), JWT or AWS_IAM."""
    authorizer_id: str | None = None
    authorization_scopes: tuple[str, ...] = ()
    """JWT: the token's `scope` must hold one of these."""


class HttpApi(msgspec.Struct, frozen=True, kw_only=True):
    id: str
    logical_id: str
    name: str
    routes: tuple[Route, ...] = ()
    stages: tuple[Stage, ...] = ()
    authorizers: tuple[Authorizer, ...] = ()
    cors: CorsConfiguration | None = None
    """CorsConfiguration / x-amazon-apigateway-cors; None: the gateway adds no CORS headers."""
    disable_execute_api_endpoint: bool = False
    """Only custom domain names reach the API; its default endpoint answers 403."""
