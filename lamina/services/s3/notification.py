"""Event notifications to Lambda: Put/GetBucketNotificationConfiguration and the event
records S3 sends a function, asynchronously, when objects are created, removed or tagged.

https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutBucketNotificationConfiguration.html
https://docs.aws.amazon.com/AmazonS3/latest/userguide/notification-how-to-event-types-and-destinations.html
https://docs.aws.amazon.com/AmazonS3/latest/userguide/notification-how-to-filtering.html
https://docs.aws.amazon.com/AmazonS3/latest/userguide/notification-content-structure.html
"""

from __future__ import annotations

import base64
import time
import uuid
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any, Protocol
from urllib.parse import quote_plus

import msgspec
import orjson

from lamina.aws.rest_xml import host_id
from lamina.aws.service import AwsRequestContext, OperationInput, OperationOutput, ServiceError
from lamina.core.ids import new_request_id
from lamina.functions.policy import InvokeRequest
from lamina.services.lambda_.names import function_name
from lamina.services.lambda_.permissions import allows_invoke
from lamina.services.lambda_.state import LambdaState
from lamina.services.s3 import error
from lamina.services.s3.state import S3State
from lamina.services.s3.store import Bucket

PRINCIPAL = "s3.amazonaws.com"
"""The service principal a function's resource policy must let invoke it."""
EVENT_VERSION = "2.1"
TAGGING_EVENT_VERSION = "2.3"
""""It uses version 2.3 for ... object tagging ... events" (notification-content-structure)."""
_FILTER_NAMES = ("prefix", "suffix")
# The event types S3 publishes (the S3 model's `Event` enum).
# https://docs.aws.amazon.com/AmazonS3/latest/userguide/notification-how-to-event-types-and-destinations.html
_EVENTS = frozenset(
    {
        "s3:ReducedRedundancyLostObject",
        "s3:ObjectCreated:*",
        "s3:ObjectCreated:Put",
        "s3:ObjectCreated:Post",
        "s3:ObjectCreated:Copy",
        "s3:ObjectCreated:CompleteMultipartUpload",
        "s3:ObjectRemoved:*",
        "s3:ObjectRemoved:Delete",
        "s3:ObjectRemoved:DeleteMarkerCreated",
        "s3:ObjectRestore:*",
        "s3:ObjectRestore:Post",
        "s3:ObjectRestore:Completed",
        "s3:Replication:*",
        "s3:Replication:OperationFailedReplication",
        "s3:Replication:OperationNotTracked",
        "s3:Replication:OperationMissedThreshold",
        "s3:Replication:OperationReplicatedAfterThreshold",
        "s3:ObjectRestore:Delete",
        "s3:LifecycleTransition",
        "s3:IntelligentTiering",
        "s3:ObjectAcl:Put",
        "s3:LifecycleExpiration:*",
        "s3:LifecycleExpiration:Delete",
        "s3:LifecycleExpiration:DeleteMarkerCreated",
        "s3:ObjectTagging:*",
        "s3:ObjectTagging:Put",
        "s3:ObjectTagging:Delete",
        "s3:ObjectAnnotation:*",
        "s3:ObjectAnnotation:Put",
        "s3:ObjectAnnotation:Delete",
        "s3:ObjectRetention:Put",
    }
)
_UNVALIDATED = "Unable to validate the following destination configurations"
_OVERLAP = (
    "Configurations overlap. Configurations on the same bucket cannot share a common event type."
)


class FunctionTarget(Protocol):
    """Where notifications go: Lambda, through its asynchronous invoker."""

    def refusal(self, function_arn: str, bucket: str) -> str | None:
        """Why S3 may not invoke the function for this bucket (it does not exist, or its
        resource policy does not let s3.amazonaws.com invoke it from the bucket); None when
        it may."""
        ...

    async def send(self, function_arn: str, payload: bytes) -> None: ...


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


async def put_bucket_notification_configuration(
    state: S3State, context: AwsRequestContext, params: OperationInput
) -> OperationOutput:
    configuration: dict[str, Any] = params.get("NotificationConfiguration") or {}
    configure(state, params["Bucket"], configuration, not params.get("SkipDestinationValidation"))
    return {}


def configure(
    state: S3State, name: str, configuration: Mapping[str, Any], validate: bool = True
) -> None:
    """Replace the bucket's notification configuration (API input shape), or raise S3's
    error without changing it."""
    bucket = state.bucket(name)
    for kind in ("TopicConfigurations", "QueueConfigurations", "EventBridgeConfiguration"):
        if configuration.get(kind):
            raise ServiceError(
                "NotImplemented",
                f"Lamina does not implement {kind} (only Lambda destinations)",
                status=501,
            )
    rules = [_checked(rule) for rule in configuration.get("LambdaFunctionConfigurations") or []]
    _check_overlaps(rules)
    if validate:
        _check_destinations(state, bucket.name, rules)
    stored = {"LambdaFunctionConfigurations": rules} if rules else None
    state.store.set_bucket(msgspec.structs.replace(bucket, notification=stored))


def from_template(properties: Mapping[str, Any]) -> dict[str, Any]:
    """AWS::S3::Bucket NotificationConfiguration (one Event per LambdaConfiguration,
    Filter.S3Key.Rules) in the API's shape.
    https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-properties-s3-bucket-notificationconfiguration.html
    """
    rules = []
    for item in properties.get("LambdaConfigurations") or []:
        rule: dict[str, Any] = {"Events": [item["Event"]], "LambdaFunctionArn": item["Function"]}
        keys = ((item.get("Filter") or {}).get("S3Key") or {}).get("Rules")
        if keys:
            rule["Filter"] = {"Key": {"FilterRules": list(keys)}}
        rules.append(rule)
    configuration: dict[str, Any] = {"LambdaFunctionConfigurations": rules}
    for kind in ("TopicConfigurations", "QueueConfigurations"):  # refused by configure()
        if properties.get(kind):
            configuration[kind] = properties[kind]
    return configuration


async def get_bucket_notification_configuration(
    state: S3State, context: AwsRequestContext, params: OperationInput
) -> OperationOutput:
    """A bucket without notifications answers an empty NotificationConfiguration."""
    bucket = state.bucket(params["Bucket"])
    return dict(bucket.notification or {})


def _checked(rule: Mapping[str, Any]) -> dict[str, Any]:
    """A LambdaFunctionConfiguration as S3 stores it (with an Id), or S3's refusal."""
    events = list(rule.get("Events") or [])
    if not events or not rule.get("LambdaFunctionArn"):
        raise error.malformed_xml()
    for event in events:
        if event not in _EVENTS:
            raise error.invalid_argument(
                "The event is not supported for notifications", "Event", event
            )
    names = [item.get("Name", "") for item in _filter_rules(rule)]
    for name in names:
        if name.lower() not in _FILTER_NAMES:
            raise error.invalid_argument(
                "filter rule name must be either prefix or suffix", "FilterRule", name
            )
    for kind in _FILTER_NAMES:
        if [n.lower() for n in names].count(kind) > 1:
            raise error.invalid_argument(
                f"Cannot specify more than one {kind} rule in a filter.", "FilterRule", kind
            )
    # S3 names a configuration it was given without an Id (a base64 id, as it answers).
    rule_id = rule.get("Id") or base64.b64encode(str(uuid.uuid4()).encode()).decode()
    checked = {**rule, "Id": rule_id, "Events": events}
    if names:
        # S3 answers the rule names capitalized ("Prefix", "Suffix"), however they were sent.
        rules = [
            {"Name": str(item.get("Name", "")).capitalize(), "Value": item.get("Value", "")}
            for item in _filter_rules(rule)
        ]
        checked["Filter"] = {"Key": {"FilterRules": rules}}
    return checked


def _filter_rules(rule: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    found = ((rule.get("Filter") or {}).get("Key") or {}).get("FilterRules") or []
    return list(found)


def _affix(rule: Mapping[str, Any], kind: str) -> str:
    for item in _filter_rules(rule):
        if str(item.get("Name", "")).lower() == kind:
            return str(item.get("Value") or "")
    return ""


def _shares_event(one: Sequence[str], other: Sequence[str]) -> bool:
    return any(_event_covers(a, b) or _event_covers(b, a) for a in one for b in other)


def _event_covers(pattern: str, event: str) -> bool:
    """`s3:ObjectCreated:*` covers every `s3:ObjectCreated:...` type."""
    if pattern.endswith(":*"):
        return event.startswith(pattern[:-1]) or event == pattern
    return pattern == event


def _check_overlaps(rules: Sequence[Mapping[str, Any]]) -> None:
    """Two configurations overlap when they share an event type and an object key could
    match both filters (one prefix starts the other, one suffix ends the other); S3
    refuses that. https://docs.aws.amazon.com/AmazonS3/latest/userguide/notification-how-to-filtering.html
    """
    for index, one in enumerate(rules):
        for other in rules[index + 1 :]:
            if not _shares_event(one["Events"], other["Events"]):
                continue
            p1, p2 = _affix(one, "prefix"), _affix(other, "prefix")
            s1, s2 = _affix(one, "suffix"), _affix(other, "suffix")
            prefixes = p1.startswith(p2) or p2.startswith(p1)
            suffixes = s1.endswith(s2) or s2.endswith(s1)
            if prefixes and suffixes:
                raise error.invalid_argument(_OVERLAP, "Event", ", ".join(one["Events"]))


def _check_destinations(state: S3State, bucket: str, rules: Sequence[Mapping[str, Any]]) -> None:
    """ "In the case of Lambda destinations, Amazon S3 verifies that the Lambda function
    permissions grant Amazon S3 permission to invoke the function from the Amazon S3 bucket"
    (PutBucketNotificationConfiguration); each refused destination is an
    ArgumentName{n}/ArgumentValue{n} pair of the InvalidArgument error."""
    fields: dict[str, object] = {}
    for rule in rules:
        arn = str(rule["LambdaFunctionArn"])
        why = (
            "Lamina serves no function destinations here"
            if state.events is None
            else state.events.refusal(arn, bucket)
        )
        if why is not None:
            count = len(fields) // 2 + 1
            fields[f"ArgumentName{count}"] = arn
            fields[f"ArgumentValue{count}"] = why
    if fields:
        raise ServiceError("InvalidArgument", _UNVALIDATED, status=400, fields=fields)


def _matches(rule: Mapping[str, Any], event: ObjectEvent) -> bool:
    name = f"s3:{event.name}"
    if not any(_event_covers(pattern, name) for pattern in rule["Events"]):
        return False
    return event.key.startswith(_affix(rule, "prefix")) and event.key.endswith(
        _affix(rule, "suffix")
    )


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
            await state.events.send(str(rule["LambdaFunctionArn"]), payload)


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


class LambdaDestinations:
    """FunctionTarget over Lamina's Lambda: the function's resource policy decides (as on
    AWS), and events go through its asynchronous invoker (retries, destinations, DLQ).
    https://docs.aws.amazon.com/lambda/latest/dg/with-s3.html
    """

    def __init__(self, lambda_state: LambdaState, account_id: str) -> None:
        self._lambda = lambda_state
        self._account_id = account_id

    def refusal(self, function_arn: str, bucket: str) -> str | None:
        try:
            name, qualifier = function_name(function_arn)
            self._lambda.config(name, qualifier)
        except ServiceError:
            return "The destination function does not exist"
        source = InvokeRequest(
            principal=PRINCIPAL,
            source_arn=f"arn:aws:s3:::{bucket}",
            source_account=self._account_id,
        )
        if not allows_invoke(self._lambda, name, qualifier, source):
            return f"Not authorized to invoke function [{function_arn}]"
        return None

    async def send(self, function_arn: str, payload: bytes) -> None:
        name, qualifier = function_name(function_arn)
        await self._lambda.async_invoker.submit(
            name, qualifier, payload, request_id=new_request_id()
        )
