"""SecretsManagerProvider: the botocore "secretsmanager" service (JSON 1.1).

API reference: https://docs.aws.amazon.com/secretsmanager/latest/apireference/API_Operations.html
Versions and staging labels:
https://docs.aws.amazon.com/secretsmanager/latest/userguide/whats-in-a-secret.html
"""

from __future__ import annotations

import asyncio
import logging
import secrets as random
import string
import time
import uuid
from collections.abc import Awaitable, Callable, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from lamina.aws.service import (
    Handler,
    Operation,
    OperationInput,
    OperationOutput,
    ServiceError,
    bind_operations,
)
from lamina.services.kms.provider import KmsProvider
from lamina.services.secretsmanager.store import Secret, SecretStore, Version
from lamina.services.secretsmanager.vault import Vault

log = logging.getLogger("lamina.secretsmanager")

CURRENT, PREVIOUS, PENDING = "AWSCURRENT", "AWSPREVIOUS", "AWSPENDING"
MIN_RECOVERY_DAYS, MAX_RECOVERY_DAYS, DEFAULT_RECOVERY_DAYS = 7, 30, 30
MAX_VERSIONS = 100
"""Versions without a staging label beyond this many are removed, oldest first.
https://docs.aws.amazon.com/secretsmanager/latest/userguide/whats-in-a-secret.html"""
MAX_SECRET_BYTES = 65_536
DEFAULT_PASSWORD_LENGTH = 32
MAX_PASSWORD_LENGTH = 4096
# The punctuation GetRandomPassword may use (its ExcludePunctuation documentation).
PUNCTUATION = "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~"
ROTATION_STEPS = ("createSecret", "setSecret", "testSecret", "finishSecret")
_DAY_S = 86_400
_ARN_SUFFIX = string.ascii_letters + string.digits

NOT_FOUND = "Secrets Manager can't find the specified secret."
MARKED_FOR_DELETION = (
    "You can't perform this operation on the secret because it was marked for deletion."
)

RotationInvoker = Callable[[str, dict[str, Any]], Awaitable[None]]
"""Invoke a rotation function (by ARN or name) with one step's event; raise on failure."""


class SecretsManagerProvider:
    error_namespace = None

    def __init__(
        self,
        *,
        state_dir: Path,
        region: str,
        account_id: str,
        kms: KmsProvider,
        rotate: RotationInvoker | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.store = SecretStore(state_dir / "secretsmanager" / "secrets.sqlite")
        self.vault = Vault(kms)
        self._region = region
        self._account = account_id
        self._rotate = rotate
        self._clock = clock
        self.rotations: set[asyncio.Task[None]] = set()
        """Rotations running in the background (RotateSecret returns before they end)."""
        self._handlers = bind_operations(self, _OPERATIONS)

    @property
    def service_name(self) -> str:
        return "secretsmanager"

    def handlers(self) -> Mapping[str, Handler]:
        return self._handlers

    def close(self) -> None:
        for task in self.rotations:
            task.cancel()
        self.store.close()

    def now(self) -> float:
        return self._clock()

    def resource_arns(self, operation: str, params: Mapping[str, Any]) -> list[str] | None:
        """The secret a call acts on, for IAM (its ARN carries a random suffix only the
        store knows); CreateSecret names the secret to be."""
        if operation == "CreateSecret":
            prefix = f"arn:aws:secretsmanager:{self._region}:{self._account}:secret:"
            return [prefix + str(params["Name"])]
        if "SecretId" not in params:
            return None
        try:
            return [self.find(str(params["SecretId"]), allow_deleted=True).arn]
        except ServiceError:
            return None

    # -- secrets ------------------------------------------------------------------------

    def new_arn(self, name: str) -> str:
        # The ARN ends with a hyphen and six random characters.
        # https://docs.aws.amazon.com/secretsmanager/latest/userguide/reference_iam-permissions.html#iam-resources
        suffix = "".join(random.choice(_ARN_SUFFIX) for _ in range(6))
        return f"arn:aws:secretsmanager:{self._region}:{self._account}:secret:{name}-{suffix}"

    def find(self, secret_id: str, *, allow_deleted: bool = False) -> Secret:
        """By name, ARN, or partial ARN (the ARN without its random suffix)."""
        secret = self._lookup(secret_id)
        if secret is not None and secret.delete_at is not None and secret.delete_at <= self.now():
            self.store.delete(secret.name)
            secret = None
        if secret is None:
            raise ServiceError("ResourceNotFoundException", NOT_FOUND)
        if secret.deleted is not None and not allow_deleted:
            raise ServiceError("InvalidRequestException", MARKED_FOR_DELETION)
        return secret

    def _lookup(self, secret_id: str) -> Secret | None:
        if not secret_id.startswith("arn:"):
            return self.store.by_name(secret_id)
        found = self.store.by_arn(secret_id)
        if found is not None:
            return found
        prefix = f"arn:aws:secretsmanager:{self._region}:{self._account}:secret:"
        if secret_id.startswith(prefix):
            return self.store.by_name(secret_id.removeprefix(prefix))
        return None

    def add_version(
        self,
        secret: Secret,
        value: bytes,
        *,
        binary: bool,
        version_id: str | None,
        stages: list[str],
    ) -> Version:
        """A new version holding `value` with `stages` (labels move from other versions;
        a version losing AWSCURRENT gets AWSPREVIOUS). Idempotent for a repeated
        ClientRequestToken with the same value."""
        version_id = version_id or str(uuid.uuid4())
        existing = secret.version(version_id)
        if existing is not None:
            same = self.vault.open(secret.arn, version_id, existing.sealed) == value
            if same and existing.binary == binary:
                return existing
            raise ServiceError(
                "ResourceExistsException",
                "You can't modify an existing version, you can only create a new version.",
            )
        if len(value) > MAX_SECRET_BYTES:
            # https://docs.aws.amazon.com/secretsmanager/latest/userguide/reference_limits.html
            raise ServiceError(
                "InvalidParameterException",
                f"The secret value can't exceed {MAX_SECRET_BYTES} bytes.",
            )
        version = Version(
            version_id=version_id,
            created=self.now(),
            binary=binary,
            sealed=self.vault.seal(secret.kms_key_id, secret.arn, version_id, value),
        )
        secret.versions.append(version)
        for stage in stages:
            move_stage(secret, stage, version)
        _trim(secret)
        secret.changed = self.now()
        return version

    def value_of(self, secret: Secret, version: Version) -> dict[str, Any]:
        plain = self.vault.open(secret.arn, version.version_id, version.sealed)
        if version.binary:
            return {"SecretBinary": plain}
        return {"SecretString": plain.decode("utf-8")}

    # -- rotation -----------------------------------------------------------------------

    def start_rotation(self, secret: Secret, token: str) -> None:
        if self._rotate is None or secret.rotation_lambda_arn is None:
            raise ServiceError(
                "InvalidRequestException",
                "No Lambda rotation function ARN is associated with this secret.",
            )
        task = asyncio.get_running_loop().create_task(
            self._run_rotation(secret.arn, secret.rotation_lambda_arn, token)
        )
        self.rotations.add(task)
        task.add_done_callback(self.rotations.discard)

    async def _run_rotation(self, arn: str, function: str, token: str) -> None:
        """The four steps, in order, each a synchronous invocation of the rotation function.
        https://docs.aws.amazon.com/secretsmanager/latest/userguide/rotate-secrets_lambda-functions.html
        """
        assert self._rotate is not None
        for step in ROTATION_STEPS:
            event = {
                "Step": step,
                "SecretId": arn,
                "ClientRequestToken": token,
                "RotationToken": str(uuid.uuid4()),
            }
            try:
                await self._rotate(function, event)
            except Exception as error:  # the function failed: rotation stops at this step
                log.warning("rotation of %s failed at %s: %s", arn, step, error)
                return
        secret = self.store.by_arn(arn)
        if secret is None:
            return
        current = secret.staged(CURRENT)
        if current is not None and current.version_id == token:
            secret.last_rotated = self.now()
            self.store.put(secret)
        else:
            log.warning("rotation of %s ended without %s moving to version %s", arn, CURRENT, token)


def move_stage(secret: Secret, stage: str, target: Version) -> None:
    """Attach `stage` to `target`, removing it from the version that had it; moving
    AWSCURRENT marks the version that had it AWSPREVIOUS."""
    holder = secret.staged(stage)
    if holder is target:
        return
    if holder is not None:
        holder.stages.remove(stage)
        if stage == CURRENT:
            move_stage(secret, PREVIOUS, holder)
    target.stages.append(stage)


def _trim(secret: Secret) -> None:
    unlabelled = [v for v in secret.versions if not v.stages]
    excess = len(secret.versions) - MAX_VERSIONS
    for version in sorted(unlabelled, key=lambda v: v.created)[: max(excess, 0)]:
        secret.versions.remove(version)


def _time(epoch: float) -> datetime:
    return datetime.fromtimestamp(epoch, UTC)


# -- operations -------------------------------------------------------------------------


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


def _create_secret(sm: SecretsManagerProvider, params: OperationInput) -> OperationOutput:
    return create_secret(sm, params)


def create_secret(
    sm: SecretsManagerProvider, params: Mapping[str, Any], arn: str | None = None
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


def _get_secret_value(sm: SecretsManagerProvider, params: OperationInput) -> OperationOutput:
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
        "CreatedDate": _time(version.created),
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


def _batch_get_secret_value(sm: SecretsManagerProvider, params: OperationInput) -> OperationOutput:
    # https://docs.aws.amazon.com/secretsmanager/latest/apireference/API_BatchGetSecretValue.html
    if params.get("Filters"):
        names = [s.name for s in _filtered(sm, params.get("Filters", []), deleted=False)]
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


def _put_secret_value(sm: SecretsManagerProvider, params: OperationInput) -> OperationOutput:
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


def _update_secret(sm: SecretsManagerProvider, params: OperationInput) -> OperationOutput:
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


def _delete_secret(sm: SecretsManagerProvider, params: OperationInput) -> OperationOutput:
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
        return {"ARN": secret.arn, "Name": secret.name, "DeletionDate": _time(now)}
    if secret.deleted is None:
        secret.deleted = now
        secret.delete_at = now + int(days or DEFAULT_RECOVERY_DAYS) * _DAY_S
        sm.store.put(secret)
    assert secret.delete_at is not None
    return {"ARN": secret.arn, "Name": secret.name, "DeletionDate": _time(secret.delete_at)}


def _restore_secret(sm: SecretsManagerProvider, params: OperationInput) -> OperationOutput:
    secret = sm.find(params["SecretId"], allow_deleted=True)
    secret.deleted = None
    secret.delete_at = None
    sm.store.put(secret)
    return {"ARN": secret.arn, "Name": secret.name}


def _describe_secret(sm: SecretsManagerProvider, params: OperationInput) -> OperationOutput:
    return _description(sm.find(params["SecretId"], allow_deleted=True))


def _description(secret: Secret) -> dict[str, Any]:
    described: dict[str, Any] = {"ARN": secret.arn, "Name": secret.name}
    if secret.description is not None:
        described["Description"] = secret.description
    if secret.kms_key_id is not None:
        described["KmsKeyId"] = secret.kms_key_id
    described["RotationEnabled"] = secret.rotation_enabled
    if secret.rotation_lambda_arn is not None:
        described["RotationLambdaARN"] = secret.rotation_lambda_arn
    if secret.rotation_rules is not None:
        described["RotationRules"] = secret.rotation_rules
    if secret.last_rotated is not None:
        described["LastRotatedDate"] = _time(secret.last_rotated)
    described["LastChangedDate"] = _time(secret.changed)
    if secret.last_accessed is not None:
        # Secrets Manager records the day of the last access, not the time.
        # https://docs.aws.amazon.com/secretsmanager/latest/apireference/API_DescribeSecret.html
        described["LastAccessedDate"] = _time(secret.last_accessed // _DAY_S * _DAY_S)
    if secret.deleted is not None:
        described["DeletedDate"] = _time(secret.deleted)
    if secret.tags:
        described["Tags"] = [{"Key": k, "Value": v} for k, v in secret.tags.items()]
    described["VersionIdsToStages"] = {
        version.version_id: list(version.stages) for version in secret.versions if version.stages
    }
    described["CreatedDate"] = _time(secret.created)
    return described


def _filtered(
    sm: SecretsManagerProvider, filters: list[dict[str, Any]], *, deleted: bool
) -> list[Secret]:
    # Filter keys and their prefix matching.
    # https://docs.aws.amazon.com/secretsmanager/latest/apireference/API_Filter.html
    found = []
    for secret in sm.store.all_secrets():
        if secret.delete_at is not None and secret.delete_at <= sm.now():
            continue
        if secret.deleted is not None and not deleted:
            continue
        if all(_matches(secret, entry) for entry in filters):
            found.append(secret)
    return found


def _matches(secret: Secret, entry: Mapping[str, Any]) -> bool:
    key = entry.get("Key")
    values = [str(v) for v in entry.get("Values", [])]
    fields: dict[str, list[str]] = {
        "name": [secret.name],
        "description": [secret.description or ""],
        "tag-key": list(secret.tags),
        "tag-value": list(secret.tags.values()),
        "primary-region": [],
        "owning-service": [],
    }
    if key == "all":
        candidates = [text for texts in fields.values() for text in texts]
    else:
        candidates = fields.get(str(key), [])
    for value in values:
        negate = value.startswith("!")
        wanted = value[1:] if negate else value
        hit = any(text.lower().startswith(wanted.lower()) for text in candidates)
        if hit == negate:
            return False
    return True


def _list_secrets(sm: SecretsManagerProvider, params: OperationInput) -> OperationOutput:
    found = _filtered(
        sm, params.get("Filters", []), deleted=bool(params.get("IncludePlannedDeletion"))
    )
    # Listed by CreatedDate unless SortBy says otherwise; SortOrder asc or desc.
    # https://docs.aws.amazon.com/secretsmanager/latest/apireference/API_ListSecrets.html
    sort_keys: dict[str, Callable[[Secret], Any]] = {
        "created-date": lambda secret: secret.created,
        "last-accessed-date": lambda secret: secret.last_accessed or 0.0,
        "last-changed-date": lambda secret: secret.changed,
        "name": lambda secret: secret.name,
    }
    key = sort_keys.get(str(params.get("SortBy", "created-date")), sort_keys["created-date"])
    found.sort(key=key, reverse=params.get("SortOrder") == "desc")
    entries = [_description(secret) for secret in found]
    for entry in entries:
        entry["SecretVersionsToStages"] = entry.pop("VersionIdsToStages")
    return _page(entries, "SecretList", params)


def _page(entries: list[dict[str, Any]], name: str, params: OperationInput) -> OperationOutput:
    limit = int(params.get("MaxResults", 100))
    token = params.get("NextToken")
    start = int(token) if token and str(token).isdigit() else 0
    output: dict[str, Any] = {name: entries[start : start + limit]}
    if start + limit < len(entries):
        output["NextToken"] = str(start + limit)
    return output


def _list_versions(sm: SecretsManagerProvider, params: OperationInput) -> OperationOutput:
    secret = sm.find(params["SecretId"], allow_deleted=True)
    include_deprecated = bool(params.get("IncludeDeprecated"))
    entries = []
    for version in secret.versions:
        if not version.stages and not include_deprecated:
            continue
        entry: dict[str, Any] = {
            "VersionId": version.version_id,
            "VersionStages": list(version.stages),
            "CreatedDate": _time(version.created),
        }
        entries.append(entry)
    output = _page(entries, "Versions", params)
    return {**output, "ARN": secret.arn, "Name": secret.name}


def _update_version_stage(sm: SecretsManagerProvider, params: OperationInput) -> OperationOutput:
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
    _trim(secret)
    secret.changed = sm.now()
    sm.store.put(secret)
    return {"ARN": secret.arn, "Name": secret.name}


def _random_password(sm: SecretsManagerProvider, params: OperationInput) -> OperationOutput:
    # https://docs.aws.amazon.com/secretsmanager/latest/apireference/API_GetRandomPassword.html
    length = int(params.get("PasswordLength", DEFAULT_PASSWORD_LENGTH))
    if not 1 <= length <= MAX_PASSWORD_LENGTH:
        raise ServiceError(
            "InvalidParameterException",
            f"PasswordLength must be between 1 and {MAX_PASSWORD_LENGTH}.",
        )
    return {"RandomPassword": random_password(length, params)}


def random_password(length: int, options: Mapping[str, Any]) -> str:
    """GetRandomPassword's rules (also used by GenerateSecretString in templates)."""
    excluded = set(str(options.get("ExcludeCharacters", "")))
    groups = []
    for flag, alphabet in (
        ("ExcludeLowercase", string.ascii_lowercase),
        ("ExcludeUppercase", string.ascii_uppercase),
        ("ExcludeNumbers", string.digits),
        ("ExcludePunctuation", PUNCTUATION),
    ):
        if not options.get(flag):
            allowed = "".join(char for char in alphabet if char not in excluded)
            if allowed:
                groups.append(allowed)
    if options.get("IncludeSpace") and " " not in excluded:
        groups.append(" ")
    if not groups:
        raise ServiceError(
            "InvalidParameterException", "The password can't be built: every character is excluded."
        )
    require_each = options.get("RequireEachIncludedType", True)
    if require_each and length < len(groups):
        raise ServiceError(
            "InvalidParameterException",
            "The password length is too short to include every required character type.",
        )
    everything = "".join(groups)
    while True:
        password = "".join(random.choice(everything) for _ in range(length))
        if not require_each or all(any(char in group for char in password) for group in groups):
            return password


def _rotate_secret(sm: SecretsManagerProvider, params: OperationInput) -> OperationOutput:
    # https://docs.aws.amazon.com/secretsmanager/latest/apireference/API_RotateSecret.html
    secret = sm.find(params["SecretId"])
    if params.get("RotationLambdaARN"):
        secret.rotation_lambda_arn = params["RotationLambdaARN"]
    if params.get("RotationRules"):
        secret.rotation_rules = dict(params["RotationRules"])
    if secret.rotation_lambda_arn is None:
        raise ServiceError(
            "InvalidRequestException",
            "No Lambda rotation function ARN is associated with this secret.",
        )
    secret.rotation_enabled = True
    token = params.get("ClientRequestToken") or str(uuid.uuid4())
    sm.store.put(secret)
    output: dict[str, Any] = {"ARN": secret.arn, "Name": secret.name}
    if params.get("RotateImmediately", True):
        sm.start_rotation(secret, token)
        output["VersionId"] = token
    return output


def _cancel_rotate_secret(sm: SecretsManagerProvider, params: OperationInput) -> OperationOutput:
    secret = sm.find(params["SecretId"])
    secret.rotation_enabled = False
    pending = secret.staged(PENDING)
    sm.store.put(secret)
    output: dict[str, Any] = {"ARN": secret.arn, "Name": secret.name}
    if pending is not None:
        output["VersionId"] = pending.version_id
    return output


def _tag(sm: SecretsManagerProvider, params: OperationInput) -> OperationOutput:
    secret = sm.find(params["SecretId"])
    secret.tags.update({tag["Key"]: tag["Value"] for tag in params["Tags"]})
    sm.store.put(secret)
    return {}


def _untag(sm: SecretsManagerProvider, params: OperationInput) -> OperationOutput:
    secret = sm.find(params["SecretId"])
    for key in params["TagKeys"]:
        secret.tags.pop(key, None)
    sm.store.put(secret)
    return {}


def _get_policy(sm: SecretsManagerProvider, params: OperationInput) -> OperationOutput:
    secret = sm.find(params["SecretId"])
    output: dict[str, Any] = {"ARN": secret.arn, "Name": secret.name}
    if secret.policy is not None:
        output["ResourcePolicy"] = secret.policy
    return output


def _put_policy(sm: SecretsManagerProvider, params: OperationInput) -> OperationOutput:
    secret = sm.find(params["SecretId"])
    secret.policy = params["ResourcePolicy"]
    sm.store.put(secret)
    return {"ARN": secret.arn, "Name": secret.name}


def _delete_policy(sm: SecretsManagerProvider, params: OperationInput) -> OperationOutput:
    secret = sm.find(params["SecretId"])
    secret.policy = None
    sm.store.put(secret)
    return {"ARN": secret.arn, "Name": secret.name}


_OPERATIONS: dict[str, Operation[SecretsManagerProvider]] = {
    "CreateSecret": _create_secret,
    "GetSecretValue": _get_secret_value,
    "BatchGetSecretValue": _batch_get_secret_value,
    "PutSecretValue": _put_secret_value,
    "UpdateSecret": _update_secret,
    "DeleteSecret": _delete_secret,
    "RestoreSecret": _restore_secret,
    "DescribeSecret": _describe_secret,
    "ListSecrets": _list_secrets,
    "ListSecretVersionIds": _list_versions,
    "UpdateSecretVersionStage": _update_version_stage,
    "GetRandomPassword": _random_password,
    "RotateSecret": _rotate_secret,
    "CancelRotateSecret": _cancel_rotate_secret,
    "TagResource": _tag,
    "UntagResource": _untag,
    "GetResourcePolicy": _get_policy,
    "PutResourcePolicy": _put_policy,
    "DeleteResourcePolicy": _delete_policy,
}
