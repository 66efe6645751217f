"""Bucket policies: PutBucketPolicy, GetBucketPolicy, DeleteBucketPolicy,
GetBucketPolicyStatus, and the statements the AWS endpoint evaluates with the caller's
identity policies (lamina.aws.authorize) or, for anonymous requests, alone.

https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucket-policies.html
https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutBucketPolicy.html
https://docs.aws.amazon.com/AmazonS3/latest/userguide/access-control-block-public-access.html#access-control-block-public-access-policy-status
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from typing import Any

import msgspec
import orjson

from lamina.aws.policy import like, statements_of
from lamina.aws.service import AwsRequestContext, OperationInput, OperationOutput
from lamina.services.s3 import error
from lamina.services.s3.state import S3State

Statement = Mapping[str, Any]


async def put_bucket_policy(
    state: S3State, context: AwsRequestContext, params: OperationInput
) -> OperationOutput:
    text = params.get("Policy") or ""
    if isinstance(text, bytes):
        text = text.decode("utf-8", errors="replace")
    set_policy(state, params["Bucket"], text)
    return {}


def set_policy(state: S3State, bucket_name: str, text: str) -> None:
    """PutBucketPolicy's work (also a template's AWS::S3::BucketPolicy): validated as S3
    validates it, then stored on the bucket."""
    bucket = state.bucket(bucket_name)
    _validate(bucket.name, text)
    state.store.set_bucket(msgspec.structs.replace(bucket, policy=text))


async def get_bucket_policy(
    state: S3State, context: AwsRequestContext, params: OperationInput
) -> OperationOutput:
    bucket = state.bucket(params["Bucket"])
    if not bucket.policy:
        raise error.no_such_bucket_policy(bucket.name)
    return {"Policy": bucket.policy}


async def delete_bucket_policy(
    state: S3State, context: AwsRequestContext, params: OperationInput
) -> OperationOutput:
    bucket = state.bucket(params["Bucket"])
    state.store.set_bucket(msgspec.structs.replace(bucket, policy=""))
    return {}


async def get_bucket_policy_status(
    state: S3State, context: AwsRequestContext, params: OperationInput
) -> OperationOutput:
    """Public when an unconditioned Allow names every principal ("*" or {"AWS": "*"})."""
    bucket = state.bucket(params["Bucket"])
    if not bucket.policy:
        raise error.no_such_bucket_policy(bucket.name)
    public = any(
        statement.get("Effect") == "Allow"
        and _names_everyone(statement.get("Principal"))
        and not statement.get("Condition")
        for statement in _parsed(bucket.policy)
    )
    return {"PolicyStatus": {"IsPublic": public}}


def statements(state: S3State, params: Mapping[str, Any]) -> list[Statement]:
    """The statements of the policy of the bucket a call names; [] when it has none."""
    name = params.get("Bucket")
    bucket = state.store.bucket(name) if isinstance(name, str) else None
    if bucket is None or not bucket.policy:
        return []
    return list(_parsed(bucket.policy))


@functools.lru_cache(maxsize=256)
def _parsed(policy: str) -> tuple[Statement, ...]:
    """A stored policy's statements, parsed once per policy text rather than per request
    (every call to a bucket with a policy is authorized against it)."""
    return tuple(statements_of(orjson.loads(policy)))


def _names_everyone(principal: object) -> bool:
    if principal == "*":
        return True
    if isinstance(principal, Mapping):
        named = principal.get("AWS")
        return named == "*" or (isinstance(named, list) and "*" in named)
    return False


def _validate(bucket: str, text: str) -> None:
    """S3's MalformedPolicy answers, as it words them, for a document it will not store."""
    if not text.lstrip().startswith("{"):
        raise error.malformed_policy("Policies must be valid JSON and the first byte must be '{'")
    try:
        document = orjson.loads(text)
    except orjson.JSONDecodeError:
        raise error.malformed_policy(
            "Policies must be valid JSON and the first byte must be '{'"
        ) from None
    if not isinstance(document, dict) or "Statement" not in document:
        raise error.malformed_policy("Missing required field Statement")
    found = statements_of(document)
    if not found:
        raise error.malformed_policy("Could not parse the policy: Statement is not valid!")
    for statement in found:
        if statement.get("Effect") not in ("Allow", "Deny"):
            raise error.malformed_policy("Invalid effect: " + str(statement.get("Effect")))
        if "Principal" not in statement and "NotPrincipal" not in statement:
            raise error.malformed_policy("Missing required field Principal")
        actions = _strings(statement.get("Action", statement.get("NotAction")))
        if not actions:
            raise error.malformed_policy("Missing required field Action")
        for action in actions:
            if not (action == "*" or action.lower().startswith("s3:")):
                raise error.malformed_policy("Policy has invalid action")
        resources = _strings(statement.get("Resource", statement.get("NotResource")))
        if not resources:
            raise error.malformed_policy("Missing required field Resource")
        # A bucket policy may only name its own bucket and its objects.
        arn = f"arn:aws:s3:::{bucket}"
        for resource in resources:
            if not (resource.startswith(arn + "/") or like(arn, resource)):
                raise error.malformed_policy("Policy has invalid resource")


def _strings(value: object) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, list):
        return [item for item in value if isinstance(item, str)]
    return []
