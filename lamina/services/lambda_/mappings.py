"""Event source mappings from DynamoDB streams: the Create/Get/List/DeleteEventSourceMapping
operations, and the poller that invokes each mapping's function with batches of records.

A mapping reads its stream's records after its checkpoint, at most BatchSize at a time,
invokes the function with {"Records": [...]} and moves the checkpoint past the batch only
when the invocation succeeded; a function error retries the same batch (after a pause),
as Lambda does until the records expire. Mappings and checkpoints persist in
<state_dir>/event-source-mappings.json, so a restart resumes where the last one stopped.
https://docs.aws.amazon.com/lambda/latest/dg/with-ddb.html
https://docs.aws.amazon.com/lambda/latest/api/API_CreateEventSourceMapping.html
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol

import msgspec

from lamina.aws.service import AwsRequestContext, Handler, OperationInput, OperationOutput
from lamina.services.lambda_ import names
from lamina.services.lambda_.error import invalid, not_found
from lamina.services.lambda_.state import LambdaState

log = logging.getLogger("lamina.services.lambda")

DEFAULT_BATCH_SIZE = 100
MAX_BATCH_SIZE = 10000
MAX_RETRIES = 10000
POLL_INTERVAL_S = 0.25
RETRY_PAUSE_S = 1.0


class StreamSource(Protocol):
    """Where a mapping's records come from (services.dynamodb.streams_provider.Streams)."""

    def latest_of(self, arn: str) -> int:
        """The stream's latest sequence number; a ServiceError if there is no such stream."""
        ...

    def events_after(self, arn: str, after: int, limit: int) -> list[tuple[int, dict[str, Any]]]:
        """At most `limit` (sequence, Lambda event record) after `after`."""
        ...


class EventSourceMapping(msgspec.Struct, kw_only=True):
    uuid: str
    function_name: str
    qualifier: str | None
    event_source_arn: str
    batch_size: int
    starting_position: str
    enabled: bool
    checkpoint: int
    """The sequence number of the last record the function took successfully."""
    last_modified: float
    last_result: str = "No records processed"
    bisect: bool = False
    """BisectBatchOnFunctionError: a failed batch is retried in halves."""
    max_retries: int = -1
    """MaximumRetryAttempts: -1 retries until the function succeeds; N drops a batch that
    failed N + 1 times (there is no on-failure destination yet)."""
    attempts: int = 0
    """Failed invocations of the batch at the checkpoint so far."""
    bisect_limit: int | None = None
    bisect_until: int = 0
    """While the checkpoint is below this, batches hold at most `bisect_limit` records."""


class EventSourceMappings:
    """The mappings of one Lambda provider, and their poller."""

    def __init__(self, state: LambdaState, state_dir: Path) -> None:
        self._state = state
        self._path = state_dir / "event-source-mappings.json"
        self._mappings: dict[str, EventSourceMapping] = {}
        if self._path.exists():
            for mapping in msgspec.json.decode(
                self._path.read_bytes(), type=list[EventSourceMapping]
            ):
                self._mappings[mapping.uuid] = mapping
        self.source: StreamSource | None = None
        self._task: asyncio.Task[None] | None = None
        self._retry_at: dict[str, float] = {}

    def handlers(self) -> dict[str, Handler]:
        return {
            "CreateEventSourceMapping": self._create,
            "GetEventSourceMapping": self._get,
            "ListEventSourceMappings": self._list,
            "DeleteEventSourceMapping": self._delete,
            "UpdateEventSourceMapping": self._update,
        }

    def _save(self) -> None:
        self._path.parent.mkdir(parents=True, exist_ok=True)
        temporary = self._path.with_suffix(".tmp")
        temporary.write_bytes(msgspec.json.encode(list(self._mappings.values())))
        temporary.replace(self._path)

    def _describe(self, mapping: EventSourceMapping, state: str | None = None) -> OperationOutput:
        """https://docs.aws.amazon.com/lambda/latest/api/API_EventSourceMappingConfiguration.html"""
        return {
            "UUID": mapping.uuid,
            "StartingPosition": mapping.starting_position,
            "BatchSize": mapping.batch_size,
            "MaximumBatchingWindowInSeconds": 0,
            "EventSourceArn": mapping.event_source_arn,
            "FunctionArn": self._state.function_arn(mapping.function_name, mapping.qualifier),
            "LastModified": datetime.fromtimestamp(mapping.last_modified, UTC),
            "LastProcessingResult": mapping.last_result,
            "State": state or ("Enabled" if mapping.enabled else "Disabled"),
            "StateTransitionReason": "User action",
            "MaximumRetryAttempts": mapping.max_retries,
            "MaximumRecordAgeInSeconds": -1,
            "BisectBatchOnFunctionError": mapping.bisect,
            "ParallelizationFactor": 1,
            "FunctionResponseTypes": [],
        }

    def _require(self, params: OperationInput) -> EventSourceMapping:
        mapping = self._mappings.get(params["UUID"])
        if mapping is None:
            raise not_found(
                "The resource you requested does not exist. "
                f"(Service: Lambda, Status Code: 404, Request ID: {uuid.uuid4()})"
            )
        return mapping

    async def _create(self, ctx: AwsRequestContext, params: OperationInput) -> OperationOutput:
        name, qualifier = names.function_name(params["FunctionName"])
        self._state.config(name, qualifier)  # ResourceNotFoundException for a missing one
        arn = params.get("EventSourceArn")
        if not isinstance(arn, str) or ":dynamodb:" not in arn or "/stream/" not in arn:
            raise invalid("Lamina's event source mappings read DynamoDB streams only")
        position = params.get("StartingPosition")
        if position not in ("TRIM_HORIZON", "LATEST"):
            raise invalid("StartingPosition must be TRIM_HORIZON or LATEST for a DynamoDB stream")
        batch = int(params.get("BatchSize", DEFAULT_BATCH_SIZE))
        if not 1 <= batch <= MAX_BATCH_SIZE:
            raise invalid(f"BatchSize must be between 1 and {MAX_BATCH_SIZE}")
        retries = int(params.get("MaximumRetryAttempts", -1))
        if not -1 <= retries <= MAX_RETRIES:
            raise invalid(f"MaximumRetryAttempts must be between -1 and {MAX_RETRIES}")
        if self.source is None:
            raise invalid("DynamoDB streams are not served here")
        latest = self.source.latest_of(arn)
        mapping = EventSourceMapping(
            uuid=str(uuid.uuid4()),
            function_name=name,
            qualifier=qualifier,
            event_source_arn=arn,
            batch_size=batch,
            starting_position=position,
            enabled=bool(params.get("Enabled", True)),
            checkpoint=latest if position == "LATEST" else 0,
            last_modified=time.time(),
            bisect=bool(params.get("BisectBatchOnFunctionError", False)),
            max_retries=retries,
        )
        self._mappings[mapping.uuid] = mapping
        self._save()
        return self._describe(mapping, "Creating")

    def adopt(
        self,
        key: str,
        *,
        function_name: str,
        qualifier: str | None,
        arn: str,
        batch_size: int,
        starting_position: str,
        enabled: bool,
    ) -> None:
        """A template's mapping (`key`: stack and logical id): created on the first `lamina
        up`, kept with its checkpoint by the next ones while it reads the same stream."""
        assert self.source is not None
        mapping_id = str(uuid.uuid5(uuid.NAMESPACE_URL, f"lamina-event-source-mapping:{key}"))
        known = self._mappings.get(mapping_id)
        if known is not None and known.event_source_arn == arn:
            known.function_name, known.qualifier = function_name, qualifier
            known.batch_size, known.enabled = batch_size, enabled
        else:
            latest = self.source.latest_of(arn)
            self._mappings[mapping_id] = EventSourceMapping(
                uuid=mapping_id,
                function_name=function_name,
                qualifier=qualifier,
                event_source_arn=arn,
                batch_size=batch_size,
                starting_position=starting_position,
                enabled=enabled,
                checkpoint=latest if starting_position == "LATEST" else 0,
                last_modified=time.time(),
            )
        self._save()

    async def _get(self, ctx: AwsRequestContext, params: OperationInput) -> OperationOutput:
        return self._describe(self._require(params))

    async def _list(self, ctx: AwsRequestContext, params: OperationInput) -> OperationOutput:
        found = list(self._mappings.values())
        if "EventSourceArn" in params:
            found = [m for m in found if m.event_source_arn == params["EventSourceArn"]]
        if "FunctionName" in params:
            name, _ = names.function_name(params["FunctionName"])
            found = [m for m in found if m.function_name == name]
        start = int(params.get("Marker") or 0)
        limit = int(params.get("MaxItems", 100))
        output: OperationOutput = {
            "EventSourceMappings": [self._describe(m) for m in found[start : start + limit]]
        }
        if start + limit < len(found):
            output["NextMarker"] = str(start + limit)
        return output

    async def _update(self, ctx: AwsRequestContext, params: OperationInput) -> OperationOutput:
        """Enabled, BatchSize, FunctionName, BisectBatchOnFunctionError and
        MaximumRetryAttempts; the checkpoint stays.
        https://docs.aws.amazon.com/lambda/latest/api/API_UpdateEventSourceMapping.html"""
        mapping = self._require(params)
        if "FunctionName" in params:
            name, qualifier = names.function_name(params["FunctionName"])
            self._state.config(name, qualifier)
            mapping.function_name, mapping.qualifier = name, qualifier
        if "BatchSize" in params:
            batch = int(params["BatchSize"])
            if not 1 <= batch <= MAX_BATCH_SIZE:
                raise invalid(f"BatchSize must be between 1 and {MAX_BATCH_SIZE}")
            mapping.batch_size = batch
        if "MaximumRetryAttempts" in params:
            retries = int(params["MaximumRetryAttempts"])
            if not -1 <= retries <= MAX_RETRIES:
                raise invalid(f"MaximumRetryAttempts must be between -1 and {MAX_RETRIES}")
            mapping.max_retries = retries
        if "BisectBatchOnFunctionError" in params:
            mapping.bisect = bool(params["BisectBatchOnFunctionError"])
        if "Enabled" in params:
            mapping.enabled = bool(params["Enabled"])
        mapping.last_modified = time.time()
        self._save()
        return self._describe(mapping, "Updating")

    async def _delete(self, ctx: AwsRequestContext, params: OperationInput) -> OperationOutput:
        mapping = self._require(params)
        del self._mappings[mapping.uuid]
        self._save()
        return self._describe(mapping, "Deleting")

    async def start(self) -> None:
        if self._task is None:
            self._task = asyncio.get_running_loop().create_task(self._run())

    def cancel(self) -> None:
        if self._task is not None:
            self._task.cancel()
            self._task = None

    async def _run(self) -> None:
        while True:
            await asyncio.sleep(POLL_INTERVAL_S)
            for mapping in list(self._mappings.values()):
                if not mapping.enabled or self._retry_at.get(mapping.uuid, 0) > time.monotonic():
                    continue
                try:
                    await self.poll(mapping)
                except asyncio.CancelledError:
                    raise
                except Exception:  # a bug of ours, or the stream is gone: try again later
                    log.exception("event source mapping %s failed", mapping.uuid)
                    self._retry_at[mapping.uuid] = time.monotonic() + RETRY_PAUSE_S

    async def poll(self, mapping: EventSourceMapping) -> bool:
        """Deliver one batch; True if the function took it (the checkpoint moved)."""
        assert self.source is not None
        limit = mapping.batch_size
        if mapping.bisect_limit is not None and mapping.checkpoint < mapping.bisect_until:
            limit = min(limit, mapping.bisect_limit)
        batch = self.source.events_after(mapping.event_source_arn, mapping.checkpoint, limit)
        if not batch:
            return False
        records = [{**event, "eventSourceARN": mapping.event_source_arn} for _, event in batch]
        payload = json.dumps({"Records": records}).encode()
        result = await self._state.functions.invoke(
            mapping.function_name, payload, qualifier=mapping.qualifier
        )
        if result.function_error is not None:
            self._failed(mapping, batch)
            return False
        if mapping.uuid in self._mappings:  # not deleted while the function ran
            mapping.checkpoint = batch[-1][0]
            mapping.attempts = 0
            mapping.last_result = "OK"
            self._save()
        return True

    def _failed(self, mapping: EventSourceMapping, batch: list[tuple[int, dict[str, Any]]]) -> None:
        """Retry the batch (in halves when bisecting) or, past MaximumRetryAttempts, drop it.
        https://docs.aws.amazon.com/lambda/latest/dg/services-ddb-batchfailurereporting.html"""
        mapping.last_result = "PROBLEM: Function call failed"
        self._retry_at[mapping.uuid] = time.monotonic() + RETRY_PAUSE_S
        if mapping.bisect and len(batch) > 1:
            # Splitting is not a retry attempt: each half gets MaximumRetryAttempts of its own.
            mapping.bisect_limit = len(batch) // 2
            mapping.bisect_until = max(mapping.bisect_until, batch[-1][0])
            mapping.attempts = 0
        else:
            mapping.attempts += 1
            if 0 <= mapping.max_retries < mapping.attempts:
                log.warning(
                    "event source mapping %s: dropping %d records after %d failed attempts",
                    mapping.uuid,
                    len(batch),
                    mapping.attempts,
                )
                mapping.checkpoint = batch[-1][0]
                mapping.attempts = 0
        if mapping.uuid in self._mappings:
            self._save()
