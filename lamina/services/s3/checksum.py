"""Additional checksums (`x-amz-checksum-*`): computed as an upload's body streams in,
checked against the ones the request declared (in headers, or in aws-chunked trailers that
arrive after the body), stored, and answered on a whole-object GET/HEAD that asks for them
(`x-amz-checksum-mode: ENABLED`), where the SDK verifies the bytes it received.

https://docs.aws.amazon.com/AmazonS3/latest/userguide/checking-object-integrity.html
CRC32, CRC32C (google-crc32c), SHA1 and SHA256 are computed; CRC64NVME is accepted
unverified and not stored. An algorithm named (`x-amz-sdk-checksum-algorithm`) without a
value is computed and stored (the docs say S3 calculates it; they do not say it refuses).
"""

from __future__ import annotations

import base64
import hashlib
import zlib
from collections.abc import Callable, Iterable
from typing import Any, Protocol

import google_crc32c

from lamina.aws.service import ServiceError


class _Running(Protocol):
    def update(self, data: bytes, /) -> None: ...

    def digest(self) -> bytes: ...


class _Crc32:
    def __init__(self) -> None:
        self._value = 0

    def update(self, data: bytes, /) -> None:
        self._value = zlib.crc32(data, self._value)

    def digest(self) -> bytes:
        return self._value.to_bytes(4, "big")


class _Crc32c:
    def __init__(self) -> None:
        self._value = 0

    def update(self, data: bytes, /) -> None:
        self._value = google_crc32c.extend(self._value, data)

    def digest(self) -> bytes:
        return self._value.to_bytes(4, "big")


# member name -> (algorithm, new running checksum)
_ALGORITHMS: dict[str, tuple[str, Callable[[], _Running]]] = {
    "ChecksumCRC32": ("CRC32", _Crc32),
    "ChecksumCRC32C": ("CRC32C", _Crc32c),
    "ChecksumSHA1": ("SHA1", lambda: hashlib.sha1(usedforsecurity=False)),
    "ChecksumSHA256": ("SHA256", hashlib.sha256),
}


def _member(algorithm: str) -> str:
    return f"Checksum{algorithm.upper()}"


def _header_member(name: str) -> str | None:
    """`x-amz-checksum-crc32` -> ChecksumCRC32 (None for any other header)."""
    lowered = name.lower()
    if not lowered.startswith("x-amz-checksum-"):
        return None
    member = _member(lowered.removeprefix("x-amz-checksum-"))
    return member if member in _ALGORITHMS else None


class Checksums:
    """The checksums a request declares or asks for, running over its body."""

    def __init__(self, params: dict[str, Any], trailer_names: Iterable[str] = ()) -> None:
        wanted = {member for member in _ALGORITHMS if params.get(member) is not None}
        algorithm = params.get("ChecksumAlgorithm")
        if algorithm and _member(algorithm) in _ALGORITHMS:
            wanted.add(_member(algorithm))
        wanted.update(m for m in map(_header_member, trailer_names) if m is not None)
        self._running = {member: _ALGORITHMS[member][1]() for member in sorted(wanted)}

    def update(self, data: bytes, /) -> None:
        for running in self._running.values():
            running.update(data)

    def verified(
        self, params: dict[str, Any], trailers: Iterable[tuple[str, str]] = ()
    ) -> dict[str, str]:
        """The computed checksums (member -> base64), each declared one checked; raises
        BadDigest (400) on a mismatch."""
        declared = {member: params.get(member) for member in self._running}
        for name, value in trailers:
            member = _header_member(name)
            if member is not None:
                declared[member] = value
        found: dict[str, str] = {}
        for member, running in self._running.items():
            actual = base64.b64encode(running.digest()).decode()
            expected = declared.get(member)
            if expected is not None and expected != actual:
                raise ServiceError(
                    "BadDigest",
                    f"The {_ALGORITHMS[member][0]} you specified did not match the calculated "
                    "checksum.",
                    status=400,
                )
            found[member] = actual
        return found


def verified_checksums(params: dict[str, Any], body: bytes) -> dict[str, str]:
    """The request's checksums computed over a body held whole, each declared one checked."""
    checksums = Checksums(params)
    checksums.update(body)
    return checksums.verified(params)


def answered(checksums: dict[str, str], params: dict[str, Any]) -> dict[str, str]:
    """The stored checksums when the client asked for them."""
    if params.get("ChecksumMode") != "ENABLED" or not checksums:
        return {}
    return {**checksums, "ChecksumType": "FULL_OBJECT"}
