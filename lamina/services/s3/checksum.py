"""Additional checksums (`x-amz-checksum-*`): checked against the body on upload, stored,
and answered on a whole-object GET/HEAD that asks for them (`x-amz-checksum-mode: ENABLED`),
where the SDK verifies the bytes it received.

https://docs.aws.amazon.com/AmazonS3/latest/userguide/checking-object-integrity.html
CRC32, SHA1 and SHA256 are computed here; CRC32C and CRC64NVME (no standard-library
implementation) are accepted unverified and not stored.
"""

from __future__ import annotations

import base64
import hashlib
import zlib
from collections.abc import Callable
from typing import Any

from lamina.aws.service import ServiceError


def _crc32(data: bytes) -> bytes:
    return zlib.crc32(data).to_bytes(4, "big")


_ALGORITHMS: dict[str, tuple[str, Callable[[bytes], bytes]]] = {
    "ChecksumCRC32": ("CRC32", _crc32),
    "ChecksumSHA1": ("SHA1", lambda data: hashlib.sha1(data, usedforsecurity=False).digest()),
    "ChecksumSHA256": ("SHA256", lambda data: hashlib.sha256(data).digest()),
}


def verified_checksums(params: dict[str, Any], body: bytes) -> dict[str, str]:
    """The request's checksums this module can compute, each checked against `body`;
    raises BadDigest (400) on a mismatch."""
    found: dict[str, str] = {}
    for member, (name, compute) in _ALGORITHMS.items():
        declared = params.get(member)
        if declared is None:
            continue
        actual = base64.b64encode(compute(body)).decode()
        if declared != actual:
            raise ServiceError(
                "BadDigest",
                f"The {name} you specified did not match the calculated checksum.",
                status=400,
            )
        found[member] = actual
    return found


def answered(checksums: dict[str, str], params: dict[str, Any]) -> dict[str, str]:
    """The stored checksums when the client asked for them."""
    if params.get("ChecksumMode") != "ENABLED" or not checksums:
        return {}
    return {**checksums, "ChecksumType": "FULL_OBJECT"}
