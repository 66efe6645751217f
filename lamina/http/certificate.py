"""Lamina's local certificate authority: one CA under `.lamina/tls/`, leaf certificates for
the names it serves (localhost, 127.0.0.1, custom domains), reused across restarts.

Why a CA rather than one self-signed certificate: the user trusts one file (`ca.pem`)
once — `curl --cacert`, `SSL_CERT_FILE`, `REQUESTS_CA_BUNDLE` — and every leaf Lamina
issues later (a new custom domain) is trusted with it.

Keys are ECDSA P-256 (API Gateway accepts ECDSA-256 or stronger; they are quick to make)
and are written with mode 0600 in a 0700 folder.
"""

from __future__ import annotations

import datetime
import ipaddress
import os
from collections.abc import Iterable, Sequence
from pathlib import Path

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

CA_DAYS = 3650
LEAF_DAYS = 365
RENEW_BEFORE = datetime.timedelta(days=30)
"""A leaf this close to expiry is issued afresh at start."""


class KeyPair:
    """A certificate (PEM, possibly followed by its chain) and its private key, on disk."""

    __slots__ = ("cert_path", "key_path")

    def __init__(self, cert_path: Path, key_path: Path) -> None:
        self.cert_path = cert_path
        self.key_path = key_path

    def certificate(self) -> x509.Certificate:
        return x509.load_pem_x509_certificate(self.cert_path.read_bytes())

    def names(self) -> set[str]:
        """The DNS names and IP addresses the certificate is issued for (lowercase)."""
        return _san_names(self.certificate())


def covers(names: set[str], host: str) -> bool:
    """Whether a certificate issued for `names` is valid for `host` (RFC 6125: a wildcard
    stands for exactly one leftmost label)."""
    host = host.lower()
    if host in names:
        return True
    _, dot, parent = host.partition(".")
    return bool(dot) and f"*.{parent}" in names


def _now() -> datetime.datetime:
    return datetime.datetime.now(datetime.UTC)


def _write_private(path: Path, data: bytes) -> None:
    """Write a key file readable by its owner only (0600), whatever the umask."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)
    os.chmod(path, 0o600)


def _key_pem(key: ec.EllipticCurvePrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


def subject_alt_names(names: Iterable[str]) -> list[x509.GeneralName]:
    """IP literals become iPAddress entries, everything else dNSName (wildcards allowed)."""
    entries: list[x509.GeneralName] = []
    for name in names:
        try:
            entries.append(x509.IPAddress(ipaddress.ip_address(name)))
        except ValueError:
            entries.append(x509.DNSName(name.lower()))
    return entries


def _san_names(cert: x509.Certificate) -> set[str]:
    try:
        san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    except x509.ExtensionNotFound:
        return set()
    found = {str(name).lower() for name in san.get_values_for_type(x509.DNSName)}
    found |= {str(ip) for ip in san.get_values_for_type(x509.IPAddress)}
    return found


class CertificateAuthority:
    """The CA in `folder` (ca.pem, ca-key.pem), created on first use."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.cert_path = folder / "ca.pem"
        self.key_path = folder / "ca-key.pem"
        folder.mkdir(parents=True, exist_ok=True)
        os.chmod(folder, 0o700)
        if self.cert_path.exists() and self.key_path.exists():
            self._cert = x509.load_pem_x509_certificate(self.cert_path.read_bytes())
            key = serialization.load_pem_private_key(self.key_path.read_bytes(), password=None)
            if not isinstance(key, ec.EllipticCurvePrivateKey):
                raise ValueError(f"{self.key_path}: not the EC key Lamina writes")
            self._key = key
        else:
            self._key, self._cert = self._create()

    def _create(self) -> tuple[ec.EllipticCurvePrivateKey, x509.Certificate]:
        key = ec.generate_private_key(ec.SECP256R1())
        name = x509.Name(
            [
                x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Lamina"),
                x509.NameAttribute(NameOID.COMMON_NAME, "Lamina local CA"),
            ]
        )
        now = _now()
        public = key.public_key()
        cert = (
            x509.CertificateBuilder()
            .subject_name(name)
            .issuer_name(name)
            .public_key(public)
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(minutes=5))
            .not_valid_after(now + datetime.timedelta(days=CA_DAYS))
            .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
            .add_extension(
                x509.KeyUsage(
                    digital_signature=True,
                    content_commitment=False,
                    key_encipherment=False,
                    data_encipherment=False,
                    key_agreement=False,
                    key_cert_sign=True,
                    crl_sign=True,
                    encipher_only=False,
                    decipher_only=False,
                ),
                critical=True,
            )
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(public), critical=False)
            .sign(key, hashes.SHA256())
        )
        _write_private(self.key_path, _key_pem(key))
        self.cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
        return key, cert

    @property
    def certificate(self) -> x509.Certificate:
        return self._cert

    def leaf(self, stem: str, names: Sequence[str]) -> KeyPair:
        """`{stem}.pem` / `{stem}-key.pem` for `names`: the files on disk when this CA
        signed them, they cover every name and are not about to expire; else issued anew."""
        pair = KeyPair(self.folder / f"{stem}.pem", self.folder / f"{stem}-key.pem")
        if not self._reusable(pair, names):
            self._issue(pair, names)
        return pair

    def _reusable(self, pair: KeyPair, names: Sequence[str]) -> bool:
        if not (pair.cert_path.exists() and pair.key_path.exists()):
            return False
        try:
            cert = pair.certificate()
            cert.verify_directly_issued_by(self._cert)
        except (ValueError, TypeError, InvalidSignature):
            return False
        wanted = {str(entry.value).lower() for entry in subject_alt_names(names)}
        fresh = cert.not_valid_after_utc - _now() > RENEW_BEFORE
        return fresh and wanted <= _san_names(cert)

    def _issue(self, pair: KeyPair, names: Sequence[str]) -> None:
        key = ec.generate_private_key(ec.SECP256R1())
        now = _now()
        public = key.public_key()
        ca_public = self._cert.public_key()
        assert isinstance(ca_public, ec.EllipticCurvePublicKey)
        cert = (
            x509.CertificateBuilder()
            .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, names[0])]))
            .issuer_name(self._cert.subject)
            .public_key(public)
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(minutes=5))
            .not_valid_after(now + datetime.timedelta(days=LEAF_DAYS))
            .add_extension(x509.SubjectAlternativeName(subject_alt_names(names)), critical=False)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(public), critical=False)
            .add_extension(
                x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_public), critical=False
            )
            .sign(self._key, hashes.SHA256())
        )
        _write_private(pair.key_path, _key_pem(key))
        pair.cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
