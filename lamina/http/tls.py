"""TLS for Lamina's server: a default certificate (localhost, 127.0.0.1 — generated or the
user's), one certificate per custom domain chosen by SNI, and mutual TLS per domain.

    ClientHello(server_name) → sni_callback → the domain's SSLContext (its certificate,
    its truststore) or the default one → handshake → TlsSession on every request

Mutual TLS: the domain's context asks for a client certificate and verifies one against
the domain's truststore, so a certificate from a CA the truststore does not hold is
refused during the handshake (alert `unknown ca`). Two cases pass the handshake on
purpose and are answered by the gateway's ClientCertificate stage with API Gateway's
HTTP 403 instead (https://docs.aws.amazon.com/apigateway/latest/developerguide/rest-api-mutual-tls.html:
"If the certificate isn't trusted, is expired, ... the request is denied with a 403
status code"):
- no certificate at all: the request (mode CERT_OPTIONAL), which the stage denies;
- an expired or not-yet-valid certificate: OpenSSL skips the time check here
  (X509_V_FLAG_NO_CHECK_TIME) and the stage denies it.

Why every context asks (CERT_OPTIONAL) once any domain uses mutual TLS: OpenSSL's
SSL_set_SSL_CTX, which Python's SNI context swap calls, takes the new context's
certificate and trust store but keeps the verify mode of the context the connection
started with (the default one). The cost: on such a server a client that volunteers a
certificate on a name without mutual TLS must present one Lamina can verify.

Security policy: every connection needs TLS 1.2 at least. A domain whose policy accepts
TLS 1.3 only (SecurityPolicy_TLS13_1_3_*) has `minimum_version` TLSv1_3; the version is
chosen before SNI is seen (and OpenSSL keeps the first context's limits across the swap),
so a connection that negotiated less with such a domain is closed right after its
handshake, before any request is read (`TlsRefused`).
"""

from __future__ import annotations

import ssl
import weakref
from collections.abc import Callable, Sequence
from pathlib import Path

from lamina.http.certificate import KeyPair
from lamina.http.message import TlsSession
from lamina.http.truststore import TruststoreError, read_truststore

# OpenSSL's X509_V_FLAG_NO_CHECK_TIME (x509_vfy.h); Python has no name for it.
_NO_CHECK_TIME = 0x200000
# SSLObject.version()'s names.
_VERSIONS = {"TLSv1.2": ssl.TLSVersion.TLSv1_2, "TLSv1.3": ssl.TLSVersion.TLSv1_3}


class TlsConfigError(ValueError):
    """A certificate, key or truststore that cannot be loaded; the message names the file."""


class TlsRefused(Exception):
    """A handshake that completed with less than its domain's security policy accepts."""


class TlsSite:
    """A custom domain's TLS: the certificate served for its name, the truststore that
    turns on mutual TLS (None: no client certificate is asked for), and the lowest TLS
    version its security policy accepts."""

    __slots__ = ("minimum_version", "pair", "server_name", "truststore", "truststore_pem")

    def __init__(
        self,
        server_name: str,
        pair: KeyPair,
        truststore: Path | None = None,
        *,
        minimum_version: ssl.TLSVersion = ssl.TLSVersion.TLSv1_2,
        truststore_pem: str | None = None,
    ) -> None:
        self.server_name = server_name.lower()
        """The domain name; `*.example.com` matches one label."""
        self.pair = pair
        self.truststore = truststore
        self.truststore_pem = truststore_pem
        """The trusted certificates themselves (a domain made through the management API,
        its truststore read from S3 and checked then), instead of a file."""
        self.minimum_version = max(minimum_version, ssl.TLSVersion.TLSv1_2)

    @property
    def mutual(self) -> bool:
        return self.truststore is not None or self.truststore_pem is not None


def _context(site: TlsSite | KeyPair, *, ask: bool) -> ssl.SSLContext:
    pair = site.pair if isinstance(site, TlsSite) else site
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    # API Gateway's mutual-TLS domains need TLS 1.2 at least; we apply it everywhere.
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    context.set_alpn_protocols(["http/1.1"])
    try:
        # A passphrase callback, so that an encrypted key fails here with a message
        # instead of OpenSSL prompting on the terminal (or failing obscurely without one).
        context.load_cert_chain(pair.cert_path, pair.key_path, password=_no_passphrase(pair))
    except (OSError, ssl.SSLError) as error:
        raise TlsConfigError(
            f"cannot load certificate {pair.cert_path} with key {pair.key_path}: {error}"
        ) from error
    if isinstance(site, TlsSite) and site.mutual:
        try:
            context.load_verify_locations(cadata=_trusted_pem(site))
        except (TruststoreError, ssl.SSLError) as error:
            named = site.truststore or f"of {site.server_name}"
            raise TlsConfigError(f"cannot load truststore {named}: {error}") from error
    _ask(context, ask)
    return context


def _trusted_pem(site: TlsSite) -> str | None:
    """Only the certificates API Gateway would accept: a file is read as
    http.truststore reads it (expired or weak ones left out; config/domain.py reports them
    as warnings, as AWS does); an API-made domain's were checked when it was made."""
    if site.truststore is not None:
        return read_truststore(site.truststore).pem()
    return site.truststore_pem


def _ask(context: ssl.SSLContext, ask: bool) -> None:
    """Ask for a client certificate (CERT_OPTIONAL), or stop asking. Setting it on a
    context in use changes the connections that start afterwards."""
    context.verify_mode = ssl.CERT_OPTIONAL if ask else ssl.CERT_NONE
    if ask:
        # The verify parameters, like the mode, stay those of the first context.
        context.verify_flags |= _NO_CHECK_TIME
    else:
        context.verify_flags &= ~ssl.VerifyFlags(_NO_CHECK_TIME)


def _no_passphrase(pair: KeyPair) -> Callable[[], str]:
    def refuse() -> str:
        raise TlsConfigError(
            f"key {pair.key_path} is encrypted; give Lamina an unencrypted key "
            f"(openssl pkey -in {pair.key_path} -out key.pem)"
        )

    return refuse


class ServerTls:
    """The server's SSLContext with SNI dispatch to the custom domains' contexts."""

    def __init__(self, default: KeyPair, sites: Sequence[TlsSite] = ()) -> None:
        self.default = default
        self.context = _context(default, ask=False)
        self._by_name: dict[str, ssl.SSLContext] = {}
        self._site_of: dict[int, TlsSite] = {}
        self._requested: weakref.WeakKeyDictionary[object, str] = weakref.WeakKeyDictionary()
        """Connection -> the server name it asked for (SNI), from the handshake to
        `session` (Python exposes it only to the SNI callback)."""
        # Always set: the sites may change while the server runs (`replace_sites`).
        self.context.sni_callback = self._choose
        self.replace_sites(sites)

    @property
    def sites(self) -> list[TlsSite]:
        return list(self._site_of.values())

    def replace_sites(self, sites: Sequence[TlsSite]) -> None:
        """Serve these sites from the next handshake on (a connection already open keeps
        the context it was handed). Each site's context is built before any is swapped
        in, so a site that fails to load (TlsConfigError) changes nothing."""
        ask = any(site.mutual for site in sites)
        by_name: dict[str, ssl.SSLContext] = {}
        site_of: dict[int, TlsSite] = {}
        for site in sites:
            context = _context(site, ask=ask)
            by_name[site.server_name] = context
            site_of[id(context)] = site
        _ask(self.context, ask)
        self._by_name, self._site_of = by_name, site_of

    def _lookup(self, server_name: str) -> ssl.SSLContext | None:
        name = server_name.lower().rstrip(".")
        found = self._by_name.get(name)
        if found is None and "." in name:
            found = self._by_name.get("*." + name.split(".", 1)[1])
        return found

    def _choose(
        self, connection: ssl.SSLObject | ssl.SSLSocket, server_name: str | None, _: object
    ) -> None:
        """Swap in the domain's context before the certificate is sent."""
        if server_name is None:
            return
        self._requested[connection] = server_name.lower().rstrip(".")
        context = self._lookup(server_name)
        if context is not None:
            connection.context = context

    def session(self, connection: ssl.SSLObject | ssl.SSLSocket) -> TlsSession:
        """What a handshake established: the domain whose context served it, the client's
        certificate (DER) when one was verified, and the server name the client sent.
        Raises TlsRefused when the version negotiated is below what the domain's security
        policy accepts."""
        requested = self._requested.pop(connection, None)
        site = self._site_of.get(id(connection.context))
        if site is not None and site.minimum_version > ssl.TLSVersion.TLSv1_2:
            negotiated = connection.version()
            if negotiated is None or _VERSIONS.get(negotiated, 0) < site.minimum_version:
                raise TlsRefused(f"{site.server_name} accepts {site.minimum_version.name} and up")
        peer = connection.getpeercert(binary_form=True) if site and site.mutual else None
        return TlsSession(
            server_name=site.server_name if site else None,
            peer_cert=peer,
            requested_name=requested,
        )
