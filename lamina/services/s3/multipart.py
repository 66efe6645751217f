"""Multipart uploads: CreateMultipartUpload, UploadPart, CompleteMultipartUpload,
AbortMultipartUpload, ListParts, ListMultipartUploads.

https://docs.aws.amazon.com/AmazonS3/latest/userguide/mpuoverview.html
https://docs.aws.amazon.com/AmazonS3/latest/API/API_CompleteMultipartUpload.html
Parts are 1..10,000; every part but the last at least 5 MiB; the object's ETag is the MD5
of the parts' binary MD5s, then `-<number of parts>`.
"""

from __future__ import annotations

import hashlib
import uuid
from datetime import UTC, datetime
from typing import Any

from lamina.aws.service import AwsRequestContext, OperationInput, OperationOutput
from lamina.services.s3 import error, transfer
from lamina.services.s3.condition import check_preconditions
from lamina.services.s3.listing import page_limit
from lamina.services.s3.obj import copy_source
from lamina.services.s3.state import (
    SSE_S3,
    STORAGE_CLASS,
    S3State,
    check_write_options,
    content_headers,
    quoted,
    user_metadata,
    versioned,
)
from lamina.services.s3.store import Part, StoredObject, Upload
from lamina.services.s3.tagging import tags_from_header
from lamina.services.s3.transfer import receive

MIN_PART_SIZE = 5 * 1024 * 1024
MAX_PART_NUMBER = 10_000
DEFAULT_MAX_PARTS = 1000
DEFAULT_MAX_UPLOADS = 1000


def _moment(seconds: float) -> datetime:
    return datetime.fromtimestamp(int(seconds), UTC)


def _upload(state: S3State, params: OperationInput) -> Upload:
    state.bucket(params["Bucket"])
    upload_id = params["UploadId"]
    found = state.store.upload(upload_id)
    if found is None or (found.bucket, found.key) != (params["Bucket"], params["Key"]):
        raise error.no_such_upload(upload_id)
    return found


async def create_multipart_upload(
    state: S3State, context: AwsRequestContext, params: OperationInput
) -> OperationOutput:
    bucket, key = params["Bucket"], params["Key"]
    state.bucket(bucket)
    check_write_options(params)
    upload = Upload(
        upload_id=uuid.uuid4().hex + uuid.uuid4().hex,
        bucket=bucket,
        key=key,
        initiated=state.clock(),
        headers=content_headers(params),
        metadata=user_metadata(params),
        tags=tags_from_header(params.get("Tagging")),
    )
    state.store.add_upload(upload)
    return {
        "Bucket": bucket,
        "Key": key,
        "UploadId": upload.upload_id,
        "ServerSideEncryption": SSE_S3,
    }


async def upload_part(
    state: S3State, context: AwsRequestContext, params: OperationInput
) -> OperationOutput:
    number = _part_number(params)
    upload = _upload(state, params)
    written, checksums = await receive(state, params)
    part = Part(
        number=number,
        blob_id=written.blob_id,
        size=written.size,
        etag=quoted(written.md5),
        md5=written.md5,
        modified=state.clock(),
    )
    if state.store.upload(upload.upload_id) is None:  # aborted while the part was written
        state.free(written.blob_id)
        raise error.no_such_upload(upload.upload_id)
    state.free(state.store.put_part(upload.upload_id, part))
    return {"ETag": part.etag, **checksums}


async def upload_part_copy(
    state: S3State, context: AwsRequestContext, params: OperationInput
) -> OperationOutput:
    """A part copied from (a byte range of) an existing object.
    https://docs.aws.amazon.com/AmazonS3/latest/API/API_UploadPartCopy.html
    """
    number = _part_number(params)
    upload = _upload(state, params)
    source_bucket, source_key, source_version = copy_source(params["CopySource"])
    source = state.object(source_bucket, source_key, source_version)
    check_preconditions(source, params, prefix="CopySource")
    start, end = _copy_range(params.get("CopySourceRange"), source.size)
    written = await transfer.copy(state, source.blob_id, start, end)
    part = Part(
        number=number,
        blob_id=written.blob_id,
        size=written.size,
        etag=quoted(written.md5),
        md5=written.md5,
        modified=state.clock(),
    )
    if state.store.upload(upload.upload_id) is None:
        state.free(written.blob_id)
        raise error.no_such_upload(upload.upload_id)
    state.free(state.store.put_part(upload.upload_id, part))
    return {"CopyPartResult": {"ETag": part.etag, "LastModified": _moment(part.modified)}}


def _copy_range(header: str | None, size: int) -> tuple[int, int]:
    """`x-amz-copy-source-range: bytes=first-last` -> [start, end) within the source."""
    if header is None:
        return 0, size
    first, dash, last = header.removeprefix("bytes=").partition("-")
    if not header.startswith("bytes=") or not dash or not first.isdigit() or not last.isdigit():
        raise error.invalid_argument(
            "The x-amz-copy-source-range value must be of the form bytes=first-last where "
            "first and last are the zero-based offsets of the first and last bytes to copy",
            "x-amz-copy-source-range",
            header,
        )
    start, stop = int(first), int(last)
    if start > stop or stop >= size:
        raise error.invalid_argument(
            f"Range specified is not valid for source object of size: {size}",
            "x-amz-copy-source-range",
            header,
        )
    return start, stop + 1


def _part_number(params: OperationInput) -> int:
    number = int(params["PartNumber"])
    if not 1 <= number <= MAX_PART_NUMBER:
        raise error.invalid_argument(
            "Part number must be an integer between 1 and 10000, inclusive",
            "partNumber",
            number,
        )
    return number


async def complete_multipart_upload(
    state: S3State, context: AwsRequestContext, params: OperationInput
) -> OperationOutput:
    upload = _upload(state, params)
    requested = (params.get("MultipartUpload") or {}).get("Parts") or []
    if not requested:
        raise error.malformed_xml()
    parts = _chosen_parts(state.store.parts(upload.upload_id), requested)
    digest = hashlib.md5(b"".join(bytes.fromhex(p.md5) for p in parts), usedforsecurity=False)
    written = await transfer.join(state, [part.blob_id for part in parts])
    stored = StoredObject(
        key=upload.key,
        blob_id=written.blob_id,
        size=written.size,
        etag=f'"{digest.hexdigest()}-{len(parts)}"',
        modified=state.clock(),
        headers=upload.headers,
        metadata=upload.metadata,
        tags=upload.tags,
        parts=len(parts),
        part_sizes=[part.size for part in parts],
    )
    if state.store.upload(upload.upload_id) is None:  # completed or aborted meanwhile
        state.free(written.blob_id)
        raise error.no_such_upload(upload.upload_id)
    # Completing an upload writes a version as a PUT does.
    # https://docs.aws.amazon.com/AmazonS3/latest/API/API_CompleteMultipartUpload.html
    bucket = state.bucket(upload.bucket)
    stored.version_id = state.next_version_id(bucket)
    state.free(*state.store.finish_upload(upload.upload_id, upload.bucket, stored))
    return {
        "Location": f"/{upload.bucket}/{upload.key}",
        "Bucket": upload.bucket,
        "Key": upload.key,
        "ETag": stored.etag,
        **versioned(bucket, stored),
    }


def _chosen_parts(uploaded: list[Part], requested: list[dict[str, Any]]) -> list[Part]:
    by_number = {part.number: part for part in uploaded}
    chosen: list[Part] = []
    previous = 0
    for item in requested:
        number = int(item.get("PartNumber") or 0)
        etag = str(item.get("ETag") or "")
        if number <= previous:
            raise error.invalid_part_order()
        previous = number
        part = by_number.get(number)
        if part is None or etag.strip('"') != part.md5:
            raise error.invalid_part(number, etag)
        chosen.append(part)
    for part in chosen[:-1]:
        if part.size < MIN_PART_SIZE:
            raise error.entity_too_small(part.size, part.number)
    return chosen


async def abort_multipart_upload(
    state: S3State, context: AwsRequestContext, params: OperationInput
) -> OperationOutput:
    upload = _upload(state, params)
    state.free(*state.store.finish_upload(upload.upload_id, upload.bucket, None))
    return {}


async def list_parts(
    state: S3State, context: AwsRequestContext, params: OperationInput
) -> OperationOutput:
    upload = _upload(state, params)
    marker = params.get("PartNumberMarker") or 0
    limit = page_limit(params, "MaxParts", "max-parts", DEFAULT_MAX_PARTS)
    after = [part for part in state.store.parts(upload.upload_id) if part.number > int(marker)]
    page, truncated = after[:limit], len(after) > limit
    output: dict[str, Any] = {
        "Bucket": upload.bucket,
        "Key": upload.key,
        "UploadId": upload.upload_id,
        "PartNumberMarker": int(marker),
        "MaxParts": limit,
        "IsTruncated": truncated,
        "Parts": [
            {
                "PartNumber": part.number,
                "LastModified": _moment(part.modified),
                "ETag": part.etag,
                "Size": part.size,
            }
            for part in page
        ]
        or None,
        "Initiator": state.owner,
        "Owner": state.owner,
        "StorageClass": STORAGE_CLASS,
    }
    if page:
        output["NextPartNumberMarker"] = page[-1].number
    return output


def _after(upload: Upload, key_marker: str, id_marker: str) -> bool:
    """Past the markers: a later key, or (with an upload id marker) the marker's key and a
    later upload id."""
    if upload.key != key_marker or not key_marker:
        return upload.key > key_marker
    return bool(id_marker) and upload.upload_id > id_marker


async def list_multipart_uploads(
    state: S3State, context: AwsRequestContext, params: OperationInput
) -> OperationOutput:
    bucket = params["Bucket"]
    state.bucket(bucket)
    prefix = params.get("Prefix") or ""
    key_marker = params.get("KeyMarker") or ""
    id_marker = params.get("UploadIdMarker") or ""
    limit = page_limit(params, "MaxUploads", "max-uploads", DEFAULT_MAX_UPLOADS)
    uploads = [
        upload
        for upload in state.store.uploads(bucket)
        if upload.key.startswith(prefix) and _after(upload, key_marker, id_marker)
    ]
    page, truncated = uploads[:limit], len(uploads) > limit
    output: dict[str, Any] = {
        "Bucket": bucket,
        "KeyMarker": key_marker,
        "UploadIdMarker": id_marker,
        "MaxUploads": limit,
        "IsTruncated": truncated,
        "Uploads": [
            {
                "UploadId": upload.upload_id,
                "Key": upload.key,
                "Initiated": _moment(upload.initiated),
                "StorageClass": STORAGE_CLASS,
                "Owner": state.owner,
                "Initiator": state.owner,
            }
            for upload in page
        ]
        or None,
    }
    if prefix:
        output["Prefix"] = prefix
    if truncated and page:
        output["NextKeyMarker"] = page[-1].key
        output["NextUploadIdMarker"] = page[-1].upload_id
    return output
