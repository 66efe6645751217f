from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from lamina.services.dynamodb.keys import encode_key
from lamina.services.dynamodb.number import format_number

numbers = st.decimals(
    min_value=Decimal("-1e30"), max_value=Decimal("1e30"), allow_nan=False, places=8
)


@given(numbers, numbers)
def test_encode_key_numbers_order_numerically(a: Decimal, b: Decimal) -> None:
    left = encode_key({"N": format_number(a)})
    right = encode_key({"N": format_number(b)})
    assert (left < right) == (a < b)
    assert (left == right) == (a == b)


@given(st.text(min_size=1), st.text(min_size=1))
def test_encode_key_strings_order_by_utf8_bytes(a: str, b: str) -> None:
    assert (encode_key({"S": a}) < encode_key({"S": b})) == (a.encode() < b.encode())


def test_encode_key_extreme_numbers_order() -> None:
    values = ["-9.9E+125", "-1", "-1E-130", "0", "1E-130", "0.5", "1", "1.5", "10", "9.9E+125"]
    encoded = [encode_key({"N": format_number(Decimal(v))}) for v in values]
    assert encoded == sorted(encoded)
