"""Truststores read as API Gateway reads them: invalid certificates become warnings and are
not trusted; a file with nothing to trust is refused."""

from __future__ import annotations

import datetime
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.asymmetric.types import CertificateIssuerPrivateKeyTypes
from cryptography.x509.oid import NameOID

from lamina.http.truststore import TruststoreError, read_truststore

NOW = datetime.datetime(2026, 6, 1, tzinfo=datetime.UTC)
DAY = datetime.timedelta(days=1)


def _ca(
    name: str,
    *,
    key: CertificateIssuerPrivateKeyTypes | None = None,
    algorithm: hashes.HashAlgorithm | None = None,
    not_before: datetime.datetime = NOW - DAY,
    not_after: datetime.datetime = NOW + 365 * DAY,
) -> x509.Certificate:
    signer = key or ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    return (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(signer.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(not_before)
        .not_valid_after(not_after)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(signer, algorithm or hashes.SHA256())
    )


def _bundle(tmp_path: Path, *certs: x509.Certificate) -> Path:
    path = tmp_path / "truststore.pem"
    path.write_bytes(b"".join(c.public_bytes(serialization.Encoding.PEM) for c in certs))
    return path


def test_valid_certificates_are_trusted_without_warnings(tmp_path: Path) -> None:
    first, second = _ca("First CA"), _ca("Second CA")
    store = read_truststore(_bundle(tmp_path, first, second), NOW)
    assert (store.trusted, store.warnings) == ([first, second], [])
    assert x509.load_pem_x509_certificates(store.pem().encode()) == [first, second]


def test_invalid_certificates_are_warned_about_and_left_out(tmp_path: Path) -> None:
    good = _ca("Good CA")
    expired = _ca("Old CA", not_before=NOW - 400 * DAY, not_after=NOW - DAY)
    early = _ca("Future CA", not_before=NOW + DAY)
    weak = _ca("Sha224 CA", algorithm=hashes.SHA224())
    small_rsa = _ca("Small CA", key=rsa.generate_private_key(public_exponent=65537, key_size=1024))
    path = _bundle(tmp_path, expired, good, early, weak, small_rsa)
    store = read_truststore(path, NOW)
    assert store.trusted == [good]
    assert len(store.warnings) == 4
    first = store.warnings[0]
    assert first.startswith(f"truststore {path}: certificate 1 (CN=Old CA) expired on 2026-05-31")
    assert "certificate 3 (CN=Future CA) is not valid before 2026-06-02" in store.warnings[1]
    assert "certificate 4 (CN=Sha224 CA) is signed with SHA224" in store.warnings[2]
    assert "certificate 5 (CN=Small CA) has an RSA-1024 key" in store.warnings[3]


def test_a_truststore_with_nothing_to_trust_is_refused(tmp_path: Path) -> None:
    expired = _ca("Old CA", not_before=NOW - 400 * DAY, not_after=NOW - DAY)
    with pytest.raises(TruststoreError, match=r"no certificate can be trusted.*expired"):
        read_truststore(_bundle(tmp_path, expired), NOW)


def test_a_file_that_is_not_a_pem_bundle_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "truststore.pem"
    path.write_text("placeholder")
    with pytest.raises(TruststoreError, match="not a PEM bundle of certificates"):
        read_truststore(path, NOW)


def test_an_ed25519_certificate_is_warned_about_not_trusted(tmp_path: Path) -> None:
    """API Gateway supports RSA and ECDSA keys: an Ed25519 CA is named and left out (it
    used to pass, having no digest to find weak)."""
    from cryptography.hazmat.primitives.asymmetric import ed25519

    signer = ed25519.Ed25519PrivateKey.generate()
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "edwards")])
    edwards = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(signer.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(NOW - DAY)
        .not_valid_after(NOW + DAY)
        .sign(signer, None)
    )
    store = read_truststore(_bundle(tmp_path, _ca("good"), edwards), now=NOW)
    assert len(store.trusted) == 1
    (warning,) = store.warnings
    assert "Ed25519PublicKey key (RSA or ECDSA is required)" in warning
