"""The cache key, and what goes to the origin: the URL path, plus the query strings,
headers and cookies the cache policy includes; an origin request policy adds to what the
origin sees without adding to the key.

https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/understanding-the-cache-key.html
https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/controlling-origin-requests.html
- header names are case-insensitive, query string and cookie names case-sensitive;
- the Authorization header reaches a custom origin when the cache policy includes it, or
  when caching is disabled (all TTLs 0) and the origin request policy forwards all viewer
  headers (AllViewer, AllViewerExceptHostHeader); a whitelist cannot name it, and S3 origins
  never receive it (https://repost.aws/knowledge-center/cloudfront-authorization-header);
- a cache key's query strings keep their order in the request (`?a=1&b=2` and `?b=2&a=1`
  are different keys).
"""

from __future__ import annotations

from collections.abc import Sequence
from urllib.parse import parse_qsl, quote

from lamina.services.cloudfront.cache import CacheKey
from lamina.services.cloudfront.model import CachePolicy, Forwarding, KeySet

Headers = Sequence[tuple[str, str]]
# Hop-by-hop and per-connection headers never travel on (RFC 9110, 7.6.1).
_HOP = frozenset(
    {"connection", "keep-alive", "proxy-connection", "te", "trailer", "transfer-encoding",
     "upgrade", "content-length", "expect"}
)  # fmt: skip
_NEVER_FORWARDED = frozenset({"host", "authorization", "accept-encoding", "cookie"})
# Headers describing a request's body reach custom origins whatever the policies say.
# https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/RequestAndResponseBehaviorCustomOrigin.html#request-custom-headers-behavior
_BODY_HEADERS = frozenset({"content-type", "content-md5"})


def _query_pairs(query_string: str, keys: KeySet) -> list[tuple[str, str]]:
    if keys.behavior == "none" or not query_string:
        return []
    pairs = parse_qsl(query_string, keep_blank_values=True)
    return [(name, value) for name, value in pairs if keys.admits(name)]


def _cookies(headers: Headers, keys: KeySet) -> list[tuple[str, str]]:
    if keys.behavior == "none":
        return []
    found = []
    for name, value in headers:
        if name.lower() != "cookie":
            continue
        for part in value.split(";"):
            cookie, _, cookie_value = part.strip().partition("=")
            if cookie and keys.admits(cookie):
                found.append((cookie, cookie_value))
    return found


def _header_values(headers: Headers, keys: KeySet) -> list[tuple[str, str]]:
    if keys.behavior == "none":
        return []
    found = []
    for name, value in headers:
        lowered = name.lower()
        if lowered in _HOP or lowered in ("cookie", "accept-encoding"):
            continue
        if keys.admits(lowered):
            found.append((lowered, value))
    return sorted(found)


def cache_key(
    distribution_id: str, path: str, query_string: str, headers: Headers, policy: CachePolicy
) -> CacheKey:
    key = policy.key
    parts = [
        "&".join(f"{n}={v}" for n, v in _query_pairs(query_string, key.query_strings)),
        "|".join(f"{n}:{v}" for n, v in _header_values(headers, key.headers)),
        ";".join(f"{n}={v}" for n, v in sorted(_cookies(headers, key.cookies))),
    ]
    return CacheKey((distribution_id, path, "\x00".join(parts)))


def origin_query(query_string: str, policy: CachePolicy, request_policy: Forwarding) -> str:
    """The query string the origin receives."""
    pairs = [
        (name, value)
        for name, value in parse_qsl(query_string, keep_blank_values=True)
        if policy.key.query_strings.admits(name) or request_policy.query_strings.admits(name)
    ]
    return "&".join(f"{quote(n, safe='')}={quote(v, safe='')}" for n, v in pairs)


def origin_headers(
    headers: Headers,
    policy: CachePolicy,
    request_policy: Forwarding,
    *,
    s3: bool,
    method: str = "GET",
) -> list[tuple[str, str]]:
    """The viewer's headers the origin receives (Host and CloudFront's own are added by
    the caller)."""
    out: list[tuple[str, str]] = []
    for name, value in headers:
        lowered = name.lower()
        if lowered in _HOP or lowered == "accept-encoding":
            continue
        if lowered == "authorization":
            if not s3 and _forwards_authorization(policy, request_policy, method):
                out.append((name, value))
            continue
        if lowered in _NEVER_FORWARDED:
            continue
        if (
            lowered in _BODY_HEADERS
            or policy.key.headers.admits(lowered)
            or request_policy.headers.admits(lowered)
        ):
            out.append((name, value))
    cookies = [
        f"{n}={v}"
        for n, v in _cookies(headers, policy.key.cookies)
        + _cookies(headers, request_policy.cookies)
    ]
    if cookies:
        out.append(("Cookie", "; ".join(dict.fromkeys(cookies))))
    return out


def _forwards_authorization(policy: CachePolicy, request_policy: Forwarding, method: str) -> bool:
    if policy.key.headers.admits("authorization"):
        return True
    if policy.legacy:
        # Legacy settings: removed from GET and HEAD unless cached on, kept on the others.
        return method.upper() not in ("GET", "HEAD")
    all_viewer = request_policy.headers.behavior in (
        "allViewer",
        "allViewerAndWhitelistCloudFront",
        "allExcept",
    ) and request_policy.headers.admits("authorization")
    return all_viewer and policy.max_ttl == 0
