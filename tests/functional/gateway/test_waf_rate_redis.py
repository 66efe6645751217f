"""WAF rate-based rules counting in a real Redis (127.0.0.1:6379): one count shared by two
gateways (two edge processes) and by two `lamina up` on one --limits URL, the trailing
window, bounded keys, and Redis being down (the rule admits, with one warning)."""

from __future__ import annotations

import logging
import time
import uuid
from typing import Literal

import httpx
import pytest
from redis.asyncio import Redis
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff

from lamina.functions.model import InvokeResult
from lamina.gateway.app import Gateway
from lamina.gateway.deployment import Deployment
from lamina.gateway.model import LambdaIntegration, Method, Resource, RestApi, Stage
from lamina.gateway.request import GatewayRequest
from lamina.gateway.waf.model import (
    ByteMatchStatement,
    FieldToMatch,
    RateBasedStatement,
    Rule,
    TextTransformation,
    WebAcl,
)
from lamina.gateway.waf.rate import RateCounter, RateCounts, open_rate_counter
from lamina.gateway.waf.rate_redis import RedisRateCounter
from tests.conftest import FIXTURES, LaminaProcess, free_port
from tests.gateway_request import gateway_request
from tests.invoker import ScriptedInvoker

OK = InvokeResult(payload=b'{"statusCode": 200, "body": "hi"}')
ARN = "arn:aws:wafv2:us-east-1:123456789012:regional/webacl/acl/1"


class Clock:
    def __init__(self) -> None:
        self.now = 5000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def prefix() -> str:
    return f"lamina:test:waf_rate:{uuid.uuid4().hex}:"


def _deployment(limit: int = 10, rules: tuple[Rule, ...] | None = None) -> Deployment:
    """/prod/hello behind a web ACL: by default a ByteMatch rule first (its labels and
    notes must not repeat when evaluation runs again), then at most `limit` requests a
    minute per address."""
    never = ByteMatchStatement(
        field=FieldToMatch(kind="UriPath"),
        search=b"/admin",
        positional="ENDS_WITH",
        transformations=(TextTransformation(priority=0, type="NONE"),),
    )
    rate = RateBasedStatement(limit=limit, window_seconds=60, aggregate="IP")
    if rules is None:
        rules = (
            Rule(name="NoAdmin", priority=0, statement=never, action="Block"),
            Rule(name="PerAddress", priority=1, statement=rate, action="Block"),
        )
    acl = WebAcl(name="acl", arn=ARN, default_action="Allow", rules=rules)
    lam = LambdaIntegration(function_name="Fn", timeout_ms=100)
    methods = {"GET": Method(http_method="GET", integration=lam)}
    rest = RestApi(
        id="restapi001",
        logical_id="Rest",
        name="Rest",
        stages=(Stage(name="prod", web_acl=acl),),
        resources=(Resource(id="a", path="/hello", methods=methods),),
    )
    return Deployment((rest,), (), account_id="123456789012", region="us-east-1")


def _request(source_ip: str = "10.0.0.1") -> GatewayRequest:
    return gateway_request("/prod/hello", headers=[("User-Agent", "test")], source_ip=source_ip)


async def _status(gateway: Gateway, source_ip: str = "10.0.0.1") -> int:
    return (await gateway.handle(_request(source_ip), "127.0.0.1:3000")).status


async def test_two_gateways_on_one_redis_share_one_count(prefix: str) -> None:
    edges = [Redis(host="127.0.0.1", port=6379) for _ in range(2)]
    gateways = [
        Gateway(_deployment(), ScriptedInvoker(OK), waf_rates=RedisRateCounter(edge, prefix))
        for edge in edges
    ]
    # Alternating: each edge sees 6 requests, under the limit on its own; the ACL saw 12.
    statuses = [await _status(gateways[i % 2]) for i in range(12)]
    assert statuses == [200] * 10 + [403, 403]
    # Another address is counted apart, on either edge.
    assert await _status(gateways[1], "10.0.0.2") == 200
    for edge in edges:
        await edge.aclose()


async def test_per_process_counters_would_not_have_blocked() -> None:
    """The case above with each gateway counting in its own process: nothing is blocked,
    which is what sharing the count through Redis changes."""
    gateways = [Gateway(_deployment(), ScriptedInvoker(OK)) for _ in range(2)]
    statuses = [await _status(gateways[i % 2]) for i in range(12)]
    assert statuses == [200] * 12


async def test_several_rate_rules_count_the_requests_the_in_process_counter_counts(
    prefix: str,
) -> None:
    """A Count rule over its limit lets evaluation go on; a Block rule over its limit ends
    it, so a later rule never counts those requests (the CONSTANT rule below counts only
    what got past the per-address ones): the same statuses with either counter."""

    def rate(
        name: str,
        priority: int,
        limit: int,
        action: Literal["Count", "Block"],
        aggregate: Literal["IP", "CONSTANT"],
    ) -> Rule:
        statement = RateBasedStatement(limit=limit, window_seconds=60, aggregate=aggregate)
        return Rule(name=name, priority=priority, statement=statement, action=action)

    rules = (
        rate("CountPerAddress", 0, 2, "Count", "IP"),
        rate("BlockPerAddress", 1, 4, "Block", "IP"),
        rate("BlockEveryone", 2, 6, "Block", "CONSTANT"),
    )
    edge = Redis(host="127.0.0.1", port=6379)
    results = {}
    for name, rates in (("local", None), ("redis", RedisRateCounter(edge, prefix))):
        gateway = Gateway(_deployment(rules=rules), ScriptedInvoker(OK), waf_rates=rates)
        first = [await _status(gateway, "10.0.0.1") for _ in range(8)]
        second = [await _status(gateway, "10.0.0.2") for _ in range(4)]
        results[name] = (first, second)
    await edge.aclose()
    assert results["local"] == ([200] * 4 + [403] * 4, [200, 200, 403, 403])
    assert results["redis"] == results["local"]


async def test_redis_window_trails_now_as_the_in_process_counter(redis: Redis, prefix: str) -> None:
    clock = Clock()
    local, shared = RateCounter(clock), RedisRateCounter(redis, prefix, now=clock)
    steps = [0, 0.5, 0.2, 1, 7, 30, 0, 22, 0.9, 30, 45, 61, 0, 3]  # seconds between requests
    for limit in (2, 4):
        answers: dict[str, list[bool]] = {"local": [], "redis": []}
        for step in steps:
            clock.now += step
            for name, rates in (("local", local), ("redis", shared)):
                over = await _over(rates, f"rule-{limit}", "10.0.0.1", limit, 60)
                answers[name].append(over)
        assert answers["redis"] == answers["local"]
        assert True in answers["redis"] and False in answers["redis"][1:]


async def _over(rates: RateCounts, rule: str, key: str, limit: int, window: int) -> bool:
    return await rates.evaluating(lambda: rates.over_limit(rule, key, limit, window))


async def test_redis_keys_expire_and_hold_at_most_a_window_of_seconds(
    redis: Redis, prefix: str
) -> None:
    clock = Clock()
    rates = RedisRateCounter(redis, prefix, now=clock)
    for i in range(300):
        clock.now = 5000 + i / 2  # 2 requests a second for 150 s
        await _over(rates, "r", "10.0.0.1", 2_000_000_000, 60)
    [name] = await redis.keys(prefix + "*")
    assert 0 < await redis.ttl(name) <= 60
    assert await redis.hlen(name) <= 60 + 2  # one field a second, plus total and first
    assert await redis.hget(name, "t") == b"120"  # the last 60 s at 2 a second


async def test_redis_down_admits_with_one_warning_and_is_left_alone(
    prefix: str, caplog: pytest.LogCaptureFixture
) -> None:
    closed = Redis(
        host="127.0.0.1", port=free_port(), socket_connect_timeout=0.5, retry=Retry(NoBackoff(), 0)
    )
    gateway = Gateway(
        _deployment(limit=10), ScriptedInvoker(OK), waf_rates=RedisRateCounter(closed, prefix)
    )
    with caplog.at_level(logging.WARNING, logger="lamina.gateway"):
        statuses = [await _status(gateway) for _ in range(12)]
    assert statuses == [200] * 12  # fails open: the rule cannot count, so it admits
    warnings = [r for r in caplog.records if "WAF rate counts unavailable" in r.getMessage()]
    assert len(warnings) == 1
    await closed.aclose()


async def test_limits_url_selects_the_redis_counter_and_its_prefix(
    redis: Redis, prefix: str
) -> None:
    assert isinstance(open_rate_counter(None), RateCounter)
    rates = open_rate_counter(f"redis://127.0.0.1:6379/0?key_prefix={prefix}")
    assert isinstance(rates, RedisRateCounter)
    await _over(rates, "r", "10.0.0.1", 10, 60)
    assert await redis.exists(prefix + 'waf_rate:["r","10.0.0.1"]') == 1
    await rates.close()


async def test_firewall_cost_in_process_and_with_redis(prefix: str) -> None:
    """Prints what a request through the pipeline costs with each counter (figures for
    docs/fidelity/gateway.md; never asserted: tests do not judge wall-clock speed)."""
    edge = Redis(host="127.0.0.1", port=6379)
    costs = {}
    for name, rates in (("in process", None), ("redis", RedisRateCounter(edge, prefix))):
        gateway = Gateway(_deployment(limit=2_000_000_000), ScriptedInvoker(OK), waf_rates=rates)
        for _ in range(50):
            await _status(gateway)
        runs = []
        for _ in range(5):
            start = time.perf_counter()
            for _ in range(200):
                await _status(gateway)
            runs.append((time.perf_counter() - start) / 200 * 1e6)
        costs[name] = min(runs)
        assert await _status(gateway) == 200
    print(f"\nper request (min of 5 x 200): {costs} µs")
    await edge.aclose()


async def test_two_lamina_up_on_one_limits_url_share_the_count(prefix: str) -> None:
    url = f"redis://127.0.0.1:6379/0?key_prefix={prefix}"
    edges = [LaminaProcess(FIXTURES / "apps" / "waf", "--limits", url) for _ in range(2)]
    try:
        statuses = []
        for i in range(12):
            # The fixture's LimitPerAddress: 10 requests a minute to /prod/limited.
            async with httpx.AsyncClient(base_url=edges[i % 2].base, timeout=20) as client:
                statuses.append((await client.get("/prod/limited")).status_code)
    finally:
        for edge in edges:
            edge.stop()
    assert statuses == [200] * 10 + [403, 403]
