"""KmsProvider: the botocore "kms" service (JSON 1.1, TrentService) over a KeyStore.

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

from lamina.aws.service import (
    Handler,
    Operation,
    OperationInput,
    OperationOutput,
    ServiceError,
    bind_operations,
)
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
_DAY_S = 86_400

# Our symmetric ciphertext: version | key id (36 ASCII) | nonce (12) | AES-GCM output.
# AWS's blob is opaque but, like this one, names its key, so Decrypt needs no KeyId.
_BLOB_VERSION = b"\x01"
_KEY_ID_LEN = 36
_NONCE_LEN = 12


class KmsProvider:
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
        folder = state_dir / "kms"
        self.store = KeyStore(folder / "keys.sqlite")
        self._master = master or MasterKey.load(folder / "master.key")
        self._region = region
        self._account = account_id
        self._clock = clock
        self._handlers = bind_operations(self, _OPERATIONS)

    @property
    def service_name(self) -> str:
        return "kms"

    def handlers(self) -> Mapping[str, Handler]:
        return self._handlers

    def close(self) -> None:
        self.store.close()

    def resource_arns(self, operation: str, params: Mapping[str, Any]) -> list[str] | None:
        """The key a call acts on, for IAM: named by id, ARN or alias, or (Decrypt,
        ReEncrypt) by the ciphertext itself."""
        ref = params.get("KeyId") or params.get("TargetKeyId") or params.get("SourceKeyId")
        if ref is None and isinstance(params.get("CiphertextBlob"), bytes):
            ref = _blob_key_id(params["CiphertextBlob"])
        if ref is None:
            return None
        try:
            return [self.find(str(ref)).arn]
        except ServiceError:
            return None  # the operation answers NotFound itself

    # -- keys ---------------------------------------------------------------------------

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
        if alias is not None:
            return self.find(alias.key_id)
        record = self.create_key(description=f"Default key that protects my {service} data")
        record.manager = "AWS"
        self.store.put(record)
        now = self._clock()
        self.store.put_alias(AliasRecord(name=name, key_id=record.key_id, created=now, updated=now))
        return record

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
            "CreationDate": _time(record.created),
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
            metadata["DeletionDate"] = _time(record.deletion_date)
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
                raise _bad_algorithm(algorithm, record)
            nonce = os.urandom(_NONCE_LEN)
            header = _BLOB_VERSION + record.key_id.encode()
            sealed = AESGCM(material).encrypt(nonce, plaintext, header + _canonical(context))
            return header + nonce + sealed
        if algorithm not in specs.RSA_ENCRYPTION:
            raise _bad_algorithm(algorithm, record)
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
            blob_key = _blob_key_id(blob)
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
            raise _bad_algorithm(algorithm, record)
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
            raise _bad_algorithm(algorithm, record)
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


def _blob_key_id(blob: bytes) -> str | None:
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


def _bad_algorithm(algorithm: str, record: KeyRecord) -> ServiceError:
    return ServiceError(
        "InvalidKeyUsageException",
        f"Algorithm {algorithm} is incompatible with key spec {record.spec}.",
    )


def _time(epoch: float) -> datetime:
    return datetime.fromtimestamp(epoch, UTC)


# -- operations -------------------------------------------------------------------------


def _create_key(kms: KmsProvider, params: OperationInput) -> OperationOutput:
    if params.get("Origin", "AWS_KMS") != "AWS_KMS":
        raise ServiceError(
            "UnsupportedOperationException", f"Origin {params['Origin']} is not supported"
        )
    tags = {tag["TagKey"]: tag["TagValue"] for tag in params.get("Tags", ())}
    record = kms.create_key(
        spec=params.get("KeySpec") or params.get("CustomerMasterKeySpec") or specs.SYMMETRIC,
        usage=params.get("KeyUsage"),
        description=params.get("Description", ""),
        policy=params.get("Policy"),
        tags=tags,
    )
    return {"KeyMetadata": kms.metadata(record)}


def _describe_key(kms: KmsProvider, params: OperationInput) -> OperationOutput:
    return {"KeyMetadata": kms.metadata(kms.find(params["KeyId"]))}


def _list_keys(kms: KmsProvider, params: OperationInput) -> OperationOutput:
    live = [record for record in kms.store.all_keys() if _alive(kms, record)]
    entries = [{"KeyId": record.key_id, "KeyArn": record.arn} for record in live]
    return _page(entries, "Keys", params)


def _alive(kms: KmsProvider, record: KeyRecord) -> bool:
    try:
        kms.find(record.key_id)
    except ServiceError:
        return False
    return True


def _page(entries: list[dict[str, Any]], name: str, params: OperationInput) -> OperationOutput:
    # Limit 1-1000, default 100; Marker is where the previous page stopped.
    # https://docs.aws.amazon.com/kms/latest/APIReference/API_ListKeys.html
    limit = int(params.get("Limit", 100))
    start = int(params["Marker"]) if str(params.get("Marker", "")).isdigit() else 0
    page = entries[start : start + limit]
    output: dict[str, Any] = {name: page, "Truncated": start + limit < len(entries)}
    if output["Truncated"]:
        output["NextMarker"] = str(start + limit)
    return output


def _set_enabled(enabled: bool) -> Operation[KmsProvider]:
    def operation(kms: KmsProvider, params: OperationInput) -> OperationOutput:
        record = kms.find(params["KeyId"])
        if record.deletion_date is not None:
            raise ServiceError("KMSInvalidStateException", f"{record.arn} is pending deletion.")
        record.enabled = enabled
        kms.store.put(record)
        return {}

    return operation


def _schedule_deletion(kms: KmsProvider, params: OperationInput) -> OperationOutput:
    # https://docs.aws.amazon.com/kms/latest/APIReference/API_ScheduleKeyDeletion.html
    days = int(params.get("PendingWindowInDays", DEFAULT_PENDING_DAYS))
    if not MIN_PENDING_DAYS <= days <= MAX_PENDING_DAYS:
        raise ServiceError(
            "ValidationException",
            f"1 validation error detected: Value '{days}' at 'pendingWindowInDays' failed to "
            f"satisfy constraint: Member must have value between {MIN_PENDING_DAYS} and "
            f"{MAX_PENDING_DAYS}",
        )
    record = kms.find(params["KeyId"])
    if record.deletion_date is not None:
        raise ServiceError("KMSInvalidStateException", f"{record.arn} is pending deletion.")
    record.deletion_date = kms.now() + days * _DAY_S
    record.pending_window_days = days
    kms.store.put(record)
    return {
        "KeyId": record.arn,
        "DeletionDate": _time(record.deletion_date),
        "KeyState": record.state,
        "PendingWindowInDays": days,
    }


def _cancel_deletion(kms: KmsProvider, params: OperationInput) -> OperationOutput:
    # A key whose deletion is cancelled is Disabled, not Enabled.
    # https://docs.aws.amazon.com/kms/latest/developerguide/deleting-keys-scheduling-key-deletion.html
    record = kms.find(params["KeyId"])
    if record.deletion_date is None:
        raise ServiceError("KMSInvalidStateException", f"{record.arn} is not pending deletion.")
    record.deletion_date = None
    record.pending_window_days = None
    record.enabled = False
    kms.store.put(record)
    return {"KeyId": record.arn}


def _update_description(kms: KmsProvider, params: OperationInput) -> OperationOutput:
    record = kms.find(params["KeyId"])
    record.description = params["Description"]
    kms.store.put(record)
    return {}


def _check_alias_name(kms: KmsProvider, name: str) -> None:
    if not name.startswith(ALIAS_PREFIX) or name == ALIAS_PREFIX:
        raise ServiceError(
            "ValidationException", f"Alias must start with the prefix {ALIAS_PREFIX}"
        )
    if name.startswith(RESERVED_ALIAS_PREFIX):
        raise ServiceError(
            "NotAuthorizedException", f"{kms.alias_arn(name)} is reserved for AWS managed keys."
        )


def _create_alias(kms: KmsProvider, params: OperationInput) -> OperationOutput:
    name = params["AliasName"]
    _check_alias_name(kms, name)
    if kms.store.alias(name) is not None:
        raise ServiceError(
            "AlreadyExistsException", f"An alias with the name {kms.alias_arn(name)} already exists"
        )
    target = kms.find(params["TargetKeyId"])
    now = kms.now()
    kms.store.put_alias(AliasRecord(name=name, key_id=target.key_id, created=now, updated=now))
    return {}


def _update_alias(kms: KmsProvider, params: OperationInput) -> OperationOutput:
    name = params["AliasName"]
    alias = kms.store.alias(name)
    if alias is None:
        raise ServiceError("NotFoundException", f"Alias {kms.alias_arn(name)} is not found.")
    target = kms.find(params["TargetKeyId"])
    alias.key_id = target.key_id
    alias.updated = kms.now()
    kms.store.put_alias(alias)
    return {}


def _delete_alias(kms: KmsProvider, params: OperationInput) -> OperationOutput:
    name = params["AliasName"]
    if kms.store.alias(name) is None:
        raise ServiceError("NotFoundException", f"Alias {kms.alias_arn(name)} is not found.")
    kms.store.delete_alias(name)
    return {}


def _list_aliases(kms: KmsProvider, params: OperationInput) -> OperationOutput:
    wanted = kms.find(params["KeyId"]).key_id if params.get("KeyId") else None
    entries = [
        {
            "AliasName": alias.name,
            "AliasArn": kms.alias_arn(alias.name),
            "TargetKeyId": alias.key_id,
            "CreationDate": _time(alias.created),
            "LastUpdatedDate": _time(alias.updated),
        }
        for alias in kms.store.aliases()
        if wanted is None or alias.key_id == wanted
    ]
    return _page(entries, "Aliases", params)


def _encrypt(kms: KmsProvider, params: OperationInput) -> OperationOutput:
    if len(params["Plaintext"]) > MAX_PLAINTEXT_BYTES:
        # https://docs.aws.amazon.com/kms/latest/APIReference/API_Encrypt.html#API_Encrypt_RequestSyntax
        raise ServiceError(
            "ValidationException",
            "1 validation error detected: Value at 'plaintext' failed to satisfy constraint: "
            f"Member must have length less than or equal to {MAX_PLAINTEXT_BYTES}",
        )
    record = kms.usable(params["KeyId"], specs.ENCRYPT_DECRYPT)
    algorithm = params.get("EncryptionAlgorithm", specs.SYMMETRIC)
    blob = kms.encrypt(record, params["Plaintext"], params.get("EncryptionContext", {}), algorithm)
    return {"CiphertextBlob": blob, "KeyId": record.arn, "EncryptionAlgorithm": algorithm}


def _decrypt(kms: KmsProvider, params: OperationInput) -> OperationOutput:
    algorithm = params.get("EncryptionAlgorithm", specs.SYMMETRIC)
    record, plaintext = kms.decrypt(
        params["CiphertextBlob"],
        params.get("EncryptionContext", {}),
        params.get("KeyId"),
        algorithm,
    )
    return {"KeyId": record.arn, "Plaintext": plaintext, "EncryptionAlgorithm": algorithm}


def _re_encrypt(kms: KmsProvider, params: OperationInput) -> OperationOutput:
    source_algorithm = params.get("SourceEncryptionAlgorithm", specs.SYMMETRIC)
    source, plaintext = kms.decrypt(
        params["CiphertextBlob"],
        params.get("SourceEncryptionContext", {}),
        params.get("SourceKeyId"),
        source_algorithm,
    )
    destination = kms.usable(params["DestinationKeyId"], specs.ENCRYPT_DECRYPT)
    algorithm = params.get("DestinationEncryptionAlgorithm", specs.SYMMETRIC)
    blob = kms.encrypt(
        destination, plaintext, params.get("DestinationEncryptionContext", {}), algorithm
    )
    return {
        "CiphertextBlob": blob,
        "SourceKeyId": source.arn,
        "KeyId": destination.arn,
        "SourceEncryptionAlgorithm": source_algorithm,
        "DestinationEncryptionAlgorithm": algorithm,
    }


def _data_key_length(params: OperationInput) -> int:
    # Exactly one of NumberOfBytes and KeySpec (AES_256 / AES_128).
    # https://docs.aws.amazon.com/kms/latest/APIReference/API_GenerateDataKey.html
    count, spec = params.get("NumberOfBytes"), params.get("KeySpec")
    if (count is None) == (spec is None):
        raise ServiceError(
            "ValidationException", "Please specify either number of bytes or key spec."
        )
    return int(count) if count is not None else {"AES_256": 32, "AES_128": 16}[str(spec)]


def _generate_data_key(kms: KmsProvider, params: OperationInput) -> OperationOutput:
    record = kms.usable(params["KeyId"], specs.ENCRYPT_DECRYPT)
    if record.spec != specs.SYMMETRIC:
        raise _bad_algorithm(specs.SYMMETRIC, record)
    plaintext = os.urandom(_data_key_length(params))
    blob = kms.encrypt(record, plaintext, params.get("EncryptionContext", {}), specs.SYMMETRIC)
    return {"CiphertextBlob": blob, "Plaintext": plaintext, "KeyId": record.arn}


def _generate_data_key_without_plaintext(
    kms: KmsProvider, params: OperationInput
) -> OperationOutput:
    output = _generate_data_key(kms, params)
    del output["Plaintext"]
    return output


def _generate_random(kms: KmsProvider, params: OperationInput) -> OperationOutput:
    count = int(params.get("NumberOfBytes", 0))
    if not 1 <= count <= MAX_DATA_KEY_BYTES:
        raise ServiceError(
            "ValidationException",
            f"1 validation error detected: Value '{count}' at 'numberOfBytes' failed to satisfy "
            f"constraint: Member must have value between 1 and {MAX_DATA_KEY_BYTES}",
        )
    return {"Plaintext": os.urandom(count)}


def _message(params: OperationInput) -> tuple[bytes, bool]:
    digest = params.get("MessageType", "RAW") == "DIGEST"
    message: bytes = params["Message"]
    if not digest and len(message) > MAX_RAW_MESSAGE_BYTES:
        # https://docs.aws.amazon.com/kms/latest/APIReference/API_Sign.html
        raise ServiceError(
            "ValidationException",
            "Message is larger than 4096 bytes; send its digest with MessageType DIGEST.",
        )
    return message, digest


def _sign(kms: KmsProvider, params: OperationInput) -> OperationOutput:
    record = kms.usable(params["KeyId"], specs.SIGN_VERIFY)
    message, digest = _message(params)
    algorithm = params["SigningAlgorithm"]
    signature = kms.sign(record, message, digest, algorithm)
    return {"KeyId": record.arn, "Signature": signature, "SigningAlgorithm": algorithm}


def _verify(kms: KmsProvider, params: OperationInput) -> OperationOutput:
    record = kms.usable(params["KeyId"], specs.SIGN_VERIFY)
    message, digest = _message(params)
    algorithm = params["SigningAlgorithm"]
    if not kms.verify(record, message, digest, algorithm, params["Signature"]):
        # An invalid signature is an error, not SignatureValid: false.
        # https://docs.aws.amazon.com/kms/latest/APIReference/API_Verify.html
        raise ServiceError("KMSInvalidSignatureException", "")
    return {"KeyId": record.arn, "SignatureValid": True, "SigningAlgorithm": algorithm}


def _get_public_key(kms: KmsProvider, params: OperationInput) -> OperationOutput:
    record = kms.find(params["KeyId"])
    if record.spec == specs.SYMMETRIC:
        raise ServiceError(
            "UnsupportedOperationException",
            f"{record.arn} key usage is {record.usage}; symmetric keys have no public key.",
        )
    output: dict[str, Any] = {
        "KeyId": record.arn,
        "PublicKey": specs.public_key_der(kms.material(record)),
        "CustomerMasterKeySpec": record.spec,
        "KeySpec": record.spec,
        "KeyUsage": record.usage,
    }
    encryption = specs.encryption_algorithms(record.spec, record.usage)
    if encryption:
        output["EncryptionAlgorithms"] = encryption
    signing = specs.signing_algorithms(record.spec, record.usage)
    if signing:
        output["SigningAlgorithms"] = signing
    return output


def _get_key_policy(kms: KmsProvider, params: OperationInput) -> OperationOutput:
    record = kms.find(params["KeyId"])
    name = params.get("PolicyName", "default")
    if name != "default":
        raise ServiceError("NotFoundException", f"Policy {name} is not found.")
    return {"Policy": record.policy, "PolicyName": "default"}


def _put_key_policy(kms: KmsProvider, params: OperationInput) -> OperationOutput:
    record = kms.find(params["KeyId"])
    try:
        orjson.loads(params["Policy"])
    except orjson.JSONDecodeError:
        raise ServiceError(
            "MalformedPolicyDocumentException", "The policy document is not valid JSON."
        ) from None
    record.policy = params["Policy"]
    kms.store.put(record)
    return {}


def _list_key_policies(kms: KmsProvider, params: OperationInput) -> OperationOutput:
    kms.find(params["KeyId"])
    return {"PolicyNames": ["default"], "Truncated": False}


def _tag(kms: KmsProvider, params: OperationInput) -> OperationOutput:
    record = kms.find(params["KeyId"])
    record.tags.update({tag["TagKey"]: tag["TagValue"] for tag in params["Tags"]})
    kms.store.put(record)
    return {}


def _untag(kms: KmsProvider, params: OperationInput) -> OperationOutput:
    record = kms.find(params["KeyId"])
    for key in params["TagKeys"]:
        record.tags.pop(key, None)
    kms.store.put(record)
    return {}


def _list_tags(kms: KmsProvider, params: OperationInput) -> OperationOutput:
    record = kms.find(params["KeyId"])
    tags = [{"TagKey": key, "TagValue": value} for key, value in sorted(record.tags.items())]
    return _page(tags, "Tags", params)


_OPERATIONS: dict[str, Operation[KmsProvider]] = {
    "CreateKey": _create_key,
    "DescribeKey": _describe_key,
    "ListKeys": _list_keys,
    "EnableKey": _set_enabled(True),
    "DisableKey": _set_enabled(False),
    "ScheduleKeyDeletion": _schedule_deletion,
    "CancelKeyDeletion": _cancel_deletion,
    "UpdateKeyDescription": _update_description,
    "CreateAlias": _create_alias,
    "UpdateAlias": _update_alias,
    "DeleteAlias": _delete_alias,
    "ListAliases": _list_aliases,
    "Encrypt": _encrypt,
    "Decrypt": _decrypt,
    "ReEncrypt": _re_encrypt,
    "GenerateDataKey": _generate_data_key,
    "GenerateDataKeyWithoutPlaintext": _generate_data_key_without_plaintext,
    "GenerateRandom": _generate_random,
    "Sign": _sign,
    "Verify": _verify,
    "GetPublicKey": _get_public_key,
    "GetKeyPolicy": _get_key_policy,
    "PutKeyPolicy": _put_key_policy,
    "ListKeyPolicies": _list_key_policies,
    "TagResource": _tag,
    "UntagResource": _untag,
    "ListResourceTags": _list_tags,
}
