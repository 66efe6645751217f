"""Authorize an AWS API call against the caller's identity policies: the action
(`service:Operation`, with the services' own names where they differ) on the resources
the call names (a table, a function, a key, a secret, a bucket or object, a user pool).

https://docs.aws.amazon.com/service-authorization/latest/reference/reference_policies_actions-resources-contextkeys.html
The denial message is the one IAM gives today:
https://docs.aws.amazon.com/IAM/latest/UserGuide/troubleshoot_access-denied.html
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from lamina.aws.credentials import Identity
from lamina.aws.policy import Decision, PolicyRequest, evaluate
from lamina.aws.service import ServiceError

# Operations whose IAM action is named differently from the operation.
_ACTIONS: dict[str, dict[str, str]] = {
    "lambda": {
        "Invoke": "InvokeFunction",
        "InvokeWithResponseStream": "InvokeFunction",
        "GetFunctionConfiguration": "GetFunctionConfiguration",
        "ListVersionsByFunction": "ListVersionsByFunction",
    },
    # ReEncrypt needs kms:ReEncryptFrom on the source key (and ReEncryptTo on the
    # destination, not yet checked separately).
    "kms": {"ReEncrypt": "ReEncryptFrom"},
    "s3": {
        "ListObjectsV2": "ListBucket",
        "ListObjects": "ListBucket",
        "HeadObject": "GetObject",
        "HeadBucket": "ListBucket",
        "ListBuckets": "ListAllMyBuckets",
        "DeleteObjects": "DeleteObject",
        "CopyObject": "PutObject",
        "CreateMultipartUpload": "PutObject",
        "UploadPart": "PutObject",
        "CompleteMultipartUpload": "PutObject",
        "AbortMultipartUpload": "AbortMultipartUpload",
        "ListParts": "ListMultipartUploadParts",
        "ListMultipartUploads": "ListBucketMultipartUploads",
        "GetBucketLocation": "GetBucketLocation",
        "PutObjectTagging": "PutObjectTagging",
        "GetObjectTagging": "GetObjectTagging",
        "DeleteObjectTagging": "DeleteObjectTagging",
        # https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutBucketCors.html (s3:PutBucketCORS)
        "PutBucketCors": "PutBucketCORS",
        "GetBucketCors": "GetBucketCORS",
        "DeleteBucketCors": "PutBucketCORS",
    },
}
# Calls AWS answers for any authenticated caller (no identity policy is consulted).
_ALWAYS_ALLOWED = frozenset({("sts", "GetCallerIdentity")})
# What the account root may do even when a resource policy explicitly denies it: "the root
# principal in a bucket owner's AWS account can perform the GetBucketPolicy,
# PutBucketPolicy, and DeleteBucketPolicy API actions, even if their bucket policy
# explicitly denies the root principal's access" (so an owner cannot lock itself out);
# every other S3 action is denied to the root by a bucket policy's explicit Deny.
# https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutBucketPolicy.html
ROOT_NEVER_DENIED = frozenset(
    {("s3", "GetBucketPolicy"), ("s3", "PutBucketPolicy"), ("s3", "DeleteBucketPolicy")}
)
# The IAM service prefix where it differs from botocore's service name.
_PREFIX = {"cognito-idp": "cognito-idp", "lambda": "lambda"}
# The error each protocol family answers a denial with (code, status).
_DENIED = {
    "s3": ("AccessDenied", 403),
    "sts": ("AccessDenied", 403),
    "lambda": ("AccessDeniedException", 403),
}
_DEFAULT_DENIED = ("AccessDeniedException", 400)

Resolver = Callable[[str, Mapping[str, Any]], list[str]]
"""(operation, params) -> the ARNs the call acts on; ["*"] when it names none."""


def action_of(service: str, operation: str) -> str:
    prefix = _PREFIX.get(service, service)
    return f"{prefix}:{_ACTIONS.get(service, {}).get(operation, operation)}"


def authorize(
    identity: Identity,
    service: str,
    operation: str,
    resources: list[str],
    *,
    source_ip: str,
    resource_statements: Sequence[Mapping[str, Any]] = (),
) -> None:
    """Raise the service's AccessDenied error unless the identity's policies allow the
    action on every resource.

    `resource_statements`: the resource-based policy of what the call acts on (a bucket
    policy), evaluated with the identity's policies as AWS does for a principal of the
    same account: an explicit Deny in either denies, otherwise an Allow in either allows.
    https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html
    """
    if (service, operation) in _ALWAYS_ALLOWED:
        return
    action = action_of(service, operation)
    for resource in resources:
        asked = PolicyRequest(
            action=action,
            resource=resource,
            principal=identity.arn,
            context={"aws:SourceIp": source_ip, "aws:PrincipalArn": identity.arn},
        )
        decision = evaluate(identity.statements, asked)
        granted = evaluate(resource_statements, asked, check_principal=True)
        if granted is Decision.EXPLICIT_DENY:
            why = "with an explicit deny in a resource-based policy"
        elif decision is Decision.EXPLICIT_DENY:
            why = "with an explicit deny in an identity-based policy"
        elif Decision.ALLOW in (decision, granted):
            continue
        else:
            why = f"because no identity-based policy allows the {action} action"
        code, status = _DENIED.get(service, _DEFAULT_DENIED)
        raise ServiceError(
            code,
            f"User: {identity.arn} is not authorized to perform: {action} on resource: "
            f"{resource} {why}",
            status=status,
        )


def authorize_anonymous(
    service: str,
    operation: str,
    resources: list[str],
    resource_statements: Sequence[Mapping[str, Any]],
    *,
    source_ip: str,
) -> None:
    """An unsigned request: allowed only where the resource-based policy allows every
    principal (Principal "*"), as for public S3 objects; S3 answers 403 AccessDenied.
    https://docs.aws.amazon.com/AmazonS3/latest/userguide/example-bucket-policies.html
    """
    action = action_of(service, operation)
    for resource in resources:
        asked = PolicyRequest(action=action, resource=resource, context={"aws:SourceIp": source_ip})
        if evaluate(resource_statements, asked, check_principal=True) is not Decision.ALLOW:
            code, status = _DENIED.get(service, _DEFAULT_DENIED)
            raise ServiceError(code, "Access Denied", status=status)


def resources_from_params(
    service: str, region: str, account: str, operation: str, params: Mapping[str, Any]
) -> list[str]:
    """The resources a call names, read from its parameters the way each service's
    resource types are written (tables, functions, buckets and objects, user pools)."""
    if service == "dynamodb":
        return _dynamodb(region, account, params)
    if service == "lambda" and "FunctionName" in params:
        name = str(params["FunctionName"])
        if not name.startswith("arn:"):
            name = f"arn:aws:lambda:{region}:{account}:function:{name}"
        qualifier = params.get("Qualifier")
        return [f"{name}:{qualifier}" if qualifier else name]
    if service == "s3" and "Bucket" in params:
        bucket = f"arn:aws:s3:::{params['Bucket']}"
        return [f"{bucket}/{params['Key']}" if "Key" in params else bucket]
    if service == "cognito-idp" and "UserPoolId" in params:
        return [f"arn:aws:cognito-idp:{region}:{account}:userpool/{params['UserPoolId']}"]
    return ["*"]


def _dynamodb(region: str, account: str, params: Mapping[str, Any]) -> list[str]:
    def table(name: object, index: object = None) -> str:
        arn = (
            str(name)
            if str(name).startswith("arn:")
            else (f"arn:aws:dynamodb:{region}:{account}:table/{name}")
        )
        return f"{arn}/index/{index}" if index else arn

    if "TableName" in params:
        return [table(params["TableName"], params.get("IndexName"))]
    if "RequestItems" in params:  # BatchGetItem / BatchWriteItem
        return [table(name) for name in params["RequestItems"]]
    if "TransactItems" in params:
        found = []
        for item in params["TransactItems"]:
            for action in item.values():
                if isinstance(action, Mapping) and "TableName" in action:
                    found.append(table(action["TableName"]))
        return found or ["*"]
    return ["*"]
