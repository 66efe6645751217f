"""Unpacking deployment packages: content addressing, traversal, symlinks, limits."""

from __future__ import annotations

import io
import stat
import zipfile
from pathlib import Path

import pytest

from lamina.aws.service import ServiceError
from lamina.services.lambda_ import code
from lamina.services.lambda_.code import CodeStore

from .conftest import zipped


def _with_symlink(name: str, target: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("app.py", "x = 1\n")
        info = zipfile.ZipInfo(name)
        info.external_attr = (stat.S_IFLNK | 0o777) << 16
        archive.writestr(info, target)
    return buffer.getvalue()


def test_put_zip_unpacks_into_folder_named_by_sha256(tmp_path: Path) -> None:
    data = zipped({"app.py": "x = 1\n", "pkg/mod.py": "y = 2\n"})
    stored = CodeStore(tmp_path).put_zip(data, "CreateFunction")
    assert Path(stored.path).parent == tmp_path
    assert (Path(stored.path) / "pkg" / "mod.py").read_text() == "y = 2\n"
    assert CodeStore(tmp_path).put_zip(data, "CreateFunction") == stored


def test_put_zip_with_parent_path_is_invalid(tmp_path: Path) -> None:
    with pytest.raises(ServiceError) as raised:
        CodeStore(tmp_path / "code").put_zip(zipped({"../evil.py": "x"}), "CreateFunction")
    assert raised.value.code == "InvalidParameterValueException"
    assert not (tmp_path / "evil.py").exists()


def test_put_zip_with_escaping_symlink_is_invalid(tmp_path: Path) -> None:
    with pytest.raises(ServiceError):
        CodeStore(tmp_path / "code").put_zip(_with_symlink("link", "/etc"), "CreateFunction")


def test_put_zip_writing_through_a_symlinked_folder_is_invalid(tmp_path: Path) -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        info = zipfile.ZipInfo("out")
        info.external_attr = (stat.S_IFLNK | 0o777) << 16
        archive.writestr(info, "../../outside")
        archive.writestr("out/file.py", "x")
    with pytest.raises(ServiceError):
        CodeStore(tmp_path / "a" / "code").put_zip(buffer.getvalue(), "CreateFunction")
    assert not (tmp_path / "outside").exists()


def test_put_zip_keeps_symlink_inside_the_package(tmp_path: Path) -> None:
    stored = CodeStore(tmp_path).put_zip(_with_symlink("alias.py", "app.py"), "CreateFunction")
    assert (Path(stored.path) / "alias.py").read_text() == "x = 1\n"


def test_put_zip_not_a_zip_is_invalid(tmp_path: Path) -> None:
    with pytest.raises(ServiceError) as raised:
        CodeStore(tmp_path).put_zip(b"not a zip", "CreateFunction")
    assert raised.value.message.startswith("Could not unzip uploaded file.")


def test_put_zip_over_50mb_is_request_entity_too_large(tmp_path: Path) -> None:
    with pytest.raises(ServiceError) as raised:
        CodeStore(tmp_path).put_zip(b"\0" * (code.MAX_ZIPPED_BYTES + 1), "CreateFunction")
    assert raised.value.status == 413


def test_put_zip_unzipped_over_250mb_is_invalid(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(code, "MAX_UNZIPPED_BYTES", 10)
    with pytest.raises(ServiceError) as raised:
        CodeStore(tmp_path).put_zip(zipped({"a.py": "x" * 11}), "CreateFunction")
    assert raised.value.message == "Unzipped size must be smaller than 10 bytes"
