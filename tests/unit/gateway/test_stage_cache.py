"""The stage cache (G7) through the real Gateway: a counting invoker stands in for the
functions, a MemoryResponseCache on a hand-set clock holds the entries.
https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-caching.html"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import orjson
import pytest
from prometheus_client import CollectorRegistry

from lamina.aws.credentials import CredentialStore, Identity
from lamina.functions.model import InvokeResult
from lamina.functions.policy import InvokeRequest
from lamina.gateway.app import Gateway
from lamina.gateway.cache.memory import MemoryResponseCache
from lamina.gateway.deployment import Deployment
from lamina.gateway.error import GatewayResponse
from lamina.gateway.model import (
    Canary,
    LambdaIntegration,
    Method,
    MethodCacheSetting,
    Resource,
    RestApi,
    Stage,
)
from lamina.gateway.observe import GatewayMetrics, RequestObserver
from tests.clock import ManualClock
from tests.gateway_request import gateway_request
from tests.unit.gateway.auth.test_iam_support import sign

ACCOUNT = "123456789012"
API = "cacheapi01"
WARNING = "199 Cache-control headers were ignored because the caller was unauthorized."
_LAMBDA = LambdaIntegration(function_name="Fn", timeout_ms=1000)


class CountingInvoker:
    """Answers 200 with the call's number in the body (a hit repeats an old number)."""

    def __init__(self, status: int = 200, body_bytes: int = 0, error: bool = False) -> None:
        self.calls = 0
        self.status = status
        self.padding = "x" * body_bytes
        self.error = error

    async def invoke(
        self,
        name: str,
        payload: bytes,
        *,
        qualifier: str | None = None,
        client_context: str | None = None,
        source: InvokeRequest | None = None,
        trace_id: str | None = None,
    ) -> InvokeResult:
        self.calls += 1
        if self.error:
            return InvokeResult(payload=b'{"errorMessage": "boom"}', function_error="Unhandled")
        body = f"call {self.calls}{self.padding}"
        answer = {"statusCode": self.status, "headers": {"X-Call": str(self.calls)}, "body": body}
        return InvokeResult(payload=orjson.dumps(answer))


def setting(path: str = "*", method: str = "*", **more: Any) -> MethodCacheSetting:
    return MethodCacheSetting(resource_path=path, http_method=method, caching_enabled=True, **more)


def method(http_method: str = "GET", keys: tuple[str, ...] = (), auth: str = "NONE") -> Method:
    return Method(
        http_method=http_method,
        integration=_LAMBDA,
        cache_key_parameters=keys,
        authorization_type=auth,
    )


def api(
    settings: tuple[MethodCacheSetting, ...] = (setting(),),
    *,
    enabled: bool = True,
    size: str | None = None,
    keys: tuple[str, ...] = (),
    canary: Canary | None = None,
) -> RestApi:
    return RestApi(
        id=API,
        logical_id="Api",
        name="Cached",
        stages=(
            Stage(
                name="Prod",
                cache_cluster_enabled=enabled,
                cache_cluster_size=size,
                method_cache=settings,
                canary=canary,
            ),
        ),
        resources=(
            Resource(
                id="items",
                path="/items",
                methods={"GET": method(keys=keys), "POST": method("POST")},
            ),
            Resource(id="item", path="/items/{id}", methods={"GET": method(keys=keys)}),
            Resource(id="iam", path="/iam", methods={"GET": method(auth="AWS_IAM")}),
        ),
    )


@dataclass
class Harness:
    rest: RestApi
    invoker: CountingInvoker = field(default_factory=CountingInvoker)
    clock: ManualClock = field(default_factory=lambda: ManualClock(1000.0))
    credentials: CredentialStore | None = None

    def __post_init__(self) -> None:
        self.cache = MemoryResponseCache(clock=self.clock)
        self.registry = CollectorRegistry()
        deployment = Deployment((self.rest,), (), account_id=ACCOUNT, region="us-east-1")
        self.gateway = Gateway(
            deployment,
            self.invoker,
            credentials=self.credentials,
            response_cache=self.cache,
            observer=RequestObserver(GatewayMetrics(self.registry)),
        )

    async def send(
        self, path: str, *, method: str = "GET", query: str = "", headers: Any = ()
    ) -> GatewayResponse:
        request = gateway_request(path, method=method, query_string=query, headers=headers)
        return await self.gateway.handle(request, "127.0.0.1:3000")

    async def body(self, path: str, **more: Any) -> str:
        response = await self.send(path, **more)
        assert response.status == 200, response.body
        return response.body.decode()

    def metric(self, name: str, resource: str = "/items") -> float | None:
        labels = {
            "ApiName": "Cached",
            "ApiId": API,
            "Stage": "Prod",
            "Method": "GET",
            "Resource": resource,
            "Route": "",
        }
        return self.registry.get_sample_value(f"AWS_ApiGateway_{name}_total", labels)


def header(response: GatewayResponse, name: bytes) -> list[bytes]:
    return [value for key, value in response.headers if key.lower() == name]


async def test_stage_cache_hit_answers_without_invoking() -> None:
    harness = Harness(api())
    first = await harness.send("/Prod/items")
    second = await harness.send("/Prod/items")
    assert harness.invoker.calls == 1
    assert (second.status, second.body) == (200, b"call 1")
    assert header(second, b"x-call") == [b"1"]
    # Each answer carries its own request id, not the cached one's.
    assert header(first, b"x-amzn-requestid") == header(second, b"x-amzn-requestid")
    assert len(header(second, b"x-amzn-requestid")) == 1
    assert header(second, b"x-cache") == []  # AWS marks hits only in metrics


async def test_stage_cache_counts_hits_and_misses() -> None:
    harness = Harness(api())
    for _ in range(3):
        await harness.send("/Prod/items")
    assert harness.metric("CacheMissCount") == 1
    assert harness.metric("CacheHitCount") == 2
    assert harness.metric("Count") == 3


async def test_stage_cache_entry_expires_after_default_ttl() -> None:
    harness = Harness(api())
    assert await harness.body("/Prod/items") == "call 1"
    harness.clock.advance(299)
    assert await harness.body("/Prod/items") == "call 1"
    harness.clock.advance(1)
    assert await harness.body("/Prod/items") == "call 2"


async def test_stage_cache_method_ttl_overrides_and_zero_disables() -> None:
    harness = Harness(api((setting(ttl_seconds=10), setting("/items/{id}", "GET", ttl_seconds=0))))
    assert await harness.body("/Prod/items") == "call 1"
    harness.clock.advance(10)
    assert await harness.body("/Prod/items") == "call 2"
    await harness.body("/Prod/items/7")
    assert await harness.body("/Prod/items/7") == "call 4"


async def test_stage_cache_off_without_cache_cluster() -> None:
    harness = Harness(api(enabled=False))
    await harness.send("/Prod/items")
    await harness.send("/Prod/items")
    assert harness.invoker.calls == 2
    assert harness.metric("CacheMissCount") is None


async def test_stage_cache_stage_wide_setting_caches_get_only() -> None:
    harness = Harness(api())
    await harness.send("/Prod/items", method="POST")
    await harness.send("/Prod/items", method="POST")
    assert harness.invoker.calls == 2


async def test_stage_cache_method_setting_caches_post() -> None:
    harness = Harness(api((setting(), setting("/items", "POST"))))
    await harness.send("/Prod/items", method="POST")
    second = await harness.send("/Prod/items", method="POST")
    assert (harness.invoker.calls, second.body) == (1, b"call 1")


async def test_stage_cache_method_setting_can_disable_one_method() -> None:
    off = MethodCacheSetting(resource_path="/items", http_method="GET", caching_enabled=False)
    harness = Harness(api((setting(), off)))
    await harness.send("/Prod/items")
    await harness.send("/Prod/items")
    await harness.send("/Prod/items/1")
    await harness.send("/Prod/items/1")
    assert harness.invoker.calls == 3


async def test_stage_cache_path_parameters_are_not_in_the_key_unless_listed() -> None:
    harness = Harness(api())
    assert await harness.body("/Prod/items/1") == "call 1"
    assert await harness.body("/Prod/items/2") == "call 1"  # as on AWS: one entry
    listed = Harness(api(keys=("method.request.path.id",)))
    assert await listed.body("/Prod/items/1") == "call 1"
    assert await listed.body("/Prod/items/2") == "call 2"
    assert await listed.body("/Prod/items/1") == "call 1"


async def test_stage_cache_query_key_parameter_separates_entries_others_do_not() -> None:
    harness = Harness(api(keys=("method.request.querystring.type",)))
    assert await harness.body("/Prod/items", query="type=admin&department=A") == "call 1"
    assert await harness.body("/Prod/items", query="type=admin&department=B") == "call 1"
    assert await harness.body("/Prod/items", query="type=regular") == "call 2"
    assert await harness.body("/Prod/items", query="type=") == "call 3"
    assert await harness.body("/Prod/items") == "call 4"  # absent is not empty


async def test_stage_cache_query_values_are_compared_decoded() -> None:
    harness = Harness(api(keys=("method.request.querystring.type",)))
    assert await harness.body("/Prod/items", query="type=a%20b") == "call 1"
    assert await harness.body("/Prod/items", query="type=a+b&x=%41") == "call 1"
    assert await harness.body("/Prod/items", query="type=a&type=c") == "call 2"
    assert await harness.body("/Prod/items", query="type=c") == "call 2"  # the last value


async def test_stage_cache_header_key_parameter_is_case_insensitive() -> None:
    harness = Harness(api(keys=("method.request.header.Accept-Language",)))
    assert await harness.body("/Prod/items", headers=[("Accept-Language", "fr")]) == "call 1"
    assert await harness.body("/Prod/items", headers=[("accept-language", "fr")]) == "call 1"
    assert await harness.body("/Prod/items", headers=[("Accept-Language", "de")]) == "call 2"
    assert await harness.body("/Prod/items", headers=[("User-Agent", "x")]) == "call 3"


async def test_stage_cache_max_age_zero_refreshes_when_authorization_not_required() -> None:
    harness = Harness(api((setting(require_authorization_for_cache_control=False),)))
    await harness.send("/Prod/items")
    fresh = await harness.send("/Prod/items", headers=[("Cache-Control", "max-age=0")])
    assert (fresh.body, header(fresh, b"warning")) == (b"call 2", [])
    # The fresh response replaced the entry.
    assert await harness.body("/Prod/items") == "call 2"


async def test_stage_cache_max_age_zero_unauthorized_fails_with_403() -> None:
    harness = Harness(api((setting(unauthorized_strategy="FAIL_WITH_403"),)))
    await harness.send("/Prod/items")
    refused = await harness.send("/Prod/items", headers=[("Cache-Control", "no-cache, max-age=0")])
    assert refused.status == 403
    assert orjson.loads(refused.body) == {
        "Message": "User is not authorized to access this resource"
    }
    assert header(refused, b"x-amzn-errortype") == [b"AccessDeniedException"]
    assert harness.invoker.calls == 1
    assert harness.metric("CacheMissCount") == 1  # the refused request used no cache


async def test_stage_cache_max_age_zero_unauthorized_succeeds_with_warning_header() -> None:
    harness = Harness(api())  # SUCCEED_WITH_RESPONSE_HEADER is the default
    await harness.send("/Prod/items")
    served = await harness.send("/Prod/items", headers=[("Cache-Control", "max-age=0")])
    assert served.body == b"call 1"  # the header is ignored: served from the cache
    assert header(served, b"warning") == [WARNING.encode()]
    assert header(await harness.send("/Prod/items"), b"warning") == []


async def test_stage_cache_warning_header_is_not_stored_on_a_miss() -> None:
    harness = Harness(api())
    miss = await harness.send("/Prod/items", headers=[("Cache-Control", "max-age=0")])
    assert (miss.body, header(miss, b"warning")) == (b"call 1", [WARNING.encode()])
    hit = await harness.send("/Prod/items")
    assert (hit.body, header(hit, b"warning")) == (b"call 1", [])


async def test_stage_cache_max_age_zero_unauthorized_succeeds_without_header() -> None:
    harness = Harness(api((setting(unauthorized_strategy="SUCCEED_WITHOUT_RESPONSE_HEADER"),)))
    await harness.send("/Prod/items")
    served = await harness.send("/Prod/items", headers=[("Cache-Control", "max-age=0")])
    assert (served.body, header(served, b"warning")) == (b"call 1", [])


def _caller(action: str) -> Identity:
    return Identity(
        access_key="AKIACACHE00000000001",
        secret_key="cache/secret/key/000000000000000000000",
        arn=f"arn:aws:iam::{ACCOUNT}:user/cache",
        account_id=ACCOUNT,
        principal_id="AIDACACHE000000000001",
        statements=(
            {"Effect": "Allow", "Action": "execute-api:Invoke", "Resource": "*"},
            {
                "Effect": "Allow",
                "Action": action,
                "Resource": f"arn:aws:execute-api:us-east-1:{ACCOUNT}:{API}/Prod/GET/iam",
            },
        ),
    )


@pytest.mark.parametrize(
    ("action", "refreshed"),
    [("execute-api:InvalidateCache", True), ("execute-api:Invoke", False)],
)
async def test_stage_cache_signed_caller_with_invalidate_cache_refreshes(
    action: str, refreshed: bool
) -> None:
    caller = _caller(action)
    store = CredentialStore()
    store.add_identity(caller)
    harness = Harness(api((setting(unauthorized_strategy="FAIL_WITH_403"),)), credentials=store)
    url = "http://127.0.0.1:3000/Prod/iam"
    first = await harness.gateway.handle(sign(url, caller), "127.0.0.1:3000")
    assert (first.status, first.body) == (200, b"call 1")
    request = sign(url, caller, headers={"Cache-Control": "max-age=0"})
    fresh = await harness.gateway.handle(request, "127.0.0.1:3000")
    if refreshed:
        assert (fresh.status, fresh.body) == (200, b"call 2")
    else:
        assert fresh.status == 403


async def test_stage_cache_capacity_evicts_least_recently_used() -> None:
    # 0.000002 GB is 2147 bytes: room for two ~800-byte responses, not three.
    harness = Harness(
        api(size="0.000002", keys=("method.request.path.id",)), CountingInvoker(body_bytes=700)
    )
    for item in ("1", "2"):
        await harness.send(f"/Prod/items/{item}")
    await harness.send("/Prod/items/1")  # 1 is now the most recently used
    await harness.send("/Prod/items/3")  # evicts 2
    assert harness.invoker.calls == 3
    assert harness.cache.size(f"{API}/Prod") <= 2147
    await harness.send("/Prod/items/1")
    assert harness.invoker.calls == 3
    await harness.send("/Prod/items/2")
    assert harness.invoker.calls == 4


async def test_stage_cache_encrypted_entries_are_not_readable_in_the_store() -> None:
    harness = Harness(api((setting(data_encrypted=True),)), CountingInvoker(body_bytes=40))
    await harness.send("/Prod/items")
    hit = await harness.send("/Prod/items")
    assert hit.body.startswith(b"call 1") and harness.invoker.calls == 1
    (stored,) = harness.cache.entries(f"{API}/Prod")
    assert b"call 1" not in stored and b"xxxxxxxx" not in stored and b"x-call" not in stored
    plain = Harness(api(), CountingInvoker(body_bytes=40))
    await plain.send("/Prod/items")
    (readable,) = plain.cache.entries(f"{API}/Prod")
    assert b"call 1" in readable


async def test_stage_cache_keeps_integration_error_responses() -> None:
    # AWS documents no status filter and serves an integration's 429 from the cache.
    harness = Harness(api(), CountingInvoker(status=429))
    await harness.send("/Prod/items")
    again = await harness.send("/Prod/items")
    assert (again.status, harness.invoker.calls) == (429, 1)


async def test_stage_cache_never_stores_gateway_errors() -> None:
    harness = Harness(api(), CountingInvoker(error=True))
    assert (await harness.send("/Prod/items")).status == 502
    assert (await harness.send("/Prod/items")).status == 502
    assert harness.invoker.calls == 2


async def test_stage_cache_skips_responses_over_one_mebibyte() -> None:
    harness = Harness(api(), CountingInvoker(body_bytes=1_048_576))
    await harness.send("/Prod/items")
    await harness.send("/Prod/items")
    assert harness.invoker.calls == 2


@pytest.mark.parametrize(("use_stage_cache", "calls"), [(False, 3), (True, 1)])
async def test_stage_cache_canary_requests_use_it_only_with_use_stage_cache(
    use_stage_cache: bool, calls: int
) -> None:
    canary = Canary(percent_traffic=100.0, deployment_id="d2", use_stage_cache=use_stage_cache)
    harness = Harness(api(canary=canary))
    for _ in range(3):
        await harness.send("/Prod/items")
    assert harness.invoker.calls == calls
