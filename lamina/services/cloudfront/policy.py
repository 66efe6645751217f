"""Cache policies and origin request policies: AWS's managed ones by id, a template's
AWS::CloudFront::CachePolicy / OriginRequestPolicy, and legacy cache settings
(ForwardedValues, MinTTL / DefaultTTL / MaxTTL).

https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/using-managed-cache-policies.html
https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/using-managed-origin-request-policies.html
https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/RequestAndResponseBehaviorCustomOrigin.html
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from lamina.services.cloudfront.model import CachePolicy, Forwarding, KeySet

_ORIGIN_CACHE_HEADERS = KeySet(
    behavior="whitelist",
    names=("host", "origin", "x-http-method-override", "x-http-method", "x-method-override"),
)
MANAGED_CACHE_POLICIES: dict[str, CachePolicy] = {
    "2e54312d-136d-493c-8eb9-b001f22f67d2": CachePolicy(
        name="Amplify",
        min_ttl=2,
        default_ttl=2,
        max_ttl=600,
        key=Forwarding(
            headers=KeySet(
                behavior="whitelist",
                names=("authorization", "cloudfront-viewer-country", "host"),
            ),
            cookies=KeySet(behavior="all"),
            query_strings=KeySet(behavior="all"),
        ),
        gzip=True,
        brotli=True,
    ),
    "4135ea2d-6df8-44a3-9df3-4b5a84be39ad": CachePolicy(
        name="CachingDisabled", min_ttl=0, default_ttl=0, max_ttl=0
    ),
    "658327ea-f89d-4fab-a63d-7e88639e58f6": CachePolicy(
        name="CachingOptimized",
        min_ttl=1,
        default_ttl=86400,
        max_ttl=31536000,
        gzip=True,
        brotli=True,
    ),
    "b2884449-e4de-46a7-ac36-70bc7f1ddd6d": CachePolicy(
        name="CachingOptimizedForUncompressedObjects",
        min_ttl=1,
        default_ttl=86400,
        max_ttl=31536000,
    ),
    "08627262-05a9-4f76-9ded-b50ca2e3a84f": CachePolicy(
        name="Elemental-MediaPackage",
        min_ttl=0,
        default_ttl=86400,
        max_ttl=31536000,
        key=Forwarding(
            headers=KeySet(behavior="whitelist", names=("origin",)),
            query_strings=KeySet(
                behavior="whitelist", names=("aws.manifestfilter", "end", "m", "start")
            ),
        ),
        gzip=True,
    ),
    "83da9c7e-98b4-4e11-a168-04f0df8e2c65": CachePolicy(
        name="UseOriginCacheControlHeaders",
        min_ttl=0,
        default_ttl=0,
        max_ttl=31536000,
        key=Forwarding(headers=_ORIGIN_CACHE_HEADERS, cookies=KeySet(behavior="all")),
        gzip=True,
        brotli=True,
    ),
    "4cc15a8a-d715-48a4-82b8-cc0b614638fe": CachePolicy(
        name="UseOriginCacheControlHeaders-QueryStrings",
        min_ttl=0,
        default_ttl=0,
        max_ttl=31536000,
        key=Forwarding(
            headers=_ORIGIN_CACHE_HEADERS,
            cookies=KeySet(behavior="all"),
            query_strings=KeySet(behavior="all"),
        ),
        gzip=True,
        brotli=True,
    ),
}
CACHING_OPTIMIZED = MANAGED_CACHE_POLICIES["658327ea-f89d-4fab-a63d-7e88639e58f6"]

_ALL = KeySet(behavior="all")
MANAGED_ORIGIN_REQUEST_POLICIES: dict[str, Forwarding] = {
    # AllViewer
    "216adef6-5c7f-47e4-b989-5492eafa07d3": Forwarding(
        headers=KeySet(behavior="allViewer"), cookies=_ALL, query_strings=_ALL
    ),
    # AllViewerExceptHostHeader
    "b689b0a8-53d0-40ab-baf2-68738e2966ac": Forwarding(
        headers=KeySet(behavior="allExcept", names=("host",)), cookies=_ALL, query_strings=_ALL
    ),
    # AllViewerAndCloudFrontHeaders-2022-06
    "33f36d7e-f396-46d9-90e0-52428a34d9dc": Forwarding(
        headers=KeySet(behavior="allViewerAndWhitelistCloudFront"),
        cookies=_ALL,
        query_strings=_ALL,
    ),
    # CORS-CustomOrigin
    "59781a5b-3903-41f3-afcb-af62929ccde1": Forwarding(
        headers=KeySet(behavior="whitelist", names=("origin",))
    ),
    # CORS-S3Origin
    "88a5eaf4-2fd4-4709-b370-b4c650ea3fcf": Forwarding(
        headers=KeySet(
            behavior="whitelist",
            names=("origin", "access-control-request-headers", "access-control-request-method"),
        )
    ),
    # UserAgentRefererHeaders
    "acba4595-bd28-49b8-b9fe-13317c0390fa": Forwarding(
        headers=KeySet(behavior="whitelist", names=("user-agent", "referer"))
    ),
}


def _names(config: Mapping[str, Any] | None, key: str, *, lower: bool) -> tuple[str, ...]:
    if not isinstance(config, Mapping):
        return ()
    raw = config.get(key)
    if isinstance(raw, Mapping):  # the API's {Quantity, Items}
        raw = raw.get("Items")
    if not isinstance(raw, list):
        return ()
    return tuple(str(name).lower() if lower else str(name) for name in raw)


def _key_set(config: object, behavior_key: str, names_key: str, *, lower: bool) -> KeySet:
    if not isinstance(config, Mapping):
        return KeySet()
    behavior = str(config.get(behavior_key, "none"))
    return KeySet(behavior=behavior, names=_names(config, names_key, lower=lower))


def forwarding_of(config: Mapping[str, Any]) -> Forwarding:
    """`HeadersConfig` / `CookiesConfig` / `QueryStringsConfig` of a cache policy's
    ParametersInCacheKeyAndForwardedToOrigin or an OriginRequestPolicyConfig."""
    return Forwarding(
        headers=_key_set(config.get("HeadersConfig"), "HeaderBehavior", "Headers", lower=True),
        cookies=_key_set(config.get("CookiesConfig"), "CookieBehavior", "Cookies", lower=False),
        query_strings=_key_set(
            config.get("QueryStringsConfig"), "QueryStringBehavior", "QueryStrings", lower=False
        ),
    )


def cache_policy_of(config: Mapping[str, Any], name: str = "") -> CachePolicy:
    """An AWS::CloudFront::CachePolicy's CachePolicyConfig.
    https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-properties-cloudfront-cachepolicy-cachepolicyconfig.html
    """
    parameters = config.get("ParametersInCacheKeyAndForwardedToOrigin") or {}
    return CachePolicy(
        name=str(config.get("Name", name)),
        min_ttl=int(config.get("MinTTL", 0)),
        default_ttl=int(config.get("DefaultTTL", 86400)),
        max_ttl=int(config.get("MaxTTL", 31536000)),
        key=forwarding_of(parameters),
        gzip=_true(parameters.get("EnableAcceptEncodingGzip")),
        brotli=_true(parameters.get("EnableAcceptEncodingBrotli")),
    )


def legacy_policy(behavior: Mapping[str, Any]) -> CachePolicy:
    """Legacy cache settings: ForwardedValues and the behavior's own TTLs (defaults 0 /
    86400 / 31536000). Forwarding all headers (`*`) turns caching off. Brotli needs a
    cache policy; legacy settings compress with gzip only.
    https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-properties-cloudfront-distribution-forwardedvalues.html
    """
    forwarded = behavior.get("ForwardedValues") or {}
    headers = _names(forwarded, "Headers", lower=True)
    cookies = forwarded.get("Cookies") or {}
    cookie_mode = str(cookies.get("Forward", "none")) if isinstance(cookies, Mapping) else "none"
    cookie_names = _names(cookies, "WhitelistedNames", lower=False)
    query = _true(forwarded.get("QueryString"))
    query_names = _names(forwarded, "QueryStringCacheKeys", lower=False)
    if query:
        query_set = KeySet(behavior="whitelist", names=query_names) if query_names else _ALL
    else:
        query_set = KeySet()
    all_headers = "*" in headers
    return CachePolicy(
        name="legacy",
        min_ttl=0 if all_headers else int(behavior.get("MinTTL", 0)),
        default_ttl=0 if all_headers else int(behavior.get("DefaultTTL", 86400)),
        max_ttl=0 if all_headers else int(behavior.get("MaxTTL", 31536000)),
        key=Forwarding(
            headers=_ALL if all_headers else KeySet(behavior="whitelist", names=headers),
            cookies=KeySet(
                behavior={"all": "all", "whitelist": "whitelist"}.get(cookie_mode, "none"),
                names=cookie_names,
            ),
            query_strings=query_set,
        ),
        gzip=True,
        legacy=True,
    )


LEGACY_ORIGIN_REQUEST = Forwarding(
    headers=KeySet(behavior="allExcept", names=("host", "user-agent"))
)
"""What legacy cache settings send a custom origin besides the cache key: the viewer's
headers but Host and User-Agent (which CloudFront replaces).
https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/RequestAndResponseBehaviorCustomOrigin.html#request-custom-headers-behavior
"""


def _true(value: object) -> bool:
    return value is True or str(value).lower() == "true"
