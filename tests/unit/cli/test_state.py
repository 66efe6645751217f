"""`lamina state import` checks the whole archive before it replaces anything: an archive
that is truncated or corrupt leaves the state folder and the store as they were."""

from __future__ import annotations

import io
import tarfile
from pathlib import Path

import orjson
import pytest

from lamina.cli.state import StateArchiveError, export_state, import_state
from lamina.core.store import Store
from lamina.core.store_open import open_store


def _state(folder: Path, secret: bytes) -> Store:
    """A state folder with one file and a store with one record."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "secrets.json").write_bytes(secret)
    store = open_store(None, folder)
    with store.transaction() as tx:
        tx.put("restapis", "abc", secret)
    return store


def _rewrite(archive: Path, change: dict[str, bytes | None]) -> None:
    """Rewrite `archive` with members replaced (bytes) or dropped (None)."""
    with tarfile.open(archive, "r:gz") as tar:
        members = [(m, tar.extractfile(m).read()) for m in tar.getmembers() if m.isfile()]  # type: ignore[union-attr]
    with tarfile.open(archive, "w:gz") as tar:
        for member, data in members:
            if member.name in change:
                replaced = change[member.name]
                if replaced is None:
                    continue
                data = replaced
            member.size = len(data)
            tar.addfile(member, io.BytesIO(data))


def _archive(tmp_path: Path) -> Path:
    source = _state(tmp_path / "source", b"new")
    archive = tmp_path / "state.tar.gz"
    export_state(tmp_path / "source", source, archive)
    source.close()
    return archive


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"files/secrets.json": None}, "incomplete"),
        (
            {"control.jsonl": b'{"kind": "restapis", "key": "abc", "value": "bmV3"}\n{oops\n'},
            "corrupt",
        ),
    ],
)
def test_import_state_bad_archive_keeps_the_previous_state(
    tmp_path: Path, change: dict[str, bytes | None], message: str
) -> None:
    archive = _archive(tmp_path)
    _rewrite(archive, change)
    target = tmp_path / "target"
    store = _state(target, b"old")
    try:
        with pytest.raises(StateArchiveError, match=message):
            import_state(archive, target, store, force=True)
        assert (target / "secrets.json").read_bytes() == b"old"
        assert store.get("restapis", "abc") == b"old"
    finally:
        store.close()


def test_import_state_good_archive_replaces_the_state(tmp_path: Path) -> None:
    archive = _archive(tmp_path)
    target = tmp_path / "target"
    store = _state(target, b"old")
    try:
        assert import_state(archive, target, store, force=True) == {"files": 1, "records": 1}
        assert (target / "secrets.json").read_bytes() == b"new"
        assert store.get("restapis", "abc") == b"new"
    finally:
        store.close()


def test_import_state_member_outside_the_folder_is_refused(tmp_path: Path) -> None:
    archive = _archive(tmp_path)
    with tarfile.open(archive, "r:gz") as tar:
        manifest = tar.extractfile("lamina-state.json").read()  # type: ignore[union-attr]
    with tarfile.open(archive, "w:gz") as tar:
        for name, data in (
            ("lamina-state.json", manifest),
            ("control.jsonl", orjson.dumps({"kind": "k", "key": "a", "value": ""}) + b"\n"),
            ("files/../escaped", b"x"),
        ):
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    target = tmp_path / "target"
    store = _state(target, b"old")
    try:
        with pytest.raises(StateArchiveError, match="outside the folder"):
            import_state(archive, target, store, force=True)
        assert not (tmp_path / "escaped").exists()
        assert (target / "secrets.json").read_bytes() == b"old"
    finally:
        store.close()


def test_export_state_leaves_out_the_serving_file_and_its_token(tmp_path: Path) -> None:
    source = _state(tmp_path / "source", b"new")
    (tmp_path / "source" / "serving.json").write_text('{"token": "secret"}')
    archive = tmp_path / "state.tar.gz"
    try:
        assert export_state(tmp_path / "source", source, archive) == {"files": 1, "records": 1}
    finally:
        source.close()
    with tarfile.open(archive, "r:gz") as tar:
        assert "files/serving.json" not in tar.getnames()
