"""Run wrk against one URL and read its figures back."""

from __future__ import annotations

import re
import shutil
import subprocess
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

CHECK_SCRIPT = Path(__file__).with_name("wrk_check.lua")
SUMMARY = re.compile(r"^BENCH (.*)$", re.MULTILINE)
REQUESTS_PER_S = re.compile(r"^Requests/sec:\s+([\d.]+)", re.MULTILINE)


class WrkError(RuntimeError):
    """wrk is missing, failed, or printed something we cannot read."""


@dataclass(frozen=True, slots=True)
class LoadSettings:
    threads: int = 2
    connections: int = 16
    duration_s: int = 10


@dataclass(frozen=True, slots=True)
class Target:
    """Where wrk connects, and the Host header to send (None: the URL's own)."""

    url: str
    host: str | None = None
    headers: tuple[tuple[str, str], ...] = ()
    """Further request headers (Authorization, x-api-key ...)."""

    def describe(self) -> str:
        return f"{self.url} (Host: {self.host})" if self.host else self.url


@dataclass(frozen=True, slots=True)
class LoadResult:
    requests_per_s: float
    p50_ms: float
    p99_ms: float
    max_ms: float
    requests: int
    non_200: int
    socket_errors: int
    throttled: int = 0
    """429s among the non-200s (API Gateway's throttles: the account's 10,000 rps ...)."""

    @property
    def trustworthy(self) -> bool:
        return self.requests > 0 and self.non_200 == 0 and self.socket_errors == 0

    def as_json(self) -> dict[str, Any]:
        return {**asdict(self), "trustworthy": self.trustworthy}


def require_wrk() -> str:
    path = shutil.which("wrk")
    if path is None:
        raise WrkError("wrk is not installed: run `apt-get install -y wrk` (or `make bench`)")
    return path


def run_wrk(target: Target, settings: LoadSettings) -> LoadResult:
    """One bounded wrk run (-d is always set; the subprocess has a timeout on top)."""
    command = [
        require_wrk(),
        f"-t{settings.threads}",
        f"-c{settings.connections}",
        f"-d{settings.duration_s}s",
        "--latency",
        "--timeout",
        "5s",
        "-s",
        str(CHECK_SCRIPT),
    ]
    if target.host:
        command += ["-H", f"Host: {target.host}"]
    for name, value in target.headers:
        command += ["-H", f"{name}: {value}"]
    command.append(target.url)
    try:
        done = subprocess.run(
            command, capture_output=True, text=True, timeout=settings.duration_s + 30
        )
    except subprocess.TimeoutExpired as error:
        raise WrkError(f"wrk did not finish: {' '.join(command)}") from error
    if done.returncode != 0:
        raise WrkError(f"wrk exited {done.returncode}: {done.stderr.strip() or done.stdout}")
    return parse_wrk(done.stdout)


def parse_wrk(output: str) -> LoadResult:
    summary = SUMMARY.search(output)
    if summary is None:
        raise WrkError(f"no summary line from {CHECK_SCRIPT.name} in wrk output:\n{output}")
    fields = {key: int(value) for key, value in re.findall(r"(\w+)=(\d+)", summary.group(1))}
    rate = REQUESTS_PER_S.search(output)
    requests_per_s = (
        float(rate.group(1))
        if rate
        else fields["requests"] / max(fields["duration_us"], 1) * 1_000_000
    )
    return LoadResult(
        requests_per_s=requests_per_s,
        p50_ms=fields["p50_us"] / 1000,
        p99_ms=fields["p99_us"] / 1000,
        max_ms=fields["max_us"] / 1000,
        requests=fields["requests"],
        non_200=fields["non_200"],
        socket_errors=sum(
            fields[name] for name in ("connect_errors", "read_errors", "write_errors", "timeouts")
        ),
        throttled=fields.get("throttled", 0),
    )
