"""Evaluating conditions against items.

https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/Expressions.OperatorsAndFunctions.html
"""

from __future__ import annotations

from typing import Any

import pytest

from lamina.services.dynamodb.expression import compile_condition

ITEM: dict[str, Any] = {
    "s": {"S": "hello"},
    "n": {"N": "15"},
    "b": {"B": b"\x01\x02\x03"},
    "t": {"BOOL": True},
    "z": {"NULL": True},
    "ss": {"SS": ["red", "blue"]},
    "ns": {"NS": ["1", "2"]},
    "bs": {"BS": [b"\x01"]},
    "l": {"L": [{"S": "a"}, {"N": "2"}, {"M": {"k": {"S": "v"}}}]},
    "m": {"M": {"nest": {"M": {"deep": {"N": "7"}}}, "e": {"S": ""}}},
}
VALUES: dict[str, Any] = {
    ":hello": {"S": "hello"},
    ":he": {"S": "he"},
    ":ell": {"S": "ell"},
    ":n10": {"N": "10"},
    ":n15": {"N": "15.0"},
    ":n20": {"N": "20"},
    ":s15": {"S": "15"},
    ":b12": {"B": b"\x01\x02"},
    ":b2": {"B": b"\x02"},
    ":red": {"S": "red"},
    ":one": {"N": "1"},
    ":two": {"N": "2"},
    ":five": {"N": "5"},
    ":a": {"S": "a"},
    ":v": {"S": "v"},
    ":seven": {"N": "7"},
    ":S": {"S": "S"},
    ":SS": {"S": "SS"},
    ":M": {"S": "M"},
    ":NULL": {"S": "NULL"},
    ":true": {"BOOL": True},
    ":set": {"SS": ["blue", "red"]},
    ":list": {"L": [{"S": "a"}, {"N": "2.0"}, {"M": {"k": {"S": "v"}}}]},
    ":empty": {"S": ""},
    ":zero": {"N": "0"},
}


def check(text: str) -> bool:
    used = {key: value for key, value in VALUES.items() if key in text}
    return compile_condition(text, None, used).matches(ITEM)


@pytest.mark.parametrize(
    "text",
    [
        "s = :hello",
        "n = :n15",
        "n <> :s15",
        "n > :n10",
        "n >= :n15",
        "n < :n20",
        "n <= :n15",
        "s > :he",
        "b > :b12",
        "b < :b2",
        "n BETWEEN :n10 AND :n20",
        "n BETWEEN :n15 AND :n15",
        "s IN (:he, :hello)",
        "t = :true",
        "ss = :set",
        "l = :list",
        "m.nest.deep = :seven",
        "l[2].k = :v",
        "l[0] = :a",
        "m.e = :empty",
        "attribute_exists(m.nest.deep)",
        "attribute_not_exists(m.nest.absent)",
        "attribute_not_exists(l[3])",
        "attribute_type(ss, :SS)",
        "attribute_type(m, :M)",
        "attribute_type(z, :NULL)",
        "begins_with(s, :he)",
        "begins_with(b, :b12)",
        "contains(s, :ell)",
        "contains(ss, :red)",
        "contains(ns, :two)",
        "contains(l, :a)",
        "size(s) = :five",
        "size(b) > :two",
        "size(ss) = :two",
        "size(l) > :two",
        "size(m) = :two",
        "size(m.e) = :zero",
        "absent <> :hello",
        "NOT absent = :hello",
        "NOT (s = :he OR n = :n10)",
        "s = :he OR n = :n15 AND t = :true",
    ],
)
def test_condition_matches_true(text: str) -> None:
    assert check(text) is True


@pytest.mark.parametrize(
    "text",
    [
        "s = :he",
        "n = :s15",
        "n <> :n15",
        "n > :s15",
        "s < :n10",
        "t > :true",
        "ss < :set",
        "n BETWEEN :n20 AND :n20",
        "s IN (:he, :ell)",
        "absent = :hello",
        "absent < :hello",
        "absent IN (:hello)",
        "absent BETWEEN :n10 AND :n20",
        "m.nest.deep.deeper = :seven",
        "s[0] = :a",
        "l.k = :v",
        "attribute_exists(absent)",
        "attribute_not_exists(s)",
        "attribute_type(s, :SS)",
        "begins_with(n, :he)",
        "begins_with(s, :b12)",
        "contains(s, :b12)",
        "contains(ns, :red)",
        "contains(n, :one)",
        "size(n) = :two",
        "size(absent) = :zero",
        "s = :he AND n = :n15",
    ],
)
def test_condition_matches_false(text: str) -> None:
    assert check(text) is False
