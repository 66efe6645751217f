"""Binary media types and contentHandling on REST non-proxy integrations, through the real
Gateway: every row of AWS's two conversion tables, request and response, with the outcome
the page gives.
https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-payload-encodings-workflow.html

The backend is a loopback HTTP server that records the integration request's payload and
answers it back with the Content-Type the integration's request parameters name, so one
request shows both what the integration received and what the client got.
"""

from __future__ import annotations

import asyncio
import base64
from collections.abc import AsyncIterator
from typing import Literal

import orjson
import pytest

from lamina.config.rest_api import _body_integration
from lamina.functions.model import InvokeResult
from lamina.gateway.app import Gateway
from lamina.gateway.deployment import Deployment
from lamina.gateway.model import (
    HttpIntegration,
    Integration,
    IntegrationResponse,
    LambdaCustomIntegration,
    LambdaIntegration,
    Method,
    MockIntegration,
    Resource,
    RestApi,
    Stage,
)
from tests.gateway_request import gateway_request
from tests.invoker import ScriptedInvoker

Handling = Literal["CONVERT_TO_BINARY", "CONVERT_TO_TEXT"] | None
BIN: Handling = "CONVERT_TO_BINARY"
TEXT: Handling = "CONVERT_TO_TEXT"
PNG = "image/png"
PLAIN = "text/plain"
B64 = b"aGVsbG8="  # "hello" as base64 text
HELLO = b"hello"
RAW = b"\x89PNG\r\n\x1a\n\x00\xff\xfe"  # not UTF-8
RAW64 = base64.b64encode(RAW)


class ReplyBackend:
    """Records each request body and answers it back with `X-Reply-Type` as Content-Type."""

    def __init__(self) -> None:
        self.bodies: list[bytes] = []
        self._server: asyncio.Server | None = None

    async def start(self) -> str:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        return f"http://127.0.0.1:{self._server.sockets[0].getsockname()[1]}"

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                headers = {}
                for line in head.decode("latin-1").split("\r\n")[1:]:
                    name, _, value = line.partition(":")
                    headers[name.strip().lower()] = value.strip()
                body = await reader.readexactly(int(headers.get("content-length", "0")))
                self.bodies.append(body)
                reply_type = headers.get("x-reply-type", "application/json")
                writer.write(
                    f"HTTP/1.1 200 OK\r\nContent-Type: {reply_type}\r\n"
                    f"Content-Length: {len(body)}\r\n\r\n".encode()
                    + body
                )
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            writer.close()


@pytest.fixture
async def backend() -> AsyncIterator[tuple[ReplyBackend, str]]:
    server = ReplyBackend()
    url = await server.start()
    yield server, url
    await server.stop()


def _gateway(
    integration: Integration, binary_media_types: tuple[str, ...], invoker: ScriptedInvoker
) -> Gateway:
    rest = RestApi(
        id="restapi001",
        logical_id="Rest",
        name="Rest",
        resources=(
            Resource(
                id="r0",
                path="/item",
                methods={"POST": Method(http_method="POST", integration=integration)},
            ),
        ),
        stages=(Stage(name="Prod"),),
        binary_media_types=binary_media_types,
    )
    return Gateway(Deployment((rest,), (), account_id="123456789012", region="us-east-1"), invoker)


def _http(
    url: str,
    reply_type: str,
    *,
    request: Handling = None,
    response: Handling = None,
    request_templates: dict[str, str] | None = None,
) -> HttpIntegration:
    return HttpIntegration(
        type="HTTP",
        uri=url + "/item",
        http_method="POST",
        request_parameters={"integration.request.header.X-Reply-Type": f"'{reply_type}'"},
        request_templates=request_templates or {},
        content_handling=request,
        responses=(IntegrationResponse(content_handling=response),),
    )


async def _post(
    gateway: Gateway, body: bytes, content_type: str, accept: str = PLAIN
) -> tuple[int, bytes]:
    request = gateway_request(
        "/Prod/item",
        method="POST",
        headers=[("Content-Type", content_type), ("Accept", accept)],
        body=body,
    )
    response = await gateway.handle(request, "127.0.0.1:3000")
    return response.status, response.body


# AWS's request table: method request payload, its Content-Type, binaryMediaTypes,
# the integration's contentHandling -> the integration request payload.
REQUEST_TABLE = [
    ("text, any type, unset, unset: UTF-8 string", B64, PLAIN, (), None, B64),
    ("text, any type, unset, TO_BINARY: base64-decoded blob", B64, PLAIN, (), BIN, HELLO),
    ("text, any type, unset, TO_TEXT: UTF-8 string", B64, PLAIN, (), TEXT, B64),
    ("text, text type, set, unset: text", B64, PLAIN, (PNG,), None, B64),
    ("text, text type, set, TO_BINARY: base64-decoded blob", B64, PLAIN, (PNG,), BIN, HELLO),
    ("text, text type, set, TO_TEXT: text", B64, PLAIN, (PNG,), TEXT, B64),
    ("binary, binary type, set, unset: binary", RAW, PNG, (PNG,), None, RAW),
    ("binary, binary type, set, TO_BINARY: binary", RAW, PNG, (PNG,), BIN, RAW),
    ("binary, binary type, set, TO_TEXT: base64-encoded string", RAW, PNG, (PNG,), TEXT, RAW64),
    ("binary, */* matches any type, TO_TEXT: base64-encoded", RAW, PNG, ("*/*",), TEXT, RAW64),
]


@pytest.mark.parametrize(
    ("payload", "content_type", "binary_types", "handling", "received"),
    [row[1:] for row in REQUEST_TABLE],
    ids=[row[0] for row in REQUEST_TABLE],
)
async def test_request_table(
    backend: tuple[ReplyBackend, str],
    payload: bytes,
    content_type: str,
    binary_types: tuple[str, ...],
    handling: Handling,
    received: bytes,
) -> None:
    server, url = backend
    # The reply comes back as text to a text Accept without conversion.
    gateway = _gateway(_http(url, PLAIN, request=handling), binary_types, ScriptedInvoker(0.0))
    status, _ = await _post(gateway, payload, content_type)
    assert status == 200
    assert server.bodies == [received]


# AWS's response table: integration response payload (its Content-Type), the request's
# first Accept type, binaryMediaTypes, the integration response's contentHandling -> the
# method response payload.
RESPONSE_TABLE = [
    ("text or binary, text Accept, unset, unset: UTF-8", B64, PNG, PLAIN, (), None, B64),
    ("text or binary, text Accept, unset, TO_BINARY: decoded", B64, PNG, PLAIN, (), BIN, HELLO),
    ("text or binary, text Accept, unset, TO_TEXT: UTF-8", B64, PNG, PLAIN, (), TEXT, B64),
    ("text, text Accept, set, unset: text", B64, PLAIN, PLAIN, (PNG,), None, B64),
    ("text, text Accept, set, TO_BINARY: decoded", B64, PLAIN, PLAIN, (PNG,), BIN, HELLO),
    ("text, text Accept, set, TO_TEXT: text", B64, PLAIN, PLAIN, (PNG,), TEXT, B64),
    ("text, binary Accept, set, unset: decoded", B64, PLAIN, PNG, (PNG,), None, HELLO),
    ("text, binary Accept, set, TO_BINARY: decoded", B64, PLAIN, PNG, (PNG,), BIN, HELLO),
    ("text, binary Accept, set, TO_TEXT: text", B64, PLAIN, PNG, (PNG,), TEXT, B64),
    ("binary, text Accept, set, unset: base64", RAW, PNG, PLAIN, (PNG,), None, RAW64),
    ("binary, text Accept, set, TO_BINARY: binary", RAW, PNG, PLAIN, (PNG,), BIN, RAW),
    ("binary, text Accept, set, TO_TEXT: base64", RAW, PNG, PLAIN, (PNG,), TEXT, RAW64),
    ("binary, binary Accept, set, unset: binary", RAW, PNG, PNG, (PNG,), None, RAW),
    ("binary, binary Accept, set, TO_BINARY: binary", RAW, PNG, PNG, (PNG,), BIN, RAW),
    ("binary, binary Accept, set, TO_TEXT: base64", RAW, PNG, PNG, (PNG,), TEXT, RAW64),
]


@pytest.mark.parametrize(
    ("payload", "reply_type", "accept", "binary_types", "handling", "answered"),
    [row[1:] for row in RESPONSE_TABLE],
    ids=[row[0] for row in RESPONSE_TABLE],
)
async def test_response_table(
    backend: tuple[ReplyBackend, str],
    payload: bytes,
    reply_type: str,
    accept: str,
    binary_types: tuple[str, ...],
    handling: Handling,
    answered: bytes,
) -> None:
    server, url = backend
    gateway = _gateway(
        _http(url, reply_type, response=handling), binary_types, ScriptedInvoker(0.0)
    )
    # The payload reaches the backend unchanged (its Content-Type is the reply's own).
    status, body = await _post(gateway, payload, reply_type, accept)
    assert server.bodies == [payload]
    assert (status, body) == (200, answered)


async def test_only_the_first_accept_type_counts(backend: tuple[ReplyBackend, str]) -> None:
    _, url = backend
    gateway = _gateway(_http(url, PLAIN), (PNG,), ScriptedInvoker(0.0))
    assert await _post(gateway, B64, PLAIN, f"{PLAIN}, {PNG}") == (200, B64)
    assert await _post(gateway, B64, PLAIN, f"{PNG}, {PLAIN}") == (200, HELLO)


async def test_converting_text_that_is_not_base64_to_binary_answers_500(
    backend: tuple[ReplyBackend, str],
) -> None:
    server, url = backend
    gateway = _gateway(_http(url, PLAIN, request=BIN), (), ScriptedInvoker(0.0))
    status, body = await _post(gateway, b"not base64!", PLAIN)
    assert (status, orjson.loads(body)) == (500, {"message": "Internal server error"})
    assert server.bodies == []


async def test_request_template_reads_base64_after_convert_to_text(
    backend: tuple[ReplyBackend, str],
) -> None:
    """https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-payload-encodings-configure-with-control-service-api.html"""
    server, url = backend
    templates = {PNG: '{"image": "$input.body"}'}
    integration = _http(url, PLAIN, request=TEXT, request_templates=templates)
    gateway = _gateway(integration, (PNG,), ScriptedInvoker(0.0))
    assert (await _post(gateway, RAW, PNG))[0] == 200
    assert orjson.loads(server.bodies[0]) == {"image": RAW64.decode()}


async def test_binary_payload_without_conversion_passes_through_unmapped(
    backend: tuple[ReplyBackend, str],
) -> None:
    server, url = backend
    integration = _http(url, PLAIN, request_templates={PNG: '{"image": "$input.body"}'})
    gateway = _gateway(integration, (PNG,), ScriptedInvoker(0.0))
    assert (await _post(gateway, RAW, PNG))[0] == 200
    assert server.bodies == [RAW]


async def test_lambda_custom_event_carries_the_binary_body_as_base64() -> None:
    invoker = ScriptedInvoker(InvokeResult(payload=b'{"ok": true}'))
    integration = LambdaCustomIntegration(
        function_name="Fn",
        request_templates={PNG: '{"image": "$input.body"}'},
        content_handling="CONVERT_TO_TEXT",
        responses=(IntegrationResponse(),),
    )
    status, body = await _post(_gateway(integration, (PNG,), invoker), RAW, PNG)
    assert (status, orjson.loads(body)) == (200, {"ok": True})
    assert invoker.events == [{"image": RAW64.decode()}]


async def test_mock_response_template_converted_to_binary_for_a_binary_accept() -> None:
    integration = MockIntegration(
        request_templates={"application/json": '{"statusCode": 200}'},
        responses=(
            IntegrationResponse(
                response_templates={PNG: B64.decode()}, content_handling="CONVERT_TO_BINARY"
            ),
        ),
    )
    gateway = _gateway(integration, (PNG,), ScriptedInvoker(0.0))
    assert await _post(gateway, b"{}", "application/json", PNG) == (200, HELLO)


FN_URI = (
    "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/"
    "arn:aws:lambda:us-east-1:123456789012:function:Fn/invocations"
)


@pytest.mark.parametrize("handling", ["CONVERT_TO_BINARY", "CONVERT_TO_TEXT"])
async def test_lambda_proxy_ignores_content_handling_binary_media_types_decide(
    handling: str,
) -> None:
    # AWS's page names two mechanisms: Lambda proxy integrations handle binary payloads with
    # binaryMediaTypes and a base64-encoded response (isBase64Encoded); contentHandling is
    # the non-proxy integrations' setting. A proxy integration that carries one anyway is
    # run as without it.
    # https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-payload-encodings.html
    spec = {"type": "aws_proxy", "httpMethod": "POST", "uri": FN_URI, "contentHandling": handling}
    integration = _body_integration(spec, {"Fn": "Fn"})
    assert isinstance(integration, LambdaIntegration)
    answer = {"statusCode": 200, "headers": {"Content-Type": PNG}, "isBase64Encoded": True}
    invoker = ScriptedInvoker(InvokeResult(payload=orjson.dumps({**answer, "body": B64.decode()})))
    gateway = _gateway(integration, (PNG,), invoker)
    # A binary request reaches the function base64-encoded, flagged; the base64 answer is
    # decoded for a binary Accept.
    assert await _post(gateway, RAW, PNG, PNG) == (200, HELLO)
    # Text (base64-looking, even) stays text: CONVERT_TO_BINARY does not decode it.
    assert await _post(gateway, B64, PLAIN, PNG) == (200, HELLO)
    sent = [(event["body"], event["isBase64Encoded"]) for event in invoker.events]
    assert sent == [(RAW64.decode(), True), (B64.decode(), False)]
