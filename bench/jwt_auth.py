"""Latency a JWT authorizer adds: the same function behind an open route and behind a
JWT-authorized one (HTTP API), and likewise a Cognito user pool authorizer (REST API), on one
`lamina up` of tests/fixtures/apps/jwt with a local identity provider, one sequential client.

    .venv/bin/python bench/jwt_auth.py [--calls N]

Calls alternate between the plain and the authorized route, one each, so drift (CPU
frequency, other load) hits both alike; the function answers the same small body on both
(`?quiet`), so the difference is the authorizer's work plus the claims carried in the
event. The same pairs are also timed in process (Gateway.handle over the fixture's
deployment, a scripted invoker in place of the worker): the gateway's own cost, free of the
HTTP and worker noise of a shared machine. Writes bench/results/jwt.json and prints it.
"""

from __future__ import annotations

import argparse
import asyncio
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

from lamina.config.load import load_application  # noqa: E402 (after the path)
from lamina.functions.model import InvokeResult  # noqa: E402
from lamina.gateway.app import Gateway  # noqa: E402
from lamina.gateway.auth.jwks import IssuerDirectory  # noqa: E402
from lamina.gateway.deployment import Deployment  # noqa: E402
from lamina.gateway.request import GatewayRequest  # noqa: E402
from tests.invoker import ScriptedInvoker  # noqa: E402
from tests.jwt_issuer import POOL_ID, IdentityProvider  # noqa: E402

REGION = "us-east-1"


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
        in_process = asyncio.run(_in_process(provider, args.calls))
    finally:
        provider.close()
    figures = {
        "calls_per_route": args.calls,
        "http_api_jwt": http,
        "rest_cognito_user_pool": rest,
        "in_process_gateway": in_process,
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
    for _ in range(calls):
        for path, headers in (plain, authorized):
            start = time.perf_counter()
            response = client.get(path, headers=headers)
            samples[path].append((time.perf_counter() - start) * 1e6)
            assert response.status_code == 200, response.text
    return _summary(samples[plain[0]], samples[authorized[0]], plain[0], authorized[0])


async def _in_process(provider: IdentityProvider, calls: int) -> dict[str, object]:
    issuer = provider.pool(POOL_ID)
    app = load_application(
        str(REPO / "tests/fixtures/apps/jwt"), parameter_overrides={"IssuerUrl": issuer.url}
    )
    deployment = Deployment(
        app.rest_apis, app.http_apis, account_id=app.account_id, region=app.region
    )
    invoker = ScriptedInvoker(InvokeResult(payload=b'{"statusCode": 200, "body": "ok"}'))
    gateway = Gateway(deployment, invoker, issuers=IssuerDirectory(provider.base))
    id_token = issuer.id_token()
    Call = tuple[str, dict[str, str]]
    pairs: dict[str, tuple[Call, Call]] = {
        "http_api_jwt": (("/open", {}), ("/me", {"Authorization": f"Bearer {id_token}"})),
        "rest_cognito_user_pool": (
            ("/Prod/public", {}),
            ("/Prod/profile", {"Authorization": id_token}),
        ),
    }
    results: dict[str, object] = {}
    for name, (plain, authorized) in pairs.items():
        samples: dict[str, list[float]] = {plain[0]: [], authorized[0]: []}
        for n in range(calls + 200):
            for path, headers in (plain, authorized):
                request = _request(path, headers)
                start = time.perf_counter()
                response = await gateway.handle(request, "127.0.0.1:3000")
                elapsed = (time.perf_counter() - start) * 1e6
                assert response.status == 200, response.body
                if n >= 200:  # the first ones warm the key cache and the code paths
                    samples[path].append(elapsed)
        results[name] = _summary(samples[plain[0]], samples[authorized[0]], *samples)
    return results


def _request(path: str, headers: dict[str, str]) -> GatewayRequest:
    return GatewayRequest(
        method="GET",
        path=path,
        query_string="",
        headers=[("Host", "127.0.0.1:3000"), *headers.items()],
        body=b"",
        source_ip="127.0.0.1",
        protocol="HTTP/1.1",
        domain_name="127.0.0.1:3000",
        request_id="11111111-2222-4333-8444-555555555555",
        extended_request_id="AAAAAAAAAAAAAAA=",
        time_epoch_ms=0,
    )


def _summary(
    plain_samples: list[float], authorized_samples: list[float], plain: str, authorized: str
) -> dict[str, object]:
    base = _stats(plain_samples)
    with_auth = _stats(authorized_samples)
    added = with_auth["p50_us"] - base["p50_us"]
    return {
        "plain": {"path": plain, **base},
        "authorized": {"path": authorized, **with_auth},
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
