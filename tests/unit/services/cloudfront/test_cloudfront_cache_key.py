"""The cache key and what reaches the origin, per cache and origin request policy.
https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/understanding-the-cache-key.html
https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/controlling-origin-requests.html
"""

from __future__ import annotations

from lamina.services.cloudfront.cache import EdgeCache, Entry
from lamina.services.cloudfront.key import cache_key, origin_headers, origin_query
from lamina.services.cloudfront.model import CachePolicy, Forwarding, KeySet
from lamina.services.cloudfront.policy import (
    CACHING_OPTIMIZED,
    LEGACY_ORIGIN_REQUEST,
    MANAGED_CACHE_POLICIES,
    MANAGED_ORIGIN_REQUEST_POLICIES,
    cache_policy_of,
    legacy_policy,
)

ALL_VIEWER_EXCEPT_HOST = MANAGED_ORIGIN_REQUEST_POLICIES["b689b0a8-53d0-40ab-baf2-68738e2966ac"]
DISABLED = MANAGED_CACHE_POLICIES["4135ea2d-6df8-44a3-9df3-4b5a84be39ad"]


def test_caching_optimized_keys_on_the_path_only() -> None:
    one = cache_key("E1", "/a.js", "v=1", [("X-Any", "1"), ("Cookie", "s=1")], CACHING_OPTIMIZED)
    two = cache_key("E1", "/a.js", "v=2", [("X-Any", "2")], CACHING_OPTIMIZED)
    assert one == two
    assert cache_key("E1", "/b.js", "", [], CACHING_OPTIMIZED) != one
    assert cache_key("E2", "/a.js", "", [], CACHING_OPTIMIZED) != one


def test_policy_query_strings_headers_and_cookies_enter_the_key() -> None:
    policy = CachePolicy(
        key=Forwarding(
            headers=KeySet(behavior="whitelist", names=("accept-language",)),
            cookies=KeySet(behavior="whitelist", names=("theme",)),
            query_strings=KeySet(behavior="allExcept", names=("utm",)),
        )
    )
    base = cache_key("E1", "/p", "page=1&utm=x", [("Accept-Language", "en")], policy)
    assert base == cache_key("E1", "/p", "page=1&utm=y", [("accept-language", "en")], policy)
    assert base != cache_key("E1", "/p", "page=2", [("Accept-Language", "en")], policy)
    assert base != cache_key("E1", "/p", "page=1", [("Accept-Language", "fr")], policy)
    themed = cache_key(
        "E1", "/p", "page=1", [("Accept-Language", "en"), ("Cookie", "theme=dark")], policy
    )
    assert themed != base
    other_cookie = [("Accept-Language", "en"), ("Cookie", "session=1")]
    assert cache_key("E1", "/p", "page=1", other_cookie, policy) == base


def test_authorization_reaches_an_api_through_the_cache_policy_or_all_viewer_uncached() -> None:
    # https://repost.aws/knowledge-center/cloudfront-authorization-header
    viewer = [("Authorization", "Bearer t"), ("X-Trace", "1"), ("Host", "d.cloudfront.net")]
    forwarded = dict(origin_headers(viewer, DISABLED, ALL_VIEWER_EXCEPT_HOST, s3=False))
    assert forwarded["Authorization"] == "Bearer t"  # caching disabled + all viewer headers
    assert "Host" not in forwarded
    assert forwarded["X-Trace"] == "1"
    cached = dict(origin_headers(viewer, CACHING_OPTIMIZED, ALL_VIEWER_EXCEPT_HOST, s3=False))
    assert "Authorization" not in cached  # a cached behavior: only the cache key carries it
    named = Forwarding(headers=KeySet(behavior="whitelist", names=("authorization",)))
    assert "Authorization" not in dict(origin_headers(viewer, DISABLED, named, s3=False))
    with_auth = CachePolicy(
        key=Forwarding(headers=KeySet(behavior="whitelist", names=("authorization",)))
    )
    assert ("Authorization", "Bearer t") in origin_headers(
        viewer, with_auth, Forwarding(), s3=False
    )
    assert origin_headers(viewer, with_auth, Forwarding(), s3=True) == []


def test_origin_query_is_the_union_of_both_policies() -> None:
    assert origin_query("a=1&b=2", DISABLED, Forwarding()) == ""
    assert origin_query("a=1&b=2", DISABLED, ALL_VIEWER_EXCEPT_HOST) == "a=1&b=2"
    only_a = CachePolicy(key=Forwarding(query_strings=KeySet(behavior="whitelist", names=("a",))))
    assert origin_query("a=1&b=2", only_a, Forwarding()) == "a=1"


def test_template_cache_policy_and_legacy_settings() -> None:
    policy = cache_policy_of(
        {
            "Name": "api",
            "MinTTL": 0,
            "DefaultTTL": 5,
            "MaxTTL": 60,
            "ParametersInCacheKeyAndForwardedToOrigin": {
                "EnableAcceptEncodingGzip": True,
                "EnableAcceptEncodingBrotli": False,
                "HeadersConfig": {"HeaderBehavior": "whitelist", "Headers": ["Authorization"]},
                "CookiesConfig": {"CookieBehavior": "none"},
                "QueryStringsConfig": {"QueryStringBehavior": "all"},
            },
        }
    )
    assert (policy.min_ttl, policy.default_ttl, policy.max_ttl) == (0, 5, 60)
    assert policy.key.headers.admits("authorization") and policy.gzip and not policy.brotli
    legacy = legacy_policy(
        {"ForwardedValues": {"QueryString": True, "Headers": ["*"]}, "DefaultTTL": 300}
    )
    assert legacy.max_ttl == 0  # forwarding every header turns caching off
    assert legacy.key.query_strings.admits("anything")
    plain = legacy_policy({"ForwardedValues": {"QueryString": False}, "MinTTL": 2})
    assert (plain.min_ttl, plain.default_ttl, plain.max_ttl) == (2, 86400, 31536000)
    assert plain.gzip and not plain.brotli  # Brotli needs a cache policy


def test_edge_cache_invalidates_by_path_and_evicts_least_recently_used() -> None:
    cache = EdgeCache(budget_bytes=32, clock=lambda: 0.0)  # eight 4-byte entries
    keys = [cache_key("E1", f"/p{n}", "", [], CACHING_OPTIMIZED) for n in range(9)]
    for key in keys[:8]:
        cache.put(key, Entry(200, [], b"abcd", 0.0, 60))
    assert cache.get(keys[0]) is not None  # now the most recently used
    cache.put(keys[8], Entry(200, [], b"abcd", 0.0, 60))
    assert cache.get(keys[1]) is None and cache.get(keys[0]) is not None
    assert cache.invalidate("E2", ["/*"]) == 0
    assert cache.invalidate("E1", ["/p0"]) == 1
    assert cache.get(keys[0]) is None and cache.bytes_used == 7 * 4


def test_edge_cache_does_not_keep_objects_over_an_eighth_of_its_budget() -> None:
    cache = EdgeCache(budget_bytes=80, clock=lambda: 0.0)
    small = cache_key("E1", "/small", "", [], CACHING_OPTIMIZED)
    big = cache_key("E1", "/big", "", [], CACHING_OPTIMIZED)
    cache.put(small, Entry(200, [], b"s" * 10, 0.0, 60))
    cache.put(big, Entry(200, [], b"b" * 11, 0.0, 60))
    assert cache.get(small) is not None and cache.get(big) is None


def test_legacy_settings_send_custom_origins_the_other_viewer_headers() -> None:
    # https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/RequestAndResponseBehaviorCustomOrigin.html
    legacy = legacy_policy({"ForwardedValues": {"QueryString": False}})
    viewer = [
        ("Content-Type", "application/json"),
        ("Authorization", "Bearer t"),
        ("User-Agent", "curl"),
        ("Host", "d.cloudfront.net"),
    ]
    post = dict(origin_headers(viewer, legacy, LEGACY_ORIGIN_REQUEST, s3=False, method="POST"))
    assert post == {"Content-Type": "application/json", "Authorization": "Bearer t"}
    get = dict(origin_headers(viewer, legacy, LEGACY_ORIGIN_REQUEST, s3=False, method="GET"))
    assert get == {"Content-Type": "application/json"}


def test_a_requests_content_type_reaches_custom_origins_under_any_policy() -> None:
    viewer = [("Content-Type", "application/json"), ("X-Other", "1")]
    assert origin_headers(viewer, DISABLED, Forwarding(), s3=False, method="POST") == [
        ("Content-Type", "application/json")
    ]
