"""HttpServer over TLS on loopback, driven by real clients (ssl, httpx, curl): the default
certificate, SNI per custom domain, mutual TLS at the handshake."""

from __future__ import annotations

import asyncio
import hashlib
import shutil
import socket
import ssl
import subprocess
import threading
from collections.abc import Iterator
from pathlib import Path

import httpx
import orjson
import pytest
import uvloop
from cryptography import x509

from lamina.http.certificate import CertificateAuthority
from lamina.http.message import HttpRequest, HttpResponse
from lamina.http.server import HttpServer
from lamina.http.tls import ServerTls, TlsSite
from tests.tls_pki import ClientCa


class TlsLoopback:
    """An HttpServer with TLS on its own loop thread; answers with what TLS told it."""

    def __init__(self, tls: ServerTls) -> None:
        self._loop = uvloop.new_event_loop()  # as `lamina up` runs
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._thread.start()
        self._server = HttpServer(self._handle, tls)
        future = asyncio.run_coroutine_threadsafe(self._server.start("127.0.0.1", 0), self._loop)
        self.port = future.result(10)[0][1]

    async def _handle(self, request: HttpRequest) -> HttpResponse:
        session = request.tls
        peer = session.peer_cert if session else None
        body = {
            "server_name": session.server_name if session else None,
            "peer_sha256": hashlib.sha256(peer).hexdigest() if peer else None,
        }
        return HttpResponse(200, [(b"content-type", b"application/json")], orjson.dumps(body))

    def close(self) -> None:
        asyncio.run_coroutine_threadsafe(self._server.stop(1), self._loop).result(10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(5)
        self._loop.close()


class Setup:
    def __init__(self, root: Path) -> None:
        self.ca = CertificateAuthority(root / "tls")
        self.clients = ClientCa(root / "clients", "Example Client CA")
        self.strangers = ClientCa(root / "strangers", "Stranger CA")
        self.valid = self.clients.issue("alice", "alice.example.com")
        self.expired = self.clients.expired("old", "old.example.com")
        self.untrusted = self.strangers.issue("mallory", "mallory.example.com")
        sites = [
            TlsSite("api.example.com", self.ca.leaf("api.example.com", ["api.example.com"])),
            TlsSite(
                "mtls.example.com",
                self.ca.leaf("mtls.example.com", ["mtls.example.com"]),
                truststore=self.clients.pem_path,
            ),
        ]
        default = self.ca.leaf("localhost", ["localhost", "127.0.0.1"])
        self.server = TlsLoopback(ServerTls(default, sites))


@pytest.fixture(scope="module")
def setup(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Setup]:
    built = Setup(tmp_path_factory.mktemp("tls"))
    yield built
    built.server.close()


def _handshake(
    setup: Setup, server_name: str, client: tuple[Path, Path] | None = None
) -> tuple[x509.Certificate, bytes]:
    """TLS to 127.0.0.1 with SNI `server_name`, one GET; the served certificate, the reply."""
    context = ssl.create_default_context(cafile=str(setup.ca.cert_path))
    if client is not None:
        context.load_cert_chain(client[0], client[1])
    raw = socket.create_connection(("127.0.0.1", setup.server.port), timeout=5)
    with raw, context.wrap_socket(raw, server_hostname=server_name) as tls:
        served = x509.load_der_x509_certificate(tls.getpeercert(binary_form=True) or b"")
        tls.sendall(f"GET / HTTP/1.1\r\nHost: {server_name}\r\n\r\n".encode())
        reply = b""
        while b"\r\n\r\n" not in reply or not reply.rstrip().endswith(b"}"):
            chunk = tls.recv(4096)
            if not chunk:
                break
            reply += chunk
    return served, reply


def _dns_names(cert: x509.Certificate) -> list[str]:
    san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    return [str(name) for name in san.get_values_for_type(x509.DNSName)]


def test_https_with_generated_ca_answers_httpx(setup: Setup) -> None:
    url = f"https://127.0.0.1:{setup.server.port}/"
    response = httpx.get(url, verify=ssl.create_default_context(cafile=setup.ca.cert_path))
    assert response.status_code == 200
    assert response.json() == {"server_name": None, "peer_sha256": None}


def test_https_untrusted_by_default_client_store(setup: Setup) -> None:
    with pytest.raises(httpx.ConnectError, match="CERTIFICATE_VERIFY_FAILED"):
        httpx.get(f"https://localhost:{setup.server.port}/", verify=True)


def test_sni_picks_the_domain_certificate(setup: Setup) -> None:
    served, reply = _handshake(setup, "api.example.com")
    assert _dns_names(served) == ["api.example.com"]
    assert b'"server_name":"api.example.com"' in reply


def test_unknown_sni_gets_the_default_certificate(setup: Setup) -> None:
    served, _ = _handshake(setup, "localhost")
    assert _dns_names(served) == ["localhost"]


def test_mtls_valid_client_certificate_reaches_the_handler(setup: Setup) -> None:
    served, reply = _handshake(
        setup, "mtls.example.com", (setup.valid.cert_path, setup.valid.key_path)
    )
    assert _dns_names(served) == ["mtls.example.com"]
    from cryptography.hazmat.primitives.serialization import Encoding

    digest = hashlib.sha256(setup.valid.cert.public_bytes(Encoding.DER)).hexdigest()
    assert orjson.loads(reply.partition(b"\r\n\r\n")[2]) == {
        "server_name": "mtls.example.com",
        "peer_sha256": digest,
    }


def test_mtls_without_client_certificate_reaches_the_gateway_without_one(setup: Setup) -> None:
    # API Gateway answers HTTP 403 (the ClientCertificate stage), not a TLS alert.
    _, reply = _handshake(setup, "mtls.example.com")
    assert b'"server_name":"mtls.example.com","peer_sha256":null' in reply


def test_mtls_certificate_from_untrusted_ca_is_refused_at_handshake(setup: Setup) -> None:
    # TLS 1.3: the client's side of the handshake ends before the server has checked its
    # certificate; the refusal (uvloop resets the connection without sending the alert)
    # arrives with the client's first read. No HTTP reply ever comes.
    client = (setup.untrusted.cert_path, setup.untrusted.key_path)
    try:
        _, reply = _handshake(setup, "mtls.example.com", client)
    except OSError:  # ssl.SSLError, ConnectionResetError, BrokenPipeError
        return
    assert reply == b""


def test_mtls_expired_certificate_passes_handshake_for_the_gateway_to_deny(setup: Setup) -> None:
    # API Gateway answers an expired certificate with HTTP 403 (the ClientCertificate
    # stage); the handshake must therefore let it through, with the certificate.
    _, reply = _handshake(
        setup, "mtls.example.com", (setup.expired.cert_path, setup.expired.key_path)
    )
    assert reply.startswith(b"HTTP/1.1 200")
    assert b'"peer_sha256":null' not in reply


@pytest.mark.skipif(shutil.which("curl") is None, reason="curl not installed")
def test_curl_resolve_to_mtls_domain_with_client_certificate(setup: Setup) -> None:
    port = setup.server.port
    base = ["curl", "-sS", "--cacert", str(setup.ca.cert_path)]
    base += ["--resolve", f"mtls.example.com:{port}:127.0.0.1"]
    url = f"https://mtls.example.com:{port}/"
    ok = subprocess.run(
        [*base, "--cert", str(setup.valid.cert_path), "--key", str(setup.valid.key_path), url],
        capture_output=True,
        timeout=20,
    )
    assert ok.returncode == 0, ok.stderr
    assert orjson.loads(ok.stdout)["peer_sha256"] is not None
    stranger = [str(setup.untrusted.cert_path), str(setup.untrusted.key_path)]
    refused = subprocess.run(
        [*base, "--cert", stranger[0], "--key", stranger[1], url], capture_output=True, timeout=20
    )
    # 35 SSL connect error, 52 empty reply, 56 reset: never an HTTP reply.
    assert refused.returncode in (35, 52, 56), refused
    assert refused.stdout == b""
