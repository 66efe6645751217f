"""A distribution as the edge serves it: origins, cache behaviors, error responses.

Built from an AWS::CloudFront::Distribution's DistributionConfig (lamina.config.cloudfront);
`config` keeps that DistributionConfig (CloudFormation's shape, intrinsics resolved) for
GetDistributionConfig.
https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-properties-cloudfront-distribution-distributionconfig.html
"""

from __future__ import annotations

from typing import Any, Literal

import msgspec

from lamina.core.error import LaminaError
from lamina.services.cloudfront.headers import ResponseHeaders

OriginKind = Literal["s3", "api", "custom"]


class KeySet(msgspec.Struct, frozen=True, kw_only=True):
    """Which headers, cookies or query strings a policy names: `behavior` is one of
    none / whitelist / allExcept / all (headers also allViewer, allViewerAndWhitelistCloudFront,
    allExcept); `names` are lowercase for headers, as sent for cookies and query strings."""

    behavior: str = "none"
    names: tuple[str, ...] = ()

    def admits(self, name: str) -> bool:
        if self.behavior in ("all", "allViewer", "allViewerAndWhitelistCloudFront"):
            return True
        if self.behavior == "whitelist":
            return name in self.names
        if self.behavior == "allExcept":
            return name not in self.names
        return False


class Forwarding(msgspec.Struct, frozen=True, kw_only=True):
    headers: KeySet = KeySet()
    cookies: KeySet = KeySet()
    query_strings: KeySet = KeySet()


class CachePolicy(msgspec.Struct, frozen=True, kw_only=True):
    """TTLs in seconds, what goes into the cache key (and so to the origin), and whether the
    normalized Accept-Encoding (gzip / br) does.
    https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/controlling-the-cache-key.html
    """

    name: str = ""
    min_ttl: int = 0
    default_ttl: int = 86400
    max_ttl: int = 31536000
    key: Forwarding = Forwarding()
    gzip: bool = False
    brotli: bool = False
    legacy: bool = False
    """Legacy cache settings (ForwardedValues): custom origins then receive the viewer's
    other headers too, and Authorization on requests other than GET and HEAD."""


class Origin(msgspec.Struct, frozen=True, kw_only=True):
    id: str
    domain_name: str
    origin_path: str = ""
    kind: OriginKind = "custom"
    bucket: str = ""
    """An S3 origin's bucket."""
    api_id: str = ""
    """An API Gateway origin's API id (`{api}.execute-api.{region}.amazonaws.com`)."""
    access_control: bool = False
    """OriginAccessControlId or an S3OriginConfig OriginAccessIdentity: S3 answers a
    missing key 403 (the bucket policy grants s3:GetObject, not s3:ListBucket)."""
    custom_headers: tuple[tuple[str, str], ...] = ()


class FunctionFailure(LaminaError):
    """A CloudFront Function could not give an answer: it threw, ran out of time, or there
    is no runtime to run it."""


class ViewerFunction(msgspec.Struct, frozen=True, kw_only=True):
    """A CloudFront Function (AWS::CloudFront::Function) associated with a behavior.
    https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/cloudfront-functions.html
    """

    name: str
    arn: str
    code: str
    runtime: str = "cloudfront-js-1.0"
    comment: str = ""


class Behavior(msgspec.Struct, frozen=True, kw_only=True):
    path_pattern: str = "*"
    target_origin_id: str
    viewer_protocol_policy: str = "allow-all"
    allowed_methods: tuple[str, ...] = ("GET", "HEAD")
    cached_methods: tuple[str, ...] = ("GET", "HEAD")
    compress: bool = False
    cache: CachePolicy = CachePolicy()
    origin_request: Forwarding = Forwarding()
    """What goes to the origin besides the cache key (an origin request policy)."""
    response_headers: ResponseHeaders | None = None
    """A response headers policy's additions to viewer answers."""
    viewer_request: ViewerFunction | None = None
    viewer_response: ViewerFunction | None = None


class ErrorResponse(msgspec.Struct, frozen=True, kw_only=True):
    """One CustomErrorResponses entry.
    https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/GeneratingCustomErrorResponses.html
    """

    error_code: int
    response_code: int | None = None
    page_path: str | None = None
    caching_min_ttl: int = 10


class Distribution(msgspec.Struct, frozen=True, kw_only=True):
    id: str
    arn: str
    domain_name: str
    """`d…….cloudfront.net`, what GetAtt DomainName answers."""
    logical_id: str = ""
    aliases: tuple[str, ...] = ()
    enabled: bool = True
    default_root_object: str = ""
    origins: dict[str, Origin] = msgspec.field(default_factory=dict)
    default_behavior: Behavior
    behaviors: tuple[Behavior, ...] = ()
    """CacheBehaviors, in the template's order (the first match wins)."""
    error_responses: dict[int, ErrorResponse] = msgspec.field(default_factory=dict)
    config: dict[str, Any] = msgspec.field(default_factory=dict)
    last_modified: float = 0.0
    etag: str = ""

    @property
    def local_names(self) -> tuple[str, ...]:
        """Host names the edge answers for it: `{d…}.cloudfront.localhost`,
        `{id}.cloudfront.localhost` (lowercase) and each alias."""
        stem = self.domain_name.partition(".")[0]
        return (
            f"{stem}.cloudfront.localhost",
            f"{self.id.lower()}.cloudfront.localhost",
            *(alias.lower() for alias in self.aliases),
        )
