"""Every text transformation, as the AWS WAF developer guide describes it.
https://docs.aws.amazon.com/waf/latest/developerguide/waf-rule-statement-transformation.html
"""

from __future__ import annotations

import hashlib

import pytest

from lamina.gateway.waf.model import TextTransformation
from lamina.gateway.waf.transform import SUPPORTED, UnsupportedTransformation, pipeline

CASES = [
    ("NONE", b"AbC %41", b"AbC %41"),
    ("LOWERCASE", b"SeLeCT \xc3\x89", b"select \xc3\x89"),  # A-Z only
    ("UPPERCASE", b"select", b"SELECT"),
    ("COMPRESS_WHITE_SPACE", b"a\t\t b\r\n\x0b\x0cc\xa0 d", b"a b c d"),
    ("REMOVE_WHITESPACE", b" a \tb\nc ", b"abc"),
    ("TRIM", b" \t a b \n", b"a b"),
    ("TRIM_LEFT", b"  a ", b"a "),
    ("TRIM_RIGHT", b" a  ", b" a"),
    # Delete \ " ' ^, delete spaces before / and (, , and ; become spaces, compress, lowercase.
    ("CMD_LINE", b'C:\\Win "DOWS" ; dir  /s , ( x ^)', b"c:win dows dir/s( x )"),
    ("HTML_ENTITY_DECODE", b"&lt;script&gt;&#x61;&#98;&quot;&nbsp;", b'<script>ab"\xc2\xa0'),
    ("URL_DECODE", b"%3Cscript%3E+a%20b", b"<script> a b"),
    ("URL_DECODE_UNI", b"%u003Cscript%3e", b"<script>"),
    ("BASE64_DECODE", b"PHNjcmlwdD4=", b"<script>"),
    ("BASE64_DECODE", b"not base64!", b"not base64!"),
    ("BASE64_DECODE_EXT", b"PHNj.cmlw dD4", b"<script>"),
    ("HEX_DECODE", b"3c7363726970743e", b"<script>"),
    ("SQL_HEX_DECODE", b"select 0x61646d696e", b"select admin"),
    ("ESCAPE_SEQ_DECODE", rb"\x3cscript\076\n\u0041", b"<script>\nA"),
    ("MD5", b"abc", hashlib.md5(b"abc").digest()),
    ("SHA256", b"abc", hashlib.sha256(b"abc").digest()),
    ("REPLACE_COMMENTS", b"UNION/**/SELECT/* x", b"UNION SELECT "),
    ("REMOVE_COMMENTS_CHAR", b"a/*b*/c--d#e", b"abcde"),
    ("REMOVE_NULLS", b"a\x00b", b"ab"),
    ("REPLACE_NULLS", b"a\x00b", b"a b"),
    ("NORMALIZE_PATH", b"/a/./b/../../../c//d/", b"/c/d/"),
    ("NORMALIZE_PATH_WIN", b"\\a\\..\\b\\c", b"/b/c"),
    ("UTF8_TO_UNICODE", b"caf\xc3\xa9", b"caf\xc3\xa9"),
]


@pytest.mark.parametrize(("kind", "given", "expected"), CASES)
def test_transformation(kind: str, given: bytes, expected: bytes) -> None:
    transform = pipeline([TextTransformation(priority=0, type=kind)])
    result = given if transform is None else transform(given)
    assert result == expected


def test_every_supported_transformation_has_a_case() -> None:
    assert {case[0] for case in CASES} == SUPPORTED


def test_transformations_apply_by_priority_not_by_list_order() -> None:
    transform = pipeline(
        [
            TextTransformation(priority=5, type="LOWERCASE"),
            TextTransformation(priority=1, type="BASE64_DECODE"),
        ]
    )
    assert transform is not None
    # Decoding first, then lowercasing; the other way round would corrupt the base64.
    assert transform(b"PFNDUklQVD4=") == b"<script>"


def test_only_none_needs_no_call() -> None:
    assert pipeline([TextTransformation(priority=0, type="NONE")]) is None


def test_unknown_transformation_is_refused() -> None:
    with pytest.raises(UnsupportedTransformation):
        pipeline([TextTransformation(priority=0, type="ROT13")])
