"""Function runtime figures: cold start, idle worker memory, warm invoke cost.

Run: .venv/bin/python bench/functions_bench.py [--loop uvloop|asyncio] [--warm N]
Prints the figures and writes them to bench/results/functions.txt.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import tempfile
import time
from pathlib import Path

from lamina.functions.model import FunctionConfig
from lamina.functions.service import FunctionService

CODE = str(Path(__file__).parents[1] / "tests" / "fixtures" / "functions")
COLD_SAMPLES = 30


def memory_kb(pid: int) -> tuple[int, int]:
    """(RSS, PSS) of a process in kB."""
    fields = {}
    for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines()[1:]:
        name, value = line.split(":", 1)
        fields[name] = int(value.split()[0])
    return fields["Rss"], fields["Pss"]


async def run(warm: int) -> list[str]:
    configs = [
        FunctionConfig(name=f"cold{i}", handler="basic.count", code_path=CODE)
        for i in range(COLD_SAMPLES)
    ]
    configs.append(FunctionConfig(name="warm", handler="basic.echo", code_path=CODE))
    with tempfile.TemporaryDirectory() as state:
        service = FunctionService(
            configs, region="us-east-1", account_id="123456789012", state_dir=Path(state)
        )
        await service.start()
        await service.invoke("warm", b"{}")  # the zygote is loaded from here on
        cold: list[float] = []
        pids: list[int] = []
        for i in range(COLD_SAMPLES):
            started = time.perf_counter()
            result = await service.invoke(f"cold{i}", b"{}")
            cold.append((time.perf_counter() - started) * 1000)
            pids.append(json.loads(result.payload)["pid"])
        memory = [memory_kb(pid) for pid in pids]
        payload = b'{"path": "/items/1", "httpMethod": "GET"}'
        for _ in range(1000):
            await service.invoke("warm", payload)
        cpu_started, wall_started = time.process_time(), time.perf_counter()
        latencies = []
        for _ in range(warm):
            t = time.perf_counter()
            await service.invoke("warm", payload)
            latencies.append((time.perf_counter() - t) * 1e6)
        cpu = (time.process_time() - cpu_started) / warm * 1e6
        wall = (time.perf_counter() - wall_started) / warm * 1e6
        concurrent_started = time.perf_counter()
        for _ in range(warm // 100):
            await asyncio.gather(*(service.invoke("warm", payload) for _ in range(8)))
        throughput = (warm // 100) * 8 / (time.perf_counter() - concurrent_started)
        await service.close()
    latencies.sort()
    return [
        f"cold start (fork + import + first invoke), ms: median {statistics.median(cold):.2f}"
        f"  p90 {sorted(cold)[int(len(cold) * 0.9)]:.2f}  min {min(cold):.2f}",
        f"idle worker RSS, MB: median {statistics.median(m[0] for m in memory) / 1024:.1f}"
        f"  (PSS {statistics.median(m[1] for m in memory) / 1024:.1f})",
        f"warm invoke, sequential: supervisor CPU {cpu:.1f} us/invoke"
        f"  round trip {wall:.1f} us (p50 {latencies[len(latencies) // 2]:.1f}"
        f" p99 {latencies[int(len(latencies) * 0.99)]:.1f})",
        f"warm invoke, 8 concurrent: {throughput:,.0f} invokes/s",
    ]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--loop", choices=("uvloop", "asyncio"), default="uvloop")
    parser.add_argument("--warm", type=int, default=20_000)
    options = parser.parse_args()
    if options.loop == "uvloop":
        import uvloop

        lines = uvloop.run(run(options.warm))
    else:
        lines = asyncio.run(run(options.warm))
    lines.insert(0, f"loop: {options.loop}")
    text = "\n".join(lines) + "\n"
    print(text, end="")
    out = Path(__file__).parent / "results" / "functions.txt"
    out.parent.mkdir(exist_ok=True)
    with out.open("a") as file:
        file.write(time.strftime("# %Y-%m-%d %H:%M:%S\n") + text)


if __name__ == "__main__":
    main()
