"""Single timed requests, and finding where Lamina serves a route."""

from __future__ import annotations

import http.client
import re
import time
from collections.abc import Iterator
from dataclasses import dataclass
from urllib.parse import urlsplit

from load import Target
from server import HOST

URL = re.compile(r"https?://[^\s'\"<>|]+")
LOCAL_HOSTS = {HOST, "localhost", "0.0.0.0"}


@dataclass(frozen=True, slots=True)
class Route:
    """A route of the example app, and a text its answer must contain."""

    name: str
    path: str
    """As served at the edge's root, e.g. /Prod/hello for the REST API's Prod stage."""
    stage_relative_path: str
    expect: str


@dataclass(frozen=True, slots=True)
class Reply:
    status: int
    elapsed_ms: float
    body: bytes


def timed_get(target: Target, timeout_s: float = 10.0) -> Reply:
    """One GET on a fresh connection; the clock runs from sending to the last body byte."""
    parts = urlsplit(target.url)
    connection = http.client.HTTPConnection(parts.hostname or HOST, parts.port, timeout=timeout_s)
    try:
        connection.connect()
        headers = {"Host": target.host} if target.host else {}
        started = time.perf_counter()
        connection.request(
            "GET", parts.path + (f"?{parts.query}" if parts.query else ""), headers=headers
        )
        response = connection.getresponse()
        body = response.read()
        return Reply(response.status, (time.perf_counter() - started) * 1000, body)
    finally:
        connection.close()


def find_route(route: Route, port: int, server_log: str) -> tuple[Target, Reply]:
    """The first URL that answers the route correctly, with that first answer.

    The root URL (one deployed app) comes first; then every API URL Lamina printed at
    startup, host-style URLs through a Host header. Wrong guesses are answered by the
    gateway (403/404) without invoking the function, so the reply returned is still the
    function's first invocation.
    """
    tried: list[str] = []
    for target in candidates(route, port, server_log):
        try:
            reply = timed_get(target)
        except OSError as error:
            tried.append(f"{target.describe()}: {error}")
            continue
        if reply.status == 200 and route.expect.encode() in reply.body:
            return target, reply
        tried.append(f"{target.describe()}: {reply.status} {reply.body[:120]!r}")
    raise LookupError(f"no URL served {route.name} correctly; tried:\n  " + "\n  ".join(tried))


def candidates(route: Route, port: int, server_log: str) -> Iterator[Target]:
    seen: set[Target] = set()
    root = f"http://{HOST}:{port}"
    for target in [Target(root + route.path), *printed_targets(route, port, server_log)]:
        if target not in seen:
            seen.add(target)
            yield target


def printed_targets(route: Route, port: int, server_log: str) -> Iterator[Target]:
    for url in URL.findall(server_log):
        parts = urlsplit(url.rstrip(".,;)"))
        if parts.port != port:
            continue
        host = None if parts.hostname in LOCAL_HOSTS else parts.netloc
        base = f"http://{HOST}:{port}{parts.path.rstrip('/')}"
        for path in (route.path, route.stage_relative_path):
            yield Target(base + path, host)
