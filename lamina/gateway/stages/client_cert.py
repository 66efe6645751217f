"""Mutual TLS on custom domains: deny a request without a valid client certificate, and
give the integration the certificate as API Gateway describes it.

The TLS layer (lamina.http.tls) has already refused certificates that do not chain to the
domain's truststore. What reaches this stage and is denied with API Gateway's 403
`{"message":"Forbidden"}`:
- no client certificate (or one the connection verified for another domain: SNI and Host
  must name the same mutual-TLS domain);
- a certificate outside its validity period ("If the certificate isn't trusted, is
  expired, or doesn't use a supported algorithm, the request is denied with a 403 status
  code" https://docs.aws.amazon.com/apigateway/latest/developerguide/rest-api-mutual-tls.html);
- one signed with less than SHA-256 or holding a key under RSA-2048 / ECDSA-256 (the
  supported algorithms; OpenSSL's own security level refuses the weakest at the handshake).

It runs first: API Gateway checks the certificate at the domain, before any API is
chosen, so a client without one learns nothing about the routes.

A domain with EndpointAccessMode STRICT ("API Gateway uses SNI host matching",
https://docs.aws.amazon.com/apigateway/latest/developerguide/apigateway-security-policies.html)
is also refused here, 403 `{"message":"Forbidden"}`, when the connection's TLS server name
is not the Host (plain HTTP included; on a wildcard domain, another name under it too).
"""

from __future__ import annotations

import datetime
import functools
from collections.abc import Callable
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding

from lamina.gateway.context import RequestContext
from lamina.gateway.deployment import Deployment
from lamina.gateway.domain import CompiledDomain, host_name
from lamina.gateway.error import ApiKind, GatewayError, ResponseType
from lamina.http.truststore import weakness

Clock = Callable[[], datetime.datetime]


def _utc_now() -> datetime.datetime:
    return datetime.datetime.now(datetime.UTC)


def _openssl_time(moment: datetime.datetime) -> str:
    """OpenSSL's ASN1_TIME_print form, as in AWS's sample events: "Aug  5 09:36:04 2021 GMT"
    (day of month padded with a space)."""
    return f"{moment:%b} {moment.day:2d} {moment:%H:%M:%S %Y} GMT"


def _serial(number: int) -> str:
    """Colon-separated lowercase hex bytes, as in AWS's sample events ("a1:a1:...")."""
    raw = number.to_bytes(max(1, (number.bit_length() + 7) // 8), "big")
    return ":".join(f"{byte:02x}" for byte in raw)


class ParsedCert:
    __slots__ = ("fields", "not_after", "not_before", "weakness")

    def __init__(self, der: bytes) -> None:
        cert = x509.load_der_x509_certificate(der)
        self.not_before = cert.not_valid_before_utc
        self.not_after = cert.not_valid_after_utc
        self.weakness = weakness(cert)
        # The shape of requestContext.identity.clientCert (REST) and
        # requestContext.authentication.clientCert (HTTP APIs):
        # https://docs.aws.amazon.com/apigateway/latest/developerguide/set-up-lambda-proxy-integrations.html
        # https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-develop-integrations-lambda.html
        # DNs in RFC 2253/4514 order ("CN=...,OU=...", as captured events show).
        self.fields: dict[str, Any] = {
            "clientCertPem": cert.public_bytes(Encoding.PEM).decode("ascii"),
            "subjectDN": cert.subject.rfc4514_string(),
            "issuerDN": cert.issuer.rfc4514_string(),
            "serialNumber": _serial(cert.serial_number),
            "validity": {
                "notBefore": _openssl_time(self.not_before),
                "notAfter": _openssl_time(self.not_after),
            },
        }


@functools.lru_cache(maxsize=512)
def parse_cert(der: bytes) -> ParsedCert:
    """Parsed once per distinct certificate (clients reuse theirs on every request)."""
    return ParsedCert(der)


def _kind(deployment: Deployment, domain: CompiledDomain) -> ApiKind:
    """The error's rendering: that of the APIs the domain maps (REST unless all are HTTP)."""
    ids = [mapping.api_id for mapping in domain.mappings]
    return ApiKind.HTTP if ids and all(i in deployment.http for i in ids) else ApiKind.REST


class ClientCertificate:
    def __init__(self, clock: Clock = _utc_now) -> None:
        self._clock = clock

    def needed(self, deployment: Deployment) -> bool:
        return bool(deployment.domains)

    async def __call__(self, ctx: RequestContext) -> None:
        domains = ctx.deployment.domains
        domain = domains.find(ctx.host) if domains else None
        if domain is None:
            return
        session = ctx.request.tls
        if domain.domain.endpoint_access_mode == "STRICT" and (
            session is None or session.requested_name != host_name(ctx.host)
        ):
            ctx.kind = _kind(ctx.deployment, domain)
            raise GatewayError(
                ResponseType.SNI_MISMATCH,
                f"{domain.name} has EndpointAccessMode STRICT: the TLS server name (SNI) "
                "must be the Host",
            )
        if domain.domain.mutual_tls is None:
            return
        if session is None or session.server_name != domain.name or session.peer_cert is None:
            ctx.kind = _kind(ctx.deployment, domain)
            raise GatewayError(
                ResponseType.CLIENT_CERTIFICATE_DENIED,
                f"{domain.name} requires mutual TLS: no client certificate for it",
            )
        parsed = parse_cert(session.peer_cert)
        now = self._clock()
        if not parsed.not_before <= now <= parsed.not_after:
            ctx.kind = _kind(ctx.deployment, domain)
            raise GatewayError(
                ResponseType.CLIENT_CERTIFICATE_DENIED,
                f"client certificate {parsed.fields['subjectDN']} is outside its validity "
                f"({parsed.fields['validity']['notBefore']} - "
                f"{parsed.fields['validity']['notAfter']})",
            )
        if parsed.weakness is not None:
            ctx.kind = _kind(ctx.deployment, domain)
            raise GatewayError(
                ResponseType.CLIENT_CERTIFICATE_DENIED,
                f"client certificate {parsed.fields['subjectDN']} {parsed.weakness}",
            )
        ctx.client_cert = dict(parsed.fields)
