"""Event source mappings from DynamoDB streams: the Create/Get/List/Update/Delete
EventSourceMapping operations (and a template's mappings, `adopt`), on the mappings kept
in the control-plane Store (mapping_records.py) with their checkpoints, so a restart
resumes where the last one stopped and nodes sharing a store share the mappings. The
poller (mapping_poller.py) delivers each mapping from the one node holding its lease
(mapping_lease.py).
https://docs.aws.amazon.com/lambda/latest/dg/with-ddb.html
https://docs.aws.amazon.com/lambda/latest/api/API_CreateEventSourceMapping.html
"""

from __future__ import annotations

import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

from lamina.aws.service import AwsRequestContext, Handler, OperationInput, OperationOutput
from lamina.services.lambda_ import names
from lamina.services.lambda_.error import invalid, not_found
from lamina.services.lambda_.mapping_lease import Leases
from lamina.services.lambda_.mapping_poller import MappingPoller, StreamSource
from lamina.services.lambda_.mapping_records import MAPPINGS, EventSourceMapping, MappingRecords
from lamina.services.lambda_.state import LambdaState

DEFAULT_BATCH_SIZE = 100
MAX_BATCH_SIZE = 10000
MAX_RETRIES = 10000


class EventSourceMappings:
    """The mappings of one Lambda provider, and their poller."""

    def __init__(self, state: LambdaState, state_dir: Path) -> None:
        self._state = state
        store = state.records.store if state.records is not None else None
        self.records = MappingRecords(store, state_dir)
        self.poller = MappingPoller(state, self.records, Leases(self.records.store))

    @property
    def source(self) -> StreamSource | None:
        return self.poller.source

    @source.setter
    def source(self, source: StreamSource | None) -> None:
        self.poller.source = source

    def handlers(self) -> dict[str, Handler]:
        return {
            "CreateEventSourceMapping": self._create,
            "GetEventSourceMapping": self._get,
            "ListEventSourceMappings": self._list,
            "DeleteEventSourceMapping": self._delete,
            "UpdateEventSourceMapping": self._update,
        }

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
        mapping = self.records.get(params["UUID"])
        if mapping is None:
            raise _missing()
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
        self.records.put(mapping)
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
        latest = self.source.latest_of(arn)
        with self.records.store.transaction() as tx:  # nodes starting together agree
            known = self.records.get(mapping_id, tx)
            if known is not None and known.event_source_arn == arn:
                known.function_name, known.qualifier = function_name, qualifier
                known.batch_size, known.enabled = batch_size, enabled
            else:
                known = EventSourceMapping(
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
            self.records.put(known, tx)

    async def _get(self, ctx: AwsRequestContext, params: OperationInput) -> OperationOutput:
        return self._describe(self._require(params))

    async def _list(self, ctx: AwsRequestContext, params: OperationInput) -> OperationOutput:
        found = self.records.all()
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
        self._require(params)
        function: tuple[str, str | None] | None = None
        if "FunctionName" in params:
            function = names.function_name(params["FunctionName"])
            self._state.config(*function)  # ResourceNotFoundException for a missing one
        batch = params.get("BatchSize")
        if batch is not None and not 1 <= int(batch) <= MAX_BATCH_SIZE:
            raise invalid(f"BatchSize must be between 1 and {MAX_BATCH_SIZE}")
        retries = params.get("MaximumRetryAttempts")
        if retries is not None and not -1 <= int(retries) <= MAX_RETRIES:
            raise invalid(f"MaximumRetryAttempts must be between -1 and {MAX_RETRIES}")

        def apply(mapping: EventSourceMapping) -> None:
            if function is not None:
                mapping.function_name, mapping.qualifier = function
            if batch is not None:
                mapping.batch_size = int(batch)
            if retries is not None:
                mapping.max_retries = int(retries)
            if "BisectBatchOnFunctionError" in params:
                mapping.bisect = bool(params["BisectBatchOnFunctionError"])
            if "Enabled" in params:
                mapping.enabled = bool(params["Enabled"])
            mapping.last_modified = time.time()

        updated = self.records.change(params["UUID"], apply)
        if updated is None:
            raise _missing()
        return self._describe(updated, "Updating")

    async def _delete(self, ctx: AwsRequestContext, params: OperationInput) -> OperationOutput:
        with self.records.store.transaction() as tx:
            mapping = self.records.get(params["UUID"], tx)
            if mapping is None:
                raise _missing()
            tx.delete(MAPPINGS, mapping.uuid)
            self.poller.leases.forget(tx, mapping.uuid)
        return self._describe(mapping, "Deleting")

    async def start(self) -> None:
        await self.poller.start()

    def cancel(self) -> None:
        self.poller.cancel()


def _missing() -> Exception:
    return not_found(
        "The resource you requested does not exist. "
        f"(Service: Lambda, Status Code: 404, Request ID: {uuid.uuid4()})"
    )
