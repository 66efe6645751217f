"""A SAML 2.0 Response POSTed to /saml2/idpresponse, checked as the user pool checks it.

Order: the XML signature first (the Response's, else the Assertion's), against the signing
certificates of the IdP's metadata -- any of them may match. Everything after reads only the
element the signature covers (what signxml hands back), so a second, unsigned Assertion or
Response wrapped around the signed one is never read (XML signature wrapping). Then: the
status, Issuer (the metadata's entityID), Destination and Recipient (this ACS URL), the
InResponseTo of an SP-initiated sign-in (absent for an IdP-initiated one), the bearer
subject confirmation's and the Conditions' time window, and the Audience (the pool's SP
entity id `urn:amazon:cognito:sp:<poolId>`).

https://docs.aws.amazon.com/cognito/latest/developerguide/cognito-user-pools-saml-idp-things-to-know.html
https://docs.aws.amazon.com/cognito/latest/developerguide/saml2-idpresponse-endpoint.html
https://docs.aws.amazon.com/cognito/latest/developerguide/cognito-user-pools-SAML-session-initiation.html
SAML core: https://docs.oasis-open.org/security/saml/v2.0/saml-core-2.0-os.pdf
"""

from __future__ import annotations

import base64
import binascii
import datetime

import msgspec
from cryptography.hazmat.primitives.asymmetric import rsa
from lxml import etree
from signxml.exceptions import InvalidInput, InvalidSignature
from signxml.verifier import SignatureConfiguration, XMLVerifier

from lamina.services.cognito_idp.saml_encryption import DecryptionError, decrypt_assertion
from lamina.services.cognito_idp.saml_metadata import DS, certificate_pem, parse_xml

SAMLP = "urn:oasis:names:tc:SAML:2.0:protocol"
SAML = "urn:oasis:names:tc:SAML:2.0:assertion"
SUCCESS = "urn:oasis:names:tc:SAML:2.0:status:Success"
BEARER = "urn:oasis:names:tc:SAML:2.0:cm:bearer"
CLOCK_SKEW_S = 60
"""Allowed difference between the IdP's clock and ours on NotBefore / NotOnOrAfter. AWS does
not document the figure; one minute is Lamina's choice (docs/fidelity/cognito-hosted.md)."""
IDP_INITIATED_MAX_AGE_S = 360
"""An IdP-initiated assertion "must have been issued within the previous 6 minutes".
https://docs.aws.amazon.com/cognito/latest/developerguide/cognito-user-pools-SAML-session-initiation.html"""
MAX_RESPONSE_CHARS = 100_000
"""The saml2/idpresponse endpoint accepts SAML assertions of up to 100,000 characters."""


class InvalidResponse(Exception):
    """The response fails a check; the message says which (logged, never shown)."""


class Expected(msgspec.Struct, frozen=True, kw_only=True):
    sp_entity_id: str
    acs_url: str
    idp_entity_id: str
    certificates: list[str]
    request_id: str | None
    """The AuthnRequest's ID (SP-initiated); None for an IdP-initiated sign-in."""
    now: float
    decryption_key: rsa.RSAPrivateKey | None = None
    """The provider's SP encryption key when EncryptedResponses is on."""


class SignedAssertion(msgspec.Struct, frozen=True, kw_only=True):
    id: str
    name_id: str
    attributes: dict[str, list[str]]
    session_index: str | None
    expires: float
    """Until when the assertion could be presented (the replay cache keeps its ID so long)."""


def read_response(encoded: str, expected: Expected) -> SignedAssertion:
    if len(encoded) > MAX_RESPONSE_CHARS:
        raise InvalidResponse("the SAMLResponse is longer than 100,000 characters")
    try:
        document = base64.b64decode("".join(encoded.split()), validate=True)
        root = parse_xml(document)
    except (binascii.Error, ValueError, etree.XMLSyntaxError) as error:
        raise InvalidResponse(f"the SAMLResponse cannot be read: {error}") from None
    if root.tag != f"{{{SAMLP}}}Response":
        raise InvalidResponse("not a samlp:Response")
    response, assertion = _signed_parts(root, expected)
    _check_response(response, expected)
    return _read_assertion(assertion, expected)


def _signed_parts(
    root: etree._Element, expected: Expected
) -> tuple[etree._Element, etree._Element]:
    """(the Response, its one Assertion), each as covered by a verified signature where
    signed. Exactly one Assertion or EncryptedAssertion, anywhere in the document: more is a
    wrapping attempt. With EncryptedResponses on, the assertion must come encrypted."""
    plain = root.findall(f".//{{{SAML}}}Assertion")
    encrypted = root.findall(f".//{{{SAML}}}EncryptedAssertion")
    if len(plain) + len(encrypted) != 1:
        raise InvalidResponse("the response must carry exactly one assertion")
    if expected.decryption_key is None and encrypted:
        raise InvalidResponse("the assertion is encrypted; EncryptedResponses is not enabled")
    if expected.decryption_key is not None and plain:
        raise InvalidResponse("EncryptedResponses is enabled; the assertion is not encrypted")
    kind = f"{{{SAML}}}EncryptedAssertion" if encrypted else f"{{{SAML}}}Assertion"
    if root.find(f"{{{DS}}}Signature") is not None:
        response = verified_element(root, expected.certificates)
        found = response.find(kind)
        if found is None:
            raise InvalidResponse("the signed Response carries no assertion")
        assertion = _decrypted(found, expected)
        if assertion.find(f"{{{DS}}}Signature") is not None:
            assertion = verified_element(assertion, expected.certificates)
        return response, assertion
    found = root.find(kind)
    if found is None:
        raise InvalidResponse("the assertion is not a child of the Response")
    assertion = _decrypted(found, expected)
    if assertion.find(f"{{{DS}}}Signature") is None:
        raise InvalidResponse("neither the Response nor its Assertion is signed")
    return root, verified_element(assertion, expected.certificates)


def _decrypted(found: etree._Element, expected: Expected) -> etree._Element:
    if expected.decryption_key is None:
        return found
    try:
        assertion = decrypt_assertion(found, expected.decryption_key)
    except DecryptionError as error:
        raise InvalidResponse(str(error)) from None
    if assertion.tag != f"{{{SAML}}}Assertion":
        raise InvalidResponse("the encrypted content is not an Assertion")
    return assertion


def verified_element(element: etree._Element, certificates: list[str]) -> etree._Element:
    """The element as its enveloped signature covers it (signxml's signed_xml), verified
    against any of the metadata's signing certificates."""
    config = SignatureConfiguration(location="./", expect_references=1)
    for certificate in certificates:
        try:
            result = XMLVerifier().verify(
                element,
                x509_cert=certificate_pem(certificate),
                id_attribute="ID",
                expect_config=config,
            )
        except (InvalidSignature, InvalidInput, ValueError):
            continue
        if isinstance(result, list):  # pragma: no cover - one reference is expected
            continue
        signed = result.signed_xml
        if signed is None or signed.tag != element.tag:
            raise InvalidResponse("the signature covers another element")
        return signed
    raise InvalidResponse("the signature does not verify with the metadata's certificates")


def _check_response(response: etree._Element, expected: Expected) -> None:
    code = response.find(f"{{{SAMLP}}}Status/{{{SAMLP}}}StatusCode")
    if code is None or code.get("Value") != SUCCESS:
        raise InvalidResponse("the response's status is not Success")
    if response.get("Version") != "2.0":
        raise InvalidResponse("not a SAML 2.0 response")
    issuer = response.find(f"{{{SAML}}}Issuer")
    if issuer is not None and (issuer.text or "").strip() != expected.idp_entity_id:
        raise InvalidResponse("the response's Issuer is not the IdP's entityID")
    destination = response.get("Destination")
    if destination is not None and destination != expected.acs_url:
        raise InvalidResponse("the response's Destination is not this ACS URL")
    _check_in_response_to(response.get("InResponseTo"), expected)


def _check_in_response_to(value: str | None, expected: Expected) -> None:
    if expected.request_id is None:
        if value is not None:
            # An IdP-initiated assertion "must not contain an InResponseTo claim".
            raise InvalidResponse("an unsolicited response names an InResponseTo")
    elif value is not None and value != expected.request_id:
        raise InvalidResponse("InResponseTo is not the ID of the AuthnRequest")


def _read_assertion(assertion: etree._Element, expected: Expected) -> SignedAssertion:
    issuer = assertion.find(f"{{{SAML}}}Issuer")
    if issuer is None or (issuer.text or "").strip() != expected.idp_entity_id:
        raise InvalidResponse("the assertion's Issuer is not the IdP's entityID")
    if expected.request_id is None:
        issued = _instant(assertion.get("IssueInstant"))
        if issued is None or issued < expected.now - IDP_INITIATED_MAX_AGE_S:
            raise InvalidResponse("an IdP-initiated assertion older than 6 minutes")
    expires = _check_subject(assertion, expected)
    expires = min(expires, _check_conditions(assertion, expected))
    name_id = assertion.find(f"{{{SAML}}}Subject/{{{SAML}}}NameID")
    if name_id is None or not (name_id.text or "").strip():
        raise InvalidResponse("the assertion has no NameID")
    statement = assertion.find(f"{{{SAML}}}AuthnStatement")
    return SignedAssertion(
        id=assertion.get("ID") or "",
        name_id=(name_id.text or "").strip(),
        attributes=_attributes(assertion),
        session_index=None if statement is None else statement.get("SessionIndex"),
        expires=expires,
    )


def _check_subject(assertion: etree._Element, expected: Expected) -> float:
    """A bearer SubjectConfirmation for this ACS URL, in its time window; its NotOnOrAfter."""
    for confirmation in assertion.iterfind(f"{{{SAML}}}Subject/{{{SAML}}}SubjectConfirmation"):
        if confirmation.get("Method") != BEARER:
            continue
        data = confirmation.find(f"{{{SAML}}}SubjectConfirmationData")
        if data is None:
            continue
        if data.get("Recipient") != expected.acs_url:
            raise InvalidResponse("the Recipient is not this ACS URL")
        not_after = _instant(data.get("NotOnOrAfter"))
        if not_after is None or expected.now >= not_after + CLOCK_SKEW_S:
            raise InvalidResponse("the subject confirmation has expired")
        not_before = _instant(data.get("NotBefore"))
        if not_before is not None and expected.now < not_before - CLOCK_SKEW_S:
            raise InvalidResponse("the subject confirmation is not valid yet")
        if expected.request_id is not None and data.get("InResponseTo") is None:
            # Web Browser SSO profile: an answer to an AuthnRequest names it here.
            raise InvalidResponse("the subject confirmation names no InResponseTo")
        _check_in_response_to(data.get("InResponseTo"), expected)
        return not_after + CLOCK_SKEW_S
    raise InvalidResponse("no bearer SubjectConfirmation")


def _check_conditions(assertion: etree._Element, expected: Expected) -> float:
    conditions = assertion.find(f"{{{SAML}}}Conditions")
    if conditions is None:
        raise InvalidResponse("the assertion has no Conditions")
    not_before = _instant(conditions.get("NotBefore"))
    if not_before is not None and expected.now < not_before - CLOCK_SKEW_S:
        raise InvalidResponse("the assertion is not valid yet (NotBefore)")
    not_after = _instant(conditions.get("NotOnOrAfter"))
    if not_after is not None and expected.now >= not_after + CLOCK_SKEW_S:
        raise InvalidResponse("the assertion has expired (NotOnOrAfter)")
    restrictions = conditions.findall(f"{{{SAML}}}AudienceRestriction")
    if not restrictions:
        raise InvalidResponse("the assertion names no Audience")
    for restriction in restrictions:
        # Each AudienceRestriction must be met (SAML core 2.5.1.4).
        audiences = {(a.text or "").strip() for a in restriction.findall(f"{{{SAML}}}Audience")}
        if expected.sp_entity_id not in audiences:
            raise InvalidResponse("the Audience is not this user pool's SP entity id")
    return float("inf") if not_after is None else not_after + CLOCK_SKEW_S


def _attributes(assertion: etree._Element) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    path = f"{{{SAML}}}AttributeStatement/{{{SAML}}}Attribute"
    for attribute in assertion.iterfind(path):
        name = attribute.get("Name")
        if name:
            values = [(v.text or "") for v in attribute.findall(f"{{{SAML}}}AttributeValue")]
            found.setdefault(name, []).extend(values)
    return found


def _instant(text: str | None) -> float | None:
    """An xs:dateTime (SAML times are UTC, `Z`) as epoch seconds."""
    if not text:
        return None
    try:
        moment = datetime.datetime.fromisoformat(text)
    except ValueError:
        raise InvalidResponse(f"not a time: {text}") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=datetime.UTC)
    return moment.timestamp()
