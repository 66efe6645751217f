"""Private API host names over `lamina up --tls`: the generated certificate covers the
endpoint alias (`{apiId}-{vpceId}.execute-api.localhost`) and the endpoint's own name
(`{vpceId}.execute-api.vpce.localhost`), verified by a real TLS client with SNI."""

from __future__ import annotations

import shutil
import ssl
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from lamina.config.load import load_application
from tests.conftest import FIXTURES, LaminaProcess


@pytest.fixture(scope="module")
def app_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("private-tls") / "private_api"
    shutil.copytree(
        FIXTURES / "apps" / "private_api", folder, ignore=shutil.ignore_patterns(".lamina")
    )
    return folder


@pytest.fixture(scope="module")
def lamina(app_folder: Path) -> Iterator[LaminaProcess]:
    process = LaminaProcess(app_folder / "template.yaml", "--tls")
    deadline = time.monotonic() + 10  # the banner follows the listening socket
    while "Listening on" not in process.output() and time.monotonic() < deadline:
        time.sleep(0.05)
    yield process
    process.stop()


def _get(lamina: LaminaProcess, ca: Path, name: str, headers: dict[str, str]) -> httpx.Response:
    context = ssl.create_default_context(cafile=ca)
    with httpx.Client(verify=context, timeout=20) as client:
        return client.get(
            f"https://127.0.0.1:{lamina.port}/prod/hello",
            headers={"Host": f"{name}:{lamina.port}", **headers},
            extensions={"sni_hostname": name},
        )


def test_endpoint_names_are_served_with_a_trusted_certificate(
    lamina: LaminaProcess, app_folder: Path
) -> None:
    app = load_application(app_folder)
    api = next(a.id for a in app.rest_apis if a.logical_id == "PrivateApi")
    endpoint = app.vpc_endpoints[0].id
    ca = app_folder / ".lamina" / "tls" / "ca.pem"
    alias = _get(lamina, ca, f"{api}-{endpoint}.execute-api.localhost", {})
    assert alias.status_code == 200, alias.text
    named = _get(lamina, ca, f"{endpoint}.execute-api.vpce.localhost", {"x-apigw-api-id": api})
    assert named.status_code == 200, named.text
