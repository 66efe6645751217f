"""Function and layer code: zip archives unpacked safely into content-addressed folders.

``<root>/<hex sha256 of the zip>/`` holds the unpacked files and ``<root>/<hex>.zip`` the
archive, so versions (and functions) that share a zip share one folder. Limits follow
https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import io
import os
import shutil
import stat
import tempfile
import zipfile
from pathlib import Path, PurePosixPath

import msgspec

from lamina.aws.service import ServiceError
from lamina.services.lambda_.error import invalid

MAX_ZIPPED_BYTES = 52_428_800
"""50 MB: a zip uploaded directly with the request."""
MAX_UNZIPPED_BYTES = 262_144_000
"""250 MB: the unzipped deployment package, layers included."""
# A direct upload travels base64-encoded in the JSON body; Lambda states the limit as the
# encoded size of a 50 MB zip.
MAX_REQUEST_BYTES = 69_905_067
_FOLDER_SCAN_LIMIT = 20_000
_UNZIP_FAILED = "Could not unzip uploaded file. Please check your file, then try to upload again."


class StoredCode(msgspec.Struct, frozen=True):
    path: str
    sha256: str
    """CodeSha256 as Lambda reports it: base64 of the zip's SHA-256 digest."""
    size: int
    """CodeSize: the zip's size in bytes."""


class CodeStore:
    def __init__(self, root: Path) -> None:
        self._root = root

    @property
    def root(self) -> Path:
        """The folder holding ``<hex>/`` (unpacked) and ``<hex>.zip`` per stored zip."""
        return self._root

    def put_zip(self, data: bytes, operation: str) -> StoredCode:
        """Check and unpack ``data`` (once per distinct zip); raises ServiceError."""
        if len(data) > MAX_ZIPPED_BYTES:
            raise ServiceError(
                "RequestEntityTooLargeException",
                f"Request must be smaller than {MAX_REQUEST_BYTES} bytes for the "
                f"{operation} operation",
                status=413,
            )
        digest = hashlib.sha256(data)
        folder = self._root / digest.hexdigest()
        if not folder.is_dir():
            self._root.mkdir(parents=True, exist_ok=True)
            _unpack_into(data, folder)
            (self._root / f"{digest.hexdigest()}.zip").write_bytes(data)
        sha = base64.b64encode(digest.digest()).decode()
        return StoredCode(str(folder), sha, len(data))


def _unpack_into(data: bytes, folder: Path) -> None:
    """Unpack in a scratch folder, then rename it into place (readers never see half)."""
    scratch = Path(tempfile.mkdtemp(prefix=".unpack-", dir=folder.parent))
    try:
        _extract(_open(data), scratch)
        os.replace(scratch, folder)
    except OSError:
        if folder.is_dir():  # a concurrent upload of the same zip won the rename
            return
        raise
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def _open(data: bytes) -> zipfile.ZipFile:
    try:
        return zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile as error:
        raise invalid(_UNZIP_FAILED) from error


def _extract(archive: zipfile.ZipFile, target: Path) -> None:
    members = archive.infolist()
    if sum(member.file_size for member in members) > MAX_UNZIPPED_BYTES:
        raise invalid(f"Unzipped size must be smaller than {MAX_UNZIPPED_BYTES} bytes")
    root = target.resolve()
    for member in members:
        relative = _safe_relative(member.filename)
        if relative is None:
            continue
        destination = root / relative
        if member.is_dir():
            destination.mkdir(parents=True, exist_ok=True)
        else:
            destination.parent.mkdir(parents=True, exist_ok=True)
            _write_member(archive, member, destination)
        # An earlier symlinked folder may route this entry elsewhere: check where it is.
        _inside(destination, root, member.filename)


def _write_member(archive: zipfile.ZipFile, member: zipfile.ZipInfo, destination: Path) -> None:
    mode = member.external_attr >> 16
    try:
        content = archive.read(member)
    except (zipfile.BadZipFile, OSError, RuntimeError) as error:
        raise invalid(_UNZIP_FAILED) from error
    if stat.S_ISLNK(mode):
        os.symlink(content.decode(errors="replace"), destination)
        return
    destination.write_bytes(content)
    destination.chmod(((mode & 0o777) | 0o444) if mode & 0o777 else 0o644)


def _inside(path: Path, root: Path, name: str) -> None:
    resolved = path.resolve()
    if resolved != root and not resolved.is_relative_to(root):
        if path.is_symlink():
            path.unlink()
        raise invalid(f"Invalid zip entry pointing outside the package: {name}")


def _safe_relative(name: str) -> PurePosixPath | None:
    """The member's path inside the package; a path leaving it is refused."""
    path = PurePosixPath(name.replace("\\", "/"))
    parts = [part for part in path.parts if part not in ("", ".")]
    if path.is_absolute() or ".." in parts:
        raise invalid(f"Invalid zip entry pointing outside the package: {name}")
    return PurePosixPath(*parts) if parts else None


def describe_folder(folder: Path) -> tuple[str, int]:
    """A stand-in CodeSha256 and CodeSize for code that came as a folder (a template's
    CodeUri): a digest over file names, sizes and modification times (the first
    20,000 files, so a huge folder costs a bounded walk)."""
    digest = hashlib.sha256()
    total = 0
    seen = 0
    for directory, folders, files in os.walk(folder):
        folders.sort()
        for name in sorted(files):
            path = Path(directory, name)
            with contextlib.suppress(OSError):
                info = path.stat()
                total += info.st_size
                entry = f"{path.relative_to(folder)}\0{info.st_size}\0{info.st_mtime_ns}\n"
                digest.update(entry.encode())
            seen += 1
            if seen >= _FOLDER_SCAN_LIMIT:
                return base64.b64encode(digest.digest()).decode(), total
    return base64.b64encode(digest.digest()).decode(), total


_EPOCH = (1980, 1, 1, 0, 0, 0)
"""The timestamp of every entry of a snapshot zip, so equal folders give equal zips."""


def zip_folder(folder: Path) -> bytes:
    """A code folder (a template's CodeUri) as a zip: what PublishVersion keeps of a
    template's function, so the version keeps running that code after the folder changes.

    Entries in name order with one fixed timestamp and their permission bits; a symbolic
    link to a file or folder inside stays a (relative) link, a link to a file outside is
    stored as that file's content, a link to a folder outside is left out."""
    root = folder.resolve()
    buffer = io.BytesIO()
    total = 0
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for directory, folders, files in os.walk(root):
            folders.sort()
            base = Path(directory)
            for name in sorted([*files, *(f for f in folders if (base / f).is_symlink())]):
                path = base / name
                total += _add_entry(archive, path, path.relative_to(root).as_posix(), root)
                if total > MAX_UNZIPPED_BYTES:
                    raise invalid(f"Unzipped size must be smaller than {MAX_UNZIPPED_BYTES} bytes")
    return buffer.getvalue()


def _add_entry(archive: zipfile.ZipFile, path: Path, name: str, root: Path) -> int:
    """Write one file or link; its size."""
    target = path.resolve()
    inside = target == root or target.is_relative_to(root)
    if path.is_symlink() and inside:
        link = os.path.relpath(target, path.parent)
        archive.writestr(_entry(name, stat.S_IFLNK | 0o777), link)
        return len(link)
    if not target.is_file():
        return 0
    info = target.stat()
    content = target.read_bytes()
    archive.writestr(_entry(name, stat.S_IFREG | (info.st_mode & 0o777)), content)
    return len(content)


def _entry(name: str, mode: int) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name, date_time=_EPOCH)
    info.external_attr = mode << 16
    info.compress_type = zipfile.ZIP_DEFLATED
    return info
