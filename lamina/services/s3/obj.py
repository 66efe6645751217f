"""Object operations: PutObject, GetObject (ranges, conditions), HeadObject, DeleteObject,
DeleteObjects, CopyObject.

https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutObject.html
https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetObject.html
https://docs.aws.amazon.com/AmazonS3/latest/API/API_CopyObject.html
https://docs.aws.amazon.com/AmazonS3/latest/API/API_DeleteObjects.html
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from urllib.parse import unquote

from lamina.aws.service import AwsRequestContext, OperationInput, OperationOutput, ServiceError
from lamina.services.s3 import error
from lamina.services.s3.checksum import answered
from lamina.services.s3.condition import ByteRange, check_preconditions, parse_range
from lamina.services.s3.state import (
    CONTENT_HEADERS,
    SSE_S3,
    S3State,
    check_version_id,
    check_write_options,
    content_headers,
    quoted,
    user_metadata,
    versioned,
)
from lamina.services.s3.store import StoredObject
from lamina.services.s3.tagging import tags_from_header
from lamina.services.s3.transfer import MAX_UPLOAD_BYTES, answer, copy, receive, stored_encoding

MAX_DELETE_KEYS = 1000
# GetObject's response-* query parameters override the stored content headers.
_OVERRIDES = {f"Response{name}": name for name in CONTENT_HEADERS}


async def put_object(
    state: S3State, context: AwsRequestContext, params: OperationInput
) -> OperationOutput:
    bucket, key = params["Bucket"], params["Key"]
    state.bucket(bucket)
    check_write_options(params)
    metadata = user_metadata(params)
    _conditional_write(state, bucket, key, params)
    params["ContentEncoding"] = stored_encoding(params.get("ContentEncoding"))
    written, checksums = await receive(state, params)
    try:
        stored = StoredObject(
            key=key,
            blob_id=written.blob_id,
            size=written.size,
            etag=quoted(written.md5),
            modified=state.clock(),
            headers=content_headers(params),
            metadata=metadata,
            tags=tags_from_header(params.get("Tagging")),
            checksums=checksums,
        )
        # Again after the write: another request may have changed the key meanwhile, and
        # from here to the commit nothing else runs (no await), so the check holds.
        found = state.bucket(bucket)
        stored.version_id = state.next_version_id(found)
        _conditional_write(state, bucket, key, params)
    except ServiceError:
        state.free(written.blob_id)
        raise
    state.free(state.store.put(bucket, stored))
    output: dict[str, Any] = {
        "ETag": stored.etag,
        "Size": stored.size,
        "ServerSideEncryption": SSE_S3,
        **checksums,
        **versioned(found, stored),
    }
    if checksums:
        output["ChecksumType"] = "FULL_OBJECT"
    return output


def _conditional_write(state: S3State, bucket: str, key: str, params: OperationInput) -> None:
    """PutObject's If-None-Match: * (create only) and If-Match: <etag> (replace only that).
    https://docs.aws.amazon.com/AmazonS3/latest/userguide/conditional-writes.html
    """
    if_none_match, if_match = params.get("IfNoneMatch"), params.get("IfMatch")
    if if_none_match is None and if_match is None:
        return
    existing = state.store.get(bucket, key)
    if existing is not None and existing.delete_marker:
        existing = None
    if if_none_match is not None and existing is not None:
        raise error.precondition_failed("If-None-Match")
    if if_match is not None:
        if existing is None:
            raise error.no_such_key(key)
        if if_match.strip('"') != existing.etag.strip('"'):
            raise error.precondition_failed("If-Match")


async def get_object(
    state: S3State, context: AwsRequestContext, params: OperationInput
) -> OperationOutput:
    stored = state.object(params["Bucket"], params["Key"], params.get("VersionId"))
    check_preconditions(stored, params)
    output = _described(stored, params)
    output.update(versioned(state.bucket(params["Bucket"]), stored))
    requested = _requested(stored, params)
    if requested is None:
        output["Body"] = await answer(state, stored.blob_id, 0, stored.size)
        output["ContentLength"] = stored.size
        output.update(answered(stored.checksums, params))
        return output
    output["Body"] = await answer(state, stored.blob_id, requested.start, requested.end + 1)
    output["ContentLength"] = requested.end - requested.start + 1
    # A Content-Range answer is 206 Partial Content (the serializer's rule).
    output["ContentRange"] = requested.content_range(stored.size)
    return output


async def head_object(
    state: S3State, context: AwsRequestContext, params: OperationInput
) -> OperationOutput:
    stored = state.object(params["Bucket"], params["Key"], params.get("VersionId"))
    check_preconditions(stored, params)
    output = _described(stored, params)
    output.update(versioned(state.bucket(params["Bucket"]), stored))
    requested = _requested(stored, params)
    output["ContentLength"] = stored.size
    if requested is not None:
        output["ContentLength"] = requested.end - requested.start + 1
        output["ContentRange"] = requested.content_range(stored.size)
    else:
        output.update(answered(stored.checksums, params))
    return output


def _requested(stored: StoredObject, params: OperationInput) -> ByteRange | None:
    """The bytes a GET/HEAD asks for: a Range header, or one part of a multipart object
    (`?partNumber=`, answered 206 like a range)."""
    number = params.get("PartNumber")
    if number is None:
        return parse_range(params.get("Range"), stored.size)
    if params.get("Range") is not None:
        raise error.invalid_request(
            "Cannot specify both Range header and partNumber query parameter"
        )
    sizes = stored.part_sizes or [stored.size]
    if not 1 <= number <= len(sizes):
        raise error.invalid_part_number(number, len(sizes))
    start = sum(sizes[: number - 1])
    if not stored.part_sizes:
        return None  # part 1 of a single-part object: the whole object
    return ByteRange(start, start + sizes[number - 1] - 1)


def _described(stored: StoredObject, params: OperationInput) -> dict[str, Any]:
    output: dict[str, Any] = {
        "ETag": stored.etag,
        "LastModified": datetime.fromtimestamp(int(stored.modified), UTC),
        "AcceptRanges": "bytes",
        "ServerSideEncryption": SSE_S3,
        **stored.headers,
    }
    if stored.metadata:
        output["Metadata"] = stored.metadata
    if stored.tags:
        output["TagCount"] = len(stored.tags)
    if stored.parts:
        output["PartsCount"] = stored.parts
    for parameter, header in _OVERRIDES.items():
        value = params.get(parameter)
        if value is not None:
            output[header] = value
    return output


async def delete_object(
    state: S3State, context: AwsRequestContext, params: OperationInput
) -> OperationOutput:
    return _delete(state, params["Bucket"], params["Key"], params.get("VersionId"))


def _delete(state: S3State, bucket: str, key: str, version_id: str | None) -> dict[str, Any]:
    """Delete a key: remove it (unversioned bucket), add a delete marker (versioning
    Enabled: a new version id; Suspended: the "null" version, replacing the null one), or
    with a version id remove that version for good.
    https://docs.aws.amazon.com/AmazonS3/latest/userguide/DeletingObjectVersions.html
    https://docs.aws.amazon.com/AmazonS3/latest/API/API_DeleteObject.html
    """
    found = state.bucket(bucket)
    if version_id is not None:
        check_version_id(version_id)
        removed = state.store.remove_version(bucket, key, version_id)
        # A version that does not exist: S3 answers 204 as for a missing key.
        output: dict[str, Any] = {"VersionId": version_id}
        if removed is not None:
            state.free(removed.blob_id)
            if removed.delete_marker:
                output["DeleteMarker"] = True
        return output
    if not found.versioning:
        # Deleting a key that does not exist succeeds (204), as on an unversioned bucket.
        state.free(state.store.remove(bucket, key))
        return {}
    marker = StoredObject(
        key=key,
        blob_id="",
        size=0,
        etag="",
        modified=state.clock(),
        version_id=state.next_version_id(found),
        delete_marker=True,
    )
    state.free(state.store.put(bucket, marker))
    return {"DeleteMarker": True, "VersionId": marker.version_id}


async def delete_objects(
    state: S3State, context: AwsRequestContext, params: OperationInput
) -> OperationOutput:
    bucket = params["Bucket"]
    state.bucket(bucket)
    request: dict[str, Any] = params.get("Delete") or {}
    objects = request.get("Objects") or []
    if not objects or len(objects) > MAX_DELETE_KEYS:
        raise error.malformed_xml()
    deleted: list[dict[str, Any]] = []
    errors: list[dict[str, Any]] = []
    for item in objects:
        key = item.get("Key")
        if key is None:
            raise error.malformed_xml()
        try:
            done = _delete(state, bucket, key, item.get("VersionId"))
        except ServiceError as exc:
            entry = {"Key": key, "Code": exc.code, "Message": exc.message}
            errors.append(entry | ({"VersionId": item["VersionId"]} if "VersionId" in item else {}))
            continue
        entry = {"Key": key}
        if "VersionId" in item:
            entry["VersionId"] = item["VersionId"]
            if done.get("DeleteMarker"):
                entry["DeleteMarker"] = True
                entry["DeleteMarkerVersionId"] = item["VersionId"]
        elif done.get("DeleteMarker"):
            entry["DeleteMarker"] = True
            entry["DeleteMarkerVersionId"] = done["VersionId"]
        deleted.append(entry)
    output: dict[str, Any] = {"Errors": errors} if errors else {}
    if request.get("Quiet"):
        # Quiet mode reports only the keys that failed.
        return output
    return output | {"Deleted": deleted}


async def copy_object(
    state: S3State, context: AwsRequestContext, params: OperationInput
) -> OperationOutput:
    bucket, key = params["Bucket"], params["Key"]
    source_bucket, source_key, source_version = copy_source(params["CopySource"])
    source = _copy_source_object(state, source_bucket, source_key, source_version)
    target = state.bucket(bucket)
    check_write_options(params)
    metadata = user_metadata(params) if params.get("MetadataDirective") == "REPLACE" else None
    check_preconditions(source, params, prefix="CopySource")
    replace = params.get("MetadataDirective") == "REPLACE"
    replace_tags = params.get("TaggingDirective") == "REPLACE"
    if (source_bucket, source_key) == (bucket, key) and not (
        replace or replace_tags or source_version is not None
    ):
        raise error.invalid_request(
            "This copy request is illegal because it is trying to copy an object to itself "
            "without changing the object's metadata, storage class, website redirect "
            "location or encryption attributes."
        )
    if source.size > MAX_UPLOAD_BYTES:
        # A single copy is limited to 5 GB; larger objects are copied part by part
        # (UploadPartCopy). https://docs.aws.amazon.com/AmazonS3/latest/API/API_CopyObject.html
        raise error.invalid_request(
            "The specified copy source is larger than the maximum allowable size for a copy "
            f"source: {MAX_UPLOAD_BYTES}"
        )
    written = await copy(state, source.blob_id, 0, source.size)
    stored = StoredObject(
        key=key,
        blob_id=written.blob_id,
        size=written.size,
        etag=quoted(written.md5),
        modified=state.clock(),
        headers=content_headers(params) if replace else dict(source.headers),
        metadata=metadata if metadata is not None else dict(source.metadata),
        tags=tags_from_header(params.get("Tagging")) if replace_tags else dict(source.tags),
        checksums=dict(source.checksums),
        version_id=state.next_version_id(state.bucket(bucket)),
    )
    state.free(state.store.put(bucket, stored))
    result = {
        "ETag": stored.etag,
        "LastModified": datetime.fromtimestamp(int(stored.modified), UTC),
    }
    output: dict[str, Any] = {
        "CopyObjectResult": result,
        "ServerSideEncryption": SSE_S3,
        **versioned(target, stored),
    }
    if state.bucket(source_bucket).versioning or source_version is not None:
        output["CopySourceVersionId"] = source.version_id
    return output


def _copy_source_object(
    state: S3State, bucket: str, key: str, version_id: str | None
) -> StoredObject:
    """A copy naming a delete marker's version id: 400 InvalidRequest, as S3 answers.
    https://docs.aws.amazon.com/AmazonS3/latest/API/API_CopyObject.html
    """
    if version_id is not None:
        check_version_id(version_id)
        found = state.store.version(bucket, key, version_id)
        if found is not None and found.delete_marker:
            raise error.invalid_request(
                "The source of a copy request may not specifically refer to a delete marker "
                "by version id."
            )
    return state.object(bucket, key, version_id)


def copy_source(header: str) -> tuple[str, str, str | None]:
    """`x-amz-copy-source: /bucket/key` or `bucket/key` (URL-encoded, `?versionId=` optional):
    the bucket, the key and the version id."""
    path, _, query = header.partition("?")
    bucket, _, key = unquote(path).lstrip("/").partition("/")
    if not bucket or not key:
        raise error.invalid_argument("Invalid copy source object key", "x-amz-copy-source", header)
    version_id = None
    if query:
        name, _, value = query.partition("=")
        if name != "versionId" or not value:
            raise error.invalid_argument("Invalid copy source", "x-amz-copy-source", header)
        version_id = unquote(value)
    return bucket, key, version_id
