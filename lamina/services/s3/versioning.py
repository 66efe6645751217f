"""Bucket versioning: PutBucketVersioning, GetBucketVersioning and ListObjectVersions.

https://docs.aws.amazon.com/AmazonS3/latest/userguide/Versioning.html
https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutBucketVersioning.html
https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetBucketVersioning.html
https://docs.aws.amazon.com/AmazonS3/latest/API/API_ListObjectVersions.html
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import msgspec

from lamina.aws.service import AwsRequestContext, OperationInput, OperationOutput
from lamina.services.s3 import error
from lamina.services.s3.listing import DEFAULT_MAX_KEYS, common_prefix, encoder, max_keys_of
from lamina.services.s3.state import STORAGE_CLASS, S3State
from lamina.services.s3.store import StoredObject

STATUSES = ("Enabled", "Suspended")


async def put_bucket_versioning(
    state: S3State, context: AwsRequestContext, params: OperationInput
) -> OperationOutput:
    """Enabled or Suspended; once enabled a bucket never returns to unversioned."""
    bucket = state.bucket(params["Bucket"])
    configuration: dict[str, Any] = params.get("VersioningConfiguration") or {}
    status = configuration.get("Status")
    if status not in STATUSES:
        raise error.malformed_xml()
    if configuration.get("MFADelete") == "Enabled":
        # MFA delete needs the root account's MFA device (x-amz-mfa), which Lamina has not.
        raise error.not_implemented("x-amz-mfa")
    state.store.set_bucket(msgspec.structs.replace(bucket, versioning=status))
    return {}


async def get_bucket_versioning(
    state: S3State, context: AwsRequestContext, params: OperationInput
) -> OperationOutput:
    """A bucket never versioned answers an empty VersioningConfiguration (no Status)."""
    bucket = state.bucket(params["Bucket"])
    return {"Status": bucket.versioning} if bucket.versioning else {}


class _VersionPage:
    """Versions and delete markers, by key then newest first, up to `limit` entries
    (a common prefix counts as one), resuming after (key marker, version id marker)."""

    def __init__(self, prefix: str, delimiter: str, limit: int) -> None:
        self.prefix = prefix
        self.delimiter = delimiter
        self.limit = min(limit, DEFAULT_MAX_KEYS)
        self.entries: list[tuple[StoredObject, bool]] = []
        self.prefixes: list[str] = []
        self.truncated = False
        self.next_key = ""
        self.next_version = ""

    def offer(self, stored: StoredObject, latest: bool) -> bool:
        common = common_prefix(stored.key, self.prefix, self.delimiter)
        if common is not None and self.prefixes and self.prefixes[-1] == common:
            return True
        if len(self.entries) + len(self.prefixes) >= self.limit:
            self.truncated = True
            return False
        if common is not None:
            self.prefixes.append(common)
            self.next_key, self.next_version = common, ""
        else:
            self.entries.append((stored, latest))
            self.next_key, self.next_version = stored.key, stored.version_id
        return True


async def list_object_versions(
    state: S3State, context: AwsRequestContext, params: OperationInput
) -> OperationOutput:
    bucket = params["Bucket"]
    state.bucket(bucket)
    prefix = params.get("Prefix") or ""
    delimiter = params.get("Delimiter") or ""
    max_keys = max_keys_of(params)
    key_marker = params.get("KeyMarker") or ""
    version_marker = params.get("VersionIdMarker") or ""
    if version_marker and not key_marker:
        # https://docs.aws.amazon.com/AmazonS3/latest/API/API_ListObjectVersions.html
        raise error.invalid_argument(
            "A version-id marker cannot be specified without a key marker.",
            "version-id-marker",
            version_marker,
        )
    page = _VersionPage(prefix, delimiter, max_keys)
    skipping_marker_key = bool(key_marker)
    for stored, latest in state.store.scan_versions(bucket, prefix, key_marker):
        if skipping_marker_key and stored.key == key_marker:
            # Only KeyMarker: every version of that key was listed. With VersionIdMarker:
            # the versions older than that one follow.
            if version_marker and stored.version_id == version_marker:
                skipping_marker_key = False
            continue
        skipping_marker_key = False
        if delimiter and key_marker.endswith(delimiter) and stored.key.startswith(key_marker):
            continue  # a page that ended on a common prefix resumes past every key under it
        if not page.offer(stored, latest):
            break
    encode = encoder(params.get("EncodingType"))
    versions = [
        _entry(s, latest, encode, state) for s, latest in page.entries if not s.delete_marker
    ]
    markers = [_marker(s, latest, encode, state) for s, latest in page.entries if s.delete_marker]
    output: dict[str, Any] = {
        "Name": bucket,
        "Prefix": encode(prefix),
        "KeyMarker": encode(params.get("KeyMarker") or ""),
        "VersionIdMarker": params.get("VersionIdMarker") or "",
        "MaxKeys": max_keys,
        "IsTruncated": page.truncated,
        "Versions": versions or None,
        "DeleteMarkers": markers or None,
        "CommonPrefixes": [{"Prefix": encode(p)} for p in page.prefixes] or None,
    }
    if delimiter:
        output["Delimiter"] = encode(delimiter)
    if params.get("EncodingType"):
        output["EncodingType"] = params["EncodingType"]
    if page.truncated:
        output["NextKeyMarker"] = encode(page.next_key)
        if page.next_version:
            output["NextVersionIdMarker"] = page.next_version
    return output


def _entry(stored: StoredObject, latest: bool, encode: Any, state: S3State) -> dict[str, Any]:
    return {
        "Key": encode(stored.key),
        "VersionId": stored.version_id,
        "IsLatest": latest,
        "LastModified": datetime.fromtimestamp(int(stored.modified), UTC),
        "ETag": stored.etag,
        "Size": stored.size,
        "StorageClass": STORAGE_CLASS,
        "Owner": state.owner,
    }


def _marker(stored: StoredObject, latest: bool, encode: Any, state: S3State) -> dict[str, Any]:
    return {
        "Key": encode(stored.key),
        "VersionId": stored.version_id,
        "IsLatest": latest,
        "LastModified": datetime.fromtimestamp(int(stored.modified), UTC),
        "Owner": state.owner,
    }
