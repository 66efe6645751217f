"""`lamina up --tls`: which certificates the server presents, and where functions reach
Lamina's AWS APIs.

- default certificate: the user's (`--tls-cert/--tls-key`) or a leaf of Lamina's local CA
  (`.lamina/tls/`) for localhost, 127.0.0.1, ::1, *.execute-api.localhost,
  *.execute-api.vpce.localhost and the bind host;
- each custom domain of the template: the user's certificate for it
  (`--tls-domain-cert NAME=CERT,KEY`) or a leaf of the local CA for its name, chosen by
  SNI, with the domain's truststore when it uses mutual TLS.
- each custom domain made through the management API (apigateway / apigatewayv2
  CreateDomainName), from the handshake after the change that made or updated it
  (`serve_domains`, on every deployment): a leaf of the local CA for its name, its
  truststore as read from Lamina's S3, its security policy's lowest TLS version.
Without --tls the server speaks HTTP; custom domains still match on the Host header, and
a mutual-TLS domain then denies every request (no client certificate can reach it).
"""

from __future__ import annotations

import ipaddress
import logging
import ssl
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path

from lamina.aws.service import ServiceError
from lamina.config.cloudfront import distribution_aliases
from lamina.config.model import Application
from lamina.edge.app import Edge
from lamina.gateway.deployment import Deployment
from lamina.gateway.domain import CustomDomain
from lamina.http.certificate import CertificateAuthority, KeyPair
from lamina.http.server import HttpServer
from lamina.http.tls import ServerTls, TlsConfigError, TlsSite
from lamina.services.apigateway.domain_store import TruststoreSource
from lamina.services.s3.state import S3State

log = logging.getLogger("lamina.cli")

DEFAULT_NAMES = (
    "localhost",
    "127.0.0.1",
    "::1",
    "*.execute-api.localhost",
    "*.execute-api.vpce.localhost",  # VPC endpoints' own names (private APIs)
    "*.cloudfront.localhost",  # CloudFront-compatible distributions (edge/cdn)
)
_WILDCARD_BINDS = frozenset({"", "0.0.0.0", "::"})


def _stem(domain: str) -> str:
    return "domain-" + domain.replace("*", "wildcard")


class _LocalCa:
    """Lamina's local CA in the state directory, opened (or made) at the first certificate
    asked of it: a server given every certificate it serves never makes one."""

    __slots__ = ("_ca", "_folder")

    def __init__(self, state_dir: Path) -> None:
        self._folder = state_dir / "tls"
        self._ca: CertificateAuthority | None = None

    def leaf(self, name: str, names: Sequence[str] | None = None) -> KeyPair:
        """A leaf for the domain `name` (or, given `names`, for those, named `name`)."""
        if self._ca is None:
            self._ca = CertificateAuthority(self._folder)
        if names is None:
            return self._ca.leaf(_stem(name), [name])
        return self._ca.leaf(name, names)

    @property
    def cert_path(self) -> Path | None:
        return self._ca.cert_path if self._ca is not None else None


class Transport:
    """The server's TLS setup (None: plain HTTP) and the CA clients should trust."""

    def __init__(
        self,
        server_tls: ServerTls | None,
        ca: _LocalCa | None,
        own_cert: KeyPair | None = None,
    ) -> None:
        self.server_tls = server_tls
        self._ca = ca
        self.own_cert = own_cert
        """The user's --tls-cert, served by default (None: Lamina's CA issued it)."""
        self._internal: HttpServer | None = None
        self._template_sites = tuple(server_tls.sites) if server_tls is not None else ()
        self._served: list[tuple[str, str | None, ssl.TLSVersion]] = []
        """What the API-made domains' sites were last built from."""

    @property
    def ca_path(self) -> Path | None:
        """Lamina's local CA certificate, when it issued any certificate served."""
        return self._ca.cert_path if self._ca is not None else None

    def serve_domains(self, domains: Iterable[CustomDomain]) -> None:
        """Serve the deployment's domains that the template does not declare (made through
        the management API) with their own certificate, truststore and TLS version, from
        the next handshake on. A truststore that does not load is logged and the previous
        sites kept."""
        if self.server_tls is None:
            return
        template = {site.server_name for site in self._template_sites}
        made = [domain for domain in domains if domain.name not in template]
        wanted = [
            (
                domain.name,
                domain.mutual_tls.truststore_pem if domain.mutual_tls else None,
                _minimum_version(domain),
            )
            for domain in made
        ]
        if wanted == self._served:
            return
        try:
            sites = [*self._template_sites, *(self._made_site(*site) for site in wanted)]
            self.server_tls.replace_sites(sites)
        except TlsConfigError as error:
            log.error("custom domains made through the API: TLS not updated: %s", error)
            return
        self._served = wanted

    def deploying(self, deploy: Callable[[Deployment], None]) -> Callable[[Deployment], None]:
        """`deploy`, each deployment's domains served (`serve_domains`) first."""

        def serve_then_deploy(deployment: Deployment) -> None:
            self.serve_domains(deployment.domains)
            deploy(deployment)

        return serve_then_deploy

    def _made_site(self, name: str, pem: str | None, minimum: ssl.TLSVersion) -> TlsSite:
        """A leaf of the local CA for the domain. A mutual-TLS domain whose truststore was
        never read (pem None) asks no certificate; the gateway then denies its requests."""
        assert self._ca is not None  # serve_domains runs only with TLS, made by create()
        pair = self._ca.leaf(name)
        return TlsSite(name, pair, minimum_version=minimum, truststore_pem=pem)

    @property
    def scheme(self) -> str:
        return "https" if self.server_tls is not None else "http"

    @classmethod
    def create(
        cls,
        app: Application,
        state_dir: Path,
        host: str,
        *,
        tls: bool,
        cert: str | None = None,
        key: str | None = None,
        domain_certs: Mapping[str, KeyPair] | None = None,
    ) -> Transport:
        """Raises TlsConfigError for a certificate, key or truststore that does not load,
        or a domain certificate for a name the template does not declare."""
        if (cert is None) != (key is None):
            raise TlsConfigError("--tls-cert and --tls-key go together")
        given = {name.lower(): pair for name, pair in (domain_certs or {}).items()}
        unknown = sorted(set(given) - {domain.name for domain in app.domains})
        if unknown:
            raise TlsConfigError(
                f"--tls-domain-cert for {', '.join(unknown)}: no such custom domain in the template"
            )
        if not tls and cert is None and not given:
            return cls(None, None)
        ca = _LocalCa(state_dir)
        if cert is not None and key is not None:
            default = KeyPair(Path(cert).resolve(), Path(key).resolve())
        else:
            names = list(DEFAULT_NAMES)
            if host not in _WILDCARD_BINDS and _normal(host) not in names:
                names.append(_normal(host))
            default = ca.leaf("localhost", names)
        sites = []
        for domain in app.domains:
            truststore = Path(domain.mutual_tls.truststore) if domain.mutual_tls else None
            pair = given.get(domain.name) or ca.leaf(domain.name)
            minimum = _minimum_version(domain)
            sites.append(TlsSite(domain.name, pair, truststore, minimum_version=minimum))
        for alias in distribution_aliases(app):  # a distribution's Aliases, as custom domains
            sites.append(TlsSite(alias, ca.leaf(alias), None))
        own = default if cert is not None else None
        return cls(ServerTls(default, sites), ca, own)

    async def function_endpoint(self, edge: Edge, plain_url: str) -> str:
        """AWS_ENDPOINT_URL for functions: `plain_url` (the server's own port) over HTTP.
        Over TLS, a second listener on loopback speaks plain HTTP: the SDKs inside
        functions trust only public CAs, not Lamina's."""
        if self.server_tls is None:
            return plain_url
        self._internal = HttpServer(edge, streams_body=edge.streams_body)
        bound = await self._internal.start("127.0.0.1", 0)
        return f"http://127.0.0.1:{bound[0][1]}"

    async def close(self) -> None:
        if self._internal is not None:
            await self._internal.stop()
            self._internal = None


def s3_truststores(s3: S3State) -> TruststoreSource:
    """Mutual-TLS truststores read from Lamina's own S3, as API Gateway reads them from S3
    when a domain is created or updated.
    https://docs.aws.amazon.com/apigateway/latest/api/API_MutualTlsAuthentication.html"""

    def read(bucket: str, key: str, version: str | None) -> bytes:
        try:
            found = s3.object(bucket, key, version)
        except ServiceError as error:
            raise LookupError(str(error)) from error
        return s3.blobs.path(found.blob_id).read_bytes()

    return read


def _minimum_version(domain: CustomDomain) -> ssl.TLSVersion:
    return ssl.TLSVersion.TLSv1_3 if domain.accepts_tls_1_3_only else ssl.TLSVersion.TLSv1_2


def _normal(host: str) -> str:
    try:
        return str(ipaddress.ip_address(host))
    except ValueError:
        return host.lower()


def parse_domain_certs(values: Sequence[str]) -> dict[str, KeyPair]:
    """`NAME=CERT,KEY` options (paths to PEM files) by domain name."""
    found: dict[str, KeyPair] = {}
    for value in values:
        name, _, files = value.partition("=")
        cert, _, key = files.partition(",")
        if not (name and cert and key):
            raise TlsConfigError(f"--tls-domain-cert {value!r}: expected NAME=CERT,KEY")
        found[name.lower()] = KeyPair(Path(cert).resolve(), Path(key).resolve())
    return found
