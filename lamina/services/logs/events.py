"""PutLogEvents, GetLogEvents and FilterLogEvents.

Positions in a log are (timestamp, id); tokens carry one as 56 digits, the length of
AWS's own: GetLogEvents hands back `f/<digits>/s` (read on after it) and `b/<digits>/s`
(read back before it), and at either end repeats the token it was given, the signal
AWS's clients loop on.
https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_GetLogEvents.html
"""

from __future__ import annotations

import asyncio
import itertools
import re
from typing import Any

from lamina.aws.service import OperationInput, OperationOutput
from lamina.services.logs.pattern import Matcher, PatternError, compile_pattern
from lamina.services.logs.service import LogService, invalid, no_stream
from lamina.services.logs.store import EventRecord, NewEvent, Position

# PutLogEvents' limits.
# https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_PutLogEvents.html
MAX_BATCH_BYTES = 1_048_576
EVENT_OVERHEAD_BYTES = 26
MAX_BATCH_EVENTS = 10_000
TOO_NEW_MS = 2 * 3600 * 1000
TOO_OLD_MS = 14 * 86_400 * 1000
MAX_SPAN_MS = 24 * 3600 * 1000
# GetLogEvents / FilterLogEvents answer at most 10,000 events (and 1 MB) a call.
MAX_EVENTS = 10_000
MAX_RESPONSE_BYTES = 1_048_576
# FilterLogEvents reads at most this many events a call, then hands back a token
# (AWS too answers a long search in pages, some of them empty).
SCAN_BUDGET = 50_000

_TOKEN = re.compile(r"(?P<direction>[fb])/(?P<position>\d{56})/s")


def encode_position(position: Position) -> str:
    return f"{position[0]:020d}{position[1]:036d}"


def decode_position(digits: str) -> Position:
    return int(digits[:20]), int(digits[20:])


def put_log_events(logs: LogService, params: OperationInput) -> OperationOutput:
    group = logs.group({"logGroupName": params["logGroupName"]})
    stream = logs.store.stream(group.name, params["logStreamName"])
    if stream is None:
        raise no_stream()
    events: list[dict[str, Any]] = params["logEvents"]
    _check_batch(events)
    now = logs.now_ms()
    oldest = now - TOO_OLD_MS
    if group.retention_days is not None:
        oldest = max(oldest, now - group.retention_days * 86_400_000)
    accepted: list[NewEvent] = []
    rejected: dict[str, int] = {}
    for index, event in enumerate(events):
        timestamp = int(event["timestamp"])
        if timestamp > now + TOO_NEW_MS:
            rejected.setdefault("tooNewLogEventStartIndex", index)
        elif timestamp < now - TOO_OLD_MS:
            rejected["tooOldLogEventEndIndex"] = index + 1
        elif timestamp < oldest:
            rejected["expiredLogEventEndIndex"] = index + 1
        else:
            accepted.append(NewEvent(timestamp, event["message"]))
    if accepted and accepted[-1].timestamp - accepted[0].timestamp > MAX_SPAN_MS:
        raise invalid(
            "The batch of log events in a single PutLogEvents request cannot span more than "
            "24 hours."
        )
    logs.store.append([(group.name, stream.name, accepted)], now)
    output: dict[str, Any] = {"nextSequenceToken": f"{now:056d}"}
    if rejected:
        output["rejectedLogEventsInfo"] = rejected
    return output


def _check_batch(events: list[dict[str, Any]]) -> None:
    if len(events) > MAX_BATCH_EVENTS:
        raise invalid(
            f"1 validation error detected: Value at 'logEvents' failed to satisfy constraint: "
            f"Member must have length less than or equal to {MAX_BATCH_EVENTS}"
        )
    size = sum(len(str(e["message"]).encode()) + EVENT_OVERHEAD_BYTES for e in events)
    if size > MAX_BATCH_BYTES:
        raise invalid(f"Upload too large: {size} bytes exceeds limit of {MAX_BATCH_BYTES}")
    timestamps = [int(e["timestamp"]) for e in events]
    if any(later < earlier for earlier, later in itertools.pairwise(timestamps)):
        raise invalid("Log events in a single PutLogEvents request must be in chronological order.")


def _limit(params: OperationInput) -> int:
    limit = int(params.get("limit", MAX_EVENTS))
    if not 1 <= limit <= MAX_EVENTS:
        raise invalid(
            f"1 validation error detected: Value '{limit}' at 'limit' failed to satisfy "
            f"constraint: Member must have value less than or equal to {MAX_EVENTS}"
        )
    return limit


def _within_size(events: list[EventRecord]) -> list[EventRecord]:
    """As many events as fit in a 1 MB answer (at least one)."""
    total = 0
    for count, event in enumerate(events):
        total += len(event.message.encode()) + EVENT_OVERHEAD_BYTES
        if total > MAX_RESPONSE_BYTES and count > 0:
            return events[:count]
    return events


async def get_log_events(logs: LogService, params: OperationInput) -> OperationOutput:
    # Reads run off the event loop: a long one must not hold up other requests.
    return await asyncio.to_thread(_get_log_events, logs, params)


def _get_log_events(logs: LogService, params: OperationInput) -> OperationOutput:
    group = logs.group(params)
    stream = logs.stream(group.name, params["logStreamName"])
    limit = _limit(params)
    token = params.get("nextToken")
    start_ms, end_ms = params.get("startTime"), params.get("endTime")
    if token:
        match = _TOKEN.fullmatch(str(token))
        if match is None:
            raise invalid("The specified nextToken is invalid.")
        position = decode_position(match.group("position"))
        forward = match.group("direction") == "f"
    else:
        position, forward = None, bool(params.get("startFromHead", False))
    query = logs.store.events
    if forward:
        found = _within_size(
            query(
                group.name, [stream.name], after=position, start_ms=start_ms, end_ms=end_ms,
                limit=limit,
            )
        )  # fmt: skip
    else:
        found = query(
            group.name, [stream.name], before=position, start_ms=start_ms, end_ms=end_ms,
            limit=limit, newest_first=True,
        )  # fmt: skip
        found = list(reversed(_within_size(found)))
    if found:
        first, last = found[0], found[-1]
        start, end = (first.timestamp, first.id), (last.timestamp, last.id)
    else:
        start = end = position or (0, 0)
    return {
        "events": [
            {"timestamp": e.timestamp, "message": e.message, "ingestionTime": e.ingestion}
            for e in found
        ],
        "nextForwardToken": f"f/{encode_position(end)}/s",
        "nextBackwardToken": f"b/{encode_position(start)}/s",
    }


async def filter_log_events(logs: LogService, params: OperationInput) -> OperationOutput:
    return await asyncio.to_thread(_filter_log_events, logs, params)


def _filter_log_events(logs: LogService, params: OperationInput) -> OperationOutput:
    # https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_FilterLogEvents.html
    group = logs.group(params)
    streams, chosen = _streams(logs, group.name, params)
    try:
        matches = compile_pattern(params.get("filterPattern"))
    except PatternError as error:
        raise invalid(f"Invalid filter pattern: {error}") from None
    limit = _limit(params)
    token = params.get("nextToken")
    if token and not re.fullmatch(r"\d{56}", str(token)):
        raise invalid("The specified nextToken is invalid.")
    position = decode_position(str(token)) if token else None
    end = params.get("endTime")
    found, position, more = _scan(
        logs, group.name, chosen, matches, position, limit, params.get("startTime"),
        None if end is None else int(end) + 1,
    )  # fmt: skip
    output: dict[str, Any] = {
        "events": [_filtered_event(event) for event in found],
        "searchedLogStreams": [
            {"logStreamName": name, "searchedCompletely": not more} for name in streams
        ],
    }
    if more and position is not None:
        output["nextToken"] = encode_position(position)
    return output


def _streams(
    logs: LogService, group: str, params: OperationInput
) -> tuple[list[str], list[str] | None]:
    """The streams searched, and the same list when the caller chose some (None: all)."""
    names = params.get("logStreamNames")
    prefix = params.get("logStreamNamePrefix")
    if names and prefix:
        raise invalid("logStreamNames and logStreamNamePrefix are mutually exclusive")
    streams = [stream.name for stream in logs.store.streams(group)]
    if names:
        streams = [name for name in streams if name in set(names)]
    elif prefix:
        streams = [name for name in streams if name.startswith(prefix)]
    return streams, (streams if names or prefix else None)


def _filtered_event(event: EventRecord) -> dict[str, Any]:
    return {
        "logStreamName": event.stream,
        "timestamp": event.timestamp,
        "message": event.message,
        "ingestionTime": event.ingestion,
        "eventId": encode_position((event.timestamp, event.id)),
    }


def _scan(
    logs: LogService,
    group: str,
    streams: list[str] | None,
    matches: Matcher,
    position: Position | None,
    limit: int,
    start_ms: int | None,
    end_ms: int | None,
) -> tuple[list[EventRecord], Position | None, bool]:
    """Matching events from `position` on: (found, where the next page starts, more?)."""
    found: list[EventRecord] = []
    if streams == []:
        return found, position, False
    scanned = 0
    size = 0
    while scanned < SCAN_BUDGET:
        chunk = logs.store.events(
            group, streams, after=position, start_ms=start_ms, end_ms=end_ms, limit=1000
        )
        for event in chunk:
            scanned += 1
            position = (event.timestamp, event.id)
            if matches(event.message):
                found.append(event)
                size += len(event.message.encode()) + EVENT_OVERHEAD_BYTES
                if len(found) >= limit or size >= MAX_RESPONSE_BYTES:
                    return (
                        found,
                        position,
                        _has_more(logs, group, streams, position, start_ms, end_ms),
                    )
        if len(chunk) < 1000:
            return found, position, False
    return found, position, True


def _has_more(
    logs: LogService,
    group: str,
    streams: list[str] | None,
    position: Position,
    start_ms: int | None,
    end_ms: int | None,
) -> bool:
    return bool(
        logs.store.events(group, streams, after=position, start_ms=start_ms, end_ms=end_ms, limit=1)
    )
