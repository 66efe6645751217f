"""The CloudFront-compatible edge in process: a real S3 service, CloudFront provider, gateway
(with a scripted function) and Edge dispatch, requests as the HTTP server hands them over.

Behaviours pinned (CloudFront Developer Guide pages cited in lamina/edge/cdn):
default root object, custom error responses (SPA fallback), S3's 403/404 for missing keys,
X-Cache / Age / Via / X-Amz-Cf-*, conditional requests, ranges, gzip and Brotli, TTL expiry
and revalidation (RefreshHit), invalidations, API behaviours proxied through the gateway.
"""

from __future__ import annotations

import asyncio
import gzip
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import brotli  # type: ignore[import-untyped]
import pytest

from lamina.aws.credentials import CredentialStore
from lamina.aws.dispatch import AwsApi
from lamina.aws.service import AwsRequestContext
from lamina.cli.sync_site import forget
from lamina.config.cloudfront import compile_distribution, distribution_domain
from lamina.config.model import TemplateResource
from lamina.edge.app import Edge
from lamina.edge.cdn.site import SiteEdge
from lamina.functions.model import InvokeResult
from lamina.gateway.app import Gateway
from lamina.gateway.deployment import Deployment
from lamina.gateway.domain import ApiMapping, CustomDomain
from lamina.gateway.model import HttpApi, LambdaIntegration, Route, Stage
from lamina.http.message import HttpRequest, HttpResponse
from lamina.services.cloudfront.cache import EdgeCache
from lamina.services.cloudfront.model import ViewerFunction
from lamina.services.cloudfront.provider import CloudFrontProvider
from lamina.services.s3.provider import S3Provider
from tests.invoker import ScriptedInvoker

DIST_ID = "EDFDVBD6EXAMPL"
BUCKET = "site-bucket"
API_ID = "abcde12345"
OPTIMIZED = "658327ea-f89d-4fab-a63d-7e88639e58f6"
DISABLED = "4135ea2d-6df8-44a3-9df3-4b5a84be39ad"
ALL_VIEWER_EXCEPT_HOST = "b689b0a8-53d0-40ab-baf2-68738e2966ac"
BIG_JS = ("console.log('edge');\n" * 120).encode()  # 2,520 bytes: compressible


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def _config(**overrides: Any) -> dict[str, Any]:
    config: dict[str, Any] = {
        "Enabled": True,
        "DefaultRootObject": "index.html",
        "Aliases": ["www.example.localhost"],
        "Origins": [
            {
                "Id": "site",
                "DomainName": f"{BUCKET}.s3.us-east-1.amazonaws.com",
                "S3OriginConfig": {"OriginAccessIdentity": ""},
                "OriginAccessControlId": "E2OACEXAMPLE12",
            },
            {
                "Id": "api",
                "DomainName": f"{API_ID}.execute-api.us-east-1.amazonaws.com",
                "OriginPath": "/Prod",
                "OriginCustomHeaders": [{"HeaderName": "X-From-Edge", "HeaderValue": "yes"}],
            },
        ],
        "DefaultCacheBehavior": {
            "TargetOriginId": "site",
            "ViewerProtocolPolicy": "redirect-to-https",
            "Compress": True,
            "CachePolicyId": OPTIMIZED,
        },
        "CacheBehaviors": [
            {
                "PathPattern": "/api/*",
                "TargetOriginId": "api",
                "ViewerProtocolPolicy": "https-only",
                "AllowedMethods": ["GET", "HEAD", "OPTIONS", "PUT", "PATCH", "POST", "DELETE"],
                "CachePolicyId": DISABLED,
                "OriginRequestPolicyId": ALL_VIEWER_EXCEPT_HOST,
            }
        ],
        "CustomErrorResponses": [
            {"ErrorCode": 403, "ResponseCode": 200, "ResponsePagePath": "/index.html"},
            {"ErrorCode": 404, "ResponseCode": 200, "ResponsePagePath": "/index.html"},
        ],
    }
    config.update(overrides)
    return config


class Site:
    """One distribution in front of a bucket and an HTTP API, behind the Edge."""

    def __init__(
        self,
        tmp_path: Path,
        domains: tuple[CustomDomain, ...] = (),
        functions: tuple[ViewerFunction, ...] = (),
        **config: Any,
    ) -> None:
        self.clock = Clock()
        self.s3 = S3Provider(state_dir=tmp_path, account_id="123456789012")
        self.cloudfront = CloudFrontProvider(cache=EdgeCache(clock=self.clock))
        self.cloudfront.functions.update({f.arn: f for f in functions})
        resource = TemplateResource(
            type="AWS::CloudFront::Distribution",
            logical_id="Site",
            physical_id=DIST_ID,
            properties={"DistributionConfig": _config(**config)},
        )
        self.cloudfront.put_distribution(
            compile_distribution(
                resource,
                account_id="123456789012",
                cache_policies=self.cloudfront.cache_policies,
                origin_request_policies=self.cloudfront.origin_request_policies,
                now=0.0,
                response_headers_policies=self.cloudfront.response_headers_policies,
                functions=self.cloudfront.functions,
            )
        )
        self.host = distribution_domain(DIST_ID).replace(".cloudfront.net", ".cloudfront.localhost")
        self.invoker = ScriptedInvoker(
            InvokeResult(payload=b'{"statusCode": 200, "body": "{\\"from\\": \\"api\\"}"}')
        )
        route = Route(
            route_key="$default",
            integration=LambdaIntegration(function_name="Fn", payload_format="2.0"),
        )
        api = HttpApi(
            id=API_ID, logical_id="Api", name="Api", routes=(route,), stages=(Stage(name="Prod"),)
        )
        deployment = Deployment(
            (), (api,), account_id="123456789012", region="us-east-1", domains=domains
        )
        gateway = Gateway(deployment, self.invoker)
        self.edge_gateway = gateway
        self.edge = Edge(gateway, public_host="127.0.0.1:3000")
        self.sites = SiteEdge(
            self.cloudfront,
            s3=self.s3,
            gateway=gateway,
            account_id="123456789012",
            region="us-east-1",
        )
        self.edge.sites = self.sites

    async def put(self, key: str, body: bytes, **extra: str) -> None:
        handlers = self.s3.handlers()
        if self.s3.state.store.bucket(BUCKET) is None:
            await handlers["CreateBucket"](_context("CreateBucket"), {"Bucket": BUCKET})
        params: dict[str, Any] = {"Bucket": BUCKET, "Key": key, "Body": body, **extra}
        await handlers["PutObject"](_context("PutObject"), params)

    async def get(
        self,
        path: str,
        *headers: tuple[str, str],
        method: str = "GET",
        host: str = "",
        body: bytes = b"",
    ) -> HttpResponse:
        path, _, query = path.partition("?")
        request = HttpRequest(
            method=method,
            path=path,
            query_string=query,
            headers=[("Host", f"{host or self.host}:3000"), *headers],
            body=body,
            client="127.0.0.1",
            http_version="1.1",
            server_port=3000,
        )
        return await self.edge(request)


def _context(operation: str) -> AwsRequestContext:
    return AwsRequestContext(
        service="s3",
        operation=operation,
        region="us-east-1",
        account_id="123456789012",
        request_id="r",
        access_key=None,
    )


def _header(response: HttpResponse, name: str) -> str | None:
    lowered = name.lower().encode()
    return next((v.decode() for k, v in response.headers if k.lower() == lowered), None)


@pytest.fixture
async def site(tmp_path: Path) -> AsyncIterator[Site]:
    found = Site(tmp_path)
    await found.put("index.html", b"<h1>home</h1>", ContentType="text/html")
    await found.put("assets/app.js", BIG_JS, ContentType="text/javascript")
    yield found
    await found.sites.close()


async def test_root_url_serves_default_root_object_miss_then_hit_with_age(site: Site) -> None:
    first = await site.get("/")
    assert (first.status, first.body) == (200, b"<h1>home</h1>")
    assert _header(first, "X-Cache") == "Miss from cloudfront"
    assert _header(first, "Age") is None
    site.clock.now += 5
    second = await site.get("/")
    assert _header(second, "X-Cache") == "Hit from cloudfront"
    assert _header(second, "Age") == "5"
    assert _header(second, "X-Amz-Cf-Pop") is not None
    assert len(_header(second, "X-Amz-Cf-Id") or "") == 56
    assert (_header(second, "Via") or "").endswith(".cloudfront.net (CloudFront)")


async def test_default_root_object_applies_to_the_root_only(site: Site) -> None:
    # https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/DefaultRootObject.html
    await site.put("docs/index.html", b"docs", ContentType="text/html")
    response = await site.get("/docs/")
    # /docs/ names no object: S3 (with origin access control) answers 403, which the
    # custom error response turns into the SPA page.
    assert response.body == b"<h1>home</h1>"
    assert _header(response, "X-Cache") == "Error from cloudfront"


async def test_spa_fallback_serves_index_with_200_for_a_client_route(site: Site) -> None:
    response = await site.get("/about/team")
    assert response.status == 200
    assert response.body == b"<h1>home</h1>"
    assert _header(response, "Content-Type") == "text/html"
    assert _header(response, "X-Cache") == "Error from cloudfront"


async def test_missing_key_without_custom_error_is_s3s_403_with_access_control(
    tmp_path: Path,
) -> None:
    site = Site(tmp_path, CustomErrorResponses=[])
    await site.put("index.html", b"x", ContentType="text/html")
    response = await site.get("/nothing.txt")
    assert response.status == 403
    assert b"<Code>AccessDenied</Code>" in response.body
    assert _header(response, "X-Cache") == "Error from cloudfront"


async def test_missing_key_without_access_control_is_404(tmp_path: Path) -> None:
    config = _config(CustomErrorResponses=[])
    origin = dict(config["Origins"][0])
    origin.pop("OriginAccessControlId")
    site = Site(tmp_path, CustomErrorResponses=[], Origins=[origin, config["Origins"][1]])
    await site.put("index.html", b"x", ContentType="text/html")
    response = await site.get("/nothing.txt")
    assert response.status == 404
    assert b"<Code>NoSuchKey</Code>" in response.body


async def test_if_none_match_and_if_modified_since_answer_304(site: Site) -> None:
    first = await site.get("/index.html")
    etag = _header(first, "ETag")
    assert etag is not None and _header(first, "Last-Modified") is not None
    by_etag = await site.get("/index.html", ("If-None-Match", etag))
    assert (by_etag.status, by_etag.body) == (304, b"")
    assert _header(by_etag, "ETag") == etag
    since = await site.get(
        "/index.html", ("If-Modified-Since", _header(first, "Last-Modified") or "")
    )
    assert since.status == 304
    other = await site.get("/index.html", ("If-None-Match", '"different"'))
    assert other.status == 200


async def test_range_request_is_206_and_unsatisfiable_is_416(site: Site) -> None:
    partial = await site.get("/assets/app.js", ("Range", "bytes=0-6"))
    assert partial.status == 206
    assert partial.body == BIG_JS[:7]
    assert _header(partial, "Content-Range") == f"bytes 0-6/{len(BIG_JS)}"
    suffix = await site.get("/assets/app.js", ("Range", "bytes=-5"))
    assert suffix.body == BIG_JS[-5:]
    beyond = await site.get("/assets/app.js", ("Range", "bytes=999999-"))
    assert beyond.status == 416
    assert _header(beyond, "Content-Range") == f"bytes */{len(BIG_JS)}"


async def test_brotli_preferred_then_gzip_with_weak_etag(site: Site) -> None:
    br = await site.get("/assets/app.js", ("Accept-Encoding", "gzip, deflate, br"))
    assert _header(br, "Content-Encoding") == "br"
    assert brotli.decompress(br.body) == BIG_JS
    assert (_header(br, "ETag") or "").startswith('W/"')
    assert _header(br, "Vary") == "Accept-Encoding"
    gz = await site.get("/assets/app.js", ("Accept-Encoding", "gzip"))
    assert _header(gz, "Content-Encoding") == "gzip"
    assert gzip.decompress(gz.body) == BIG_JS
    plain = await site.get("/assets/app.js")
    assert _header(plain, "Content-Encoding") is None and plain.body == BIG_JS


async def test_small_or_binary_objects_are_not_compressed(site: Site) -> None:
    await site.put("logo.png", BIG_JS, ContentType="image/png")
    small = await site.get("/index.html", ("Accept-Encoding", "br"))
    assert _header(small, "Content-Encoding") is None  # 13 bytes < 1,000
    image = await site.get("/logo.png", ("Accept-Encoding", "br"))
    assert _header(image, "Content-Encoding") is None


async def test_object_cache_control_sets_the_ttl_then_refresh_hit(site: Site) -> None:
    await site.put("news.json", b"{}", ContentType="application/json", CacheControl="max-age=60")
    first = await site.get("/news.json")
    assert _header(first, "Cache-Control") == "max-age=60"
    site.clock.now += 59
    assert _header(await site.get("/news.json"), "X-Cache") == "Hit from cloudfront"
    site.clock.now += 2  # expired: revalidated with S3 (If-None-Match), unchanged
    refreshed = await site.get("/news.json")
    assert _header(refreshed, "X-Cache") == "RefreshHit from cloudfront"
    await site.put(
        "news.json", b'{"new": 1}', ContentType="application/json", CacheControl="max-age=60"
    )
    site.clock.now += 61
    changed = await site.get("/news.json")
    assert _header(changed, "X-Cache") == "Miss from cloudfront"
    assert changed.body == b'{"new": 1}'


async def test_invalidation_empties_matching_entries(site: Site) -> None:
    await site.get("/assets/app.js")
    await site.get("/index.html")
    await site.put("assets/app.js", b"new();", ContentType="text/javascript")
    assert (await site.get("/assets/app.js")).body == BIG_JS  # still cached
    handler = site.cloudfront.handlers()["CreateInvalidation"]
    batch = {"Paths": {"Quantity": 1, "Items": ["/assets/*"]}, "CallerReference": "one"}
    ctx = AwsRequestContext(
        service="cloudfront",
        operation="CreateInvalidation",
        region="us-east-1",
        account_id="123456789012",
        request_id="r",
        access_key="test",
    )
    await handler(ctx, {"DistributionId": DIST_ID, "InvalidationBatch": batch})
    fresh = await site.get("/assets/app.js")
    assert (fresh.body, _header(fresh, "X-Cache")) == (b"new();", "Miss from cloudfront")
    assert _header(await site.get("/index.html"), "X-Cache") == "Hit from cloudfront"


async def test_api_behavior_goes_through_the_gateway_with_the_origin_path(site: Site) -> None:
    response = await site.get(
        "/api/items?limit=2",
        ("Authorization", "Bearer token"),
        ("X-Client", "web"),
        ("Cookie", "session=abc"),
    )
    assert response.status == 200
    assert response.body == b'{"from": "api"}'
    assert _header(response, "X-Cache") == "Miss from cloudfront"
    event = site.invoker.events[-1]
    assert event["rawPath"] == "/Prod/api/items"
    assert event["rawQueryString"] == "limit=2"
    headers = event["headers"]
    assert isinstance(headers, dict)
    assert headers["x-client"] == "web"
    assert headers["x-from-edge"] == "yes"  # the origin's custom header
    assert event["cookies"] == ["session=abc"]  # AllViewerExceptHostHeader: all cookies
    # Caching disabled and all viewer headers forwarded: the token reaches the API.
    # https://repost.aws/knowledge-center/cloudfront-authorization-header
    assert headers["authorization"] == "Bearer token"
    assert headers["user-agent"] == "Amazon CloudFront"
    assert headers["x-amz-cf-id"] == _header(response, "X-Amz-Cf-Id")
    assert headers["via"].endswith(".cloudfront.net (CloudFront)")
    # One edge server: the same name in the origin's Via as in the viewer's.
    assert headers["via"].split()[1] == (_header(response, "Via") or "").split()[1]
    assert headers["x-forwarded-for"].startswith("127.0.0.1")  # the viewer, then the edge
    assert _header(await site.get("/api/items"), "X-Cache") == "Miss from cloudfront"


async def test_a_viewers_x_forwarded_for_gets_the_viewer_appended(site: Site) -> None:
    # https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/RequestAndResponseBehaviorCustomOrigin.html#RequestCustomIPAddresses
    await site.get("/api/items", ("X-Forwarded-For", "203.0.113.7"))
    headers = site.invoker.events[-1]["headers"]
    assert isinstance(headers, dict)
    assert headers["x-forwarded-for"].startswith("203.0.113.7, 127.0.0.1")


async def test_post_reaches_the_api_with_its_body(site: Site) -> None:
    response = await site.get(
        "/api/items", ("Content-Type", "application/json"), method="POST", body=b'{"a": 1}'
    )
    assert response.status == 200
    assert site.invoker.events[-1]["body"] == '{"a": 1}'


async def test_method_outside_allowed_methods_is_cloudfronts_403(site: Site) -> None:
    response = await site.get("/index.html", method="POST", body=b"x")
    assert response.status == 403
    assert b"The request could not be satisfied" in response.body
    assert _header(response, "X-Cache") == "Error from cloudfront"


async def test_alias_and_id_hosts_name_the_distribution(site: Site) -> None:
    alias = await site.get("/", host="www.example.localhost")
    assert alias.body == b"<h1>home</h1>"
    by_id = await site.get("/", host=f"{DIST_ID.lower()}.cloudfront.localhost")
    assert by_id.body == b"<h1>home</h1>"


async def test_head_answers_headers_with_the_objects_length(site: Site) -> None:
    response = await site.get("/assets/app.js", method="HEAD")
    assert response.status == 200
    assert _header(response, "ETag") is not None
    assert len(response.body) == len(BIG_JS)  # the server sends the length, not the body


async def test_disabled_distribution_answers_bad_request(tmp_path: Path) -> None:
    site = Site(tmp_path, Enabled=False)
    await site.put("index.html", b"x", ContentType="text/html")
    response = await site.get("/")
    assert response.status == 403
    assert b"Bad request." in response.body


async def test_deploy_forgets_changed_site_objects(site: Site) -> None:
    await site.get("/assets/app.js")
    await site.get("/index.html")
    await site.put("assets/app.js", b"next();", ContentType="text/javascript")
    forget(site.cloudfront, BUCKET, ["assets/app.js"])
    assert (await site.get("/assets/app.js")).body == b"next();"
    assert _header(await site.get("/index.html"), "X-Cache") == "Hit from cloudfront"


async def test_simultaneous_misses_collapse_into_one_origin_fetch(site: Site) -> None:
    answers = await asyncio.gather(*(site.get("/assets/app.js") for _ in range(5)))
    statuses = sorted(_header(answer, "X-Cache") or "" for answer in answers)
    assert statuses == ["Hit from cloudfront"] * 4 + ["Miss from cloudfront"]
    assert all(answer.body == BIG_JS for answer in answers)


async def test_api_error_under_a_fallback_code_is_replaced_but_not_cached(tmp_path: Path) -> None:
    site = Site(tmp_path)
    await site.put("index.html", b"<h1>home</h1>", ContentType="text/html")
    site.invoker.result = InvokeResult(payload=b'{"statusCode": 404, "body": "no such item"}')
    missing = await site.get("/api/items/9")
    # CustomErrorResponses apply to every origin: the API's 404 becomes the SPA page.
    assert (missing.status, missing.body) == (200, b"<h1>home</h1>")
    assert len(site.cloudfront.cache) == 1  # the page, under its own key; not the API's answer
    site.invoker.result = InvokeResult(payload=b'{"statusCode": 200, "body": "item 9"}')
    found = await site.get("/api/items/9")  # CachingDisabled: nothing was kept
    assert (found.status, found.body) == (200, b"item 9")


async def test_custom_origin_on_a_gateway_custom_domain_is_served_in_process(
    tmp_path: Path,
) -> None:
    domain = CustomDomain(
        name="api.example.com", mappings=(ApiMapping(api_id=API_ID, stage="Prod"),)
    )
    config = _config()
    api_origin = {"Id": "api", "DomainName": "api.example.com", "CustomOriginConfig": {}}
    site = Site(tmp_path, (domain,), Origins=[config["Origins"][0], api_origin])
    response = await site.get("/api/items")
    assert (response.status, response.body) == (200, b'{"from": "api"}')
    assert site.invoker.events[-1]["rawPath"] == "/api/items"


async def test_unreachable_custom_origin_is_cloudfronts_502(tmp_path: Path) -> None:
    config = _config(CustomErrorResponses=[])
    elsewhere = {"Id": "api", "DomainName": "origin.example.net", "CustomOriginConfig": {}}
    site = Site(tmp_path, CustomErrorResponses=[], Origins=[config["Origins"][0], elsewhere])
    response = await site.get("/api/items")
    assert response.status == 502
    assert b"502 ERROR" in response.body
    assert _header(response, "X-Cache") == "Error from cloudfront"


async def test_s3_website_endpoint_origin_is_asked_through_the_edge(tmp_path: Path) -> None:
    # A custom origin on the bucket's website endpoint: S3 answers index documents and its
    # own error document, CloudFront passes them on.
    config = _config(CustomErrorResponses=[], DefaultRootObject="")
    website = {
        "Id": "site",
        "DomainName": f"{BUCKET}.s3-website-us-east-1.amazonaws.com",
        "CustomOriginConfig": {"OriginProtocolPolicy": "http-only"},
    }
    site = Site(
        tmp_path,
        CustomErrorResponses=[],
        DefaultRootObject="",
        Origins=[website, config["Origins"][1]],
    )
    aws = AwsApi(
        [site.s3],
        region="us-east-1",
        account_id="123456789012",
        credentials=CredentialStore.local(),
    )
    site.edge = Edge(site.edge_gateway, public_host="127.0.0.1:3000", aws=aws)
    site.edge.sites = site.sites
    site.sites.loopback = site.edge
    await site.put("index.html", b"<h1>home</h1>", ContentType="text/html")
    await site.put("docs/index.html", b"<h1>docs</h1>", ContentType="text/html")
    await site.put("404.html", b"<h1>lost</h1>", ContentType="text/html")
    handlers = site.s3.handlers()
    # Anyone may read and list (with s3:ListBucket a missing key is 404, not 403).
    public = (
        '{"Statement": [{"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", '
        f'"Resource": "arn:aws:s3:::{BUCKET}/*"}}, {{"Effect": "Allow", "Principal": "*", '
        f'"Action": "s3:ListBucket", "Resource": "arn:aws:s3:::{BUCKET}"}}]}}'
    )
    await handlers["PutBucketPolicy"](
        _context("PutBucketPolicy"), {"Bucket": BUCKET, "Policy": public}
    )
    await handlers["PutBucketWebsite"](
        _context("PutBucketWebsite"),
        {
            "Bucket": BUCKET,
            "WebsiteConfiguration": {
                "IndexDocument": {"Suffix": "index.html"},
                "ErrorDocument": {"Key": "404.html"},
            },
        },
    )
    root = await site.get("/")
    assert (root.status, root.body) == (200, b"<h1>home</h1>")
    folder = await site.get("/docs/")
    assert folder.body == b"<h1>docs</h1>"
    lost = await site.get("/nowhere")
    assert (lost.status, lost.body) == (404, b"<h1>lost</h1>")
    assert _header(lost, "X-Cache") == "Error from cloudfront"


async def test_response_headers_policy_on_viewer_answers(tmp_path: Path) -> None:
    config = _config()
    config["DefaultCacheBehavior"]["ResponseHeadersPolicyId"] = (
        "67f7725c-6f97-4210-82d7-5512b31e9d03"  # SecurityHeadersPolicy
    )
    site = Site(tmp_path, DefaultCacheBehavior=config["DefaultCacheBehavior"])
    await site.put("index.html", b"<h1>home</h1>", ContentType="text/html")
    for _ in range(2):  # a miss, then a hit: both carry the headers
        response = await site.get("/")
        assert _header(response, "Strict-Transport-Security") == "max-age=31536000"
        assert _header(response, "X-Content-Type-Options") == "nosniff"
    assert _header(response, "X-Cache") == "Hit from cloudfront"


REWRITE = ViewerFunction(
    name="rewrite",
    arn="arn:aws:cloudfront::123456789012:function/rewrite",
    code="""
function handler(event) {
  var request = event.request;
  if (request.uri === '/old') {
    return {statusCode: 301, statusDescription: 'Moved Permanently',
            headers: {location: {value: '/new'}}};
  }
  if (request.uri.endsWith('/')) { request.uri += 'index.html'; }
  request.headers['x-rewritten'] = {value: 'yes'};
  return request;
}
""",
)
STAMP = ViewerFunction(
    name="stamp",
    arn="arn:aws:cloudfront::123456789012:function/stamp",
    code="""
function handler(event) {
  var response = event.response;
  response.headers['x-stamped'] = {value: event.context.eventType + ' ' + event.viewer.ip};
  return response;
}
""",
)
BROKEN = ViewerFunction(
    name="broken",
    arn="arn:aws:cloudfront::123456789012:function/broken",
    code="function handler(event) { throw new Error('no'); }",
)


def _with_functions(request: str, response: str | None = None) -> dict[str, Any]:
    behavior = dict(_config()["DefaultCacheBehavior"])
    associations = [{"EventType": "viewer-request", "FunctionARN": request}]
    if response is not None:
        associations.append({"EventType": "viewer-response", "FunctionARN": response})
    behavior["FunctionAssociations"] = associations
    return behavior


async def test_viewer_request_function_rewrites_and_redirects(tmp_path: Path) -> None:
    # https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/functions-event-structure.html
    site = Site(
        tmp_path,
        functions=(REWRITE, STAMP),
        DefaultCacheBehavior=_with_functions(REWRITE.arn, STAMP.arn),
    )
    try:
        await site.put("docs/index.html", b"<h1>docs</h1>", ContentType="text/html")
        docs = await site.get("/docs/")
        assert (docs.status, docs.body) == (200, b"<h1>docs</h1>")
        assert _header(docs, "X-Stamped") == "viewer-response 127.0.0.1"
        moved = await site.get("/old")
        assert moved.status == 301
        assert _header(moved, "Location") == "/new"
        assert _header(moved, "X-Cache") == "FunctionGeneratedResponse from cloudfront"
    finally:
        await site.sites.close()


async def test_a_throwing_function_is_a_503_function_execution_error(tmp_path: Path) -> None:
    site = Site(tmp_path, functions=(BROKEN,), DefaultCacheBehavior=_with_functions(BROKEN.arn))
    try:
        await site.put("index.html", b"x", ContentType="text/html")
        response = await site.get("/")
        assert response.status == 503
        assert _header(response, "X-Cache") == "FunctionExecutionError from cloudfront"
    finally:
        await site.sites.close()
