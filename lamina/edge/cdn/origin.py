"""Fetching from a distribution's origins, in process.

S3 origins: GetObject through the S3 service's own handler (conditions, metadata and errors
as S3 answers them); a missing key is 403 AccessDenied when the origin uses an origin access
control or identity (the bucket policy grants CloudFront s3:GetObject, not s3:ListBucket, and
S3 answers 403 to a caller that may not list), else 404 NoSuchKey.
https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetObject.html (Permissions)
API origins: the gateway's own pipeline, as a request to `{api}.execute-api.{region}.amazonaws.com`
with the origin path (the stage) before the viewer's path; likewise a custom origin naming one
of the gateway's custom domains.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterable, Awaitable, Callable, Iterable
from email.utils import format_datetime
from typing import Any, Protocol
from urllib.parse import unquote

from lamina.aws.claim import website_bucket
from lamina.aws.rest_xml import render_rest_xml_error
from lamina.aws.service import AwsRequestContext, Handler, ServiceError
from lamina.core.ids import new_extended_request_id, new_request_id, new_trace_id
from lamina.gateway.deployment import Deployment
from lamina.gateway.error import GatewayResponse
from lamina.gateway.request import GatewayRequest
from lamina.http.message import HttpRequest, HttpResponse
from lamina.services.cloudfront.key import origin_headers, origin_query
from lamina.services.cloudfront.model import Behavior, Origin

Headers = list[tuple[bytes, bytes]]
Loopback = Callable[[HttpRequest], Awaitable[HttpResponse]]
"""Lamina's own edge, answering a request for any host it serves (S3 website endpoints)."""
# S3 object headers a GET answers with, by the GetObject output member that holds them.
_S3_HEADERS = (
    ("ContentType", b"Content-Type"),
    ("CacheControl", b"Cache-Control"),
    ("ContentDisposition", b"Content-Disposition"),
    ("ContentEncoding", b"Content-Encoding"),
    ("ContentLanguage", b"Content-Language"),
    ("Expires", b"Expires"),
    ("ETag", b"ETag"),
    ("VersionId", b"x-amz-version-id"),
    ("ServerSideEncryption", b"x-amz-server-side-encryption"),
)


class OriginAnswer:
    __slots__ = ("body", "headers", "not_modified", "status")

    def __init__(self, status: int, headers: Headers, body: bytes, not_modified: bool = False):
        self.status = status
        self.headers = headers
        self.body = body
        self.not_modified = not_modified
        """A conditional GET the origin answered 304 (the edge's copy is still good)."""


class OriginRequest:
    """What CloudFront sends a custom origin: method, path (OriginPath first), the query,
    headers and cookies its policies forward, CloudFront's own headers, the body."""

    __slots__ = ("body", "client", "headers", "method", "path", "query_string")

    def __init__(
        self,
        *,
        method: str,
        path: str,
        query_string: str,
        headers: list[tuple[str, str]],
        body: bytes,
        client: str,
    ) -> None:
        self.method = method
        self.path = path
        self.query_string = query_string
        self.headers = headers
        self.body = body
        self.client = client


def origin_request(
    behavior: Behavior, origin: Origin, path: str, request: HttpRequest, cf_id: str, *, via: str
) -> OriginRequest:
    """What the policies forward, plus what CloudFront adds to every request to a custom
    origin (`via`: this edge server's name in the Via header).
    https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/RequestAndResponseBehaviorCustomOrigin.html
    """
    policy, forwarding = behavior.cache, behavior.origin_request
    headers = origin_headers(request.headers, policy, forwarding, s3=False, method=request.method)
    headers = [(name, value) for name, value in headers if name.lower() != "x-forwarded-for"]
    headers += [(name, value) for name, value in origin.custom_headers]
    # The viewer's own X-Forwarded-For, if any, with the viewer's address at its end.
    # https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/RequestAndResponseBehaviorCustomOrigin.html#RequestCustomIPAddresses
    forwarded_for = request.header("X-Forwarded-For")
    viewers = f"{forwarded_for}, {request.client}" if forwarded_for else request.client
    headers += [
        ("X-Forwarded-For", viewers),
        ("Via", f"{request.http_version} {via}.cloudfront.net (CloudFront)"),
        ("X-Amz-Cf-Id", cf_id),
    ]
    if not any(name.lower() == "user-agent" for name, _ in headers):
        headers.append(("User-Agent", "Amazon CloudFront"))
    return OriginRequest(
        method=request.method.upper(),
        path=path,
        query_string=origin_query(request.query_string, policy, forwarding),
        headers=headers,
        body=request.body,
        client=request.client,
    )


class ApiGateway(Protocol):
    @property
    def deployment(self) -> Deployment: ...

    async def handle(self, request: GatewayRequest, host: str) -> GatewayResponse: ...


def gateway_serves(gateway: ApiGateway, origin: Origin) -> bool:
    """An API origin, or a custom origin whose DomainName is one of the gateway's custom
    domain names (AWS::ApiGateway::DomainName / ApiGatewayV2::DomainName)."""
    if origin.kind == "api":
        return True
    return (
        origin.kind == "custom" and gateway.deployment.domains.find(origin.domain_name) is not None
    )


class ObjectReader(Protocol):
    def handlers(self) -> Any: ...


def object_key(origin: Origin, path: str) -> str:
    """The S3 key for a viewer path: the origin path, then the path, percent-decoded,
    without the leading slash."""
    return unquote(origin.origin_path + path).lstrip("/")


async def from_s3(
    s3: ObjectReader,
    origin: Origin,
    path: str,
    *,
    account_id: str,
    region: str,
    method: str = "GET",
    etag: str | None = None,
) -> OriginAnswer:
    get: Handler = s3.handlers()["GetObject"]
    context = AwsRequestContext(
        service="s3",
        operation="GetObject",
        region=region,
        account_id=account_id,
        request_id=new_request_id(),
        access_key=None,
    )
    params: dict[str, Any] = {"Bucket": origin.bucket, "Key": object_key(origin, path)}
    if etag is not None:
        params["IfNoneMatch"] = etag
    try:
        output = await get(context, params)
    except ServiceError as error:
        if error.status == 304:
            return OriginAnswer(304, [], b"", not_modified=True)
        return _s3_error(error, origin, context.request_id)
    headers: Headers = [(b"Server", b"AmazonS3"), (b"Accept-Ranges", b"bytes")]
    for member, name in _S3_HEADERS:
        value = output.get(member)
        if value is not None:
            headers.append((name, str(value).encode("latin-1", errors="replace")))
    if "ContentType" not in output:
        headers.append((b"Content-Type", b"binary/octet-stream"))
    modified = output.get("LastModified")
    if modified is not None:
        headers.append((b"Last-Modified", format_datetime(modified, usegmt=True).encode()))
    for name, value in (output.get("Metadata") or {}).items():
        headers.append((f"x-amz-meta-{name}".encode(), str(value).encode("latin-1", "replace")))
    body = await _bytes_of(output.get("Body", b""))
    return OriginAnswer(200, headers, body)


def _s3_error(error: ServiceError, origin: Origin, request_id: str) -> OriginAnswer:
    if error.code == "NoSuchKey" and origin.access_control:
        error = ServiceError("AccessDenied", "Access Denied", status=403)
    status = error.status or 400
    response = render_rest_xml_error(error, status, request_id)
    headers = [(b"Server", b"AmazonS3"), *response.headers]
    return OriginAnswer(status, headers, response.body)


async def _bytes_of(body: object) -> bytes:
    """GetObject's Body: bytes, or a streamed body (`chunks`, then `aclose()`: http.body)."""
    if isinstance(body, bytes | bytearray | memoryview):
        return bytes(body)
    chunks = getattr(body, "chunks", None)
    if isinstance(chunks, AsyncIterable):
        try:
            return b"".join([bytes(chunk) async for chunk in chunks])
        finally:
            close = getattr(body, "aclose", None)
            if close is not None:
                await close()
    if isinstance(body, AsyncIterable):
        return b"".join([bytes(chunk) async for chunk in body])
    if isinstance(body, Iterable):
        return b"".join(bytes(chunk) for chunk in body)
    read = getattr(body, "read", None)
    if read is not None:
        data = read()
        return bytes(await data) if hasattr(data, "__await__") else bytes(data)
    return b""


async def from_api(gateway: ApiGateway, origin: Origin, sent: OriginRequest) -> OriginAnswer:
    """The API's answer to the viewer's request, sent in process to the API's own host."""
    now_ms = time.time_ns() // 1_000_000
    request = GatewayRequest(
        method=sent.method,
        path=origin.origin_path + sent.path,
        query_string=sent.query_string,
        headers=[("Host", origin.domain_name), *sent.headers],
        body=sent.body,
        source_ip=sent.client,
        protocol="HTTP/1.1",
        domain_name=origin.domain_name,
        request_id=new_request_id(),
        extended_request_id=new_extended_request_id(),
        time_epoch_ms=now_ms,
        trace_id=new_trace_id(now_ms // 1000),
        server_port=443,
    )
    response = await gateway.handle(request, origin.domain_name)
    return OriginAnswer(response.status, list(response.headers), response.body)


def local_host(domain: str) -> str:
    """Where Lamina serves an AWS host name: `….amazonaws.com` → `….localhost`."""
    return (
        domain.removesuffix(".amazonaws.com") + ".localhost"
        if domain.endswith(".amazonaws.com")
        else domain
    )


async def from_loopback(
    loopback: Loopback, origin: Origin, sent: OriginRequest
) -> OriginAnswer | None:
    """A custom origin that is an S3 website endpoint
    (`{bucket}.s3-website-{region}.amazonaws.com`), asked through Lamina's own edge; None for
    a host Lamina does not serve."""
    request = HttpRequest(
        method=sent.method,
        path=origin.origin_path + sent.path,
        query_string=sent.query_string,
        headers=[("Host", local_host(origin.domain_name)), *sent.headers],
        body=sent.body,
        client=sent.client,
        http_version="1.1",
    )
    if website_bucket(request) is None:
        return None
    response = await loopback(request)
    answer = response.body
    if response.stream is not None:
        answer += await _bytes_of(response.stream)
    return OriginAnswer(response.status, list(response.headers), answer)
