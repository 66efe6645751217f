"""The Secrets Manager API's operations over a SecretService.

https://docs.aws.amazon.com/secretsmanager/latest/apireference/API_Operations.html
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any

from lamina.aws.service import Operation, OperationInput, OperationOutput, ServiceError
from lamina.services.secretsmanager import listing, passwords
from lamina.services.secretsmanager.policy import checked_policy
from lamina.services.secretsmanager.schedule import parse_rules
from lamina.services.secretsmanager.service import (
    CURRENT,
    DEFAULT_RECOVERY_DAYS,
    MAX_RECOVERY_DAYS,
    MIN_RECOVERY_DAYS,
    PENDING,
    SecretService,
    move_stage,
    time_of,
    trim,
)
from lamina.services.secretsmanager.store import Secret, Version

_DAY_S = 86_400


def _given_value(params: Mapping[str, Any]) -> tuple[bytes, bool] | None:
    string_value, binary_value = params.get("SecretString"), params.get("SecretBinary")
    if string_value is not None and binary_value is not None:
        raise ServiceError(
            "InvalidParameterException",
            "You can't specify both a binary secret value and a string secret value in the "
            "same secret.",
        )
    if string_value is not None:
        return str(string_value).encode("utf-8"), False
    if binary_value is not None:
        return bytes(binary_value), True
    return None


def _create_secret(sm: SecretService, params: OperationInput) -> OperationOutput:
    return create_secret(sm, params)


def create_secret(
    sm: SecretService, params: Mapping[str, Any], arn: str | None = None
) -> OperationOutput:
    """CreateSecret; `arn` when a template fixes it (lamina.config.service_ids)."""
    name = params["Name"]
    existing = sm.store.by_name(name)
    if existing is not None:
        if existing.deleted is not None and not (
            existing.delete_at is not None and existing.delete_at <= sm.now()
        ):
            raise ServiceError(
                "InvalidRequestException",
                "You can't create this secret because a secret with this name is already "
                "scheduled for deletion.",
            )
        if existing.deleted is None:
            raise ServiceError(
                "ResourceExistsException",
                f"The operation failed because the secret {name} already exists.",
            )
        sm.store.delete(name)
    sm.vault.check_key(params.get("KmsKeyId"))
    now = sm.now()
    secret = Secret(
        name=name,
        arn=arn or sm.new_arn(name),
        created=now,
        changed=now,
        description=params.get("Description"),
        kms_key_id=params.get("KmsKeyId"),
        tags={tag["Key"]: tag["Value"] for tag in params.get("Tags", ())},
    )
    output: dict[str, Any] = {"ARN": secret.arn, "Name": name}
    given = _given_value(params)
    if given is not None:
        version = sm.add_version(
            secret,
            given[0],
            binary=given[1],
            version_id=params.get("ClientRequestToken"),
            stages=[CURRENT],
        )
        output["VersionId"] = version.version_id
    sm.store.put(secret)
    return output


def _get_secret_value(sm: SecretService, params: OperationInput) -> OperationOutput:
    secret = sm.find(params["SecretId"])
    version = _chosen_version(secret, params.get("VersionId"), params.get("VersionStage"))
    now = sm.now()
    secret.last_accessed = now
    sm.store.put(secret)
    return {
        "ARN": secret.arn,
        "Name": secret.name,
        "VersionId": version.version_id,
        **sm.value_of(secret, version),
        "VersionStages": list(version.stages),
        "CreatedDate": time_of(version.created),
    }


def _chosen_version(secret: Secret, version_id: str | None, stage: str | None) -> Version:
    if version_id is not None:
        version = secret.version(version_id)
        if version is None or (stage is not None and stage not in version.stages):
            raise ServiceError(
                "ResourceNotFoundException",
                f"Secrets Manager can't find the specified secret value for VersionId: "
                f"{version_id}",
            )
        return version
    label = stage or CURRENT
    staged = secret.staged(label)
    if staged is None:
        raise ServiceError(
            "ResourceNotFoundException",
            f"Secrets Manager can't find the specified secret value for staging label: {label}",
        )
    return staged


def _batch_get_secret_value(sm: SecretService, params: OperationInput) -> OperationOutput:
    # https://docs.aws.amazon.com/secretsmanager/latest/apireference/API_BatchGetSecretValue.html
    if params.get("Filters"):
        names = [s.name for s in listing.filtered(sm, params.get("Filters", []), deleted=False)]
    else:
        names = list(params.get("SecretIdList", []))
    values: list[dict[str, Any]] = []
    errors: list[dict[str, Any]] = []
    for secret_id in names:
        try:
            values.append(_get_secret_value(sm, {"SecretId": secret_id}))
        except ServiceError as error:
            errors.append(
                {"SecretId": secret_id, "ErrorCode": error.code, "Message": error.message}
            )
    return {"SecretValues": values, "Errors": errors}


def _put_secret_value(sm: SecretService, params: OperationInput) -> OperationOutput:
    secret = sm.find(params["SecretId"])
    given = _given_value(params)
    if given is None:
        raise ServiceError(
            "InvalidRequestException",
            "You must provide either SecretString or SecretBinary.",
        )
    version = sm.add_version(
        secret,
        given[0],
        binary=given[1],
        version_id=params.get("ClientRequestToken"),
        stages=list(params.get("VersionStages") or [CURRENT]),
    )
    sm.store.put(secret)
    return {
        "ARN": secret.arn,
        "Name": secret.name,
        "VersionId": version.version_id,
        "VersionStages": list(version.stages),
    }


def _update_secret(sm: SecretService, params: OperationInput) -> OperationOutput:
    secret = sm.find(params["SecretId"])
    if "Description" in params:
        secret.description = params["Description"]
    if "KmsKeyId" in params:
        sm.vault.check_key(params["KmsKeyId"])
        secret.kms_key_id = params["KmsKeyId"]
    output: dict[str, Any] = {"ARN": secret.arn, "Name": secret.name}
    given = _given_value(params)
    if given is not None:
        version = sm.add_version(
            secret,
            given[0],
            binary=given[1],
            version_id=params.get("ClientRequestToken"),
            stages=[CURRENT],
        )
        output["VersionId"] = version.version_id
    secret.changed = sm.now()
    sm.store.put(secret)
    return output


def _delete_secret(sm: SecretService, params: OperationInput) -> OperationOutput:
    # https://docs.aws.amazon.com/secretsmanager/latest/apireference/API_DeleteSecret.html
    days = params.get("RecoveryWindowInDays")
    force = bool(params.get("ForceDeleteWithoutRecovery"))
    if days is not None and force:
        raise ServiceError(
            "InvalidParameterException",
            "You can't use ForceDeleteWithoutRecovery in conjunction with RecoveryWindowInDays.",
        )
    if days is not None and not MIN_RECOVERY_DAYS <= int(days) <= MAX_RECOVERY_DAYS:
        raise ServiceError(
            "InvalidParameterException",
            "The RecoveryWindowInDays value must be between 7 and 30 days (inclusive).",
        )
    secret = sm.find(params["SecretId"], allow_deleted=True)
    now = sm.now()
    if force:
        sm.store.delete(secret.name)
        return {"ARN": secret.arn, "Name": secret.name, "DeletionDate": time_of(now)}
    if secret.deleted is None:
        secret.deleted = now
        secret.delete_at = now + int(days or DEFAULT_RECOVERY_DAYS) * _DAY_S
        sm.store.put(secret)
    assert secret.delete_at is not None
    return {"ARN": secret.arn, "Name": secret.name, "DeletionDate": time_of(secret.delete_at)}


def _restore_secret(sm: SecretService, params: OperationInput) -> OperationOutput:
    secret = sm.find(params["SecretId"], allow_deleted=True)
    secret.deleted = None
    secret.delete_at = None
    sm.store.put(secret)
    return {"ARN": secret.arn, "Name": secret.name}


def _describe_secret(sm: SecretService, params: OperationInput) -> OperationOutput:
    return listing.description(sm.find(params["SecretId"], allow_deleted=True))


def _update_version_stage(sm: SecretService, params: OperationInput) -> OperationOutput:
    # https://docs.aws.amazon.com/secretsmanager/latest/apireference/API_UpdateSecretVersionStage.html
    secret = sm.find(params["SecretId"])
    stage = params["VersionStage"]
    holder = secret.staged(stage)
    remove_from = params.get("RemoveFromVersionId")
    move_to = params.get("MoveToVersionId")
    if (
        holder is not None
        and move_to is not None
        and holder.version_id not in (remove_from, move_to)
    ):
        raise ServiceError(
            "InvalidParameterException",
            f"The parameter RemoveFromVersionId can't be empty. Staging label {stage} is "
            f"currently attached to version {holder.version_id}, so you must explicitly "
            "reference that version in RemoveFromVersionId.",
        )
    if remove_from is not None:
        source = secret.version(remove_from)
        if source is None or stage not in source.stages:
            raise ServiceError(
                "InvalidParameterException",
                f"The staging label {stage} is not attached to version {remove_from}.",
            )
    if move_to is not None:
        target = secret.version(move_to)
        if target is None:
            raise ServiceError(
                "ResourceNotFoundException",
                f"Secrets Manager can't find the specified secret value for VersionId: {move_to}",
            )
        move_stage(secret, stage, target)
    elif remove_from is not None:
        source = secret.version(remove_from)
        assert source is not None
        if stage == CURRENT:
            raise ServiceError(
                "InvalidParameterException",
                "You can only move staging label AWSCURRENT to a different secret version. "
                "It can't be completely removed.",
            )
        source.stages.remove(stage)
    trim(secret)
    secret.changed = sm.now()
    sm.store.put(secret)
    return {"ARN": secret.arn, "Name": secret.name}


def _rotate_secret(sm: SecretService, params: OperationInput) -> OperationOutput:
    # https://docs.aws.amazon.com/secretsmanager/latest/apireference/API_RotateSecret.html
    secret = sm.find(params["SecretId"])
    if params.get("RotationLambdaARN"):
        secret.rotation_lambda_arn = params["RotationLambdaARN"]
    if params.get("RotationRules"):
        parse_rules(params["RotationRules"])  # refuse a schedule AWS would refuse
        secret.rotation_rules = dict(params["RotationRules"])
        secret.rotation_set = sm.now()
    if secret.rotation_lambda_arn is None:
        raise ServiceError(
            "InvalidRequestException",
            "No Lambda rotation function ARN is associated with this secret.",
        )
    if not secret.rotation_enabled and secret.rotation_set is None:
        secret.rotation_set = sm.now()
    secret.rotation_enabled = True
    token = params.get("ClientRequestToken") or str(uuid.uuid4())
    sm.store.put(secret)
    output: dict[str, Any] = {"ARN": secret.arn, "Name": secret.name}
    if params.get("RotateImmediately", True):
        secret.rotate_asap = False  # a template's pending "rotate now" is this rotation
        sm.store.put(secret)
        sm.start_rotation(secret, token)
        output["VersionId"] = token
    return output


def _cancel_rotate_secret(sm: SecretService, params: OperationInput) -> OperationOutput:
    secret = sm.find(params["SecretId"])
    secret.rotation_enabled = False
    pending = secret.staged(PENDING)
    sm.store.put(secret)
    output: dict[str, Any] = {"ARN": secret.arn, "Name": secret.name}
    if pending is not None:
        output["VersionId"] = pending.version_id
    return output


def _tag(sm: SecretService, params: OperationInput) -> OperationOutput:
    secret = sm.find(params["SecretId"])
    secret.tags.update({tag["Key"]: tag["Value"] for tag in params["Tags"]})
    sm.store.put(secret)
    return {}


def _untag(sm: SecretService, params: OperationInput) -> OperationOutput:
    secret = sm.find(params["SecretId"])
    for key in params["TagKeys"]:
        secret.tags.pop(key, None)
    sm.store.put(secret)
    return {}


def _get_policy(sm: SecretService, params: OperationInput) -> OperationOutput:
    secret = sm.find(params["SecretId"])
    output: dict[str, Any] = {"ARN": secret.arn, "Name": secret.name}
    if secret.policy is not None:
        output["ResourcePolicy"] = secret.policy
    return output


def _put_policy(sm: SecretService, params: OperationInput) -> OperationOutput:
    secret = sm.find(params["SecretId"])
    secret.policy = checked_policy(
        params["ResourcePolicy"], bool(params.get("BlockPublicPolicy", False))
    )
    sm.store.put(secret)
    return {"ARN": secret.arn, "Name": secret.name}


def _delete_policy(sm: SecretService, params: OperationInput) -> OperationOutput:
    secret = sm.find(params["SecretId"])
    secret.policy = None
    sm.store.put(secret)
    return {"ARN": secret.arn, "Name": secret.name}


OPERATIONS: dict[str, Operation[SecretService]] = {
    "CreateSecret": _create_secret,
    "GetSecretValue": _get_secret_value,
    "BatchGetSecretValue": _batch_get_secret_value,
    "PutSecretValue": _put_secret_value,
    "UpdateSecret": _update_secret,
    "DeleteSecret": _delete_secret,
    "RestoreSecret": _restore_secret,
    "DescribeSecret": _describe_secret,
    "ListSecrets": listing.list_secrets,
    "ListSecretVersionIds": listing.list_versions,
    "UpdateSecretVersionStage": _update_version_stage,
    "GetRandomPassword": passwords.get_random_password,
    "RotateSecret": _rotate_secret,
    "CancelRotateSecret": _cancel_rotate_secret,
    "TagResource": _tag,
    "UntagResource": _untag,
    "GetResourcePolicy": _get_policy,
    "PutResourcePolicy": _put_policy,
    "DeleteResourcePolicy": _delete_policy,
}
