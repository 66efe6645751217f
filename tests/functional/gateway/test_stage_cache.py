"""The stage cache through `lamina up` (tests/fixtures/apps/cache), in process and in
Redis: hits answer without the function, keys follow cacheKeyParameters, FlushStageCache
(boto3) empties the stage, and the hits and misses are counted."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import boto3
import httpx
import pytest
import redis

from tests.conftest import FIXTURES, LaminaProcess

APP = FIXTURES / "apps" / "cache"
REDIS_DB = "redis://127.0.0.1:6379/0"


class Served:
    def __init__(self, process: LaminaProcess, prefix: str | None) -> None:
        self.process = process
        self.prefix = prefix
        self.client = httpx.Client(base_url=process.base, timeout=10)
        self.apigw: Any = boto3.client(
            "apigateway",
            endpoint_url=process.base,
            region_name="us-east-1",
            aws_access_key_id="test",
            aws_secret_access_key="test",
        )
        (api,) = [
            api
            for api in self.apigw.get_rest_apis()["items"]
            if api.get("tags", {}).get("aws:cloudformation:logical-id") == "CacheApi"
        ]
        self.api_id: str = api["id"]

    def stamp(self, path: str, method: str = "GET", **more: Any) -> str:
        response = self.client.request(method, f"/Prod{path}", **more)
        assert response.status_code == 200, response.text
        assert "x-cache" not in response.headers
        found: str = response.json()["id"]
        return found


@pytest.fixture(scope="module", params=["in-process", "redis"])
def served(request: pytest.FixtureRequest) -> Iterator[Served]:
    if request.param == "in-process":
        process = LaminaProcess(APP, "--no-watch")
        try:
            yield Served(process, None)
        finally:
            process.stop()
        return
    raw = redis.Redis.from_url(REDIS_DB)
    try:
        raw.ping()
    except redis.ConnectionError:
        pytest.skip("no Redis at 127.0.0.1:6379")
    prefix = f"lamina-test:stage-cache:{uuid.uuid4().hex}:"
    process = LaminaProcess(APP, "--no-watch", "--limits", f"{REDIS_DB}?key_prefix={prefix}")
    try:
        yield Served(process, prefix)
    finally:
        process.stop()
        for key in raw.scan_iter(match=prefix + "*"):
            raw.delete(key)
        raw.close()


def test_stage_cache_second_get_is_served_from_the_cache(served: Served) -> None:
    first = served.stamp("/items", params={"type": "hit"})
    assert served.stamp("/items", params={"type": "hit"}) == first


def test_stage_cache_key_follows_cache_key_parameters(served: Served) -> None:
    admin = served.stamp("/items", params={"type": "admin", "department": "A"})
    assert served.stamp("/items", params={"type": "admin", "department": "B"}) == admin
    assert served.stamp("/items", params={"type": "regular"}) != admin


def test_stage_cache_post_is_cached_only_with_its_own_setting(served: Served) -> None:
    order = served.stamp("/orders", "POST", content=b"{}")
    assert served.stamp("/orders", "POST", content=b"{}") == order
    note = served.stamp("/notes", "POST", content=b"{}")
    assert served.stamp("/notes", "POST", content=b"{}") != note


def test_stage_cache_method_setting_turns_caching_off_for_one_get(served: Served) -> None:
    assert served.stamp("/fresh") != served.stamp("/fresh")


def test_stage_cache_encrypted_method_still_hits(served: Served) -> None:
    secret = served.stamp("/secret")
    assert served.stamp("/secret") == secret


def test_stage_cache_settings_show_in_get_stage(served: Served) -> None:
    stage = served.apigw.get_stage(restApiId=served.api_id, stageName="Prod")
    assert stage["cacheClusterEnabled"] is True
    assert stage["cacheClusterSize"] == "0.5"
    everything = stage["methodSettings"]["*/*"]
    assert (everything["cachingEnabled"], everything["cacheTtlInSeconds"]) == (True, 60)
    assert stage["methodSettings"]["~1secret/GET"]["cacheDataEncrypted"] is True


def test_stage_cache_flush_stage_cache_empties_the_stage(served: Served) -> None:
    before = served.stamp("/items", params={"type": "flush"})
    served.apigw.flush_stage_cache(restApiId=served.api_id, stageName="Prod")
    after = served.stamp("/items", params={"type": "flush"})
    assert after != before
    assert served.stamp("/items", params={"type": "flush"}) == after
    if served.prefix is not None:
        raw = redis.Redis.from_url(REDIS_DB)
        stage_keys = list(raw.scan_iter(match=f"{served.prefix}cache:{served.api_id}/Prod:*"))
        raw.close()
        assert stage_keys  # the entry stored after the flush lives in Redis, with a TTL
        assert all(0 < redis.Redis.from_url(REDIS_DB).ttl(key) <= 60 for key in stage_keys)


def test_stage_cache_flush_of_unknown_stage_is_not_found(served: Served) -> None:
    with pytest.raises(served.apigw.exceptions.NotFoundException):
        served.apigw.flush_stage_cache(restApiId=served.api_id, stageName="Nope")
    served.apigw.flush_stage_authorizers_cache(restApiId=served.api_id, stageName="Prod")


def test_stage_cache_hits_and_misses_are_metrics(served: Served) -> None:
    served.stamp("/items", params={"type": "metrics"})
    served.stamp("/items", params={"type": "metrics"})
    text = served.client.get("/_lamina/metrics").text
    hits = [line for line in text.splitlines() if line.startswith("AWS_ApiGateway_CacheHitCount")]
    assert any(f'ApiId="{served.api_id}"' in line and 'Resource="/items"' in line for line in hits)
    assert "AWS_ApiGateway_CacheMissCount_total" in text


def test_stage_cache_update_stage_turns_caching_on_for_a_method(served: Served) -> None:
    def caching(value: str) -> None:
        served.apigw.update_stage(
            restApiId=served.api_id,
            stageName="Prod",
            patchOperations=[
                {"op": "replace", "path": "/~1notes/POST/caching/enabled", "value": value}
            ],
        )

    caching("true")
    try:
        note = served.stamp("/notes", "POST", content=b"{}")
        assert served.stamp("/notes", "POST", content=b"{}") == note
    finally:
        caching("false")
    assert served.stamp("/notes", "POST", content=b"{}") != note
