"""One viewer request to a distribution, in CloudFront's order:

    behavior (path pattern) → viewer protocol policy → allowed methods
    → cache lookup (fresh: Hit; stale: revalidate with the origin, RefreshHit)
    → origin (S3 or API, in process) → custom error response → cache store
    → delivery (304 / 206 / gzip or br) with X-Cache, Via, X-Amz-Cf-Pop, X-Amz-Cf-Id, Age

https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/HowCloudFrontWorks.html
https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/DefaultRootObject.html
https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/GeneratingCustomErrorResponses.html
https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/Expiration.html
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qsl, urlencode

from lamina.edge.cdn import function, viewer
from lamina.edge.cdn.function import FunctionRunner
from lamina.edge.cdn.origin import (
    ApiGateway,
    Loopback,
    ObjectReader,
    OriginAnswer,
    from_api,
    from_loopback,
    from_s3,
    gateway_serves,
    origin_request,
)
from lamina.edge.cdn.viewer import ERROR, HIT, MISS, REDIRECT, REFRESH_HIT
from lamina.http.message import HttpRequest, HttpResponse
from lamina.services.cloudfront import headers as response_headers
from lamina.services.cloudfront.cache import CacheKey, Entry, ttl_of
from lamina.services.cloudfront.key import cache_key
from lamina.services.cloudfront.model import Behavior, CachePolicy, Distribution
from lamina.services.cloudfront.pattern import behavior_for
from lamina.services.cloudfront.provider import CloudFrontProvider

# Statuses CloudFront caches by the object's TTL, and error statuses it caches for the
# error caching minimum TTL (10 s unless a custom error response says otherwise).
# https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/HTTPStatusCodes.html
_CACHED_STATUSES = frozenset({200, 203, 300, 301, 410})
_CACHED_ERRORS = frozenset({400, 403, 404, 405, 414, 416, 500, 501, 502, 503, 504})
DEFAULT_ERROR_CACHING_TTL = 10
_DROPPED = frozenset({b"content-length", b"transfer-encoding", b"connection", b"keep-alive"})


class SiteEdge:
    def __init__(
        self,
        cloudfront: CloudFrontProvider,
        *,
        s3: ObjectReader,
        gateway: ApiGateway,
        account_id: str,
        region: str,
        tls: bool = False,
        loopback: Loopback | None = None,
        wall_clock: Callable[[], float] = time.time,
    ) -> None:
        self._cloudfront = cloudfront
        self._cache = cloudfront.cache
        self._s3 = s3
        self._gateway = gateway
        self._account_id = account_id
        self._region = region
        self.tls = tls
        """The server speaks HTTPS: redirect-to-https and https-only policies apply."""
        self._wall = wall_clock
        self.loopback = loopback
        """The edge itself, for custom origins that are S3 website endpoints."""
        self._pending: dict[CacheKey, asyncio.Future[Entry | None]] = {}
        self._functions = FunctionRunner()
        cloudfront.tester = self._functions  # TestFunction runs code the same way

    def distribution_for(self, host: str) -> Distribution | None:
        return self._cloudfront.for_host(host)

    async def serve(self, request: HttpRequest, distribution: Distribution) -> HttpResponse:
        cf_id = viewer.request_id()
        if not distribution.enabled:
            # A disabled distribution accepts no viewer requests; Lamina answers CloudFront's
            # "Bad request" page (its answer for a host no enabled distribution serves).
            # https://repost.aws/knowledge-center/resolve-cloudfront-bad-request-error
            return viewer.error_page(403, "Bad request.", cf_id)
        path = _rooted(distribution, request.path)
        behavior = behavior_for(distribution, path)
        refused = self._refused(request, behavior, cf_id)
        if refused is not None:
            return refused
        if behavior.viewer_request is not None:
            changed = await self._viewer_request(distribution, behavior, request, cf_id)
            if isinstance(changed, HttpResponse):
                return changed
            request = changed
            path = _rooted(distribution, request.path)
        method = request.method.upper()
        cacheable = method in behavior.cached_methods and behavior.cache.max_ttl > 0
        key = cache_key(
            distribution.id, path, request.query_string, request.headers, behavior.cache
        )
        entry, status = await self._entry(
            distribution, behavior, path, request, key, cacheable, cf_id
        )
        entry, status = await self._custom_error(
            distribution, request, key, entry, status, cacheable=cacheable, cf_id=cf_id
        )
        response = viewer.deliver(
            request,
            behavior,
            entry,
            status,
            cf_id,
            now=self._cache.clock(),
            grew=lambda size: self._cache.grew(key, size),
        )
        if behavior.response_headers is not None:
            response.headers = response_headers.apply(
                behavior.response_headers, response.headers, request.headers, method
            )
        if behavior.viewer_response is not None:
            response = await self._viewer_response(distribution, behavior, request, response, cf_id)
        return response

    async def close(self) -> None:
        await self._functions.close()

    # -- CloudFront Functions (edge/cdn/function.py)

    async def _viewer_request(
        self, distribution: Distribution, behavior: Behavior, request: HttpRequest, cf_id: str
    ) -> HttpRequest | HttpResponse:
        """The request a viewer-request function leaves, or the response it generated."""
        assert behavior.viewer_request is not None
        query = parse_qsl(request.query_string, keep_blank_values=True)
        sent = function.request_object(request.method.upper(), request.path, query, request.headers)
        try:
            result = await self._functions.run(
                behavior.viewer_request,
                self._event("viewer-request", distribution, request, sent, cf_id),
            )
        except function.FunctionError:
            return _function_failed(cf_id)
        if function.is_response(result):
            status, answer_headers, body = function.response_from(result)
            answer_headers += viewer.cloudfront_headers(viewer.FUNCTION_RESPONSE, cf_id)
            return HttpResponse(status, answer_headers, body or b"")
        if not isinstance(result, dict):
            return _function_failed(cf_id)
        uri, pairs, request_headers = function.request_from(result)
        return request.replace(path=uri, query_string=urlencode(pairs), headers=request_headers)

    async def _viewer_response(
        self,
        distribution: Distribution,
        behavior: Behavior,
        request: HttpRequest,
        response: HttpResponse,
        cf_id: str,
    ) -> HttpResponse:
        assert behavior.viewer_response is not None
        query = parse_qsl(request.query_string, keep_blank_values=True)
        sent = function.request_object(request.method.upper(), request.path, query, request.headers)
        answer = function.response_object(response.status, response.headers)
        event = self._event("viewer-response", distribution, request, sent, cf_id, answer)
        try:
            result = await self._functions.run(behavior.viewer_response, event)
        except function.FunctionError:
            return _function_failed(cf_id)
        if not function.is_response(result):
            return _function_failed(cf_id)
        status, headers, body = function.response_from(result)
        return HttpResponse(status, headers, response.body if body is None else body)

    def _event(
        self,
        event_type: str,
        distribution: Distribution,
        request: HttpRequest,
        sent: dict[str, Any],
        cf_id: str,
        answer: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        return function.event(
            event_type,
            sent,
            distribution_id=distribution.id,
            domain_name=distribution.domain_name,
            request_id=cf_id,
            client=request.client,
            response=answer,
        )

    # -- refusals

    def _refused(self, request: HttpRequest, behavior: Behavior, cf_id: str) -> HttpResponse | None:
        policy = behavior.viewer_protocol_policy
        if self.tls and request.tls is None and policy in ("redirect-to-https", "https-only"):
            if policy == "https-only":
                # https://repost.aws/knowledge-center/resolve-cloudfront-bad-request-error
                return viewer.error_page(403, "Bad request.", cf_id)
            # https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/using-https-viewers-to-cloudfront.html
            host = request.header("Host") or ""
            query = f"?{request.query_string}" if request.query_string else ""
            location = f"https://{host}{request.path}{query}".encode()
            headers = [(b"Location", location), (b"Content-Type", b"text/html")]
            headers += viewer.cloudfront_headers(REDIRECT, cf_id)
            return HttpResponse(301, headers, viewer.error_body(301, "Moved Permanently", cf_id))
        if request.method.upper() not in behavior.allowed_methods:
            # https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/http-405-not-found.html
            return viewer.error_page(
                403,
                "This distribution is not configured to allow the HTTP request method that "
                "was used for this request. The distribution supports only cachable requests.",
                cf_id,
            )
        return None

    # -- cache and origin

    async def _entry(
        self,
        distribution: Distribution,
        behavior: Behavior,
        path: str,
        request: HttpRequest,
        key: CacheKey,
        cacheable: bool,
        cf_id: str,
    ) -> tuple[Entry, str]:
        now = self._cache.clock()
        cached = self._cache.get(key) if cacheable else None
        if cached is not None and cached.fresh(now):
            return cached, ERROR if cached.error else HIT
        if not cacheable:
            return await self._from_origin(distribution, behavior, path, request, key, None, cf_id)
        # Request collapsing: viewers asking for an object already being fetched wait for
        # that fetch instead of sending their own.
        # https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/RequestAndResponseBehaviorCustomOrigin.html#request-custom-traffic-spikes
        pending = self._pending.get(key)
        if pending is not None:
            shared = await asyncio.shield(pending)
            if shared is not None:
                return shared, ERROR if shared.error else HIT
        future: asyncio.Future[Entry | None] = asyncio.get_running_loop().create_future()
        self._pending[key] = future
        try:
            entry, status = await self._from_origin(
                distribution, behavior, path, request, key, cached, cf_id
            )
        except BaseException:
            future.set_result(None)  # the waiters fetch for themselves
            raise
        finally:
            if self._pending.get(key) is future:
                del self._pending[key]
        if not future.done():
            future.set_result(entry)
        return entry, status

    async def _from_origin(
        self,
        distribution: Distribution,
        behavior: Behavior,
        path: str,
        request: HttpRequest,
        key: CacheKey,
        cached: Entry | None,
        cf_id: str,
    ) -> tuple[Entry, str]:
        now = self._cache.clock()
        cacheable = cached is not None or behavior.cache.max_ttl > 0
        origin = distribution.origins[behavior.target_origin_id]
        etag = cached.header(b"etag") if cached is not None and not cached.error else None
        if etag is not None and origin.kind == "s3":
            # A stale copy is revalidated with the origin (If-None-Match its ETag).
            answer = await self._fetch(
                distribution, behavior, path, request, cf_id, etag=etag.decode("latin-1")
            )
            if answer.not_modified and cached is not None:
                cached.stored_at = now
                return cached, REFRESH_HIT
        else:
            answer = await self._fetch(distribution, behavior, path, request, cf_id)
        entry = self._entry_of(answer, behavior.cache, now)
        if cacheable and entry.ttl > 0 and request.method.upper() in behavior.cached_methods:
            self._cache.put(key, entry)
        return entry, ERROR if entry.error else MISS

    async def _fetch(
        self,
        distribution: Distribution,
        behavior: Behavior,
        path: str,
        request: HttpRequest,
        cf_id: str,
        *,
        etag: str | None = None,
    ) -> OriginAnswer:
        origin = distribution.origins[behavior.target_origin_id]
        if origin.kind == "s3":
            if request.method.upper() not in ("GET", "HEAD"):
                return _s3_method_refused()
            return await from_s3(
                self._s3,
                origin,
                path,
                account_id=self._account_id,
                region=self._region,
                etag=etag,
            )
        sent = origin_request(behavior, origin, path, request, cf_id, via=viewer.EDGE_SERVER)
        if gateway_serves(self._gateway, origin):
            return await from_api(self._gateway, origin, sent)
        if self.loopback is not None:
            answer = await from_loopback(self.loopback, origin, sent)
            if answer is not None:
                return answer
        # Lamina reaches only S3, API and custom-domain origins (in process); others are
        # unreachable: CloudFront's 502 page.
        # https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/http-502-bad-gateway.html
        return OriginAnswer(
            502,
            [(b"Content-Type", b"text/html"), (b"Server", b"CloudFront")],
            viewer.error_body(502, "CloudFront wasn't able to connect to the origin.", cf_id),
        )

    def _entry_of(self, answer: OriginAnswer, policy: CachePolicy, now: float) -> Entry:
        headers = [(k, v) for k, v in answer.headers if k.lower() not in _DROPPED]
        if answer.status >= 400:
            error_ttl = DEFAULT_ERROR_CACHING_TTL if answer.status in _CACHED_ERRORS else 0
            if policy.max_ttl == 0:
                error_ttl = 0
            return Entry(answer.status, headers, answer.body, now, error_ttl, error=True)
        ttl = ttl_of(headers, policy, self._wall()) if answer.status in _CACHED_STATUSES else 0
        return Entry(answer.status, headers, answer.body, now, ttl)

    async def _custom_error(
        self,
        distribution: Distribution,
        request: HttpRequest,
        key: CacheKey,
        entry: Entry,
        status: str,
        *,
        cacheable: bool,
        cf_id: str,
    ) -> tuple[Entry, str]:
        """A custom error response for the origin's error status: its page (fetched like
        any object, through its own behavior) with its response code, cached under the
        request's key for ErrorCachingMinTTL when the request's behavior caches at all."""
        if status != ERROR or entry.status < 400:
            return entry, status
        custom = distribution.error_responses.get(entry.status)
        if custom is None:
            return entry, status
        body, headers, code = entry.body, entry.headers, entry.status
        if custom.page_path is not None:
            page_behavior = behavior_for(distribution, custom.page_path)
            page_key = cache_key(distribution.id, custom.page_path, "", [], page_behavior.cache)
            page, _ = await self._entry(
                distribution,
                page_behavior,
                custom.page_path,
                _get(request),
                page_key,
                page_behavior.cache.max_ttl > 0,
                cf_id,
            )
            if page.status >= 400:
                return entry, status  # no page to show: the origin's own error
            body, headers = page.body, page.headers
        if custom.response_code is not None:
            code = custom.response_code
        now = self._cache.clock()
        replaced = Entry(code, headers, body, now, custom.caching_min_ttl, error=True)
        if cacheable and custom.caching_min_ttl > 0:
            self._cache.put(key, replaced)
        elif cacheable:
            self._cache.drop(key)
        return replaced, ERROR


def _rooted(distribution: Distribution, path: str) -> str:
    """The default root object answers the root URL only (not subdirectories)."""
    if (path or "/") == "/" and distribution.default_root_object:
        return "/" + distribution.default_root_object
    return path or "/"


def _function_failed(cf_id: str) -> HttpResponse:
    # https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/http-503-service-unavailable.html
    response = viewer.error_page(
        503,
        "The CloudFront function associated with the CloudFront distribution is invalid or "
        "could not run.",
        cf_id,
    )
    response.headers = [
        (k, viewer.FUNCTION_ERROR.encode() if k == b"X-Cache" else v) for k, v in response.headers
    ]
    return response


def _get(request: HttpRequest) -> HttpRequest:
    """The request for an error page: a GET of it, with the viewer's headers."""
    return request.replace(method="GET", query_string="", body=b"")


def _s3_method_refused() -> OriginAnswer:
    return OriginAnswer(
        403,
        [(b"Content-Type", b"application/xml"), (b"Server", b"AmazonS3")],
        b'<?xml version="1.0" encoding="UTF-8"?>\n'
        b"<Error><Code>AccessDenied</Code><Message>Access Denied</Message></Error>",
    )
