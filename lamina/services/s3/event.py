"""The events S3 publishes to the functions a bucket's notification configuration names
(services.s3.notification): which operation made which event, and the record S3 sends.

https://docs.aws.amazon.com/AmazonS3/latest/userguide/notification-how-to-event-types-and-destinations.html
https://docs.aws.amazon.com/AmazonS3/latest/userguide/notification-content-structure.html
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote_plus

import msgspec
import orjson

from lamina.aws.rest_xml import host_id
from lamina.aws.service import AwsRequestContext, OperationInput, OperationOutput
from lamina.services.s3.notification import affix, event_covers
from lamina.services.s3.state import S3State
from lamina.services.s3.store import Bucket

EVENT_VERSION = "2.1"
TAGGING_EVENT_VERSION = "2.3"
""""It uses version 2.3 for ... object tagging ... events" (notification-content-structure)."""


class ObjectEvent(msgspec.Struct, frozen=True, kw_only=True):
    """One thing that happened to an object, as a notification describes it."""

    name: str
    """`ObjectCreated:Put`, `ObjectRemoved:DeleteMarkerCreated` ... (no `s3:` prefix)."""
    key: str
    size: int | None = None
    etag: str | None = None
    """Unquoted MD5 (or multipart) ETag; None for removals."""
    version_id: str | None = None
    """Only for buckets that have had versioning."""


def _matches(rule: Mapping[str, Any], event: ObjectEvent) -> bool:
    name = f"s3:{event.name}"
    if not any(event_covers(pattern, name) for pattern in rule["Events"]):
        return False
    return event.key.startswith(affix(rule, "prefix")) and event.key.endswith(affix(rule, "suffix"))


async def publish(
    state: S3State, context: AwsRequestContext, bucket: Bucket, event: ObjectEvent
) -> None:
    """Send `event` to every function whose configuration matches it, one record each."""
    if state.events is None or not bucket.notification:
        return
    for rule in bucket.notification.get("LambdaFunctionConfigurations") or []:
        if _matches(rule, event):
            record = _record(state, context, bucket, event, str(rule["Id"]))
            payload = orjson.dumps({"Records": [record]})
            await state.events.send(str(rule["LambdaFunctionArn"]), bucket.name, payload)


def _record(
    state: S3State, context: AwsRequestContext, bucket: Bucket, event: ObjectEvent, rule_id: str
) -> dict[str, Any]:
    """https://docs.aws.amazon.com/AmazonS3/latest/userguide/notification-content-structure.html
    ("The s3 key provides information about the bucket and object involved in the event.
    The object key name value is URL encoded": "red flower.jpg" is "red+flower.jpg")."""
    obj: dict[str, Any] = {"key": quote_plus(event.key, safe="/")}
    if event.size is not None:
        obj["size"] = event.size
    if event.etag is not None:
        obj["eTag"] = event.etag
    if event.version_id is not None:
        obj["versionId"] = event.version_id
    obj["sequencer"] = f"{time.time_ns():018X}"
    when = datetime.fromtimestamp(state.clock(), UTC)
    principal = f"AWS:{context.access_key}" if context.access_key else "ANONYMOUS_PRINCIPAL"
    tagging = event.name.startswith("ObjectTagging:")
    return {
        "eventVersion": TAGGING_EVENT_VERSION if tagging else EVENT_VERSION,
        "eventSource": "aws:s3",
        "awsRegion": bucket.region,
        "eventTime": when.strftime("%Y-%m-%dT%H:%M:%S.") + f"{when.microsecond // 1000:03d}Z",
        "eventName": event.name,
        "userIdentity": {"principalId": principal},
        "requestParameters": {"sourceIPAddress": context.source_ip},
        "responseElements": {
            "x-amz-request-id": context.request_id,
            "x-amz-id-2": host_id(context.request_id).decode(),
        },
        "s3": {
            "s3SchemaVersion": "1.0",
            "configurationId": rule_id,
            "bucket": {
                "name": bucket.name,
                "ownerIdentity": {"principalId": state.owner["ID"]},
                "arn": f"arn:aws:s3:::{bucket.name}",
            },
            "object": obj,
        },
    }


# Operations whose success creates, removes or tags an object, and the event type each is.
_CREATED = {
    "PutObject": "ObjectCreated:Put",
    "CopyObject": "ObjectCreated:Copy",
    "CompleteMultipartUpload": "ObjectCreated:CompleteMultipartUpload",
}
_TAGGING = {"PutObjectTagging": "ObjectTagging:Put", "DeleteObjectTagging": "ObjectTagging:Delete"}


async def after(
    state: S3State,
    context: AwsRequestContext,
    operation: str,
    params: OperationInput,
    output: OperationOutput,
) -> None:
    """Publish what a successful call did (provider.py calls this after every operation;
    a bucket without notifications costs one lookup of the bucket's record)."""
    if state.events is None or not isinstance(params.get("Bucket"), str):
        return
    if operation not in _CREATED and operation not in _TAGGING and "Delete" not in operation:
        return
    bucket = state.store.bucket(params["Bucket"])
    if bucket is None or not bucket.notification:
        return
    for event in _events(state, bucket, operation, params, output):
        await publish(state, context, bucket, event)


def created(state: S3State, bucket: Bucket, name: str, key: str) -> ObjectEvent | None:
    """The event for a key just written, described from its current version."""
    stored = state.store.get(bucket.name, key)
    if stored is None or stored.delete_marker:
        return None
    version = stored.version_id if bucket.versioning else None
    return ObjectEvent(
        name=name, key=key, size=stored.size, etag=stored.etag.strip('"'), version_id=version
    )


def _events(
    state: S3State,
    bucket: Bucket,
    operation: str,
    params: OperationInput,
    output: OperationOutput,
) -> list[ObjectEvent]:
    if operation in _CREATED:
        found = created(state, bucket, _CREATED[operation], params["Key"])
        return [] if found is None else [found]
    if operation in _TAGGING:
        version = output.get("VersionId") if bucket.versioning else None
        return [ObjectEvent(name=_TAGGING[operation], key=params["Key"], version_id=version)]
    if operation == "DeleteObject":
        return [_removed(bucket, params["Key"], params.get("VersionId"), output)]
    if operation == "DeleteObjects":
        deleted = output.get("Deleted")
        if deleted is None:  # Quiet mode answers only the errors: what was asked, less those
            deleted = _quietly_deleted(state, bucket, params, output)
        return [_removed(bucket, str(item["Key"]), item.get("VersionId"), item) for item in deleted]
    return []


def _quietly_deleted(
    state: S3State, bucket: Bucket, params: OperationInput, output: OperationOutput
) -> list[dict[str, Any]]:
    """The Deleted entries a Quiet DeleteObjects left out, rebuilt from the request and the
    keys' current versions (a delete marker just made names itself)."""
    failed = {(item.get("Key"), item.get("VersionId")) for item in output.get("Errors") or []}
    found = []
    for item in (params.get("Delete") or {}).get("Objects") or []:
        key, version = item["Key"], item.get("VersionId")
        if (key, version) in failed:
            continue
        entry: dict[str, Any] = {"Key": key, "VersionId": version}
        current = state.store.get(bucket.name, key) if version is None else None
        if current is not None and current.delete_marker:
            entry.update(DeleteMarker=True, DeleteMarkerVersionId=current.version_id)
        found.append(entry)
    return found


def _removed(
    bucket: Bucket, key: str, asked_version: str | None, answer: Mapping[str, Any]
) -> ObjectEvent:
    """A DELETE without a version id on a versioned bucket makes a delete marker
    (ObjectRemoved:DeleteMarkerCreated, the marker's version id); otherwise the object (or
    the version asked for) is gone (ObjectRemoved:Delete)."""
    if answer.get("DeleteMarker") and asked_version is None:
        marker = answer.get("DeleteMarkerVersionId") or answer.get("VersionId")
        return ObjectEvent(name="ObjectRemoved:DeleteMarkerCreated", key=key, version_id=marker)
    version = asked_version if bucket.versioning else None
    return ObjectEvent(name="ObjectRemoved:Delete", key=key, version_id=version)
