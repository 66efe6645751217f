"""ServerTls without a network: which context a server name gets, what a handshake
reports, and errors that name the file at fault. Handshakes run over memory BIOs."""

from __future__ import annotations

import contextlib
import ssl
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.serialization import Encoding

from lamina.http.certificate import CertificateAuthority, KeyPair
from lamina.http.tls import ServerTls, TlsConfigError, TlsRefused, TlsSite
from tests.tls_pki import ClientCa


def _handshake(
    server: ServerTls,
    ca: Path,
    server_name: str,
    client: tuple[Path, Path] | None = None,
    *,
    check_hostname: bool = True,
    max_version: str | None = None,
) -> tuple[ssl.SSLObject, ssl.SSLObject]:
    """Run a TLS handshake between two SSLObjects in memory; (client, server) objects."""
    client_context = ssl.create_default_context(cafile=ca)
    client_context.check_hostname = check_hostname
    if max_version is not None:
        client_context.maximum_version = ssl.TLSVersion[max_version]
    if client is not None:
        client_context.load_cert_chain(*client)
    c_in, c_out, s_in, s_out = (ssl.MemoryBIO() for _ in range(4))
    client_side = client_context.wrap_bio(c_in, c_out, server_hostname=server_name)
    server_side = server.context.wrap_bio(s_in, s_out, server_side=True)
    done = {"client": False, "server": False}
    for _ in range(20):
        for name, side in (("client", client_side), ("server", server_side)):
            if not done[name]:
                try:
                    side.do_handshake()
                    done[name] = True
                except ssl.SSLWantReadError:
                    pass
        s_in.write(c_out.read())
        c_in.write(s_out.read())
        if all(done.values()):
            break
    # TLS 1.3: the server verifies the client's certificate after the client is done;
    # a read on each side settles it.
    for side in (server_side, client_side):
        with contextlib.suppress(ssl.SSLWantReadError):
            side.read(1)
        s_in.write(c_out.read())
        c_in.write(s_out.read())
    return client_side, server_side


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> tuple[CertificateAuthority, ClientCa]:
    root = tmp_path_factory.mktemp("pki")
    return CertificateAuthority(root / "tls"), ClientCa(root / "clients", "Client CA")


def _server(ca: CertificateAuthority, clients: ClientCa) -> ServerTls:
    return ServerTls(
        ca.leaf("localhost", ["localhost"]),
        [
            TlsSite("*.apps.example.com", ca.leaf("wild", ["*.apps.example.com"])),
            TlsSite("API.example.com", ca.leaf("api", ["api.example.com"])),
            TlsSite(
                "mtls.example.com",
                ca.leaf("mtls", ["mtls.example.com"]),
                truststore=clients.pem_path,
            ),
        ],
    )


@pytest.mark.parametrize(
    ("server_name", "site"),
    [
        ("api.example.com", "api.example.com"),
        ("API.Example.COM", "api.example.com"),
        ("one.apps.example.com", "*.apps.example.com"),
    ],
)
def test_sni_chooses_the_domain_context(
    pki: tuple[CertificateAuthority, ClientCa], server_name: str, site: str
) -> None:
    ca, clients = pki
    server = _server(ca, clients)
    _, server_side = _handshake(server, ca.cert_path, server_name)
    session = server.session(server_side)
    assert (session.server_name, session.peer_cert) == (site, None)


def test_default_name_gets_the_default_context(
    pki: tuple[CertificateAuthority, ClientCa],
) -> None:
    ca, clients = pki
    server = _server(ca, clients)
    _, server_side = _handshake(server, ca.cert_path, "localhost")
    assert server.session(server_side).server_name is None


@pytest.mark.parametrize("server_name", ["two.one.apps.example.com", "unknown.example.org"])
def test_unknown_name_gets_the_default_certificate(
    pki: tuple[CertificateAuthority, ClientCa], server_name: str
) -> None:
    # A wildcard covers one label only.
    ca, clients = pki
    client_side, _ = _handshake(
        _server(ca, clients), ca.cert_path, server_name, check_hostname=False
    )
    served = x509.load_der_x509_certificate(client_side.getpeercert(binary_form=True) or b"")
    san = served.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert san.get_values_for_type(x509.DNSName) == ["localhost"]


def test_mtls_session_carries_the_verified_client_certificate(
    pki: tuple[CertificateAuthority, ClientCa],
) -> None:
    ca, clients = pki
    cert = clients.issue("alice", "alice")
    server = _server(ca, clients)
    _, server_side = _handshake(
        server, ca.cert_path, "mtls.example.com", (cert.cert_path, cert.key_path)
    )
    session = server.session(server_side)
    assert session.server_name == "mtls.example.com"
    assert session.peer_cert == cert.cert.public_bytes(Encoding.DER)


def test_without_mutual_tls_no_client_certificate_is_requested(tmp_path: Path) -> None:
    ca = CertificateAuthority(tmp_path)
    server = ServerTls(ca.leaf("localhost", ["localhost"]), [])
    assert server.context.verify_mode is ssl.CERT_NONE


def test_truststore_that_does_not_load_names_the_file(tmp_path: Path) -> None:
    ca = CertificateAuthority(tmp_path / "tls")
    bad = tmp_path / "truststore.pem"
    bad.write_text("not a certificate\n")
    site = TlsSite("m.example.com", ca.leaf("m", ["m.example.com"]), truststore=bad)
    with pytest.raises(TlsConfigError, match=r"cannot load truststore .*truststore\.pem"):
        ServerTls(ca.leaf("localhost", ["localhost"]), [site])


def test_certificate_that_does_not_load_names_the_files(tmp_path: Path) -> None:
    missing = KeyPair(tmp_path / "cert.pem", tmp_path / "key.pem")
    with pytest.raises(TlsConfigError, match=r"cannot load certificate .*cert\.pem"):
        ServerTls(missing)


def _tls_1_3_only(ca: CertificateAuthority) -> ServerTls:
    site = TlsSite(
        "new.example.com",
        ca.leaf("new", ["new.example.com"]),
        minimum_version=ssl.TLSVersion.TLSv1_3,
    )
    return ServerTls(ca.leaf("localhost", ["localhost"]), [site])


def test_tls_1_3_only_domain_refuses_a_tls_1_2_connection(
    pki: tuple[CertificateAuthority, ClientCa],
) -> None:
    ca, _ = pki
    server = _tls_1_3_only(ca)
    _, server_side = _handshake(server, ca.cert_path, "new.example.com", max_version="TLSv1_2")
    assert server_side.version() == "TLSv1.2"
    with pytest.raises(TlsRefused, match=r"new\.example\.com accepts TLSv1_3 and up"):
        server.session(server_side)
    _, modern = _handshake(server, ca.cert_path, "new.example.com")
    assert server.session(modern).server_name == "new.example.com"
    # Other names keep TLS 1.2.
    _, default = _handshake(server, ca.cert_path, "localhost", max_version="TLSv1_2")
    assert server.session(default).server_name is None


def test_client_chaining_only_to_an_expired_truststore_ca_is_refused(tmp_path: Path) -> None:
    ca = CertificateAuthority(tmp_path / "tls")
    current = ClientCa(tmp_path / "current", "Current CA")
    lapsed = ClientCa(tmp_path / "lapsed", "Lapsed CA", expired=True)
    truststore = tmp_path / "truststore.pem"
    truststore.write_bytes(current.pem_path.read_bytes() + lapsed.pem_path.read_bytes())
    site = TlsSite("m.example.com", ca.leaf("m", ["m.example.com"]), truststore=truststore)
    server = ServerTls(ca.leaf("localhost", ["localhost"]), [site])
    good = current.issue("good", "good")
    _, server_side = _handshake(
        server, ca.cert_path, "m.example.com", (good.cert_path, good.key_path)
    )
    assert server.session(server_side).peer_cert is not None
    stranded = lapsed.issue("stranded", "stranded")
    with pytest.raises(ssl.SSLError, match=r"unknown ca|certificate verify failed"):
        _handshake(server, ca.cert_path, "m.example.com", (stranded.cert_path, stranded.key_path))


def test_encrypted_key_is_refused_with_a_message_not_a_prompt(tmp_path: Path) -> None:
    ca = CertificateAuthority(tmp_path / "tls")
    pair = ca.leaf("mine", ["localhost"])
    key = serialization.load_pem_private_key(pair.key_path.read_bytes(), password=None)
    locked = tmp_path / "locked-key.pem"
    locked.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.BestAvailableEncryption(b"secret"),
        )
    )
    with pytest.raises(TlsConfigError, match=r"locked-key\.pem is encrypted"):
        ServerTls(KeyPair(pair.cert_path, locked))
