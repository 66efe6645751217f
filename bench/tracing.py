"""What X-Ray tracing costs: hello-world throughput with tracing off vs on, same run.

    .venv/bin/python bench/tracing.py [--seconds 5] [--rounds 3] [--connections 16]

1. Throughput: two `lamina up` of examples/hello on this machine serving `GET /Prod/hello`:
   "off" as shipped (no stage traces: the hooks are wired but decide nothing is traced),
   and a copy with `TracingEnabled: true` on its REST stage and `Tracing: Active` on its
   functions. wrk loads, in turn each round (the order alternating):
   - off;
   - on, default sampling (no header: the first request each second plus 5 %);
   - on, every request sampled (`X-Amzn-Trace-Id: ...;Sampled=1` on each request; one
     root for all, so the store keeps its first 500 documents and drops the rest — the
     segments are still built and recorded each time).
   Figures: median requests/s and the edge process's CPU per request (/proc), steadier
   than throughput on a shared machine.
2. In process: ns per call of the hooks as an untraced request meets them (the edge's
   header check, the gateway's begin, the runtime's begin) and of recording one traced
   request's segments (gateway + Lambda service + function).

Writes bench/results/tracing.json and prints the figures.
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
from pathlib import Path
from typing import Any

from load import LoadSettings, Target, require_wrk, run_wrk
from metrics import _ns_per_call, _request
from server import HOST, Server, free_port

from lamina.config.load import load_application
from lamina.core.trace import Tracer, header_or_new
from lamina.functions.model import FunctionConfig, InvokeResult
from lamina.functions.trace import FunctionTracing
from lamina.gateway.context import RequestContext
from lamina.gateway.deployment import Deployment
from lamina.gateway.error import GatewayResponse
from lamina.gateway.stages.route import RouteRequest
from lamina.gateway.trace import GatewayTrace, GatewayTracing

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
RESULTS = BENCH / "results"
APP = REPO / "examples" / "hello"
PATH = "/Prod/hello"
SAMPLED = "Root=1-5759e988-bd862e3fe1be46a994272793;Sampled=1"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=5)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--connections", type=int, default=16)
    args = parser.parse_args()
    require_wrk()
    settings = LoadSettings(threads=2, connections=args.connections, duration_s=args.seconds)
    throughput = _throughput(settings, args.rounds)
    figures: dict[str, Any] = {
        "app": "examples/hello",
        "path": PATH,
        "wrk": {"threads": 2, "connections": args.connections, "seconds": args.seconds},
        "throughput": throughput,
        "in_process_ns": _in_process(),
    }
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "tracing.json").write_text(json.dumps(figures, indent=2) + "\n")
    print(json.dumps(figures, indent=2))
    return 0


def _traced_copy(scratch: Path) -> Path:
    """examples/hello with its REST stage and functions traced."""
    app = shutil.copytree(APP, scratch / "on", ignore=shutil.ignore_patterns(".lamina"))
    template = app / "template.yaml"
    text = template.read_text()
    text = text.replace("    MemorySize: 128\n", "    MemorySize: 128\n    Tracing: Active\n", 1)
    text = text.replace("  Api:\n", "  Api:\n    TracingEnabled: true\n", 1)
    template.write_text(text)
    return app


def _throughput(settings: LoadSettings, rounds: int) -> dict[str, Any]:
    lamina = str(Path(sys.executable).parent / "lamina")
    on_port, off_port = free_port(), free_port()
    scratch = Path(tempfile.mkdtemp(prefix="lamina-bench-tracing-"))
    off_app = shutil.copytree(APP, scratch / "off", ignore=shutil.ignore_patterns(".lamina"))
    on_app = _traced_copy(scratch)
    daemon = ["--xray-daemon-address", "127.0.0.1:0"]
    env = {k: v for k, v in os.environ.items() if not k.startswith("OTEL_")}
    with (
        Server(
            [lamina, "up", str(on_app), "--port", str(on_port), *daemon],
            on_port,
            RESULTS / "tracing-on.log.tmp",
            cwd=REPO,
            env=env,
        ) as on,
        Server(
            [lamina, "up", str(off_app), "--port", str(off_port), *daemon],
            off_port,
            RESULTS / "tracing-off.log.tmp",
            cwd=REPO,
            env=env,
        ) as off,
    ):
        on.wait_listening(30)
        off.wait_listening(30)
        targets = {
            "off": (off, Target(f"http://{HOST}:{off_port}{PATH}")),
            "on_default_sampling": (on, Target(f"http://{HOST}:{on_port}{PATH}")),
            "on_all_sampled": (
                on,
                Target(f"http://{HOST}:{on_port}{PATH}", headers=(("X-Amzn-Trace-Id", SAMPLED),)),
            ),
        }
        warm = LoadSettings(threads=1, connections=settings.connections, duration_s=2)
        for _, target in targets.values():
            run_wrk(target, warm)
        runs: dict[str, list[dict[str, Any]]] = {name: [] for name in targets}
        names = list(targets)
        for number in range(rounds):
            for name in names[number % 3 :] + names[: number % 3]:  # rotate the order
                server, target = targets[name]
                before = _cpu_seconds(server.pid)
                run = run_wrk(target, settings).as_json()
                cpu = _cpu_seconds(server.pid) - before
                run["edge_cpu_us_per_request"] = round(cpu * 1e6 / max(run["requests"], 1), 1)
                runs[name].append(run)
    shutil.rmtree(scratch, ignore_errors=True)
    summary: dict[str, Any] = {}
    for name, done in runs.items():
        summary[f"{name}_rps"] = round(statistics.median(r["requests_per_s"] for r in done), 1)
        summary[f"{name}_edge_cpu_us"] = statistics.median(
            r["edge_cpu_us_per_request"] for r in done
        )
    for name in ("on_default_sampling", "on_all_sampled"):
        summary[f"{name}_throughput_overhead"] = round(
            1 - summary[f"{name}_rps"] / summary["off_rps"], 4
        )
        summary[f"{name}_cpu_overhead"] = round(
            summary[f"{name}_edge_cpu_us"] / summary["off_edge_cpu_us"] - 1, 4
        )
    summary["trustworthy"] = all(r["trustworthy"] for done in runs.values() for r in done)
    summary["runs"] = runs
    return summary


def _cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _in_process(calls: int = 100_000) -> dict[str, float]:
    app = load_application(str(APP / "template.yaml"))
    deployment = Deployment(
        app.rest_apis, app.http_apis, account_id=app.account_id, region=app.region
    )
    ctx = RequestContext(_request(), deployment, f"{HOST}:3000")
    asyncio.run(RouteRequest()(ctx))
    tracer = Tracer()
    gateway = GatewayTracing(tracer)
    functions = FunctionTracing(tracer, region=app.region, account_id=app.account_id)
    passthrough = FunctionConfig(name="HelloWorldFunction")
    active = FunctionConfig(name="HelloWorldFunction", tracing_mode="Active")
    result = InvokeResult(payload=b"{}", duration_ms=0.6, request_id="r")
    response = GatewayResponse(200, [], b"hello")
    root = "Root=1-5759e988-bd862e3fe1be46a994272793"

    def traced_request() -> None:
        ctx.request.trace_id = SAMPLED
        trace = GatewayTrace(tracer, ctx)
        trace.sampled = True
        trace.finish(response)
        invoke = functions.begin(active, SAMPLED)
        assert invoke is not None
        invoke.end(result)

    def passthrough_begin() -> None:
        functions.begin(passthrough, root)

    untraced = {
        "edge_header_or_new": _ns_per_call(lambda: header_or_new(None, 1_700_000_000), calls),
        "gateway_begin_untraced": _ns_per_call(lambda: gateway.begin(ctx), calls),
        "function_begin_passthrough": _ns_per_call(passthrough_begin, calls),
    }
    untraced["untraced_request_total"] = round(sum(untraced.values()), 1)
    tracer.store = type(tracer.store)(max_traces=1000)
    return {**untraced, "traced_request_record": _ns_per_call(traced_request, calls // 10)}


if __name__ == "__main__":
    sys.exit(main())
