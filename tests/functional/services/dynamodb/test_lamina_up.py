"""`lamina up --dynamodb URL` (or LAMINA_DYNAMODB_URL) keeps the template's tables in
PostgreSQL, in the URL's schema, and keeps nothing in .lamina/dynamodb.sqlite3."""

from __future__ import annotations

import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import psycopg
import pytest

from tests.conftest import FIXTURES, LaminaProcess

from .backend import POSTGRES_URL, Backend


def dynamodb(base: str) -> Any:
    return boto3.client(
        "dynamodb",
        endpoint_url=base,
        region_name="us-east-1",
        aws_access_key_id="test",
        aws_secret_access_key="test",
    )


@pytest.fixture
def app(tmp_path: Path) -> Path:
    """The tables app, copied so its .lamina/ state is this test's own."""
    copy = tmp_path / "tables"
    shutil.copytree(FIXTURES / "apps" / "tables", copy, ignore=shutil.ignore_patterns(".lamina"))
    return copy


@pytest.fixture
def postgres() -> Iterator[Backend]:
    backend = Backend("postgresql")
    yield backend
    backend.drop()


def test_lamina_up_dynamodb_url_keeps_tables_in_postgres(
    app: Path, postgres: Backend, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert postgres.url is not None
    lamina = LaminaProcess(app, "--dynamodb", postgres.url)
    try:
        client = dynamodb(lamina.base)
        assert {"Notes", "orders"} <= set(client.list_tables()["TableNames"])
        client.put_item(TableName="orders", Item={"customer": {"S": "c"}, "placed": {"N": "1"}})
    finally:
        lamina.stop()
    assert not (app / ".lamina" / "dynamodb.sqlite3").exists()
    schema = postgres.url.rsplit("schema=", 1)[1]
    with psycopg.connect(POSTGRES_URL) as db:
        names = db.execute(f'SELECT name FROM "{schema}".tables ORDER BY name').fetchall()
    assert names == [("Notes",), ("orders",)]

    monkeypatch.setenv("LAMINA_DYNAMODB_URL", postgres.url)
    again = LaminaProcess(app)
    try:
        found = dynamodb(again.base).get_item(
            TableName="orders", Key={"customer": {"S": "c"}, "placed": {"N": "1"}}
        )
        assert found["Item"] == {"customer": {"S": "c"}, "placed": {"N": "1"}}
    finally:
        again.stop()


def test_lamina_up_with_unreachable_postgres_says_so(app: Path) -> None:
    url = "postgresql://postgres@127.0.0.1:1/test?connect_timeout=2"
    done = subprocess.run(
        [sys.executable, "-m", "lamina.cli", "up", str(app), "--port", "0", "--dynamodb", url],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2
    assert "error: cannot open DynamoDB tables on PostgreSQL 127.0.0.1:1/test" in done.stderr
