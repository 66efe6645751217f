"""SAML documents come from outside: parse_xml refuses any DOCTYPE, so neither entity
expansion (billion laughs) nor external entities (XXE) can reach the parser's output."""

from __future__ import annotations

import pytest

from lamina.services.cognito_idp.saml_metadata import parse_metadata, parse_xml

LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>
<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol">&lol2;</samlp:Response>"""
EXTERNAL = b"""<?xml version="1.0"?>
<!DOCTYPE r [<!ENTITY secret SYSTEM "file:///etc/passwd">]>
<r>&secret;</r>"""


@pytest.mark.parametrize("document", [LAUGHS, EXTERNAL, LAUGHS.decode().encode("utf-16")])
def test_parse_xml_refuses_a_doctype(document: bytes) -> None:
    with pytest.raises(ValueError, match="DOCTYPE"):
        parse_xml(document)


def test_metadata_with_a_doctype_is_not_usable_metadata() -> None:
    with pytest.raises(ValueError, match="DOCTYPE"):
        parse_metadata(EXTERNAL.decode())


def test_a_plain_document_is_read() -> None:
    root = parse_xml(b'<r xmlns="urn:x"><a>1</a></r>')
    assert root.tag == "{urn:x}r" and root[0].text == "1"
