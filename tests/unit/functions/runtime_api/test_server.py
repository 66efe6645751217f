"""The Runtime API's answers, driven through its request handler (no sockets)."""

from __future__ import annotations

import asyncio
import json

import pytest

from lamina.functions import failure
from lamina.functions.runtime_api.invocation import Invocation
from lamina.functions.runtime_api.server import PREFIX, RuntimeApi
from lamina.http.message import HttpRequest


class Recorder:
    def __init__(self) -> None:
        self.events: list[tuple[object, ...]] = []

    def runtime_ready(self) -> None:
        self.events.append(("ready",))

    def runtime_response(self, request_id: str, body: bytes) -> None:
        self.events.append(("response", request_id, body))

    def runtime_error(self, request_id: str, error_type: str, body: bytes) -> None:
        self.events.append(("error", request_id, error_type, body))

    def runtime_too_large(self, request_id: str) -> None:
        self.events.append(("too_large", request_id))

    def runtime_init_error(self, error_type: str, body: bytes) -> None:
        self.events.append(("init_error", error_type, body))


def request(
    method: str, path: str, body: bytes = b"", headers: list[tuple[str, str]] | None = None
) -> HttpRequest:
    return HttpRequest(
        method=method,
        path=PREFIX + path,
        query_string="",
        headers=headers or [],
        body=body,
        client="127.0.0.1",
        http_version="1.1",
    )


def invocation(request_id: str = "req-1", **fields: str) -> Invocation:
    return Invocation(
        request_id=request_id,
        deadline_ms=1_700_000_000_000,
        arn="arn:aws:lambda:eu-west-1:123456789012:function:f",
        trace_id="Root=1-5bef4de7-ad49b0e87f6ef6c87fc2e700;Parent=9a9197af755a6419;Sampled=0",
        payload=b'{"a": 1}',
        **fields,
    )


async def started(recorder: Recorder, request_id: str = "req-1") -> RuntimeApi:
    """An API whose runtime has fetched invocation ``request_id``."""
    api = RuntimeApi(recorder)
    api.deliver(invocation(request_id))
    response = await api.handle(request("GET", "/invocation/next"))
    assert response.status == 200
    return api


async def test_next_first_call_reports_ready_and_waits_for_delivery() -> None:
    recorder = Recorder()
    api = RuntimeApi(recorder)
    pending = asyncio.ensure_future(api.handle(request("GET", "/invocation/next")))
    await asyncio.sleep(0)
    assert recorder.events == [("ready",)]
    assert not pending.done()
    api.deliver(invocation(client_context='{"custom": {}}', cognito_identity='{"id": "x"}'))
    response = await pending
    headers = {name.decode(): value.decode() for name, value in response.headers}
    assert response.status == 200
    assert response.body == b'{"a": 1}'
    assert headers["Lambda-Runtime-Aws-Request-Id"] == "req-1"
    assert headers["Lambda-Runtime-Deadline-Ms"] == "1700000000000"
    assert headers["Lambda-Runtime-Invoked-Function-Arn"].endswith(":function:f")
    assert headers["Lambda-Runtime-Trace-Id"].startswith("Root=1-5bef4de7-")
    assert headers["Lambda-Runtime-Client-Context"] == '{"custom": {}}'
    assert headers["Lambda-Runtime-Cognito-Identity"] == '{"id": "x"}'


async def test_next_without_client_context_omits_its_headers() -> None:
    api = RuntimeApi(Recorder())
    api.deliver(invocation())
    response = await api.handle(request("GET", "/invocation/next"))
    names = {name for name, _ in response.headers}
    assert b"Lambda-Runtime-Client-Context" not in names
    assert b"Lambda-Runtime-Cognito-Identity" not in names


async def test_next_reports_ready_only_once() -> None:
    recorder = Recorder()
    api = await started(recorder)
    await api.handle(request("POST", "/invocation/req-1/response", b"1"))
    api.deliver(invocation("req-2"))
    await api.handle(request("GET", "/invocation/next"))
    assert [event[0] for event in recorder.events] == ["ready", "response"]


async def test_next_during_an_invocation_is_forbidden() -> None:
    api = await started(Recorder())
    response = await api.handle(request("GET", "/invocation/next"))
    assert response.status == 403
    assert json.loads(response.body)["errorType"] == "InvalidStateTransition"


async def test_response_accepted_with_202_and_reported() -> None:
    recorder = Recorder()
    api = await started(recorder)
    response = await api.handle(request("POST", "/invocation/req-1/response", b'"ok"'))
    assert (response.status, json.loads(response.body)) == (202, {"status": "OK"})
    assert recorder.events[-1] == ("response", "req-1", b'"ok"')


async def test_response_for_unknown_request_id_is_400_invalid_request_id() -> None:
    recorder = Recorder()
    api = await started(recorder)
    response = await api.handle(request("POST", "/invocation/other/response", b"1"))
    assert response.status == 400
    assert json.loads(response.body) == {
        "errorMessage": "Invalid request ID",
        "errorType": "InvalidRequestID",
    }
    assert recorder.events == [("ready",)]


async def test_response_posted_twice_is_400_the_second_time() -> None:
    api = await started(Recorder())
    await api.handle(request("POST", "/invocation/req-1/response", b"1"))
    response = await api.handle(request("POST", "/invocation/req-1/response", b"2"))
    assert response.status == 400


async def test_response_over_the_limit_is_413_and_reported_too_large() -> None:
    recorder = Recorder()
    api = await started(recorder)
    body = b"x" * (failure.MAX_RESPONSE_BYTES + 1)
    response = await api.handle(request("POST", "/invocation/req-1/response", body))
    assert response.status == 413
    assert json.loads(response.body) == {
        "errorMessage": "Exceeded maximum allowed payload size (6291556 bytes).",
        "errorType": "RequestEntityTooLarge",
    }
    assert recorder.events[-1] == ("too_large", "req-1")


async def test_response_at_the_limit_is_accepted() -> None:
    recorder = Recorder()
    api = await started(recorder)
    body = b"x" * failure.MAX_RESPONSE_BYTES
    response = await api.handle(request("POST", "/invocation/req-1/response", body))
    assert response.status == 202


async def test_error_passes_body_and_error_type_header() -> None:
    recorder = Recorder()
    api = await started(recorder)
    body = b'{"errorType": "TypeError", "errorMessage": "bad", "trace": []}'
    headers = [("lambda-runtime-function-error-type", "TypeError")]
    response = await api.handle(request("POST", "/invocation/req-1/error", body, headers))
    assert response.status == 202
    assert recorder.events[-1] == ("error", "req-1", "TypeError", body)


async def test_error_with_empty_body_becomes_a_document_naming_the_type() -> None:
    recorder = Recorder()
    api = await started(recorder)
    headers = [("Lambda-Runtime-Function-Error-Type", "Custom.Failure")]
    await api.handle(request("POST", "/invocation/req-1/error", b"", headers))
    assert json.loads(recorder.events[-1][3]) == {  # type: ignore[arg-type]
        "errorMessage": "",
        "errorType": "Custom.Failure",
    }


async def test_init_error_before_first_next_is_accepted() -> None:
    recorder = Recorder()
    api = RuntimeApi(recorder)
    headers = [("Lambda-Runtime-Function-Error-Type", "Runtime.ImportModuleError")]
    response = await api.handle(request("POST", "/init/error", b'{"errorType": "x"}', headers))
    assert response.status == 202
    assert recorder.events == [("init_error", "Runtime.ImportModuleError", b'{"errorType": "x"}')]


async def test_init_error_after_init_is_403() -> None:
    api = await started(Recorder())
    response = await api.handle(request("POST", "/init/error", b"{}"))
    assert response.status == 403
    assert json.loads(response.body)["errorType"] == "InvalidStateTransition"


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [
        ("GET", "/nothing/here", 404),
        ("POST", "/invocation/next", 405),
        ("GET", "/invocation/req-1/response", 405),
        ("POST", "/invocation/req-1/other", 404),
    ],
)
async def test_unknown_routes_answer_404_or_405(method: str, path: str, status: int) -> None:
    api = RuntimeApi(Recorder())
    assert (await api.handle(request(method, path))).status == status


async def test_close_answers_a_held_next_with_500() -> None:
    api = RuntimeApi(Recorder())
    pending = asyncio.ensure_future(api.handle(request("GET", "/invocation/next")))
    await asyncio.sleep(0)
    api.close()
    response = await pending
    await api.closed()
    assert response.status == 500
    assert json.loads(response.body)["errorType"] == "InternalServerError"
