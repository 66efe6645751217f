"""What HTTPS and mutual TLS cost per request: the same HTTP API route of
tests/fixtures/apps/domains reached over plain HTTP, over HTTPS (custom domain chosen by
SNI), and over HTTPS with mutual TLS (client certificate checked, parsed and put in the
event), one sequential keep-alive client each, calls alternating so drift hits all alike;
then a new connection per request (full TLS handshake); then the ClientCertificate
stage in process (Gateway.handle, scripted invoker).

    .venv/bin/python bench/tls.py [--calls N]

Writes bench/results/tls.json and prints it.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import shutil
import ssl
import statistics
import sys
import tempfile
import time
from pathlib import Path

import httpx
from server import HOST, Server, free_port

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
RESULTS = BENCH / "results"
sys.path.insert(0, str(REPO))

from cryptography.hazmat.primitives.serialization import Encoding  # noqa: E402

from lamina.config.load import load_application  # noqa: E402 (after the path)
from lamina.functions.model import InvokeResult  # noqa: E402
from lamina.gateway.app import Gateway  # noqa: E402
from lamina.gateway.deployment import Deployment  # noqa: E402
from lamina.gateway.request import GatewayRequest  # noqa: E402
from lamina.http.message import TlsSession  # noqa: E402
from tests.invoker import ScriptedInvoker  # noqa: E402
from tests.tls_pki import ClientCa, ClientCert  # noqa: E402

FIXTURE = REPO / "tests" / "fixtures" / "apps" / "domains"


def _copy(root: Path, name: str, truststore: Path) -> Path:
    folder = root / name
    shutil.copytree(FIXTURE, folder)
    shutil.copy(truststore, folder / "truststore.pem")
    return folder


def _client(port: int, name: str, ca: Path | None, cert: ClientCert | None) -> httpx.Client:
    if ca is None:
        return httpx.Client(base_url=f"http://{HOST}:{port}", headers={"Host": name})
    context = ssl.create_default_context(cafile=ca)
    if cert is not None:
        context.load_cert_chain(cert.cert_path, cert.key_path)
    return httpx.Client(base_url=f"https://{HOST}:{port}", headers={"Host": name}, verify=context)


def _get(client: httpx.Client, path: str, name: str) -> float:
    start = time.perf_counter()
    response = client.get(path, extensions={"sni_hostname": name})
    elapsed = (time.perf_counter() - start) * 1e6
    assert response.status_code == 200, response.text
    return elapsed


def _stats(samples: list[float]) -> dict[str, float]:
    samples = sorted(samples)
    return {
        "p50_us": round(statistics.median(samples), 1),
        "p90_us": round(samples[int(len(samples) * 0.9) - 1], 1),
        "mean_us": round(statistics.fmean(samples), 1),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=2000)
    parser.add_argument("--connections", type=int, default=300)
    args = parser.parse_args()
    root = Path(tempfile.mkdtemp(prefix="lamina-tls-bench-"))
    clients = ClientCa(root / "pki", "Bench Client CA")
    cert = clients.issue("bench", "bench.example.com")
    plain_dir = _copy(root, "plain", clients.pem_path)
    tls_dir = _copy(root, "tls", clients.pem_path)
    plain_port, tls_port = free_port(), free_port()
    lamina = str(Path(sys.executable).parent / "lamina")
    ca = tls_dir / ".lamina" / "tls" / "ca.pem"
    cases = {
        "http": (plain_port, "root.lamina.test", "/echo/b?quiet", None, None),
        "https": (tls_port, "root.lamina.test", "/echo/b?quiet", ca, None),
        "https_mtls": (tls_port, "http.lamina.test", "/v2/echo/b?quiet", ca, cert),
    }
    try:
        with (
            Server([lamina, "up", str(plain_dir), "--port", str(plain_port)], plain_port,
                   RESULTS / "tls-plain.log.tmp") as plain,
            Server([lamina, "up", str(tls_dir), "--port", str(tls_port), "--tls"], tls_port,
                   RESULTS / "tls.log.tmp") as secure,
        ):  # fmt: skip
            plain.wait_listening(20)
            secure.wait_listening(20)
            keep_alive = _keep_alive(cases, args.calls)
            per_connection = _per_connection(cases, args.connections)
        in_process = asyncio.run(_in_process(tls_dir, cert, args.calls))
    finally:
        shutil.rmtree(root, ignore_errors=True)
    figures = {
        "calls": args.calls,
        "keep_alive": keep_alive,
        "new_connection_each_request": per_connection,
        "in_process_client_certificate_stage": in_process,
    }
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "tls.json").write_text(json.dumps(figures, indent=2) + "\n")
    print(json.dumps(figures, indent=2))
    return 0


Case = tuple[int, str, str, Path | None, ClientCert | None]


def _keep_alive(cases: dict[str, Case], calls: int) -> dict[str, object]:
    open_clients = {name: _client(c[0], c[1], c[3], c[4]) for name, c in cases.items()}
    samples: dict[str, list[float]] = {name: [] for name in cases}
    try:
        for name, (_, host, path, _, _) in cases.items():
            for _ in range(100):  # warm workers and connections
                _get(open_clients[name], path, host)
        for _ in range(calls):
            for name, (_, host, path, _, _) in cases.items():
                samples[name].append(_get(open_clients[name], path, host))
    finally:
        for client in open_clients.values():
            client.close()
    return _compared(samples)


def _per_connection(cases: dict[str, Case], count: int) -> dict[str, object]:
    samples: dict[str, list[float]] = {name: [] for name in cases}
    for _ in range(count):
        for name, (port, host, path, ca, cert) in cases.items():
            with _client(port, host, ca, cert) as client:
                samples[name].append(_get(client, path, host))
    return _compared(samples)


def _compared(samples: dict[str, list[float]]) -> dict[str, object]:
    stats = {name: _stats(values) for name, values in samples.items()}
    base = stats["http"]["p50_us"]
    return {
        name: {**figures, "added_p50_us_vs_http": round(figures["p50_us"] - base, 1)}
        for name, figures in stats.items()
    }


async def _in_process(folder: Path, cert: ClientCert, calls: int) -> dict[str, object]:
    app = load_application(folder)
    deployment = Deployment(
        app.rest_apis, app.http_apis, account_id=app.account_id, region=app.region,
        domains=app.domains,
    )  # fmt: skip
    invoker = ScriptedInvoker(InvokeResult(payload=b'{"statusCode": 200, "body": "ok"}'))
    gateway = Gateway(deployment, invoker)
    der = cert.cert.public_bytes(Encoding.DER)
    plain = TlsSession(server_name="root.lamina.test", peer_cert=None)
    mutual = TlsSession(server_name="http.lamina.test", peer_cert=der)
    cases = {
        "https": ("root.lamina.test", "/echo/b", plain),
        "https_mtls": ("http.lamina.test", "/v2/echo/b", mutual),
    }
    samples: dict[str, list[float]] = {name: [] for name in cases}
    for n in range(calls + 200):
        for name, (host, path, session) in cases.items():
            request = GatewayRequest(
                method="GET", path=path, query_string="", headers=[("Host", host)], body=b"",
                source_ip="127.0.0.1", protocol="HTTP/1.1", domain_name=host,
                request_id="11111111-2222-4333-8444-555555555555",
                extended_request_id="AAAAAAAAAAAAAAA=", time_epoch_ms=0, tls=session,
            )  # fmt: skip
            start = time.perf_counter()
            response = await gateway.handle(request, host)
            elapsed = (time.perf_counter() - start) * 1e6
            assert response.status == 200, response.body
            if n >= 200:
                samples[name].append(elapsed)
        invoker.events.clear()
    stats = {name: _stats(values) for name, values in samples.items()}
    added = stats["https_mtls"]["p50_us"] - stats["https"]["p50_us"]
    return {**stats, "added_p50_us": round(added, 1)}


if __name__ == "__main__":
    sys.exit(main())
