"""FunctionService: the one entry point to the function runtime.

Owns one zygote per interpreter, one pool of workers per function version, the idle
reaper, the concurrency limits and the log files. Functions can be deployed, updated,
published and removed while it runs: a changed $LATEST gets a fresh pool and the old one
drains (its busy workers finish, then stop). ``invoke`` is cancellation-safe: cancelling
the caller abandons the answer, never the invocation, which runs to completion (or its
timeout) before its worker is reused.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import random
import sys
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from lamina.functions import environment, failure
from lamina.functions.concurrency import DEFAULT_ACCOUNT_LIMIT, ConcurrencyLimiter
from lamina.functions.error import (
    FunctionAccessDeniedError,
    FunctionNotFoundError,
    FunctionThrottledError,
    RequestTooLargeError,
)
from lamina.functions.interpreter import InterpreterChooser
from lamina.functions.logfile import InvocationLogSink, LogWriter
from lamina.functions.metrics import FunctionMetrics, default_metrics
from lamina.functions.model import AliasConfig, FunctionConfig, InvokeResult
from lamina.functions.policy import InvokeRequest
from lamina.functions.pool.handle import WorkerFactory, WorkerHooks
from lamina.functions.pool.runtime import RuntimeWorker
from lamina.functions.pool.scaler import FunctionPool
from lamina.functions.pool.worker import Worker
from lamina.functions.pool.zygote import ZygoteProcess
from lamina.functions.registry import LATEST, DeployedFunction
from lamina.functions.runtime_api.command import uses_runtime_api
from lamina.functions.sandbox.policy import (
    SandboxConfigError,
    requested_mode,
    sandbox_fields,
    validate,
)
from lamina.functions.sandbox.probe import IsolationPolicy
from lamina.functions.trace import FunctionTracing

_PoolKey = tuple[str, str]  # (function name, version)


# (function name, qualifier, who asks) -> may it invoke? Supplied by the policy store
# (the Lambda API's AddPermission state and the template's AWS::Lambda::Permission).
InvokeAuthorizer = Callable[[str, "str | None", InvokeRequest], bool]
# (function name, role ARN) -> (access key id, secret access key, session token).
CredentialIssuer = Callable[[str, str], tuple[str, str, str]]


class FunctionService:
    def __init__(
        self,
        functions: Iterable[FunctionConfig],
        *,
        region: str,
        account_id: str,
        state_dir: Path,
        log_sink: Callable[[str, str], None] | None = None,
        log_records: InvocationLogSink | None = None,
        max_workers_per_function: int = 32,
        idle_timeout_s: float = 300.0,
        runtime_api: str = "",
        account_concurrency: int = DEFAULT_ACCOUNT_LIMIT,
        rng: random.Random | None = None,
        metrics: FunctionMetrics | None = None,
    ) -> None:
        self._functions = {config.name: DeployedFunction(config) for config in functions}
        self._region = region
        self._account_id = account_id
        self._runtime_api = runtime_api
        self._host_env = dict(os.environ)
        self._state_dir = state_dir
        self._endpoint_url = ""
        self._isolation = IsolationPolicy(requested_mode(self._host_env))
        self._interpreters = InterpreterChooser()
        self._zygotes: dict[str, ZygoteProcess] = {}
        # log_records: each invocation's log with its execution environment (a logs service)
        self._logs = LogWriter(state_dir / "logs", log_sink, log_records)
        self._max_workers = max_workers_per_function
        self._idle_timeout_s = idle_timeout_s
        self._limiter = ConcurrencyLimiter(account_concurrency)
        self._rng = rng or random.Random()
        self._authorize: InvokeAuthorizer | None = None
        self._pools: dict[_PoolKey, FunctionPool] = {}
        self._retired: set[FunctionPool] = set()
        self._reaper: asyncio.Task[None] | None = None
        self._probes: list[asyncio.Future[None]] = []
        self._started = False
        self._closed = False
        self.metrics = metrics or default_metrics(self._host_env)
        """Lambda's metrics (functions/metrics.py); the async invoker records into it too."""
        self.tracing: FunctionTracing | None = None
        """X-Ray tracing of invocations (functions/trace.py; set by `lamina up`)."""
        self.credentials: CredentialIssuer | None = None
        """Each new execution environment's credentials, of the function's role
        (aws/execution.py; set by `lamina up`); None: a fixed key per function."""
        self.environment_max_age_s: float = environment.ENVIRONMENT_MAX_AGE_S
        """Environments older than this are replaced before their credentials expire."""
        self.metrics.watch(self)

    async def start(self) -> None:
        """Start the zygote of every interpreter in use; they load in the background."""
        if self._started:
            return
        self._started = True
        for function in self._functions.values():
            if not uses_runtime_api(function.latest):
                self._zygote_for(function.latest.runtime)
        self._reaper = asyncio.ensure_future(self._reap_forever())
        # Probe (~0.1 s, once per interpreter) whether workers can be isolated, off the
        # event loop; it warns clearly when they cannot.
        # Runtime API processes are isolated by a launcher on this interpreter.
        for interpreter in {*self._zygotes, sys.executable}:
            self._probes.append(asyncio.ensure_future(self._probe(interpreter)))

    async def _probe(self, interpreter: str) -> None:
        with contextlib.suppress(SandboxConfigError):  # raised again at the first spawn
            await asyncio.to_thread(self._isolation.mode_for, interpreter)

    async def invoke(
        self,
        name: str,
        payload: bytes,
        *,
        qualifier: str | None = None,
        client_context: str | None = None,
        source: InvokeRequest | None = None,
        request_id: str | None = None,
        trace_id: str | None = None,
    ) -> InvokeResult:
        """Run one invocation of ``name`` (at ``qualifier``: $LATEST, a version or an alias).

        ``request_id``: the id the caller already gave the invocation (an asynchronous
        event's); ``trace_id``: the X-Ray header the caller propagates (API Gateway's).

        ``source``: the AWS service invoking on a caller's behalf (API Gateway), checked
        against the function's resource-based policy when a policy store is attached.
        Raises FunctionNotFoundError, RequestTooLargeError, FunctionThrottledError,
        FunctionAccessDeniedError.
        """
        function = self._functions.get(name)
        if function is None:
            raise FunctionNotFoundError(f"Function not found: {name}")
        if source is not None:
            self._check_policy(name, qualifier, source)
        config = function.resolve(qualifier, self._rng)
        if len(payload) > failure.MAX_REQUEST_BYTES:
            # https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html
            raise RequestTooLargeError(
                f"Request must be smaller than {failure.MAX_REQUEST_BYTES} bytes "
                "for the InvokeFunction operation"
            )
        if not self._started:
            await self.start()
        pool = self._pool_for(config)
        try:
            self._limiter.acquire(name)
        except FunctionThrottledError:
            self.metrics.throttled(name, qualifier)
            raise
        # X-Ray (functions/trace.py): None unless tracing is wired in and this call is traced.
        trace = self.tracing.begin(config, trace_id) if self.tracing is not None else None
        result = await pool.invoke(
            payload,
            qualifier=qualifier,
            client_context=client_context,
            on_end=lambda: self._limiter.release(name),
            request_id=request_id,
            trace_id=trace.header if trace is not None else trace_id,
        )
        self.metrics.invoked(name, qualifier, result)
        if trace is not None:
            trace.end(result)
        return result

    # -- the function catalogue ---------------------------------------------------------

    def get(self, name: str, qualifier: str | None = None) -> FunctionConfig:
        """$LATEST, a published version, or the version an alias points to."""
        function = self._function(name)
        if qualifier is None or qualifier == LATEST or qualifier.isdigit():
            return function.config(qualifier or LATEST)
        return function.config(function.alias(qualifier).function_version)

    def authorize_invoke(
        self, name: str, qualifier: str | None, source: InvokeRequest | None
    ) -> None:
        """What `invoke` checks before it runs anything, for an invocation that is queued
        instead (an Event invocation on a service's behalf): the function, its qualifier and
        its resource-based policy (unless `source` is None, as for `invoke`). Raises
        FunctionNotFoundError, FunctionAccessDeniedError."""
        self.get(name, qualifier)
        if source is not None:
            self._check_policy(name, qualifier, source)

    def _check_policy(self, name: str, qualifier: str | None, source: InvokeRequest) -> None:
        if self._authorize is not None and not self._authorize(name, qualifier, source):
            raise FunctionAccessDeniedError(
                f"Invalid permissions on Lambda function {name}: no statement lets "
                f"{source.principal} invoke it from {source.source_arn}"
            )

    def serve_aws_apis_at(self, endpoint_url: str) -> None:
        """Give functions started from now on AWS_ENDPOINT_URL (Lamina's own port)."""
        self._endpoint_url = endpoint_url

    def authorize_invocations_with(self, authorize: InvokeAuthorizer) -> None:
        """Check invocations made on a service's behalf (``source=``) with ``authorize``."""
        self._authorize = authorize

    def functions(self) -> tuple[FunctionConfig, ...]:
        """The $LATEST configuration of every function."""
        return tuple(function.latest for function in self._functions.values())

    def deploy(self, config: FunctionConfig) -> FunctionConfig:
        """Add a function or replace its $LATEST code and configuration.

        Warm workers of the previous $LATEST are retired; invocations in flight finish.
        """
        validate(config)  # layers and EphemeralStorage fail here, not at the first invoke
        function = self._functions.get(config.name)
        if function is None:
            function = self._functions[config.name] = DeployedFunction(config)
        else:
            function.update(config)
            self._retire((config.name, LATEST))
        if self._started and not uses_runtime_api(config):
            self._zygote_for(config.runtime)
        return function.latest

    def remove(self, name: str) -> None:
        """Delete a function with all its versions and aliases."""
        function = self._function(name)
        for version in (LATEST, *function.versions):
            self._retire((name, version))
        del self._functions[name]
        self._limiter.forget(name)

    def publish_version(self, name: str) -> FunctionConfig:
        """Snapshot $LATEST as the next version number."""
        return self._function(name).publish()

    def last_version(self, name: str) -> int:
        """The highest version number ever published (deleted numbers are not reused)."""
        return self._function(name).last_version

    def restore_versions(
        self, name: str, versions: Iterable[FunctionConfig], last_version: int
    ) -> None:
        """Hold published versions kept across a restart (the Lambda API's store), with
        their numbers; a version already held under a number is replaced."""
        function = self._function(name)
        for config in versions:
            function.versions[config.version] = config
            self._retire((name, config.version))
        function.last_version = max(function.last_version, last_version)

    def versions(self, name: str) -> tuple[FunctionConfig, ...]:
        """Published versions, oldest first ($LATEST not included)."""
        return tuple(self._function(name).versions.values())

    def delete_version(self, name: str, version: str) -> None:
        self._function(name).delete_version(version)
        self._retire((name, version))

    def aliases(self, name: str) -> tuple[AliasConfig, ...]:
        return tuple(self._function(name).aliases.values())

    def alias(self, name: str, alias: str) -> AliasConfig:
        return self._function(name).alias(alias)

    def set_alias(self, name: str, alias: AliasConfig) -> None:
        """Create or replace an alias; raises FunctionNotFoundError for unknown versions."""
        self._function(name).set_alias(alias)

    def delete_alias(self, name: str, alias: str) -> None:
        function = self._function(name)
        function.alias(alias)
        del function.aliases[alias]

    def aliases_of(self, name: str, version: str) -> list[str]:
        """Aliases routing traffic to ``version``."""
        return self._function(name).aliases_of(version)

    # -- concurrency --------------------------------------------------------------------

    def set_reserved_concurrency(self, name: str, count: int | None) -> None:
        self._function(name)
        self._limiter.reserve(name, count)

    def reserved_concurrency(self, name: str) -> int | None:
        return self._limiter.reserved(name)

    @property
    def account_concurrency(self) -> int:
        return self._limiter.account_limit

    @property
    def unreserved_concurrency(self) -> int:
        return self._limiter.unreserved_limit

    def running(self, name: str) -> int:
        """Invocations of ``name`` in flight (waiting for a worker or running)."""
        return self._limiter.running(name)

    def function_names(self) -> tuple[str, ...]:
        return tuple(self._functions)

    @property
    def unreserved_running(self) -> int:
        """Invocations in flight of functions without reserved concurrency (metrics)."""
        names = [name for name in self._functions if self._limiter.reserved(name) is None]
        return sum(self._limiter.running(name) for name in names)

    def worker_count(self, name: str) -> int:
        """Workers alive or starting for a function's live versions (metrics, tests)."""
        return sum(pool.size for key, pool in self._pools.items() if key[0] == name)

    async def close(self) -> None:
        """Kill every worker and zygote and wait for them to be gone; idempotent."""
        if self._closed:
            return
        self._closed = True
        if self._reaper is not None:
            self._reaper.cancel()
        # A probe runs a short-lived process; let it finish so none outlives us.
        await asyncio.gather(*self._probes, return_exceptions=True)
        pools = (*self._pools.values(), *self._retired)
        for pool in pools:
            pool.close()
        await asyncio.gather(*(pool.wait_closed() for pool in pools))
        for zygote in self._zygotes.values():
            await zygote.close()
        await asyncio.sleep(0)  # let the workers' connection_lost callbacks run
        self._logs.flush()

    # -- internals --------------------------------------------------------------------

    def _function(self, name: str) -> DeployedFunction:
        function = self._functions.get(name)
        if function is None:
            raise FunctionNotFoundError(f"Function not found: {name}")
        return function

    def _pool_for(self, config: FunctionConfig) -> FunctionPool:
        key = (config.name, config.version)
        pool = self._pools.get(key)
        if pool is None:
            pool = self._pools[key] = FunctionPool(
                config,
                arn=environment.function_arn(
                    config, region=self._region, account_id=self._account_id
                ),
                factory=self._worker_factory(config),
                logs=self._logs,
                max_workers=self._max_workers,
                idle_timeout_s=self._idle_timeout_s,
                max_age_s=self.environment_max_age_s,
            )
        return pool

    def _retire(self, key: _PoolKey) -> None:
        pool = self._pools.pop(key, None)
        if pool is not None:
            pool.retire()
            if not pool.drained:
                self._retired.add(pool)

    def _worker_factory(self, config: FunctionConfig) -> WorkerFactory:
        """Python runtimes fork from a zygote; the others poll the Runtime API."""
        if uses_runtime_api(config):
            return lambda hooks: RuntimeWorker(
                config,
                hooks,
                environment=self._runtime_environment,
                sandbox=self._sandbox(config, sys.executable),
            )

        def zygote() -> ZygoteProcess:
            return self._zygote_for(config.runtime)

        def forked(hooks: WorkerHooks) -> Worker:
            return Worker(config, hooks, zygote=zygote, spawn_spec=self._spawn_spec)

        return forked

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
            endpoint_url=self._endpoint_url,
            xray_daemon=self.tracing.tracer.daemon_address if self.tracing else "",
            credentials=self._new_credentials(config),
        )
        return {
            "handler": config.handler,
            "task_root": config.code_path,
            "memory_mb": config.memory_mb,
            "env": env,
            **self._sandbox(config, self._interpreters.choose(config.runtime)),
        }

    def _new_credentials(self, config: FunctionConfig) -> tuple[str, str, str] | None:
        """A new environment's own session of the function's execution role."""
        if self.credentials is None:
            return None
        return self.credentials(config.name, config.role)

    def _sandbox(self, config: FunctionConfig, interpreter: str) -> dict[str, Any]:
        """How a worker of ``config`` isolates itself; the state directory stays hidden."""
        mode = self._isolation.mode_for(interpreter)
        return sandbox_fields(config, mode, hide=(self._state_dir,))

    def _runtime_environment(self, config: FunctionConfig, runtime_api: str) -> dict[str, str]:
        """A Runtime API process's environment: its own listener's address."""
        return environment.worker_environment(
            config,
            region=self._region,
            runtime_api=runtime_api,
            log_stream=environment.log_stream_name(config.version),
            host=self._host_env,
            endpoint_url=self._endpoint_url,
            xray_daemon=self.tracing.tracer.daemon_address if self.tracing else "",
            credentials=self._new_credentials(config),
        )

    async def _reap_forever(self) -> None:
        interval = max(0.05, min(self._idle_timeout_s / 4, 30.0))
        while True:
            await asyncio.sleep(interval)
            now = time.monotonic()
            for pool in self._pools.values():
                pool.reap(now)
            self._retired = {pool for pool in self._retired if not pool.drained}
