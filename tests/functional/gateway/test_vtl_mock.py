"""VTL mapping templates through a real `lamina up` (tests/fixtures/apps/vtl): MOCK methods
defined in OpenAPI whose request template picks the status and whose response template reads
$input, $context, $stageVariables and $util, and overrides the status and a header."""

from __future__ import annotations

import base64
from collections.abc import Iterator

import httpx
import pytest

from tests.conftest import FIXTURES, LaminaProcess


@pytest.fixture(scope="module")
def vtl_app() -> Iterator[LaminaProcess]:
    lamina = LaminaProcess(FIXTURES / "apps" / "vtl")
    yield lamina
    lamina.stop()


@pytest.fixture
def client(vtl_app: LaminaProcess) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=vtl_app.base, timeout=20) as client:
        yield client


@pytest.mark.parametrize(
    ("query", "status", "message"),
    [
        ({"scope": "internal"}, 200, "Go ahead without me."),
        ({"scope": "public"}, 500, "The invoked method is not supported on the API resource."),
    ],
)
def test_vtl_mock_request_template_picks_the_status(
    client: httpx.Client, query: dict[str, str], status: int, message: str
) -> None:
    response = client.get("/dev/scoped", params=query)
    assert response.status_code == status
    assert response.json() == {"statusCode": status, "message": message}
    assert response.headers["content-type"] == "application/json"


def test_vtl_mock_response_template_reads_every_kind_of_variable(client: httpx.Client) -> None:
    response = client.get("/dev/pets/a'b?q=a%20b%26c")
    assert response.status_code == 200
    assert response.headers["x-pet"] == "a'b"
    assert response.json() == {
        "id": "a'b",  # escapeJavaScript, then the documented replaceAll("\\'", "'")
        "stage": "dev",
        "greeting": "hello",
        "resourcePath": "/pets/{petId}",
        "path": "/dev/pets/a'b",
        "sourceIp": "127.0.0.1",
        "encoded": "a+b%26c",
        "b64": base64.b64encode(b"a'b").decode(),
    }


def test_vtl_mock_response_override_sets_status_and_header(client: httpx.Client) -> None:
    response = client.get("/dev/pets/-1")
    assert response.status_code == 400
    assert response.headers["x-pet"] == "invalid"
    assert response.json() == {
        "errors": [{"key": "GetPetRequest.petId", "message": "The value is out of range."}]
    }


def test_vtl_mock_broken_template_answers_500(client: httpx.Client) -> None:
    response = client.get("/dev/broken")
    assert response.status_code == 500
    assert response.json() == {"message": "Internal server error"}
