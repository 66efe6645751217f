"""What observability costs, all together: hello world with metrics, access logs and tracing
off vs on in the same run, and how fast function logs reach the logs store.

    .venv/bin/python bench/observability.py [--seconds 5] [--rounds 3] [--connections 16]

1. Throughput (issue #11: "metrics + access logs + tracing on vs off"; the metrics budget is
   3 % of hello-world throughput). Three `lamina up bench/apps/observability` serve
   `GET /Prod/hello`, loaded by wrk in turn, the order rotating each round so drift in the
   machine's load hits every configuration alike:
   - all_off: Observed=false (no access log setting, no tracing), LAMINA_METRICS=off,
     LAMINA_CLOUDWATCH_FEED=off;
   - metrics_on: Observed=false, Prometheus metrics and the CloudWatch feed as shipped;
   - all_on: Observed=true (the stage's AccessLogSetting to a log group of the template,
     TracingEnabled on the stage, Tracing: Active on the functions) with metrics and
     feed, default sampling (the first request each second plus 5 %);
   - all_on_all_sampled: the all_on server, each request carrying `Sampled=1`.
   Figures per configuration: the median requests/s, p50 and p99 latency, and the CPU time
   per request of the edge process and of the edge with its function workers (from
   /proc/<pid>/stat utime + stime over each round); overheads against all_off.
2. Log ingestion: `GET /Prod/chatty` prints `Lines` lines per invocation, `GET /Prod/quiet`
   prints none. Paced wrk runs (a fixed delay per connection) drive both at once at the same
   steady rate on the all_on server: their p50/p99 latency side by side (printing must not
   slow requests), and the lines that reached the store (`logs.sqlite3` under the server's
   state dir) against the lines printed, with the time the last one took to arrive. Then
   chatty alone, unpaced: the lines/s the store takes when the functions print as fast
   as they can.

Writes bench/results/observability.json and prints it.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any

import memory
from load import (
    CHECK_SCRIPT,
    LoadResult,
    LoadSettings,
    Target,
    WrkError,
    parse_wrk,
    require_wrk,
    run_wrk,
)
from metrics import _cpu_seconds
from server import HOST, Server, free_port
from tracing import SAMPLED

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
RESULTS = BENCH / "results"
APP = BENCH / "apps" / "observability"
PATH = "/Prod/hello"
LINES = 100
METRICS_BUDGET = 0.03
CHATTY_GROUP = "/aws/lambda/bench-chatty"
LINE_PREFIX = "bench-line "
CPU_NOTE = (
    "CPU per request (edge process, and edge plus its function workers, from "
    "/proc/<pid>/stat utime+stime over each round) is the robust figure: on a busy 2-core "
    "machine requests/s moves with whatever else runs, the CPU a request costs does not."
)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=5)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--paced-rps", type=int, default=40, help="per route, chatty and quiet")
    parser.add_argument("--ingest-seconds", type=int, default=8)
    args = parser.parse_args()
    require_wrk()
    settings = LoadSettings(threads=2, connections=args.connections, duration_s=args.seconds)
    lamina = str(Path(sys.executable).parent / "lamina")
    scratch = Path(tempfile.mkdtemp(prefix="lamina-bench-observability-"))
    app = shutil.copytree(APP, scratch / "app", ignore=shutil.ignore_patterns(".lamina"))
    env = {k: v for k, v in os.environ.items() if not k.startswith("OTEL_")}
    plain, observed = "Observed=false", f"Observed=true Lines={LINES}"
    off_env = {**env, "LAMINA_METRICS": "off", "LAMINA_CLOUDWATCH_FEED": "off"}
    specs = {"all_off": (plain, off_env), "metrics_on": (plain, env), "all_on": (observed, env)}
    try:
        with ExitStack() as stack:
            servers: dict[str, tuple[Server, Path]] = {}
            for name, (overrides, server_env) in specs.items():
                port, state = free_port(), scratch / f"state-{name}"
                command = [
                    lamina, "up", str(app / "template.yaml"), "--port", str(port),
                    "--parameter-overrides", overrides, "--state-dir", str(state),
                    "--no-watch", "--xray-daemon-address", "127.0.0.1:0",
                ]  # fmt: skip
                log = RESULTS / f"observability-{name}.log.tmp"
                server = stack.enter_context(Server(command, port, log, cwd=REPO, env=server_env))
                servers[name] = (server, state)
            for server, _ in servers.values():
                server.wait_listening(60)
            throughput = _throughput(servers, settings, args.rounds)
            ingestion = _ingestion(servers["all_on"], args.paced_rps, args.ingest_seconds)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    figures: dict[str, Any] = {
        "app": "bench/apps/observability",
        "path": PATH,
        "wrk": {"threads": 2, "connections": args.connections, "seconds": args.seconds},
        "rounds": args.rounds,
        "note": CPU_NOTE,
        "throughput": throughput,
        "log_ingestion": ingestion,
    }
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "observability.json").write_text(json.dumps(figures, indent=2) + "\n")
    print(json.dumps(figures, indent=2))
    return 0


def _throughput(
    servers: dict[str, tuple[Server, Path]], settings: LoadSettings, rounds: int
) -> dict[str, Any]:
    def target(name: str, *headers: tuple[str, str]) -> Target:
        return Target(f"http://{HOST}:{servers[name][0].port}{PATH}", headers=headers)

    configs = {
        "all_off": ("all_off", target("all_off")),
        "metrics_on": ("metrics_on", target("metrics_on")),
        "all_on": ("all_on", target("all_on")),
        "all_on_all_sampled": ("all_on", target("all_on", ("X-Amzn-Trace-Id", SAMPLED))),
    }
    warm = LoadSettings(threads=1, connections=settings.connections, duration_s=2)
    for _, load in configs.values():  # start the workers, warm the connections
        run_wrk(load, warm)
    runs: dict[str, list[dict[str, Any]]] = {name: [] for name in configs}
    names = list(configs)
    for number in range(rounds):
        for name in names[number % len(names) :] + names[: number % len(names)]:
            server_name, load = configs[name]
            pid = servers[server_name][0].pid
            before = _family_cpu(pid)
            run = run_wrk(load, settings).as_json()
            after = _family_cpu(pid)
            requests = max(run["requests"], 1)
            run["edge_cpu_us_per_request"] = round((after[pid] - before[pid]) * 1e6 / requests, 1)
            family = sum(after.values()) - sum(before.get(p, 0.0) for p in after)
            run["total_cpu_us_per_request"] = round(family * 1e6 / requests, 1)
            runs[name].append(run)
    summary: dict[str, dict[str, Any]] = {}
    for name, done in runs.items():
        summary[name] = {
            field: round(statistics.median(run[field] for run in done), 3)
            for field in (
                "requests_per_s",
                "p50_ms",
                "p99_ms",
                "edge_cpu_us_per_request",
                "total_cpu_us_per_request",
            )
        }
    base = summary["all_off"]
    for name in names[1:]:
        figures = summary[name]
        figures["throughput_overhead_vs_all_off"] = round(
            1 - figures["requests_per_s"] / base["requests_per_s"], 4
        )
        for kind in ("edge", "total"):
            figures[f"{kind}_cpu_overhead_vs_all_off"] = round(
                figures[f"{kind}_cpu_us_per_request"] / base[f"{kind}_cpu_us_per_request"] - 1, 4
            )
    metrics = summary["metrics_on"]
    return {
        "configurations": {
            "all_off": "Observed=false, LAMINA_METRICS=off, LAMINA_CLOUDWATCH_FEED=off",
            "metrics_on": "Observed=false; Prometheus metrics and the CloudWatch feed on",
            "all_on": "Observed=true (access logs to a log group, stage and function "
            "tracing, default sampling); metrics and feed on",
            "all_on_all_sampled": "all_on, each request with X-Amzn-Trace-Id ...;Sampled=1",
        },
        "median": summary,
        "metrics_budget": {
            "budget_fraction": METRICS_BUDGET,
            "throughput_overhead": metrics["throughput_overhead_vs_all_off"],
            "edge_cpu_overhead": metrics["edge_cpu_overhead_vs_all_off"],
            "within_budget_by_throughput": metrics["throughput_overhead_vs_all_off"]
            <= METRICS_BUDGET,
            "within_budget_by_edge_cpu": metrics["edge_cpu_overhead_vs_all_off"] <= METRICS_BUDGET,
        },
        "trustworthy": all(run["trustworthy"] for done in runs.values() for run in done),
        "runs": runs,
    }


def _family_cpu(root: int) -> dict[int, float]:
    """CPU seconds of `root` and each of its descendants (the function workers)."""
    seconds: dict[int, float] = {}
    for pid in (root, *memory.descendants(root)):
        try:
            seconds[pid] = _cpu_seconds(pid)
        except OSError:
            continue  # exited while we looked
    return seconds


def _ingestion(server: tuple[Server, Path], paced_rps: int, seconds: int) -> dict[str, Any]:
    edge, state = server
    base = f"http://{HOST}:{edge.port}/Prod"
    chatty, quiet = Target(f"{base}/chatty"), Target(f"{base}/quiet")
    warm = LoadSettings(threads=1, connections=2, duration_s=1)
    run_wrk(chatty, warm)
    run_wrk(quiet, warm)
    store = state / "logs.sqlite3"
    # Both routes at once, at the same steady rate: the quiet one is the control.
    start_count = _settled(store)
    started = time.perf_counter()
    connections = 4
    with _paced_script(connections, paced_rps) as script:
        loads = [_start_wrk(load, connections, seconds, script) for load in (chatty, quiet)]
        chatty_run, quiet_run = (_finish_wrk(process, seconds) for process in loads)
    load_s = time.perf_counter() - started
    printed = chatty_run.requests * LINES
    stored, last_s = _drained(store, start_count + printed, started)
    paced: dict[str, Any] = {
        "per_route_target_rps": paced_rps,
        "lines_per_invocation": LINES,
        "seconds": seconds,
        "chatty": chatty_run.as_json(),
        "quiet": quiet_run.as_json(),
        # Chatty's own printing (100 writes in the function) is part of its latency.
        "p50_ms_chatty_minus_quiet": round(chatty_run.p50_ms - quiet_run.p50_ms, 3),
        "p99_ms_chatty_minus_quiet": round(chatty_run.p99_ms - quiet_run.p99_ms, 3),
        "lines_printed": printed,
        "lines_stored": stored - start_count,
        "offered_lines_per_s": round(printed / load_s, 1),
        "last_line_stored_after_load_s": round(max(last_s - load_s, 0.0), 3),
    }
    # Chatty alone, as fast as it goes: what the store takes.
    before = _settled(store)
    started = time.perf_counter()
    flat = run_wrk(chatty, LoadSettings(threads=2, connections=8, duration_s=seconds))
    load_s = time.perf_counter() - started
    printed = flat.requests * LINES
    stored, last_s = _drained(store, before + printed, started)
    flat_out: dict[str, Any] = {
        "chatty": flat.as_json(),
        "lines_printed": printed,
        "lines_stored": stored - before,
        "load_s": round(load_s, 3),
        "last_line_stored_s": round(last_s, 3),
        "last_line_stored_after_load_s": round(max(last_s - load_s, 0.0), 3),
        "stored_lines_per_s": round((stored - before) / max(last_s, load_s), 1),
    }
    return {
        "store": "SQLite logs.sqlite3 of the all_on server (counted with a read-only query)",
        "paced_chatty_and_quiet": paced,
        "chatty_flat_out": flat_out,
        # At least every printed line: wrk counts only the requests it saw answered, and
        # those in flight when it stops also print theirs (up to a connection's worth).
        "all_lines_stored": paced["lines_stored"] >= paced["lines_printed"]
        and flat_out["lines_stored"] >= flat_out["lines_printed"],
    }


@contextmanager
def _paced_script(connections: int, rps: int) -> Iterator[Path]:
    """wrk_check.lua plus a `delay()`: each connection waits so the route gets `rps`."""
    delay_ms = max(int(connections * 1000 / rps), 1)
    handle, name = tempfile.mkstemp(prefix="observability-", suffix=".lua")
    os.close(handle)
    path = Path(name)
    try:
        text = CHECK_SCRIPT.read_text()
        path.write_text(f"{text}\nfunction delay()\n  return {delay_ms}\nend\n")
        yield path
    finally:
        path.unlink(missing_ok=True)


def _start_wrk(
    target: Target, connections: int, seconds: int, script: Path
) -> subprocess.Popen[str]:
    command = [
        require_wrk(), "-t1", f"-c{connections}", f"-d{seconds}s", "--latency",
        "--timeout", "5s", "-s", str(script), target.url,
    ]  # fmt: skip
    return subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _finish_wrk(process: subprocess.Popen[str], seconds: int) -> LoadResult:
    try:
        out, err = process.communicate(timeout=seconds + 30)
    except subprocess.TimeoutExpired as error:
        process.kill()
        process.communicate()
        raise WrkError("paced wrk did not finish") from error
    if process.returncode != 0:
        raise WrkError(f"wrk exited {process.returncode}: {err.strip() or out}")
    return parse_wrk(out)


def _stored_lines(store: Path) -> int:
    """The chatty function's own lines in the store (not START/END/REPORT)."""
    if not store.exists():
        return 0
    with sqlite3.connect(f"file:{store}?mode=ro", uri=True, timeout=5) as db:
        row = db.execute(
            "SELECT COUNT(*) FROM events WHERE grp = ? AND message LIKE ?",
            (CHATTY_GROUP, LINE_PREFIX + "%"),
        ).fetchone()
    return int(row[0])


def _drained(store: Path, expected: int, since: float | None = None) -> tuple[int, float]:
    """Poll the store until it holds `expected` lines or stops growing for 5 s (at most
    30 s; under a flat-out load the ingest thread's backlog arrives in bursts more than a
    second apart); the count and when it last grew, in seconds since `since`."""
    since = time.perf_counter() if since is None else since
    count, grew = _stored_lines(store), time.perf_counter()
    for count_now in _polls(store, deadline=time.perf_counter() + 30):
        if count_now != count:
            count, grew = count_now, time.perf_counter()
        if count >= expected or time.perf_counter() - grew > 5:
            break
    return count, grew - since


def _settled(store: Path) -> int:
    """The count once earlier requests' lines have all arrived."""
    return _drained(store, sys.maxsize)[0]


def _polls(store: Path, deadline: float) -> Iterator[int]:
    while time.perf_counter() < deadline:
        time.sleep(0.1)
        yield _stored_lines(store)


if __name__ == "__main__":
    sys.exit(main())
