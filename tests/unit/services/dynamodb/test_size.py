"""Item size as DynamoDB counts it.

https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/CapacityUnitCalculations.html
"""

from __future__ import annotations

import pytest

from lamina.aws.service import ServiceError
from lamina.services.dynamodb.size import MAX_ITEM_SIZE, check_item_size, item_size


def test_item_size_string_counts_utf8_bytes_of_name_and_value() -> None:
    assert item_size({"name": {"S": "é"}}) == 4 + 2


@pytest.mark.parametrize(
    ("number", "size"), [("1", 2), ("12", 2), ("123", 3), ("1.5", 2), ("1000", 2), ("0", 2)]
)
def test_item_size_number_is_one_byte_per_two_digits_plus_one(number: str, size: int) -> None:
    assert item_size({"n": {"N": number}}) == 1 + size


def test_item_size_binary_bool_null() -> None:
    assert item_size({"b": {"B": b"abc"}}) == 4
    assert item_size({"t": {"BOOL": True}, "z": {"NULL": True}}) == 4


def test_item_size_list_and_map_add_three_bytes_and_one_per_element() -> None:
    assert item_size({"l": {"L": []}}) == 1 + 3
    assert item_size({"l": {"L": [{"S": "ab"}]}}) == 1 + 3 + 1 + 2
    assert item_size({"m": {"M": {"k": {"S": "ab"}}}}) == 1 + 3 + 1 + 1 + 2


def test_item_size_sets_sum_members() -> None:
    assert item_size({"s": {"SS": ["a", "bc"]}}) == 1 + 3
    assert item_size({"s": {"NS": ["1", "123"]}}) == 1 + 2 + 3


def test_check_item_size_over_400kb_raises() -> None:
    check_item_size({"a": {"S": "x" * (MAX_ITEM_SIZE - 1)}})
    with pytest.raises(ServiceError) as caught:
        check_item_size({"a": {"S": "x" * MAX_ITEM_SIZE}})
    assert caught.value.message == "Item size has exceeded the maximum allowed size"
