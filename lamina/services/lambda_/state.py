"""What the Lambda API keeps beside the runtime: descriptive fields, policies, layers.

FunctionService holds what running a function needs (code, handler, memory, versions,
aliases, concurrency); this state holds what only the API shows (role, description,
CodeSha256, RevisionId ...), keyed by function name and version, in memory. Given a
control-plane Store, every change is also written there (persist.py, records.py) and
read back when the provider starts.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from lamina.aws.execution import ExecutionRoles
from lamina.aws.service import AwsRequestContext, OperationInput, OperationOutput
from lamina.core.store import Store
from lamina.functions.asynchronous.invoker import AsyncInvoker
from lamina.functions.asynchronous.model import (
    DEFAULT_EVENT_AGE_S,
    DEFAULT_RETRY_ATTEMPTS,
    EventConfig,
)
from lamina.functions.asynchronous.sqlite import SqliteInvocationQueue
from lamina.functions.error import FunctionNotFoundError
from lamina.functions.model import FunctionConfig
from lamina.functions.service import FunctionService
from lamina.services.lambda_ import code
from lamina.services.lambda_.error import function_not_found
from lamina.services.lambda_.meta import FunctionMeta, LayerRef, LayerVersion
from lamina.services.lambda_.records import LambdaRecords


def timestamp(now: float | None = None) -> str:
    """Lambda's LastModified format: ``2024-01-01T00:00:00.000+0000``.

    https://docs.aws.amazon.com/lambda/latest/api/API_FunctionConfiguration.html
    """
    moment = now if now is not None else time.time()
    millis = int((moment % 1) * 1000)
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(moment)) + f".{millis:03d}+0000"


def new_revision() -> str:
    return str(uuid.uuid4())


_Key = tuple[str, str]  # (function name, version or qualifier)


class LambdaState:
    """Everything an operation handler needs; one per provider."""

    def __init__(
        self,
        functions: FunctionService,
        *,
        region: str,
        account_id: str,
        state_dir: Path,
        store: Store | None = None,
    ) -> None:
        self.functions = functions
        self.region = region
        self.account_id = account_id
        self.code = code.CodeStore(state_dir / "code")
        self.layer_code = code.CodeStore(state_dir / "layers")
        self.meta: dict[_Key, FunctionMeta] = {}
        self.policies: dict[_Key, list[dict[str, Any]]] = {}
        self.policy_decisions: dict[tuple[str, ...], bool] = {}
        """Invoke decisions already taken (checked on every gateway call); emptied
        whenever a policy changes."""
        self.event_configs: dict[_Key, dict[str, Any]] = {}
        self.layers: dict[str, list[LayerVersion]] = {}
        """Layer name -> its versions, oldest first (published or from the template)."""
        self.dead_letters: dict[str, str] = {}
        """Function name -> its DeadLetterConfig TargetArn (set with the function's
        configuration by CreateFunction / UpdateFunctionConfiguration)."""
        self.records = LambdaRecords(store, state_dir) if store is not None else None
        """Where changes are kept across restarts; None: in memory only."""
        self.execution_roles: ExecutionRoles | None = None
        """The roles functions may run as (lamina up wires them); None: any role."""
        self.made_by_api: set[str] = set()
        """Functions CreateFunction made (the others come from the template)."""
        self.template_statements: set[tuple[str, str, str]] = set()
        """(function, qualifier, Sid) of the template's permission statements, which the
        template grants again at each start and so are not stored."""
        self.async_invoker = AsyncInvoker(
            functions,
            SqliteInvocationQueue.in_state_dir(state_dir),
            region=region,
            account_id=account_id,
            configs=self.event_config,
        )
        """Runs InvocationType Event invocations from the durable queue under
        ``<state_dir>/async/``: the server calls ``await start()`` when it starts (to resume
        events a previous run left) and ``await close()`` before it closes the functions."""

    def function_arn(self, name: str, qualifier: str | None = None) -> str:
        arn = f"arn:aws:lambda:{self.region}:{self.account_id}:function:{name}"
        return f"{arn}:{qualifier}" if qualifier else arn

    def layer_arn(self, name: str, version: int | None = None) -> str:
        arn = f"arn:aws:lambda:{self.region}:{self.account_id}:layer:{name}"
        return f"{arn}:{version}" if version is not None else arn

    def config(self, name: str, qualifier: str | None = None) -> FunctionConfig:
        """The configuration at ``qualifier``, or ResourceNotFoundException."""
        try:
            return self.functions.get(name, qualifier)
        except FunctionNotFoundError as error:
            raise function_not_found(self.function_arn(name, qualifier)) from error

    def meta_of(self, name: str, version: str) -> FunctionMeta:
        """The API fields of a version; synthesized once for template-declared functions."""
        meta = self.meta.get((name, version))
        if meta is None:
            config = self.functions.get(name, version)
            sha, size = code.describe_folder(Path(config.code_path))
            meta = FunctionMeta(
                code_sha256=sha,
                code_size=size,
                layers=self._layers_at(config.layers),
                last_modified=timestamp(),
                revision_id=new_revision(),
                role=f"arn:aws:iam::{self.account_id}:role/lamina-{name}",
            )
            self.meta[(name, version)] = meta
        return meta

    def _layers_at(self, folders: tuple[str, ...]) -> tuple[LayerRef, ...]:
        """The Layers entries of a template function: its folders' layer versions (the
        template's layers are adopted before its functions are described)."""
        by_path = {v.path: v for versions in self.layers.values() for v in versions}
        held = [by_path[folder] for folder in folders if folder in by_path]
        return tuple(LayerRef(self.layer_arn(v.name, v.version), v.code_size) for v in held)

    def event_config(self, name: str, qualifier: str | None) -> EventConfig:
        """The asynchronous invocation settings of ``name`` at ``qualifier`` (Lambda's
        defaults when PutFunctionEventInvokeConfig set none) and its dead-letter target.

        https://docs.aws.amazon.com/lambda/latest/api/API_PutFunctionEventInvokeConfig.html
        """
        stored = self.event_configs.get((name, qualifier or "$LATEST"), {})
        destinations = stored.get("DestinationConfig") or {}
        return EventConfig(
            maximum_retry_attempts=stored.get("MaximumRetryAttempts", DEFAULT_RETRY_ATTEMPTS),
            maximum_event_age_s=stored.get("MaximumEventAgeInSeconds", DEFAULT_EVENT_AGE_S),
            on_success=(destinations.get("OnSuccess") or {}).get("Destination"),
            on_failure=(destinations.get("OnFailure") or {}).get("Destination"),
            dead_letter=self.dead_letters.get(name),
        )

    def forget(self, name: str, version: str | None = None) -> None:
        """Drop what the store keeps for a function (or one of its versions)."""
        for table in (self.meta, self.policies, self.event_configs):
            for key in [k for k in table if k[0] == name and version in (None, k[1])]:
                del table[key]
        self.policy_decisions.clear()
        if version is None:
            self.dead_letters.pop(name, None)
            self.made_by_api.discard(name)
            self.template_statements = {s for s in self.template_statements if s[0] != name}


Operation = Callable[[LambdaState, AwsRequestContext, OperationInput], Awaitable[OperationOutput]]
