"""Static website hosting: Put/Get/DeleteBucketWebsite, and the website endpoint
`{bucket}.s3-website.localhost:PORT` (AWS: `{bucket}.s3-website-{region}.amazonaws.com`).

https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutBucketWebsite.html
https://docs.aws.amazon.com/AmazonS3/latest/userguide/WebsiteHosting.html
https://docs.aws.amazon.com/AmazonS3/latest/userguide/WebsiteEndpoints.html — the endpoint
answers GET and HEAD only, serves only what anonymous users may read, and answers errors as
HTML documents rather than XML.
https://docs.aws.amazon.com/AmazonS3/latest/userguide/IndexDocumentSupport.html
https://docs.aws.amazon.com/AmazonS3/latest/userguide/CustomErrorDocSupport.html
https://docs.aws.amazon.com/AmazonS3/latest/userguide/how-to-page-redirect.html
"""

from __future__ import annotations

from collections.abc import Mapping
from email.utils import formatdate, parsedate_to_datetime
from html import escape
from typing import Any
from urllib.parse import unquote

import msgspec

from lamina.aws.claim import website_bucket
from lamina.aws.dispatch import SurfaceCall
from lamina.aws.rest_xml import request_headers
from lamina.aws.service import AwsRequestContext, OperationInput, OperationOutput, ServiceError
from lamina.http.message import HttpRequest, HttpResponse
from lamina.services.s3 import error
from lamina.services.s3.condition import check_preconditions
from lamina.services.s3.state import S3State
from lamina.services.s3.store import Bucket, StoredObject
from lamina.services.s3.transfer import answer

_STATUS_TEXT = {
    403: "Forbidden",
    404: "Not Found",
    405: "Method Not Allowed",
    412: "Precondition Failed",
}
_REDIRECT_CODES = frozenset({"301", "302", "303", "307", "308"})
_CONDITIONS = (
    ("If-Match", "IfMatch"),
    ("If-None-Match", "IfNoneMatch"),
    ("If-Modified-Since", "IfModifiedSince"),
    ("If-Unmodified-Since", "IfUnmodifiedSince"),
)
Headers = list[tuple[bytes, bytes]]


async def put_bucket_website(
    state: S3State, context: AwsRequestContext, params: OperationInput
) -> OperationOutput:
    configure(state, params["Bucket"], params.get("WebsiteConfiguration") or {})
    return {}


async def get_bucket_website(
    state: S3State, context: AwsRequestContext, params: OperationInput
) -> OperationOutput:
    bucket = state.bucket(params["Bucket"])
    if not bucket.website:
        raise error.no_such_website_configuration(bucket.name)
    return dict(bucket.website)


async def delete_bucket_website(
    state: S3State, context: AwsRequestContext, params: OperationInput
) -> OperationOutput:
    configure(state, params["Bucket"], None)
    return {}


def configure(state: S3State, name: str, configuration: Mapping[str, Any] | None) -> None:
    """Replace (None: remove) the bucket's website configuration, or raise S3's error."""
    bucket = state.bucket(name)
    if configuration is not None:
        _validate(configuration)
    website = dict(configuration) if configuration else None
    state.store.set_bucket(msgspec.structs.replace(bucket, website=website))


def from_template(properties: Mapping[str, Any]) -> dict[str, Any]:
    """AWS::S3::Bucket WebsiteConfiguration in the API's shape.
    https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-properties-s3-bucket-websiteconfiguration.html
    """
    found: dict[str, Any] = {}
    if properties.get("IndexDocument"):
        found["IndexDocument"] = {"Suffix": properties["IndexDocument"]}
    if properties.get("ErrorDocument"):
        found["ErrorDocument"] = {"Key": properties["ErrorDocument"]}
    if properties.get("RedirectAllRequestsTo"):
        found["RedirectAllRequestsTo"] = dict(properties["RedirectAllRequestsTo"])
    rules = []
    for rule in properties.get("RoutingRules") or []:
        converted: dict[str, Any] = {"Redirect": dict(rule.get("RedirectRule") or {})}
        if rule.get("RoutingRuleCondition"):
            converted["Condition"] = dict(rule["RoutingRuleCondition"])
        rules.append(converted)
    if rules:
        found["RoutingRules"] = rules
    return found


def _validate(configuration: Mapping[str, Any]) -> None:
    """S3's refusals of a website configuration, as it words them."""
    redirect_all = configuration.get("RedirectAllRequestsTo")
    index = (configuration.get("IndexDocument") or {}).get("Suffix")
    if redirect_all is not None:
        if any(configuration.get(k) for k in ("IndexDocument", "ErrorDocument", "RoutingRules")):
            raise error.invalid_argument(
                "RedirectAllRequestsTo cannot be provided in conjunction with other Routing Rules.",
                "RedirectAllRequestsTo",
                "not null",
            )
        if not redirect_all.get("HostName"):
            raise error.malformed_xml()
        return
    if index is None:
        raise error.invalid_argument(
            "A value for IndexDocument Suffix must be provided if RedirectAllRequestsTo is empty",
            "IndexDocument",
            "null",
        )
    if not index or "/" in index:
        raise error.invalid_argument(
            "The IndexDocument Suffix is not well formed", "IndexDocument", index
        )
    for rule in configuration.get("RoutingRules") or []:
        _validate_rule(rule)


def _validate_rule(rule: Mapping[str, Any]) -> None:
    redirect = rule.get("Redirect")
    if not redirect:
        raise error.malformed_xml()
    if redirect.get("ReplaceKeyWith") is not None and redirect.get("ReplaceKeyPrefixWith"):
        raise error.invalid_argument(
            "You can only define ReplaceKeyPrefix or ReplaceKey but not both.",
            "ReplaceKeyPrefixWith",
            redirect["ReplaceKeyPrefixWith"],
        )
    code = redirect.get("HttpRedirectCode")
    if code is not None and code not in _REDIRECT_CODES:
        raise error.invalid_argument(
            f"The provided HTTP redirect code ({code}) is not valid. Valid codes are 3XX "
            "except 300.",
            "HttpRedirectCode",
            code,
        )
    condition = rule.get("Condition")
    if condition is None:
        return
    if not condition.get("KeyPrefixEquals") and not condition.get("HttpErrorCodeReturnedEquals"):
        raise error.invalid_argument(
            "Condition cannot be empty. To redirect all requests without a condition, the "
            "condition element shouldn't be present.",
            "Condition",
            "",
        )
    returned = condition.get("HttpErrorCodeReturnedEquals")
    if returned is not None and not (str(returned).isdigit() and str(returned)[0] in "45"):
        raise error.invalid_argument(
            f"The provided HTTP error code ({returned}) is not valid. Valid codes are 4XX or 5XX.",
            "HttpErrorCodeReturnedEquals",
            returned,
        )


# -- the website endpoint


class _Site:
    """One request to a bucket's website endpoint."""

    __slots__ = ("bucket", "call", "config", "request", "state")

    def __init__(
        self, state: S3State, request: HttpRequest, call: SurfaceCall, bucket: Bucket
    ) -> None:
        self.state = state
        self.request = request
        self.call = call
        self.bucket = bucket
        self.config: Mapping[str, Any] = bucket.website or {}

    async def answer(self) -> HttpResponse:
        redirect_all = self.config.get("RedirectAllRequestsTo")
        if redirect_all is not None:
            # Every request goes to the other host, path kept, with a 301.
            protocol = redirect_all.get("Protocol") or "http"
            location = f"{protocol}://{redirect_all['HostName']}{self.request.path}"
            return self._redirect(301, location)
        key = unquote(self.request.path[1:])
        rule = self._rule(key, None)
        if rule is not None:
            return self._redirect_by(rule, key)
        suffix = self.config["IndexDocument"]["Suffix"]
        wanted = key + suffix if key == "" or key.endswith("/") else key
        try:
            stored = self._readable(wanted)
        except ServiceError as failure:
            if key and not key.endswith("/") and self._folder_index(key, suffix):
                # `dir` whose `dir/index.html` exists: 302 to `dir/` (IndexDocumentSupport).
                return self._redirect(302, f"/{self.request.path[1:]}/")
            return await self._failed(key, failure)
        # The object's x-amz-website-redirect-location (how-to-page-redirect.html).
        redirect = stored.headers.get("WebsiteRedirectLocation")
        if redirect:
            return self._redirect(301, redirect)
        try:
            check_preconditions(stored, self._conditions())
        except ServiceError as unmet:  # 304 for a browser's revalidation, or 412
            if unmet.status == 304:
                return HttpResponse(304, self._answer_headers(stored), b"")
            return self._page(unmet)
        return await self._object(200, stored)

    def _conditions(self) -> dict[str, Any]:
        """A browser's If-* headers, as GetObject's members carry them."""
        found: dict[str, Any] = {}
        for header, member in _CONDITIONS:
            value = self.request.header(header)
            if value is None:
                continue
            if member.endswith("Since"):
                try:
                    found[member] = parsedate_to_datetime(value)
                except (TypeError, ValueError):
                    continue  # an unreadable date is ignored, as RFC 9110 says
            else:
                found[member] = value
        return found

    def _folder_index(self, key: str, suffix: str) -> bool:
        """Whether `key` names no object but `key/` has an index document anyone may read
        (a private one is not revealed by a redirect)."""
        found = self.state.store.get(self.bucket.name, key)
        if found is not None and not found.delete_marker:
            return False
        index = f"{key}/{suffix}"
        folder = self.state.store.get(self.bucket.name, index)
        if folder is None or folder.delete_marker:
            return False
        try:
            self.call.check_access(None, "GetObject", {"Bucket": self.bucket.name, "Key": index})
        except ServiceError:
            return False
        return True

    def _readable(self, key: str) -> StoredObject:
        """The object, if anonymous users may read it (403 AccessDenied otherwise). A key
        that does not exist is 404 only when anonymous users may also list the bucket
        (s3:ListBucket); otherwise S3 answers 403, not revealing which keys exist.
        https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetObject.html (Permissions)"""
        self.call.check_access(None, "GetObject", {"Bucket": self.bucket.name, "Key": key})
        try:
            return self.state.object(self.bucket.name, key)
        except ServiceError as missing:
            if missing.status != 404:
                raise
            self.call.check_access(None, "ListObjectsV2", {"Bucket": self.bucket.name})
            raise

    def _rule(self, key: str, status: int | None) -> Mapping[str, Any] | None:
        """The first routing rule whose condition holds: its KeyPrefixEquals starts the key,
        and its HttpErrorCodeReturnedEquals (if any) is the status S3 would answer."""
        rules: list[Mapping[str, Any]] = self.config.get("RoutingRules") or []
        for rule in rules:
            condition = rule.get("Condition") or {}
            returned = condition.get("HttpErrorCodeReturnedEquals")
            if returned is not None and str(returned) != str(status):
                continue
            if returned is None and status is not None:
                continue
            if key.startswith(condition.get("KeyPrefixEquals") or ""):
                return rule
        return None

    def _redirect_by(self, rule: Mapping[str, Any], key: str) -> HttpResponse:
        redirect = rule["Redirect"]
        prefix = (rule.get("Condition") or {}).get("KeyPrefixEquals") or ""
        if redirect.get("ReplaceKeyWith") is not None:
            new_key = redirect["ReplaceKeyWith"]
        elif redirect.get("ReplaceKeyPrefixWith") is not None:
            new_key = redirect["ReplaceKeyPrefixWith"] + key[len(prefix) :]
        else:
            new_key = key
        protocol = redirect.get("Protocol") or "http"
        host = redirect.get("HostName") or self.request.header("Host") or ""
        code = int(redirect.get("HttpRedirectCode") or 301)
        return self._redirect(code, f"{protocol}://{host}/{new_key}")

    async def _failed(self, key: str, failure: ServiceError) -> HttpResponse:
        """403 / 404: a routing rule on that status, else the error document answered
        with the error's status, else S3's HTML error page."""
        rule = self._rule(key, failure.status)
        if rule is not None:
            return self._redirect_by(rule, key)
        document = (self.config.get("ErrorDocument") or {}).get("Key")
        if not document or self.request.method == "HEAD":
            return self._page(failure)
        try:
            stored = self._readable(document)
        except ServiceError as also:
            return self._page(failure, also, document)
        return await self._object(failure.status or 404, stored)

    async def _object(self, status: int, stored: StoredObject) -> HttpResponse:
        headers = self._answer_headers(stored)
        if self.request.method == "HEAD":
            # No body on HEAD; its Content-Length is still the object's.
            return HttpResponse(status, headers, b"", length=stored.size)
        body = await answer(self.state, stored.blob_id, 0, stored.size)
        if isinstance(body, bytes):
            return HttpResponse(status, headers, body)
        return HttpResponse(status, headers, b"", stream=body)

    def _answer_headers(self, stored: StoredObject) -> Headers:
        headers = request_headers(self.call.request_id)
        headers += [
            (b"Content-Type", stored.headers.get("ContentType", "binary/octet-stream").encode()),
            (b"ETag", stored.etag.encode()),
            (b"Last-Modified", formatdate(int(stored.modified), usegmt=True).encode()),
        ]
        for name in ("CacheControl", "ContentEncoding", "ContentLanguage", "ContentDisposition"):
            if name in stored.headers:
                wire = "-".join(part for part in _words(name))
                headers.append((wire.encode(), stored.headers[name].encode()))
        headers += [(f"x-amz-meta-{k}".encode(), v.encode()) for k, v in stored.metadata.items()]
        return headers

    def _redirect(self, status: int, location: str) -> HttpResponse:
        headers = [*request_headers(self.call.request_id), (b"Location", location.encode())]
        return HttpResponse(status, headers, b"")

    def _page(
        self, failure: ServiceError, also: ServiceError | None = None, document: str = ""
    ) -> HttpResponse:
        return error_page(failure, self.call.request_id, self.request.method, also, document)


def _words(member: str) -> list[str]:
    """`CacheControl` -> ["Cache", "Control"]."""
    found: list[str] = []
    for char in member:
        if char.isupper():
            found.append(char)
        else:
            found[-1] += char
    return found


def error_page(
    failure: ServiceError,
    request_id: str,
    method: str = "GET",
    also: ServiceError | None = None,
    document: str = "",
) -> HttpResponse:
    """S3's HTML error page of the website endpoint: the status as title and heading, then
    Code, Message, the error's fields, RequestId and HostId as a list; when the custom
    error document could not be read either, a second list says why.
    https://docs.aws.amazon.com/AmazonS3/latest/userguide/CustomErrorDocSupport.html
    """
    status = failure.status or 400
    headers = request_headers(request_id)
    headers.append((b"Content-Type", b"text/html; charset=utf-8"))
    host = headers[1][1].decode()
    title = f"{status} {_STATUS_TEXT.get(status, 'Error')}"
    items = [("Code", failure.code), ("Message", failure.message)]
    items += [(name, str(value)) for name, value in failure.fields.items()]
    items += [("RequestId", request_id), ("HostId", host)]
    lines = [
        "<html>",
        f"<head><title>{title}</title></head>",
        "<body>",
        f"<h1>{title}</h1>",
        "<ul>",
        *(f"<li>{name}: {escape(value)}</li>" for name, value in items),
        "</ul>",
    ]
    if also is not None:
        lines += [
            "<h3>An Error Occurred While Attempting to Retrieve a Custom Error Document</h3>",
            "<ul>",
            f"<li>Code: {also.code}</li>",
            f"<li>Message: {escape(also.message)}</li>",
            f"<li>Key: {escape(document)}</li>" if also.code == "NoSuchKey" else "",
            "</ul>",
        ]
    lines += ["<hr/>", "</body>", "</html>", ""]
    body = "\n".join(line for line in lines if line).encode()
    return HttpResponse(status, headers, b"" if method == "HEAD" else body)


async def serve(state: S3State, request: HttpRequest, call: SurfaceCall) -> HttpResponse:
    """A request to `{bucket}.s3-website.localhost`."""
    name = website_bucket(request) or ""
    if request.method not in ("GET", "HEAD"):
        failure = ServiceError(
            "MethodNotAllowed",
            "The specified method is not allowed against this resource.",
            status=405,
            fields={"Method": request.method, "ResourceType": "OBJECT"},
        )
        return error_page(failure, call.request_id, request.method)
    bucket = state.store.bucket(name)
    if bucket is None:
        return error_page(error.no_such_bucket(name), call.request_id, request.method)
    if not bucket.website:
        return error_page(
            error.no_such_website_configuration(name), call.request_id, request.method
        )
    return await _Site(state, request, call, bucket).answer()
