"""KmsProvider: the botocore "kms" service (JSON 1.1, TrentService): a KeyService with the
API's operations bound to it.

API reference: https://docs.aws.amazon.com/kms/latest/APIReference/API_Operations.html
Key states and what each allows:
https://docs.aws.amazon.com/kms/latest/developerguide/key-state.html
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from lamina.aws.policy import parsed_statements
from lamina.aws.service import Handler, ServiceError, bind_operations
from lamina.services.kms.keys import KeyService, blob_key_id
from lamina.services.kms.master import MasterKey
from lamina.services.kms.operations import OPERATIONS
from lamina.services.kms.store import KeyRecord


class KmsProvider(KeyService):
    # KMS errors carry a bare __type ("NotFoundException").
    error_namespace = None

    def __init__(
        self,
        *,
        state_dir: Path,
        region: str,
        account_id: str,
        master: MasterKey | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        super().__init__(
            state_dir=state_dir, region=region, account_id=account_id, master=master, clock=clock
        )
        self._handlers = bind_operations(self, OPERATIONS)

    @property
    def service_name(self) -> str:
        return "kms"

    def handlers(self) -> Mapping[str, Handler]:
        return self._handlers

    def resource_arns(self, operation: str, params: Mapping[str, Any]) -> list[str] | None:
        """The key a call acts on, for IAM: named by id, ARN or alias, or (Decrypt,
        ReEncrypt) by the ciphertext itself."""
        record = self._key_named(params)
        return None if record is None else [record.arn]

    def resource_policy(self, operation: str, params: Mapping[str, Any]) -> list[Mapping[str, Any]]:
        """The key policy of the key a call acts on, for aws.authorize: the primary
        control of access to a KMS key.
        https://docs.aws.amazon.com/kms/latest/developerguide/key-policies.html"""
        record = self._key_named(params)
        return list(parsed_statements(record.policy)) if record and record.policy else []

    def _key_named(self, params: Mapping[str, Any]) -> KeyRecord | None:
        """The key the call's parameters name (one store read); None when they name none
        or an unknown one (the operation answers NotFound itself)."""
        ref = params.get("KeyId") or params.get("TargetKeyId") or params.get("SourceKeyId")
        if ref is None and isinstance(params.get("CiphertextBlob"), bytes):
            ref = blob_key_id(params["CiphertextBlob"])
        if ref is None:
            return None
        try:
            return self.find(str(ref))
        except ServiceError:
            return None
