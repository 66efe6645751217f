"""Key specs: what each can do, and how its material is made and used.

https://docs.aws.amazon.com/kms/latest/developerguide/symm-asymm-choose-key-spec.html
"""

from __future__ import annotations

import os

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.asymmetric.types import PrivateKeyTypes

SYMMETRIC = "SYMMETRIC_DEFAULT"
ENCRYPT_DECRYPT = "ENCRYPT_DECRYPT"
SIGN_VERIFY = "SIGN_VERIFY"

_RSA_SIZES = {"RSA_2048": 2048, "RSA_3072": 3072, "RSA_4096": 4096}
_CURVES: dict[str, ec.EllipticCurve] = {
    "ECC_NIST_P256": ec.SECP256R1(),
    "ECC_NIST_P384": ec.SECP384R1(),
    "ECC_NIST_P521": ec.SECP521R1(),
    "ECC_SECG_P256K1": ec.SECP256K1(),
}
# Which signing algorithm each ECC spec takes.
_ECC_SIGNING = {
    "ECC_NIST_P256": "ECDSA_SHA_256",
    "ECC_NIST_P384": "ECDSA_SHA_384",
    "ECC_NIST_P521": "ECDSA_SHA_512",
    "ECC_SECG_P256K1": "ECDSA_SHA_256",
}
RSA_SIGNING = (
    "RSASSA_PSS_SHA_256",
    "RSASSA_PSS_SHA_384",
    "RSASSA_PSS_SHA_512",
    "RSASSA_PKCS1_V1_5_SHA_256",
    "RSASSA_PKCS1_V1_5_SHA_384",
    "RSASSA_PKCS1_V1_5_SHA_512",
)
RSA_ENCRYPTION = ("RSAES_OAEP_SHA_1", "RSAES_OAEP_SHA_256")
SUPPORTED_SPECS = (SYMMETRIC, *_RSA_SIZES, *_CURVES)

_HASHES: dict[str, type[hashes.HashAlgorithm]] = {
    "1": hashes.SHA1,
    "256": hashes.SHA256,
    "384": hashes.SHA384,
    "512": hashes.SHA512,
}


def usages(spec: str) -> tuple[str, ...]:
    """Key usages a spec allows (symmetric keys encrypt; ECC keys sign; RSA keys do either)."""
    if spec == SYMMETRIC:
        return (ENCRYPT_DECRYPT,)
    if spec in _CURVES:
        return (SIGN_VERIFY,)
    return (ENCRYPT_DECRYPT, SIGN_VERIFY)


def encryption_algorithms(spec: str, usage: str) -> list[str] | None:
    if usage != ENCRYPT_DECRYPT:
        return None
    return [SYMMETRIC] if spec == SYMMETRIC else list(RSA_ENCRYPTION)


def signing_algorithms(spec: str, usage: str) -> list[str] | None:
    if usage != SIGN_VERIFY:
        return None
    return [_ECC_SIGNING[spec]] if spec in _CURVES else list(RSA_SIGNING)


def generate(spec: str) -> bytes:
    """New key material: 32 random bytes (AES-256) or a PKCS#8 DER private key."""
    if spec == SYMMETRIC:
        return os.urandom(32)
    private: PrivateKeyTypes
    if spec in _RSA_SIZES:
        private = rsa.generate_private_key(public_exponent=65537, key_size=_RSA_SIZES[spec])
    else:
        private = ec.generate_private_key(_CURVES[spec])
    return private.private_bytes(
        serialization.Encoding.DER,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


def private_key(material: bytes) -> rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey:
    key = serialization.load_der_private_key(material, password=None)
    assert isinstance(key, rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey)
    return key


def public_key_der(material: bytes) -> bytes:
    """The public key as DER-encoded SubjectPublicKeyInfo, as GetPublicKey returns it."""
    return (
        private_key(material)
        .public_key()
        .public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    )


def hash_of(algorithm: str) -> hashes.HashAlgorithm:
    """The hash named at the end of an algorithm name (…_SHA_256)."""
    return _HASHES[algorithm.rsplit("_SHA_", 1)[1]]()


def oaep(algorithm: str) -> padding.OAEP:
    digest = hashes.SHA1() if algorithm == "RSAES_OAEP_SHA_1" else hashes.SHA256()
    return padding.OAEP(mgf=padding.MGF1(digest), algorithm=digest, label=None)


def rsa_signature_padding(algorithm: str) -> padding.AsymmetricPadding:
    if algorithm.startswith("RSASSA_PSS"):
        # KMS uses a salt as long as the digest.
        # https://docs.aws.amazon.com/kms/latest/developerguide/asymmetric-key-specs.html
        return padding.PSS(
            mgf=padding.MGF1(hash_of(algorithm)), salt_length=padding.PSS.DIGEST_LENGTH
        )
    return padding.PKCS1v15()
