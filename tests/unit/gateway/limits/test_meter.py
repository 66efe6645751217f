"""The EnforceThrottle and MeterUsage stages in the gateway pipeline: API key admission,
the identity it puts in the event, throttling at each level, quotas, and the responses AWS
sends."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from lamina.functions.model import InvokeResult
from lamina.gateway.app import Gateway
from lamina.gateway.deployment import Deployment
from lamina.gateway.limits.limiter import (
    Bucket,
    Charge,
    InProcessLimiter,
    LimiterUnavailable,
    Verdict,
)
from lamina.gateway.limits.model import (
    AccessLimits,
    ApiKey,
    MethodThrottle,
    PlanStage,
    Quota,
    StageThrottle,
    Throttle,
    UsagePlan,
)
from lamina.gateway.model import HttpApi, LambdaIntegration, Method, Resource, RestApi, Route, Stage
from lamina.gateway.request import GatewayRequest
from tests.gateway_request import gateway_request
from tests.invoker import ScriptedInvoker

GOOD = "good-key-value-0123456789"
DISABLED = "disabled-key-value-0123456789"
ORPHAN = "orphan-key-value-0123456789"
OK = InvokeResult(payload=b'{"statusCode": 200, "body": "ok"}')


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


class CountingLimiter:
    """An in-process limiter seen only through the RateLimiter protocol, recording the
    buckets of each call."""

    def __init__(self, clock: Clock, *, down: bool = False) -> None:
        self.inner = InProcessLimiter(clock=clock)
        self.calls: list[list[str]] = []
        self.down = down

    async def admit(self, buckets: Sequence[Bucket], charge: Charge | None = None) -> Verdict:
        self.calls.append([bucket.key for bucket in buckets])
        if self.down:
            raise LimiterUnavailable("Redis: connection refused")
        return await self.inner.admit(buckets, charge)

    async def daily_usage(self, plan_id: str, key_id: str, days: Sequence[date]) -> list[int]:
        return await self.inner.daily_usage(plan_id, key_id, days)

    async def close(self) -> None:
        await self.inner.close()


def _deployment(*, key_source: str = "HEADER", quota: int = 100) -> Deployment:
    lam = LambdaIntegration(function_name="Fn", timeout_ms=1000)
    rest = RestApi(
        id="restapi001",
        logical_id="Rest",
        name="Rest",
        api_key_source=key_source,  # type: ignore[arg-type]
        stages=(Stage(name="prod"),),
        resources=(
            Resource(
                id="a",
                path="/open",
                methods={"GET": Method(http_method="GET", integration=lam)},
            ),
            Resource(
                id="b",
                path="/keyed",
                methods={
                    "GET": Method(http_method="GET", integration=lam, api_key_required=True),
                    "POST": Method(http_method="POST", integration=lam, api_key_required=True),
                },
            ),
            Resource(
                id="c",
                path="/slow",
                methods={"GET": Method(http_method="GET", integration=lam)},
            ),
        ),
    )
    http = HttpApi(
        id="httpapi001",
        logical_id="Http",
        name="Http",
        stages=(Stage(name="$default"),),
        routes=(
            Route(
                route_key="GET /h",
                integration=LambdaIntegration(function_name="Fn", payload_format="2.0"),
            ),
        ),
    )
    plan = UsagePlan(
        id="plan01",
        name="Plan",
        stages=(
            PlanStage(
                api_id="restapi001",
                stage="prod",
                method_throttles={"/keyed/POST": Throttle(rate=1.0, burst=1)},
            ),
        ),
        throttle=Throttle(rate=1.0, burst=3),
        quota=Quota(limit=quota, period="DAY"),
        key_ids=("key1", "key2"),
    )
    limits = AccessLimits(
        api_keys=(
            ApiKey(id="key1", name="Good", value=GOOD, enabled=True),
            ApiKey(id="key2", name="Disabled", value=DISABLED, enabled=False),
            ApiKey(id="key3", name="Orphan", value=ORPHAN, enabled=True),
        ),
        usage_plans=(plan,),
        stage_throttles=(
            StageThrottle(
                api_id="restapi001",
                stage="prod",
                settings=(
                    MethodThrottle(
                        resource_path="/slow",
                        http_method="GET",
                        throttle=Throttle(rate=1.0, burst=2),
                    ),
                ),
            ),
            StageThrottle(
                api_id="httpapi001",
                stage="$default",
                settings=(
                    MethodThrottle(
                        resource_path="*", http_method="*", throttle=Throttle(rate=1.0, burst=1)
                    ),
                ),
            ),
        ),
    )
    return Deployment(
        (rest,), (http,), account_id="123456789012", region="us-east-1", limits=limits
    )


def _request(path: str, *headers: tuple[str, str], method: str = "GET") -> GatewayRequest:
    return gateway_request(path, method=method, headers=headers)


class Harness:
    def __init__(self, deployment: Deployment | None = None, *, down: bool = False) -> None:
        self.clock = Clock()
        self.limiter = CountingLimiter(self.clock, down=down)
        self.invoker = ScriptedInvoker(OK)
        self.gateway = Gateway(deployment or _deployment(), self.invoker, self.limiter)

    async def get(
        self, path: str, key: str | None = None, method: str = "GET"
    ) -> tuple[int, bytes, dict[bytes, bytes]]:
        headers = [("X-API-Key", key)] if key is not None else []
        response = await self.gateway.handle(
            _request(path, *headers, method=method), "127.0.0.1:3000"
        )
        return response.status, response.body, dict(response.headers)


async def test_meter_missing_wrong_disabled_or_planless_key_is_403_forbidden() -> None:
    harness = Harness()
    for key in (None, "no-such-key-0123456789", DISABLED, ORPHAN):
        status, body, headers = await harness.get("/prod/keyed", key)
        assert (status, body) == (403, b'{"message":"Forbidden"}')
        assert headers[b"x-amzn-errortype"] == b"ForbiddenException"
        assert headers[b"content-type"] == b"application/json"
    assert harness.invoker.events == []


async def test_meter_good_key_reaches_function_with_api_key_in_identity() -> None:
    harness = Harness()
    status, body, _ = await harness.get("/prod/keyed", GOOD)
    assert (status, body) == (200, b"ok")
    identity = harness.invoker.events[0]["requestContext"]["identity"]  # type: ignore[index]
    assert identity["apiKey"] == GOOD
    assert identity["apiKeyId"] == "key1"


async def test_meter_key_on_a_method_without_key_requirement_is_ignored() -> None:
    harness = Harness()
    assert (await harness.get("/prod/open", "whatever"))[0] == 200


async def test_meter_authorizer_key_source_uses_the_authorizer_key_not_the_header() -> None:
    harness = Harness(_deployment(key_source="AUTHORIZER"))
    # No authorizer supplied a usageIdentifierKey: the header does not count.
    assert (await harness.get("/prod/keyed", GOOD))[0] == 403


async def test_meter_usage_plan_throttle_is_429_too_many_requests() -> None:
    harness = Harness()
    statuses = [(await harness.get("/prod/keyed", GOOD))[0] for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    status, body, headers = await harness.get("/prod/keyed", GOOD)
    assert (status, body) == (429, b'{"message":"Too Many Requests"}')
    assert headers[b"x-amzn-errortype"] == b"TooManyRequestsException"
    harness.clock.now += 1.0  # one token earned
    assert (await harness.get("/prod/keyed", GOOD))[0] == 200


async def test_meter_plan_method_override_has_its_own_bucket() -> None:
    harness = Harness()
    assert (await harness.get("/prod/keyed", GOOD, "POST"))[0] == 200
    assert (await harness.get("/prod/keyed", GOOD, "POST"))[0] == 429  # burst 1
    assert (await harness.get("/prod/keyed", GOOD))[0] == 200  # GET: the plan's bucket


async def test_meter_quota_exhausted_is_429_limit_exceeded() -> None:
    harness = Harness(_deployment(quota=2))
    for _ in range(2):
        assert (await harness.get("/prod/keyed", GOOD))[0] == 200
        harness.clock.now += 10
    status, body, headers = await harness.get("/prod/keyed", GOOD)
    assert (status, body) == (429, b'{"message":"Limit Exceeded"}')
    assert headers[b"x-amzn-errortype"] == b"LimitExceededException"


async def test_meter_stage_method_settings_throttle_that_method_only() -> None:
    harness = Harness()
    assert [(await harness.get("/prod/slow"))[0] for _ in range(3)] == [200, 200, 429]
    assert (await harness.get("/prod/open"))[0] == 200


async def test_meter_http_api_route_throttle_renders_http_api_body() -> None:
    harness = Harness()
    assert (await harness.get("/h"))[0] == 200
    status, body, headers = await harness.get("/h")
    assert (status, body) == (429, b'{"message":"Too Many Requests"}')
    assert b"x-amzn-errortype" not in headers


async def test_meter_hot_path_is_one_take() -> None:
    harness = Harness()
    await harness.get("/prod/open")
    assert harness.limiter.calls == [["account/123456789012/us-east-1"]]


async def test_meter_keyed_request_without_authorizer_is_one_limiter_call() -> None:
    """No authorizer runs between the stages, so the client's, the method's and the
    account's buckets and the quota are decided in one call (one Redis round trip); with an
    authorizer the method and account buckets go first (tests/functional/gateway/
    test_limits.py, the authorizer app)."""
    harness = Harness()
    await harness.get("/prod/keyed", GOOD)
    assert harness.limiter.calls == [["client/plan01/key1", "account/123456789012/us-east-1"]]
    await harness.get("/prod/open", GOOD)
    assert harness.limiter.calls[1:] == [["account/123456789012/us-east-1"]]


async def test_meter_in_process_hot_path_takes_the_account_bucket() -> None:
    deployment = _deployment()
    deployment.limits.account.throttle = Throttle(rate=1.0, burst=1)
    gateway = Gateway(deployment, ScriptedInvoker(OK), InProcessLimiter(clock=Clock()))
    first = await gateway.handle(_request("/prod/open"), "127.0.0.1:3000")
    second = await gateway.handle(_request("/prod/open"), "127.0.0.1:3000")
    assert (first.status, second.status) == (200, 429)


async def test_meter_account_bucket_throttles_everything() -> None:
    deployment = _deployment()
    deployment.limits.account.throttle = Throttle(rate=1.0, burst=2)
    harness = Harness(deployment)
    statuses = [(await harness.get(path))[0] for path in ("/prod/open", "/h", "/prod/open")]
    assert statuses == [200, 200, 429]


async def test_meter_unreachable_limiter_fails_open() -> None:
    harness = Harness(down=True)
    assert (await harness.get("/prod/keyed", GOOD))[0] == 200
    assert (await harness.get("/prod/keyed", "no-such-key-0123456789"))[0] == 403


class CountingInProcess(InProcessLimiter):
    """The in-process limiter, counting the hot path's takes and the full admits."""

    def __init__(self) -> None:
        super().__init__(clock=Clock())
        self.takes = 0
        self.admits = 0

    def take_now(self, bucket: Bucket) -> bool:
        self.takes += 1
        return super().take_now(bucket)

    async def admit(self, buckets: Sequence[Bucket], charge: Charge | None = None) -> Verdict:
        self.admits += 1
        return await super().admit(buckets, charge)


async def test_meter_template_without_limits_costs_one_take_per_request() -> None:
    rest = RestApi(
        id="restapi001",
        logical_id="Rest",
        name="Rest",
        stages=(Stage(name="prod"),),
        resources=(
            Resource(
                id="a",
                path="/open",
                methods={
                    "GET": Method(
                        http_method="GET", integration=LambdaIntegration(function_name="Fn")
                    )
                },
            ),
        ),
    )
    deployment = Deployment((rest,), (), account_id="123456789012", region="us-east-1")
    limiter = CountingInProcess()
    gateway = Gateway(deployment, ScriptedInvoker(OK), limiter)
    for _ in range(3):
        assert (await gateway.handle(_request("/prod/open"), "127.0.0.1:3000")).status == 200
    assert (limiter.takes, limiter.admits) == (3, 0)
