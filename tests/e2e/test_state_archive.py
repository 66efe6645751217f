"""`lamina state export` / `import`: a state made by one `lamina up` (a secret, a KMS key,
a control-plane record) moves into another state folder, and into a PostgreSQL store,
and the next `lamina up` serves it."""

from __future__ import annotations

import subprocess
import sys
import tarfile
import uuid
from pathlib import Path
from typing import Any

import boto3
import orjson
import pytest

from lamina.core.store_open import open_store
from lamina.core.store_postgres import drop_schema
from tests.conftest import FIXTURES, LaminaProcess

APP = FIXTURES / "apps" / "secrets"
POSTGRES = "postgresql://postgres@127.0.0.1:5432/test"


def _client(base: str, service: str) -> Any:
    return boto3.client(
        service,
        endpoint_url=base,
        region_name="us-east-1",
        aws_access_key_id="test",
        aws_secret_access_key="test",
    )


def _lamina(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "lamina.cli", *args],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_a_state_moves_to_another_folder_and_to_postgresql(tmp_path: Path) -> None:
    source = tmp_path / "source"
    lamina = LaminaProcess(APP, state_dir=source)
    try:
        sm = _client(lamina.base, "secretsmanager")
        sm.create_secret(Name="moved", SecretString="still here")
        key = _client(lamina.base, "kms").create_key(Description="moved key")["KeyMetadata"]
    finally:
        lamina.stop()
    with open_store(None, source).transaction() as tx:  # a control-plane record
        tx.put("test/records", "one", b"\x01\x02")

    archive = tmp_path / "state.tar.gz"
    exported = _lamina("state", "export", str(archive), str(APP), "--state-dir", str(source))
    assert exported.returncode == 0, exported.stderr
    with tarfile.open(archive) as tar:
        names = tar.getnames()
        manifest = orjson.loads(tar.extractfile("lamina-state.json").read())  # type: ignore[union-attr]
    assert manifest["format"] == 1 and manifest["records"] >= 1
    assert "files/secretsmanager/secrets.sqlite" in names
    assert not [name for name in names if name.endswith(("-wal", "-shm"))]
    assert "files/control.sqlite3" not in names  # its records travel in control.jsonl

    schema = f"lamina_test_state_{uuid.uuid4().hex[:10]}"
    url = f"{POSTGRES}?schema={schema}"
    target = tmp_path / "target"
    try:
        imported = _lamina(
            "state", "import", str(archive), str(APP), "--state-dir", str(target), "--store", url
        )
        assert imported.returncode == 0, imported.stderr
        store = open_store(url, target)
        try:
            assert store.get("test/records", "one") == b"\x01\x02"
        finally:
            store.close()

        again = _lamina(
            "state", "import", str(archive), str(APP), "--state-dir", str(target), "--store", url
        )
        assert again.returncode == 2 and "--force" in again.stderr
        forced = _lamina(
            "state",
            "import",
            str(archive),
            str(APP),
            "--state-dir",
            str(target),
            "--store",
            url,
            "--force",
        )
        assert forced.returncode == 0, forced.stderr

        restored = LaminaProcess(APP, "--store", url, state_dir=target)
        try:
            sm = _client(restored.base, "secretsmanager")
            assert sm.get_secret_value(SecretId="moved")["SecretString"] == "still here"
            kms = _client(restored.base, "kms")
            assert kms.describe_key(KeyId=key["KeyId"])["KeyMetadata"]["Description"] == (
                "moved key"
            )
        finally:
            restored.stop()
    finally:
        drop_schema(POSTGRES, schema)


def test_import_refuses_what_is_not_an_archive(tmp_path: Path) -> None:
    bogus = tmp_path / "bogus.tar.gz"
    bogus.write_bytes(b"not a tar")
    result = _lamina("state", "import", str(bogus), str(APP), "--state-dir", str(tmp_path / "s"))
    assert result.returncode == 2
    assert "not a Lamina state archive" in result.stderr


@pytest.mark.parametrize("url", ["mysql://db/x", "postgresql://postgres@127.0.0.1:1/test"])
def test_a_bad_store_url_is_a_clear_error(tmp_path: Path, url: str) -> None:
    archive = tmp_path / "state.tar.gz"
    result = _lamina("state", "export", str(archive), str(APP), "--store", url)
    assert result.returncode == 2
    assert result.stderr.startswith("error: --store: ")
