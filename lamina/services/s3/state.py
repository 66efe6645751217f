"""What every S3 handler works on: the metadata store, the blob files, the clock, the
owner, and lookups that raise S3's errors."""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
import secrets
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from lamina.aws.shape import format_timestamp
from lamina.services.s3 import error
from lamina.services.s3.blob import BlobStore, Written
from lamina.services.s3.store import NULL_VERSION, Bucket, S3Store, StoredObject

if TYPE_CHECKING:
    from lamina.services.s3.notification import FunctionTarget

STORAGE_CLASS = "STANDARD"
# Object content headers kept with the object and answered on GET/HEAD, by member name.
CONTENT_HEADERS = (
    "ContentType",
    "CacheControl",
    "ContentDisposition",
    "ContentEncoding",
    "ContentLanguage",
    "Expires",
    # x-amz-website-redirect-location: the website endpoint answers it with a 301.
    # https://docs.aws.amazon.com/AmazonS3/latest/userguide/how-to-page-redirect.html
    "WebsiteRedirectLocation",
)
DEFAULT_CONTENT_TYPE = "binary/octet-stream"
# https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucketnamingrules.html
_BUCKET_NAME = re.compile(r"^[a-z0-9][a-z0-9.\-]{1,61}[a-z0-9]$")
_IP_ADDRESS = re.compile(r"^\d+\.\d+\.\d+\.\d+$")


class S3State:
    def __init__(
        self, store: S3Store, blobs: BlobStore, clock: Callable[[], float], account_id: str
    ) -> None:
        self.store = store
        self.blobs = blobs
        self.clock = clock
        self.owner = {"ID": hashlib.sha256(account_id.encode()).hexdigest()}
        """The canonical user id S3 shows as Owner (a 64-hex id per account)."""
        self.events: FunctionTarget | None = None
        """Where event notifications go (services.s3.notification); None: nowhere."""

    def bucket(self, name: str) -> Bucket:
        found = self.store.bucket(name)
        if found is None:
            raise error.no_such_bucket(name)
        return found

    def object(self, bucket: str, key: str, version_id: str | None = None) -> StoredObject:
        """The key's current version, or the one `version_id` names.

        https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetObject.html (x-amz-delete-marker)
        and https://docs.aws.amazon.com/AmazonS3/latest/userguide/DeleteMarker.html: a GET of
        a key whose current version is a delete marker is 404 NoSuchKey; a GET naming a
        delete marker's version id is 405 MethodNotAllowed.
        """
        self.bucket(bucket)
        if version_id is None:
            found = self.store.get(bucket, key)
            if found is None:
                raise error.no_such_key(key)
            if found.delete_marker:
                raise error.no_such_key(key, found.version_id)
            return found
        check_version_id(version_id)
        found = self.store.version(bucket, key, version_id)
        if found is None:
            raise error.no_such_version(key, version_id)
        if found.delete_marker:
            raise error.delete_marker_version(version_id, found.modified)
        return found

    def next_version_id(self, bucket: Bucket) -> str:
        """A new write's version id: unique while versioning is Enabled, else "null".
        https://docs.aws.amazon.com/AmazonS3/latest/userguide/versioning-workflows.html
        """
        return secrets.token_hex(16) if bucket.versioning == "Enabled" else NULL_VERSION

    def free(self, *blob_ids: str | None) -> None:
        for blob_id in blob_ids:
            if blob_id:  # delete markers name no blob
                self.blobs.delete(blob_id)


_VERSION_ID = re.compile(r"^[0-9a-f]{32}$")


def check_version_id(version_id: str) -> None:
    """A version id this store could have made: "null" or 32 hex digits; S3 answers others
    400 InvalidArgument "Invalid version id specified"."""
    if version_id != NULL_VERSION and not _VERSION_ID.match(version_id):
        raise error.invalid_argument("Invalid version id specified", "versionId", version_id)


def versioned(bucket: Bucket, stored: StoredObject) -> dict[str, str]:
    """The `x-amz-version-id` S3 answers: only for buckets that have had versioning."""
    return {"VersionId": stored.version_id} if bucket.versioning else {}


def valid_bucket_name(name: str) -> bool:
    if not _BUCKET_NAME.match(name) or _IP_ADDRESS.match(name):
        return False
    return ".." not in name and ".-" not in name and "-." not in name


MAX_KEY_BYTES = 1024
MAX_METADATA_BYTES = 2048
"""https://docs.aws.amazon.com/AmazonS3/latest/userguide/object-keys.html and
https://docs.aws.amazon.com/AmazonS3/latest/userguide/UsingMetadata.html (user-defined
metadata: keys and values, UTF-8, at most 2 KB)."""


def user_metadata(params: dict[str, Any]) -> dict[str, str]:
    """The object key's and the `x-amz-meta-*` headers' limits checked; the metadata."""
    size = len(params["Key"].encode())
    if size > MAX_KEY_BYTES:
        raise error.key_too_long(size)
    metadata = dict(params.get("Metadata") or {})
    size = sum(len(key.encode()) + len(value.encode()) for key, value in metadata.items())
    if size > MAX_METADATA_BYTES:
        raise error.metadata_too_large(size)
    return metadata


_GRANTS = ("GrantFullControl", "GrantRead", "GrantReadACP", "GrantWriteACP", "GrantWrite")
SSE_S3 = "AES256"


def check_write_options(params: dict[str, Any]) -> None:
    """What a PUT may ask beyond the bytes, as a bucket with S3's defaults answers it.

    ACLs: new buckets enforce bucket ownership, so only `bucket-owner-full-control` (or no
    ACL) is accepted. https://docs.aws.amazon.com/AmazonS3/latest/userguide/object-ownership-error-responses.html
    Encryption: SSE-S3 (AES256) is every object's default, and what S3 reports; SSE-KMS
    and SSE-C are not implemented and say so.
    https://docs.aws.amazon.com/AmazonS3/latest/userguide/default-encryption-faq.html
    """
    acl = params.get("ACL")
    if (acl is not None and acl != "bucket-owner-full-control") or any(
        params.get(grant) is not None for grant in _GRANTS
    ):
        raise error.acl_not_supported()
    sse = params.get("ServerSideEncryption")
    if sse is not None and sse != SSE_S3:
        raise error.not_implemented("x-amz-server-side-encryption")
    if params.get("SSECustomerAlgorithm") is not None:
        raise error.not_implemented("x-amz-server-side-encryption-customer-algorithm")


def content_headers(params: dict[str, Any]) -> dict[str, str]:
    """The content headers a request sets, as stored strings (Expires as HTTP-date)."""
    found: dict[str, str] = {}
    for name in CONTENT_HEADERS:
        value = params.get(name)
        if value is not None:
            found[name] = str(format_timestamp(value, "rfc822")) if name == "Expires" else value
    found.setdefault("ContentType", DEFAULT_CONTENT_TYPE)
    return found


def check_md5(params: dict[str, Any], written: Written) -> None:
    """Content-MD5, when sent, must be the base64 MD5 of the body received."""
    declared = params.get("ContentMD5")
    if declared is None:
        return
    try:
        digest = base64.b64decode(declared, validate=True)
    except binascii.Error as exc:
        raise error.invalid_digest(declared) from exc
    if len(digest) != 16:
        raise error.invalid_digest(declared)
    if digest.hex() != written.md5:
        computed = base64.b64encode(bytes.fromhex(written.md5)).decode()
        raise error.bad_digest(declared, computed)


def quoted(md5_hex: str) -> str:
    return f'"{md5_hex}"'
