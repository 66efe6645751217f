"""CORS as a browser enforces it: Debian's Chromium (driven by Playwright) loads a page from
another origin (a loopback http.server on its own port) whose script calls fetch() on the
Lamina API. The fixture (tests/fixtures/apps/cors) allows exactly that page's origin,
`http://127.0.0.1:{page port}`; the same page loaded as `http://localhost:{page port}` is
another origin, the blocked one."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from tests.conftest import FIXTURES, LaminaProcess

pytestmark = pytest.mark.slow

_PAGE = b"<!doctype html><title>cors page</title><p>another origin</p>"

# Returns what the page's script could see: the status, an exposed header and the body, or
# the error fetch() rejected with (a TypeError when CORS blocks the response).
_FETCH = """async ([url, init]) => {
  try {
    const response = await fetch(url, init);
    return {status: response.status, exposed: response.headers.get("x-exposed"),
            body: await response.text()};
  } catch (error) {
    return {error: error.name + ": " + error.message};
  }
}"""


class _Page(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(_PAGE)))
        self.end_headers()
        self.wfile.write(_PAGE)

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: the test reports what matters."""


@pytest.fixture(scope="module")
def page_port() -> Iterator[int]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Page)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield int(server.server_address[1])
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="module")
def api(page_port: int) -> Iterator[str]:
    origin = f"http://127.0.0.1:{page_port}"
    lamina = LaminaProcess(
        FIXTURES / "apps" / "cors", "--parameter-overrides", f"AllowedOrigin={origin}"
    )
    yield lamina.base
    lamina.stop()


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        # Debian's Chromium; as root it needs --no-sandbox.
        chromium = playwright.chromium.launch(
            executable_path="/usr/bin/chromium", headless=True, args=["--no-sandbox"]
        )
        yield chromium
        chromium.close()


class _Origin:
    """A page open at one origin, calling the API with fetch()."""

    def __init__(self, browser: Any, page_url: str, api: str) -> None:
        self._context = browser.new_context()
        self._page = self._context.new_page()
        self._page.goto(page_url)
        self._api = api

    def fetch(self, path: str, **init: Any) -> dict[str, Any]:
        result: dict[str, Any] = self._page.evaluate(_FETCH, [self._api + path, init])
        return result

    def close(self) -> None:
        self._context.close()


@pytest.fixture(scope="module")
def allowed(browser: Any, page_port: int, api: str) -> Iterator[_Origin]:
    origin = _Origin(browser, f"http://127.0.0.1:{page_port}/", api)
    yield origin
    origin.close()


@pytest.fixture(scope="module")
def blocked(browser: Any, page_port: int, api: str) -> Iterator[_Origin]:
    origin = _Origin(browser, f"http://localhost:{page_port}/", api)
    yield origin
    origin.close()


def _blocked(result: dict[str, Any]) -> bool:
    return str(result.get("error", "")).startswith("TypeError")


# HTTP API: the gateway's CorsConfiguration.


def test_browser_http_api_allowed_origin_reads_the_body(allowed: _Origin) -> None:
    result = allowed.fetch("/echo")
    assert result["status"] == 200, result
    assert '"method": "GET"' in result["body"]
    assert result["exposed"] == "yes"  # listed in ExposeHeaders


def test_browser_http_api_preflighted_put_with_custom_header_and_credentials(
    allowed: _Origin,
) -> None:
    result = allowed.fetch(
        "/echo", method="PUT", headers={"X-Custom": "v"}, credentials="include", body="{}"
    )
    assert result["status"] == 200, result
    assert '"custom": "v"' in result["body"]


def test_browser_http_api_header_not_in_allow_headers_is_refused(allowed: _Origin) -> None:
    assert _blocked(allowed.fetch("/echo", method="PUT", headers={"X-Other": "v"}))


def test_browser_http_api_method_not_in_allow_methods_is_refused(allowed: _Origin) -> None:
    assert _blocked(allowed.fetch("/any/thing", method="DELETE"))


def test_browser_http_api_blocked_origin_fails(blocked: _Origin) -> None:
    assert _blocked(blocked.fetch("/echo"))
    assert _blocked(blocked.fetch("/echo", method="PUT", headers={"X-Custom": "v"}))


# REST API: only what the user configured (SAM Cors, the function, gateway responses).


def test_browser_rest_allowed_origin_reads_the_functions_answer(allowed: _Origin) -> None:
    result = allowed.fetch("/Prod/items")
    assert result["status"] == 200, result
    assert '"method": "GET"' in result["body"]


def test_browser_rest_preflighted_put_goes_through_the_sam_mock(allowed: _Origin) -> None:
    result = allowed.fetch("/Prod/items/7", method="PUT", headers={"X-Custom": "v"}, body="{}")
    assert result["status"] == 200, result
    assert '"custom": "v"' in result["body"]


def test_browser_rest_function_without_cors_headers_is_unreadable(allowed: _Origin) -> None:
    assert _blocked(allowed.fetch("/Prod/plain"))


def test_browser_rest_credentials_need_allow_credentials(allowed: _Origin) -> None:
    # Neither SAM Cors (no AllowCredentials here) nor the function sends it.
    assert _blocked(allowed.fetch("/Prod/items", credentials="include"))


def test_browser_rest_gateway_403_is_readable_through_default_4xx(allowed: _Origin) -> None:
    result = allowed.fetch("/Prod/nowhere")
    assert result["status"] == 403, result
    assert "Missing Authentication Token" in result["body"]


def test_browser_rest_blocked_origin_fails(blocked: _Origin) -> None:
    assert _blocked(blocked.fetch("/Prod/items"))
