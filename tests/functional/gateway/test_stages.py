"""Named stages: stage variables, the stage in rawPath, and percent-decoding per API kind."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from tests.conftest import FIXTURES, LaminaProcess


@pytest.fixture(scope="module")
def staged() -> Iterator[LaminaProcess]:
    lamina = LaminaProcess(FIXTURES / "apps" / "staged")
    yield lamina
    lamina.stop()


@pytest.fixture
def client(staged: LaminaProcess) -> httpx.Client:
    return httpx.Client(base_url=staged.base, timeout=20)


def test_http_named_stage_v2_raw_path_has_stage_and_variables(client: httpx.Client) -> None:
    event = client.get("/beta/v2/J%C3%B6rg").json()
    assert event["rawPath"] == "/beta/v2/Jörg"
    assert event["routeKey"] == "GET /v2/{name}"
    assert event["pathParameters"] == {"name": "Jörg"}
    assert event["stageVariables"] == {"color": "blue"}
    assert event["requestContext"]["stage"] == "beta"


def test_http_named_stage_v1_paths_carry_the_stage_once(client: httpx.Client) -> None:
    event = client.get("/beta/v1/x").json()
    assert event["version"] == "1.0"
    assert event["path"] == "/beta/v1/x"
    assert event["requestContext"]["path"] == "/beta/v1/x"
    assert event["resource"] == "/v1/{name}"


def test_rest_named_stage_keeps_path_encoded(client: httpx.Client) -> None:
    event = client.get("/dev/rest/J%C3%B6rg").json()
    assert event["path"] == "/rest/J%C3%B6rg"
    assert event["requestContext"]["path"] == "/dev/rest/J%C3%B6rg"
    assert event["stageVariables"] == {"color": "green"}


def test_http_unknown_stage_is_not_found(client: httpx.Client) -> None:
    assert client.get("/gamma/v2/x").status_code == 404
