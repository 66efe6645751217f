"""SecretService: secrets, versions and staging labels, and rotation.

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
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from lamina.aws.service import (
    ServiceError,
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


class SecretService:
    """Secrets, their versions and labels, encrypted under KMS; rotation in the background."""

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
        self.rotating: set[str] = set()
        """The ARNs of the secrets those rotations are for (the scheduler skips them)."""

    def close(self) -> None:
        for task in self.rotations:
            task.cancel()
        self.store.close()

    def now(self) -> float:
        return self._clock()

    @property
    def can_rotate(self) -> bool:
        """Whether rotation functions can be invoked at all (a rotation invoker was given)."""
        return self._rotate is not None

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
        trim(secret)
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
        self.rotating.add(secret.arn)
        arn = secret.arn

        def finished(done: asyncio.Task[None]) -> None:
            self.rotations.discard(done)
            self.rotating.discard(arn)

        task.add_done_callback(finished)

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


def trim(secret: Secret) -> None:
    unlabelled = [v for v in secret.versions if not v.stages]
    excess = len(secret.versions) - MAX_VERSIONS
    for version in sorted(unlabelled, key=lambda v: v.created)[: max(excess, 0)]:
        secret.versions.remove(version)


def time_of(epoch: float) -> datetime:
    return datetime.fromtimestamp(epoch, UTC)
