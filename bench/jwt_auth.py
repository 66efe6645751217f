"""Latency a JWT authorizer adds: the same function behind an open route and behind a
JWT-authorized one (HTTP API), and likewise a Cognito user pool authorizer (REST API), on one
`lamina up` of tests/fixtures/apps/jwt with a local identity provider, one sequential client.

    .venv/bin/python bench/jwt_auth.py [--calls N]

Calls alternate between the plain and the authorized route in blocks, so drift (CPU
frequency, other load) hits both alike; the function answers the same small body on both
(`?quiet`), so the difference is the authorizer's work plus the claims carried in the
event. Writes bench/results/jwt.json and prints it.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

import httpx
from server import HOST, Server, free_port

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
RESULTS = BENCH / "results"
sys.path.insert(0, str(REPO))

from tests.jwt_issuer import POOL_ID, IdentityProvider  # noqa: E402 (after the path)

BLOCK = 250


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=2000)
    args = parser.parse_args()
    provider = IdentityProvider()
    issuer = provider.pool(POOL_ID)
    port = free_port()
    lamina = str(Path(sys.executable).parent / "lamina")
    command = [lamina, "up", "tests/fixtures/apps/jwt", "--port", str(port)]
    command += ["--parameter-overrides", f"IssuerUrl={issuer.url}"]
    env = {**os.environ, "LAMINA_COGNITO_ISSUER_URL": provider.base}
    try:
        with Server(command, port, RESULTS / "jwt.log.tmp", cwd=REPO, env=env) as server:
            server.wait_listening(20)
            with httpx.Client(base_url=f"http://{HOST}:{port}") as client:
                bearer = {"Authorization": f"Bearer {issuer.id_token()}"}
                raw = {"Authorization": issuer.id_token()}
                http = _compare(client, ("/open?quiet", {}), ("/me?quiet", bearer), args.calls)
                rest = _compare(
                    client, ("/Prod/public?quiet", {}), ("/Prod/profile?quiet", raw), args.calls
                )
    finally:
        provider.close()
    figures = {
        "calls_per_route": args.calls,
        "http_api_jwt": http,
        "rest_cognito_user_pool": rest,
        "jwks_fetches": provider.requests.get(f"/{POOL_ID}/.well-known/jwks.json", 0),
    }
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "jwt.json").write_text(json.dumps(figures, indent=2) + "\n")
    print(json.dumps(figures, indent=2))
    return 0


def _compare(
    client: httpx.Client,
    plain: tuple[str, dict[str, str]],
    authorized: tuple[str, dict[str, str]],
    calls: int,
) -> dict[str, object]:
    samples: dict[str, list[float]] = {plain[0]: [], authorized[0]: []}
    for path, headers in (plain, authorized):
        for _ in range(50):  # warm the worker, the connection and the key cache
            assert client.get(path, headers=headers).status_code == 200
    done = 0
    while done < calls:
        block = min(BLOCK, calls - done)
        for path, headers in (plain, authorized):
            for _ in range(block):
                start = time.perf_counter()
                response = client.get(path, headers=headers)
                samples[path].append((time.perf_counter() - start) * 1e6)
                assert response.status_code == 200, response.text
        done += block
    base = _stats(samples[plain[0]])
    with_auth = _stats(samples[authorized[0]])
    added = with_auth["p50_us"] - base["p50_us"]
    return {
        "plain": {"path": plain[0], **base},
        "authorized": {"path": authorized[0], **with_auth},
        "added_p50_us": round(added, 1),
        "added_p50_percent": round(100 * added / base["p50_us"], 1),
    }


def _stats(samples: list[float]) -> dict[str, float]:
    samples = sorted(samples)
    return {
        "p50_us": round(statistics.median(samples), 1),
        "p99_us": round(samples[int(len(samples) * 0.99) - 1], 1),
        "mean_us": round(statistics.fmean(samples), 1),
    }


if __name__ == "__main__":
    sys.exit(main())
