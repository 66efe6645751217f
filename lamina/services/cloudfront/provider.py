"""CloudFrontProvider: the botocore "cloudfront" service (rest-xml) for the distributions
the template declares: CreateInvalidation, GetInvalidation, ListInvalidations,
GetDistribution, GetDistributionConfig, ListDistributions.

API reference: https://docs.aws.amazon.com/cloudfront/latest/APIReference/API_Operations_Amazon_CloudFront.html
Distributions come from the template (lamina.config.cloudfront, provisioned at `lamina up`);
invalidations empty the edge cache at once, so they are Completed when created, and live
in memory as the cache does.
"""

from __future__ import annotations

import hashlib
import secrets
import string
import threading
import time
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Any, Protocol

import orjson

from lamina.aws.model import ModelLibrary
from lamina.aws.rest_xml import XmlOptions
from lamina.aws.service import (
    Handler,
    Operation,
    OperationInput,
    OperationOutput,
    ServiceError,
    bind_operations,
)
from lamina.services.cloudfront.cache import EdgeCache
from lamina.services.cloudfront.headers import MANAGED_RESPONSE_HEADERS, ResponseHeaders
from lamina.services.cloudfront.model import (
    CachePolicy,
    Distribution,
    Forwarding,
    FunctionFailure,
    ViewerFunction,
)
from lamina.services.cloudfront.policy import (
    MANAGED_CACHE_POLICIES,
    MANAGED_ORIGIN_REQUEST_POLICIES,
)
from lamina.services.cloudfront.shapes import ConfigShapes

_ID_ALPHABET = string.ascii_uppercase + string.digits
_API = "https://cloudfront.amazonaws.com/2020-05-31"
NAMESPACE = "http://cloudfront.amazonaws.com/doc/2020-05-31/"
"""The XML namespace of CloudFront's API documents (as in CreateInvalidation's request).
https://docs.aws.amazon.com/cloudfront/latest/APIReference/API_CreateInvalidation.html"""
MAX_ITEMS = 100
MAX_INVALIDATION_PATHS = 3000
"""Paths one invalidation may name (CloudFront's quota)."""


class Invalidation:
    __slots__ = ("caller_reference", "created", "id", "paths")

    def __init__(self, id: str, caller_reference: str, paths: list[str], created: float) -> None:
        self.id = id
        self.caller_reference = caller_reference
        self.paths = paths
        self.created = created

    def shape(self) -> dict[str, Any]:
        return {
            "Id": self.id,
            "Status": "Completed",
            "CreateTime": datetime.fromtimestamp(self.created, UTC),
            "InvalidationBatch": {
                "Paths": {"Quantity": len(self.paths), "Items": list(self.paths)},
                "CallerReference": self.caller_reference,
            },
        }


class FunctionTester(Protocol):
    """Runs a CloudFront Function's code (lamina.edge.cdn.function.FunctionRunner)."""

    async def call(self, function: ViewerFunction, event: dict[str, Any]) -> dict[str, Any]: ...


class CloudFrontProvider:
    service_name = "cloudfront"
    error_namespace = None
    xml_options = XmlOptions({}, NAMESPACE, wrapped_errors=True)
    """CloudFront's documents carry its API version's namespace; its errors come wrapped
    in `<ErrorResponse>` (not S3's bare `<Error>`)."""

    def __init__(
        self,
        *,
        cache: EdgeCache | None = None,
        clock: Callable[[], float] = time.time,
        library: ModelLibrary | None = None,
    ) -> None:
        self.cache = cache if cache is not None else EdgeCache()
        self.clock = clock
        self.cache_policies: dict[str, CachePolicy] = dict(MANAGED_CACHE_POLICIES)
        """AWS's managed cache policies and the template's, by id."""
        self.origin_request_policies: dict[str, Forwarding] = dict(MANAGED_ORIGIN_REQUEST_POLICIES)
        self.response_headers_policies: dict[str, ResponseHeaders] = dict(MANAGED_RESPONSE_HEADERS)
        self.functions: dict[str, ViewerFunction] = {}
        """The template's CloudFront Functions by ARN."""
        self.tester: FunctionTester | None = None
        """What TestFunction runs code with (set by the edge that runs them for viewers)."""
        self._distributions: dict[str, Distribution] = {}
        self._hosts: dict[str, Distribution] = {}
        self._invalidations: dict[str, list[Invalidation]] = {}
        self._shapes = ConfigShapes(library)
        self._lock = threading.Lock()
        self._handlers = bind_operations(self, _OPERATIONS)

    def handlers(self) -> Mapping[str, Handler]:
        return self._handlers

    # -- distributions (the template's, provisioned at `lamina up` and on reload)

    def put_distribution(self, distribution: Distribution) -> None:
        """Serve `distribution` from now on; a changed one drops its cached answers."""
        with self._lock:
            old = self._distributions.get(distribution.id)
            self._distributions[distribution.id] = distribution
            self._rebuild_hosts()
        if old is not None and old.config != distribution.config:
            self.cache.invalidate(distribution.id, ["/*"])

    def remove_distribution(self, distribution_id: str) -> None:
        with self._lock:
            self._distributions.pop(distribution_id, None)
            self._rebuild_hosts()
        self.cache.invalidate(distribution_id, ["/*"])

    def distributions(self) -> list[Distribution]:
        return sorted(self._distributions.values(), key=lambda d: d.id)

    def for_host(self, host: str) -> Distribution | None:
        """The distribution a Host header (with or without its port) names."""
        name = host.rpartition(":")[0] if host.rpartition(":")[2].isdigit() else host
        return self._hosts.get(name.lower().rstrip("."))

    def distribution(self, distribution_id: str) -> Distribution:
        found = self._distributions.get(distribution_id)
        if found is None:
            raise ServiceError(
                "NoSuchDistribution", "The specified distribution does not exist.", status=404
            )
        return found

    def _rebuild_hosts(self) -> None:
        self._hosts = {
            name: distribution
            for distribution in self._distributions.values()
            for name in distribution.local_names
        }

    # -- operations

    def create_invalidation(self, params: OperationInput) -> OperationOutput:
        # https://docs.aws.amazon.com/cloudfront/latest/APIReference/API_CreateInvalidation.html
        distribution = self.distribution(params["DistributionId"])
        batch = params.get("InvalidationBatch") or {}
        paths_shape = batch.get("Paths") or {}
        paths = [str(path) for path in paths_shape.get("Items") or []]
        reference = str(batch.get("CallerReference", ""))
        if int(paths_shape.get("Quantity", -1)) != len(paths):
            raise ServiceError(
                "InconsistentQuantities",
                "The value of Quantity and the size of Items don't match.",
                status=400,
            )
        if not paths:
            raise ServiceError("MissingBody", "Your request is missing a paths list.", status=400)
        if len(paths) > MAX_INVALIDATION_PATHS:
            # https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/cloudfront-limits.html#limits-invalidations
            raise ServiceError(
                "BatchTooLarge", "Invalidation batch specified is too large.", status=413
            )
        existing = self._by_reference(distribution.id, reference)
        if existing is not None:
            # The same CallerReference: the earlier invalidation if the paths are the same,
            # else InvalidationBatchAlreadyExists.
            if existing.paths != paths:
                raise ServiceError(
                    "InvalidationBatchAlreadyExists",
                    "The CallerReference you attempted to create the invalidation batch with "
                    "is already in use.",
                    status=400,
                )
            invalidation = existing
        else:
            invalidation = Invalidation(_new_id("I"), reference, paths, self.clock())
            self.cache.invalidate(distribution.id, paths)
            with self._lock:
                self._invalidations.setdefault(distribution.id, []).append(invalidation)
        return {
            "Location": f"{_API}/distribution/{distribution.id}/invalidation/{invalidation.id}",
            "Invalidation": invalidation.shape(),
        }

    def get_invalidation(self, params: OperationInput) -> OperationOutput:
        distribution = self.distribution(params["DistributionId"])
        for invalidation in self._invalidations.get(distribution.id, []):
            if invalidation.id == params["Id"]:
                return {"Invalidation": invalidation.shape()}
        raise ServiceError(
            "NoSuchInvalidation", "The specified invalidation does not exist.", status=404
        )

    def list_invalidations(self, params: OperationInput) -> OperationOutput:
        distribution = self.distribution(params["DistributionId"])
        newest_first = list(reversed(self._invalidations.get(distribution.id, [])))
        page, marker, next_marker, limit = _page(newest_first, params, lambda i: i.id)
        items = [
            {
                "Id": i.id,
                "CreateTime": datetime.fromtimestamp(i.created, UTC),
                "Status": "Completed",
            }
            for i in page
        ]
        listing = _listing(items, marker, next_marker, limit)
        return {"InvalidationList": listing}

    def get_distribution(self, params: OperationInput) -> OperationOutput:
        # https://docs.aws.amazon.com/cloudfront/latest/APIReference/API_GetDistribution.html
        distribution = self.distribution(params["Id"])
        return {"Distribution": self._shape(distribution), "ETag": distribution.etag}

    def get_distribution_config(self, params: OperationInput) -> OperationOutput:
        distribution = self.distribution(params["Id"])
        config = self._shapes.api_config(distribution.config, _reference(distribution))
        return {"DistributionConfig": config, "ETag": distribution.etag}

    def list_distributions(self, params: OperationInput) -> OperationOutput:
        page, marker, next_marker, limit = _page(self.distributions(), params, lambda d: d.id)
        items = [
            {
                **self._shapes.summary(d.config, _reference(d)),
                "Id": d.id,
                "ARN": d.arn,
                "ETag": d.etag,
                "Status": "Deployed",
                "LastModifiedTime": datetime.fromtimestamp(d.last_modified, UTC),
                "DomainName": d.domain_name,
            }
            for d in page
        ]
        return {"DistributionList": _listing(items, marker, next_marker, limit)}

    # -- CloudFront Functions
    # https://docs.aws.amazon.com/cloudfront/latest/APIReference/API_TestFunction.html

    def describe_function(self, params: OperationInput) -> OperationOutput:
        function = self._function(params["Name"])
        return {
            "FunctionSummary": self._function_summary(function),
            "ETag": function_etag(function),
        }

    def list_functions(self, params: OperationInput) -> OperationOutput:
        found = sorted(self.functions.values(), key=lambda f: f.name)
        page, _, next_marker, limit = _page(found, params, lambda f: f.name)
        listing: dict[str, Any] = {"MaxItems": limit, "Quantity": len(page)}
        if page:
            listing["Items"] = [self._function_summary(f) for f in page]
        if next_marker is not None:
            listing["NextMarker"] = next_marker
        return {"FunctionList": listing}

    async def test_function(self, params: OperationInput) -> OperationOutput:
        function = self._function(params["Name"])
        if params.get("IfMatch") != function_etag(function):
            raise ServiceError(
                "PreconditionFailed",
                "The precondition in one or more of the request fields evaluated to false.",
                status=412,
            )
        try:
            event = orjson.loads(params.get("EventObject") or b"")
        except orjson.JSONDecodeError:
            raise ServiceError(
                "InvalidArgument", "The event object is not valid JSON.", status=400
            ) from None
        if self.tester is None:
            raise ServiceError("UnsupportedOperation", "No function runtime here.", status=400)
        try:
            reply = await self.tester.call(function, event)
        except FunctionFailure as error:  # e.g. it ran out of time: the test's result says so
            reply = {"error": str(error)}
        result = reply.get("result")
        output = ""
        if "error" not in reply and isinstance(result, dict):
            kind = "response" if "statusCode" in result else "request"
            output = orjson.dumps({kind: result}).decode()
        return {
            "TestResult": {
                "FunctionSummary": self._function_summary(function),
                "ComputeUtilization": "1",
                "FunctionExecutionLogs": [str(line) for line in reply.get("logs") or []],
                "FunctionErrorMessage": str(reply.get("error", "")),
                "FunctionOutput": output,
            }
        }

    def _function(self, name: str) -> ViewerFunction:
        for function in self.functions.values():
            if function.name == name:
                return function
        raise ServiceError("NoSuchFunctionExists", "The function does not exist.", status=404)

    def _function_summary(self, function: ViewerFunction) -> dict[str, Any]:
        when = datetime.fromtimestamp(self.clock(), UTC)
        return {
            "Name": function.name,
            "Status": "DEPLOYED",
            "FunctionConfig": {"Comment": function.comment, "Runtime": function.runtime},
            "FunctionMetadata": {
                "FunctionARN": function.arn,
                "Stage": "LIVE",
                "CreatedTime": when,
                "LastModifiedTime": when,
            },
        }

    def _shape(self, distribution: Distribution) -> dict[str, Any]:
        return {
            "Id": distribution.id,
            "ARN": distribution.arn,
            "Status": "Deployed",
            "LastModifiedTime": datetime.fromtimestamp(distribution.last_modified, UTC),
            "InProgressInvalidationBatches": 0,
            "DomainName": distribution.domain_name,
            "ActiveTrustedSigners": {"Enabled": False, "Quantity": 0},
            "ActiveTrustedKeyGroups": {"Enabled": False, "Quantity": 0},
            "DistributionConfig": self._shapes.api_config(
                distribution.config, _reference(distribution)
            ),
        }

    def _by_reference(self, distribution_id: str, reference: str) -> Invalidation | None:
        for invalidation in self._invalidations.get(distribution_id, []):
            if invalidation.caller_reference == reference:
                return invalidation
        return None


def function_etag(function: ViewerFunction) -> str:
    """A function's ETag (its code's version), as DescribeFunction answers it."""
    return "E" + hashlib.sha256(function.code.encode()).hexdigest()[:13].upper()


def _reference(distribution: Distribution) -> str:
    """A template's distribution has no CallerReference; CloudFormation makes one up."""
    return f"lamina-{distribution.logical_id or distribution.id}"


def _new_id(prefix: str) -> str:
    """CloudFront's ids: a letter and 13 uppercase letters or digits (E…, I…)."""
    return prefix + "".join(secrets.choice(_ID_ALPHABET) for _ in range(13))


def _page(
    items: list[Any], params: OperationInput, ident: Callable[[Any], str]
) -> tuple[list[Any], str, str | None, int]:
    """Marker (the id to start after) and MaxItems (a string in this API, 100 at most)."""
    marker = str(params.get("Marker") or "")
    try:
        limit = int(params.get("MaxItems") or MAX_ITEMS)
    except ValueError:
        raise ServiceError("InvalidArgument", "MaxItems must be a number.", status=400) from None
    limit = max(1, min(limit, MAX_ITEMS))
    start = 0
    if marker:
        ids = [ident(item) for item in items]
        start = ids.index(marker) + 1 if marker in ids else len(items)
    page = items[start : start + limit]
    truncated = start + limit < len(items)
    return page, marker, ident(page[-1]) if truncated and page else None, limit


def _listing(
    items: list[dict[str, Any]], marker: str, next_marker: str | None, limit: int
) -> dict[str, Any]:
    listing: dict[str, Any] = {
        "Marker": marker,
        "MaxItems": limit,
        "IsTruncated": next_marker is not None,
        "Quantity": len(items),
    }
    if next_marker is not None:
        listing["NextMarker"] = next_marker
    if items:
        listing["Items"] = items
    return listing


_OPERATIONS: dict[str, Operation[CloudFrontProvider]] = {
    "CreateInvalidation": CloudFrontProvider.create_invalidation,
    "GetInvalidation": CloudFrontProvider.get_invalidation,
    "ListInvalidations": CloudFrontProvider.list_invalidations,
    "GetDistribution": CloudFrontProvider.get_distribution,
    "GetDistributionConfig": CloudFrontProvider.get_distribution_config,
    "ListDistributions": CloudFrontProvider.list_distributions,
    "DescribeFunction": CloudFrontProvider.describe_function,
    "ListFunctions": CloudFrontProvider.list_functions,
    "TestFunction": CloudFrontProvider.test_function,
}
