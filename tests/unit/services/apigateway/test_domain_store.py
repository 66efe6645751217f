"""The checks a domain made through the management APIs goes through (domain_store.py):
its truststore read from S3 by bucket, key and version, and its security policy."""

from __future__ import annotations

from pathlib import Path

import pytest

from lamina.services.apigateway.domain_store import (
    ENHANCED_POLICIES,
    LEGACY_POLICIES,
    DomainInputError,
    MutualTls,
    check_policy,
    mutual_tls_of,
)
from tests.tls_pki import ClientCa

ALL = LEGACY_POLICIES + ENHANCED_POLICIES


def test_mutual_tls_of_reads_the_named_object_version(tmp_path: Path) -> None:
    pem = ClientCa(tmp_path, "Example Client CA").pem_path.read_bytes()
    asked: list[tuple[str, str, str | None]] = []

    def source(bucket: str, key: str, version: str | None) -> bytes:
        asked.append((bucket, key, version))
        return pem

    given = {"truststoreUri": "s3://trust/dir/ca.pem", "truststoreVersion": "v7"}
    stored = mutual_tls_of(given, "truststore", source)
    assert asked == [("trust", "dir/ca.pem", "v7")]
    assert stored is not None and stored.truststore_warnings is None
    assert stored.truststore_pem == pem.decode()


def test_mutual_tls_of_refuses_a_uri_that_is_no_s3_object() -> None:
    def source(bucket: str, key: str, version: str | None) -> bytes:
        raise LookupError("NoSuchKey")

    with pytest.raises(DomainInputError, match="s3://bucket-name/key-name"):
        mutual_tls_of({"truststoreUri": "https://example.com/ca.pem"}, "truststore", source)
    with pytest.raises(DomainInputError, match="NoSuchKey"):
        mutual_tls_of({"TruststoreUri": "s3://trust/ca.pem"}, "Truststore", source)


def test_check_policy_needs_tls_1_2_for_mutual_tls() -> None:
    mutual = MutualTls(truststore_uri="s3://trust/ca.pem")
    check_policy("TLS_1_2", ALL, mutual, None)
    with pytest.raises(DomainInputError, match="TLS_1_2"):
        check_policy("TLS_1_0", ALL, mutual, None)
    with pytest.raises(DomainInputError, match="TLS_1_2"):
        check_policy("SecurityPolicy_TLS13_1_2_2021_06", ALL, mutual, "BASIC")


def test_check_policy_enhanced_needs_an_access_mode() -> None:
    check_policy("SecurityPolicy_TLS13_1_3_2025_09", ALL, None, "STRICT")
    with pytest.raises(DomainInputError, match="endpoint access mode"):
        check_policy("SecurityPolicy_TLS13_1_3_2025_09", ALL, None, None)
    with pytest.raises(DomainInputError, match="Invalid endpoint access mode"):
        check_policy("TLS_1_2", ALL, None, "LOOSE")
    with pytest.raises(DomainInputError, match="Invalid security policy"):
        check_policy("SecurityPolicy_TLS13_1_3_2025_09", LEGACY_POLICIES, None, "STRICT")
