"""DynamoDB numbers: parsing, range and precision checks, the normalized wire form.

A Number holds up to 38 significant digits, with a magnitude of 1E-130 to
9.9999999999999999999999999999999999999E+125; leading and trailing zeros are not part of
the value ("1.50" is stored and returned as "1.5").
https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/HowItWorks.NamingRulesDataTypes.html#HowItWorks.DataTypes.Number
https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/ServiceQuotas.html#limits-data-types-numbers
"""

from __future__ import annotations

import re
from decimal import Context, Decimal
from functools import lru_cache

from lamina.aws.service import ServiceError
from lamina.services.dynamodb.error import validation

MAX_DIGITS = 38
MAX_EXPONENT = 125
"""Adjusted exponent of the largest magnitude (9.99...E+125)."""
MIN_EXPONENT = -130
"""Adjusted exponent of the smallest non-zero magnitude (1E-130)."""

# Java's BigDecimal syntax, which DynamoDB accepts; Python's Decimal would also take
# "NaN", "Infinity" and "1_000".
_SYNTAX = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?")

# Wide enough that arithmetic on two valid numbers is exact before it is checked.
EXACT = Context(prec=MAX_DIGITS * 2 + (MAX_EXPONENT - MIN_EXPONENT) + 2)


@lru_cache(maxsize=8192)
def parse_number(text: str) -> Decimal:
    """The value of a wire number, raising DynamoDB's ValidationException when invalid.
    Cached: one write parses its numbers several times (validation, key encoding, size,
    capacity), and a Decimal is immutable (a refused text raises again, uncached)."""
    if not text:
        raise validation("The parameter cannot be converted to a numeric value")
    if _SYNTAX.fullmatch(text) is None:
        raise validation(f"The parameter cannot be converted to a numeric value: {text}")
    number = Decimal(text)
    check_number(number)
    return number.normalize(EXACT) if number else Decimal(0)


def check_number(number: Decimal) -> None:
    """Raise DynamoDB's error when `number` is out of range or too precise to store."""
    if not number:
        return
    adjusted = number.adjusted()
    if adjusted > MAX_EXPONENT:
        raise _overflow()
    if adjusted < MIN_EXPONENT:
        raise validation(
            "Number underflow. Attempting to store a number with magnitude smaller than "
            "supported range"
        )
    if significant_digits(number) > MAX_DIGITS:
        raise validation("Attempting to store more than 38 significant digits in a Number")


def _overflow() -> ServiceError:
    return validation(
        "Number overflow. Attempting to store a number with magnitude larger than supported range"
    )


def significant_digits(number: Decimal) -> int:
    """Digits between the first and the last non-zero digit (0 has one)."""
    if not number:
        return 1
    return len(number.normalize(EXACT).as_tuple().digits)


def format_number(number: Decimal) -> str:
    """The wire form DynamoDB returns: plain notation, no leading or trailing zeros."""
    if not number:
        return "0"
    return format(number.normalize(EXACT), "f")


def normalize_number(text: str) -> str:
    """Validate a wire number and return its normalized wire form."""
    return format_number(parse_number(text))


def add(left: Decimal, right: Decimal) -> Decimal:
    """`left + right` as SET's "+" computes it, with the stored-number checks."""
    result = EXACT.add(left, right)
    check_number(result)
    return result


def subtract(left: Decimal, right: Decimal) -> Decimal:
    result = EXACT.subtract(left, right)
    check_number(result)
    return result
