"""FunctionService: the one entry point to the function runtime.

Owns one zygote per interpreter, one pool of workers per function, the idle reaper and
the log files. ``invoke`` is cancellation-safe: cancelling the caller abandons the answer,
never the invocation, which runs to completion (or its timeout) before its worker is
reused.
"""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from lamina.functions import environment, failure
from lamina.functions.error import FunctionNotFoundError, RequestTooLargeError
from lamina.functions.interpreter import InterpreterChooser
from lamina.functions.logfile import LogWriter
from lamina.functions.model import FunctionConfig, InvokeResult
from lamina.functions.pool.scaler import FunctionPool
from lamina.functions.pool.zygote import ZygoteProcess

_LATEST = "$LATEST"


class FunctionService:
    def __init__(
        self,
        functions: Iterable[FunctionConfig],
        *,
        region: str,
        account_id: str,
        state_dir: Path,
        log_sink: Callable[[str, str], None] | None = None,
        max_workers_per_function: int = 32,
        idle_timeout_s: float = 300.0,
        runtime_api: str = "",
    ) -> None:
        self._configs = {config.name: config for config in functions}
        self._region = region
        self._runtime_api = runtime_api
        self._host_env = dict(os.environ)
        self._interpreters = InterpreterChooser()
        self._zygotes: dict[str, ZygoteProcess] = {}
        self._logs = LogWriter(state_dir / "logs", log_sink)
        self._idle_timeout_s = idle_timeout_s
        self._pools = {
            name: FunctionPool(
                config,
                arn=environment.function_arn(config, region=region, account_id=account_id),
                zygote=self._zygote_provider(config),
                spawn_spec=self._spawn_spec,
                logs=self._logs,
                max_workers=max_workers_per_function,
                idle_timeout_s=idle_timeout_s,
            )
            for name, config in self._configs.items()
        }
        self._reaper: asyncio.Task[None] | None = None
        self._started = False
        self._closed = False

    async def start(self) -> None:
        """Start the zygote of every interpreter in use; they load in the background."""
        if self._started:
            return
        self._started = True
        for config in self._configs.values():
            self._zygote_for(config.runtime)
        self._reaper = asyncio.ensure_future(self._reap_forever())

    async def invoke(
        self,
        name: str,
        payload: bytes,
        *,
        qualifier: str | None = None,
        client_context: str | None = None,
    ) -> InvokeResult:
        pool = self._pools.get(name)
        if pool is None or not _serves(pool.config, qualifier):
            raise FunctionNotFoundError(f"Function not found: {self._qualified(name, qualifier)}")
        if len(payload) > failure.MAX_REQUEST_BYTES:
            # https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html
            raise RequestTooLargeError(
                f"Request must be smaller than {failure.MAX_REQUEST_BYTES} bytes "
                "for the InvokeFunction operation"
            )
        if not self._started:
            await self.start()
        return await pool.invoke(payload, qualifier=qualifier, client_context=client_context)

    def get(self, name: str) -> FunctionConfig:
        config = self._configs.get(name)
        if config is None:
            raise FunctionNotFoundError(f"Function not found: {name}")
        return config

    def functions(self) -> tuple[FunctionConfig, ...]:
        return tuple(self._configs.values())

    def worker_count(self, name: str) -> int:
        """Workers alive or starting for a function (for metrics and tests)."""
        return self._pools[name].size

    async def close(self) -> None:
        """Kill every worker and zygote and wait for them to be gone; idempotent."""
        if self._closed:
            return
        self._closed = True
        if self._reaper is not None:
            self._reaper.cancel()
        for pool in self._pools.values():
            pool.close()
        for zygote in self._zygotes.values():
            await zygote.close()
        await asyncio.sleep(0)  # let the workers' connection_lost callbacks run
        self._logs.flush()

    # -- internals --------------------------------------------------------------------

    def _qualified(self, name: str, qualifier: str | None) -> str:
        return f"{name}:{qualifier}" if qualifier else name

    def _zygote_provider(self, config: FunctionConfig) -> Callable[[], ZygoteProcess]:
        return lambda: self._zygote_for(config.runtime)

    def _zygote_for(self, runtime: str) -> ZygoteProcess:
        """The running zygote of the runtime's interpreter, (re)started when needed."""
        interpreter = self._interpreters.choose(runtime)
        zygote = self._zygotes.get(interpreter)
        if zygote is None or not zygote.alive:
            zygote = ZygoteProcess(interpreter, self._host_env)
            zygote.start()
            self._zygotes[interpreter] = zygote
        return zygote

    def _spawn_spec(self, config: FunctionConfig) -> dict[str, Any]:
        env = environment.worker_environment(
            config,
            region=self._region,
            runtime_api=self._runtime_api,
            log_stream=environment.log_stream_name(config.version),
            host=self._host_env,
        )
        return {
            "handler": config.handler,
            "task_root": config.code_path,
            "memory_mb": config.memory_mb,
            "env": env,
        }

    async def _reap_forever(self) -> None:
        interval = max(0.05, min(self._idle_timeout_s / 4, 30.0))
        while True:
            await asyncio.sleep(interval)
            now = time.monotonic()
            for pool in self._pools.values():
                pool.reap(now)


def _serves(config: FunctionConfig, qualifier: str | None) -> bool:
    return qualifier in (None, _LATEST, config.version) or qualifier in config.aliases
