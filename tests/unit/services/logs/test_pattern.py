"""Filter patterns against the examples of AWS's filter pattern syntax pages.

https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/FilterAndPatternSyntax.html
"""

from __future__ import annotations

import json

import pytest

from lamina.services.logs.pattern import PatternError, compile_pattern

# Unstructured events (the terms page's example log).
ERRORS = [
    "[ERROR 400] BAD REQUEST",
    "[ERROR 401] UNAUTHORIZED REQUEST",
    "[ERROR 419] MISSING ARGUMENTS",
    "[ERROR 420] INVALID ARGUMENTS",
]


@pytest.mark.parametrize(
    ("pattern", "expected"),
    [
        ("", [0, 1, 2, 3]),
        ("ERROR", [0, 1, 2, 3]),
        ("ERROR ARGUMENTS", [2, 3]),
        ("?ARGUMENTS ?UNAUTHORIZED", [1, 2, 3]),
        ('"INVALID ARGUMENTS"', [3]),
        ("ERROR -ARGUMENTS", [0, 1]),
        ('-"BAD REQUEST"', [1, 2, 3]),
        ("error", []),  # case-sensitive
        ("%ERROR 4[01][019]%", [0, 1, 2]),
        ('"[ERROR 400]"', [0]),
    ],
)
def test_terms_select_the_documented_events(pattern: str, expected: list[int]) -> None:
    matches = compile_pattern(pattern)
    assert [index for index, event in enumerate(ERRORS) if matches(event)] == expected


# The JSON page's example event.
EVENT = json.dumps(
    {
        "eventType": "UpdateTrail",
        "sourceIPAddress": "111.111.111.111",
        "arrayKey": ["value", "another value"],
        "objectList": [{"name": "a", "id": 1}, {"name": "b", "id": 2}],
        "SomeObject": None,
        "ThisFlag": True,
        "bandwidth": 80,
        "latency": 500,
        "user": {"id": 1, "email": "John.Doe@example.com"},
        "users": [{"id": 2, "email": "John.Doe@example.com"}],
        "actions": ["GET", "PUT", "DELETE"],
        "level": "ERROR",
    }
)


@pytest.mark.parametrize(
    ("pattern", "matched"),
    [
        ('{ $.eventType = "UpdateTrail" }', True),
        ('{ $.eventType = "CreateTrail" }', False),
        ("{ $.eventType = Update* }", True),
        ("{ $.sourceIPAddress != 123.123.* }", True),
        ("{ $.sourceIPAddress != 111.111.* }", False),
        ('{ $.arrayKey[0] = "value" }', True),
        ('{ $.arrayKey[1] = "value" }', False),
        ("{ $.objectList[1].id = 2 }", True),
        ("{ $.objectList[5].id = 2 }", False),
        ("{ $.SomeObject IS NULL }", True),
        ("{ $.SomeOtherObject NOT EXISTS }", True),
        ("{ $.SomeObject NOT EXISTS }", False),
        ("{ $.ThisFlag IS TRUE }", True),
        ("{ $.ThisFlag IS FALSE }", False),
        ("{ $.bandwidth > 75 }", True),
        ("{ $.latency <= 500 }", True),
        ("{ $.latency < 500 }", False),
        ("{ $.latency >= 500.0 }", True),
        ("{ $.eventType > 1 }", False),  # numbers compare with numbers only
        ('{ ($.user.id = 1) && ($.users[0].email = "John.Doe@example.com") }', True),
        ('{ ($.user.id = 2 && $.users[0].email = "nonmatch") || $.actions[2] = "DELETE" }', True),
        ('{ ($.user.id = 2 && $.users[0].email = "nonmatch") || $.actions[2] = "GET" }', False),
        ("{ $.level = %ERR% }", True),
    ],
)
def test_json_patterns_on_the_documented_event(pattern: str, matched: bool) -> None:
    assert compile_pattern(pattern)(EVENT) is matched


def test_json_pattern_never_matches_a_message_that_is_not_json() -> None:
    assert not compile_pattern('{ $.level = "ERROR" }')("level=ERROR")


# The space-delimited page's example: a Common Log Format line.
LINE = '127.0.0.1 - frank [10/Oct/2000:13:25:15 -0700] "GET /apache_pb.gif HTTP/1.0" 200 1534'


@pytest.mark.parametrize(
    ("pattern", "matched"),
    [
        ("[ip, user, username, timestamp, request, status_code, bytes]", True),
        ("[ip, user, username, timestamp, request, status_code]", False),  # 7 fields, not 6
        ("[ip, user, ..., status_code, bytes]", True),
        ("[..., status_code = 200, bytes]", True),
        ("[..., status_code = 404, bytes]", False),
        ("[ip = 127.0.0.*, ...]", True),
        ("[ip, user, username, timestamp, request = *apache_pb*, status_code, bytes > 1000]", True),
        ("[ip, user, username, timestamp, request, status_code, bytes > 2000]", False),
        ("[..., status_code = 4* || status_code = 2*, bytes]", True),
        ("[..., status_code != 200 && status_code != 302, bytes]", False),
        ('[ip, user = "-", username = frank, ...]', True),
    ],
)
def test_space_delimited_patterns_on_the_documented_line(pattern: str, matched: bool) -> None:
    assert compile_pattern(pattern)(LINE) is matched


@pytest.mark.parametrize(
    "pattern",
    [
        "{ $.level = ",
        '{ $.level = "x"',
        "{ level = 1 }",
        "{ $.a IS MAYBE }",
        "{ $.a > abc }",
        "[ip, , bytes]",
        "[ip, bytes",
        "[1ip]",
        "ERROR:500",
        "%unclosed[%",
    ],
)
def test_invalid_patterns_raise(pattern: str) -> None:
    with pytest.raises(PatternError):
        compile_pattern(pattern)
