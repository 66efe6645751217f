"""ListObjectsV2 and ListObjects (v1): prefix, delimiter (CommonPrefixes), MaxKeys,
ContinuationToken / StartAfter (v2), Marker / NextMarker (v1), KeyCount, and
`encoding-type=url` (botocore asks for it and decodes keys).

https://docs.aws.amazon.com/AmazonS3/latest/API/API_ListObjectsV2.html
https://docs.aws.amazon.com/AmazonS3/latest/API/API_ListObjects.html
"""

from __future__ import annotations

import base64
import binascii
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

from lamina.aws.service import AwsRequestContext, OperationInput, OperationOutput
from lamina.services.s3 import error
from lamina.services.s3.state import STORAGE_CLASS, S3State
from lamina.services.s3.store import StoredObject

DEFAULT_MAX_KEYS = 1000


class _Page:
    """One page of a listing: objects and common prefixes in key order, up to `limit`
    entries, and whether more follow."""

    def __init__(self, prefix: str, delimiter: str, limit: int, resume_after: str) -> None:
        self.prefix = prefix
        self.delimiter = delimiter
        self.limit = min(limit, DEFAULT_MAX_KEYS)
        self.contents: list[StoredObject] = []
        self.prefixes: list[str] = []
        self.truncated = False
        self.last = ""
        self._previous_prefix = resume_after
        """A token that ends a page on a common prefix resumes past every key under it."""

    def offer(self, stored: StoredObject) -> bool:
        """Take a key in order; False once the page is full and one more entry exists."""
        common = common_prefix(stored.key, self.prefix, self.delimiter)
        if common is not None and common == self._previous_prefix:
            return True  # rolled up into the common prefix already listed
        if len(self.contents) + len(self.prefixes) >= self.limit:
            self.truncated = True
            return False
        if common is not None:
            self.prefixes.append(common)
            self._previous_prefix = common
            self.last = common
        else:
            self.contents.append(stored)
            self.last = stored.key
        return True


def common_prefix(key: str, prefix: str, delimiter: str) -> str | None:
    """The CommonPrefixes entry a key rolls up into (up to the first delimiter after the
    prefix); None when it is listed itself."""
    if not delimiter:
        return None
    index = key.find(delimiter, len(prefix))
    return None if index < 0 else key[: index + len(delimiter)]


async def list_objects_v2(
    state: S3State, context: AwsRequestContext, params: OperationInput
) -> OperationOutput:
    bucket = params["Bucket"]
    state.bucket(bucket)
    prefix = params.get("Prefix") or ""
    delimiter = params.get("Delimiter") or ""
    max_keys = max_keys_of(params)
    token = params.get("ContinuationToken")
    start_after = params.get("StartAfter") or ""
    after = _decode_token(token) if token is not None else start_after
    page = _fill(state, bucket, _Page(prefix, delimiter, max_keys, after if token else ""), after)
    encode = encoder(params.get("EncodingType"))
    output: dict[str, Any] = {
        "Name": bucket,
        "Prefix": encode(prefix),
        "MaxKeys": max_keys,
        "KeyCount": len(page.contents) + len(page.prefixes),
        "IsTruncated": page.truncated,
        "Contents": [_entry(stored, encode, state, params) for stored in page.contents] or None,
        "CommonPrefixes": [{"Prefix": encode(p)} for p in page.prefixes] or None,
    }
    if delimiter:
        output["Delimiter"] = encode(delimiter)
    if params.get("EncodingType"):
        output["EncodingType"] = params["EncodingType"]
    if token is not None:
        output["ContinuationToken"] = token
    if start_after:
        output["StartAfter"] = encode(start_after)
    if page.truncated:
        output["NextContinuationToken"] = _encode_token(page.last)
    return output


def _fill(state: S3State, bucket: str, page: _Page, after: str) -> _Page:
    for stored in state.store.scan(bucket, page.prefix, after):
        if not page.offer(stored):
            break
    return page


def max_keys_of(params: OperationInput) -> int:
    return page_limit(params, "MaxKeys", "maxKeys", DEFAULT_MAX_KEYS)


def page_limit(params: OperationInput, member: str, argument: str, default: int) -> int:
    """A listing's page size (MaxKeys, MaxUploads, MaxParts); a negative one is S3's 400
    InvalidArgument naming the argument."""
    limit = int(params.get(member, default))
    if limit < 0:
        raise error.invalid_argument(
            f"Argument {argument} must be an integer between 0 and 2147483647", argument, limit
        )
    return limit


async def list_objects(
    state: S3State, context: AwsRequestContext, params: OperationInput
) -> OperationOutput:
    bucket = params["Bucket"]
    state.bucket(bucket)
    prefix = params.get("Prefix") or ""
    delimiter = params.get("Delimiter") or ""
    max_keys = max_keys_of(params)
    marker = params.get("Marker") or ""
    page = _fill(state, bucket, _Page(prefix, delimiter, max_keys, marker), marker)
    encode = encoder(params.get("EncodingType"))
    output: dict[str, Any] = {
        "Name": bucket,
        "Prefix": encode(prefix),
        "Marker": encode(marker),
        "MaxKeys": max_keys,
        "IsTruncated": page.truncated,
        # ListObjects (v1) always names each object's owner.
        "Contents": [
            _entry(stored, encode, state, {"FetchOwner": True}) for stored in page.contents
        ]
        or None,
        "CommonPrefixes": [{"Prefix": encode(p)} for p in page.prefixes] or None,
    }
    if delimiter:
        output["Delimiter"] = encode(delimiter)
        if page.truncated:
            # "returned only if you have the delimiter request parameter specified"
            output["NextMarker"] = encode(page.last)
    if params.get("EncodingType"):
        output["EncodingType"] = params["EncodingType"]
    return output


def _entry(stored: StoredObject, encode: Any, state: S3State, params: OperationInput) -> Any:
    entry = {
        "Key": encode(stored.key),
        "LastModified": datetime.fromtimestamp(int(stored.modified), UTC),
        "ETag": stored.etag,
        "Size": stored.size,
        "StorageClass": STORAGE_CLASS,
    }
    if params.get("FetchOwner"):
        entry["Owner"] = state.owner
    return entry


def encoder(encoding: str | None) -> Any:
    if encoding == "url":
        return lambda text: quote(text, safe="/")
    return lambda text: text


def _encode_token(last: str) -> str:
    return base64.urlsafe_b64encode(last.encode()).decode()


def _decode_token(token: str) -> str:
    try:
        return base64.urlsafe_b64decode(token.encode()).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError) as exc:
        raise error.invalid_argument(
            "The continuation token provided is incorrect", "continuation-token", token
        ) from exc
