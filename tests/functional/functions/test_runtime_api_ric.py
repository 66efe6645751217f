"""AWS's own Python runtime interface client (awslambdaric) against Lamina's Runtime API.

A Python function opts into the Runtime API path with LAMINA_PYTHON_RUNTIME=ric.
"""

from __future__ import annotations

import importlib.util
import json

import pytest

from .conftest import ServiceFactory, function

pytestmark = pytest.mark.skipif(
    importlib.util.find_spec("awslambdaric") is None,
    reason="awslambdaric is not installed (pip install awslambdaric; it builds a C extension)",
)

RIC = {"LAMINA_PYTHON_RUNTIME": "ric"}


async def test_ric_runs_handler_and_keeps_environment_warm(make_service: ServiceFactory) -> None:
    service = make_service([function("count", "basic.count", environment=RIC)])
    first_result = await service.invoke("count", b"{}")
    first = json.loads(first_result.payload)
    second = json.loads((await service.invoke("count", b"{}")).payload)
    assert second == {"calls": first["calls"] + 1, "pid": first["pid"]}
    assert "\tInit Duration: " in first_result.log


async def test_ric_sees_request_id_and_event(make_service: ServiceFactory) -> None:
    service = make_service([function("echo", "basic.echo", environment=RIC)])
    result = await service.invoke("echo", b'{"a": 1}')
    assert result.function_error is None
    assert json.loads(result.payload) == {"event": {"a": 1}, "request_id": result.request_id}


async def test_ric_output_is_captured_in_the_invocation_log(make_service: ServiceFactory) -> None:
    service = make_service([function("prints", "basic.print_things", environment=RIC)])
    result = await service.invoke("prints", b"{}")
    for line in ("from print", "from stderr", "from fd 1", "from fd 2"):
        assert f"{line}\n" in result.log


async def test_ric_handler_error_is_reported_by_awslambdaric(make_service: ServiceFactory) -> None:
    service = make_service([function("boom", "basic.boom", environment=RIC)])
    result = await service.invoke("boom", b"{}")
    assert result.function_error == "Unhandled"
    error = json.loads(result.payload)
    assert error["errorType"] == "ValueError"
    assert error["requestId"] == result.request_id
    assert error["stackTrace"]


async def test_ric_import_error_is_init_error(make_service: ServiceFactory) -> None:
    service = make_service([function("broken", "broken_import.handler", environment=RIC)])
    result = await service.invoke("broken", b"{}")
    error = json.loads(result.payload)
    assert error["errorType"] == "Runtime.ImportModuleError"
    assert "\tStatus: error\tError Type: Runtime.ImportModuleError" in result.log
