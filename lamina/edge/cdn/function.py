"""CloudFront Functions: a template's AWS::CloudFront::Function run on viewer requests and
responses, in one long-lived Node.js process (each function's code compiled once in its own
`vm` context, JSON lines in and out).

https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/cloudfront-functions.html
https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/functions-event-structure.html
- the event: version 1.0, context (distributionDomainName, distributionId, eventType,
  requestId), viewer.ip, request (method, uri, querystring, headers and cookies as
  `{name: {value, multiValue?}}`, header names lowercase), and response for viewer-response;
- a viewer-request function returns the request (maybe changed) or a response, which
  CloudFront sends to the viewer at once; a viewer-response function returns the response;
- a function that throws, or returns neither, is a FunctionExecutionError (503).
Node's own limits differ from CloudFront's (its 10 KB code size and sub-millisecond compute
budget are not enforced; a call taking over a second is an error).
"""

from __future__ import annotations

import asyncio
import base64
import itertools
import shutil
from http import HTTPStatus
from typing import Any

import orjson

from lamina.services.cloudfront.model import FunctionFailure, ViewerFunction

TIMEOUT_S = 1.0
_RUNNER = r"""
const vm = require('vm');
const readline = require('readline');
const contexts = new Map();
function contextOf(code) {
  let context = contexts.get(code);
  if (!context) {
    const log = (...parts) => context.__logs.push(parts.map(String).join(' '));
    context = vm.createContext({__logs: [], console: {log, error: log, warn: log, info: log}});
    vm.runInContext(code + '\n;globalThis.__handler = handler;', context, {timeout: 1000});
    contexts.set(code, context);
  }
  return context;
}
const reply = (message) => process.stdout.write(JSON.stringify(message) + '\n');
const lines = readline.createInterface({input: process.stdin});
lines.on('line', async (line) => {
  const message = JSON.parse(line);
  try {
    const context = contextOf(message.code);
    context.__event = message.event;
    context.__logs = [];
    let result = vm.runInContext('__handler(__event)', context, {timeout: 1000});
    if (result && typeof result.then === 'function') result = await result;
    reply({id: message.id, result: result === undefined ? null : result, logs: context.__logs});
  } catch (error) {
    const logs = contexts.get(message.code) ? contexts.get(message.code).__logs : [];
    reply({id: message.id, error: String((error && error.message) || error), logs});
  }
});
lines.on('close', () => process.exit(0));
"""


class FunctionError(FunctionFailure):
    """The function threw, timed out, or Node.js is not there."""


class FunctionRunner:
    """One `node` process for every CloudFront Function, started on first use."""

    def __init__(self, node: str | None = None) -> None:
        self._node = node or shutil.which("node") or shutil.which("nodejs")
        self._process: asyncio.subprocess.Process | None = None
        self._reader: asyncio.Task[None] | None = None
        self._waiting: dict[int, asyncio.Future[dict[str, Any]]] = {}
        self._ids = itertools.count(1)
        self._lock = asyncio.Lock()

    async def run(self, function: ViewerFunction, event: dict[str, Any]) -> Any:
        """The function's result; FunctionError when it throws or does not answer."""
        reply = await self.call(function, event)
        if "error" in reply:
            raise FunctionError(f"{function.name}: {reply['error']}")
        return reply.get("result")

    async def call(self, function: ViewerFunction, event: dict[str, Any]) -> dict[str, Any]:
        """The runner's whole reply: `result` or `error`, and `logs` (console output)."""
        process = await self._started()
        call = next(self._ids)
        answer: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
        self._waiting[call] = answer
        assert process.stdin is not None
        process.stdin.write(
            orjson.dumps({"id": call, "code": function.code, "event": event}) + b"\n"
        )
        try:
            reply = await asyncio.wait_for(answer, TIMEOUT_S)
        except TimeoutError as exc:
            raise FunctionError(f"{function.name} took over {TIMEOUT_S} s") from exc
        finally:
            self._waiting.pop(call, None)
        return reply

    async def close(self) -> None:
        if self._process is not None and self._process.returncode is None:
            self._process.kill()
            await self._process.wait()
        if self._reader is not None:
            self._reader.cancel()
        self._process = None

    async def _started(self) -> asyncio.subprocess.Process:
        async with self._lock:
            if self._process is not None and self._process.returncode is None:
                return self._process
            if self._node is None:
                raise FunctionError("CloudFront Functions need Node.js (node) on this machine")
            self._process = await asyncio.create_subprocess_exec(
                self._node,
                "-e",
                _RUNNER,
                stdin=asyncio.subprocess.PIPE,
                stdout=asyncio.subprocess.PIPE,
                stderr=asyncio.subprocess.DEVNULL,
            )
            self._reader = asyncio.create_task(self._read(self._process))
            return self._process

    async def _read(self, process: asyncio.subprocess.Process) -> None:
        assert process.stdout is not None
        while line := await process.stdout.readline():
            try:
                reply = orjson.loads(line)
            except orjson.JSONDecodeError:
                continue  # not a reply (a reader that stopped would leave every call waiting)
            if not isinstance(reply, dict):
                continue
            waiting = self._waiting.get(int(reply.get("id", 0)))
            if waiting is not None and not waiting.done():
                waiting.set_result(reply)
        for waiting in self._waiting.values():  # the process ended: nobody will answer
            if not waiting.done():
                waiting.set_result({"error": "the CloudFront Functions process ended"})


# -- events (functions-event-structure.html)

_REASONS = {code.value: code.phrase for code in HTTPStatus}


def _values(pairs: list[tuple[str, str]]) -> dict[str, dict[str, Any]]:
    """`{name: {value}}`, with `multiValue` listing every value of a repeated name."""
    grouped: dict[str, list[str]] = {}
    for name, value in pairs:
        grouped.setdefault(name, []).append(value)
    out: dict[str, dict[str, Any]] = {}
    for name, values in grouped.items():
        entry: dict[str, Any] = {"value": values[0]}
        if len(values) > 1:
            entry["multiValue"] = [{"value": value} for value in values]
        out[name] = entry
    return out


def _pairs(found: object) -> list[tuple[str, str]]:
    if not isinstance(found, dict):
        return []
    pairs = []
    for name, entry in found.items():
        if not isinstance(entry, dict):
            continue
        many = entry.get("multiValue")
        if isinstance(many, list) and many:
            pairs += [
                (str(name), str(item.get("value", ""))) for item in many if isinstance(item, dict)
            ]
        else:
            pairs.append((str(name), str(entry.get("value", ""))))
    return pairs


def request_object(
    method: str, uri: str, query: list[tuple[str, str]], headers: list[tuple[str, str]]
) -> dict[str, Any]:
    cookies: list[tuple[str, str]] = []
    plain: list[tuple[str, str]] = []
    for name, value in headers:
        if name.lower() == "cookie":
            for part in value.split(";"):
                cookie, _, cookie_value = part.strip().partition("=")
                if cookie:
                    cookies.append((cookie, cookie_value))
        else:
            plain.append((name.lower(), value))
    return {
        "method": method,
        "uri": uri,
        "querystring": _values(query),
        "headers": _values(plain),
        "cookies": _values(cookies),
    }


def event(
    event_type: str,
    request: dict[str, Any],
    *,
    distribution_id: str,
    domain_name: str,
    request_id: str,
    client: str,
    response: dict[str, Any] | None = None,
) -> dict[str, Any]:
    found: dict[str, Any] = {
        "version": "1.0",
        "context": {
            "distributionDomainName": domain_name,
            "distributionId": distribution_id,
            "eventType": event_type,
            "requestId": request_id,
        },
        "viewer": {"ip": client},
        "request": request,
    }
    if response is not None:
        found["response"] = response
    return found


def request_from(
    result: dict[str, Any],
) -> tuple[str, list[tuple[str, str]], list[tuple[str, str]]]:
    """(uri, query pairs, headers) of a request a viewer-request function returned."""
    headers = _pairs(result.get("headers"))
    cookies = _pairs(result.get("cookies"))
    if cookies:
        headers.append(("cookie", "; ".join(f"{n}={v}" for n, v in cookies)))
    return str(result.get("uri") or "/"), _pairs(result.get("querystring")), headers


def is_response(result: object) -> bool:
    return isinstance(result, dict) and "statusCode" in result


def response_object(status: int, headers: list[tuple[bytes, bytes]]) -> dict[str, Any]:
    plain = []
    cookies = []
    for name, value in headers:
        text = value.decode("latin-1")
        if name.lower() == b"set-cookie":
            cookie, _, rest = text.partition("=")
            cookie_value, _, attributes = rest.partition(";")
            cookies.append((cookie.strip(), cookie_value, attributes.strip()))
        else:
            plain.append((name.decode("latin-1").lower(), text))
    return {
        "statusCode": status,
        "statusDescription": _REASONS.get(status, ""),
        "headers": _values(plain),
        "cookies": {
            name: {"value": value, **({"attributes": attributes} if attributes else {})}
            for name, value, attributes in cookies
        },
    }


def response_from(result: dict[str, Any]) -> tuple[int, list[tuple[bytes, bytes]], bytes | None]:
    """(status, headers, body or None to keep) of a response a function returned."""
    headers = [
        (n.encode(), v.encode("latin-1", "replace")) for n, v in _pairs(result.get("headers"))
    ]
    cookies = result.get("cookies")
    if isinstance(cookies, dict):
        for name, entry in cookies.items():
            if isinstance(entry, dict):
                value = f"{name}={entry.get('value', '')}"
                if entry.get("attributes"):
                    value += f"; {entry['attributes']}"
                headers.append((b"Set-Cookie", value.encode("latin-1", "replace")))
    body = result.get("body")
    data: bytes | None = None
    if isinstance(body, str):
        data = body.encode()
    elif isinstance(body, dict):
        text = str(body.get("data", ""))
        data = base64.b64decode(text) if body.get("encoding") == "base64" else text.encode()
    return int(result["statusCode"]), headers, data
