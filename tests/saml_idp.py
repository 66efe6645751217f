"""A small SAML 2.0 identity provider on 127.0.0.1 in a thread, for user pool federation
tests: its own RSA key and self-signed certificate (made with `cryptography`), metadata at
/metadata, and a SingleSignOnService (HTTP-Redirect) at /sso that signs the person in at
once and answers the AuthnRequest with a signed Response in an HTML form POSTed to the
request's AssertionConsumerServiceURL (HTTP-POST binding; a script submits it in a browser).

`requests` records the AuthnRequests received (parsed). `response()` builds a Response on
demand, with knobs for the checks a service provider must make (tests craft bad ones)."""

from __future__ import annotations

import base64
import datetime
import os
import secrets
import threading
import time
import zlib
from html import escape
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.asymmetric.padding import MGF1, OAEP, PKCS1v15
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.x509.oid import NameOID
from lxml import etree
from signxml import XMLSigner
from signxml.algorithms import CanonicalizationMethod

SAMLP = "urn:oasis:names:tc:SAML:2.0:protocol"
SAML = "urn:oasis:names:tc:SAML:2.0:assertion"
DS = "http://www.w3.org/2000/09/xmldsig#"
XENC = "http://www.w3.org/2001/04/xmlenc#"
XENC11 = "http://www.w3.org/2009/xmlenc11#"
EMAIL = "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress"
NAME = "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/name"
GROUPS = "http://schemas.xmlsoap.org/claims/Group"


class Keys:
    """An RSA key and a self-signed certificate for it."""

    def __init__(self, common_name: str = "saml-idp.test", valid_days: float = 1) -> None:
        self.key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])
        now = datetime.datetime.now(datetime.UTC)
        self.certificate = (
            x509.CertificateBuilder()
            .subject_name(name)
            .issuer_name(name)
            .public_key(self.key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(days=2))
            .not_valid_after(now + datetime.timedelta(days=valid_days))
            .sign(self.key, hashes.SHA256())
        )

    @property
    def key_pem(self) -> bytes:
        return self.key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )

    @property
    def cert_pem(self) -> bytes:
        return self.certificate.public_bytes(serialization.Encoding.PEM)

    @property
    def cert_base64(self) -> str:
        der = self.certificate.public_bytes(serialization.Encoding.DER)
        return base64.b64encode(der).decode()


def instant(epoch: float) -> str:
    moment = datetime.datetime.fromtimestamp(epoch, datetime.UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


class SamlIdp:
    def __init__(
        self,
        name_id: str,
        attributes: dict[str, list[str]],
        *,
        keys: Keys | None = None,
        clock: Any = time.time,
    ) -> None:
        self.name_id = name_id
        self.attributes = attributes
        self.keys = keys or Keys()
        self.clock = clock
        self.sp_certificate: str | None = None
        """The pool's GetSigningCertificate answer, to check signed AuthnRequests with."""
        self.logout_requests: list[dict[str, Any]] = []
        self.logout_return = ""
        """Where LogoutResponses go: the SP's /saml2/logout (the test sets it)."""
        self.logout_status = "urn:oasis:names:tc:SAML:2.0:status:Success"
        self.requests: list[dict[str, Any]] = []
        """AuthnRequests received at /sso: their XML attributes, Issuer and RelayState."""
        idp = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                idp.get(self)

            def log_message(self, *args: Any) -> None:
                return None

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base = f"http://127.0.0.1:{self._server.server_address[1]}"
        self.entity_id = f"{self.base}/entity"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    # -- metadata --------------------------------------------------------------------------

    def metadata(self, *certificates: str, redirect: bool = True) -> str:
        """The IdP's EntityDescriptor; `redirect=False` leaves out the HTTP-Redirect
        SingleSignOnService (an IdP that takes POSTed AuthnRequests only)."""
        certs = certificates or (self.keys.cert_base64,)
        redirect_sso = (
            '<md:SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect" '
            f'Location="{self.base}/sso"/>'
            if redirect
            else ""
        )
        descriptors = "".join(
            '<md:KeyDescriptor use="signing"><ds:KeyInfo><ds:X509Data>'
            f"<ds:X509Certificate>{c}</ds:X509Certificate>"
            "</ds:X509Data></ds:KeyInfo></md:KeyDescriptor>"
            for c in certs
        )
        return (
            '<?xml version="1.0" encoding="UTF-8"?>'
            f'<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" '
            f'xmlns:ds="{DS}" entityID="{self.entity_id}">'
            '<md:IDPSSODescriptor WantAuthnRequestsSigned="false" '
            'protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">'
            f"{descriptors}"
            '<md:SingleLogoutService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect" '
            f'Location="{self.base}/slo"/>'
            "<md:NameIDFormat>urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified"
            "</md:NameIDFormat>"
            f"{redirect_sso}"
            '<md:SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST" '
            f'Location="{self.base}/sso"/>'
            "</md:IDPSSODescriptor></md:EntityDescriptor>"
        )

    # -- HTTP ------------------------------------------------------------------------------

    def get(self, handler: BaseHTTPRequestHandler) -> None:
        url = urlsplit(handler.path)
        query = {k: v[0] for k, v in parse_qs(url.query).items()}
        if url.path == "/metadata":
            self._send(handler, 200, self.metadata(), "application/samlmetadata+xml")
            return
        if url.path == "/slo" and "SAMLRequest" in query:
            self._logout(handler, url.query, query)
            return
        if url.path != "/sso" or "SAMLRequest" not in query:
            self._send(handler, 404, "not found", "text/plain")
            return
        request = parse_authn_request(query["SAMLRequest"])
        request["RelayState"] = query.get("RelayState")
        request["SigAlg"] = query.get("SigAlg")
        request["signature_valid"] = (
            None if "Signature" not in query else self._signature_valid(url.query, query)
        )
        self.requests.append(request)
        acs = request["AssertionConsumerServiceURL"]
        answer = self.response(acs=acs, audience=request["Issuer"], in_response_to=request["ID"])
        self._send(handler, 200, post_form(acs, answer, query.get("RelayState")), "text/html")

    def _logout(self, handler: BaseHTTPRequestHandler, raw: str, query: dict[str, str]) -> None:
        """A LogoutRequest: recorded, answered with a signed LogoutResponse POSTed (by the
        browser) to `logout_return`, the SP's /saml2/logout."""
        request = parse_authn_request(query["SAMLRequest"])
        request["RelayState"] = query.get("RelayState")
        request["SigAlg"] = query.get("SigAlg")
        request["signature_valid"] = (
            None if "Signature" not in query else self._signature_valid(raw, query)
        )
        self.logout_requests.append(request)
        document = (
            f'<samlp:LogoutResponse xmlns:samlp="{SAMLP}" xmlns:saml="{SAML}" '
            f'ID="_l{secrets.token_hex(16)}" Version="2.0" IssueInstant="{instant(self.clock())}" '
            f'Destination="{escape(self.logout_return)}" InResponseTo="{request["ID"]}">'
            f"<saml:Issuer>{escape(self.entity_id)}</saml:Issuer>"
            f'<samlp:Status><samlp:StatusCode Value="{self.logout_status}"/></samlp:Status>'
            "</samlp:LogoutResponse>"
        )
        signed = sign_element(etree.fromstring(document.encode()), self.keys)
        answer = base64.b64encode(etree.tostring(signed)).decode()
        page = post_form(self.logout_return, answer, query.get("RelayState"))
        self._send(handler, 200, page, "text/html")

    def _signature_valid(self, raw: str, query: dict[str, str]) -> bool:
        """HTTP-Redirect binding signature (SAML bindings 3.4.4.1) over the query's own
        encoded `SAMLRequest=..&RelayState=..&SigAlg=..`, checked with `sp_certificate`."""
        if self.sp_certificate is None:
            return False
        parts = dict(part.split("=", 1) for part in raw.split("&"))
        signed = "&".join(
            f"{name}={parts[name]}"
            for name in ("SAMLRequest", "RelayState", "SigAlg")
            if name in parts
        )
        certificate = x509.load_der_x509_certificate(base64.b64decode(self.sp_certificate))
        public = certificate.public_key()
        assert isinstance(public, rsa.RSAPublicKey)
        try:
            public.verify(
                base64.b64decode(query["Signature"]), signed.encode(), PKCS1v15(), hashes.SHA256()
            )
        except InvalidSignature:
            return False
        return True

    @staticmethod
    def _send(handler: BaseHTTPRequestHandler, status: int, body: str, kind: str) -> None:
        data = body.encode()
        handler.send_response(status)
        handler.send_header("content-type", kind)
        handler.send_header("content-length", str(len(data)))
        handler.end_headers()
        handler.wfile.write(data)

    # -- responses -------------------------------------------------------------------------

    def response(self, **options: Any) -> str:
        """A base64 Response: `response_xml` with the same keyword options, serialised."""
        return base64.b64encode(etree.tostring(self.response_xml(**options))).decode()

    def response_xml(
        self,
        *,
        acs: str,
        audience: str,
        in_response_to: str | None,
        sign: str = "assertion",
        keys: Keys | None = None,
        issuer: str | None = None,
        name_id: str | None = None,
        attributes: dict[str, list[str]] | None = None,
        destination: str | None = None,
        recipient: str | None = None,
        valid_s: float = 300,
        issued_offset_s: float = 0,
        assertion_id: str | None = None,
        encrypt_to: str | None = None,
        cipher: str = "aes256-gcm",
    ) -> etree._Element:
        """A Response; `sign` is "assertion", "response" or "none"; `encrypt_to`
        (a base64 DER certificate) encrypts the assertion with `cipher`."""
        now = self.clock() + issued_offset_s
        issuer = issuer or self.entity_id
        reply = f' InResponseTo="{in_response_to}"' if in_response_to else ""
        values = attributes if attributes is not None else self.attributes
        statement = "".join(
            f'<saml:Attribute Name="{escape(name)}">'
            + "".join(f"<saml:AttributeValue>{escape(v)}</saml:AttributeValue>" for v in vals)
            + "</saml:Attribute>"
            for name, vals in values.items()
        )
        assertion_id = assertion_id or "_a" + secrets.token_hex(16)
        document = (
            f'<samlp:Response xmlns:samlp="{SAMLP}" xmlns:saml="{SAML}" '
            f'ID="_r{secrets.token_hex(16)}" Version="2.0" IssueInstant="{instant(now)}" '
            f'Destination="{escape(destination or acs)}"{reply}>'
            f"<saml:Issuer>{escape(issuer)}</saml:Issuer>"
            '<samlp:Status><samlp:StatusCode Value="urn:oasis:names:tc:SAML:2.0:status:Success"/>'
            "</samlp:Status>"
            f'<saml:Assertion ID="{assertion_id}" Version="2.0" IssueInstant="{instant(now)}">'
            f"<saml:Issuer>{escape(issuer)}</saml:Issuer>"
            "<saml:Subject><saml:NameID "
            'Format="urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified">'
            f"{escape(name_id or self.name_id)}</saml:NameID>"
            '<saml:SubjectConfirmation Method="urn:oasis:names:tc:SAML:2.0:cm:bearer">'
            f'<saml:SubjectConfirmationData NotOnOrAfter="{instant(now + valid_s)}" '
            f'Recipient="{escape(recipient or acs)}"{reply}/>'
            "</saml:SubjectConfirmation></saml:Subject>"
            f'<saml:Conditions NotBefore="{instant(now - 5)}" '
            f'NotOnOrAfter="{instant(now + valid_s)}">'
            f"<saml:AudienceRestriction><saml:Audience>{escape(audience)}</saml:Audience>"
            "</saml:AudienceRestriction></saml:Conditions>"
            f'<saml:AuthnStatement AuthnInstant="{instant(now)}" SessionIndex="_s{assertion_id}">'
            "<saml:AuthnContext><saml:AuthnContextClassRef>"
            "urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport"
            "</saml:AuthnContextClassRef></saml:AuthnContext></saml:AuthnStatement>"
            f"<saml:AttributeStatement>{statement}</saml:AttributeStatement>"
            "</saml:Assertion></samlp:Response>"
        )
        root = etree.fromstring(document.encode())
        signer_keys = keys or self.keys
        if sign == "assertion":
            assertion = root.find(f"{{{SAML}}}Assertion")
            assert assertion is not None
            signed = sign_element(assertion, signer_keys)
            root.replace(assertion, signed)
        if encrypt_to is not None:
            assertion = root.find(f"{{{SAML}}}Assertion")
            assert assertion is not None
            root.replace(assertion, encrypt_element(assertion, encrypt_to, cipher))
        if sign == "response":
            root = sign_element(root, signer_keys)
        return root


def encrypt_element(element: etree._Element, certificate: str, cipher: str) -> etree._Element:
    """An EncryptedAssertion (XML Encryption): the element encrypted with a fresh AES key
    (`aes256-gcm` or `aes128-cbc`), the key wrapped with RSA-OAEP (MGF1-SHA1) to the
    certificate's public key in an EncryptedKey inside the EncryptedData's KeyInfo."""
    public = x509.load_der_x509_certificate(base64.b64decode(certificate)).public_key()
    assert isinstance(public, rsa.RSAPublicKey)
    plain = etree.tostring(element)
    if cipher == "aes256-gcm":
        key, iv = os.urandom(32), os.urandom(12)
        data = iv + AESGCM(key).encrypt(iv, plain, None)
        algorithm = f"{XENC11}aes256-gcm"
    else:
        key, iv = os.urandom(16), os.urandom(16)
        pad = 16 - len(plain) % 16
        padded = plain + os.urandom(pad - 1) + bytes([pad])
        encryptor = Cipher(algorithms.AES(key), modes.CBC(iv)).encryptor()
        data = iv + encryptor.update(padded) + encryptor.finalize()
        algorithm = f"{XENC}aes128-cbc"
    wrapped = public.encrypt(
        key, OAEP(mgf=MGF1(hashes.SHA1()), algorithm=hashes.SHA1(), label=None)
    )
    document = (
        f'<saml:EncryptedAssertion xmlns:saml="{SAML}" xmlns:xenc="{XENC}" xmlns:ds="{DS}">'
        f'<xenc:EncryptedData Type="{XENC}Element">'
        f'<xenc:EncryptionMethod Algorithm="{algorithm}"/>'
        "<ds:KeyInfo><xenc:EncryptedKey>"
        f'<xenc:EncryptionMethod Algorithm="{XENC}rsa-oaep-mgf1p">'
        '<ds:DigestMethod Algorithm="http://www.w3.org/2000/09/xmldsig#sha1"/>'
        "</xenc:EncryptionMethod>"
        "<xenc:CipherData><xenc:CipherValue>"
        f"{base64.b64encode(wrapped).decode()}</xenc:CipherValue></xenc:CipherData>"
        "</xenc:EncryptedKey></ds:KeyInfo>"
        "<xenc:CipherData><xenc:CipherValue>"
        f"{base64.b64encode(data).decode()}</xenc:CipherValue></xenc:CipherData>"
        "</xenc:EncryptedData></saml:EncryptedAssertion>"
    )
    return etree.fromstring(document.encode())


def sign_element(element: etree._Element, keys: Keys) -> etree._Element:
    """An enveloped RSA-SHA256 signature (exclusive C14N), placed after the Issuer as the
    SAML schema orders it."""
    signer = XMLSigner(c14n_algorithm=CanonicalizationMethod.EXCLUSIVE_XML_CANONICALIZATION_1_0)
    signed: etree._Element = signer.sign(
        element,
        key=keys.key_pem,
        cert=keys.cert_pem.decode(),
        reference_uri=element.get("ID"),
        id_attribute="ID",
    )
    signature = signed.find(f"{{{DS}}}Signature")
    assert signature is not None
    signed.remove(signature)
    signed.insert(1, signature)
    return signed


def parse_authn_request(encoded: str) -> dict[str, Any]:
    """An HTTP-Redirect binding SAMLRequest (AuthnRequest or LogoutRequest): base64 of raw
    DEFLATE."""
    document = zlib.decompress(base64.b64decode(encoded), -15)
    root = etree.fromstring(document)
    found: dict[str, Any] = dict(root.attrib)
    issuer = root.find(f"{{{SAML}}}Issuer")
    found["Issuer"] = None if issuer is None else issuer.text
    found["tag"] = root.tag
    policy = root.find(f"{{{SAMLP}}}NameIDPolicy")
    found["NameIDPolicy"] = None if policy is None else dict(policy.attrib)
    name_id = root.find(f"{{{SAML}}}NameID")
    found["NameID"] = None if name_id is None else name_id.text
    index = root.find(f"{{{SAMLP}}}SessionIndex")
    found["SessionIndex"] = None if index is None else index.text
    return found


def post_form(acs: str, response: str, relay_state: str | None) -> str:
    relay = (
        f'<input type="hidden" name="RelayState" value="{escape(relay_state)}">'
        if relay_state is not None
        else ""
    )
    return (
        '<!doctype html><html><body onload="document.forms[0].submit()">'
        f'<form method="post" action="{escape(acs)}">'
        f'<input type="hidden" name="SAMLResponse" value="{escape(response)}">{relay}'
        '<noscript><button type="submit">Continue</button></noscript></form></body></html>'
    )
