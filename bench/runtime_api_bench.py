"""Cold and warm invocation times of the Runtime API path (Node.js, awslambdaric, provided),
beside the Python zygote fast path, through FunctionService with real processes.

    .venv/bin/python bench/runtime_api_bench.py [--rounds N] [--warm N]

A cold start is one invocation of a freshly deployed function: spawning the runtime
process, its Init phase up to the first GET /next, and the invocation itself. Writes
bench/results/runtime_api.json and prints the figures (medians, milliseconds).
"""

from __future__ import annotations

import argparse
import asyncio
import importlib.util
import json
import shutil
import statistics
import tempfile
import time
from pathlib import Path

from lamina.functions.model import FunctionConfig
from lamina.functions.service import FunctionService

BENCH = Path(__file__).resolve().parent
RESULTS = BENCH / "results"
FIXTURES = BENCH.parent / "tests" / "fixtures" / "functions"


def kinds() -> dict[str, FunctionConfig]:
    """One function per path being measured (those this machine can run)."""
    found = {
        "python-zygote": FunctionConfig(
            name="f", handler="basic.echo", code_path=str(FIXTURES), runtime="python3.11"
        ),
        "provided-sh": FunctionConfig(
            name="f",
            handler="x.y",
            code_path=str(FIXTURES / "provided" / "echo"),
            runtime="provided.al2023",
        ),
    }
    if shutil.which("node"):
        found["nodejs"] = FunctionConfig(
            name="f",
            handler="handler.echo",
            code_path=str(FIXTURES / "node"),
            runtime="nodejs20.x",
        )
    if importlib.util.find_spec("awslambdaric"):
        found["python-awslambdaric"] = FunctionConfig(
            name="f",
            handler="basic.echo",
            code_path=str(FIXTURES),
            runtime="python3.11",
            environment={"LAMINA_PYTHON_RUNTIME": "ric"},
        )
    return found


async def measure(config: FunctionConfig, rounds: int, warm: int) -> dict[str, float]:
    cold: list[float] = []
    init: list[float] = []
    warm_ms: list[float] = []
    with tempfile.TemporaryDirectory() as state:
        service = FunctionService(
            [config], region="eu-west-1", account_id="123456789012", state_dir=Path(state)
        )
        await service.start()
        await service.invoke("f", b"{}")  # the zygote (Python path) and the disk cache warm up
        for _ in range(rounds):
            service.deploy(config)  # retires the warm environment: the next call is cold
            started = time.perf_counter()
            result = await service.invoke("f", b'{"n": 1}')
            cold.append((time.perf_counter() - started) * 1000)
            init.append(_init_ms(result.log))
            for _ in range(warm):
                started = time.perf_counter()
                await service.invoke("f", b'{"n": 2}')
                warm_ms.append((time.perf_counter() - started) * 1000)
        await service.close()
    return {
        "cold_ms": statistics.median(cold),
        "cold_p90_ms": sorted(cold)[int(len(cold) * 0.9) - 1 if len(cold) > 1 else 0],
        "init_ms": statistics.median(init),
        "warm_ms": statistics.median(warm_ms) if warm_ms else 0.0,
    }


def _init_ms(log: str) -> float:
    for field in log.split("\t"):
        if field.startswith("Init Duration: "):
            return float(field.split()[2])
    return 0.0


async def run(rounds: int, warm: int) -> dict[str, dict[str, float]]:
    return {name: await measure(config, rounds, warm) for name, config in kinds().items()}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--warm", type=int, default=20)
    args = parser.parse_args()
    figures = asyncio.run(run(args.rounds, args.warm))
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "runtime_api.json").write_text(json.dumps(figures, indent=2) + "\n")
    print(f"{'path':<22}{'cold':>9}{'cold p90':>10}{'init':>9}{'warm':>9}   (ms, medians)")
    for name, row in figures.items():
        print(
            f"{name:<22}{row['cold_ms']:>9.1f}{row['cold_p90_ms']:>10.1f}"
            f"{row['init_ms']:>9.1f}{row['warm_ms']:>9.2f}"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
