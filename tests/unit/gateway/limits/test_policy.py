"""Which throttle applies to a method: stage MethodSettings precedence and usage plan
per-method overrides."""

from __future__ import annotations

import msgspec

from lamina.gateway.limits.model import (
    AccessLimits,
    MethodThrottle,
    PlanStage,
    StageThrottle,
    Throttle,
    UsagePlan,
)
from lamina.gateway.limits.policy import CompiledLimits, method_throttle
from lamina.gateway.model import HttpApi, Method, Resource, RestApi, Route, Stage

ALL = Throttle(rate=100.0, burst=50)
PETS = Throttle(rate=5.0, burst=2)
PETS_GET = Throttle(rate=1.0, burst=1)
ANY_GET = Throttle(rate=7.0, burst=7)


def _settings() -> tuple[MethodThrottle, ...]:
    return (
        MethodThrottle(resource_path="/*", http_method="*", throttle=ALL),
        MethodThrottle(resource_path="/pets", http_method="*", throttle=PETS),
        MethodThrottle(resource_path="/pets", http_method="GET", throttle=PETS_GET),
        MethodThrottle(resource_path="/*", http_method="GET", throttle=ANY_GET),
    )


def test_method_throttle_most_specific_wins() -> None:
    settings = _settings()
    assert method_throttle(settings, "/pets", "GET") == PETS_GET
    assert method_throttle(settings, "/pets", "POST") == PETS
    assert method_throttle(settings, "/users", "GET") == ANY_GET
    assert method_throttle(settings, "/users", "POST") == ALL
    assert method_throttle(settings[1:3], "/users", "POST") is None


def _api() -> RestApi:
    methods = {"GET": Method(http_method="GET"), "POST": Method(http_method="POST")}
    return RestApi(
        id="api1",
        logical_id="Api",
        name="Api",
        stages=(Stage(name="prod"), Stage(name="dev")),
        resources=(Resource(id="r1", path="/pets", methods=methods),),
    )


def test_compiled_stage_has_one_bucket_per_method() -> None:
    limits = AccessLimits(
        stage_throttles=(StageThrottle(api_id="api1", stage="prod", settings=_settings()),)
    )
    compiled = CompiledLimits(limits, (_api(),), (), account_id="1", region="us-east-1")
    prod = compiled.stage("api1", "prod")
    assert prod is not None
    get, post = prod.methods["/pets"]["GET"], prod.methods["/pets"]["POST"]
    assert (get.throttle, post.throttle) == (PETS_GET, PETS)
    assert get.key != post.key
    assert compiled.stage("api1", "dev") is None  # no settings, no plans: nothing to look up
    assert compiled.account.throttle == Throttle(rate=10_000.0, burst=5_000)


def test_account_default_is_lower_in_the_regions_aws_names() -> None:
    compiled = CompiledLimits(AccessLimits(), (), (), account_id="1", region="eu-south-1")
    assert compiled.account.throttle == Throttle(rate=2_500.0, burst=1_250)


def test_client_plan_override_replaces_plan_throttle_for_that_method() -> None:
    plan = UsagePlan(
        id="plan01",
        name="Plan",
        throttle=Throttle(rate=10.0, burst=5),
        stages=(PlanStage(api_id="api1", stage="prod", method_throttles={"/pets/GET": PETS_GET}),),
        key_ids=("key1",),
    )
    compiled = CompiledLimits(
        AccessLimits(usage_plans=(plan,)), (_api(),), (), account_id="1", region="us-east-1"
    )
    prod = compiled.stage("api1", "prod")
    assert prod is not None
    client = prod.plans_by_key["key1"]
    get = client.bucket("key1", "/pets", "GET")
    post = client.bucket("key1", "/pets", "POST")
    assert get is not None and post is not None
    assert get.throttle == PETS_GET
    assert post.throttle == Throttle(rate=10.0, burst=5)
    assert get.key != post.key
    assert "key2" not in prod.plans_by_key


def test_http_route_settings_override_default_route_settings() -> None:
    http = HttpApi(
        id="http1",
        logical_id="Http",
        name="Http",
        stages=(Stage(name="$default"),),
        routes=(Route(route_key="GET /a"), Route(route_key="GET /b"), Route(route_key="$default")),
    )
    default = Throttle(rate=10.0, burst=10)
    slow = Throttle(rate=1.0, burst=1)
    settings = (
        MethodThrottle(resource_path="*", http_method="*", throttle=default),
        MethodThrottle(resource_path="GET /b", http_method="*", throttle=slow),
    )
    limits = AccessLimits(
        stage_throttles=(StageThrottle(api_id="http1", stage="$default", settings=settings),)
    )
    compiled = CompiledLimits(limits, (), (http,), account_id="1", region="us-east-1")
    stage = compiled.stage("http1", "$default")
    assert stage is not None
    throttles = {key: buckets["*"].throttle for key, buckets in stage.methods.items()}
    assert throttles == {"GET /a": default, "GET /b": slow, "$default": default}
    assert compiled.per_stage
    assert not CompiledLimits(AccessLimits(), (), (http,), account_id="1", region="x").per_stage


def test_unset_limit_is_the_account_throttle_in_effect() -> None:
    # A MethodSetting, route setting or usage plan limit left unset is the account-level
    # limit in effect (`lamina up --account-throttle`, else the Region's default), not a
    # constant.
    # https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-request-throttling.html
    rate_only = Throttle.partial(3.0, None)
    burst_only = Throttle.partial(None, 4)
    settings = (
        MethodThrottle(resource_path="/pets", http_method="GET", throttle=rate_only),
        MethodThrottle(resource_path="/pets", http_method="POST", throttle=burst_only),
    )
    plan = UsagePlan(
        id="plan01",
        name="Plan",
        throttle=Throttle.partial(None, 9),
        stages=(PlanStage(api_id="api1", stage="prod", method_throttles={"/pets/GET": rate_only}),),
        key_ids=("key1",),
    )
    account = Throttle(rate=40.0, burst=20)
    limits = AccessLimits(
        stage_throttles=(StageThrottle(api_id="api1", stage="prod", settings=settings),),
        usage_plans=(plan,),
        account=account,
    )
    compiled = CompiledLimits(limits, (_api(),), (), account_id="1", region="us-east-1")
    prod = compiled.stage("api1", "prod")
    assert prod is not None
    assert prod.methods["/pets"]["GET"].throttle == Throttle(rate=3.0, burst=20)
    assert prod.methods["/pets"]["POST"].throttle == Throttle(rate=40.0, burst=4)
    client = prod.plans_by_key["key1"]
    get, post = client.bucket("key1", "/pets", "GET"), client.bucket("key1", "/pets", "POST")
    assert get is not None and post is not None
    assert get.throttle == Throttle(rate=3.0, burst=20)
    assert post.throttle == Throttle(rate=40.0, burst=9)
    # Without an account override, the Region's default fills the unset limit.
    low = CompiledLimits(
        msgspec.structs.replace(limits, account=None),
        (_api(),),
        (),
        account_id="1",
        region="eu-south-1",
    )
    low_prod = low.stage("api1", "prod")
    assert low_prod is not None
    assert low_prod.methods["/pets"]["GET"].throttle == Throttle(rate=3.0, burst=1_250)
