"""Invocation logs go to the sink at once and to dated files after a short delay."""

import time
from pathlib import Path

from lamina.functions.logfile import LogWriter


async def test_log_writer_write_calls_sink_immediately(tmp_path: Path) -> None:
    seen: list[tuple[str, str]] = []
    writer = LogWriter(tmp_path, lambda name, text: seen.append((name, text)))
    writer.write("orders", "START x\n")
    assert seen == [("orders", "START x\n")]
    writer.flush()


async def test_log_writer_flush_appends_to_dated_file(tmp_path: Path) -> None:
    writer = LogWriter(tmp_path, None)
    writer.write("orders", "one\n")
    writer.write("orders", "two\n")
    writer.flush()
    writer.write("orders", "three\n")
    writer.flush()
    day = time.strftime("%Y/%m/%d", time.gmtime())
    assert (tmp_path / "orders" / f"{day}.log").read_text() == "one\ntwo\nthree\n"


def test_log_writer_path_for_uses_utc_day(tmp_path: Path) -> None:
    writer = LogWriter(tmp_path, None)
    assert writer.path_for("f", now=86400 * 365) == tmp_path / "f" / "1971/01/01.log"
