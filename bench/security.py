"""What each gateway check adds per request: the same function behind no check and behind
a cached Lambda TOKEN authorizer, a Cognito user pool authorizer, an API key with a usage
plan, a WAF web ACL, a JWT authorizer (REST) and a JWT authorizer (HTTP API), on one
`lamina up` of bench/apps/security.

    .venv/bin/python bench/security.py [--duration 5]

For every route: wrk with one connection (latency: p50 of sequential requests) and with
16 connections (throughput). A check's cost is its route's figure against the plain
route of the same API kind sent the same request (credential headers included), measured
in the same run; the figure with the plain route sent no credential is recorded too. The
issue's target is < 10 % of the plain route's latency for each cached check. Writes
bench/results/security.json.
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import json
import statistics
import sys
import time
from pathlib import Path
from typing import Any

import boto3
from load import LoadSettings, Target, WrkError, require_wrk, run_wrk
from server import HOST, Server, free_port

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
RESULTS = BENCH / "results"
APP = BENCH / "apps" / "security"
sys.path.insert(0, str(REPO))

from lamina.config.load import load_application  # noqa: E402 (after the path)
from lamina.config.service_ids import user_pool_client_id, user_pool_id  # noqa: E402

PASSWORD = "bench-pass-1"
API_KEY = "bench-key-0123456789abcdefghij"
ROUNDS = 3
# Every route gets a User-Agent: the WAF's common rule set blocks requests without one.
USER_AGENT = ("User-Agent", "lamina-bench/1")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=int, default=5, help="seconds per wrk run")
    args = parser.parse_args()
    try:
        require_wrk()
    except WrkError as error:
        print(error, file=sys.stderr)
        return 2
    app = load_application(APP)
    ids = {api.logical_id: api.id for api in (*app.rest_apis, *app.http_apis)}
    port = free_port()
    base = f"http://{HOST}:{port}"
    lamina = str(Path(sys.executable).parent / "lamina")
    command = [lamina, "up", str(APP), "--port", str(port)]
    with Server(command, port, RESULTS / "security.log.tmp", cwd=REPO) as server:
        server.wait_listening(60)
        id_token, access_token = _tokens(app, base)

        def rest(api: str, path: str, *headers: tuple[str, str]) -> Target:
            host = f"{ids[api]}.execute-api.localhost:{port}"
            return Target(f"{base}/prod{path}", host, (USER_AGENT, *headers))

        def http(path: str, *headers: tuple[str, str]) -> Target:
            host = f"{ids['HttpApi']}.execute-api.localhost:{port}"
            return Target(f"{base}{path}", host, (USER_AGENT, *headers))

        routes = {
            "rest_plain": rest("OpenApi", "/plain"),
            "rest_lambda_authorizer_cached": rest(
                "OpenApi", "/lambda", ("Authorization", "Bearer bench")
            ),
            "rest_cognito_authorizer": rest("OpenApi", "/cognito", ("Authorization", id_token)),
            "rest_api_key_usage_plan": rest("OpenApi", "/key", ("x-api-key", API_KEY)),
            "rest_waf_stage": rest("GuardedApi", "/plain"),
            "rest_jwt_authorizer": rest(
                "JwtApi", "/jwt", ("Authorization", f"Bearer {access_token}")
            ),
            "http_plain": http("/plain"),
            "http_jwt_authorizer": http("/jwt", ("Authorization", f"Bearer {access_token}")),
        }
        figures: dict[str, Any] = {}
        for target in routes.values():
            run_wrk(target, LoadSettings(threads=1, connections=1, duration_s=1))  # warm up
        # Each check against its API's plain route in alternating rounds, so the machine's
        # drift (this VM swings by tens of percent) hits both alike; the median of the
        # per-round ratios is the figure.
        comparison = {}
        for name, target in routes.items():
            if name.endswith("_plain"):
                continue
            bare = routes["http_plain" if name.startswith("http") else "rest_plain"]
            # The plain route sent the same request (its credential headers too, which it
            # ignores): the difference is the check's own work. The credential's bytes
            # (a JWT is ~1 KB, carried in the event's headers) cost the same on a route
            # without a check; `with_credential_bytes_percent` counts them in as well.
            plain = dataclasses.replace(bare, headers=target.headers)
            ratios, bare_ratios, rounds = [], [], []
            for _ in range(ROUNDS):
                base_run = run_wrk(plain, LoadSettings(1, 1, args.duration))
                check_run = run_wrk(target, LoadSettings(1, 1, args.duration))
                bare_run = run_wrk(bare, LoadSettings(1, 1, args.duration))
                ratios.append(check_run.p50_ms / base_run.p50_ms)
                bare_ratios.append(check_run.p50_ms / bare_run.p50_ms)
                rounds.append(
                    {
                        "plain": base_run.as_json(),
                        "check": check_run.as_json(),
                        "plain_without_credential": bare_run.as_json(),
                    }
                )
            parallel = run_wrk(target, LoadSettings(2, 16, args.duration))
            parallel_plain = run_wrk(plain, LoadSettings(2, 16, args.duration))
            ratio = statistics.median(ratios)
            plain_p50 = statistics.median(r["plain"]["p50_ms"] for r in rounds)
            figures[name] = {"rounds": rounds, "concurrent_16": parallel.as_json()}
            comparison[name] = {
                "plain_p50_ms": round(plain_p50, 3),
                "added_p50_ms": round(plain_p50 * (ratio - 1), 3),
                "added_p50_percent": round((ratio - 1) * 100, 1),
                "round_ratios": [round(r, 3) for r in ratios],
                "with_credential_bytes_percent": round(
                    (statistics.median(bare_ratios) - 1) * 100, 1
                ),
                "throughput_percent_of_plain": round(
                    parallel.requests_per_s / parallel_plain.requests_per_s * 100, 1
                ),
                "all_200": all(
                    r["plain"]["trustworthy"] and r["check"]["trustworthy"] for r in rounds
                )
                and parallel.trustworthy,
            }
            print(
                f"{name:32} +{(ratio - 1) * 100:5.1f} % p50 (with the credential's bytes "
                f"+{comparison[name]['with_credential_bytes_percent']:.1f} %)  rounds {ratios}",
                flush=True,
            )
    result = {
        "measured_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "duration_s": args.duration,
        "routes": figures,
        "versus_plain": comparison,
    }
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "security.json").write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(comparison, indent=2))
    return 0


def _tokens(app: Any, base: str) -> tuple[str, str]:
    """A user in the template's pool, signed in: (ID token, access token)."""
    pool = user_pool_id(app.stack_name, "Pool", app.region)
    client = user_pool_client_id(app.stack_name, "Client")
    idp = boto3.client(
        "cognito-idp",
        endpoint_url=base,
        region_name=app.region,
        aws_access_key_id="test",
        aws_secret_access_key="test",
    )
    with contextlib.suppress(idp.exceptions.UsernameExistsException):
        idp.admin_create_user(
            UserPoolId=pool, Username="bench", TemporaryPassword=PASSWORD, MessageAction="SUPPRESS"
        )
    idp.admin_set_user_password(
        UserPoolId=pool, Username="bench", Password=PASSWORD, Permanent=True
    )
    result = idp.initiate_auth(
        ClientId=client,
        AuthFlow="USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": "bench", "PASSWORD": PASSWORD},
    )["AuthenticationResult"]
    return str(result["IdToken"]), str(result["AccessToken"])


if __name__ == "__main__":
    sys.exit(main())
