"""Attribute values in DynamoDB's wire form, validated as DynamoDB validates them.

A value is a one-key dict naming its type: {"S": str}, {"N": str}, {"B": bytes},
{"BOOL": bool}, {"NULL": True}, {"M": {name: value}}, {"L": [value]}, {"SS": [str]},
{"NS": [str]}, {"BS": [bytes]} (boto3's low-level shape, as the protocol layer parses it).
https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/HowItWorks.NamingRulesDataTypes.html
"""

from __future__ import annotations

import base64
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from lamina.services.dynamodb.error import validation
from lamina.services.dynamodb.number import format_number, parse_number

AttributeValue = dict[str, Any]
Item = dict[str, AttributeValue]

TYPES = ("S", "N", "B", "BOOL", "NULL", "M", "L", "SS", "NS", "BS")
SCALAR_KEY_TYPES = ("S", "N", "B")
SET_TYPES = ("SS", "NS", "BS")
_INVALID = "One or more parameter values were invalid: "


def type_of(value: Mapping[str, Any]) -> str:
    """The type descriptor of a value that has passed `validate_value`."""
    return next(iter(value))


def validate_item(item: Mapping[str, Any]) -> Item:
    """Validate every attribute of an item; return it with numbers normalized."""
    return {name: validate_value(value) for name, value in item.items()}


def validate_value(value: object) -> AttributeValue:
    """Check one attribute value as DynamoDB does; return it with numbers normalized.

    Empty strings and binaries are allowed here (non-key attributes); `validate_key_value`
    rejects them for keys.
    https://aws.amazon.com/about-aws/whats-new/2020/05/amazon-dynamodb-now-supports-empty-values-for-non-key-string-and-binary-attributes-in-dynamodb-tables/
    """
    if not isinstance(value, Mapping) or not value:
        raise validation(
            "Supplied AttributeValue is empty, must contain exactly one of the supported datatypes"
        )
    if len(value) > 1:
        raise validation(
            "Supplied AttributeValue has more than one datatypes set, must contain exactly one "
            "of the supported datatypes"
        )
    kind, content = next(iter(value.items()))
    if kind not in TYPES:
        raise validation(
            "Supplied AttributeValue is empty, must contain exactly one of the supported datatypes"
        )
    return {kind: _VALIDATORS[kind](content)}


def _string(content: Any) -> str:
    if not isinstance(content, str):
        raise validation(f"{_INVALID}Invalid string value for S")
    return content


def _number(content: Any) -> str:
    if not isinstance(content, str):
        raise validation("The parameter cannot be converted to a numeric value")
    return format_number(parse_number(content))


def _binary(content: Any) -> bytes:
    if isinstance(content, bytearray | memoryview):
        return bytes(content)
    if not isinstance(content, bytes):
        raise validation(f"{_INVALID}Invalid binary value for B")
    return content


def _boolean(content: Any) -> bool:
    if not isinstance(content, bool):
        raise validation(f"{_INVALID}Invalid boolean value for BOOL")
    return content


def _null(content: Any) -> bool:
    if content is not True:
        raise validation(f"{_INVALID}Null attribute value types must have the value of true")
    return True


def _map(content: Any) -> dict[str, AttributeValue]:
    if not isinstance(content, Mapping):
        raise validation(f"{_INVALID}Invalid map value for M")
    return {str(name): validate_value(member) for name, member in content.items()}


def _list(content: Any) -> list[AttributeValue]:
    if not isinstance(content, list | tuple):
        raise validation(f"{_INVALID}Invalid list value for L")
    return [validate_value(member) for member in content]


def _string_set(content: Any) -> list[str]:
    if not isinstance(content, list | tuple) or not content:
        raise validation(f"{_INVALID}An string set  may not be empty")
    members = [_string(member) for member in content]
    if len(set(members)) != len(members):
        raise validation(f"{_INVALID}Input collection [{', '.join(members)}] contains duplicates.")
    return members


def _number_set(content: Any) -> list[str]:
    if not isinstance(content, list | tuple) or not content:
        raise validation(f"{_INVALID}An number set  may not be empty")
    members = [_number(member) for member in content]
    if len(set(members)) != len(members):
        # DynamoDB words this one without the usual prefix and without the members.
        raise validation("Input collection contains duplicates")
    return members


def _binary_set(content: Any) -> list[bytes]:
    if not isinstance(content, list | tuple) or not content:
        raise validation(f"{_INVALID}Binary sets should not be empty")
    members = [_binary(member) for member in content]
    if len(set(members)) != len(members):
        shown = ", ".join(base64.b64encode(member).decode() for member in members)
        raise validation(f"{_INVALID}Input collection [{shown}]of type BS contains duplicates.")
    return members


_VALIDATORS: dict[str, Any] = {
    "S": _string,
    "N": _number,
    "B": _binary,
    "BOOL": _boolean,
    "NULL": _null,
    "M": _map,
    "L": _list,
    "SS": _string_set,
    "NS": _number_set,
    "BS": _binary_set,
}


def validate_key_value(name: str, value: Mapping[str, Any]) -> None:
    """Key attributes may not hold an empty string or binary.

    https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/HowItWorks.NamingRulesDataTypes.html#HowItWorks.DataTypes
    """
    kind = type_of(value)
    if kind == "S" and value["S"] == "":
        raise validation(
            "One or more parameter values are not valid. The AttributeValue for a key attribute "
            f"cannot contain an empty string value. Key: {name}"
        )
    if kind == "B" and value["B"] == b"":
        raise validation(
            "One or more parameter values are not valid. The AttributeValue for a key attribute "
            f"cannot contain an empty binary value. Key: {name}"
        )


def number_of(value: Mapping[str, Any]) -> Decimal:
    """The Decimal of a validated {"N": ...} value."""
    return Decimal(value["N"])
