"""LogIngest: how an invocation's log becomes events in Lambda's group and stream, written
by the ingest thread; retention sweeps.

https://docs.aws.amazon.com/lambda/latest/dg/monitoring-cloudwatchlogs.html
"""

from __future__ import annotations

from pathlib import Path

from lamina.functions.logfile import InvocationLog
from lamina.services.logs.ingest import LogIngest, lambda_events, lambda_group, lambda_stream
from lamina.services.logs.store import GroupRecord, LogStore
from tests.clock import ManualClock

# 2024-03-05T10:00:00Z
STARTED = 1_709_632_800.0
RECORD = InvocationLog(
    function_name="greeter",
    version="$LATEST",
    environment_id="0123456789abcdef0123456789abcdef",
    environment_started=STARTED,
    text="START RequestId: r Version: $LATEST\nhi\nEND RequestId: r\nREPORT RequestId: r\t\n",
    started=STARTED + 60.0,
    ended=STARTED + 60.25,
)


def test_lambda_group_and_stream_names_follow_lambda() -> None:
    assert lambda_group(RECORD) == "/aws/lambda/greeter"
    custom = InvocationLog(**{**_fields(RECORD), "log_group": "/shared/functions"})
    assert lambda_group(custom) == "/shared/functions"
    assert lambda_stream(RECORD) == "2024/03/05/[$LATEST]0123456789abcdef0123456789abcdef"
    published = InvocationLog(**{**_fields(RECORD), "version": "3"})
    assert lambda_stream(published).startswith("2024/03/05/[3]")


def test_each_line_is_one_event_start_at_the_start_the_rest_at_the_end() -> None:
    events = lambda_events(RECORD)
    assert [e.message for e in events] == [
        "START RequestId: r Version: $LATEST\n",
        "hi\n",
        "END RequestId: r\n",
        "REPORT RequestId: r\t\n",
    ]
    start, end = int((STARTED + 60) * 1000), int((STARTED + 60.25) * 1000)
    assert [e.timestamp for e in events] == [start, end, end, end]


def test_close_writes_what_is_queued(tmp_path: Path) -> None:
    store = LogStore(tmp_path / "logs.sqlite3")
    ingest = LogIngest(store, flush_s=5.0)
    ingest.record(RECORD)
    ingest.record(RECORD)
    ingest.close()
    (stream,) = store.streams("/aws/lambda/greeter")
    assert stream.name == lambda_stream(RECORD)
    events = store.events("/aws/lambda/greeter", None, limit=100)
    assert len(events) == 8 and [e.message for e in events].count("hi\n") == 2
    store.close()


def test_sweep_deletes_only_events_older_than_their_group_retention(tmp_path: Path) -> None:
    store = LogStore(tmp_path / "logs.sqlite3")
    clock = ManualClock(STARTED + 60.25 + 86_400 + 1)  # a day and a second after the events
    store.create_group(GroupRecord(name="/aws/lambda/greeter", created_ms=0, retention_days=1))
    store.create_group(GroupRecord(name="/aws/lambda/other", created_ms=0, retention_days=3))
    ingest = LogIngest(store, clock=clock, sweep_s=3600)
    ingest.record(RECORD)
    ingest.record(InvocationLog(**{**_fields(RECORD), "function_name": "other"}))
    ingest.close()
    assert ingest.sweep() == 4
    assert store.events("/aws/lambda/greeter", None, limit=10) == []
    assert len(store.events("/aws/lambda/other", None, limit=10)) == 4
    store.close()


def _fields(record: InvocationLog) -> dict[str, object]:
    return {name: getattr(record, name) for name in record.__struct_fields__}
