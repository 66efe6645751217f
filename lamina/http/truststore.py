"""A mutual-TLS truststore read as API Gateway reads one: a PEM bundle whose certificates
are checked when the domain is set up, the invalid ones reported as warnings and left out.

https://docs.aws.amazon.com/apigateway/latest/developerguide/rest-api-mutual-tls.html:
"API Gateway returns warnings if included certificates in the truststore are invalid.
Mutual TLS is still enabled, but some clients might not be able to access your API."
Supported: "SHA-256 or stronger, RSA-2048 or stronger, ECDSA-256 or stronger"; validated
properties include "Validity: The certificate's validity period must be current". So a
certificate outside its validity, signed with a weaker hash or holding a weaker key is
named in a warning and not trusted: a client certificate chaining only to it is refused.
Like AWS ("API Gateway produces certificate warnings only when you update your domain
name"), the check runs when Lamina starts, not again when a certificate expires later.
"""

from __future__ import annotations

import datetime
from pathlib import Path

from cryptography import x509
from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa

_STRONG_HASHES = (hashes.SHA256, hashes.SHA384, hashes.SHA512)


class TruststoreError(ValueError):
    """A truststore that cannot be read, or holds no certificate Lamina can trust."""


class Truststore:
    """The certificates of a bundle that can be trusted, and a warning for each other one."""

    __slots__ = ("path", "trusted", "warnings")

    def __init__(
        self, path: Path | str, trusted: list[x509.Certificate], warnings: list[str]
    ) -> None:
        self.path = path
        self.trusted = trusted
        self.warnings = warnings

    def pem(self) -> str:
        """The trusted certificates as one PEM bundle (SSLContext.load_verify_locations)."""
        encoded = serialization.Encoding.PEM
        return "".join(cert.public_bytes(encoded).decode("ascii") for cert in self.trusted)


def _problem(cert: x509.Certificate, now: datetime.datetime) -> str | None:
    """Why API Gateway would not accept `cert` in a truststore; None when it would."""
    if now < cert.not_valid_before_utc:
        return f"is not valid before {cert.not_valid_before_utc:%Y-%m-%d %H:%M:%S} UTC"
    if now > cert.not_valid_after_utc:
        return f"expired on {cert.not_valid_after_utc:%Y-%m-%d %H:%M:%S} UTC"
    return weakness(cert)


def weakness(cert: x509.Certificate) -> str | None:
    """What makes `cert` use an algorithm API Gateway does not support (a client
    certificate so signed is denied with 403, as an untrusted or expired one is); None
    when it uses a supported one."""
    try:
        algorithm = cert.signature_hash_algorithm
        key = cert.public_key()
    except (UnsupportedAlgorithm, ValueError):  # an algorithm `cryptography` does not know
        oid = cert.signature_algorithm_oid.dotted_string
        return f"uses an unsupported signature algorithm ({oid})"
    if isinstance(key, rsa.RSAPublicKey):
        if key.key_size < 2048:
            return f"has an RSA-{key.key_size} key (RSA-2048 or stronger is required)"
    elif isinstance(key, ec.EllipticCurvePublicKey):
        if key.curve.key_size < 256:
            return f"has an ECDSA-{key.curve.key_size} key (ECDSA-256 or stronger is required)"
    else:
        return f"has a {type(key).__name__} key (RSA or ECDSA is required)"
    if algorithm is None or not isinstance(algorithm, _STRONG_HASHES):
        name = algorithm.name.upper() if algorithm is not None else "no digest"
        return f"is signed with {name} (SHA-256 or stronger is required)"
    return None


def read_truststore(path: Path, now: datetime.datetime | None = None) -> Truststore:
    """Raises TruststoreError for a file that is not a PEM bundle of certificates, or one
    none of whose certificates can be trusted (mutual TLS would refuse every client)."""
    try:
        data = path.read_bytes()
    except OSError as error:
        raise TruststoreError(f"truststore {path}: cannot be read ({error})") from error
    return parse_truststore(data, path, now)


def parse_truststore(
    data: bytes, path: Path | str, now: datetime.datetime | None = None
) -> Truststore:
    """`read_truststore` of bytes already read (an S3 object's); `path` (or an s3:// URI)
    names them."""
    moment = now or datetime.datetime.now(datetime.UTC)
    try:
        certificates = x509.load_pem_x509_certificates(data)
    except ValueError as error:
        raise TruststoreError(
            f"truststore {path}: not a PEM bundle of certificates ({error})"
        ) from error
    trusted: list[x509.Certificate] = []
    warnings: list[str] = []
    for position, cert in enumerate(certificates, start=1):
        problem = _problem(cert, moment)
        if problem is None:
            trusted.append(cert)
        else:
            subject = cert.subject.rfc4514_string() or "(no subject)"
            warnings.append(
                f"truststore {path}: certificate {position} ({subject}) {problem}; "
                "clients whose certificates chain only to it are refused"
            )
    if not trusted:
        raise TruststoreError(
            f"truststore {path}: no certificate can be trusted ({'; '.join(warnings)})"
        )
    return Truststore(path, trusted, warnings)
