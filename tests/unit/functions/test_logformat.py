"""Application log lines' levels under log-level filtering: the JSON `level` key, else INFO.
https://docs.aws.amazon.com/lambda/latest/dg/monitoring-cloudwatchlogs-log-level.html
"""

from __future__ import annotations

import pytest

from lamina.functions.logformat import filter_application, line_level


@pytest.mark.parametrize(
    ("line", "level"),
    [
        ('{"level": "debug", "msg": "my debug log"}', "DEBUG"),  # the docs' example
        ('{"level": "warning", "message": "x"}', "WARNING"),  # Python's name for WARN
        ('{"level": "loud", "message": "x"}', "INFO"),  # invalid
        ('{"log_level": "DEBUG", "message": "x"}', "INFO"),  # not the `level` key
        ("plain text", "INFO"),
        ('["level", "ERROR"]', "INFO"),
    ],
)
def test_line_level_reads_only_the_level_key(line: str, level: str) -> None:
    assert line_level(line) == level


def test_filter_application_keeps_lines_at_or_above_the_threshold() -> None:
    output = '{"level": "DEBUG", "m": 1}\nprinted\n{"level": "ERROR", "m": 2}\n'
    assert filter_application(output, "WARN") == '{"level": "ERROR", "m": 2}\n'
    assert filter_application(output, "INFO") == 'printed\n{"level": "ERROR", "m": 2}\n'
    assert filter_application(output, "TRACE") == output
