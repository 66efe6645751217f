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


def ec2_id(prefix: str, stack_name: str, logical_id: str) -> str:
    """An EC2-style id (`vpc-…`, `vpce-…`): the prefix, a dash and 17 lowercase hex digits,
    derived from the stack and logical id."""
    digest = hashlib.sha256("\x00".join((stack_name, prefix, logical_id)).encode()).hexdigest()
    return f"{prefix}-{digest[:17]}"
