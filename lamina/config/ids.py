"""Deterministic physical ids, so API URLs stay the same across restarts.

API Gateway ids are lowercase alphanumeric: 10 characters for APIs and root resources,
6 for resources, 7 for HTTP API integrations (as the consoles show them).
"""

from __future__ import annotations

import hashlib

_ALPHABET = "0123456789abcdefghijklmnopqrstuvwxyz"


def physical_id(*parts: str, length: int = 10) -> str:
    """`length` lowercase alphanumeric characters derived from `parts`."""
    digest = hashlib.sha256("\x00".join(parts).encode()).digest()
    number = int.from_bytes(digest, "big")
    chars = []
    for _ in range(length):
        number, index = divmod(number, len(_ALPHABET))
        chars.append(_ALPHABET[index])
    return "".join(chars)
