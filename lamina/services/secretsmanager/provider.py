"""SecretsManagerProvider: the botocore "secretsmanager" service (JSON 1.1): a
SecretService with the API's operations bound to it.

API reference: https://docs.aws.amazon.com/secretsmanager/latest/apireference/API_Operations.html
Versions and staging labels:
https://docs.aws.amazon.com/secretsmanager/latest/userguide/whats-in-a-secret.html
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from lamina.aws.forward import CALLER
from lamina.aws.policy import parsed_statements
from lamina.aws.service import (
    AwsRequestContext,
    Handler,
    OperationInput,
    OperationOutput,
    ServiceError,
    bind_operations,
)
from lamina.services.kms.provider import KmsProvider
from lamina.services.secretsmanager.operations import OPERATIONS
from lamina.services.secretsmanager.scheduler import RotationScheduler
from lamina.services.secretsmanager.service import RotationInvoker, SecretService


class SecretsManagerProvider(SecretService):
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
        rotation_check_s: float = 60.0,
    ) -> None:
        super().__init__(
            state_dir=state_dir,
            region=region,
            account_id=account_id,
            kms=kms,
            rotate=rotate,
            clock=clock,
        )
        self._handlers = {
            name: _as_caller(handler) for name, handler in bind_operations(self, OPERATIONS).items()
        }
        self.scheduler = RotationScheduler(self, interval_s=rotation_check_s)

    async def start(self) -> None:
        """Start the rotation scheduler (once the functions it invokes can be reached)."""
        await self.scheduler.start()

    def close(self) -> None:
        self.scheduler.cancel()
        super().close()

    @property
    def service_name(self) -> str:
        return "secretsmanager"

    def handlers(self) -> Mapping[str, Handler]:
        return self._handlers

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

    def resource_policy(self, operation: str, params: Mapping[str, Any]) -> list[Mapping[str, Any]]:
        """The resource policy of the secret a call acts on, for aws.authorize (combined
        with the caller's identity policies: an explicit Deny in either denies, an Allow in
        either allows within the account).
        https://docs.aws.amazon.com/secretsmanager/latest/userguide/auth-and-access_resource-policies.html"""
        if "SecretId" not in params:
            return []
        try:
            secret = self.find(str(params["SecretId"]), allow_deleted=True)
        except ServiceError:
            return []
        return list(parsed_statements(secret.policy)) if secret.policy else []


def _as_caller(handler: Handler) -> Handler:
    """The handler, with its caller known to the KMS checks made on its behalf
    (aws/forward.py)."""

    async def run(ctx: AwsRequestContext, params: OperationInput) -> OperationOutput:
        caller = (ctx.access_key, ctx.source_ip) if ctx.access_key else None
        token = CALLER.set(caller)
        try:
            return await handler(ctx, params)
        finally:
            CALLER.reset(token)

    return run
