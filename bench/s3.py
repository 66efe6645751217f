"""S3 throughput on `lamina up`: PUT and GET of 4 KB and 64 MiB objects over raw SigV4-signed
HTTP (http.client; botocore signs), and the server's peak RSS during the large transfers.

    .venv/bin/python bench/s3.py [--small 300] [--large-rounds 5] [--size-mib 64]

Small objects: sequential requests on one keep-alive connection (p50 latency, ops/s).
Large objects: each PUT sends a signed x-amz-content-sha256 (the server hashes as the body
streams in, as for boto3 over HTTP); each GET is read in 1 MiB pieces and dropped. The
server's VmRSS (lamina up's own process, where S3 runs) is sampled every 10 ms: memory is
flat while streaming when the peak stays far below the object size. The issue's target is
large GET >= 300 MB/s on this machine. Writes bench/results/s3.json.
"""

from __future__ import annotations

import argparse
import hashlib
import http.client
import json
import os
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import memory
from botocore.auth import S3SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from server import HOST, Server, free_port

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
RESULTS = BENCH / "results"
APP = REPO / "examples" / "hello"
BUCKET = "bench-bucket"
MIB = 1024 * 1024
PIECE = MIB


class _Signer(S3SigV4Auth):  # type: ignore[misc]
    """botocore's S3 signer with the payload hash given (the bench hashes a body once)."""

    def __init__(self, payload: str) -> None:
        super().__init__(Credentials("test", "test"), "s3", "us-east-1")
        self._payload = payload

    def payload(self, request: Any) -> str:
        return self._payload


_EMPTY = hashlib.sha256(b"").hexdigest()


def _headers(method: str, port: int, path: str, payload: str = _EMPTY) -> dict[str, str]:
    request = AWSRequest(method=method, url=f"http://{HOST}:{port}{path}")
    _Signer(payload).add_auth(request)
    return dict(request.headers.items())


class Client:
    def __init__(self, port: int) -> None:
        self.port = port
        self.connection = http.client.HTTPConnection(HOST, port, timeout=120)

    def put(self, key: str, body: bytes, digest: str) -> None:
        path = f"/{BUCKET}/{key}"
        headers = _headers("PUT", self.port, path, digest)
        headers["Content-Length"] = str(len(body))
        self.connection.request("PUT", path, body=memoryview(body), headers=headers)
        response = self.connection.getresponse()
        answer = response.read()
        if response.status != 200:
            raise RuntimeError(f"PUT {key}: {response.status} {answer[:300]!r}")

    def get(self, key: str) -> int:
        path = f"/{BUCKET}/{key}"
        self.connection.request("GET", path, headers=_headers("GET", self.port, path))
        response = self.connection.getresponse()
        if response.status != 200:
            raise RuntimeError(f"GET {key}: {response.status} {response.read()[:300]!r}")
        buffer = bytearray(PIECE)
        received = 0
        while count := response.readinto(buffer):
            received += count
        return received

    def create_bucket(self) -> None:
        path = f"/{BUCKET}"
        self.connection.request("PUT", path, headers=_headers("PUT", self.port, path))
        response = self.connection.getresponse()
        response.read()


class RssSampler:
    """The peak VmRSS (MB) of one process while running."""

    def __init__(self, pid: int) -> None:
        self.pid = pid
        self.peak = 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def now(self) -> float:
        found = memory.read_memory(self.pid, 0)
        return found.rss_mb if found is not None else 0.0

    def _run(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, self.now())
            time.sleep(0.01)

    def __enter__(self) -> RssSampler:
        self.peak = self.now()
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join()


def _small(client: Client, count: int) -> dict[str, Any]:
    body = os.urandom(4096)
    digest = hashlib.sha256(body).hexdigest()
    put, get = [], []
    for i in range(count):
        start = time.perf_counter()
        client.put(f"small/{i % 50}", body, digest)
        put.append(time.perf_counter() - start)
    for i in range(count):
        start = time.perf_counter()
        client.get(f"small/{i % 50}")
        get.append(time.perf_counter() - start)
    return {"put": _rates(put, 4096), "get": _rates(get, 4096)}


def _rates(seconds: list[float], size: int) -> dict[str, float]:
    return {
        "p50_ms": round(statistics.median(seconds) * 1000, 3),
        "ops_per_s": round(len(seconds) / sum(seconds), 1),
        "mb_per_s": round(size * len(seconds) / sum(seconds) / 1e6, 2),
    }


def _large(client: Client, rounds: int, size: int, pid: int) -> dict[str, Any]:
    body = os.urandom(size)
    digest = hashlib.sha256(body).hexdigest()
    sampler = RssSampler(pid)
    idle = sampler.now()
    put, get = [], []
    with RssSampler(pid) as during_put:
        for i in range(rounds):
            start = time.perf_counter()
            client.put(f"large/{i}", body, digest)
            put.append(time.perf_counter() - start)
    with RssSampler(pid) as during_get:
        for i in range(rounds):
            start = time.perf_counter()
            received = client.get(f"large/{i}")
            get.append(time.perf_counter() - start)
            assert received == size, received
    return {
        "object_mib": size // MIB,
        "rounds": rounds,
        "put_mb_per_s": round(size / statistics.median(put) / 1e6, 1),
        "get_mb_per_s": round(size / statistics.median(get) / 1e6, 1),
        "server_rss_mb": {
            "before": round(idle, 1),
            "peak_during_put": round(during_put.peak, 1),
            "peak_during_get": round(during_get.peak, 1),
        },
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--small", type=int, default=300, help="4 KB PUTs (and GETs)")
    parser.add_argument("--large-rounds", type=int, default=5)
    parser.add_argument("--size-mib", type=int, default=64)
    args = parser.parse_args()
    port = free_port()
    lamina = str(Path(sys.executable).parent / "lamina")
    with tempfile.TemporaryDirectory(prefix="lamina-bench-s3-") as state:
        command = [lamina, "up", str(APP), "--port", str(port), "--state-dir", state]
        with Server(command, port, RESULTS / "s3.log.tmp", cwd=REPO) as server:
            server.wait_listening(60)
            time.sleep(1.0)  # the AWS models load in the background after listening
            client = Client(port)
            client.create_bucket()
            small = _small(client, args.small)
            large = _large(client, args.large_rounds, args.size_mib * MIB, server.pid)
    target = 300.0
    result = {
        "what": "S3 PUT/GET through lamina up, raw SigV4 HTTP on one connection (bench/s3.py)",
        "small_4kb": small,
        "large": large,
        "target_large_get_mb_per_s": target,
        "large_get_meets_target": large["get_mb_per_s"] >= target,
        "measured_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "note": "shared 2-core machine; indicative figures",
    }
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "s3.json").write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
