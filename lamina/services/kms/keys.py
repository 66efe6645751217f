"""KeyService: KMS keys and what they do — create, find by id / ARN / alias, states,
encryption with encryption context, signing — over a KeyStore.

API reference: https://docs.aws.amazon.com/kms/latest/APIReference/API_Operations.html
Key states and what each allows:
https://docs.aws.amazon.com/kms/latest/developerguide/key-state.html
"""

from __future__ import annotations

import os
import time
import uuid
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson
from cryptography.exceptions import InvalidSignature, InvalidTag
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.asymmetric.utils import Prehashed
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from lamina.aws.service import ServiceError
from lamina.services.kms import specs
from lamina.services.kms.master import MasterKey
from lamina.services.kms.store import AliasRecord, KeyRecord, KeyStore

ALIAS_PREFIX = "alias/"
# Aliases under alias/aws/ are reserved for AWS managed keys.
# https://docs.aws.amazon.com/kms/latest/APIReference/API_CreateAlias.html
RESERVED_ALIAS_PREFIX = "alias/aws/"
MIN_PENDING_DAYS, MAX_PENDING_DAYS, DEFAULT_PENDING_DAYS = 7, 30, 30
MAX_DATA_KEY_BYTES = 1024
MAX_RAW_MESSAGE_BYTES = 4096
MAX_PLAINTEXT_BYTES = 4096

# Our symmetric ciphertext: version | key id (36 ASCII) | nonce (12) | AES-GCM output.
# AWS's blob is opaque but, like this one, names its key, so Decrypt needs no KeyId.
_BLOB_VERSION = b"\x01"
_KEY_ID_LEN = 36
_NONCE_LEN = 12


class KeyService:
    def __init__(
        self,
        *,
        state_dir: Path,
        region: str,
        account_id: str,
        master: MasterKey | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        folder = state_dir / "kms"
        self.store = KeyStore(folder / "keys.sqlite")
        self._master = master or MasterKey.load(folder / "master.key")
        self._region = region
        self._account = account_id
        self._clock = clock

    def close(self) -> None:
        self.store.close()

    def key_arn(self, key_id: str) -> str:
        return f"arn:aws:kms:{self._region}:{self._account}:key/{key_id}"

    def alias_arn(self, name: str) -> str:
        return f"arn:aws:kms:{self._region}:{self._account}:{name}"

    def create_key(
        self,
        *,
        spec: str = specs.SYMMETRIC,
        usage: str | None = None,
        description: str = "",
        policy: str | None = None,
        tags: Mapping[str, str] | None = None,
        key_id: str | None = None,
    ) -> KeyRecord:
        if spec not in specs.SUPPORTED_SPECS:
            raise ServiceError("UnsupportedOperationException", f"KeySpec {spec} is not supported")
        usage = usage or specs.usages(spec)[0]
        if usage not in specs.usages(spec):
            raise ServiceError(
                "ValidationException", f"KeyUsage {usage} is not compatible with KeySpec {spec}"
            )
        key_id = key_id or str(uuid.uuid4())
        record = KeyRecord(
            key_id=key_id,
            arn=self.key_arn(key_id),
            spec=spec,
            usage=usage,
            created=self._clock(),
            description=description,
            policy=policy or self._default_policy(),
            tags=dict(tags or {}),
            wrapped_material=self._master.wrap(specs.generate(spec), key_id),
        )
        self.store.put(record)
        return record

    def managed_key(self, service: str) -> KeyRecord:
        """The AWS managed key a service encrypts with by default (`alias/aws/{service}`),
        created the first time it is needed, as AWS does.
        https://docs.aws.amazon.com/kms/latest/developerguide/concepts.html#aws-managed-key
        """
        name = f"{RESERVED_ALIAS_PREFIX}{service}"
        alias = self.store.alias(name)
        policy = self._managed_policy(service)
        if alias is not None:
            found = self.find(alias.key_id)
            if found.policy != policy:  # made by an earlier Lamina, with the default policy
                found.policy = policy
                self.store.put(found)
            return found
        record = self.create_key(
            description=f"Default key that protects my {service} data", policy=policy
        )
        record.manager = "AWS"
        self.store.put(record)
        now = self._clock()
        self.store.put_alias(AliasRecord(name=name, key_id=record.key_id, created=now, updated=now))
        return record

    def _managed_policy(self, service: str) -> str:
        """An AWS managed key's policy: every principal of the account may use it through
        the service (kms:ViaService), and the account may read its metadata; direct use
        of the key needs more than IAM policies can give.
        https://docs.aws.amazon.com/kms/latest/developerguide/concepts.html#aws-managed-key
        https://docs.aws.amazon.com/secretsmanager/latest/userguide/security-encryption.html"""
        return orjson.dumps(
            {
                "Version": "2012-10-17",
                "Id": f"auto-{service}-2",
                "Statement": [
                    {
                        "Sid": f"Allow access through {service} for all principals in the account",
                        "Effect": "Allow",
                        "Principal": {"AWS": "*"},
                        "Action": [
                            "kms:Encrypt",
                            "kms:Decrypt",
                            "kms:ReEncrypt*",
                            "kms:GenerateDataKey*",
                            "kms:CreateGrant",
                            "kms:DescribeKey",
                        ],
                        "Resource": "*",
                        "Condition": {
                            "StringEquals": {
                                "kms:ViaService": f"{service}.{self._region}.amazonaws.com",
                                "kms:CallerAccount": self._account,
                            }
                        },
                    },
                    {
                        "Sid": "Allow direct access to key metadata to the account",
                        "Effect": "Allow",
                        "Principal": {"AWS": f"arn:aws:iam::{self._account}:root"},
                        "Action": ["kms:Describe*", "kms:Get*", "kms:List*", "kms:RevokeGrant"],
                        "Resource": "*",
                    },
                ],
            }
        ).decode()

    def _default_policy(self) -> str:
        # The default key policy: the account (its root) may do everything with the key.
        # https://docs.aws.amazon.com/kms/latest/developerguide/key-policy-default.html
        return orjson.dumps(
            {
                "Version": "2012-10-17",
                "Id": "key-default-1",
                "Statement": [
                    {
                        "Sid": "Enable IAM User Permissions",
                        "Effect": "Allow",
                        "Principal": {"AWS": f"arn:aws:iam::{self._account}:root"},
                        "Action": "kms:*",
                        "Resource": "*",
                    }
                ],
            },
            option=orjson.OPT_INDENT_2,
        ).decode()

    def find(self, key_ref: str) -> KeyRecord:
        """A key by id, key ARN, alias name or alias ARN; a key whose deletion date has
        passed is deleted now (KMS deletes it at the end of its waiting period)."""
        key_id = self._key_id_of(key_ref)
        record = self.store.get(key_id)
        deletion = record.deletion_date if record is not None else None
        if deletion is not None and deletion <= self._clock():
            self.store.delete(key_id)
            record = None
        if record is None:
            raise ServiceError("NotFoundException", f"Key '{self.key_arn(key_id)}' does not exist")
        return record

    def _key_id_of(self, key_ref: str) -> str:
        name = key_ref
        if key_ref.startswith("arn:"):
            resource = key_ref.split(":", 5)[-1]
            if resource.startswith("key/"):
                return resource.removeprefix("key/")
            name = resource
        if name.startswith(ALIAS_PREFIX):
            alias = self.store.alias(name)
            if alias is None:
                raise ServiceError(
                    "NotFoundException", f"Alias {self.alias_arn(name)} is not found."
                )
            return alias.key_id
        return key_ref

    def usable(self, key_ref: str, usage: str) -> KeyRecord:
        """A key that may be used for a cryptographic operation now."""
        record = self.find(key_ref)
        if record.deletion_date is not None:
            raise ServiceError("KMSInvalidStateException", f"{record.arn} is pending deletion.")
        if not record.enabled:
            raise ServiceError("DisabledException", f"{record.arn} is disabled.")
        if record.usage != usage:
            raise ServiceError(
                "InvalidKeyUsageException",
                f"{record.arn} key usage is {record.usage} which is not valid for this operation.",
            )
        return record

    def material(self, record: KeyRecord) -> bytes:
        return self._master.unwrap(record.wrapped_material, record.key_id)

    def metadata(self, record: KeyRecord) -> dict[str, Any]:
        metadata: dict[str, Any] = {
            "AWSAccountId": self._account,
            "KeyId": record.key_id,
            "Arn": record.arn,
            "CreationDate": time_of(record.created),
            "Enabled": record.enabled and record.deletion_date is None,
            "Description": record.description,
            "KeyUsage": record.usage,
            "KeyState": record.state,
            "Origin": "AWS_KMS",
            "KeyManager": record.manager,
            "CustomerMasterKeySpec": record.spec,
            "KeySpec": record.spec,
            "MultiRegion": False,
        }
        if record.deletion_date is not None:
            metadata["DeletionDate"] = time_of(record.deletion_date)
            metadata["PendingDeletionWindowInDays"] = record.pending_window_days
        encryption = specs.encryption_algorithms(record.spec, record.usage)
        if encryption:
            metadata["EncryptionAlgorithms"] = encryption
        signing = specs.signing_algorithms(record.spec, record.usage)
        if signing:
            metadata["SigningAlgorithms"] = signing
        return metadata

    # -- encryption ---------------------------------------------------------------------

    def encrypt(
        self, record: KeyRecord, plaintext: bytes, context: Mapping[str, str], algorithm: str
    ) -> bytes:
        material = self.material(record)
        if record.spec == specs.SYMMETRIC:
            if algorithm != specs.SYMMETRIC:
                raise bad_algorithm(algorithm, record)
            nonce = os.urandom(_NONCE_LEN)
            header = _BLOB_VERSION + record.key_id.encode()
            sealed = AESGCM(material).encrypt(nonce, plaintext, header + _canonical(context))
            return header + nonce + sealed
        if algorithm not in specs.RSA_ENCRYPTION:
            raise bad_algorithm(algorithm, record)
        if context:
            # https://docs.aws.amazon.com/kms/latest/developerguide/encrypt_context.html
            raise ServiceError(
                "ValidationException",
                "EncryptionContext is not supported with asymmetric KMS keys",
            )
        private = specs.private_key(material)
        assert isinstance(private, rsa.RSAPrivateKey)
        return private.public_key().encrypt(plaintext, specs.oaep(algorithm))

    def decrypt(
        self,
        blob: bytes,
        context: Mapping[str, str],
        key_ref: str | None,
        algorithm: str,
    ) -> tuple[KeyRecord, bytes]:
        if algorithm == specs.SYMMETRIC:
            blob_key = blob_key_id(blob)
            if blob_key is None:
                raise _invalid_ciphertext()
            record = self.usable(blob_key, specs.ENCRYPT_DECRYPT)
            if key_ref is not None and self.find(key_ref).key_id != record.key_id:
                raise ServiceError(
                    "IncorrectKeyException",
                    "The key ID in the request does not identify a KMS key that can perform "
                    "this operation.",
                )
            header = blob[: 1 + _KEY_ID_LEN]
            nonce = blob[1 + _KEY_ID_LEN : 1 + _KEY_ID_LEN + _NONCE_LEN]
            sealed = blob[1 + _KEY_ID_LEN + _NONCE_LEN :]
            try:
                plaintext = AESGCM(self.material(record)).decrypt(
                    nonce, sealed, header + _canonical(context)
                )
            except InvalidTag:
                raise _invalid_ciphertext() from None
            return record, plaintext
        if key_ref is None:
            # Asymmetric ciphertext does not name its key.
            # https://docs.aws.amazon.com/kms/latest/APIReference/API_Decrypt.html
            raise ServiceError(
                "ValidationException", "KeyId is required when decrypting with an asymmetric key"
            )
        record = self.usable(key_ref, specs.ENCRYPT_DECRYPT)
        if algorithm not in specs.RSA_ENCRYPTION or record.spec == specs.SYMMETRIC:
            raise bad_algorithm(algorithm, record)
        private = specs.private_key(self.material(record))
        assert isinstance(private, rsa.RSAPrivateKey)
        try:
            return record, private.decrypt(blob, specs.oaep(algorithm))
        except ValueError:
            raise _invalid_ciphertext() from None

    # -- signing ------------------------------------------------------------------------

    def sign(self, record: KeyRecord, message: bytes, digest: bool, algorithm: str) -> bytes:
        self._check_signing(record, algorithm, message, digest)
        private = specs.private_key(self.material(record))
        hashed = specs.hash_of(algorithm)
        chosen = Prehashed(hashed) if digest else hashed
        if isinstance(private, rsa.RSAPrivateKey):
            return private.sign(message, specs.rsa_signature_padding(algorithm), chosen)
        return private.sign(message, ec.ECDSA(chosen))

    def verify(
        self, record: KeyRecord, message: bytes, digest: bool, algorithm: str, signature: bytes
    ) -> bool:
        self._check_signing(record, algorithm, message, digest)
        public = specs.private_key(self.material(record)).public_key()
        hashed = specs.hash_of(algorithm)
        chosen = Prehashed(hashed) if digest else hashed
        try:
            if isinstance(public, rsa.RSAPublicKey):
                public.verify(signature, message, specs.rsa_signature_padding(algorithm), chosen)
            else:
                public.verify(signature, message, ec.ECDSA(chosen))
        except (InvalidSignature, ValueError):
            return False
        return True

    def _check_signing(
        self, record: KeyRecord, algorithm: str, message: bytes, digest: bool
    ) -> None:
        if algorithm not in (specs.signing_algorithms(record.spec, record.usage) or ()):
            raise bad_algorithm(algorithm, record)
        if digest and len(message) != specs.hash_of(algorithm).digest_size:
            raise ServiceError(
                "ValidationException",
                f"Digest is invalid length for algorithm {algorithm}.",
            )

    def now(self) -> float:
        return self._clock()


def _canonical(context: Mapping[str, str]) -> bytes:
    """The encryption context as authenticated data: order does not matter, case does."""
    return orjson.dumps(dict(sorted(context.items())))


def blob_key_id(blob: bytes) -> str | None:
    if len(blob) <= 1 + _KEY_ID_LEN + _NONCE_LEN or blob[:1] != _BLOB_VERSION:
        return None
    try:
        key_id = blob[1 : 1 + _KEY_ID_LEN].decode("ascii")
        uuid.UUID(key_id)
    except ValueError:
        return None
    return key_id


def _invalid_ciphertext() -> ServiceError:
    # KMS says no more than the code (the message is empty).
    return ServiceError("InvalidCiphertextException", "")


def bad_algorithm(algorithm: str, record: KeyRecord) -> ServiceError:
    return ServiceError(
        "InvalidKeyUsageException",
        f"Algorithm {algorithm} is incompatible with key spec {record.spec}.",
    )


def time_of(epoch: float) -> datetime:
    return datetime.fromtimestamp(epoch, UTC)
