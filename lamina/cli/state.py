"""`lamina state export|import`: one archive holding everything a state folder keeps, to
back it up or to move it to another machine (or from SQLite to a PostgreSQL store).

The archive is a gzipped tar:

    lamina-state.json     what it is: format, Lamina version, when, the records' count
    control.jsonl         the control-plane store's records, one JSON object a line
                          ({"kind", "key", "value": base64}), whatever the backend
    files/<path>          every other file of the state folder; SQLite databases are
                          copied with SQLite's online backup, so each is consistent
                          even while `lamina up` writes to it

Left out: SQLite's -wal/-shm companions (the backup folds them in), the control store's
own database file (its records are in control.jsonl), the serving `lamina up`'s
serving.json (its deploy token stays on this machine), and scratch folders (`tmp/`).
Import refuses a state folder or store that already holds something unless `force`,
which empties them first. Stop `lamina up` on the target before importing.
"""

from __future__ import annotations

import base64
import io
import sqlite3
import tarfile
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import orjson

from lamina import __version__
from lamina.cli.operator import SERVING_FILE
from lamina.core.error import LaminaError
from lamina.core.store import Store
from lamina.core.store_sqlite import FILE_NAME as CONTROL_FILE

FORMAT = 1
MANIFEST = "lamina-state.json"
RECORDS = "control.jsonl"
FILES = "files/"
_SQLITE_MAGIC = b"SQLite format 3\x00"
_SKIPPED_SUFFIXES = ("-wal", "-shm", "-journal")
_SKIPPED_FOLDERS = frozenset({"tmp"})
# The control store's database (its records are in control.jsonl) and the serving `lamina
# up`'s address and deploy token: they describe a process, not the state, and the token
# must not leave the folder.
_SKIPPED_FILES = frozenset(
    {CONTROL_FILE, SERVING_FILE, Path(SERVING_FILE).with_suffix(".tmp").name}
)


class StateArchiveError(LaminaError):
    """The archive cannot be written or restored (not an archive, wrong format, target
    not empty)."""


def export_state(state_dir: Path, store: Store, archive: Path) -> dict[str, int]:
    """Write `archive`; the counts of files and records it holds."""
    records = 0
    files = 0
    with tarfile.open(archive, "w:gz") as tar, tempfile.TemporaryDirectory() as scratch:
        lines = io.BytesIO()
        for kind in store.kinds():
            for key, value in store.scan(kind):
                lines.write(
                    orjson.dumps(
                        {"kind": kind, "key": key, "value": base64.b64encode(value).decode()}
                    )
                )
                lines.write(b"\n")
                records += 1
        _add_bytes(tar, RECORDS, lines.getvalue())
        for path in _state_files(state_dir):
            relative = path.relative_to(state_dir).as_posix()
            if _is_sqlite(path):
                copy = Path(scratch) / f"{files}.sqlite"
                _backup_sqlite(path, copy)
                tar.add(copy, arcname=FILES + relative, recursive=False)
            else:
                tar.add(path, arcname=FILES + relative, recursive=False)
            files += 1
        manifest = {
            "format": FORMAT,
            "laminaVersion": __version__,
            "exportedAt": time.time(),
            "records": records,
            "files": files,
        }
        _add_bytes(tar, MANIFEST, orjson.dumps(manifest, option=orjson.OPT_INDENT_2))
    return {"files": files, "records": records}


def import_state(archive: Path, state_dir: Path, store: Store, *, force: bool) -> dict[str, int]:
    """Restore `archive` into `state_dir` and `store`; the counts restored.

    The whole archive is read and checked (its records decode, every file lands inside the
    folder, the counts match the manifest) before anything is replaced, so a truncated or
    corrupt archive leaves the state as it was."""
    with _open_archive(archive) as tar:
        manifest = _manifest(tar, archive)
        occupied = [p for p in _state_files(state_dir) if p.name != CONTROL_FILE]
        if (occupied or store.kinds()) and not force:
            raise StateArchiveError(
                f"{state_dir} or its store already holds state ({len(occupied)} files, "
                f"{len(store.kinds())} kinds of records); import with --force to replace it"
            )
        files = _file_members(tar, archive, state_dir)
        records = list(_records(tar, archive))
        if len(records) != manifest.get("records") or len(files) != manifest.get("files"):
            raise StateArchiveError(
                f"{archive} is incomplete: the manifest lists {manifest.get('files')} files and "
                f"{manifest.get('records')} records, it holds {len(files)} and {len(records)}"
            )
        for path in _all_files(state_dir):  # a stale -wal beside a restored db would corrupt it
            path.unlink()
        for target, member in files:
            source = tar.extractfile(member)
            assert source is not None  # a regular file
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(source.read())
            target.chmod(member.mode & 0o777)
        with store.transaction() as tx:
            for kind in store.kinds():
                tx.delete_prefix(kind, "")
            for kind, key, value in records:
                tx.put(kind, key, value)
    return {"files": len(files), "records": len(records)}


def _file_members(
    tar: tarfile.TarFile, archive: Path, state_dir: Path
) -> list[tuple[Path, tarfile.TarInfo]]:
    """The archive's files with where each goes; one that would land outside `state_dir`
    (`files/../x`, an absolute name) is refused."""
    folder = state_dir.resolve()
    found = []
    for member in tar.getmembers():
        if not member.name.startswith(FILES) or not member.isfile():
            continue
        target = (state_dir / member.name[len(FILES) :]).resolve()
        if not target.is_relative_to(folder):
            raise StateArchiveError(f"{archive}: {member.name} points outside the folder")
        found.append((target, member))
    return found


def _open_archive(archive: Path) -> tarfile.TarFile:
    try:
        return tarfile.open(archive, "r:gz")
    except (tarfile.TarError, OSError) as error:
        raise StateArchiveError(f"{archive} is not a Lamina state archive: {error}") from error


def _manifest(tar: tarfile.TarFile, archive: Path) -> dict[str, object]:
    try:
        member = tar.extractfile(MANIFEST)
    except KeyError:
        member = None
    if member is None:
        raise StateArchiveError(f"{archive} has no {MANIFEST}: not a Lamina state archive")
    manifest = orjson.loads(member.read())
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise StateArchiveError(
            f"{archive} is in state format {manifest.get('format')!r}; this Lamina "
            f"({__version__}) reads format {FORMAT}"
        )
    return manifest


def _records(tar: tarfile.TarFile, archive: Path) -> Iterator[tuple[str, str, bytes]]:
    """(kind, key, value) of each line of control.jsonl (none when it is missing: the
    manifest's count tells)."""
    try:
        member = tar.extractfile(RECORDS)
    except KeyError:
        return
    if member is None:
        return
    for number, line in enumerate(member.read().splitlines(), 1):
        if not line:
            continue
        try:
            record = orjson.loads(line)
            yield record["kind"], record["key"], base64.b64decode(record["value"], validate=True)
        except (orjson.JSONDecodeError, KeyError, TypeError, ValueError) as error:
            raise StateArchiveError(
                f"{archive}: {RECORDS} line {number} is corrupt: {error}"
            ) from error


def _state_files(state_dir: Path) -> list[Path]:
    if not state_dir.is_dir():
        return []
    found = []
    for path in sorted(state_dir.rglob("*")):
        relative = path.relative_to(state_dir)
        if not path.is_file() or path.is_symlink():
            continue
        if relative.parts[0] in _SKIPPED_FOLDERS or path.name.endswith(_SKIPPED_SUFFIXES):
            continue
        if relative.as_posix() in _SKIPPED_FILES:
            continue
        found.append(path)
    return found


def _all_files(state_dir: Path) -> list[Path]:
    """Every file but the control store's own database and its companions (it is open)."""
    if not state_dir.is_dir():
        return []
    return [
        path
        for path in state_dir.rglob("*")
        if (path.is_file() or path.is_symlink())
        and not path.relative_to(state_dir).as_posix().startswith(CONTROL_FILE)
    ]


def _is_sqlite(path: Path) -> bool:
    with path.open("rb") as file:
        return file.read(len(_SQLITE_MAGIC)) == _SQLITE_MAGIC


def _backup_sqlite(source: Path, target: Path) -> None:
    """A consistent copy of a database another process may be writing (WAL mode)."""
    src = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
    dst = sqlite3.connect(target)
    try:
        src.backup(dst)
    finally:
        dst.close()
        src.close()


def _add_bytes(tar: tarfile.TarFile, name: str, data: bytes) -> None:
    info = tarfile.TarInfo(name)
    info.size = len(data)
    info.mtime = int(time.time())
    info.mode = 0o644
    tar.addfile(info, io.BytesIO(data))
