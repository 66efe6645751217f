"""Runtime names map to the interpreter at hand, with one warning per mismatch."""

import logging
import sys

import pytest

from lamina.functions.interpreter import InterpreterChooser

HERE = f"python{sys.version_info.major}.{sys.version_info.minor}"


def test_choose_matching_runtime_does_not_warn(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="lamina.functions"):
        assert InterpreterChooser("/usr/bin/py").choose(HERE) == "/usr/bin/py"
    assert caplog.records == []


def test_choose_other_version_warns_once(caplog: pytest.LogCaptureFixture) -> None:
    other = "python3.9" if HERE != "python3.9" else "python3.10"
    chooser = InterpreterChooser("/usr/bin/py")
    with caplog.at_level(logging.WARNING, logger="lamina.functions"):
        assert chooser.choose(other) == "/usr/bin/py"
        chooser.choose(other)
    assert len(caplog.records) == 1
    assert other in caplog.records[0].getMessage()


def test_choose_unknown_runtime_warns_and_still_answers(
    caplog: pytest.LogCaptureFixture,
) -> None:
    with caplog.at_level(logging.WARNING, logger="lamina.functions"):
        assert InterpreterChooser("/usr/bin/py").choose("python2.7") == "/usr/bin/py"
    assert "python2.7" in caplog.records[0].getMessage()
