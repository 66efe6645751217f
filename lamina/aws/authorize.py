"""Authorize an AWS API call against the caller's identity policies: the action
(`service:Operation`, with the services' own names where they differ) on the resources
the call names (a table, a function, a key, a secret, a bucket or object, a user pool).

https://docs.aws.amazon.com/service-authorization/latest/reference/reference_policies_actions-resources-contextkeys.html
The denial message is the one IAM gives today:
https://docs.aws.amazon.com/IAM/latest/UserGuide/troubleshoot_access-denied.html
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
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
# GetSessionToken: "No permissions are required for a user to get a session token ... You
# cannot use policies to control authentication operations."
# https://docs.aws.amazon.com/IAM/latest/UserGuide/id_credentials_temp_control-access_getsessiontoken.html
_ALWAYS_ALLOWED = frozenset({("sts", "GetCallerIdentity"), ("sts", "GetSessionToken")})
# What the account root may do even when a resource policy explicitly denies it: "the root
# principal in a bucket owner's AWS account can perform the GetBucketPolicy,
# PutBucketPolicy, and DeleteBucketPolicy API actions, even if their bucket policy
# explicitly denies the root principal's access" (so an owner cannot lock itself out);
# every other S3 action is denied to the root by a bucket policy's explicit Deny.
# https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutBucketPolicy.html
ROOT_NEVER_DENIED = frozenset(
    {("s3", "GetBucketPolicy"), ("s3", "PutBucketPolicy"), ("s3", "DeleteBucketPolicy")}
)
# Services whose resource policies may admit unsigned callers (Principal "*"): S3's public
# objects. Other services refuse unsigned calls whatever their policies say.
PUBLIC_RESOURCE_POLICIES = frozenset({"s3"})
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
    params: Mapping[str, Any] | None = None,
    region: str = "",
    secure: bool = False,
    extra: Mapping[str, str] | None = None,
) -> None:
    """Raise the service's AccessDenied error unless the identity's policies allow the
    action on every resource.

    `resource_statements`: the resource-based policy of what the call acts on (a bucket
    policy, a secret's policy, a function's policy), evaluated with the identity's policies
    as AWS does for a principal of the same account: an explicit Deny in either denies,
    otherwise an Allow in either allows. A KMS key policy is the primary control instead:
    the identity's policies count only where the key policy allows the account.
    https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html
    https://docs.aws.amazon.com/kms/latest/developerguide/control-access.html
    `params`, `region`, `secure`: the call's condition keys (request_context); `extra`:
    more of them, lowered (kms:ViaService on a service's call on its caller's behalf).
    """
    if (service, operation) in _ALWAYS_ALLOWED:
        return
    action = action_of(service, operation)
    context = request_context(identity, source_ip=source_ip, region=region, secure=secure)
    if params:
        context.update(service_context(service, operation, params, identity.account_id))
    if extra:
        context.update(extra)
    role = role_arn(identity)
    for resource in resources:
        asked = PolicyRequest(
            action=action,
            resource=resource,
            principal=identity.arn,
            context=context,
            role_arn=role,
            lowered=True,
        )
        decision = evaluate(identity.statements, asked)
        if service == "kms" and ":key/" in resource:
            why = _key_policy_refusal(resource_statements, asked, decision, identity, action)
            if why is None:
                continue
        else:
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


def _key_policy_refusal(
    key_policy: Sequence[Mapping[str, Any]],
    asked: PolicyRequest,
    decision: Decision,
    identity: Identity,
    action: str,
) -> str | None:
    """Why a KMS key's policy (with the identity's policies) refuses the call; None when
    it allows it. "Unless the key policy explicitly allows it, you cannot use IAM
    policies to allow access to a KMS key": the key policy allows the caller by name, or
    allows the account (its root), which lets the account's IAM policies grant access.
    https://docs.aws.amazon.com/kms/latest/developerguide/key-policy-default.html#key-policy-default-allow-root-enable-iam
    """
    if evaluate(key_policy, asked, check_principal=True) is Decision.EXPLICIT_DENY:
        return "with an explicit deny in a resource-based policy"
    if decision is Decision.EXPLICIT_DENY:
        return "with an explicit deny in an identity-based policy"
    named = evaluate(key_policy, asked, check_principal=True, account_names_all=False)
    if named is Decision.ALLOW:
        return None
    root = PolicyRequest(
        action=asked.action,
        resource=asked.resource,
        principal=f"arn:aws:iam::{identity.account_id}:root",
        context=asked.context,
        lowered=True,
    )
    if evaluate(key_policy, root, check_principal=True) is not Decision.ALLOW:
        return f"because no resource-based policy allows the {action} action"
    if decision is Decision.ALLOW:
        return None
    return f"because no identity-based policy allows the {action} action"


def role_arn(identity: Identity) -> str | None:
    """The role behind an assumed-role session (`arn:aws:iam::{account}:role/{name}`;
    the session ARN carries no role path)."""
    if ":assumed-role/" not in identity.arn:
        return None
    name = identity.arn.split(":assumed-role/", 1)[1].split("/", 1)[0]
    return f"arn:aws:iam::{identity.account_id}:role/{name}"


def request_context(
    identity: Identity, *, source_ip: str, region: str = "", secure: bool = False
) -> dict[str, str | Sequence[str]]:
    """The global condition keys of a signed call (lowered), as IAM fills them in for the
    principal and the request. aws:CurrentTime and aws:EpochTime are computed when a
    condition asks (PolicyRequest.value).
    https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html
    """
    context: dict[str, str | Sequence[str]] = dict(_principal_keys(identity))
    context["aws:sourceip"] = source_ip
    context["aws:securetransport"] = "true" if secure else "false"
    if region:
        context["aws:requestedregion"] = region
    return context


_PRINCIPAL_KEYS: dict[tuple[str, str], tuple[Identity, dict[str, str]]] = {}
"""(access key, ARN) -> (the identity, the keys that depend on the principal alone):
worked out once per identity, as every call a function makes asks for them. A redeploy
that gives a template user new Tags keeps its key but makes a new Identity: the keys are
worked out again."""


def _principal_keys(identity: Identity) -> dict[str, str]:
    remembered = (identity.access_key, identity.arn)
    found = _PRINCIPAL_KEYS.get(remembered)
    if found is not None and found[0] is identity:
        return found[1]
    arn = identity.arn
    # aws:PrincipalArn of a role session is the role's ARN, not the session's.
    keys = {
        "aws:principalarn": role_arn(identity) or arn,
        "aws:principalaccount": identity.account_id,
        "aws:userid": identity.principal_id,
        "aws:principalisawsservice": "false",
        "aws:viaawsservice": "false",
    }
    if arn.endswith(":root"):
        keys["aws:principaltype"] = "Account"
    elif ":user/" in arn:
        # aws:username is there for IAM users only.
        keys["aws:principaltype"] = "User"
        keys["aws:username"] = arn.rsplit("/", 1)[-1]
    elif ":assumed-role/" in arn:
        keys["aws:principaltype"] = "AssumedRole"
    if identity.expires is not None and identity.session_token is not None:
        keys["aws:tokenissuetime"] = _iso(identity.issued or identity.expires)
    for tag, value in identity.tags.items():
        keys[f"aws:principaltag/{tag.lower()}"] = value
    if len(_PRINCIPAL_KEYS) >= 4096:  # environments come and go: keep it bounded
        _PRINCIPAL_KEYS.clear()
    _PRINCIPAL_KEYS[remembered] = (identity, keys)
    return keys


def service_context(
    service: str, operation: str, params: Mapping[str, Any], account_id: str
) -> dict[str, str | Sequence[str]]:
    """The service-specific condition keys a call carries (lowered).
    https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazons3.html
    https://docs.aws.amazon.com/service-authorization/latest/reference/list_awskeymanagementservice.html
    """
    context: dict[str, str | Sequence[str]] = {}
    if service == "s3":
        for name, key in _S3_KEYS:
            if params.get(name) is not None:
                context[key] = str(params[name])
    elif service == "kms":
        context["kms:calleraccount"] = account_id
        encryption = params.get("EncryptionContext")
        if isinstance(encryption, Mapping):
            for key, value in encryption.items():
                context[f"kms:encryptioncontext:{str(key).lower()}"] = str(value)
            context["kms:encryptioncontextkeys"] = [str(key) for key in encryption]
        if params.get("EncryptionAlgorithm"):
            context["kms:encryptionalgorithm"] = str(params["EncryptionAlgorithm"])
    elif service == "secretsmanager" and "SecretId" in params:
        context["secretsmanager:secretid"] = str(params["SecretId"])
    return context


# S3 parameters that are condition keys (ListBucket's s3:prefix, s3:delimiter, s3:max-keys).
_S3_KEYS = (
    ("Prefix", "s3:prefix"),
    ("Delimiter", "s3:delimiter"),
    ("MaxKeys", "s3:max-keys"),
    ("VersionId", "s3:versionid"),
    ("ACL", "s3:x-amz-acl"),
    ("ServerSideEncryption", "s3:x-amz-server-side-encryption"),
)


def _iso(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


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
    if service == "sts" and "RoleArn" in params:  # AssumeRole acts on the role
        return [str(params["RoleArn"])]
    if service == "cognito-idp" and "UserPoolId" in params:
        return [f"arn:aws:cognito-idp:{region}:{account}:userpool/{params['UserPoolId']}"]
    if service == "cognito-idp" and "ResourceArn" in params:
        # TagResource, UntagResource and ListTagsForResource name the pool by its ARN;
        # their resource type is userpool, like every other pool operation's.
        # https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazoncognitouserpools.html
        return [str(params["ResourceArn"])]
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
