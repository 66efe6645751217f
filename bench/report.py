"""Floors, the printed table, and bench/results/latest.{json,md}."""

from __future__ import annotations

import json
import os
import platform
import subprocess
import sys
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

RESULTS = Path(__file__).with_name("results")


@dataclass(frozen=True, slots=True)
class Floor:
    """One of the issue's targets, checked for information only (never fails the run)."""

    name: str
    value: float | None
    limit: float
    unit: str
    at_most: bool
    trusted: bool = True
    """False when the figure comes from a run with non-200 responses or socket errors."""

    @property
    def verdict(self) -> str:
        if self.value is None:
            return "n/a"
        if not self.trusted:
            return "UNTRUSTED"
        passed = self.value <= self.limit if self.at_most else self.value >= self.limit
        return "PASS" if passed else "FAIL"

    def as_json(self) -> dict[str, Any]:
        bound = "<=" if self.at_most else ">="
        return {
            "name": self.name,
            "value": self.value,
            "limit": f"{bound} {self.limit:g} {self.unit}",
            "verdict": self.verdict,
        }


def floors(results: dict[str, Any]) -> list[Floor]:
    lamina = results.get("lamina") or {}
    ceiling = results.get("ceiling") or {}
    found: list[Floor] = []
    for key, label in (("rest", "REST /Prod/hello"), ("http", "HTTP API /v2/hello/bench")):
        load = lamina.get(key) or {}
        trusted = bool(load.get("trustworthy", True)) and bool(ceiling.get("trustworthy", True))
        ratio = load.get("ratio_pct")
        found.append(Floor(f"{label} ratio to ceiling", ratio, 25, "%", False, trusted))
        found.append(Floor(f"{label} p99", load.get("p99_ms"), 10, "ms", True, trusted))
    cold = lamina.get("cold_start") or {}
    found.append(Floor("cold start p50", cold.get("p50_ms"), 20, "ms", True))
    found.append(Floor("time to listening", lamina.get("listening_s"), 1, "s", True))
    idle = lamina.get("idle_workers") or {}
    found.append(Floor("idle worker RSS (mean)", idle.get("rss_mb_mean"), 25, "MB", True))
    return found


def machine() -> dict[str, Any]:
    return {
        "nproc": len(os.sched_getaffinity(0)),
        "cpu_model": cpu_model(),
        "python": sys.version.split()[0],
        "kernel": platform.release(),
        "wrk": (command_output(["wrk", "-v"]).splitlines() or [""])[0],
        "commit": command_output(["git", "rev-parse", "--short", "HEAD"]).strip(),
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
    }


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def command_output(command: list[str]) -> str:
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.TimeoutExpired):
        return ""
    return done.stdout or done.stderr


def write(results: dict[str, Any]) -> str:
    """Write latest.json and latest.md (each through a .tmp file); return the markdown."""
    RESULTS.mkdir(exist_ok=True)
    markdown = render_markdown(results)
    for name, text in (
        ("latest.json", json.dumps(results, indent=2) + "\n"),
        ("latest.md", markdown),
    ):
        partial = RESULTS / f"{name}.tmp"
        partial.write_text(text)
        partial.replace(RESULTS / name)
    return markdown


def render_markdown(results: dict[str, Any]) -> str:
    info = results["machine"]
    settings = results["settings"]
    lines = [
        "# Lamina benchmark — latest run",
        "",
        f"{info['date']} · commit {info['commit'] or '?'} · {info['nproc']} CPUs "
        f"({info['cpu_model']}) · Python {info['python']} · Linux {info['kernel']}",
        "",
        f"wrk -t{settings['threads']} -c{settings['connections']} "
        f"-d{settings['duration_s']}s --latency, after a {settings['warmup_s']} s warm-up "
        "run; load generator and server share the machine's CPUs; Lamina's output goes to "
        "a file (bench/results/*.log.tmp).",
        "",
        f"Lamina CLI: `{settings.get('lamina', '?')}`",
        *(["", f"**Note:** {results['note']}"] if results.get("note") else []),
        "",
        *load_table(results),
        "",
        *lamina_figures(results),
        "",
        "## Floors (informational)",
        "",
        "| floor | value | limit | verdict |",
        "| --- | --- | --- | --- |",
    ]
    for floor in results["floors"]:
        value = "—" if floor["value"] is None else f"{floor['value']:.2f}"
        lines.append(f"| {floor['name']} | {value} | {floor['limit']} | {floor['verdict']} |")
    if results.get("error"):
        lines += ["", "## Error", "", "```", str(results["error"]), "```"]
    return "\n".join(lines) + "\n"


def load_table(results: dict[str, Any]) -> list[str]:
    rows = [
        "| target | req/s | p50 ms | p99 ms | max ms | non-200 | socket errors | % of ceiling |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    lamina = results.get("lamina") or {}
    for label, load in (
        ("ceiling (raw ASGI, uvicorn)", results.get("ceiling")),
        ("Lamina's own HTTP server, raw hello", results.get("own_server")),
        ("Lamina REST GET /Prod/hello", lamina.get("rest")),
        ("Lamina HTTP API GET /v2/hello/bench", lamina.get("http")),
    ):
        if not load:
            rows.append(f"| {label} | — | — | — | — | — | — | — |")
            continue
        ratio = load.get("ratio_pct")
        rows.append(
            f"| {label} | {load['requests_per_s']:,.0f} | {load['p50_ms']:.2f} "
            f"| {load['p99_ms']:.2f} | {load['max_ms']:.2f} | {load['non_200']} "
            f"| {load['socket_errors']} | {'—' if ratio is None else f'{ratio:.1f}'} |"
        )
    return rows


def lamina_figures(results: dict[str, Any]) -> list[str]:
    lamina = results.get("lamina")
    if not lamina:
        return ["Lamina: not measured."]
    lines = [f"- time to listening: {fmt(lamina.get('listening_s'), 's', 3)}"]
    lines.append(f"- first request after startup: {fmt(lamina.get('first_request_ms'), 'ms')}")
    cold = lamina.get("cold_start") or {}
    if cold:
        lines.append(
            f"- cold start ({cold['method']}; {len(cold['samples_ms'])} samples, "
            f"{cold['forked']} saw a new process, {cold['reaped']} after the previous "
            f"workers were gone): p50 {fmt(cold.get('p50_ms'), 'ms')}, "
            f"max {fmt(cold.get('max_ms'), 'ms')}"
        )
    idle = lamina.get("idle_workers") or {}
    if idle:
        lines.append(
            f"- idle workers: {idle['count']}, mean RSS {fmt(idle.get('rss_mb_mean'), 'MB')}, "
            f"mean PSS {fmt(idle.get('pss_mb_mean'), 'MB')}; edge process RSS "
            f"{fmt(idle.get('edge_rss_mb'), 'MB')}"
        )
        for other in idle.get("other_processes", []):
            lines.append(
                f"  - other process below the edge: {other['name']} (pid {other['pid']}), "
                f"RSS {fmt(other['rss_mb'], 'MB')}, PSS {fmt(other['pss_mb'], 'MB')}"
            )
    return lines


def fmt(value: float | None, unit: str, digits: int = 2) -> str:
    return "—" if value is None else f"{value:.{digits}f} {unit}"
