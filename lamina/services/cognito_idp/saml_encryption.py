"""Encrypted SAML assertions (ProviderDetails EncryptedResponses "true").

The user pool makes an encryption key pair for the provider and shows its certificate as
ActiveEncryptionCertificate; the IdP encrypts each assertion to it (XML Encryption: an
EncryptedAssertion whose EncryptedData's content key is RSA-OAEP-wrapped in an
EncryptedKey). With EncryptedResponses on, an unencrypted assertion is refused.
https://docs.aws.amazon.com/cognito/latest/developerguide/cognito-user-pools-SAML-signing-encryption.html
https://docs.aws.amazon.com/cognito-user-identity-pools/latest/APIReference/API_CreateIdentityProvider.html
XML Encryption: https://www.w3.org/TR/xmlenc-core1/

The private key is kept sealed (AES-GCM) under a key derived from the pool's own signing
key, which is itself stored encrypted under KMS -- so no private key sits in the state in
the clear.
"""

from __future__ import annotations

import base64
import datetime
import os

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.asymmetric.padding import MGF1, OAEP
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from cryptography.x509.oid import NameOID
from lxml import etree

from lamina.services.cognito_idp.saml_metadata import DS, parse_xml

XENC = "http://www.w3.org/2001/04/xmlenc#"
XENC11 = "http://www.w3.org/2009/xmlenc11#"
_CBC = {f"{XENC}aes128-cbc": 16, f"{XENC}aes192-cbc": 24, f"{XENC}aes256-cbc": 32}
_GCM = {f"{XENC11}aes128-gcm": 16, f"{XENC11}aes192-gcm": 24, f"{XENC11}aes256-gcm": 32}
_DIGESTS: dict[str, type[hashes.HashAlgorithm]] = {
    "http://www.w3.org/2000/09/xmldsig#sha1": hashes.SHA1,
    "http://www.w3.org/2001/04/xmlenc#sha256": hashes.SHA256,
    "http://www.w3.org/2001/04/xmlenc#sha512": hashes.SHA512,
}
_MGFS: dict[str, type[hashes.HashAlgorithm]] = {
    f"{XENC11}mgf1sha1": hashes.SHA1,
    f"{XENC11}mgf1sha256": hashes.SHA256,
    f"{XENC11}mgf1sha512": hashes.SHA512,
}
CERTIFICATE_YEARS = 10


class DecryptionError(Exception):
    """An EncryptedAssertion this provider's key cannot open (the sign-in is refused)."""


class EncryptionKey:
    """The provider's SP encryption key pair and certificate."""

    def __init__(self, private: rsa.RSAPrivateKey, certificate: x509.Certificate) -> None:
        self.private = private
        self.certificate = certificate

    @classmethod
    def generate(cls, sp_entity_id: str, now: float) -> EncryptionKey:
        private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, sp_entity_id[:64])])
        start = datetime.datetime.fromtimestamp(now, datetime.UTC)
        certificate = (
            x509.CertificateBuilder()
            .subject_name(name)
            .issuer_name(name)
            .public_key(private.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(start)
            .not_valid_after(start + datetime.timedelta(days=365 * CERTIFICATE_YEARS))
            .sign(private, hashes.SHA256())
        )
        return cls(private, certificate)

    def certificate_text(self) -> str:
        """ActiveEncryptionCertificate: the certificate as base64 DER (PEM without armour)."""
        der = self.certificate.public_bytes(serialization.Encoding.DER)
        return base64.b64encode(der).decode()

    def seal(self, secret: bytes) -> bytes:
        der = self.private.private_bytes(
            serialization.Encoding.DER,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        nonce = os.urandom(12)
        return nonce + AESGCM(_sealing_key(secret)).encrypt(nonce, der, None)

    @classmethod
    def unseal(cls, secret: bytes, sealed: bytes, certificate_text: str) -> EncryptionKey:
        der = AESGCM(_sealing_key(secret)).decrypt(sealed[:12], sealed[12:], None)
        private = serialization.load_der_private_key(der, password=None)
        if not isinstance(private, rsa.RSAPrivateKey):
            raise ValueError("not an RSA key")
        certificate = x509.load_der_x509_certificate(base64.b64decode(certificate_text))
        return cls(private, certificate)


def _sealing_key(secret: bytes) -> bytes:
    return HKDF(hashes.SHA256(), 32, None, b"lamina saml encryption key").derive(secret)


def decrypt_assertion(encrypted: etree._Element, key: rsa.RSAPrivateKey) -> etree._Element:
    """The Assertion inside an EncryptedAssertion; DecryptionError when it cannot be read
    (RSA 1.5 key transport is refused: it leaks to padding oracles)."""
    data = encrypted.find(f"{{{XENC}}}EncryptedData")
    if data is None:
        raise DecryptionError("no EncryptedData")
    wrapped = data.find(f"{{{DS}}}KeyInfo/{{{XENC}}}EncryptedKey")
    if wrapped is None:
        wrapped = encrypted.find(f"{{{XENC}}}EncryptedKey")
    if wrapped is None:
        raise DecryptionError("no EncryptedKey")
    content_key = _unwrap(wrapped, key)
    method = _algorithm(data)
    cipher_text = _cipher_value(data)
    try:
        if method in _GCM and len(content_key) == _GCM[method]:
            plain = AESGCM(content_key).decrypt(cipher_text[:12], cipher_text[12:], None)
        elif method in _CBC and len(content_key) == _CBC[method]:
            plain = _cbc(content_key, cipher_text)
        else:
            raise DecryptionError(f"unsupported data encryption {method}")
        assertion = parse_xml(plain)
    except (ValueError, etree.XMLSyntaxError) as error:
        raise DecryptionError(f"the assertion cannot be decrypted: {error}") from None
    return assertion


def _unwrap(wrapped: etree._Element, key: rsa.RSAPrivateKey) -> bytes:
    method = wrapped.find(f"{{{XENC}}}EncryptionMethod")
    algorithm = "" if method is None else method.get("Algorithm", "")
    if algorithm not in (f"{XENC}rsa-oaep-mgf1p", f"{XENC11}rsa-oaep"):
        raise DecryptionError(f"unsupported key transport {algorithm}")
    assert method is not None
    digest_element = method.find(f"{{{DS}}}DigestMethod")
    digest = _DIGESTS.get(
        "http://www.w3.org/2000/09/xmldsig#sha1"
        if digest_element is None
        else digest_element.get("Algorithm", ""),
    )
    mgf_element = method.find(f"{{{XENC11}}}MGF")
    mgf = hashes.SHA1 if mgf_element is None else _MGFS.get(mgf_element.get("Algorithm", ""))
    if digest is None or mgf is None or (algorithm.endswith("mgf1p") and mgf is not hashes.SHA1):
        raise DecryptionError("unsupported OAEP parameters")
    try:
        return key.decrypt(
            _cipher_value(wrapped), OAEP(mgf=MGF1(mgf()), algorithm=digest(), label=None)
        )
    except ValueError:
        raise DecryptionError("the content key cannot be unwrapped") from None


def _algorithm(element: etree._Element) -> str:
    method = element.find(f"{{{XENC}}}EncryptionMethod")
    return "" if method is None else method.get("Algorithm", "")


def _cipher_value(element: etree._Element) -> bytes:
    value = element.find(f"{{{XENC}}}CipherData/{{{XENC}}}CipherValue")
    if value is None or not value.text:
        raise DecryptionError("no CipherValue")
    try:
        return base64.b64decode("".join(value.text.split()), validate=True)
    except ValueError:
        raise DecryptionError("the CipherValue is not base64") from None


def _cbc(key: bytes, cipher_text: bytes) -> bytes:
    """XML Encryption's CBC: the IV first; the last byte of the plain text says how many
    padding bytes to drop (their values are arbitrary, unlike PKCS#7)."""
    if len(cipher_text) < 32 or len(cipher_text) % 16:
        raise DecryptionError("bad CBC cipher text")
    decryptor = Cipher(algorithms.AES(key), modes.CBC(cipher_text[:16])).decryptor()
    plain = decryptor.update(cipher_text[16:]) + decryptor.finalize()
    count = plain[-1]
    if not 1 <= count <= 16:
        raise DecryptionError("bad CBC padding")
    return plain[:-count]
