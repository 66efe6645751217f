"""Secret values encrypted at rest under a KMS key, by envelope encryption as Secrets
Manager does: a fresh data key per version, itself encrypted by the KMS key with the
encryption context {SecretARN, SecretVersionId}.
https://docs.aws.amazon.com/secretsmanager/latest/userguide/security-encryption.html
"""

from __future__ import annotations

import os
import struct
from collections.abc import Callable, Mapping

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from lamina.aws.service import ServiceError
from lamina.services.kms import specs
from lamina.services.kms.keys import blob_key_id
from lamina.services.kms.provider import KmsProvider
from lamina.services.kms.store import KeyRecord

SERVICE = "secretsmanager"
KmsCheck = Callable[[str, str, Mapping[str, str]], None]
"""(kms operation, key ARN, encryption context) -> raises when the caller may not."""
_NONCE = 12
_LENGTH = struct.Struct(">I")


class Vault:
    def __init__(self, kms: KmsProvider) -> None:
        self._kms = kms
        self.check: KmsCheck | None = None
        """Asks whether the caller may use the key through Secrets Manager (aws/forward.py);
        None: not checked."""

    def seal(self, key_ref: str | None, arn: str, version_id: str, value: bytes) -> bytes:
        """wrapped data key length | wrapped data key | nonce | AES-GCM(value)."""
        record = self._key(key_ref)
        if self.check is not None:
            self.check("GenerateDataKey", record.arn, _context(arn, version_id))
        data_key = AESGCM.generate_key(bit_length=256)
        wrapped = self._kms.encrypt(record, data_key, _context(arn, version_id), specs.SYMMETRIC)
        nonce = os.urandom(_NONCE)
        sealed = AESGCM(data_key).encrypt(nonce, value, arn.encode() + version_id.encode())
        return _LENGTH.pack(len(wrapped)) + wrapped + nonce + sealed

    def open(self, arn: str, version_id: str, blob: bytes) -> bytes:
        (length,) = _LENGTH.unpack_from(blob)
        start = _LENGTH.size
        wrapped = blob[start : start + length]
        nonce = blob[start + length : start + length + _NONCE]
        sealed = blob[start + length + _NONCE :]
        key_id = blob_key_id(wrapped)
        if self.check is not None and key_id is not None:
            self.check("Decrypt", self._kms.key_arn(key_id), _context(arn, version_id))
        try:
            _, data_key = self._kms.decrypt(
                wrapped, _context(arn, version_id), None, specs.SYMMETRIC
            )
        except ServiceError as error:
            # The secret's key is disabled or gone: Secrets Manager reports it as its own
            # DecryptionFailure.
            # https://docs.aws.amazon.com/secretsmanager/latest/apireference/API_GetSecretValue.html
            raise ServiceError(
                "DecryptionFailure",
                f"Secrets Manager can't decrypt the protected secret text using the provided "
                f"KMS key. ({error.code})",
            ) from None
        try:
            return AESGCM(data_key).decrypt(nonce, sealed, arn.encode() + version_id.encode())
        except InvalidTag:
            raise ServiceError(
                "DecryptionFailure",
                "Secrets Manager can't decrypt the protected secret text using the provided "
                "KMS key.",
            ) from None

    def check_key(self, key_ref: str | None) -> None:
        """Fail now (at CreateSecret / UpdateSecret) when the named key cannot encrypt."""
        self._key(key_ref)

    def _key(self, key_ref: str | None) -> KeyRecord:
        if key_ref is None:
            return self._kms.managed_key(SERVICE)
        try:
            return self._kms.usable(key_ref, specs.ENCRYPT_DECRYPT)
        except ServiceError as error:
            raise ServiceError(
                "EncryptionFailure",
                f"Secrets Manager can't encrypt the protected secret text using the provided "
                f"KMS key. ({error.code}: {error.message})",
            ) from None


def _context(arn: str, version_id: str) -> dict[str, str]:
    return {"SecretARN": arn, "SecretVersionId": version_id}
