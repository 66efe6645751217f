"""Lamina's local CA: files, permissions, names, reuse across restarts."""

from __future__ import annotations

import ipaddress
import stat
from pathlib import Path

from cryptography import x509

from lamina.http.certificate import CertificateAuthority, covers


def _sans(path: Path) -> set[str]:
    cert = x509.load_pem_x509_certificate(path.read_bytes())
    san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    return {str(v) for v in san.get_values_for_type(x509.DNSName)} | {
        str(v) for v in san.get_values_for_type(x509.IPAddress)
    }


def test_ca_creates_key_files_readable_by_owner_only(tmp_path: Path) -> None:
    ca = CertificateAuthority(tmp_path / "tls")
    pair = ca.leaf("localhost", ["localhost", "127.0.0.1"])
    for key in (ca.key_path, pair.key_path):
        assert stat.S_IMODE(key.stat().st_mode) == 0o600
    assert stat.S_IMODE((tmp_path / "tls").stat().st_mode) == 0o700
    assert ca.certificate.extensions.get_extension_for_class(x509.BasicConstraints).value.ca


def test_leaf_covers_dns_names_and_ip_literals(tmp_path: Path) -> None:
    ca = CertificateAuthority(tmp_path)
    pair = ca.leaf("localhost", ["localhost", "127.0.0.1", "::1", "*.execute-api.localhost"])
    assert _sans(pair.cert_path) == {"localhost", "127.0.0.1", "::1", "*.execute-api.localhost"}
    cert = pair.certificate()
    cert.verify_directly_issued_by(ca.certificate)
    san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert ipaddress.ip_address("127.0.0.1") in san.get_values_for_type(x509.IPAddress)


def test_ca_and_leaf_are_reused_across_restarts(tmp_path: Path) -> None:
    first = CertificateAuthority(tmp_path)
    leaf = first.leaf("localhost", ["localhost", "127.0.0.1"])
    before = (first.cert_path.read_bytes(), leaf.cert_path.read_bytes())
    again = CertificateAuthority(tmp_path)
    leaf_again = again.leaf("localhost", ["127.0.0.1", "localhost"])
    assert (again.cert_path.read_bytes(), leaf_again.cert_path.read_bytes()) == before


def test_leaf_is_reissued_when_a_name_is_added(tmp_path: Path) -> None:
    ca = CertificateAuthority(tmp_path)
    old = ca.leaf("localhost", ["localhost"]).cert_path.read_bytes()
    pair = ca.leaf("localhost", ["localhost", "api.example.com"])
    assert pair.cert_path.read_bytes() != old
    assert _sans(pair.cert_path) == {"localhost", "api.example.com"}


def test_leaf_signed_by_another_ca_is_replaced(tmp_path: Path) -> None:
    CertificateAuthority(tmp_path / "a").leaf("localhost", ["localhost"])
    other = CertificateAuthority(tmp_path / "b")
    (tmp_path / "b" / "localhost.pem").write_bytes((tmp_path / "a" / "localhost.pem").read_bytes())
    (tmp_path / "b" / "localhost-key.pem").write_bytes(
        (tmp_path / "a" / "localhost-key.pem").read_bytes()
    )
    pair = other.leaf("localhost", ["localhost"])
    pair.certificate().verify_directly_issued_by(other.certificate)


def test_covers_matches_exact_names_and_one_label_wildcards(tmp_path: Path) -> None:
    pair = CertificateAuthority(tmp_path).leaf("mine", ["localhost", "127.0.0.1", "*.b.test"])
    names = pair.names()
    assert names == {"localhost", "127.0.0.1", "*.b.test"}
    assert covers(names, "LOCALHOST") and covers(names, "127.0.0.1")
    assert covers(names, "a.b.test")
    assert not covers(names, "b.test")  # a wildcard needs its label
    assert not covers(names, "x.a.b.test")  # and stands for one label only
    assert not covers(names, "127.0.0.2")
