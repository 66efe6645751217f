"""Custom domain names: a host name serving APIs under base paths, with its own
certificate and, optionally, mutual TLS.

REST: AWS::ApiGateway::DomainName + AWS::ApiGateway::BasePathMapping (base paths may have
several levels, `v1/admin`; an empty one, `(none)`, takes every path; a mapping without a
stage takes the stage from the URL's next segment).
HTTP: AWS::ApiGatewayV2::DomainName + AWS::ApiGatewayV2::ApiMapping (ApiMappingKey).
https://docs.aws.amazon.com/apigateway/latest/developerguide/how-to-custom-domains.html
https://docs.aws.amazon.com/apigateway/latest/developerguide/rest-api-mappings.html
"""

from __future__ import annotations

from collections.abc import Iterator

import msgspec


class ApiMapping(msgspec.Struct, frozen=True, kw_only=True):
    """One base path of a domain, pointing at an API's stage."""

    api_id: str
    base_path: str = ""
    """Without slashes around it: "" for `(none)`, "v1", "v1/admin"."""
    stage: str | None = None
    """None (REST only): the stage is the path segment after the base path."""


class MutualTls(msgspec.Struct, frozen=True, kw_only=True):
    """MutualTlsAuthentication: the truststore (PEM bundle) client certificates must chain to."""

    truststore: str = ""
    """Absolute path of the PEM bundle on this machine (a template's domain); "" for a
    domain made through the management API, whose truststore is `truststore_pem`."""
    truststore_uri: str
    """As the template or the API call gave it (s3://..., file://..., or a relative path)."""
    truststore_version: str | None = None
    truststore_pem: str | None = None
    """The trusted certificates, read from Lamina's S3 when the domain was created or
    updated through the management API (None: not read; no client certificate passes)."""


class CustomDomain(msgspec.Struct, frozen=True, kw_only=True):
    name: str
    """Lowercase; may be a wildcard (`*.example.com`)."""
    logical_id: str = ""
    mappings: tuple[ApiMapping, ...] = ()
    mutual_tls: MutualTls | None = None
    security_policy: str = "TLS_1_2"
    """Every connection is TLS 1.2 or newer; see `accepts_tls_1_3_only`."""
    endpoint_access_mode: str | None = None
    """STRICT or BASIC (required with an enhanced security policy). STRICT: "API Gateway
    uses SNI host matching" — a request whose TLS server name is not this domain is denied.
    https://docs.aws.amazon.com/apigateway/latest/developerguide/apigateway-security-policies.html"""

    @property
    def accepts_tls_1_3_only(self) -> bool:
        """SecurityPolicy_TLS13_1_3_* "accepts TLS 1.3 traffic and rejects TLS 1.2 and TLS
        1.0 traffic"; the other policies accept TLS 1.2 (TLS_1_0 also 1.0, which Lamina does
        not serve).
        https://docs.aws.amazon.com/apigateway/latest/developerguide/apigateway-security-policies.html"""
        return self.security_policy.startswith("SecurityPolicy_TLS13_1_3_")


def host_name(host: str) -> str:
    """A Host header value without its port, lowercased, without a final dot."""
    name, colon, port = host.rpartition(":")
    return (name if colon and port.isdigit() else host).lower().rstrip(".")


class CompiledDomain:
    """A domain ready for the hot path: mappings tried longest base path first."""

    __slots__ = ("domain", "mappings")

    def __init__(self, domain: CustomDomain) -> None:
        self.domain = domain
        self.mappings = tuple(
            sorted(domain.mappings, key=lambda mapping: len(mapping.base_path), reverse=True)
        )

    @property
    def name(self) -> str:
        return self.domain.name

    def match(self, path: str) -> tuple[ApiMapping, str, str] | None:
        """(mapping, the path after its base path, the base path prefix) for `path`."""
        for mapping in self.mappings:
            if not mapping.base_path:
                return mapping, path, ""
            prefix = "/" + mapping.base_path
            if path == prefix:
                return mapping, "/", prefix
            if path.startswith(prefix + "/"):
                return mapping, path[len(prefix) :], prefix
        return None


class DomainTable:
    """Host name → compiled domain, exact names first, then `*.` wildcards."""

    __slots__ = ("_exact", "_wildcard")

    def __init__(self, domains: tuple[CustomDomain, ...]) -> None:
        compiled = [CompiledDomain(domain) for domain in domains]
        self._exact = {d.name: d for d in compiled if not d.name.startswith("*.")}
        self._wildcard = {d.name[2:]: d for d in compiled if d.name.startswith("*.")}

    def __bool__(self) -> bool:
        return bool(self._exact or self._wildcard)

    def __iter__(self) -> Iterator[CustomDomain]:
        """Every domain (the TLS sites are built from them: cli/transport.py)."""
        for compiled in (*self._exact.values(), *self._wildcard.values()):
            yield compiled.domain

    def find(self, host: str) -> CompiledDomain | None:
        """The domain for a Host header value (port and case ignored)."""
        name = host_name(host)
        found = self._exact.get(name)
        if found is None and self._wildcard:
            found = self._wildcard.get(name.partition(".")[2])
        return found
