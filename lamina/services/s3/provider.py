"""S3Provider: the botocore "s3" service (rest-xml) over `.lamina/s3/`.

API reference: https://docs.aws.amazon.com/AmazonS3/latest/API/API_Operations_Amazon_Simple_Storage_Service.html
"""

from __future__ import annotations

import functools
import logging
import time
from collections.abc import Awaitable, Callable, Mapping
from pathlib import Path
from typing import Any

from lamina.aws.claim import WEBSITE
from lamina.aws.dispatch import SurfaceCall
from lamina.aws.rest_xml import XmlOptions
from lamina.aws.service import (
    AwsRequestContext,
    Handler,
    OperationInput,
    OperationOutput,
    ServiceError,
)
from lamina.http.message import HttpRequest, HttpResponse
from lamina.services.s3 import (
    bucket,
    bucket_policy,
    cors,
    event,
    listing,
    multipart,
    notification,
    obj,
    post_policy,
    tagging,
    versioning,
    website,
)
from lamina.services.s3.blob import BlobStore
from lamina.services.s3.state import S3State
from lamina.services.s3.store import S3Store

log = logging.getLogger("lamina.s3")

NAMESPACE = "http://s3.amazonaws.com/doc/2006-03-01/"
# Root elements of S3's XML answers (botocore's model leaves them out).
# https://docs.aws.amazon.com/AmazonS3/latest/API/API_ListObjectsV2.html#API_ListObjectsV2_ResponseSyntax
ROOTS = {
    "ListBuckets": "ListAllMyBucketsResult",
    "ListObjectsV2": "ListBucketResult",
    "ListObjects": "ListBucketResult",
    "GetBucketLocation": "LocationConstraint",
    "CreateMultipartUpload": "InitiateMultipartUploadResult",
    "CompleteMultipartUpload": "CompleteMultipartUploadResult",
    "ListParts": "ListPartsResult",
    "ListMultipartUploads": "ListMultipartUploadsResult",
    "DeleteObjects": "DeleteResult",
    "GetObjectTagging": "Tagging",
    "GetBucketVersioning": "VersioningConfiguration",
    "ListObjectVersions": "ListVersionsResult",
    "GetBucketCors": "CORSConfiguration",
    "GetBucketPolicyStatus": "PolicyStatus",
    "GetBucketWebsite": "WebsiteConfiguration",
    "GetBucketNotificationConfiguration": "NotificationConfiguration",
}

_Operation = Callable[[S3State, AwsRequestContext, OperationInput], Awaitable[OperationOutput]]
_OPERATIONS: dict[str, _Operation] = {
    "CreateBucket": bucket.create_bucket,
    "HeadBucket": bucket.head_bucket,
    "DeleteBucket": bucket.delete_bucket,
    "ListBuckets": bucket.list_buckets,
    "GetBucketLocation": bucket.get_bucket_location,
    "PutObject": obj.put_object,
    "GetObject": obj.get_object,
    "HeadObject": obj.head_object,
    "DeleteObject": obj.delete_object,
    "DeleteObjects": obj.delete_objects,
    "CopyObject": obj.copy_object,
    "ListObjectsV2": listing.list_objects_v2,
    "ListObjects": listing.list_objects,
    "CreateMultipartUpload": multipart.create_multipart_upload,
    "UploadPart": multipart.upload_part,
    "UploadPartCopy": multipart.upload_part_copy,
    "CompleteMultipartUpload": multipart.complete_multipart_upload,
    "AbortMultipartUpload": multipart.abort_multipart_upload,
    "ListParts": multipart.list_parts,
    "ListMultipartUploads": multipart.list_multipart_uploads,
    "PutObjectTagging": tagging.put_object_tagging,
    "GetObjectTagging": tagging.get_object_tagging,
    "DeleteObjectTagging": tagging.delete_object_tagging,
    "PutBucketVersioning": versioning.put_bucket_versioning,
    "GetBucketVersioning": versioning.get_bucket_versioning,
    "ListObjectVersions": versioning.list_object_versions,
    "PutBucketCors": cors.put_bucket_cors,
    "GetBucketCors": cors.get_bucket_cors,
    "DeleteBucketCors": cors.delete_bucket_cors,
    "PutBucketPolicy": bucket_policy.put_bucket_policy,
    "GetBucketPolicy": bucket_policy.get_bucket_policy,
    "DeleteBucketPolicy": bucket_policy.delete_bucket_policy,
    "GetBucketPolicyStatus": bucket_policy.get_bucket_policy_status,
    "PutBucketNotificationConfiguration": notification.put_bucket_notification_configuration,
    "GetBucketNotificationConfiguration": notification.get_bucket_notification_configuration,
    "PutBucketWebsite": website.put_bucket_website,
    "GetBucketWebsite": website.get_bucket_website,
    "DeleteBucketWebsite": website.delete_bucket_website,
}


async def _owned(
    operation: _Operation, state: S3State, context: AwsRequestContext, params: OperationInput
) -> OperationOutput:
    """`x-amz-expected-bucket-owner` (and `…-source-bucket-owner` on copies) naming another
    account: 403 AccessDenied, as S3 answers.
    https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucket-owner-condition.html
    """
    for member in ("ExpectedBucketOwner", "ExpectedSourceBucketOwner"):
        owner = params.get(member)
        if owner is not None and owner != context.account_id:
            raise ServiceError("AccessDenied", "Access Denied", status=403)
    output = await operation(state, context, params)
    await event.after(state, context, context.operation, params, output)
    return output


class S3Provider:
    service_name = "s3"
    error_namespace = None
    xml_options = XmlOptions(ROOTS, NAMESPACE)

    def __init__(
        self, *, state_dir: Path, account_id: str, clock: Callable[[], float] = time.time
    ) -> None:
        root = state_dir / "s3"
        store = S3Store(root / "s3.sqlite")
        blobs = BlobStore(root)
        # Whatever a crash left half-written (temporary files, blobs no row names) goes now.
        swept = blobs.sweep(store.blob_ids())
        if swept:
            log.info("removed %d unfinished S3 writes", swept)
        self.state = S3State(store, blobs, clock, account_id)
        self._handlers: dict[str, Handler] = {
            name: functools.partial(_owned, operation, self.state)
            for name, operation in _OPERATIONS.items()
        }

    def handlers(self) -> Mapping[str, Handler]:
        return self._handlers

    def preflight(self, request: HttpRequest) -> list[tuple[bytes, bytes]]:
        """A browser's OPTIONS preflight (path-style): the 200 answer's headers, or S3's
        error (services.s3.cors)."""
        return cors.preflight(self.state, request)

    def cors_headers(self, request: HttpRequest) -> list[tuple[bytes, bytes]]:
        """The CORS headers S3 adds to the answer of a request carrying an Origin."""
        return cors.actual_headers(self.state, request)

    async def serve_surface(
        self, surface: str, request: HttpRequest, call: SurfaceCall
    ) -> HttpResponse:
        """The website endpoint (services.s3.website) and browser POST uploads
        (services.s3.post_policy)."""
        if surface == WEBSITE:
            return await website.serve(self.state, request, call)
        return await post_policy.serve(self.state, request, call)

    def resource_policy(self, operation: str, params: Mapping[str, Any]) -> list[Mapping[str, Any]]:
        """The bucket policy statements that apply to a call (evaluated by aws.authorize)."""
        return bucket_policy.statements(self.state, params)

    def close(self) -> None:
        self.state.store.close()
