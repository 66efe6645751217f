"""`lamina state export` / `import`: a state made by one `lamina up` (a secret, a KMS key,
a control-plane record) moves into another state folder, and into a PostgreSQL store,
and the next `lamina up` serves it."""

from __future__ import annotations

import tarfile
import uuid
from pathlib import Path

import orjson
import pytest

from lamina.core.store_open import open_store
from lamina.core.store_postgres import drop_schema
from tests.clients import aws_client, lamina_cli
from tests.conftest import FIXTURES, LaminaProcess

APP = FIXTURES / "apps" / "secrets"
POSTGRES = "postgresql://postgres@127.0.0.1:5432/test"


def test_a_state_moves_to_another_folder_and_to_postgresql(tmp_path: Path) -> None:
    source = tmp_path / "source"
    lamina = LaminaProcess(APP, state_dir=source)
    try:
        sm = aws_client(lamina.base, "secretsmanager")
        sm.create_secret(Name="moved", SecretString="still here")
        key = aws_client(lamina.base, "kms").create_key(Description="moved key")["KeyMetadata"]
    finally:
        lamina.stop()
    with open_store(None, source).transaction() as tx:  # a control-plane record
        tx.put("test/records", "one", b"\x01\x02")

    archive = tmp_path / "state.tar.gz"
    exported = lamina_cli("state", "export", str(archive), str(APP), "--state-dir", str(source))
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
        imported = lamina_cli(
            "state", "import", str(archive), str(APP), "--state-dir", str(target), "--store", url
        )
        assert imported.returncode == 0, imported.stderr
        store = open_store(url, target)
        try:
            assert store.get("test/records", "one") == b"\x01\x02"
        finally:
            store.close()

        again = lamina_cli(
            "state", "import", str(archive), str(APP), "--state-dir", str(target), "--store", url
        )
        assert again.returncode == 2 and "--force" in again.stderr
        forced = lamina_cli(
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
            sm = aws_client(restored.base, "secretsmanager")
            assert sm.get_secret_value(SecretId="moved")["SecretString"] == "still here"
            kms = aws_client(restored.base, "kms")
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
    result = lamina_cli("state", "import", str(bogus), str(APP), "--state-dir", str(tmp_path / "s"))
    assert result.returncode == 2
    assert "not a Lamina state archive" in result.stderr


@pytest.mark.parametrize("url", ["mysql://db/x", "postgresql://postgres@127.0.0.1:1/test"])
def test_a_bad_store_url_is_a_clear_error(tmp_path: Path, url: str) -> None:
    archive = tmp_path / "state.tar.gz"
    result = lamina_cli("state", "export", str(archive), str(APP), "--store", url)
    assert result.returncode == 2
    assert result.stderr.startswith("error: --store: ")
