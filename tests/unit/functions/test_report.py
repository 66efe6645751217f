"""START / END / REPORT lines, as Lambda writes them.

https://docs.aws.amazon.com/lambda/latest/dg/python-logging.html
"""

from lamina.functions import report

RID = "8f5b7f0a-1c2d-4e5f-9a0b-1c2d3e4f5a6b"


def test_report_line_warm_has_tab_separated_fields_and_rounds_billing_up() -> None:
    line = report.report_line(RID, duration_ms=1.234, memory_mb=128, max_memory_kb=20 * 1024 + 1)
    assert line == (
        f"REPORT RequestId: {RID}\tDuration: 1.23 ms\tBilled Duration: 2 ms"
        "\tMemory Size: 128 MB\tMax Memory Used: 21 MB\t\n"
    )


def test_report_line_cold_start_appends_init_duration() -> None:
    line = report.report_line(
        RID, duration_ms=0.5, memory_mb=256, max_memory_kb=1024, init_ms=12.345
    )
    assert line.endswith("\tMax Memory Used: 1 MB\tInit Duration: 12.35 ms\t\n")
    assert "Billed Duration: 1 ms" in line


def test_report_line_timeout_appends_status() -> None:
    line = report.report_line(
        RID, duration_ms=3000.4, memory_mb=128, max_memory_kb=0, status="timeout"
    )
    assert line.endswith("\tStatus: timeout\t\n")


def test_report_line_error_appends_status_and_error_type() -> None:
    line = report.report_line(
        RID,
        duration_ms=1,
        memory_mb=128,
        max_memory_kb=0,
        status="error",
        error_type="Runtime.ExitError",
    )
    assert line.endswith("\tStatus: error\tError Type: Runtime.ExitError\t\n")


def test_frame_log_output_without_newline_gets_one() -> None:
    text = report.frame_log(RID, "$LATEST", "hello", "REPORT x\n")
    assert text == (
        f"START RequestId: {RID} Version: $LATEST\nhello\nEND RequestId: {RID}\nREPORT x\n"
    )


def test_frame_log_empty_output_has_no_blank_line() -> None:
    text = report.frame_log(RID, "$LATEST", "", "REPORT x\n")
    assert text.splitlines()[1] == f"END RequestId: {RID}"


def test_timeout_line_names_request_and_seconds() -> None:
    line = report.timeout_line(RID, 3.0, now=0.25)
    assert line == f"1970-01-01T00:00:00.250Z {RID} Task timed out after 3.00 seconds\n"
