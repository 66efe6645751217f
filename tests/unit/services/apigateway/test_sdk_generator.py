"""OpenAPI Generator's run: a clear BadRequestException without Java, and a real generation
zipped under the folder asked for."""

from __future__ import annotations

import io
import shutil
import zipfile

import pytest

from lamina.aws.service import ServiceError
from lamina.services.apigateway.sdk.catalog import KINDS
from lamina.services.apigateway.sdk.generator import generate, java_command

DOCUMENT = {
    "openapi": "3.0.1",
    "info": {"title": "t", "version": "1"},
    "servers": [{"url": "http://127.0.0.1:9/restapis/a/s/_user_request_"}],
    "paths": {
        "/pets/{id}": {
            "get": {
                "parameters": [
                    {"name": "id", "in": "path", "required": True, "schema": {"type": "string"}}
                ],
                "responses": {
                    "200": {"description": "ok", "content": {"application/json": {"schema": {}}}}
                },
            }
        }
    },
}


def test_without_java_the_request_is_refused_saying_why(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", "")
    monkeypatch.delenv("JAVA_HOME", raising=False)
    with pytest.raises(ServiceError) as caught:
        java_command()
    assert caught.value.code == "BadRequestException"
    assert "needs a Java runtime" in caught.value.message


@pytest.mark.skipif(shutil.which("java") is None, reason="no Java runtime on this machine")
async def test_generation_is_zipped_under_one_folder() -> None:
    body = await generate(KINDS["python"], DOCUMENT, {"packageName": "pets_client"}, "pets-sdk")
    names = zipfile.ZipFile(io.BytesIO(body)).namelist()
    assert all(name.startswith("pets-sdk/") for name in names)
    assert "pets-sdk/pets_client/api/default_api.py" in names
    source = zipfile.ZipFile(io.BytesIO(body)).read("pets-sdk/pets_client/api/default_api.py")
    assert b"def pets_id_get(" in source
