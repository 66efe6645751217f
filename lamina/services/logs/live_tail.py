"""StartLiveTail: a session streaming the log events ingested into up to 10 log groups from
now on, as an event stream: `sessionStart`, then a `sessionUpdate` about every second with
the new events (at most 500 each, sampled beyond that), until the client leaves or the
session ends after three hours (SessionTimeoutException).
https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_StartLiveTail.html
https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/CloudWatchLogs_LiveTail.html

Clients: botocore prefixes this operation's host with `stream-` (the model's hostPrefix);
against a local endpoint set `Config(inject_host_prefix=False)`.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import time
import uuid
from collections.abc import AsyncGenerator, AsyncIterator
from typing import Any

from lamina.aws.eventstream import EventStreamError, EventStreamOutput
from lamina.aws.service import AwsRequestContext, OperationInput, OperationOutput, ServiceError
from lamina.services.logs.pattern import compile_pattern
from lamina.services.logs.service import LogService

log = logging.getLogger("lamina.services.logs")

MAX_GROUPS = 10
MAX_RESULTS = 500
"""Events per update; more are sampled down to this many."""
SESSION_S = 3 * 3600.0
UPDATE_S = 1.0


def _invalid(message: str) -> ServiceError:
    return ServiceError("InvalidParameterException", message)


def _group_name(identifier: str) -> str:
    """A log group ARN (without a trailing `:*`, which AWS refuses) or name -> its name."""
    if identifier.endswith("*"):
        raise _invalid("logGroupIdentifiers: an ARN can't end with an asterisk (*).")
    if identifier.startswith("arn:"):
        _, _, rest = identifier.partition(":log-group:")
        return rest
    return identifier


class LiveTail:
    def __init__(
        self, logs: LogService, *, update_s: float = UPDATE_S, session_s: float = SESSION_S
    ) -> None:
        self._logs = logs
        self._update_s = update_s
        self._session_s = session_s

    async def start(self, ctx: AwsRequestContext, params: OperationInput) -> OperationOutput:
        identifiers = list(params["logGroupIdentifiers"])
        if not 1 <= len(identifiers) <= MAX_GROUPS:
            raise _invalid(f"logGroupIdentifiers: between 1 and {MAX_GROUPS} log groups.")
        names = params.get("logStreamNames")
        prefixes = params.get("logStreamNamePrefixes")
        if names and prefixes:
            raise _invalid("logStreamNames and logStreamNamePrefixes cannot both be specified.")
        if (names or prefixes) and len(identifiers) != 1:
            raise _invalid(
                "Specify exactly one log group when filtering by log stream names or prefixes."
            )
        groups = {_group_name(i): i for i in identifiers}
        for group in groups:
            if self._logs.store.group(group) is None:
                raise ServiceError(
                    "ResourceNotFoundException", f"Log group {group} does not exist."
                )
        matches = compile_pattern(params.get("logEventFilterPattern"))
        start: dict[str, Any] = {
            "requestId": ctx.request_id,
            "sessionId": str(uuid.uuid4()),
            "logGroupIdentifiers": identifiers,
        }
        for key in ("logStreamNames", "logStreamNamePrefixes", "logEventFilterPattern"):
            if params.get(key):
                start[key] = params[key]
        after = self._logs.store.last_id()

        def wanted(stream: str, message: str) -> bool:
            if names and stream not in names:
                return False
            if prefixes and not any(stream.startswith(p) for p in prefixes):
                return False
            return matches(message)

        async def events() -> AsyncIterator[tuple[str, dict[str, Any]]]:
            yield "sessionStart", start
            try:
                async with contextlib.aclosing(updates()) as session:
                    async for update in session:
                        yield "sessionUpdate", update
            except Exception as error:
                # "A SessionStreamingException object is returned if an unknown error occurs
                # on the server side" (the stream ends with it, not cut short).
                log.exception("Live Tail session %s failed", start["sessionId"])
                raise EventStreamError("SessionStreamingException", str(error)) from error
            raise EventStreamError(
                "SessionTimeoutException", "Live Tail session has ended as it reached its timeout."
            )

        async def updates() -> AsyncGenerator[dict[str, Any], None]:
            nonlocal after
            ends = time.monotonic() + self._session_s
            loop = asyncio.get_running_loop()
            while time.monotonic() < ends:
                await asyncio.sleep(self._update_s)
                found = await loop.run_in_executor(
                    None, self._logs.store.ingested_after, list(groups), after, 10_000
                )
                if found:
                    after = found[-1][1].id
                results = [
                    {
                        "logStreamName": record.stream,
                        "logGroupIdentifier": groups[group],
                        "message": record.message,
                        "timestamp": record.timestamp,
                        "ingestionTime": record.ingestion,
                    }
                    for group, record in found
                    if wanted(record.stream, record.message)
                ]
                sampled = len(results) > MAX_RESULTS
                if sampled:
                    results = sorted(
                        random.sample(results, MAX_RESULTS), key=lambda r: r["ingestionTime"]
                    )
                yield {"sessionMetadata": {"sampled": sampled}, "sessionResults": results}

        return {"responseStream": EventStreamOutput(events())}
