"""The KMS API's operations over a KeyService, as the API reference defines each.

https://docs.aws.amazon.com/kms/latest/APIReference/API_Operations.html
"""

from __future__ import annotations

import os
from typing import Any

import orjson

from lamina.aws.paging import offset_page
from lamina.aws.service import Operation, OperationInput, OperationOutput, ServiceError
from lamina.services.kms import specs
from lamina.services.kms.keys import (
    ALIAS_PREFIX,
    DEFAULT_PENDING_DAYS,
    MAX_DATA_KEY_BYTES,
    MAX_PENDING_DAYS,
    MAX_PLAINTEXT_BYTES,
    MAX_RAW_MESSAGE_BYTES,
    MIN_PENDING_DAYS,
    RESERVED_ALIAS_PREFIX,
    KeyService,
    bad_algorithm,
    time_of,
)
from lamina.services.kms.store import AliasRecord, KeyRecord

_DAY_S = 86_400


def _create_key(kms: KeyService, params: OperationInput) -> OperationOutput:
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


def _describe_key(kms: KeyService, params: OperationInput) -> OperationOutput:
    return {"KeyMetadata": kms.metadata(kms.find(params["KeyId"]))}


def _list_keys(kms: KeyService, params: OperationInput) -> OperationOutput:
    live = [record for record in kms.store.all_keys() if _alive(kms, record)]
    entries = [{"KeyId": record.key_id, "KeyArn": record.arn} for record in live]
    return _page(entries, "Keys", params)


def _alive(kms: KeyService, record: KeyRecord) -> bool:
    try:
        kms.find(record.key_id)
    except ServiceError:
        return False
    return True


def _page(entries: list[dict[str, Any]], name: str, params: OperationInput) -> OperationOutput:
    # Limit 1-1000, default 100; Marker is where the previous page stopped.
    # https://docs.aws.amazon.com/kms/latest/APIReference/API_ListKeys.html
    chunk, marker = offset_page(entries, params.get("Marker"), int(params.get("Limit", 100)))
    output: dict[str, Any] = {name: list(chunk), "Truncated": marker is not None}
    if marker is not None:
        output["NextMarker"] = marker
    return output


def _set_enabled(enabled: bool) -> Operation[KeyService]:
    def operation(kms: KeyService, params: OperationInput) -> OperationOutput:
        record = kms.find(params["KeyId"])
        if record.deletion_date is not None:
            raise ServiceError("KMSInvalidStateException", f"{record.arn} is pending deletion.")
        record.enabled = enabled
        kms.store.put(record)
        return {}

    return operation


def _schedule_deletion(kms: KeyService, params: OperationInput) -> OperationOutput:
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
        "DeletionDate": time_of(record.deletion_date),
        "KeyState": record.state,
        "PendingWindowInDays": days,
    }


def _cancel_deletion(kms: KeyService, params: OperationInput) -> OperationOutput:
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


def _update_description(kms: KeyService, params: OperationInput) -> OperationOutput:
    record = kms.find(params["KeyId"])
    record.description = params["Description"]
    kms.store.put(record)
    return {}


def _check_alias_name(kms: KeyService, name: str) -> None:
    if not name.startswith(ALIAS_PREFIX) or name == ALIAS_PREFIX:
        raise ServiceError(
            "ValidationException", f"Alias must start with the prefix {ALIAS_PREFIX}"
        )
    if name.startswith(RESERVED_ALIAS_PREFIX):
        raise ServiceError(
            "NotAuthorizedException", f"{kms.alias_arn(name)} is reserved for AWS managed keys."
        )


def _create_alias(kms: KeyService, params: OperationInput) -> OperationOutput:
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


def _update_alias(kms: KeyService, params: OperationInput) -> OperationOutput:
    name = params["AliasName"]
    alias = kms.store.alias(name)
    if alias is None:
        raise ServiceError("NotFoundException", f"Alias {kms.alias_arn(name)} is not found.")
    target = kms.find(params["TargetKeyId"])
    alias.key_id = target.key_id
    alias.updated = kms.now()
    kms.store.put_alias(alias)
    return {}


def _delete_alias(kms: KeyService, params: OperationInput) -> OperationOutput:
    name = params["AliasName"]
    if kms.store.alias(name) is None:
        raise ServiceError("NotFoundException", f"Alias {kms.alias_arn(name)} is not found.")
    kms.store.delete_alias(name)
    return {}


def _list_aliases(kms: KeyService, params: OperationInput) -> OperationOutput:
    wanted = kms.find(params["KeyId"]).key_id if params.get("KeyId") else None
    entries = [
        {
            "AliasName": alias.name,
            "AliasArn": kms.alias_arn(alias.name),
            "TargetKeyId": alias.key_id,
            "CreationDate": time_of(alias.created),
            "LastUpdatedDate": time_of(alias.updated),
        }
        for alias in kms.store.aliases()
        if wanted is None or alias.key_id == wanted
    ]
    return _page(entries, "Aliases", params)


def _encrypt(kms: KeyService, params: OperationInput) -> OperationOutput:
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


def _decrypt(kms: KeyService, params: OperationInput) -> OperationOutput:
    algorithm = params.get("EncryptionAlgorithm", specs.SYMMETRIC)
    record, plaintext = kms.decrypt(
        params["CiphertextBlob"],
        params.get("EncryptionContext", {}),
        params.get("KeyId"),
        algorithm,
    )
    return {"KeyId": record.arn, "Plaintext": plaintext, "EncryptionAlgorithm": algorithm}


def _re_encrypt(kms: KeyService, params: OperationInput) -> OperationOutput:
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


def _generate_data_key(kms: KeyService, params: OperationInput) -> OperationOutput:
    record = kms.usable(params["KeyId"], specs.ENCRYPT_DECRYPT)
    if record.spec != specs.SYMMETRIC:
        raise bad_algorithm(specs.SYMMETRIC, record)
    plaintext = os.urandom(_data_key_length(params))
    blob = kms.encrypt(record, plaintext, params.get("EncryptionContext", {}), specs.SYMMETRIC)
    return {"CiphertextBlob": blob, "Plaintext": plaintext, "KeyId": record.arn}


def _generate_data_key_without_plaintext(
    kms: KeyService, params: OperationInput
) -> OperationOutput:
    output = _generate_data_key(kms, params)
    del output["Plaintext"]
    return output


def _generate_random(kms: KeyService, params: OperationInput) -> OperationOutput:
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


def _sign(kms: KeyService, params: OperationInput) -> OperationOutput:
    record = kms.usable(params["KeyId"], specs.SIGN_VERIFY)
    message, digest = _message(params)
    algorithm = params["SigningAlgorithm"]
    signature = kms.sign(record, message, digest, algorithm)
    return {"KeyId": record.arn, "Signature": signature, "SigningAlgorithm": algorithm}


def _verify(kms: KeyService, params: OperationInput) -> OperationOutput:
    record = kms.usable(params["KeyId"], specs.SIGN_VERIFY)
    message, digest = _message(params)
    algorithm = params["SigningAlgorithm"]
    if not kms.verify(record, message, digest, algorithm, params["Signature"]):
        # An invalid signature is an error, not SignatureValid: false.
        # https://docs.aws.amazon.com/kms/latest/APIReference/API_Verify.html
        raise ServiceError("KMSInvalidSignatureException", "")
    return {"KeyId": record.arn, "SignatureValid": True, "SigningAlgorithm": algorithm}


def _get_public_key(kms: KeyService, params: OperationInput) -> OperationOutput:
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


def _get_key_policy(kms: KeyService, params: OperationInput) -> OperationOutput:
    record = kms.find(params["KeyId"])
    name = params.get("PolicyName", "default")
    if name != "default":
        raise ServiceError("NotFoundException", f"Policy {name} is not found.")
    return {"Policy": record.policy, "PolicyName": "default"}


def _put_key_policy(kms: KeyService, params: OperationInput) -> OperationOutput:
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


def _list_key_policies(kms: KeyService, params: OperationInput) -> OperationOutput:
    kms.find(params["KeyId"])
    return {"PolicyNames": ["default"], "Truncated": False}


def _tag(kms: KeyService, params: OperationInput) -> OperationOutput:
    record = kms.find(params["KeyId"])
    record.tags.update({tag["TagKey"]: tag["TagValue"] for tag in params["Tags"]})
    kms.store.put(record)
    return {}


def _untag(kms: KeyService, params: OperationInput) -> OperationOutput:
    record = kms.find(params["KeyId"])
    for key in params["TagKeys"]:
        record.tags.pop(key, None)
    kms.store.put(record)
    return {}


def _list_tags(kms: KeyService, params: OperationInput) -> OperationOutput:
    record = kms.find(params["KeyId"])
    tags = [{"TagKey": key, "TagValue": value} for key, value in sorted(record.tags.items())]
    return _page(tags, "Tags", params)


OPERATIONS: dict[str, Operation[KeyService]] = {
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
