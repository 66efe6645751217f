"""Physical ids of the identity and data-service resources a template declares, derived
from the stack name and logical id so that Ref gives the same answer on every run and the
service creates exactly that resource at `lamina up`."""

from __future__ import annotations

import hashlib
import uuid

from lamina.config.ids import physical_id


def user_pool_id(stack: str, logical_id: str, region: str) -> str:
    """`{region}_{9 alphanumerics}`, Cognito's form."""
    return f"{region}_{physical_id(stack, logical_id, length=9)}"


def user_pool_client_id(stack: str, logical_id: str) -> str:
    """26 lowercase alphanumerics, Cognito's form."""
    return physical_id(stack, logical_id, length=26)


def kms_key_id(stack: str, logical_id: str) -> str:
    """A UUID, as KMS key ids are."""
    digest = hashlib.sha256(f"kms/{stack}/{logical_id}".encode()).digest()
    return str(uuid.UUID(bytes=digest[:16]))


def secret_name(stack: str, logical_id: str, given: str | None) -> str:
    # Without a Name, CloudFormation names the secret after its logical id plus a suffix.
    # https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-secretsmanager-secret.html
    return given or f"{logical_id}-{physical_id(stack, logical_id, length=12)}"


def secret_arn(stack: str, logical_id: str, name: str, region: str, account: str) -> str:
    """The secret's ARN ends with `-` and six characters (derived here, random on AWS)."""
    suffix = physical_id(stack, logical_id, "arn", length=6)
    return f"arn:aws:secretsmanager:{region}:{account}:secret:{name}-{suffix}"


def bucket_name(stack: str, logical_id: str, given: object) -> str:
    """BucketName, or what CloudFormation generates: `{stack}-{logicalid}-{suffix}` in
    lower case, at most 63 characters.
    https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-s3-bucket.html
    """
    if given:
        return str(given)
    suffix = physical_id(stack, logical_id, "bucket", length=12)
    return f"{stack}-{logical_id}"[: 63 - 13].lower().strip("-") + f"-{suffix}"
