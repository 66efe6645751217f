"""Leases of event source mappings (mapping_lease.py) between two nodes on one store,
with a hand-moved clock, and the move of a state's old mappings file into the store."""

from __future__ import annotations

from pathlib import Path

import msgspec

from lamina.core.store_sqlite import SqliteStore
from lamina.services.lambda_.mapping_lease import HEARTBEAT_S, LEASE_S, Leases
from lamina.services.lambda_.mapping_records import EventSourceMapping, MappingRecords


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def _nodes(tmp_path: Path) -> tuple[Leases, Leases, Clock, SqliteStore]:
    store = SqliteStore(tmp_path / "control.sqlite3")
    clock = Clock()
    return Leases(store, clock), Leases(store, clock), clock, store


def test_first_node_takes_the_lease_and_the_other_waits_while_it_beats(tmp_path: Path) -> None:
    one, two, clock, _ = _nodes(tmp_path)
    one.tend({"m"})
    two.tend({"m"})
    assert one.held == {"m"} and two.held == set()
    for _ in range(10):  # the holder beats; the watcher never sees it stale
        clock.now += HEARTBEAT_S
        one.tend({"m"})
        two.tend({"m"})
    assert one.held == {"m"} and two.held == set()


def test_a_silent_holder_loses_the_lease_after_lease_s_and_cannot_checkpoint(
    tmp_path: Path,
) -> None:
    one, two, clock, store = _nodes(tmp_path)
    one.tend({"m"})
    two.tend({"m"})  # starts watching
    clock.now += LEASE_S - 0.1
    two.tend({"m"})
    assert two.held == set()
    clock.now += 0.2
    two.tend({"m"})
    assert two.held == {"m"}
    with store.transaction() as tx:
        assert not one.held_in(tx, "m")  # the old holder's checkpoint is refused
        assert two.held_in(tx, "m")
    assert one.held == set()


def test_a_released_lease_is_taken_at_once_and_an_unwanted_one_released(tmp_path: Path) -> None:
    one, two, _, _ = _nodes(tmp_path)
    one.tend({"m", "n"})
    one.tend({"n"})  # "m" disabled or gone: given up
    two.tend({"m", "n"})
    assert two.held == {"m"} and one.held == {"n"}
    one.release_all()
    two.tend({"m", "n"})
    assert two.held == {"m", "n"}


def test_an_old_state_mappings_file_moves_into_the_store(tmp_path: Path) -> None:
    mapping = EventSourceMapping(
        uuid="u-1",
        function_name="f",
        qualifier=None,
        event_source_arn="arn:aws:dynamodb:us-east-1:123456789012:table/t/stream/x",
        batch_size=10,
        starting_position="TRIM_HORIZON",
        enabled=True,
        checkpoint=42,
        last_modified=1.0,
    )
    (tmp_path / "event-source-mappings.json").write_bytes(msgspec.json.encode([mapping]))
    records = MappingRecords(None, tmp_path)
    assert records.all() == [mapping]
    assert not (tmp_path / "event-source-mappings.json").exists()
    records.close()
    again = MappingRecords(None, tmp_path)  # a restart reads it from the store
    stored = again.get("u-1")
    assert stored is not None and stored.checkpoint == 42
    again.close()
