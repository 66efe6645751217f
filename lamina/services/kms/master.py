"""The master key that wraps every KMS key's material at rest.

It is kept apart from the key store (which holds only wrapped material): in the
LAMINA_KMS_MASTER_KEY environment variable (base64 of 32 bytes) or, by default, in a
file readable only by its owner next to the store.
"""

from __future__ import annotations

import base64
import os
from pathlib import Path

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from lamina.core.error import LaminaError

MASTER_KEY_ENV = "LAMINA_KMS_MASTER_KEY"
_NONCE_BYTES = 12


class MasterKeyError(LaminaError):
    """The master key given (env var or file) is not 32 bytes of base64."""


class MasterKey:
    def __init__(self, key: bytes) -> None:
        if len(key) != 32:
            raise MasterKeyError("the KMS master key must be 32 bytes")
        self._aead = AESGCM(key)

    @classmethod
    def load(cls, path: Path) -> MasterKey:
        """From the environment, else from `path`, created (0600) on first use."""
        encoded = os.environ.get(MASTER_KEY_ENV)
        if encoded:
            try:
                return cls(base64.b64decode(encoded, validate=True))
            except ValueError as error:
                raise MasterKeyError(f"{MASTER_KEY_ENV} is not base64: {error}") from None
        if path.exists():
            return cls(path.read_bytes())
        path.parent.mkdir(parents=True, exist_ok=True)
        key = AESGCM.generate_key(bit_length=256)
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "wb") as file:
            file.write(key)
            file.flush()
            os.fsync(file.fileno())
        return cls(key)

    def wrap(self, material: bytes, key_id: str) -> bytes:
        """Encrypt `material`, bound to `key_id` so wrapped blobs cannot be swapped."""
        nonce = os.urandom(_NONCE_BYTES)
        return nonce + self._aead.encrypt(nonce, material, key_id.encode())

    def unwrap(self, wrapped: bytes, key_id: str) -> bytes:
        nonce, sealed = wrapped[:_NONCE_BYTES], wrapped[_NONCE_BYTES:]
        return self._aead.decrypt(nonce, sealed, key_id.encode())
