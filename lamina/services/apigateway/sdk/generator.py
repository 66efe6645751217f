"""Run OpenAPI Generator over an OpenAPI document and zip what it writes.

The generator is the jar the PyPI package `openapi-generator-cli` ships, run with the
machine's Java runtime in a subprocess (the event loop keeps serving meanwhile). One
generation runs at a time: each is a JVM of its own, seconds of CPU on a small machine.
"""

from __future__ import annotations

import asyncio
import importlib.resources
import io
import os
import shutil
import tempfile
import zipfile
from pathlib import Path
from typing import Any

import orjson

from lamina.services.apigateway.error import bad_request
from lamina.services.apigateway.sdk.catalog import SdkKind

TIMEOUT_S = 180.0
_ONE_AT_A_TIME = asyncio.Semaphore(1)


class GeneratorError(Exception):
    """OpenAPI Generator could not run, or failed on the document (its output attached)."""


def java_command() -> list[str]:
    """`java -jar <openapi-generator.jar>`, or a BadRequestException saying what is missing."""
    home = os.environ.get("JAVA_HOME")
    java = shutil.which("java") or (str(Path(home) / "bin" / "java") if home else None)
    if java is None or not Path(java).exists():
        raise bad_request(
            "Lamina generates SDKs with OpenAPI Generator, which needs a Java runtime: "
            "install one (java on the PATH, or JAVA_HOME)"
        )
    jar = importlib.resources.files("openapi_generator_cli") / "openapi-generator.jar"
    return [java, "-jar", str(jar)]


async def generate(
    kind: SdkKind, document: dict[str, Any], options: dict[str, str], folder: str
) -> bytes:
    """The zip of the client OpenAPI Generator writes for `document`, under `folder/`.

    `options`: the generator's additional properties beside the kind's own.
    """
    properties = dict(kind.options) | options
    async with _ONE_AT_A_TIME:
        with tempfile.TemporaryDirectory(prefix="lamina-sdk-") as scratch:
            spec = Path(scratch) / "openapi.json"
            spec.write_bytes(orjson.dumps(document))
            out = Path(scratch) / "out"
            command = [
                *java_command(),
                "generate",
                "--generator-name",
                kind.generator,
                "--input-spec",
                str(spec),
                "--output",
                str(out),
                "--skip-validate-spec",
                "--global-property",
                "apiTests=false,modelTests=false",
                "--additional-properties",
                ",".join(f"{key}={value}" for key, value in sorted(properties.items())),
            ]
            await _run(command)
            return _zip(out, folder)


async def _run(command: list[str]) -> None:
    process = await asyncio.create_subprocess_exec(
        *command,
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    try:
        output, _ = await asyncio.wait_for(process.communicate(), TIMEOUT_S)
    except TimeoutError:
        process.kill()
        await process.wait()
        raise GeneratorError(f"OpenAPI Generator did not finish in {TIMEOUT_S:.0f}s") from None
    if process.returncode != 0:
        tail = output.decode(errors="replace").strip().splitlines()[-20:]
        raise GeneratorError("\n".join(tail))


def _zip(root: Path, folder: str) -> bytes:
    """Every file under `root`, sorted, as `folder/<relative path>` entries."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(root.rglob("*")):
            if path.is_file():
                archive.write(path, f"{folder}/{path.relative_to(root).as_posix()}")
    return buffer.getvalue()
