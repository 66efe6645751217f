"""Template-declared DynamoDB tables are created at `lamina up`, persist across restarts,
and a handler's plain boto3 code reaches them through AWS_ENDPOINT_URL."""

from __future__ import annotations

import boto3
import httpx

from tests.conftest import FIXTURES, LaminaProcess

APP = FIXTURES / "apps" / "tables"


def _client(base: str):  # type: ignore[no-untyped-def]
    return boto3.client(
        "dynamodb",
        endpoint_url=base,
        region_name="us-east-1",
        aws_access_key_id="test",
        aws_secret_access_key="test",
    )


def test_tables_are_created_and_used_by_functions(tmp_path_factory) -> None:  # type: ignore[no-untyped-def]
    lamina = LaminaProcess(APP)
    try:
        names = _client(lamina.base).list_tables()["TableNames"]
        assert {"Notes", "orders"} <= set(names)
        put = httpx.put(f"{lamina.base}/notes/n1", content=b"remember the milk", timeout=30)
        assert put.status_code == 204, lamina.output()[-3000:]
        got = httpx.get(f"{lamina.base}/notes/n1", timeout=30)
        assert got.json() == {"id": "n1", "text": "remember the milk"}
    finally:
        lamina.stop()
    assert lamina.state_dir is not None
    assert (lamina.state_dir / "dynamodb.sqlite3").exists()  # --state-dir, not .lamina/
    # The same state folder: tables and items are still there.
    again = LaminaProcess(APP, state_dir=lamina.state_dir)
    try:
        assert httpx.get(f"{again.base}/notes/n1", timeout=30).status_code == 200
        assert "error: table" not in again.output()
    finally:
        again.stop()
