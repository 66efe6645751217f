"""Event notifications to Lambda: Put/GetBucketNotificationConfiguration (validated as S3
validates it) and where events go (LambdaDestinations); which event each operation makes
and the record S3 sends are services.s3.event's.

https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutBucketNotificationConfiguration.html
https://docs.aws.amazon.com/AmazonS3/latest/userguide/notification-how-to-event-types-and-destinations.html
https://docs.aws.amazon.com/AmazonS3/latest/userguide/notification-how-to-filtering.html
https://docs.aws.amazon.com/AmazonS3/latest/userguide/notification-content-structure.html
"""

from __future__ import annotations

import base64
import logging
import uuid
from collections.abc import Mapping, Sequence
from typing import Any, Protocol

import msgspec

from lamina.aws.service import AwsRequestContext, OperationInput, OperationOutput, ServiceError
from lamina.services.lambda_.state import LambdaState
from lamina.services.lambda_.targets import FunctionTargets
from lamina.services.s3 import error
from lamina.services.s3.state import S3State

log = logging.getLogger("lamina.s3")
PRINCIPAL = "s3.amazonaws.com"
"""The service principal a function's resource policy must let invoke it."""
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

    async def send(self, function_arn: str, bucket: str, payload: bytes) -> None:
        """Invoke the function with the event (asynchronously)."""
        ...


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


def affix(rule: Mapping[str, Any], kind: str) -> str:
    for item in _filter_rules(rule):
        if str(item.get("Name", "")).lower() == kind:
            return str(item.get("Value") or "")
    return ""


def _shares_event(one: Sequence[str], other: Sequence[str]) -> bool:
    return any(event_covers(a, b) or event_covers(b, a) for a in one for b in other)


def event_covers(pattern: str, event: str) -> bool:
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
            p1, p2 = affix(one, "prefix"), affix(other, "prefix")
            s1, s2 = affix(one, "suffix"), affix(other, "suffix")
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


class LambdaDestinations:
    """FunctionTarget over Lamina's Lambda: the function's resource policy decides (as on
    AWS), and events go through its asynchronous invoker (retries, destinations, DLQ).
    https://docs.aws.amazon.com/lambda/latest/dg/with-s3.html
    """

    def __init__(self, lambda_state: LambdaState, account_id: str) -> None:
        self._targets = FunctionTargets(lambda_state, account_id, PRINCIPAL)

    def refusal(self, function_arn: str, bucket: str) -> str | None:
        return self._targets.refusal(function_arn, f"arn:aws:s3:::{bucket}")

    async def send(self, function_arn: str, bucket: str, payload: bytes) -> None:
        # The permission is checked again at each event, as Lambda checks each invocation:
        # S3's invocation is refused (and the event lost) once it is taken away.
        why = self.refusal(function_arn, bucket)
        if why is not None:
            log.warning("S3 event for %s not delivered: %s", function_arn, why)
            return
        await self._targets.send(function_arn, payload)
