"""Compiling management-API REST API snapshots (AWS shapes) into the data plane's RestApi:
integrations, methods, authorizers, gateway responses, policies, and stages serving their
own deployments and canaries."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest

from lamina.config.apigateway_compile import compile_rest_api
from lamina.config.error import ConfigError
from lamina.gateway.model import (
    REST_DEFAULT_TIMEOUT_MS,
    AccessLogSetting,
    Authorizer,
    GatewayResponseSetting,
    IntegrationResponse,
    LambdaIntegration,
    Method,
    MockIntegration,
    RestApi,
    UnsupportedIntegration,
)
from lamina.gateway.waf.model import WebAcl

REGION = "eu-west-1"
ACCOUNT = "123456789012"
API_ID = "a1b2c3d4e5"


def invocation(function_arn: str) -> str:
    return (
        f"arn:aws:apigateway:{REGION}:lambda:path/2015-03-31/functions/{function_arn}/invocations"
    )


def function_arn(name: str) -> str:
    return f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:{name}"


def proxy(uri: str, **extra: Any) -> dict[str, Any]:
    return {"type": "AWS_PROXY", "httpMethod": "POST", "uri": uri, **extra}


def method(http_method: str, integration: dict[str, Any] | None, **extra: Any) -> dict[str, Any]:
    record: dict[str, Any] = {
        "httpMethod": http_method,
        "authorizationType": "NONE",
        "apiKeyRequired": False,
        **extra,
    }
    if integration is not None:
        record["methodIntegration"] = integration
    return record


def snapshot(
    methods: dict[str, dict[str, Any]] | None = None, *, path_part: str = "items", **parts: Any
) -> dict[str, Any]:
    """An API with / and /{path_part}, the methods on the latter."""
    rest_api = {"id": API_ID, "name": "orders", **parts.pop("rest_api", {})}
    return {
        "restApi": rest_api,
        "resources": [
            {"id": "rootid0001", "path": "/"},
            {
                "id": "res001",
                "parentId": "rootid0001",
                "pathPart": path_part,
                "path": f"/{path_part}",
                "resourceMethods": methods or {},
            },
        ],
        "authorizers": parts.pop("authorizers", []),
        "gatewayResponses": parts.pop("gatewayResponses", []),
        "models": [],
        "requestValidators": [],
    }


def compile_one(snap: dict[str, Any], *stages: Any, **options: Any) -> RestApi:
    return compile_rest_api(snap, stages, region=REGION, account_id=ACCOUNT, **options)


def stage(name: str, deployment_id: str, **extra: Any) -> dict[str, Any]:
    return {"stageName": name, "deploymentId": deployment_id, **extra}


def items_method(api: RestApi, http_method: str = "GET") -> Method:
    return next(r for r in api.resources if r.path != "/").methods[http_method]


# Integrations


def test_compile_lambda_proxy_names_function_alias_and_timeout() -> None:
    snap = snapshot(
        {
            "GET": method(
                "GET", proxy(invocation(function_arn("orders") + ":live"), timeoutInMillis=5000)
            ),
            "POST": method("POST", proxy(invocation(function_arn("orders") + ":$LATEST"))),
            "PUT": method("PUT", proxy(invocation(function_arn("orders") + ":7"))),
        }
    )
    api = compile_one(snap)
    assert items_method(api).integration == LambdaIntegration(
        function_name="orders", qualifier="live", payload_format="1.0", timeout_ms=5000
    )
    assert items_method(api, "POST").integration == LambdaIntegration(
        function_name="orders", timeout_ms=REST_DEFAULT_TIMEOUT_MS
    )
    put = items_method(api, "PUT").integration
    assert isinstance(put, LambdaIntegration) and put.qualifier == "7"


@pytest.mark.parametrize(
    ("arn", "name", "qualifier"),
    [
        (function_arn("${stageVariables.fn}"), "${stageVariables.fn}", None),
        (function_arn("orders-${stageVariables.env}"), "orders-${stageVariables.env}", None),
        (function_arn("orders:${stageVariables.alias}"), "orders", "${stageVariables.alias}"),
        (
            function_arn("${stageVariables.fn}:${stageVariables.alias}"),
            "${stageVariables.fn}",
            "${stageVariables.alias}",
        ),
        ("${stageVariables.functionArn}", "${stageVariables.functionArn}", None),
    ],
)
def test_compile_stage_variables_in_lambda_uri_kept_raw(
    arn: str, name: str, qualifier: str | None
) -> None:
    # https://docs.aws.amazon.com/apigateway/latest/developerguide/stage-variables.html
    api = compile_one(snapshot({"GET": method("GET", proxy(invocation(arn)))}))
    assert items_method(api).integration == LambdaIntegration(
        function_name=name, qualifier=qualifier
    )


@pytest.mark.parametrize(
    ("integration", "kind", "uri"),
    [
        ({"type": "AWS_PROXY", "httpMethod": "POST",
          "uri": f"arn:aws:apigateway:{REGION}:sqs:path/{ACCOUNT}/queue"},
         "AWS_PROXY", f"arn:aws:apigateway:{REGION}:sqs:path/{ACCOUNT}/queue"),
        ({"type": "aws"}, "AWS", ""),
    ],
)  # fmt: skip
def test_compile_other_integrations_unsupported(
    integration: dict[str, Any], kind: str, uri: str
) -> None:
    api = compile_one(snapshot({"GET": method("GET", integration)}))
    assert items_method(api).integration == UnsupportedIntegration(type=kind, uri=uri)


def test_compile_method_without_integration_has_none() -> None:
    assert items_method(compile_one(snapshot({"GET": method("GET", None)}))).integration is None


def test_compile_mock_integration_responses_by_selection_pattern() -> None:
    mock = {
        "type": "MOCK",
        "requestTemplates": {"application/json": '{"statusCode": 200}'},
        "passthroughBehavior": "WHEN_NO_TEMPLATES",
        "timeoutInMillis": 29000,
        "integrationResponses": {
            "200": {
                "statusCode": "200",
                "responseParameters": {"method.response.header.Allow": "'GET'"},
                "responseTemplates": {"application/json": "{}"},
            },
            "404": {"statusCode": "404", "selectionPattern": "4\\d{2}"},
            "500": {"statusCode": "500", "selectionPattern": ""},
        },
    }
    api = compile_one(snapshot({"OPTIONS": method("OPTIONS", mock)}))
    assert items_method(api, "OPTIONS").integration == MockIntegration(
        request_templates={"application/json": '{"statusCode": 200}'},
        passthrough_behavior="WHEN_NO_TEMPLATES",
        responses=(
            IntegrationResponse(
                status_code="200",
                response_parameters={"method.response.header.Allow": "'GET'"},
                response_templates={"application/json": "{}"},
            ),
            IntegrationResponse(selection_pattern="4\\d{2}", status_code="404"),
            # An empty selection pattern is the default response, as in CloudFormation.
            IntegrationResponse(status_code="500"),
        ),
    )


def test_compile_mock_with_unknown_passthrough_refused() -> None:
    mock = {"type": "MOCK", "passthroughBehavior": "SOMETIMES"}
    with pytest.raises(ConfigError, match="passthroughBehavior"):
        compile_one(snapshot({"GET": method("GET", mock)}))


# Methods and authorizers


def test_compile_method_authorization_fields() -> None:
    authorizer = {
        "id": "auth01",
        "name": "pool",
        "type": "COGNITO_USER_POOLS",
        "providerARNs": [f"arn:aws:cognito-idp:{REGION}:{ACCOUNT}:userpool/{REGION}_abc"],
    }
    snap = snapshot(
        {
            "GET": method(
                "GET",
                None,
                authorizationType="COGNITO_USER_POOLS",
                authorizerId="auth01",
                authorizationScopes=["orders/read"],
                apiKeyRequired=True,
            ),
            "DELETE": method("DELETE", None, authorizationType="AWS_IAM"),
        },
        authorizers=[authorizer],
    )
    api = compile_one(snap)
    assert items_method(api) == Method(
        http_method="GET",
        authorization_type="COGNITO_USER_POOLS",
        authorizer_id="auth01",
        authorization_scopes=("orders/read",),
        api_key_required=True,
    )
    assert items_method(api, "DELETE").authorization_type == "AWS_IAM"
    assert api.authorizers == (
        Authorizer(
            id="auth01",
            name="pool",
            type="COGNITO_USER_POOLS",
            identity_sources=("method.request.header.Authorization",),
            provider_arns=(f"arn:aws:cognito-idp:{REGION}:{ACCOUNT}:userpool/{REGION}_abc",),
        ),
    )


def test_compile_lambda_authorizers() -> None:
    token = {
        "id": "tok001",
        "name": "token",
        "type": "TOKEN",
        "authType": "custom",
        "authorizerUri": invocation(function_arn("check") + ":prod"),
        "identitySource": "method.request.header.X-Token",
        "identityValidationExpression": "^Bearer .+$",
        "authorizerCredentials": f"arn:aws:iam::{ACCOUNT}:role/invoker",
    }
    request = {
        "id": "req001",
        "name": "request",
        "type": "REQUEST",
        "authorizerUri": invocation(function_arn("gate")),
        "identitySource": "method.request.header.Auth, method.request.querystring.key",
        "authorizerResultTtlInSeconds": 0,
    }
    api = compile_one(snapshot(authorizers=[token, request]))
    assert api.authorizers == (
        Authorizer(
            id="tok001",
            name="token",
            type="TOKEN",
            function_name="check",
            qualifier="prod",
            identity_sources=("method.request.header.X-Token",),
            identity_validation_expression="^Bearer .+$",
            # "If this field is not set, the default value is 300."
            result_ttl_seconds=300,
            credentials=f"arn:aws:iam::{ACCOUNT}:role/invoker",
        ),
        Authorizer(
            id="req001",
            name="request",
            type="REQUEST",
            function_name="gate",
            identity_sources=("method.request.header.Auth", "method.request.querystring.key"),
            result_ttl_seconds=0,
        ),
    )


def test_compile_unknown_authorizer_type_refused() -> None:
    with pytest.raises(ConfigError, match="type 'OAUTH' is not TOKEN, REQUEST"):
        compile_one(snapshot(authorizers=[{"id": "oa0001", "name": "o", "type": "OAUTH"}]))


def test_compile_rest_jwt_authorizer_without_configuration_refused() -> None:
    with pytest.raises(ConfigError, match="jwt001: a REST JWT authorizer needs a JwtConfig"):
        compile_one(snapshot(authorizers=[{"id": "jwt001", "name": "j", "type": "JWT"}]))


def test_compile_rest_jwt_authorizer_reads_its_jwt_configuration() -> None:
    record = {
        "id": "jwt001",
        "name": "partners",
        "type": "JWT",
        "identitySource": "method.request.header.Authorization",
        "jwtConfiguration": {
            "issuers": [
                {
                    "issuer": "https://idp.example.com/",
                    "audiences": ["api://orders"],
                    "additionalClaims": [
                        {"claimName": "tenant", "format": "SINGLE_STRING", "required": True,
                         "expectedValues": ["acme"]},
                    ],
                }
            ],
            "defaultAlgorithms": ["RS256", "ES256"],
        },
    }  # fmt: skip
    api = compile_one(snapshot(authorizers=[record]))
    (authorizer,) = api.authorizers
    assert authorizer.type == "JWT" and authorizer.result_ttl_seconds == 0
    assert authorizer.jwt_algorithms == ("RS256", "ES256")
    (issuer,) = authorizer.jwt_issuers
    assert issuer.issuer == "https://idp.example.com/"
    assert issuer.audiences == ("api://orders",)
    (rule,) = issuer.additional_claims
    assert (rule.name, rule.required, rule.expected_values) == ("tenant", True, ("acme",))


# The API's own settings


def test_compile_rest_api_settings() -> None:
    snap = snapshot(
        rest_api={
            "binaryMediaTypes": ["image/png", "application~1octet-stream", "image/png"],
            "apiKeySource": "AUTHORIZER",
        },
        gatewayResponses=[
            {
                "responseType": "UNAUTHORIZED",
                "statusCode": "401",
                "responseParameters": {"gatewayresponse.header.Access-Control-Allow-Origin": "'*'"},
                "responseTemplates": {"application/json": '{"message": "no"}'},
                "defaultResponse": False,
            },
            {"responseType": "DEFAULT_4XX", "responseParameters": {}, "defaultResponse": False},
            # AWS lists its defaults too; the data plane has its own.
            {"responseType": "THROTTLED", "statusCode": "429", "defaultResponse": True},
        ],
    )
    api = compile_one(snap)
    assert (api.id, api.logical_id, api.name) == (API_ID, API_ID, "orders")
    assert api.binary_media_types == ("image/png", "application/octet-stream")
    assert api.api_key_source == "AUTHORIZER"
    assert api.gateway_responses == (
        GatewayResponseSetting(response_type="DEFAULT_4XX"),
        GatewayResponseSetting(
            response_type="UNAUTHORIZED",
            status_code=401,
            response_parameters={"gatewayresponse.header.Access-Control-Allow-Origin": "'*'"},
            response_templates={"application/json": '{"message": "no"}'},
        ),
    )
    assert compile_one(snap, logical_id="OrdersApi").logical_id == "OrdersApi"


POLICY = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Effect": "Allow",
            "Principal": "*",
            "Action": "execute-api:Invoke",
            "Resource": ["execute-api:/*/GET/items", f"arn:aws:execute-api:{REGION}:{ACCOUNT}:x/*"],
        }
    ],
}
EXPANDED = [
    f"arn:aws:execute-api:{REGION}:{ACCOUNT}:{API_ID}/*/GET/items",
    f"arn:aws:execute-api:{REGION}:{ACCOUNT}:x/*",
]


@pytest.mark.parametrize(
    "text",
    [
        json.dumps(POLICY),
        # As GetRestApi returns it: quotes and slashes backslash-escaped.
        json.dumps(json.dumps(POLICY, separators=(",", ":")))[1:-1].replace("/", "\\/"),
        # A JSON string holding the document's text.
        json.dumps(json.dumps(POLICY)),
    ],
    ids=["plain", "aws-escaped", "json-string"],
)
def test_compile_policy_text_forms_with_short_resources_expanded(text: str) -> None:
    api = compile_one(snapshot(rest_api={"policy": text}))
    assert api.policy is not None
    assert api.policy["Statement"][0]["Resource"] == EXPANDED


def test_compile_policy_not_json_refused() -> None:
    with pytest.raises(ConfigError, match=f"REST API {API_ID}: the resource policy"):
        compile_one(snapshot(rest_api={"policy": "{Version: 2012"}))


def test_compile_resource_paths_from_parents_and_sorted() -> None:
    snap = snapshot()
    snap["resources"] = [
        {"id": "leaf01", "parentId": "mid001", "pathPart": "{id}"},
        {"id": "mid001", "parentId": "rootid0001", "pathPart": "items"},
        {"id": "rootid0001", "path": "/"},
    ]
    api = compile_one(snap)
    assert [(r.id, r.path) for r in api.resources] == [
        ("rootid0001", "/"),
        ("mid001", "/items"),
        ("leaf01", "/items/{id}"),
    ]


def test_compile_resource_with_unknown_parent_refused() -> None:
    snap = snapshot()
    snap["resources"].append({"id": "orphan", "parentId": "gone00", "pathPart": "x"})
    with pytest.raises(ConfigError, match="'gone00' has no path"):
        compile_one(snap)


# Stages


def test_compile_stage_variables_access_log_and_web_acl() -> None:
    snap = snapshot()
    group_arn = f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:/orders/access:*"
    acl = WebAcl(name="guard", arn=f"arn:aws:wafv2:{REGION}:{ACCOUNT}:regional/webacl/guard/1")
    prod = stage(
        "prod",
        "dep001",
        variables={"fn": "orders", "alias": "live"},
        accessLogSettings={"format": "$context.requestId", "destinationArn": group_arn},
        webAclArn=acl.arn,
    )
    # Either alone does not turn access logging on.
    dev = stage("dev", "dep001", accessLogSettings={"format": "$context.requestId"})
    api = compile_one(snap, (prod, snap, None), (dev, snap, None), web_acls={acl.arn: acl})
    assert [s.name for s in api.stages] == ["dev", "prod"]
    dev_stage, prod_stage = api.stages
    assert prod_stage.variables == {"fn": "orders", "alias": "live"}
    assert prod_stage.deployment_id == "dep001" and prod_stage.definition is None
    assert prod_stage.access_log == AccessLogSetting(
        destination_arn=group_arn, log_group="/orders/access", format="$context.requestId"
    )
    assert prod_stage.web_acl == acl
    assert dev_stage.access_log is None and dev_stage.web_acl is None
    # Without the ARN's web ACL (no WAF management API), the stage has none.
    assert compile_one(snap, (prod, snap, None)).stages[0].web_acl is None


def test_compile_stages_on_different_deployments_carry_their_definitions() -> None:
    current = snapshot({"GET": method("GET", proxy(invocation(function_arn("v3"))))})
    old = snapshot({"GET": method("GET", proxy(invocation(function_arn("v1"))))})
    older = snapshot({"GET": method("GET", proxy(invocation(function_arn("v0"))))}, path_part="old")
    api = compile_one(
        current,
        (stage("prod", "dep001"), old, None),
        (stage("beta", "dep001"), copy.deepcopy(old), None),
        (stage("legacy", "dep000"), older, None),
        (stage("dev", "dep003"), copy.deepcopy(current), None),
    )
    stages = {s.name: s for s in api.stages}
    assert items_method(api).integration == LambdaIntegration(function_name="v3")
    prod = stages["prod"].definition
    assert isinstance(prod, RestApi)
    assert items_method(prod).integration == LambdaIntegration(function_name="v1")
    assert prod.id == api.id and prod.stages == ()
    # One compiled definition per deployment id.
    assert stages["beta"].definition is prod
    legacy = stages["legacy"].definition
    assert isinstance(legacy, RestApi) and [r.path for r in legacy.resources] == ["/", "/old"]
    # A deployment of the API as it stands shares the API's own definition.
    assert stages["dev"].definition is None


def test_compile_canary_with_its_own_deployment() -> None:
    stable = snapshot({"GET": method("GET", proxy(invocation(function_arn("stable"))))})
    trial = snapshot({"GET": method("GET", proxy(invocation(function_arn("trial"))))})
    record = stage(
        "prod",
        "dep001",
        variables={"alias": "live"},
        canarySettings={
            "percentTraffic": 12.5,
            "deploymentId": "dep002",
            "stageVariableOverrides": {"alias": "next"},
            "useStageCache": False,
        },
    )
    api = compile_one(stable, (record, stable, trial))
    canary = api.stages[0].canary
    assert canary is not None
    assert (canary.percent_traffic, canary.deployment_id) == (12.5, "dep002")
    assert canary.variable_overrides == {"alias": "next"}
    assert isinstance(canary.definition, RestApi)
    assert items_method(canary.definition).integration == LambdaIntegration(function_name="trial")
    assert api.stages[0].definition is None


def test_compile_canary_on_the_stage_deployment_shares_its_definition() -> None:
    current = snapshot({"GET": method("GET", proxy(invocation(function_arn("now"))))})
    deployed = snapshot({"GET": method("GET", proxy(invocation(function_arn("then"))))})
    # CreateStage with canarySettings but no canary deployment yet: the canary runs the
    # stage's deployment with its overrides.
    record = stage("prod", "dep001", canarySettings={"percentTraffic": 50.0})
    only = compile_one(current, (record, deployed, None)).stages[0]
    assert only.canary is not None and only.canary.deployment_id == "dep001"
    assert only.canary.definition is None and only.canary.variable_overrides == {}
    assert isinstance(only.definition, RestApi)
    same = stage("prod", "dep001", canarySettings={"percentTraffic": 5, "deploymentId": "dep001"})
    shared = compile_one(current, (same, deployed, copy.deepcopy(deployed))).stages[0]
    assert shared.canary is not None and shared.canary.definition is None


def test_compile_canary_deployment_equal_to_the_api_is_not_the_stage_definition() -> None:
    current = snapshot({"GET": method("GET", proxy(invocation(function_arn("now"))))})
    deployed = snapshot({"GET": method("GET", proxy(invocation(function_arn("then"))))})
    record = stage("prod", "dep001", canarySettings={"percentTraffic": 10, "deploymentId": "dep2"})
    compiled = compile_one(current, (record, deployed, copy.deepcopy(current))).stages[0]
    assert compiled.canary is not None
    # The canary differs from the stage's deployment, so it carries the definition even
    # though it equals the API's own.
    assert isinstance(compiled.canary.definition, RestApi)
    assert items_method(compiled.canary.definition).integration == LambdaIntegration(
        function_name="now"
    )


def test_compile_snapshot_without_rest_api_refused() -> None:
    with pytest.raises(ConfigError, match="restApi must be an object"):
        compile_one({"resources": []})


def test_compile_non_numeric_timeout_refused() -> None:
    bad = proxy(invocation(function_arn("orders")), timeoutInMillis="soon")
    with pytest.raises(ConfigError, match="timeoutInMillis 'soon' is not a number"):
        compile_one(snapshot({"GET": method("GET", bad)}))
