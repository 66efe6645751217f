"""A Node.js function from a SAM template, behind the gateway, through the Runtime API."""

from __future__ import annotations

import shutil
import time
from collections.abc import Iterator

import httpx
import pytest

from tests.conftest import FIXTURES, LaminaProcess

pytestmark = pytest.mark.skipif(shutil.which("node") is None, reason="node is not installed")


@pytest.fixture(scope="module")
def node_app() -> Iterator[LaminaProcess]:
    lamina = LaminaProcess(FIXTURES / "apps" / "node")
    yield lamina
    lamina.stop()


def test_node_function_answers_rest_and_http_apis(node_app: LaminaProcess) -> None:
    with httpx.Client(base_url=node_app.base, timeout=30) as client:
        rest = client.get("/Prod/hello/Ada")
        http = client.get("/v2/hello/Bob")
        again = client.get("/Prod/hello/Cy")
    assert rest.status_code == 200, node_app.output()
    assert rest.json()["name"] == "Ada"
    assert http.json()["version"] == "2.0"
    assert again.json()["calls"] >= 2  # a warm environment keeps its module state
    for _ in range(100):  # the console is flushed every 50 ms
        if "hello Ada" in node_app.output():
            break
        time.sleep(0.02)
    assert "hello Ada" in node_app.output()
