"""`$util`: each function with its edge cases, as the Java behind it behaves.
https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-mapping-template-reference.html#util-template-reference
"""

from __future__ import annotations

import pytest

from lamina.gateway.mapping.java import JsonList, JsonMap
from lamina.gateway.mapping.util import (
    UTIL,
    base64_decode,
    base64_encode,
    escape_javascript,
    parse_json,
    url_decode,
    url_encode,
)
from lamina.gateway.mapping.velocity import MappingError, merge

# --- escapeJavaScript (Commons Lang StringEscapeUtils.escapeJavaScript) -------------------


@pytest.mark.parametrize(
    ("text", "escaped"),
    [
        ("plain", "plain"),
        ("It's", "It\\'s"),  # "turn any regular single quotes (') into escaped ones (\')"
        ('say "hi"', 'say \\"hi\\"'),
        ("back\\slash", "back\\\\slash"),
        ("a/b", "a\\/b"),
        ("line1\nline2\r\n", "line1\\nline2\\r\\n"),
        ("tab\tform\fbs\b", "tab\\tform\\fbs\\b"),
        ("\x00\x01\x1f", "\\u0000\\u0001\\u001F"),
        ("\x7f", "\x7f"),  # DEL is not above 0x7F: Commons Lang leaves it
        ("café", "caf\\u00E9"),
        ("Ωmega", "\\u03A9mega"),
        ("日本", "\\u65E5\\u672C"),
        ("😀", "\\uD83D\\uDE00"),  # one escape per UTF-16 code unit, as Java's char
        ("", ""),
    ],
)
def test_util_escape_javascript(text: str, escaped: str) -> None:
    assert escape_javascript(text) == escaped


def test_util_escape_javascript_of_null_prints_nothing() -> None:
    assert merge("[$util.escapeJavaScript($missing)]", {"util": UTIL}) == "[]"


def test_util_escape_javascript_of_input_json_stays_a_valid_js_string() -> None:
    assert escape_javascript('{"a":"x\'y"}') == '{\\"a\\":\\"x\\\'y\\"}'


# --- urlEncode / urlDecode (java.net.URLEncoder / URLDecoder, UTF-8) ----------------------


@pytest.mark.parametrize(
    ("text", "encoded"),
    [
        ("a b", "a+b"),  # application/x-www-form-urlencoded: a space is +
        ("a+b", "a%2Bb"),
        ("safe-._*", "safe-._*"),  # URLEncoder keeps . - * _
        ("~", "%7E"),  # ... and encodes ~ (Python's quote would keep it)
        ("a&b=c/d?e#f", "a%26b%3Dc%2Fd%3Fe%23f"),
        ("é", "%C3%A9"),
        ("😀", "%F0%9F%98%80"),
        ("", ""),
    ],
)
def test_util_url_encode(text: str, encoded: str) -> None:
    assert url_encode(text) == encoded


@pytest.mark.parametrize(
    ("text", "decoded"),
    [
        ("a+b", "a b"),
        ("a%20b", "a b"),
        ("%C3%A9t%C3%A9", "été"),
        ("%2B", "+"),
        ("%7e", "~"),
        ("plain", "plain"),
    ],
)
def test_util_url_decode(text: str, decoded: str) -> None:
    assert url_decode(text) == decoded


@pytest.mark.parametrize("text", ["100%", "%zz", "%4"])
def test_util_url_decode_malformed_escape_fails_as_java(text: str) -> None:
    with pytest.raises(MappingError):
        url_decode(text)


def test_util_url_encode_then_decode_round_trips_unicode() -> None:
    text = "naïve café ☕ & 😀 + ~"
    assert url_decode(url_encode(text)) == text


# --- base64Encode / base64Decode (UTF-8) -----------------------------------------------------


@pytest.mark.parametrize(
    ("text", "encoded"),
    [
        ("hello", "aGVsbG8="),
        ("", ""),
        ("é", "w6k="),
        ("日本語", "5pel5pys6Kqe"),
        ("😀", "8J+YgA=="),
    ],
)
def test_util_base64_encode_of_utf8_bytes(text: str, encoded: str) -> None:
    assert base64_encode(text) == encoded
    assert base64_decode(encoded) == text


def test_util_base64_decode_accepts_missing_padding_as_java() -> None:
    assert base64_decode("w6k") == "é"


def test_util_base64_decode_of_non_utf8_bytes_uses_the_replacement_character() -> None:
    assert base64_decode("/w==") == "\ufffd"


@pytest.mark.parametrize("text", ["***", "aGVs bG8=", "a"])
def test_util_base64_decode_of_invalid_input_fails(text: str) -> None:
    with pytest.raises(MappingError):
        base64_decode(text)


# --- parseJson --------------------------------------------------------------------------------


def test_util_parse_json_returns_walkable_java_collections() -> None:
    parsed = parse_json('{"key1":"var1","key2":{"arr":[1,2,3]}}')
    assert isinstance(parsed, JsonMap)
    assert isinstance(parsed["key2"]["arr"], JsonList)
    assert (
        merge("$o.key2.arr[0] $o.key2.arr.size() $o.key1 $o", {"o": parsed})
        == "1 3 var1 {key1=var1, key2={arr=[1,2,3]}}"
    )


@pytest.mark.parametrize(
    ("text", "value"), [("3", 3), ('"s"', "s"), ("true", True), ("null", None)]
)
def test_util_parse_json_of_scalars(text: str, value: object) -> None:
    assert parse_json(text) == value


def test_util_parse_json_of_malformed_json_fails() -> None:
    with pytest.raises(MappingError):
        parse_json("{not json")


@pytest.mark.parametrize(
    "call", ["urlEncode", "urlDecode", "base64Encode", "base64Decode", "parseJson"]
)
def test_util_functions_fail_on_null_as_java(call: str) -> None:
    with pytest.raises(MappingError):
        merge(f"$util.{call}($missing)", {"util": UTIL})


def test_util_functions_from_a_template() -> None:
    template = (
        "$util.urlEncode('a b')|$util.urlDecode('a+b')|$util.base64Encode('hi')|"
        "$util.base64Decode('aGk=')|$util.escapeJavaScript(\"it's\")|$util.parseJson('[1]').size()"
    )
    assert merge(template, {"util": UTIL}) == "a+b|a b|aGk=|hi|it\\'s|1"
