"""`make bench`: Lamina's throughput, latency, cold start, startup time and memory.

Everything runs on this machine, against a ceiling measured in the same run:

1. ceiling — bench/ceiling.py (a fixed 200 "hello") under uvicorn + uvloop + httptools;
2. Lamina — `lamina up examples/hello`: time to listening, the first request, then wrk on
   the REST route GET /Prod/hello and the HTTP API route GET /v2/hello/bench, then the
   memory of the idle workers;
3. cold starts — a second Lamina with `--idle-timeout`, timing one request each time the
   function's workers have been reaped (or, if the CLI lacks that option, the first
   request of a freshly started Lamina).

Every wrk run is bounded by -d, every wait by a deadline, and every server is stopped
(its whole process group) even when a step fails. Floors are printed, never enforced.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import memory
import report
from load import LoadResult, LoadSettings, Target, WrkError, require_wrk, run_wrk
from probe import Reply, Route, find_route, timed_get
from server import HOST, Server, ServerError, free_port

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
LOGS = BENCH / "results"  # *.tmp there is git-ignored
LISTEN_TIMEOUT_S = 30.0
IDLE_SETTLE_S = 1.0

REST = Route("REST GET /hello", "/Prod/hello", "/hello", "Hello, world!")
HTTP = Route("HTTP API GET /v2/hello/{name}", "/v2/hello/bench", "/v2/hello/bench", "bench!")


@dataclass(frozen=True, slots=True)
class ColdSample:
    elapsed_ms: float
    status: int
    forked: bool
    """A new process appeared below Lamina during the request: it really was a cold start."""
    reaped: bool = True
    """The previous sample's workers were gone before this request was sent."""


def main() -> int:
    args = parse_args()
    try:
        require_wrk()
    except WrkError as error:
        print(error, file=sys.stderr)
        return 2
    settings = LoadSettings(args.threads, args.connections, args.duration)
    results: dict[str, Any] = {
        "machine": report.machine(),
        "settings": {**asdict(settings), "warmup_s": args.warmup, "lamina": args.lamina},
        "note": args.note,
        "ceiling": None,
        "lamina": None,
        "error": None,
    }
    status = 0
    try:
        ceiling = bench_ceiling(settings, args.warmup)
        results["ceiling"] = ceiling.as_json()
        results["own_server"] = with_ratio(bench_own_server(settings, args.warmup), ceiling)
        if not args.ceiling_only:
            results["lamina"] = {}
            bench_lamina(args, settings, ceiling, results["lamina"])
    except (ServerError, WrkError, LookupError, OSError) as error:
        results["error"] = f"{type(error).__name__}: {error}"
        status = 1
    finally:
        results["floors"] = [floor.as_json() for floor in report.floors(results)]
        print(report.write(results))
    return status


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--app", default="examples/hello", help="what `lamina up` serves")
    parser.add_argument(
        "--lamina", default=str(Path(sys.executable).parent / "lamina"), help="the CLI to run"
    )
    parser.add_argument("--duration", type=int, default=10, help="seconds per measured wrk run")
    parser.add_argument("--warmup", type=int, default=2, help="seconds of wrk before each run")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--cold-samples", type=int, default=10)
    parser.add_argument("--idle-timeout", type=float, default=0.5, help="for the cold starts")
    parser.add_argument("--ceiling-only", action="store_true", help="skip Lamina")
    parser.add_argument("--note", default="", help="a line for latest.md (what was special)")
    return parser.parse_args()


def bench_ceiling(settings: LoadSettings, warmup_s: int) -> LoadResult:
    port = free_port()
    command = [
        sys.executable, "-m", "uvicorn", "ceiling:app", "--app-dir", str(BENCH),
        "--host", HOST, "--port", str(port), "--loop", "uvloop", "--http", "httptools",
        "--workers", "1", "--no-access-log", "--log-level", "warning",
    ]  # fmt: skip
    with Server(command, port, LOGS / "ceiling.log.tmp") as server:
        server.wait_listening(LISTEN_TIMEOUT_S)
        return measure(Target(f"http://{HOST}:{port}/"), settings, warmup_s)


def bench_own_server(settings: LoadSettings, warmup_s: int) -> LoadResult:
    port = free_port()
    command = [sys.executable, str(BENCH / "own_server.py"), str(port)]
    with Server(command, port, LOGS / "own_server.log.tmp", cwd=REPO) as server:
        server.wait_listening(LISTEN_TIMEOUT_S)
        return measure(Target(f"http://{HOST}:{port}/"), settings, warmup_s)


def bench_lamina(
    args: argparse.Namespace, settings: LoadSettings, ceiling: LoadResult, out: dict[str, Any]
) -> None:
    """Fill `out` step by step, so a failure still leaves the figures measured before it."""
    port = free_port()
    with lamina_server(args, port, "lamina.log.tmp") as server:
        out["listening_s"] = server.wait_listening(LISTEN_TIMEOUT_S)
        startup_pids = set(memory.descendants(server.pid))
        rest, first = find_route(REST, port, server.log_tail(200))
        out["first_request_ms"] = first.elapsed_ms
        timed_get(rest)  # warm
        for key, route in (("rest", REST), ("http", HTTP)):
            target = rest if route is REST else find_route(route, port, server.log_tail(200))[0]
            print(f"wrk {route.name}: {target.describe()}", flush=True)
            out.setdefault("targets", {})[key] = target.describe()
            out[key] = with_ratio(measure(target, settings, args.warmup), ceiling)
        time.sleep(IDLE_SETTLE_S)
        out["idle_workers"] = idle_workers(server.pid, startup_pids)
    out["cold_start"] = cold_start(args)


def lamina_server(args: argparse.Namespace, port: int, log_name: str, *extra: str) -> Server:
    command = [args.lamina, "up", args.app, "--port", str(port), *extra]
    return Server(command, port, LOGS / log_name, cwd=REPO)


def measure(target: Target, settings: LoadSettings, warmup_s: int) -> LoadResult:
    if warmup_s > 0:
        run_wrk(target, LoadSettings(settings.threads, settings.connections, warmup_s))
    return run_wrk(target, settings)


def with_ratio(result: LoadResult, ceiling: LoadResult) -> dict[str, Any]:
    ratio = 100 * result.requests_per_s / ceiling.requests_per_s if ceiling.requests_per_s else None
    return {**result.as_json(), "ratio_pct": ratio}


def idle_workers(root: int, startup_pids: set[int]) -> dict[str, Any]:
    """Memory of Lamina's worker processes, found by walking /proc below the edge process.

    A worker is a process with no children that was forked by another of Lamina's
    processes (a zygote) or appeared after startup; a zygote has children, and helpers
    started with the edge (before it listened) are left out.
    """
    tree = memory.descendants(root)
    pids = worker_pids(root, tree, startup_pids)
    workers = [m for m in (memory.read_memory(pid, tree[pid]) for pid in pids) if m]
    others = [memory.read_memory(pid, ppid) for pid, ppid in tree.items() if pid not in pids]
    edge = memory.read_memory(root, os.getpid())
    pss = [m.pss_mb for m in workers if m.pss_mb is not None]
    return {
        "count": len(workers),
        "rss_mb_mean": statistics.fmean(m.rss_mb for m in workers) if workers else None,
        "pss_mb_mean": statistics.fmean(pss) if pss else None,
        "edge_rss_mb": edge.rss_mb if edge else None,
        "workers": [asdict(m) for m in workers],
        "other_processes": [asdict(m) for m in others if m],
    }


def worker_pids(root: int, tree: dict[int, int], startup_pids: set[int]) -> list[int]:
    return [pid for pid in memory.leaves(tree) if tree[pid] != root or pid not in startup_pids]


def cold_start(args: argparse.Namespace) -> dict[str, Any]:
    try:
        samples = reaped_samples(args)
        method = f"workers reaped after --idle-timeout {args.idle_timeout:g}"
    except ServerError as error:
        if "idle-timeout" not in str(error) and "no such option" not in str(error).lower():
            raise
        print("`lamina up` has no --idle-timeout: restarting Lamina for each sample", flush=True)
        samples = restart_samples(args)
        method = "first request after a fresh start"
    answered = [s.elapsed_ms for s in samples if s.status == 200]
    return {
        "method": method,
        "samples_ms": [s.elapsed_ms for s in samples],
        "statuses": [s.status for s in samples],
        "forked": sum(s.forked for s in samples),
        "reaped": sum(s.reaped for s in samples),
        "p50_ms": statistics.median(answered) if answered else None,
        "max_ms": max(answered) if answered else None,
    }


def reaped_samples(args: argparse.Namespace) -> list[ColdSample]:
    port = free_port()
    extra = ("--idle-timeout", str(args.idle_timeout))
    with lamina_server(args, port, "lamina-cold.log.tmp", *extra) as server:
        server.wait_listening(LISTEN_TIMEOUT_S)
        startup_pids = set(memory.descendants(server.pid))
        target, _ = find_route(REST, port, server.log_tail(200))
        previous = current_workers(server.pid, startup_pids)
        samples = []
        for _ in range(args.cold_samples):
            reaped = wait_for_reap(server.pid, previous, args.idle_timeout)
            before = set(memory.descendants(server.pid))
            reply = timed_get(target)
            after = set(memory.descendants(server.pid))
            samples.append(sample(reply, after - before, reaped))
            previous = after - before or current_workers(server.pid, startup_pids)
        return samples


def current_workers(root: int, startup_pids: set[int]) -> set[int]:
    return set(worker_pids(root, memory.descendants(root), startup_pids))


def wait_for_reap(root: int, pids: set[int], idle_timeout_s: float) -> bool:
    """Sleep past the idle timeout, then until none of `pids` is alive (bounded)."""
    time.sleep(idle_timeout_s * 1.2 + 0.05)
    deadline = time.monotonic() + max(5.0, 4 * idle_timeout_s)
    while time.monotonic() < deadline:
        if not pids & set(memory.descendants(root)):
            return True
        time.sleep(0.02)
    return False


def restart_samples(args: argparse.Namespace) -> list[ColdSample]:
    samples = []
    for _ in range(args.cold_samples):
        port = free_port()
        with lamina_server(args, port, "lamina-cold.log.tmp") as server:
            server.wait_listening(LISTEN_TIMEOUT_S)
            before = set(memory.descendants(server.pid))
            _, reply = find_route(REST, port, server.log_tail(200))
            samples.append(sample(reply, set(memory.descendants(server.pid)) - before))
    return samples


def sample(reply: Reply, new_pids: set[int], reaped: bool = True) -> ColdSample:
    return ColdSample(reply.elapsed_ms, reply.status, forked=bool(new_pids), reaped=reaped)


if __name__ == "__main__":
    sys.exit(main())
