import asyncio
import io

from lamina.cli.console import FLUSH_INTERVAL_S, ConsoleLog


async def test_console_log_prefixes_lines_and_flushes_in_one_write() -> None:
    stream = io.StringIO()
    console = ConsoleLog(stream)
    console("Fn", "START RequestId: 1\nhello\n")
    console("Other", "END RequestId: 2\n")
    assert stream.getvalue() == ""
    await asyncio.sleep(FLUSH_INTERVAL_S * 2)
    assert stream.getvalue() == "[Fn] START RequestId: 1\n[Fn] hello\n[Other] END RequestId: 2\n"
