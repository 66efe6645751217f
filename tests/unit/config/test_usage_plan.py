"""API keys, usage plans and throttle settings from SAM (through aws-sam-translator) and
from plain CloudFormation."""

from __future__ import annotations

from pathlib import Path

import msgspec
import pytest

from lamina.aws.credentials import local_secret_seed
from lamina.config.error import ConfigError
from lamina.config.load import load_application
from lamina.config.usage_plan import generated_key_value
from lamina.gateway.limits.model import UNSET, MethodThrottle, Quota, Throttle, account_throttle
from lamina.gateway.limits.policy import CompiledLimits

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"


def test_sam_auth_api_key_required_and_usage_plan() -> None:
    app = load_application(FIXTURES / "apps" / "limits")
    api = app.rest_apis[0]
    methods = {resource.path: resource.methods for resource in api.resources}
    assert methods["/keyed"]["GET"].api_key_required
    assert not methods["/throttled"]["GET"].api_key_required  # Auth.ApiKeyRequired: false
    assert api.api_key_source == "HEADER"
    keys = {key.name: key for key in app.limits.api_keys}
    # SAM's PER_API plan: a key without a Value (Lamina derives a stable one), its plan
    # bound to the API's stage with the Throttle given, and the UsagePlanKey joining them.
    generated = keys["LimitsApiApiKey"]
    assert generated.generated and generated.enabled
    seed = local_secret_seed(FIXTURES / "apps" / "limits" / ".lamina")
    assert generated.value == generated_key_value("limits", "LimitsApiApiKey", seed)
    assert generated.value != generated_key_value("limits", "LimitsApiApiKey", b"other seed")
    assert len(generated.value) == 40 and generated.value.isalnum()
    assert generated.stage_keys == ((api.id, "prod"),)
    plans = {plan.name: plan for plan in app.limits.usage_plans}
    sam_plan = plans["LimitsApiUsagePlan"]
    assert sam_plan.throttle == Throttle(rate=50.0, burst=50)
    assert sam_plan.quota is None
    assert sam_plan.key_ids == (generated.id,)
    assert [(stage.api_id, stage.stage) for stage in sam_plan.stages] == [(api.id, "prod")]
    quota_plan = plans["small-quota"]
    assert quota_plan.quota == Quota(limit=3, period="DAY", offset=0)
    assert set(quota_plan.key_ids) == {keys["quota-key"].id, keys["disabled-key"].id}
    assert not keys["disabled-key"].enabled
    assert keys["quota-key"].value == "quota-key-0123456789abcdef"


def test_sam_method_settings_and_http_api_default_route_settings() -> None:
    app = load_application(FIXTURES / "apps" / "limits")
    by_api = {(found.api_id, found.stage): found.settings for found in app.limits.stage_throttles}
    rest_id, http_id = app.rest_apis[0].id, app.http_apis[0].id
    # ResourcePath /~1throttled: CloudFormation's escape for "/throttled".
    assert by_api[(rest_id, "prod")] == (
        MethodThrottle(
            resource_path="/throttled", http_method="GET", throttle=Throttle(rate=0.01, burst=2)
        ),
    )
    assert by_api[(http_id, "$default")] == (
        MethodThrottle(resource_path="*", http_method="*", throttle=Throttle(rate=0.01, burst=1)),
    )


def test_sam_shared_usage_plan_with_week_quota_offset(tmp_path: Path) -> None:
    (tmp_path / "template.yaml").write_text(
        """Transform: AWS::Serverless-2016-10-31
Resources:
  One:
    Type: AWS::Serverless::Api
    Properties:
      StageName: v1
      Auth:
        ApiKeyRequired: true
        UsagePlan:
          CreateUsagePlan: SHARED
          Quota: {Limit: 100, Period: WEEK, Offset: 1}
  Two:
    Type: AWS::Serverless::Api
    Properties:
      StageName: v2
      Auth:
        ApiKeyRequired: true
        UsagePlan:
          CreateUsagePlan: SHARED
          Quota: {Limit: 100, Period: WEEK, Offset: 1}
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: python3.12
      Handler: app.handler
      InlineCode: "def handler(e, c): return {}"
      Events:
        A: {Type: Api, Properties: {RestApiId: !Ref One, Path: /a, Method: get}}
        B: {Type: Api, Properties: {RestApiId: !Ref Two, Path: /b, Method: get}}
"""
    )
    app = load_application(tmp_path)
    (plan,) = app.limits.usage_plans
    assert plan.quota == Quota(limit=100, period="WEEK", offset=1)
    assert sorted(stage.stage for stage in plan.stages) == ["v1", "v2"]
    (key,) = app.limits.api_keys
    assert plan.key_ids == (key.id,)


CFN = """Resources:
  Api:
    Type: AWS::ApiGateway::RestApi
    Properties:
      Name: a
      ApiKeySourceType: AUTHORIZER
  Deployment:
    Type: AWS::ApiGateway::Deployment
    Properties:
      RestApiId: !Ref Api
      StageName: live
      StageDescription:
        ThrottlingRateLimit: 20
        ThrottlingBurstLimit: 10
        MethodSettings:
          - {HttpMethod: POST, ResourcePath: "/~1users~1{id}", ThrottlingRateLimit: 2}
  Key:
    Type: AWS::ApiGateway::ApiKey
    Properties: {Value: VALUE, Enabled: "true"}
  Plan:
    Type: AWS::ApiGateway::UsagePlan
    Properties:
      ApiStages:
        - ApiId: !Ref Api
          Stage: live
          Throttle:
            "/users/{id}/POST": {RateLimit: 1, BurstLimit: 1}
      Throttle: {RateLimit: 5}
      Quota: {Limit: 1000, Period: MONTH, Offset: 14}
  PlanKey:
    Type: AWS::ApiGateway::UsagePlanKey
    Properties: {KeyId: !GetAtt Key.APIKeyId, KeyType: API_KEY, UsagePlanId: !Ref Plan}
"""


def _cfn(tmp_path: Path, text: str) -> Path:
    (tmp_path / "template.yaml").write_text(text)
    return tmp_path


def test_cloudformation_deployment_stage_description_and_plan_overrides(tmp_path: Path) -> None:
    app = load_application(_cfn(tmp_path, CFN.replace("VALUE", "abcdefghij0123456789")))
    (api,) = app.rest_apis
    assert api.api_key_source == "AUTHORIZER"
    (stage,) = app.limits.stage_throttles
    assert (stage.api_id, stage.stage) == (api.id, "live")
    # A missing burst is UNSET, which resolves to the account's (the Region's default here);
    # the description's own limits apply to every method.
    account = account_throttle("us-east-1")
    assert stage.settings == (
        MethodThrottle(
            resource_path="/users/{id}",
            http_method="POST",
            throttle=Throttle(rate=2.0, burst=UNSET),
        ),
        MethodThrottle(resource_path="/*", http_method="*", throttle=Throttle(rate=20.0, burst=10)),
    )
    (plan,) = app.limits.usage_plans
    (key,) = app.limits.api_keys
    assert key.enabled and not key.generated
    assert plan.key_ids == (key.id,)
    assert stage.settings[0].throttle.resolve(account) == Throttle(rate=2.0, burst=5000)
    assert plan.throttle == Throttle(rate=5.0, burst=UNSET)
    assert plan.throttle.resolve(account) == Throttle(rate=5.0, burst=5000)
    assert plan.quota == Quota(limit=1000, period="MONTH", offset=14)
    assert plan.stages[0].method_throttles == {"/users/{id}/POST": Throttle(rate=1.0, burst=1)}
    assert app.warnings == ()


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (("VALUE", "short"), "20 to 128 characters"),
        (("VALUE", "k" * 129), "20 to 128 characters"),
        (("Offset: 14", "Offset: 28"), "Offset of a MONTH period is 0 to 27"),
        (("Period: MONTH", "Period: YEAR"), "DAY, WEEK or MONTH"),
        (("Limit: 1000", "Limit: -1"), "Quota Limit must be 0 or more"),
        (("KeyType: API_KEY", "KeyType: OTHER"), "KeyType must be API_KEY"),
        (("ApiKeySourceType: AUTHORIZER", "ApiKeySourceType: QUERY"), "HEADER or AUTHORIZER"),
    ],
)
def test_cloudformation_invalid_limits_name_the_resource(
    tmp_path: Path, change: tuple[str, str], message: str
) -> None:
    text = CFN.replace(*change).replace("VALUE", "abcdefghij0123456789")
    with pytest.raises(ConfigError, match=message):
        load_application(_cfn(tmp_path, text))


def test_cloudformation_two_api_keys_with_one_value_are_refused(tmp_path: Path) -> None:
    second = "  Other:\n    Type: AWS::ApiGateway::ApiKey\n    Properties: {Value: VALUE}\n"
    text = (CFN + second).replace("VALUE", "abcdefghij0123456789")
    with pytest.raises(ConfigError, match="Other has the same Value as Key"):
        load_application(_cfn(tmp_path, text))


def test_body_api_key_source_extension(tmp_path: Path) -> None:
    text = """Resources:
  Api:
    Type: AWS::ApiGateway::RestApi
    Properties:
      Body:
        swagger: "2.0"
        info: {title: t}
        x-amazon-apigateway-api-key-source: AUTHORIZER
        paths: {}
"""
    (api,) = load_application(_cfn(tmp_path, text)).rest_apis
    assert api.api_key_source == "AUTHORIZER"


def test_sam_usage_plan_none_creates_no_plan_or_key(tmp_path: Path) -> None:
    """SAM accepts PER_API, SHARED and NONE (aws-sam-translator's list); NONE leaves the
    methods requiring a key that no plan admits."""
    (tmp_path / "template.yaml").write_text(
        """Transform: AWS::Serverless-2016-10-31
Resources:
  Api:
    Type: AWS::Serverless::Api
    Properties:
      StageName: v1
      Auth:
        ApiKeyRequired: true
        UsagePlan: {CreateUsagePlan: NONE}
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: python3.12
      Handler: app.handler
      InlineCode: "def handler(e, c): return {}"
      Events:
        A: {Type: Api, Properties: {RestApiId: !Ref Api, Path: /a, Method: get}}
"""
    )
    app = load_application(tmp_path)
    assert app.limits.usage_plans == () and app.limits.api_keys == ()
    methods = {resource.path: resource.methods for resource in app.rest_apis[0].resources}
    assert methods["/a"]["GET"].api_key_required


def test_caching_only_method_settings_leave_methods_on_the_account_throttle() -> None:
    # MethodSettings with no throttling field (the cache app's) set no per-method limit:
    # only the account-level throttle in effect applies to those methods.
    # https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-request-throttling.html
    app = load_application(FIXTURES / "apps" / "cache")
    assert app.rest_apis
    assert app.limits.stage_throttles == ()
    compiled = CompiledLimits(
        msgspec.structs.replace(app.limits, account=Throttle(rate=7.0, burst=3)),
        app.rest_apis,
        app.http_apis,
        account_id="1",
        region="us-east-1",
    )
    assert not compiled.per_stage
    assert compiled.account.throttle == Throttle(rate=7.0, burst=3)
