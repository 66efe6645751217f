"""`lamina sync-site` / site content: what changes, which content types, which buckets a
template declares content for."""

from __future__ import annotations

from pathlib import Path

from lamina.cli.sync_site import changes, content_type, declared_sites, local_files
from lamina.config.load import load_application

FIXTURE = Path(__file__).parents[2] / "fixtures" / "apps" / "site_edge"


def test_content_types_follow_the_extension() -> None:
    assert content_type("app.js") == "text/javascript"
    assert content_type("index.html") == "text/html"
    assert content_type("style.css") == "text/css"
    assert content_type("logo.svg") == "image/svg+xml"
    assert content_type("font.woff2") == "font/woff2"
    assert content_type("module.wasm") == "application/wasm"
    assert content_type("README") is None  # S3 then stores binary/octet-stream


def test_changes_skip_identical_objects_and_delete_only_when_asked(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_bytes(b"same")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "b.txt").write_bytes(b"new")
    files = local_files(tmp_path)
    assert set(files) == {"a.txt", "sub/b.txt"}
    objects = {"a.txt": files["a.txt"].etag, "sub/b.txt": '"stale"', "gone.txt": '"x"'}
    assert changes(files, objects, delete=False) == (["sub/b.txt"], [])
    assert changes(files, objects, delete=True) == (["sub/b.txt"], ["gone.txt"])


def test_declared_sites_reads_bucket_metadata() -> None:
    app = load_application(FIXTURE)
    ((bucket, folder, delete),) = declared_sites(app)
    assert bucket.startswith("site-edge-sitebucket-")
    assert folder == (FIXTURE / "site").resolve()
    assert delete is False
