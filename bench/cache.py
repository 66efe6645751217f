"""The stage cache: a cached GET (a hit: the gateway answers from the cache, no worker)
against the same function uncached (every request invokes it), and the raw ceiling.

    .venv/bin/python bench/cache.py [--duration 10] [--connections 16]

Serves tests/fixtures/apps/cache with `lamina up` (cache in process): `/Prod/items?type=bench`
is cached (the first request fills the entry, every later one hits), `/Prod/fresh` runs the
same function with caching turned off for that method (what a miss costs, minus the cache's
own lookup and store). Hits are throttled like any request: past API Gateway's account
limit (10,000 req/s, burst 5,000) some are answered 429, so `hit.ok_requests_per_s` (the
200s alone) is reported beside wrk's figure; `hit_raised_quota` runs the hits again on a
server started with `--account-throttle 1000000` (what a raised account quota allows), so
the cache path itself is measured too. The function's Invocations
(AWS_Lambda_Invocations_total) before and after the hit run show whether a hit touched a
worker. Target: hits at >= 70 % of the ceiling's req/s (bench/ceiling.py under uvicorn,
the same wrk settings).

Writes bench/results/cache.json and prints it.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
from pathlib import Path
from typing import Any

import httpx
from load import LoadSettings, Target, WrkError, require_wrk
from run import bench_ceiling, measure, with_ratio
from server import HOST, Server, ServerError, free_port

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
RESULTS = BENCH / "results"
APP = REPO / "tests" / "fixtures" / "apps" / "cache"
TARGET_RATIO_PCT = 70.0
_INVOCATIONS = re.compile(r"^AWS_Lambda_Invocations_total\{[^}]*\} ([\d.e+]+)$", re.MULTILINE)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=int, default=10)
    parser.add_argument("--warmup", type=int, default=2)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--connections", type=int, default=16)
    args = parser.parse_args()
    try:
        require_wrk()
    except WrkError as error:
        print(error, file=sys.stderr)
        return 2
    settings = LoadSettings(args.threads, args.connections, args.duration)
    figures: dict[str, Any] = {
        "load_average_1m_at_start": round(os.getloadavg()[0], 2),
        "settings": {"threads": args.threads, "connections": args.connections,
                     "duration_s": args.duration, "warmup_s": args.warmup},
    }  # fmt: skip
    status = 0
    try:
        ceiling = bench_ceiling(settings, args.warmup)
        figures["ceiling"] = ceiling.as_json()
        figures.update(_lamina(settings, args.warmup, ceiling))
        raised = _lamina(settings, args.warmup, ceiling, hits_only=True, quota=1_000_000)
        figures["hit_raised_quota"] = raised["hit"]
        figures["hit_raised_quota_meets_target"] = (
            raised["hit"]["ratio_pct"] is not None
            and raised["hit"]["ratio_pct"] >= TARGET_RATIO_PCT
        )
        hit = figures["hit"]
        hit["ok_requests_per_s"] = round(
            hit["requests_per_s"] * (hit["requests"] - hit["non_200"]) / max(hit["requests"], 1),
            2,
        )
        hit["ok_ratio_pct"] = round(100 * hit["ok_requests_per_s"] / ceiling.requests_per_s, 1)
        figures["hit_meets_target"] = (
            hit["ratio_pct"] is not None and hit["ratio_pct"] >= TARGET_RATIO_PCT
        )
        figures["hit_vs_uncached"] = round(
            hit["requests_per_s"] / max(figures["uncached"]["requests_per_s"], 1e-9), 2
        )
    except (ServerError, WrkError, OSError, AssertionError) as error:
        figures["error"] = f"{type(error).__name__}: {error}"
        status = 1
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "cache.json").write_text(json.dumps(figures, indent=2) + "\n")
    print(json.dumps(figures, indent=2))
    return status


def _lamina(
    settings: LoadSettings,
    warmup_s: int,
    ceiling: Any,
    *,
    hits_only: bool = False,
    quota: int | None = None,
) -> dict[str, Any]:
    port = free_port()
    lamina = str(Path(sys.executable).parent / "lamina")
    command = [lamina, "up", str(APP), "--port", str(port), "--no-watch"]
    if quota is not None:
        command += ["--account-throttle", str(quota)]
    base = f"http://{HOST}:{port}"
    out: dict[str, Any] = {}
    with Server(command, port, RESULTS / "cache.log.tmp", cwd=REPO) as server:
        server.wait_listening(30)
        with httpx.Client(base_url=base, timeout=10) as client:
            for path in ("/Prod/items?type=bench", "/Prod/fresh"):
                response = client.get(path)  # the worker starts; the entry is filled
                assert response.status_code == 200, response.text
            before = _invocations(client)
            out["hit"] = with_ratio(
                measure(Target(f"{base}/Prod/items?type=bench"), settings, warmup_s), ceiling
            )
            out["hit_invocations"] = _invocations(client) - before
            if hits_only:
                return out
            out["uncached"] = with_ratio(
                measure(Target(f"{base}/Prod/fresh"), settings, warmup_s), ceiling
            )
    return out


def _invocations(client: httpx.Client) -> float:
    """Every function's Invocations, summed (the fixture has one function)."""
    text = client.get("/_lamina/metrics").text
    return sum(float(value) for value in _INVOCATIONS.findall(text))


if __name__ == "__main__":
    raise SystemExit(main())
