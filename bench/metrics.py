"""What metrics cost: hello-world throughput with metrics as shipped vs LAMINA_METRICS=off.

    .venv/bin/python bench/metrics.py [--seconds 8] [--rounds 3] [--connections 16]

1. Throughput: two `lamina up examples/hello` on this machine, one with metrics (the
   default) and one with LAMINA_METRICS=off, both serving `GET /Prod/hello`. wrk loads them
   in turn, alternating on/off for each round so drift in the machine's load hits both
   alike; the figure is the median requests/s of each, and the overhead is
   1 - on / off (the budget, issue #11: at most 3 %).
2. In process: ns per request of the recording itself, the gateway's (Count, error
   counters, Latency, IntegrationLatency; alone and as the whole hook Gateway.handle
   calls) and the runtime's (Invocations, Errors, Duration), on a routed request context
   of the same app, in a fresh registry; and that time as a share of a request at the
   measured rate. On a busy machine the wrk comparison is noisy (each round's pair is also
   reported); the edge process's CPU time per request (from /proc, on vs off) and the
   in-process share are the steadier figures.

Writes bench/results/metrics.json and prints the figures.

`--feed` measures the CloudWatch API's feed instead (lamina/core/metric_feed.py): both
servers record metrics, one with LAMINA_CLOUDWATCH_FEED=off; the in-process figures are
the gateway's and runtime's hooks with and without a feed connected. Writes
bench/results/metrics-feed.json.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from load import LoadSettings, Target, require_wrk, run_wrk
from prometheus_client import CollectorRegistry
from server import HOST, Server, free_port

from lamina.config.load import load_application
from lamina.core.metric_feed import MetricFeed
from lamina.functions.metrics import FunctionMetrics
from lamina.functions.model import InvokeResult
from lamina.gateway.context import RequestContext
from lamina.gateway.deployment import Deployment
from lamina.gateway.error import GatewayResponse
from lamina.gateway.observe import GatewayMetrics, RequestObserver
from lamina.gateway.request import GatewayRequest
from lamina.gateway.stages.route import RouteRequest

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
RESULTS = BENCH / "results"
APP = REPO / "examples" / "hello"
PATH = "/Prod/hello"
BUDGET = 0.03


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=8)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--feed", action="store_true", help="the CloudWatch feed on vs off")
    args = parser.parse_args()
    require_wrk()
    settings = LoadSettings(threads=2, connections=args.connections, duration_s=args.seconds)
    if args.feed:
        return _feed_main(settings, args.rounds)
    throughput = _throughput(settings, args.rounds)
    in_process = _in_process()
    per_request_ns = in_process["observer_record"] + in_process["function_record"]
    figures: dict[str, Any] = {
        "app": "examples/hello",
        "path": PATH,
        "wrk": {"threads": 2, "connections": args.connections, "seconds": args.seconds},
        "throughput": throughput,
        "in_process_ns": in_process,
        # The recording's share of the edge process's time per request at the measured
        # rate (an upper bound: the process is not busy all of the time).
        "in_process_fraction_of_request": round(
            per_request_ns * throughput["metrics_off_rps"] / 1e9, 4
        ),
        # The recording's time against the edge's CPU time per request with metrics off.
        "in_process_fraction_of_edge_cpu": round(
            per_request_ns / (throughput["edge_cpu_us_per_request_off"] * 1000), 4
        ),
    }
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "metrics.json").write_text(json.dumps(figures, indent=2) + "\n")
    print(json.dumps(figures, indent=2))
    return 0


def _feed_main(settings: LoadSettings, rounds: int) -> int:
    throughput = _throughput(settings, rounds, {"LAMINA_CLOUDWATCH_FEED": "off"})
    plain, fed = _in_process(), _in_process(feed=True)
    added_ns = (fed["observer_record"] + fed["function_record"] + fed["fold_per_request"]) - (
        plain["observer_record"] + plain["function_record"]
    )
    figures: dict[str, Any] = {
        "app": "examples/hello",
        "path": PATH,
        "compared": "LAMINA_CLOUDWATCH_FEED on vs off (metrics on in both)",
        "wrk": {"threads": 2, "connections": settings.connections, "seconds": settings.duration_s},
        "throughput": throughput,
        "in_process_ns_without_feed": plain,
        "in_process_ns_with_feed": fed,
        "feed_added_ns_per_request": round(added_ns, 1),
        "feed_fraction_of_edge_cpu": round(
            added_ns / (throughput["edge_cpu_us_per_request_off"] * 1000), 4
        ),
    }
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "metrics-feed.json").write_text(json.dumps(figures, indent=2) + "\n")
    print(json.dumps(figures, indent=2))
    return 0


def _throughput(
    settings: LoadSettings, rounds: int, off: dict[str, str] | None = None
) -> dict[str, Any]:
    """`off`: the environment that turns off what is measured (LAMINA_METRICS=off)."""
    lamina = str(Path(sys.executable).parent / "lamina")
    on_port, off_port = free_port(), free_port()
    scratch = Path(tempfile.mkdtemp(prefix="lamina-bench-metrics-"))
    # Each server its own copy, so their .lamina/ state directories are apart.
    on_app = shutil.copytree(APP, scratch / "on", ignore=shutil.ignore_patterns(".lamina"))
    off_app = shutil.copytree(APP, scratch / "off", ignore=shutil.ignore_patterns(".lamina"))
    off_env = {**os.environ, **(off or {"LAMINA_METRICS": "off"})}
    with (
        Server(
            [lamina, "up", str(on_app), "--port", str(on_port)],
            on_port,
            RESULTS / "metrics-on.log.tmp",
            cwd=REPO,
        ) as on,
        Server(
            [lamina, "up", str(off_app), "--port", str(off_port)],
            off_port,
            RESULTS / "metrics-off.log.tmp",
            cwd=REPO,
            env=off_env,
        ) as off,
    ):
        on.wait_listening(30)
        off.wait_listening(30)
        targets = {
            "on": Target(f"http://{HOST}:{on_port}{PATH}"),
            "off": Target(f"http://{HOST}:{off_port}{PATH}"),
        }
        warm = LoadSettings(threads=1, connections=settings.connections, duration_s=2)
        for target in targets.values():  # start the workers, warm the connections
            run_wrk(target, warm)
        runs: dict[str, list[dict[str, Any]]] = {"on": [], "off": []}
        for number in range(rounds):
            # Alternate which goes first so neither always follows the other.
            order = ("on", "off") if number % 2 == 0 else ("off", "on")
            for name in order:
                server = on if name == "on" else off
                cpu_before = _cpu_seconds(server.pid)
                run = run_wrk(targets[name], settings).as_json()
                # The edge process's CPU per request: far steadier than throughput when
                # other work shares the cores (the workers are other processes).
                cpu = _cpu_seconds(server.pid) - cpu_before
                run["edge_cpu_us_per_request"] = round(cpu * 1e6 / max(run["requests"], 1), 1)
                runs[name].append(run)
    shutil.rmtree(scratch, ignore_errors=True)
    on_rps = statistics.median(run["requests_per_s"] for run in runs["on"])
    off_rps = statistics.median(run["requests_per_s"] for run in runs["off"])
    overhead = 1 - on_rps / off_rps
    # Each round's pair ran back to back: their ratio is less exposed to slow drift.
    paired = [
        1 - on["requests_per_s"] / off["requests_per_s"]
        for on, off in zip(runs["on"], runs["off"], strict=True)
    ]
    on_cpu = statistics.median(run["edge_cpu_us_per_request"] for run in runs["on"])
    off_cpu = statistics.median(run["edge_cpu_us_per_request"] for run in runs["off"])
    return {
        "edge_cpu_us_per_request_on": on_cpu,
        "edge_cpu_us_per_request_off": off_cpu,
        "cpu_overhead_fraction": round(on_cpu / off_cpu - 1, 4),
        "metrics_on_rps": round(on_rps, 1),
        "metrics_off_rps": round(off_rps, 1),
        "overhead_fraction": round(overhead, 4),
        "paired_overhead_median": round(statistics.median(paired), 4),
        "paired_overhead_per_round": [round(value, 4) for value in paired],
        "budget_fraction": BUDGET,
        "within_budget": overhead <= BUDGET,
        "trustworthy": all(run["trustworthy"] for name in runs for run in runs[name]),
        "runs": runs,
    }


def _cpu_seconds(pid: int) -> float:
    """User + system CPU time of one process (/proc/{pid}/stat, clock ticks)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _in_process(calls: int = 200_000, feed: bool = False) -> dict[str, float]:
    """`feed`: the hooks also record into a CloudWatch feed; `fold_per_request` is the
    share of its once-a-second fold (which runs on the same loop) per request."""
    app = load_application(str(APP / "template.yaml"))
    deployment = Deployment(
        app.rest_apis, app.http_apis, account_id=app.account_id, region=app.region
    )
    ctx = RequestContext(_request(), deployment, f"{HOST}:3000")
    asyncio.run(RouteRequest()(ctx))
    assert ctx.method is not None, "GET /Prod/hello did not route"
    ctx.integration_latency_ms = 0.8
    registry = CollectorRegistry()
    gateway = GatewayMetrics(registry)
    observer = RequestObserver(gateway, None)  # the whole hook Gateway.handle calls
    functions = FunctionMetrics(registry)
    if feed:
        metric_feed = MetricFeed(lambda points: None)
        gateway.feed_to(metric_feed)
        functions.feed_to(metric_feed)
    result = InvokeResult(payload=b"{}", duration_ms=0.6)
    response = GatewayResponse(200, [], b"hello")
    started = time.perf_counter_ns()

    def gateway_record() -> None:
        gateway.record(ctx, 200, 1.2, 5)

    def observer_record() -> None:
        observer.record(ctx, response, started)

    def function_record() -> None:
        functions.invoked("HelloWorldFunction", None, result)

    figures = {
        "gateway_record": _ns_per_call(gateway_record, calls),
        "observer_record": _ns_per_call(observer_record, calls),
        "function_record": _ns_per_call(function_record, calls),
    }
    if feed:
        # The once-a-second fold of what the hooks appended, per request: part of the cost.
        metric_feed.fold()
        for _ in range(calls):
            observer_record()
            function_record()
        started_fold = time.perf_counter_ns()
        metric_feed.fold()
        figures["fold_per_request"] = round((time.perf_counter_ns() - started_fold) / calls, 1)
    return figures


def _ns_per_call(call: Any, calls: int) -> float:
    for _ in range(1000):
        call()
    best = float("inf")
    for _ in range(3):
        start = time.perf_counter_ns()
        for _ in range(calls):
            call()
        best = min(best, (time.perf_counter_ns() - start) / calls)
    return round(best, 1)


def _request() -> GatewayRequest:
    return GatewayRequest(
        method="GET",
        path=PATH,
        query_string="",
        headers=[("Host", f"{HOST}:3000")],
        body=b"",
        source_ip=HOST,
        protocol="HTTP/1.1",
        domain_name=f"{HOST}:3000",
        request_id="00000000-0000-4000-8000-000000000000",
        extended_request_id="AAAAAAAAAAAAAAA=",
        time_epoch_ms=0,
    )


if __name__ == "__main__":
    sys.exit(main())
