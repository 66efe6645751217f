"""Calls a service makes to KMS with its caller's permissions (forward access): Secrets
Manager encrypting or decrypting a secret's value asks KMS on behalf of whoever called
it, with kms:ViaService naming the service, so the key policy and the caller's own
policies decide.

https://docs.aws.amazon.com/kms/latest/developerguide/conditions-kms.html#conditions-kms-via-service
https://docs.aws.amazon.com/secretsmanager/latest/userguide/security-encryption.html
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from contextvars import ContextVar
from typing import Any

from lamina.aws.authorize import authorize
from lamina.aws.credentials import CredentialStore, root_identity
from lamina.aws.service import ServiceError

CALLER: ContextVar[tuple[str, str] | None] = ContextVar("lamina_forward_caller", default=None)
"""(access key, source IP) of the AWS call being served, set by the service handling it;
None for Lamina's own work (rotation schedules, template provisioning), which is not
checked."""

KeyPolicyOf = Callable[[str], Sequence[Mapping[str, Any]]]
"""A key ARN -> its key policy's statements."""


class ForwardAccess:
    def __init__(
        self,
        credentials: CredentialStore,
        key_policy: KeyPolicyOf,
        *,
        service: str,
        region: str,
        account_id: str,
        enforced: Callable[[], bool],
    ) -> None:
        self._credentials = credentials
        self._key_policy = key_policy
        self._via = f"{service}.{region}.amazonaws.com"
        self._region = region
        self._account = account_id
        self._enforced = enforced

    def check(self, operation: str, key_arn: str, encryption_context: Mapping[str, str]) -> None:
        """Raise AccessDeniedException unless the current caller may `kms:{operation}` the
        key through the service. The message is the one Secrets Manager gives. [reported]"""
        caller = CALLER.get()
        if caller is None:
            return
        access_key, source_ip = caller
        identity = self._credentials.known_identity(access_key)
        if identity is None:
            identity = root_identity(access_key, "", self._account)
        elif not self._enforced():
            return
        try:
            authorize(
                identity,
                "kms",
                operation,
                [key_arn],
                source_ip=source_ip,
                resource_statements=self._key_policy(key_arn),
                params={"EncryptionContext": dict(encryption_context)},
                region=self._region,
                extra={"kms:viaservice": self._via, "aws:viaawsservice": "true"},
            )
        except ServiceError:
            raise ServiceError("AccessDeniedException", "Access to KMS is not allowed") from None
