"""Which registered service a request is for, from what the request itself says.

https://docs.aws.amazon.com/IAM/latest/UserGuide/create-signed-request.html (credential
scope names the signing service); JSON protocols name `<targetPrefix>.<Operation>` in
`X-Amz-Target`; query protocols POST a form whose `Action` names the operation.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from urllib.parse import parse_qsl

from lamina.aws.model import ModelLibrary, ServiceSpec
from lamina.aws.rest_xml import virtual_host_bucket
from lamina.aws.sigv2 import QuerySignature, read_query_signature
from lamina.aws.sigv4 import Signature, SignatureProblem, read_signature
from lamina.http.message import HttpRequest

GATEWAY_SIGNING_NAME = "execute-api"
S3_SIGNING_NAME = "s3"
_FORM = "application/x-www-form-urlencoded"


class Claim:
    """The candidate services (several share a signing name: apigateway/apigatewayv2)."""

    __slots__ = ("action", "legacy", "signature", "specs", "surface", "target")

    def __init__(
        self,
        specs: list[ServiceSpec],
        signature: Signature | None,
        target: str | None = None,
        action: str | None = None,
        legacy: QuerySignature | None = None,
        surface: str | None = None,
    ) -> None:
        self.specs = specs
        self.signature = signature
        self.target = target
        """The operation named by X-Amz-Target."""
        self.action = action
        """The operation named by a query-protocol `Action`."""
        self.legacy = legacy
        """An S3 presigned URL signed with Signature Version 2 (lamina.aws.sigv2)."""
        self.surface = surface
        """A non-API surface of the service the provider answers itself: S3's website
        endpoint ("website") and browser POST-policy uploads ("post")."""


class Catalog:
    """The registered services' models, indexed by signing name and target prefix. The
    indexes load every registered model once, on the first request that needs them."""

    def __init__(self, services: Iterable[str], library: ModelLibrary) -> None:
        self.services = list(services)
        self._library = library
        self._by_signing: dict[str, list[ServiceSpec]] | None = None
        self._by_target: dict[str, ServiceSpec] = {}

    def spec(self, service: str) -> ServiceSpec:
        return self._library.spec(service)

    def preload(self) -> None:
        self._library.preload(self.services)
        self._index()

    def signed_for(self, signing_name: str) -> list[ServiceSpec]:
        return self._index().get(signing_name, [])

    def targeted(self, prefix: str) -> ServiceSpec | None:
        self._index()
        return self._by_target.get(prefix)

    def with_action(self, action: str) -> list[ServiceSpec]:
        return [
            spec
            for spec in (self.spec(name) for name in self.services)
            if spec.protocol in ("query", "ec2") and action in spec.operation_names
        ]

    def _index(self) -> dict[str, list[ServiceSpec]]:
        if self._by_signing is None:
            by_signing: dict[str, list[ServiceSpec]] = {}
            for name in self.services:
                spec = self.spec(name)
                by_signing.setdefault(spec.signing_name, []).append(spec)
                if spec.target_prefix:
                    self._by_target[spec.target_prefix] = spec
            self._by_signing = by_signing
        return self._by_signing


_MARK_HEADERS = frozenset({"authorization", "x-amz-target"})
WEBSITE = "website"
POST_UPLOAD = "post"
# {bucket}.s3-website.localhost, also with the region as AWS writes it either way
# ({bucket}.s3-website-us-east-1.… and {bucket}.s3-website.us-east-1.…).
# https://docs.aws.amazon.com/AmazonS3/latest/userguide/WebsiteEndpoints.html
_WEBSITE_HOST = re.compile(
    r"^(?P<bucket>[a-z0-9][a-z0-9.\-]*)\.s3-website(?:[.\-][a-z]{2}(?:-[a-z]+)+-\d)?"
    r"\.localhost(?::\d+)?$"
)


def website_bucket(request: HttpRequest) -> str | None:
    """The bucket a request to S3's website endpoint names in its Host, else None."""
    host = (request.header("Host") or "").lower()
    if ".s3-website" not in host:
        return None
    found = _WEBSITE_HOST.match(host)
    return None if found is None else found.group("bucket")


def _post_upload(request: HttpRequest) -> bool:
    """A browser's POST-policy upload: an unsigned multipart/form-data POST to a bucket
    (`/{bucket}` path-style, `/` on `{bucket}.s3.localhost`). On the main host it must also
    carry a `policy` field, so that forms posted to APIs stay the gateway's.
    https://docs.aws.amazon.com/AmazonS3/latest/API/sigv4-UsingHTTPPOST.html
    """
    if request.method != "POST" or request.header("Authorization") is not None:
        return False
    if not (request.header("Content-Type") or "").lower().startswith("multipart/form-data"):
        return False
    if _s3_host(request):
        return True
    segments = request.path.strip("/")
    return bool(segments) and "/" not in segments and b'name="policy"' in request.body


def _s3_host(request: HttpRequest) -> bool:
    """Addressed to S3's own host names (`{bucket}.s3.localhost`, `s3.localhost`): unsigned
    requests there (browser preflights, anonymous reads of public objects) are S3's too."""
    host = (request.header("Host") or "").lower()
    if "s3.localhost" not in host:
        return False
    return host.partition(":")[0] == "s3.localhost" or virtual_host_bucket(request) is not None


def has_aws_marks(request: HttpRequest) -> bool:
    """Could this be an AWS API call at all (a SigV4 header or query, an X-Amz-Target, a
    query-protocol POST to /, or S3's host names)? False for plain gateway traffic, cheaply."""
    host = ""
    for name, value in request.headers:  # one pass: every gateway request comes here
        lowered = name.lower()
        if lowered in _MARK_HEADERS:
            return True
        if lowered == "host":
            host = value.lower()
    if request.method == "POST" and (request.path == "/" or _post_upload(request)):
        return True
    if ("s3.localhost" in host or ".s3-website" in host) and (
        _s3_host(request) or website_bucket(request) is not None
    ):
        return True
    return "X-Amz-Credential=" in request.query_string or "AWSAccessKeyId=" in request.query_string


def identify(request: HttpRequest, catalog: Catalog) -> Claim | None:
    if website_bucket(request) is not None:
        specs = catalog.signed_for(S3_SIGNING_NAME)
        return Claim(specs, None, surface=WEBSITE) if specs else None
    try:
        signature = read_signature(request)
    except SignatureProblem:
        return None  # not a well-formed SigV4 claim: not ours to answer
    if signature is not None and signature.service == GATEWAY_SIGNING_NAME:
        return None
    target = _target(request, catalog)
    if signature is not None:
        specs = catalog.signed_for(signature.service)
        if target is not None:
            specs = [spec for spec in specs if spec is target[0]] or specs
        if not specs:
            return None
        return Claim(specs, signature, target[1] if target else None)
    if target is not None:
        return Claim([target[0]], None, target[1])
    if _post_upload(request):
        specs = catalog.signed_for(S3_SIGNING_NAME)
        return Claim(specs, None, surface=POST_UPLOAD) if specs else None
    legacy = read_query_signature(request)
    if legacy is not None:
        specs = catalog.signed_for(S3_SIGNING_NAME)
        return Claim(specs, None, legacy=legacy) if specs else None
    if _s3_host(request):
        specs = catalog.signed_for(S3_SIGNING_NAME)
        return Claim(specs, None) if specs else None
    return _query_claim(request, catalog)


def _target(request: HttpRequest, catalog: Catalog) -> tuple[ServiceSpec, str] | None:
    header = request.header("X-Amz-Target")
    if header is None:
        return None
    prefix, _, operation = header.rpartition(".")
    spec = catalog.targeted(prefix)
    return None if spec is None else (spec, operation)


def _query_claim(request: HttpRequest, catalog: Catalog) -> Claim | None:
    if request.method != "POST" or request.path != "/" or b"Action=" not in request.body:
        return None
    content_type = request.header("Content-Type") or ""
    if not content_type.startswith(_FORM):
        return None
    form = dict(parse_qsl(request.body.decode("utf-8", errors="replace")))
    action = form.get("Action")
    specs = catalog.with_action(action) if action else []
    return Claim(specs, None, action=action) if specs else None
