"""Key values encoded as bytes whose bytewise order is DynamoDB's key order.

SQLite compares BLOBs with memcmp, so storing keys in this encoding lets SQL's ORDER BY
and range comparisons follow DynamoDB: numbers numerically, strings by their UTF-8
bytes, binaries bytewise (compare.order_key's semantics).
https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/HowItWorks.CoreComponents.html#HowItWorks.CoreComponents.PrimaryKey
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from lamina.services.dynamodb.number import MIN_EXPONENT
from lamina.services.dynamodb.types import type_of

_NEGATIVE, _ZERO, _POSITIVE = b"\x01", b"\x02", b"\x03"
_NEGATIVE_END = b"\xff"
"""Ends a negative number so a shorter digit string (a larger value) sorts after."""


def encode_key(value: Mapping[str, Any]) -> bytes:
    kind = type_of(value)
    if kind == "S":
        return str(value["S"]).encode()
    if kind == "B":
        return bytes(value["B"])
    if kind == "N":
        return encode_number(Decimal(value["N"]))
    raise TypeError(f"{kind} is not a key type")


def encode_number(number: Decimal) -> bytes:
    """Sign byte, then the exponent byte and the significant digits (inverted if negative).

    DynamoDB's exponents span -130..125, so exponent - MIN_EXPONENT fits one byte.
    """
    if not number:
        return _ZERO
    sign, digits, _ = number.as_tuple()
    significant = "".join(map(str, digits)).rstrip("0").encode()
    exponent = number.adjusted() - MIN_EXPONENT
    if not sign:
        return _POSITIVE + bytes([exponent]) + significant
    inverted = bytes(ord("9") + ord("0") - digit for digit in significant)
    return _NEGATIVE + bytes([255 - exponent]) + inverted + _NEGATIVE_END
