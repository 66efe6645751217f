"""Layers: merged read-only at /opt with their python folders on sys.path (namespace
mode), or their python folders on sys.path and LAMINA_LAYERS (fallback).

https://docs.aws.amazon.com/lambda/latest/dg/packaging-layers.html#packaging-layers-paths
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest

from lamina.functions.sandbox.policy import IsolationMode

from .conftest import Sandboxed
from .test_isolation import (
    FIXTURES,
    call,
    code_folder,
    needs_namespace,
    probe_function,
)

SITE = f"python/lib/python{sys.version_info.major}.{sys.version_info.minor}/site-packages"


@pytest.fixture
def layers(tmp_path: Path) -> tuple[str, str]:
    """Two unpacked layers; both define ``shared``, the second also a site-packages module."""
    first, second = tmp_path / "layers" / "first", tmp_path / "layers" / "second"
    shutil.copytree(FIXTURES / "layers", tmp_path / "layers")
    (second / SITE).mkdir(parents=True)
    (second / SITE / "second_site.py").write_text('VALUE = "from site-packages"\n')
    return str(first), str(second)


@needs_namespace
async def test_layers_merge_at_opt_later_layer_wins(
    sandboxed: Sandboxed, tmp_path: Path, layers: tuple[str, str]
) -> None:
    code = code_folder(tmp_path, "code")
    service = sandboxed(
        [
            probe_function("import", code, "import_module", layers=layers),
            probe_function("read", code, "read_file", layers=layers),
            probe_function("write", code, "write_file", layers=layers),
        ]
    )
    shared = await call(service, "import", {"module": "shared"})
    assert shared == {"value": "second", "file": "/opt/python/shared.py"}
    only_first = await call(service, "import", {"module": "only_first"})
    assert only_first == {"value": "from first", "file": "/opt/python/only_first.py"}
    site = await call(service, "import", {"module": "second_site"})
    assert site == {"value": "from site-packages", "file": f"/opt/{SITE}/second_site.py"}
    assert await call(service, "read", {"path": "/opt/note.txt"}) == {"text": "layer two\n"}
    assert await call(service, "read", {"path": "/opt/first.txt"}) == {"text": "only first\n"}
    assert await call(service, "write", {"path": "/opt/python/x.py"}) == {"error": "EROFS"}


@needs_namespace
async def test_layers_single_layer_is_opt(
    sandboxed: Sandboxed, tmp_path: Path, layers: tuple[str, str]
) -> None:
    code = code_folder(tmp_path, "code")
    service = sandboxed(
        [
            probe_function("import", code, "import_module", layers=layers[:1]),
            probe_function("write", code, "write_file", layers=layers[:1]),
        ]
    )
    shared = await call(service, "import", {"module": "shared"})
    assert shared == {"value": "first", "file": "/opt/python/shared.py"}
    assert await call(service, "write", {"path": "/opt/python/x.py"}) == {"error": "EROFS"}


@needs_namespace
async def test_layers_none_leave_opt_empty_and_off_sys_path(
    sandboxed: Sandboxed, tmp_path: Path
) -> None:
    code = code_folder(tmp_path, "code")
    service = sandboxed(
        [probe_function("ls", code, "list_dir"), probe_function("where", code, "where")]
    )
    assert await call(service, "ls", {"path": "/opt"}) == {"names": []}
    where = await call(service, "where", {})
    assert where["sys_path"][0] == str(code)
    assert not [path for path in where["sys_path"] if path.startswith("/opt")]


async def test_layers_fallback_python_folders_on_sys_path(
    sandboxed: Sandboxed, tmp_path: Path, layers: tuple[str, str]
) -> None:
    first, second = layers
    code = code_folder(tmp_path, "code")
    service = sandboxed(
        [
            probe_function("import", code, "import_module", layers=layers),
            probe_function("where", code, "where", layers=layers),
        ],
        mode=IsolationMode.FALLBACK,
    )
    shared = await call(service, "import", {"module": "shared"})
    assert shared == {"value": "second", "file": f"{second}/python/shared.py"}
    only_first = await call(service, "import", {"module": "only_first"})
    assert only_first["file"] == f"{first}/python/only_first.py"
    site = await call(service, "import", {"module": "second_site"})
    assert site["file"] == f"{second}/{SITE}/second_site.py"
    where = await call(service, "where", {})
    assert where["layers"] == f"{first}:{second}"
    assert where["sys_path"][:5] == [
        str(code),
        f"{second}/{SITE}",
        f"{second}/python",
        f"{first}/{SITE}",
        f"{first}/python",
    ]
