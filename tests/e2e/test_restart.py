"""State made through the management APIs survives stopping `lamina up` (SIGTERM, and
SIGKILL) and starting it again on the same state folder: a function with a published
version and an alias, served again with the same answers."""

from __future__ import annotations

import io
import json
import signal
import zipfile
from pathlib import Path

import pytest

from tests.clients import aws_client
from tests.conftest import FIXTURES, LaminaProcess

APP = FIXTURES / "apps" / "proxy"
CODE = "def handler(event, context):\n    return {'made': 'through the API', 'got': event}\n"


def _zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("made.py", CODE)
    return buffer.getvalue()


@pytest.mark.parametrize("stop_signal", [signal.SIGTERM, signal.SIGKILL])
def test_api_made_functions_survive_a_restart(tmp_path: Path, stop_signal: int) -> None:
    state = tmp_path / "state"
    first = LaminaProcess(APP, state_dir=state)
    try:
        lambda_ = aws_client(first.base, "lambda")
        lambda_.create_function(
            FunctionName="made",
            Runtime="python3.11",
            Role="arn:aws:iam::123456789012:role/made",
            Handler="made.handler",
            Code={"ZipFile": _zip()},
            Publish=True,
        )
        lambda_.create_alias(FunctionName="made", Name="live", FunctionVersion="1")
        before = lambda_.get_function(FunctionName="made")["Configuration"]
    finally:
        first.stop(stop_signal)

    second = LaminaProcess(APP, state_dir=state)
    try:
        lambda_ = aws_client(second.base, "lambda")
        after = lambda_.get_function(FunctionName="made")["Configuration"]
        assert after["CodeSha256"] == before["CodeSha256"]
        assert after["RevisionId"] == before["RevisionId"]
        alias = lambda_.get_alias(FunctionName="made", Name="live")
        assert alias["FunctionVersion"] == "1"
        answer = lambda_.invoke(FunctionName="made", Qualifier="live", Payload=b'{"n": 1}')
        assert json.loads(answer["Payload"].read()) == {"made": "through the API", "got": {"n": 1}}
    finally:
        second.stop()
