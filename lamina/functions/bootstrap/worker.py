"""A worker process: Lambda's Init phase, then one invocation at a time until EOF.

Runs in the child the zygote forked. Talks to the supervisor over one stream socket with
the frames of ``frame.py``: READY once (after init), then INVOKE -> RESULT pairs.
"""

from __future__ import annotations

import contextlib
import decimal
import json
import logging
import os
import resource
import socket
import sys
import time
from typing import Any, BinaryIO

from . import frame, isolation, jsonlog
from .capture import OutputCapture
from .context import CognitoIdentity, LambdaContext, parse_client_context
from .fault import Fault, from_exception, log_lines
from .loader import Handler, load_handler

# Lambda's synchronous response limit; the runtime API rejects anything larger.
# https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html
MAX_RESPONSE_BYTES = 6_291_556
# Virtual memory allowed above the baseline on top of MemorySize: a backstop against a
# runaway allocation (thread stacks and malloc arenas reserve address space they never
# touch). The configured MemorySize itself is enforced on resident memory, after each call.
ADDRESS_SPACE_HEADROOM = 1 << 30
_MIB = 1 << 20

# The request id the logging filter stamps on records (Lambda's runtime does the same).
_current_request_id = ""


class _RequestIdFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.aws_request_id = _current_request_id
        return True


def _json_format() -> bool:
    return os.environ.get("AWS_LAMBDA_LOG_FORMAT", "").upper() == "JSON"


def _install_logging() -> None:
    """Lambda's root logger handler and format: text, or JSON objects when the function's
    LoggingConfig says JSON (then the root logger also takes the application log level).

    https://docs.aws.amazon.com/lambda/latest/dg/python-logging.html
    """
    logging.Formatter.converter = time.gmtime
    handler = logging.StreamHandler(sys.stdout)
    if _json_format():
        handler.setFormatter(jsonlog.JsonFormatter())
        level = jsonlog.level_from_environment(os.environ.get("AWS_LAMBDA_LOG_LEVEL"))
        if level is not None:
            logging.getLogger().setLevel(level)
    else:
        handler.setFormatter(
            logging.Formatter(
                "[%(levelname)s]\t%(asctime)s.%(msecs)03dZ\t%(aws_request_id)s\t%(message)s",
                "%Y-%m-%dT%H:%M:%S",
            )
        )
    handler.addFilter(_RequestIdFilter())
    logging.getLogger().addHandler(handler)


def _error_log(error: dict[str, Any]) -> bytes:
    """The runtime's own lines for a failure, in the function's log format."""
    return (jsonlog.error_line(error) if _json_format() else log_lines(error)).encode()


def _limit_address_space(memory_mb: int) -> None:
    with open("/proc/self/statm", "rb") as statm:
        baseline = int(statm.read().split()[0]) * resource.getpagesize()
    limit = baseline + memory_mb * _MIB + ADDRESS_SPACE_HEADROOM
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))


def _enter_sandbox(spec: dict[str, Any]) -> None:
    task_root = spec["task_root"]
    os.environ.clear()
    os.environ.update(spec["env"])
    time.tzset()
    # A missing code folder (the template warned) leaves the handler unimportable: the
    # invocation then answers Runtime.ImportModuleError, as Lambda does for missing code.
    with contextlib.suppress(OSError):
        os.chdir(task_root)
    sys.path.insert(0, task_root)


def _to_json(result: Any, ensure_ascii: bool) -> bytes:
    """Lambda's Python runtime (simplejson, use_decimal) writes a Decimal as its digits:
    Decimal('1.50') is 1.50, not 1.5. The stdlib cannot emit a raw number, so each
    Decimal becomes a string token no handler can guess, swapped for its digits after.
    The token's random part is drawn at the first Decimal: most results have none, and
    every invocation passes here."""
    digits: list[str] = []
    nonce = ""

    def default(value: object) -> object:
        nonlocal nonce
        if isinstance(value, decimal.Decimal):
            if not nonce:
                nonce = os.urandom(8).hex()
            digits.append(str(value))
            return f"{nonce}:{len(digits) - 1}"
        raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")

    try:
        text = json.dumps(result, ensure_ascii=ensure_ascii, default=default)
    except (TypeError, ValueError, OverflowError, RecursionError) as error:
        raise Fault("Runtime.MarshalError", f"Unable to marshal response: {error}") from error
    for index, number in enumerate(digits):
        text = text.replace(f'"{nonce}:{index}"', number, 1)
    return text.encode()


def _trace_id() -> str:
    # https://docs.aws.amazon.com/xray/latest/devguide/xray-concepts.html#xray-concepts-tracingheader
    root = f"1-{int(time.time()):08x}-{os.urandom(12).hex()}"
    return f"Root={root};Parent={os.urandom(8).hex()};Sampled=0"


def _runtime_minor(execution_env: str) -> int:
    """`AWS_Lambda_python3.12` -> 12; the interpreter's own when the name says nothing."""
    _, _, minor = execution_env.rpartition("python3.")
    return int(minor) if minor.isdigit() else sys.version_info.minor


class Worker:
    """The invocation loop of one worker."""

    def __init__(self, sock: socket.socket, spec: dict[str, Any]) -> None:
        self._sock = sock
        self._stream: BinaryIO = sock.makefile("rb")
        self._spec = spec
        self._memory_kb = int(spec["memory_mb"]) * 1024
        # Python 3.12+ runtimes return non-ASCII characters unescaped: it follows the
        # function's runtime name, not the interpreter that happens to run it.
        # https://docs.aws.amazon.com/lambda/latest/dg/lambda-python.html
        self._ensure_ascii = _runtime_minor(spec["env"].get("AWS_EXECUTION_ENV", "")) < 12
        self._handler: Handler | None = None

    def init(self, capture: OutputCapture) -> None:
        """Import the handler and send READY (with the init error, if any)."""
        started = time.perf_counter()
        error: dict[str, Any] | None = None
        try:
            self._handler = load_handler(self._spec["handler"])
        except Exception as exc:
            error = from_exception(exc, "")
            os.write(1, _error_log(error))
        init_ms = (time.perf_counter() - started) * 1000.0
        meta = {
            "pid": os.getpid(),
            "init_ms": init_ms,
            "error_type": error["errorType"] if error else None,
            "rss_kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
        }
        body = json.dumps(error).encode() if error else b""
        self._send(frame.READY, meta, body, capture.drain())

    def serve(self, capture: OutputCapture) -> None:
        """Answer INVOKE frames until the supervisor closes the socket."""
        if self._handler is None:
            return
        while True:
            request = self._receive()
            if request is None:
                return
            meta, payload = request
            reply, body, exit_after = self._invoke(self._handler, meta, payload)
            self._send(frame.RESULT, reply, body, capture.drain())
            if exit_after:
                return

    def _invoke(
        self, handler: Handler, meta: dict[str, Any], payload: bytes
    ) -> tuple[dict[str, Any], bytes, bool]:
        global _current_request_id
        request_id = meta["id"]
        _current_request_id = request_id
        # The trace API Gateway started, when it called us; a new one otherwise.
        os.environ["_X_AMZN_TRACE_ID"] = meta.get("trace") or _trace_id()
        context = LambdaContext(
            request_id,
            meta["deadline"],
            meta["arn"],
            parse_client_context(meta.get("cc")),
            CognitoIdentity(meta.get("identity")),
        )
        started = time.perf_counter()
        reply: dict[str, Any] = {"error": False}
        try:
            body = self._call(handler, context, payload or b"{}")
        except MemoryError:
            body, reply["oom"] = b"", True
        except Exception as exc:
            error = from_exception(exc, request_id)
            os.write(1, _error_log(error))
            body, reply["error"] = json.dumps(error).encode(), True
        reply["duration_ms"] = (time.perf_counter() - started) * 1000.0
        rss_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        reply["rss_kb"] = rss_kb
        if rss_kb > self._memory_kb:
            body, reply["oom"] = b"", True
        if len(body) > MAX_RESPONSE_BYTES:
            reply["too_large"] = len(body)
            body = b""
        _current_request_id = ""
        return reply, body, bool(reply.get("oom"))

    def _call(self, handler: Handler, context: LambdaContext, payload: bytes) -> bytes:
        try:
            event = json.loads(payload)
        except ValueError as error:
            raise Fault("Runtime.UnmarshalError", f"Unable to unmarshal input: {error}") from error
        return _to_json(handler(event, context), self._ensure_ascii)

    def _receive(self) -> tuple[dict[str, Any], bytes] | None:
        head = self._stream.read(frame.HEADER_SIZE)
        if len(head) < frame.HEADER_SIZE:
            return None
        _, _, meta_len, payload_len, log_len = frame.HEADER.unpack(head)
        body = self._stream.read(meta_len + payload_len + log_len)
        if len(body) < meta_len + payload_len + log_len:
            return None
        return json.loads(body[:meta_len]), body[meta_len : meta_len + payload_len]

    def _send(self, kind: int, meta: dict[str, Any], payload: bytes, log: bytes) -> None:
        self._sock.sendall(frame.encode(kind, json.dumps(meta).encode(), payload, log))


def run(sock: socket.socket, output_fd: int, spec: dict[str, Any], parent_pid: int) -> None:
    """Everything a freshly forked worker does; returns when it should exit."""
    spec["task_root"] = os.path.abspath(spec["task_root"])
    _enter_sandbox(spec)
    isolation.enter(spec, parent_pid)
    capture = OutputCapture(output_fd)
    _install_logging()
    _limit_address_space(int(spec["memory_mb"]))
    worker = Worker(sock, spec)
    worker.init(capture)
    worker.serve(capture)
