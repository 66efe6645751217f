"""AWS's documented expression examples, rewritten as (expression, item, expected) cases.

The item is the ProductCatalog item the Developer Guide's expression pages use:
https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/Expressions.Attributes.html
"""

from __future__ import annotations

import copy
from typing import Any

import pytest

from lamina.services.dynamodb.expression import (
    check_unused,
    compile_condition,
    compile_projection,
    compile_update,
)

PRODUCT: dict[str, Any] = {
    "Id": {"N": "123"},
    "Title": {"S": "Bicycle 123"},
    "Description": {"S": "123 description"},
    "BicycleType": {"S": "Hybrid"},
    "Brand": {"S": "Brand-Company C"},
    "Price": {"N": "500"},
    "Color": {"SS": ["Red", "Black"]},
    "ProductCategory": {"S": "Bicycle"},
    "InStock": {"BOOL": True},
    "QuantityOnHand": {"NULL": True},
    "RelatedItems": {"L": [{"N": "341"}, {"N": "472"}, {"N": "649"}]},
    "Pictures": {
        "M": {
            "FrontView": {"S": "http://example.com/products/123_front.jpg"},
            "RearView": {"S": "http://example.com/products/123_rear.jpg"},
            "SideView": {"S": "http://example.com/products/123_left_side.jpg"},
        }
    },
    "ProductReviews": {
        "M": {
            "FiveStar": {
                "L": [
                    {"S": "Excellent! Can't recommend it highly enough! Buy it!"},
                    {"S": "Do yourself a favor and buy this."},
                ]
            },
            "OneStar": {"L": [{"S": "Terrible product! Do not buy this."}]},
        }
    },
    "Comment": {"S": "This product sells out quickly during the summer"},
    "Safety.Warning": {"S": "Always wear a helmet"},
}

# https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/Expressions.OperatorsAndFunctions.html
# https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/Expressions.ConditionExpressions.html
# https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/Expressions.ExpressionAttributeNames.html
CONDITIONS: list[tuple[str, dict[str, str], dict[str, Any], bool]] = [
    ("Price > :p", {}, {":p": {"N": "400"}}, True),
    ("Price <= :p", {}, {":p": {"N": "500"}}, True),
    ("attribute_not_exists(Price)", {}, {}, False),
    ("attribute_not_exists(Id)", {}, {}, False),
    ("attribute_exists(#P.#S)", {"#P": "Pictures", "#S": "SideView"}, {}, True),
    ("attribute_exists(#sw)", {"#sw": "Safety.Warning"}, {}, True),
    ("attribute_exists(Safety.Warning)", {}, {}, False),
    ("attribute_type(ProductReviews.FiveStar, :t)", {}, {":t": {"S": "L"}}, True),
    ("begins_with(Pictures.FrontView, :v)", {}, {":v": {"S": "http://"}}, True),
    ("contains(Brand, :v)", {}, {":v": {"S": "Company"}}, True),
    ("contains(Color, :v)", {}, {":v": {"S": "Red"}}, True),
    ("size(Brand) <= :v", {}, {":v": {"N": "20"}}, True),
    ("size(VideoClip) > :v", {}, {":v": {"N": "64000"}}, False),
    ("size(Color) < :v", {}, {":v": {"N": "3"}}, True),
    ("size(ProductReviews.OneStar) > :v", {}, {":v": {"N": "1"}}, False),
    ("#c = :v", {"#c": "Comment"}, {":v": {"S": "Not this"}}, False),
    (
        "ProductCategory IN (:c1, :c2) and Price between :lo and :hi",
        {},
        {
            ":c1": {"S": "Sporting Goods"},
            ":c2": {"S": "Bicycle"},
            ":lo": {"N": "500"},
            ":hi": {"N": "600"},
        },
        True,
    ),
    ("#pr.FiveStar[1] = :r", {"#pr": "ProductReviews"}, {":r": {"S": "Nope"}}, False),
]


@pytest.mark.parametrize(("text", "names", "values", "expected"), CONDITIONS)
def test_documented_condition_on_product(
    text: str, names: dict[str, str], values: dict[str, Any], expected: bool
) -> None:
    condition = compile_condition(text, names or None, values or None)
    check_unused(names, values, condition)
    assert condition.matches(PRODUCT) is expected


# https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/Expressions.UpdateExpressions.html
UPDATES: list[tuple[str, dict[str, str], dict[str, Any], dict[str, Any]]] = [
    (
        "SET ProductCategory = :c, Price = :p",
        {},
        {":c": {"S": "Hardware"}, ":p": {"N": "60"}},
        {"ProductCategory": {"S": "Hardware"}, "Price": {"N": "60"}},
    ),
    (
        "SET RelatedItems[1] = :ri",
        {},
        {":ri": {"N": "999"}},
        {"RelatedItems": {"L": [{"N": "341"}, {"N": "999"}, {"N": "649"}]}},
    ),
    ("SET Price = Price - :p", {}, {":p": {"N": "15"}}, {"Price": {"N": "485"}}),
    (
        "SET #ri = list_append(#ri, :vals)",
        {"#ri": "RelatedItems"},
        {":vals": {"L": [{"N": "1"}]}},
        {"RelatedItems": {"L": [{"N": "341"}, {"N": "472"}, {"N": "649"}, {"N": "1"}]}},
    ),
    ("SET Price = if_not_exists(Price, :p)", {}, {":p": {"N": "100"}}, {"Price": {"N": "500"}}),
    (
        "REMOVE Brand, InStock, QuantityOnHand",
        {},
        {},
        {"Brand": None, "InStock": None, "QuantityOnHand": None},
    ),
    ("REMOVE RelatedItems[1], RelatedItems[2]", {}, {}, {"RelatedItems": {"L": [{"N": "341"}]}}),
    ("ADD QuantityOnHand2 :q", {}, {":q": {"N": "5"}}, {"QuantityOnHand2": {"N": "5"}}),
    ("ADD Color :c", {}, {":c": {"SS": ["Orange", "Purple"]}}, {"Color": {"SS": None}}),
    ("DELETE Color :p", {}, {":p": {"SS": ["Red"]}}, {"Color": {"SS": ["Black"]}}),
]


@pytest.mark.parametrize(("text", "names", "values", "changes"), UPDATES)
def test_documented_update_on_product(
    text: str, names: dict[str, str], values: dict[str, Any], changes: dict[str, Any]
) -> None:
    original = copy.deepcopy(PRODUCT)
    update = compile_update(text, names or None, values or None)
    check_unused(names, values, update)
    result = update.apply(PRODUCT)
    assert original == PRODUCT
    for name, expected in changes.items():
        if expected is None:
            assert name not in result
        elif expected == {"SS": None}:
            assert set(result[name]["SS"]) == {"Red", "Black", "Orange", "Purple"}
        else:
            assert result[name] == expected
    untouched = set(PRODUCT) - set(changes)
    assert {name: result[name] for name in untouched} == {n: PRODUCT[n] for n in untouched}


def test_documented_update_nested_with_placeholders() -> None:
    names = {"#pr": "ProductReviews", "#5star": "FiveStar", "#3star": "ThreeStar"}
    values = {":r5": {"S": "Very happy with my purchase"}, ":r3": {"L": [{"S": "Just OK"}]}}
    update = compile_update("SET #pr.#5star[1] = :r5, #pr.#3star = :r3", names, values)
    reviews = update.apply(PRODUCT)["ProductReviews"]["M"]
    assert reviews["FiveStar"]["L"][1] == {"S": "Very happy with my purchase"}
    assert reviews["ThreeStar"] == {"L": [{"S": "Just OK"}]}


# https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/Expressions.ProjectionExpressions.html
def test_documented_projection_on_product() -> None:
    projection = compile_projection("Description, RelatedItems[0], ProductReviews.FiveStar", None)
    assert projection.apply(PRODUCT) == {
        "Description": PRODUCT["Description"],
        "RelatedItems": {"L": [{"N": "341"}]},
        "ProductReviews": {"M": {"FiveStar": PRODUCT["ProductReviews"]["M"]["FiveStar"]}},
    }


def test_documented_projection_dotted_name_needs_placeholder() -> None:
    projection = compile_projection("#sw", {"#sw": "Safety.Warning"})
    assert projection.apply(PRODUCT) == {"Safety.Warning": {"S": "Always wear a helmet"}}
