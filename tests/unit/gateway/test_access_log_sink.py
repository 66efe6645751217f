"""The AccessLogWriter's sink: what `lamina up` hands to the CloudWatch Logs ingest."""

from __future__ import annotations

import time
from pathlib import Path

from lamina.gateway.access_log_writer import AccessLogWriter


async def test_access_log_writer_hands_batches_to_the_sink_with_times(tmp_path: Path) -> None:
    batches: list[list[tuple[str, int, str]]] = []
    before = time.time_ns() // 1_000_000
    writer = AccessLogWriter(tmp_path, sink=batches.append)
    writer.write("/a", "one")
    writer.write("b", "two")
    await writer.close()
    after = time.time_ns() // 1_000_000
    lines = [line for batch in batches for line in batch]
    assert [(group, line) for group, _ms, line in lines] == [("/a", "one"), ("b", "two")]
    assert all(before <= ms <= after for _group, ms, _line in lines)
    assert (tmp_path / "a.log").read_text() == "one\n"


async def test_access_log_writer_keeps_the_file_when_the_sink_fails(tmp_path: Path) -> None:
    def broken(batch: list[tuple[str, int, str]]) -> None:
        raise RuntimeError(f"cannot take {len(batch)} lines")

    writer = AccessLogWriter(tmp_path, sink=broken)
    writer.write("g", "kept")
    await writer.close()
    assert (tmp_path / "g.log").read_text() == "kept\n"
    assert writer.written == 1
