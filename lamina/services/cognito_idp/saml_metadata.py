"""A SAML 2.0 identity provider's metadata, read as CreateIdentityProvider reads it.

ProviderDetails of a SAML provider carry MetadataFile (the document) or MetadataURL (where to
fetch it), and the switches IDPInit, IDPSignout, EncryptedResponses, RequestSigningAlgorithm.
DescribeIdentityProvider shows what Cognito adds from the metadata: SSORedirectBindingURI and
SLORedirectBindingURI (and ActiveEncryptionCertificate when responses are encrypted).
https://docs.aws.amazon.com/cognito-user-identity-pools/latest/APIReference/API_CreateIdentityProvider.html
https://docs.aws.amazon.com/cognito/latest/developerguide/cognito-user-pools-managing-saml-idp.html
https://docs.aws.amazon.com/cognito/latest/developerguide/cognito-user-pools-saml-idp-things-to-know.html
"""

from __future__ import annotations

import base64
import datetime

import httpx
import msgspec
from cryptography import x509
from lxml import etree

from lamina.aws.service import ServiceError

MD = "urn:oasis:names:tc:SAML:2.0:metadata"
DS = "http://www.w3.org/2000/09/xmldsig#"
REDIRECT = "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect"
POST = "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST"
_SWITCHES = ("IDPInit", "IDPSignout", "EncryptedResponses")
"""Boolean ProviderDetails, "true" or "false"; Describe shows each ("false" by default)."""
_ALGORITHMS = ("rsa-sha256",)
"""RequestSigningAlgorithm: the one value the API reference names."""
_DERIVED = ("SSORedirectBindingURI", "SLORedirectBindingURI", "ActiveEncryptionCertificate")
CERTIFICATE_MAX = 4096
"""Each signing certificate must be no longer than 4,096 characters (things-to-know page)."""
_FETCH_TIMEOUT = httpx.Timeout(10.0)


def sp_entity_id(pool_id: str) -> str:
    """The user pool as a SAML service provider (the Audience IdPs must name)."""
    return f"urn:amazon:cognito:sp:{pool_id}"


class SamlMetadata(msgspec.Struct, frozen=True, kw_only=True):
    entity_id: str
    sso_redirect: str | None
    sso_post: str | None
    slo_redirect: str | None
    certificates: list[str]
    """Signing certificates, DER base64 (the X509Certificate text without whitespace)."""


def _parser() -> etree.XMLParser:
    # No entities, no DTD loading, no network: metadata and responses come from outside.
    return etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False)


def parse_xml(data: bytes) -> etree._Element:
    """A document from outside, refused when it declares a DOCTYPE (entity expansion,
    external entities): before parsing when it shows in the bytes, and after for other
    encodings (UTF-16)."""
    if b"<!DOCTYPE" in data:
        raise ValueError("a DOCTYPE is not accepted")
    root = etree.fromstring(data, parser=_parser())
    if root.getroottree().docinfo.internalDTD is not None:
        raise ValueError("a DOCTYPE is not accepted")
    return root


def parse_metadata(document: str) -> SamlMetadata:
    """The IdP's EntityDescriptor: entityID, SSO/SLO locations, signing certificates.
    ValueError when it is not usable metadata."""
    try:
        root = parse_xml(document.encode())
    except etree.XMLSyntaxError as error:
        raise ValueError(f"the metadata is not XML: {error}") from None
    if root.tag == f"{{{MD}}}EntitiesDescriptor":
        found = root.find(f"{{{MD}}}EntityDescriptor")
        if found is None:
            raise ValueError("no EntityDescriptor")
        root = found
    if root.tag != f"{{{MD}}}EntityDescriptor" or not root.get("entityID"):
        raise ValueError("no EntityDescriptor with an entityID")
    idp = root.find(f"{{{MD}}}IDPSSODescriptor")
    if idp is None:
        raise ValueError("no IDPSSODescriptor")
    sso = {s.get("Binding"): s.get("Location") for s in idp.findall(f"{{{MD}}}SingleSignOnService")}
    slo = {s.get("Binding"): s.get("Location") for s in idp.findall(f"{{{MD}}}SingleLogoutService")}
    if not sso.get(REDIRECT) and not sso.get(POST):
        raise ValueError("no SingleSignOnService with the HTTP-Redirect or HTTP-POST binding")
    certificates = []
    for descriptor in idp.findall(f"{{{MD}}}KeyDescriptor"):
        if descriptor.get("use", "signing") != "signing":
            continue
        for text in descriptor.iterfind(f".//{{{DS}}}X509Certificate"):
            certificates.append("".join((text.text or "").split()))
    if not certificates:
        raise ValueError("no signing certificate")
    return SamlMetadata(
        entity_id=str(root.get("entityID")),
        sso_redirect=sso.get(REDIRECT),
        sso_post=sso.get(POST),
        slo_redirect=slo.get(REDIRECT),
        certificates=certificates,
    )


def certificate_pem(der_base64: str) -> str:
    body = "\n".join(der_base64[i : i + 64] for i in range(0, len(der_base64), 64))
    return f"-----BEGIN CERTIFICATE-----\n{body}\n-----END CERTIFICATE-----\n"


def _check_certificates(metadata: SamlMetadata, now: float) -> None:
    """The signing certificate must not be expired when the IdP is configured."""
    moment = datetime.datetime.fromtimestamp(now, datetime.UTC)
    for text in metadata.certificates:
        if len(text) > CERTIFICATE_MAX:
            raise ValueError("a signing certificate is longer than 4,096 characters")
        try:
            certificate = x509.load_der_x509_certificate(base64.b64decode(text))
        except ValueError:
            raise ValueError("a signing certificate cannot be read") from None
        if certificate.not_valid_after_utc < moment:
            raise ValueError("the signing certificate is expired")


def fetch_metadata(url: str) -> str:
    """MetadataURL, fetched when the provider is created or updated (as Cognito reads it
    then); it must be https except on the loopback interface, where tests serve it.
    Blocking: for template provisioning; the API's handlers use fetch_metadata_async."""
    _check_metadata_url(url)
    try:
        answer = httpx.get(url, timeout=_FETCH_TIMEOUT, follow_redirects=True)
    except httpx.HTTPError:
        raise _unreachable(url) from None
    return _metadata_text(answer, url)


async def fetch_metadata_async(url: str) -> str:
    """fetch_metadata without holding up the server's event loop while the IdP answers."""
    _check_metadata_url(url)
    try:
        async with httpx.AsyncClient(timeout=_FETCH_TIMEOUT, follow_redirects=True) as http:
            answer = await http.get(url)
    except httpx.HTTPError:
        raise _unreachable(url) from None
    return _metadata_text(answer, url)


def _check_metadata_url(url: str) -> None:
    parsed = httpx.URL(url)
    loopback = parsed.host in ("127.0.0.1", "localhost", "::1")
    if parsed.scheme != "https" and not (parsed.scheme == "http" and loopback):
        raise ServiceError("InvalidParameterException", "MetadataURL must be an https URL.")


def _unreachable(url: str) -> ServiceError:
    return ServiceError("InvalidParameterException", f"Unable to retrieve metadata from {url}.")


def _metadata_text(answer: httpx.Response, url: str) -> str:
    if answer.status_code != 200:
        raise _unreachable(url)
    return answer.text


def saml_details(
    details: dict[str, str], now: float, fetched: str | None = None
) -> tuple[dict[str, str], str]:
    """ProviderDetails as Describe shows them, and the metadata document; ServiceError
    (InvalidParameterException) as CreateIdentityProvider refuses bad ones. `fetched`: the
    document at MetadataURL, when the caller has fetched it already."""
    given = {k: v for k, v in details.items() if k not in _DERIVED}
    if given.get("MetadataFile") and given.get("MetadataURL"):
        raise ServiceError(
            "InvalidParameterException", "Only one of MetadataFile or MetadataURL can be given."
        )
    if given.get("MetadataFile"):
        document = given["MetadataFile"]
    elif given.get("MetadataURL"):
        document = fetched if fetched is not None else fetch_metadata(given["MetadataURL"])
    else:
        raise ServiceError(
            "InvalidParameterException",
            "MetadataFile or MetadataURL is missing from ProviderDetails.",
        )
    for switch in _SWITCHES:
        value = given.setdefault(switch, "false").lower()
        if value not in ("true", "false"):
            raise ServiceError("InvalidParameterException", f"{switch} must be true or false.")
        given[switch] = value
    algorithm = given.get("RequestSigningAlgorithm")
    if algorithm is not None and algorithm not in _ALGORITHMS:
        raise ServiceError(
            "InvalidParameterException", "RequestSigningAlgorithm must be rsa-sha256."
        )
    try:
        metadata = parse_metadata(document)
        _check_certificates(metadata, now)
    except ValueError as error:
        message = f"Invalid SAML metadata: {error}."
        raise ServiceError("InvalidParameterException", message) from None
    if metadata.sso_redirect:
        given["SSORedirectBindingURI"] = metadata.sso_redirect
    if metadata.slo_redirect:
        given["SLORedirectBindingURI"] = metadata.slo_redirect
    return given, document
