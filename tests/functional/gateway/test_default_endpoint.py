"""DisableExecuteApiEndpoint through real HTTP: an API whose default endpoint is disabled
answers 403 Forbidden on every execute-api address (host-style, path-style, root URL) and
serves through its custom domain names; an API without the setting is untouched."""

from __future__ import annotations

import re
from collections.abc import Iterator

import httpx
import pytest

from tests.conftest import FIXTURES, LaminaProcess

FORBIDDEN = b'{"message":"Forbidden"}'


class App:
    def __init__(self) -> None:
        self.lamina = LaminaProcess(FIXTURES / "apps" / "default_endpoint")
        found = re.findall(r"^\s+(\w+)\s+id=(\w+)\s", self.lamina.output(), re.MULTILINE)
        self.ids = dict(found)

    def get(self, path: str, host: str | None = None) -> httpx.Response:
        headers = {"Host": host} if host else {}
        return httpx.get(f"{self.lamina.base}{path}", headers=headers, timeout=20)

    def host(self, logical_id: str) -> str:
        return f"{self.ids[logical_id]}.execute-api.localhost"


@pytest.fixture(scope="module")
def app() -> Iterator[App]:
    built = App()
    yield built
    built.lamina.stop()


def _rest_forbidden(response: httpx.Response) -> bool:
    return (
        response.status_code == 403
        and response.content == FORBIDDEN
        and response.headers.get("x-amzn-errortype") == "ForbiddenException"
    )


def test_disabled_rest_api_refuses_every_execute_api_address(app: App) -> None:
    assert _rest_forbidden(app.get("/Prod/echo/ann", app.host("RestApi")))
    rest_id = app.ids["RestApi"]
    assert _rest_forbidden(app.get(f"/restapis/{rest_id}/Prod/_user_request_/echo/ann"))
    # Whatever the path: no Missing Authentication Token that would reveal the resources.
    assert _rest_forbidden(app.get("/Prod/nowhere", app.host("RestApi")))
    assert _rest_forbidden(app.get("/v1/ping", app.host("RawApi")))


def test_disabled_rest_api_serves_through_its_custom_domain(app: App) -> None:
    response = app.get("/echo/ann", "rest.lamina.test")
    assert response.status_code == 200, response.text
    assert response.json()["requestContext"]["domainName"] == "rest.lamina.test"


def test_disabled_http_api_refuses_its_default_endpoint(app: App) -> None:
    response = app.get("/echo/ann", app.host("HttpApi"))
    assert (response.status_code, response.content) == (403, FORBIDDEN)
    assert "x-amzn-errortype" not in response.headers
    served = app.get("/echo/ann", "http.lamina.test")
    assert served.status_code == 200, served.text
    assert served.json()["rawPath"] == "/echo/ann"


def test_api_without_the_setting_keeps_its_default_endpoint(app: App) -> None:
    response = app.get("/Live/echo/ann", app.host("PublicApi"))
    assert response.status_code == 200, response.text


def test_banner_says_the_default_endpoint_is_disabled(app: App) -> None:
    output = app.lamina.output()
    rest_id = app.ids["RestApi"]
    note = "(DisableExecuteApiEndpoint: reached through its custom domains only)"
    assert f"RestApi  id={rest_id}  REST  {note}" in output
    assert f"http://{rest_id}.execute-api.localhost" not in output
    assert f"http://{app.ids['PublicApi']}.execute-api.localhost" in output
