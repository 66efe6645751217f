"""Object tagging: PutObjectTagging, GetObjectTagging, DeleteObjectTagging, and the
`x-amz-tagging` header of PutObject / CreateMultipartUpload.

https://docs.aws.amazon.com/AmazonS3/latest/userguide/object-tagging.html (up to 10 tags,
keys up to 128 and values up to 256 Unicode characters, keys unique)
"""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qsl

from lamina.aws.service import AwsRequestContext, OperationInput, OperationOutput, ServiceError
from lamina.services.s3 import error
from lamina.services.s3.state import S3State, versioned
from lamina.services.s3.store import StoredObject

MAX_TAGS = 10
MAX_KEY = 128
MAX_VALUE = 256


def tags_from_header(header: str | None) -> dict[str, str]:
    """`x-amz-tagging: k1=v1&k2=v2` (URL query encoded)."""
    if not header:
        return {}
    pairs = parse_qsl(header, keep_blank_values=True)
    return _checked(pairs)


def _checked(pairs: list[tuple[str, str]]) -> dict[str, str]:
    if len(pairs) > MAX_TAGS:
        raise ServiceError("BadRequest", "Object tags cannot be greater than 10", status=400)
    tags: dict[str, str] = {}
    for key, value in pairs:
        if key in tags:
            raise error.invalid_tag("Cannot provide multiple Tags with the same key")
        if not key or len(key) > MAX_KEY:
            raise error.invalid_tag("The TagKey you have provided is invalid")
        if len(value) > MAX_VALUE:
            raise error.invalid_tag("The TagValue you have provided is invalid")
        tags[key] = value
    return tags


async def put_object_tagging(
    state: S3State, context: AwsRequestContext, params: OperationInput
) -> OperationOutput:
    stored = state.object(params["Bucket"], params["Key"], params.get("VersionId"))
    tagging: dict[str, Any] = params.get("Tagging") or {}
    tag_set = tagging.get("TagSet")
    if tag_set is None:
        raise error.malformed_xml()
    pairs = [(str(tag.get("Key", "")), str(tag.get("Value", ""))) for tag in tag_set]
    stored.tags = _checked(pairs)
    state.store.update(params["Bucket"], stored)
    return _version(state, params, stored)


async def get_object_tagging(
    state: S3State, context: AwsRequestContext, params: OperationInput
) -> OperationOutput:
    stored = state.object(params["Bucket"], params["Key"], params.get("VersionId"))
    tag_set = [{"Key": key, "Value": value} for key, value in stored.tags.items()]
    return {"TagSet": tag_set, **_version(state, params, stored)}


async def delete_object_tagging(
    state: S3State, context: AwsRequestContext, params: OperationInput
) -> OperationOutput:
    stored = state.object(params["Bucket"], params["Key"], params.get("VersionId"))
    stored.tags = {}
    state.store.update(params["Bucket"], stored)
    return _version(state, params, stored)


def _version(state: S3State, params: OperationInput, stored: StoredObject) -> dict[str, str]:
    """Tagging answers name the version they read or changed (`?versionId=` picks one).
    https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutObjectTagging.html
    """
    return versioned(state.bucket(params["Bucket"]), stored)
