"""KMS through boto3: keys, aliases, encryption with context, data keys, signing, states.

https://docs.aws.amazon.com/kms/latest/APIReference/API_Operations.html
"""

from __future__ import annotations

import hashlib
import os
import stat
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding

from .conftest import Clock, KmsServer

DAY = 86_400


def _code(error: pytest.ExceptionInfo[ClientError]) -> str:
    return str(error.value.response["Error"]["Code"])


def _key(kms: Any, **options: Any) -> dict[str, Any]:
    return kms.create_key(**options)["KeyMetadata"]  # type: ignore[no-any-return]


def test_create_and_describe_a_symmetric_key(kms: Any) -> None:
    key = _key(kms, Description="app secrets")
    assert key["KeySpec"] == "SYMMETRIC_DEFAULT"
    assert key["KeyUsage"] == "ENCRYPT_DECRYPT"
    assert key["KeyState"] == "Enabled" and key["Enabled"] is True
    assert key["Arn"] == f"arn:aws:kms:us-east-1:123456789012:key/{key['KeyId']}"
    assert key["EncryptionAlgorithms"] == ["SYMMETRIC_DEFAULT"]
    described = kms.describe_key(KeyId=key["Arn"])["KeyMetadata"]
    assert described["Description"] == "app secrets"
    listed = kms.list_keys()["Keys"]
    assert {"KeyId": key["KeyId"], "KeyArn": key["Arn"]} in listed


def test_encrypt_decrypt_round_trip_without_key_id(kms: Any) -> None:
    key = _key(kms)
    context = {"purpose": "test", "tenant": "a"}
    sealed = kms.encrypt(KeyId=key["KeyId"], Plaintext=b"s3cret", EncryptionContext=context)
    assert sealed["KeyId"] == key["Arn"]
    assert b"s3cret" not in sealed["CiphertextBlob"]
    # The blob names its key: Decrypt needs no KeyId. Context order does not matter.
    opened = kms.decrypt(
        CiphertextBlob=sealed["CiphertextBlob"], EncryptionContext=dict(reversed(context.items()))
    )
    assert opened["Plaintext"] == b"s3cret" and opened["KeyId"] == key["Arn"]


def test_wrong_encryption_context_or_tampering_is_invalid_ciphertext(kms: Any) -> None:
    key = _key(kms)
    blob = kms.encrypt(KeyId=key["KeyId"], Plaintext=b"x", EncryptionContext={"a": "b"})[
        "CiphertextBlob"
    ]
    for context in ({}, {"a": "B"}, {"a": "b", "c": "d"}):
        with pytest.raises(ClientError) as error:
            kms.decrypt(CiphertextBlob=blob, EncryptionContext=context)
        assert _code(error) == "InvalidCiphertextException"
    tampered = blob[:-1] + bytes([blob[-1] ^ 1])
    with pytest.raises(ClientError) as error:
        kms.decrypt(CiphertextBlob=tampered, EncryptionContext={"a": "b"})
    assert _code(error) == "InvalidCiphertextException"
    with pytest.raises(ClientError) as error:
        kms.decrypt(CiphertextBlob=b"not a kms blob at all, long enough to parse....")
    assert _code(error) == "InvalidCiphertextException"


def test_decrypt_with_another_key_id_is_incorrect_key(kms: Any) -> None:
    first, second = _key(kms), _key(kms)
    blob = kms.encrypt(KeyId=first["KeyId"], Plaintext=b"x")["CiphertextBlob"]
    with pytest.raises(ClientError) as error:
        kms.decrypt(CiphertextBlob=blob, KeyId=second["KeyId"])
    assert _code(error) == "IncorrectKeyException"


def test_plaintext_over_4096_bytes_is_refused(kms: Any) -> None:
    key = _key(kms)
    with pytest.raises(ClientError) as error:
        kms.encrypt(KeyId=key["KeyId"], Plaintext=b"x" * 4097)
    assert _code(error) == "ValidationException"


def test_aliases_name_keys(kms: Any) -> None:
    key, other = _key(kms), _key(kms)
    kms.create_alias(AliasName="alias/app", TargetKeyId=key["KeyId"])
    blob = kms.encrypt(KeyId="alias/app", Plaintext=b"x")["CiphertextBlob"]
    assert kms.decrypt(CiphertextBlob=blob)["KeyId"] == key["Arn"]
    alias_arn = "arn:aws:kms:us-east-1:123456789012:alias/app"
    assert kms.describe_key(KeyId=alias_arn)["KeyMetadata"]["KeyId"] == key["KeyId"]
    aliases = kms.list_aliases()["Aliases"]
    assert [(a["AliasName"], a["AliasArn"], a["TargetKeyId"]) for a in aliases] == [
        ("alias/app", alias_arn, key["KeyId"])
    ]
    with pytest.raises(ClientError) as error:
        kms.create_alias(AliasName="alias/app", TargetKeyId=other["KeyId"])
    assert _code(error) == "AlreadyExistsException"
    kms.update_alias(AliasName="alias/app", TargetKeyId=other["KeyId"])
    assert kms.describe_key(KeyId="alias/app")["KeyMetadata"]["KeyId"] == other["KeyId"]
    with pytest.raises(ClientError) as error:
        kms.create_alias(AliasName="alias/aws/lambda", TargetKeyId=key["KeyId"])
    assert _code(error) == "NotAuthorizedException"
    kms.delete_alias(AliasName="alias/app")
    with pytest.raises(ClientError) as error:
        kms.describe_key(KeyId="alias/app")
    assert _code(error) == "NotFoundException"
    assert "alias/app is not found" in error.value.response["Error"]["Message"]


def test_unknown_key_is_not_found(kms: Any) -> None:
    with pytest.raises(ClientError) as error:
        kms.describe_key(KeyId="1234abcd-12ab-34cd-56ef-1234567890ab")
    assert _code(error) == "NotFoundException"
    assert error.value.response["Error"]["Message"] == (
        "Key 'arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab' "
        "does not exist"
    )


def test_disabled_key_refuses_cryptographic_operations(kms: Any) -> None:
    key = _key(kms)
    blob = kms.encrypt(KeyId=key["KeyId"], Plaintext=b"x")["CiphertextBlob"]
    kms.disable_key(KeyId=key["KeyId"])
    assert kms.describe_key(KeyId=key["KeyId"])["KeyMetadata"]["KeyState"] == "Disabled"
    with pytest.raises(ClientError) as error:
        kms.decrypt(CiphertextBlob=blob)
    assert _code(error) == "DisabledException"
    assert error.value.response["Error"]["Message"] == f"{key['Arn']} is disabled."
    kms.enable_key(KeyId=key["KeyId"])
    assert kms.decrypt(CiphertextBlob=blob)["Plaintext"] == b"x"


def test_scheduled_deletion_waits_then_deletes(kms: Any, clock: Clock) -> None:
    key = _key(kms)
    with pytest.raises(ClientError) as error:
        kms.schedule_key_deletion(KeyId=key["KeyId"], PendingWindowInDays=6)
    assert _code(error) == "ValidationException"
    scheduled = kms.schedule_key_deletion(KeyId=key["KeyId"], PendingWindowInDays=7)
    assert scheduled["KeyState"] == "PendingDeletion"
    assert scheduled["PendingWindowInDays"] == 7
    assert scheduled["DeletionDate"].timestamp() == clock.now + 7 * DAY
    with pytest.raises(ClientError) as error:
        kms.encrypt(KeyId=key["KeyId"], Plaintext=b"x")
    assert _code(error) == "KMSInvalidStateException"
    assert error.value.response["Error"]["Message"] == f"{key['Arn']} is pending deletion."
    # Cancelling leaves the key disabled.
    kms.cancel_key_deletion(KeyId=key["KeyId"])
    assert kms.describe_key(KeyId=key["KeyId"])["KeyMetadata"]["KeyState"] == "Disabled"
    kms.schedule_key_deletion(KeyId=key["KeyId"], PendingWindowInDays=7)
    clock.now += 7 * DAY
    with pytest.raises(ClientError) as error:
        kms.describe_key(KeyId=key["KeyId"])
    assert _code(error) == "NotFoundException"
    assert key["KeyId"] not in [entry["KeyId"] for entry in kms.list_keys()["Keys"]]


def test_data_keys(kms: Any) -> None:
    key = _key(kms)
    data = kms.generate_data_key(KeyId=key["KeyId"], KeySpec="AES_256")
    assert len(data["Plaintext"]) == 32
    assert kms.decrypt(CiphertextBlob=data["CiphertextBlob"])["Plaintext"] == data["Plaintext"]
    sixteen = kms.generate_data_key(KeyId=key["KeyId"], NumberOfBytes=16)
    assert len(sixteen["Plaintext"]) == 16
    bare = kms.generate_data_key_without_plaintext(
        KeyId=key["KeyId"], KeySpec="AES_128", EncryptionContext={"k": "v"}
    )
    assert "Plaintext" not in bare
    opened = kms.decrypt(CiphertextBlob=bare["CiphertextBlob"], EncryptionContext={"k": "v"})
    assert len(opened["Plaintext"]) == 16
    with pytest.raises(ClientError) as error:
        kms.generate_data_key(KeyId=key["KeyId"])
    assert _code(error) == "ValidationException"
    assert len(kms.generate_random(NumberOfBytes=64)["Plaintext"]) == 64


def test_re_encrypt_moves_ciphertext_to_another_key(kms: Any) -> None:
    first, second = _key(kms), _key(kms)
    blob = kms.encrypt(KeyId=first["KeyId"], Plaintext=b"x", EncryptionContext={"a": "1"})[
        "CiphertextBlob"
    ]
    moved = kms.re_encrypt(
        CiphertextBlob=blob,
        SourceEncryptionContext={"a": "1"},
        DestinationKeyId=second["KeyId"],
        DestinationEncryptionContext={"b": "2"},
    )
    assert moved["SourceKeyId"] == first["Arn"] and moved["KeyId"] == second["Arn"]
    opened = kms.decrypt(CiphertextBlob=moved["CiphertextBlob"], EncryptionContext={"b": "2"})
    assert opened["Plaintext"] == b"x" and opened["KeyId"] == second["Arn"]


@pytest.mark.parametrize(
    ("spec", "algorithm"),
    [
        ("ECC_NIST_P256", "ECDSA_SHA_256"),
        ("ECC_NIST_P384", "ECDSA_SHA_384"),
        ("RSA_2048", "RSASSA_PSS_SHA_256"),
        ("RSA_2048", "RSASSA_PKCS1_V1_5_SHA_256"),
    ],
)
def test_sign_and_verify_match_the_public_key(kms: Any, spec: str, algorithm: str) -> None:
    key = _key(kms, KeySpec=spec, KeyUsage="SIGN_VERIFY")
    assert algorithm in key["SigningAlgorithms"]
    signed = kms.sign(KeyId=key["KeyId"], Message=b"hello", SigningAlgorithm=algorithm)
    assert kms.verify(
        KeyId=key["KeyId"],
        Message=b"hello",
        Signature=signed["Signature"],
        SigningAlgorithm=algorithm,
    )["SignatureValid"]
    # Anyone holding GetPublicKey's DER can verify offline, as with AWS.
    public = serialization.load_der_public_key(kms.get_public_key(KeyId=key["KeyId"])["PublicKey"])
    if isinstance(public, ec.EllipticCurvePublicKey):
        digest = hashes.SHA256() if algorithm.endswith("256") else hashes.SHA384()
        public.verify(signed["Signature"], b"hello", ec.ECDSA(digest))
    else:
        chosen = (
            padding.PSS(mgf=padding.MGF1(hashes.SHA256()), salt_length=32)
            if "PSS" in algorithm
            else padding.PKCS1v15()
        )
        public.verify(signed["Signature"], b"hello", chosen, hashes.SHA256())  # type: ignore[union-attr,call-arg]
    with pytest.raises(ClientError) as error:
        kms.verify(
            KeyId=key["KeyId"],
            Message=b"other",
            Signature=signed["Signature"],
            SigningAlgorithm=algorithm,
        )
    assert _code(error) == "KMSInvalidSignatureException"


def test_sign_a_digest(kms: Any) -> None:
    key = _key(kms, KeySpec="ECC_NIST_P256", KeyUsage="SIGN_VERIFY")
    digest = hashlib.sha256(b"big document").digest()
    signed = kms.sign(
        KeyId=key["KeyId"], Message=digest, MessageType="DIGEST", SigningAlgorithm="ECDSA_SHA_256"
    )
    assert kms.verify(
        KeyId=key["KeyId"],
        Message=b"big document",
        Signature=signed["Signature"],
        SigningAlgorithm="ECDSA_SHA_256",
    )["SignatureValid"]


def test_rsa_encryption_keys(kms: Any) -> None:
    key = _key(kms, KeySpec="RSA_2048", KeyUsage="ENCRYPT_DECRYPT")
    blob = kms.encrypt(
        KeyId=key["KeyId"], Plaintext=b"x", EncryptionAlgorithm="RSAES_OAEP_SHA_256"
    )["CiphertextBlob"]
    opened = kms.decrypt(
        CiphertextBlob=blob, KeyId=key["KeyId"], EncryptionAlgorithm="RSAES_OAEP_SHA_256"
    )
    assert opened["Plaintext"] == b"x"


def test_key_usage_mismatch(kms: Any) -> None:
    signing = _key(kms, KeySpec="ECC_NIST_P256", KeyUsage="SIGN_VERIFY")
    with pytest.raises(ClientError) as error:
        kms.encrypt(KeyId=signing["KeyId"], Plaintext=b"x")
    assert _code(error) == "InvalidKeyUsageException"
    symmetric = _key(kms)
    with pytest.raises(ClientError) as error:
        kms.sign(KeyId=symmetric["KeyId"], Message=b"x", SigningAlgorithm="ECDSA_SHA_256")
    assert _code(error) == "InvalidKeyUsageException"


def test_policy_and_tags(kms: Any) -> None:
    key = _key(kms, Tags=[{"TagKey": "team", "TagValue": "core"}])
    policy = kms.get_key_policy(KeyId=key["KeyId"], PolicyName="default")["Policy"]
    assert '"kms:*"' in policy and "arn:aws:iam::123456789012:root" in policy
    kms.put_key_policy(KeyId=key["KeyId"], PolicyName="default", Policy='{"Statement": []}')
    assert kms.get_key_policy(KeyId=key["KeyId"])["Policy"] == '{"Statement": []}'
    kms.tag_resource(KeyId=key["KeyId"], Tags=[{"TagKey": "env", "TagValue": "dev"}])
    kms.untag_resource(KeyId=key["KeyId"], TagKeys=["team"])
    assert kms.list_resource_tags(KeyId=key["KeyId"])["Tags"] == [
        {"TagKey": "env", "TagValue": "dev"}
    ]


def test_keys_survive_a_restart_and_material_is_wrapped(tmp_path: Path) -> None:
    first = KmsServer(tmp_path)
    kms = first.client()
    key = _key(kms)
    blob = kms.encrypt(KeyId=key["KeyId"], Plaintext=b"kept")["CiphertextBlob"]
    first.close()
    master = tmp_path / "kms" / "master.key"
    assert stat.S_IMODE(os.stat(master).st_mode) == 0o600
    second = KmsServer(tmp_path)
    try:
        assert second.client().decrypt(CiphertextBlob=blob)["Plaintext"] == b"kept"
    finally:
        second.close()


def test_paging_list_keys(kms: Any) -> None:
    made = [_key(kms)["KeyId"] for _ in range(3)]
    first = kms.list_keys(Limit=2)
    assert first["Truncated"] is True
    rest = kms.list_keys(Limit=2, Marker=first["NextMarker"])
    assert rest["Truncated"] is False
    assert [k["KeyId"] for k in first["Keys"] + rest["Keys"]] == made
