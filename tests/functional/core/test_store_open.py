"""Opening a Store: the URL picks the backend, a state gets its own PostgreSQL schema, and
schema migrations run once, in order, all or nothing, refusing a store from the future."""

from __future__ import annotations

import sqlite3
import uuid
from pathlib import Path

import psycopg
import pytest

from lamina.core.store import Migration, StoreError
from lamina.core.store_open import open_store, postgres_target
from lamina.core.store_postgres import drop_schema
from lamina.core.store_sqlite import SqliteStore

from .conftest import POSTGRES_URL, Backend

NOTES = Migration(2, ("CREATE TABLE notes (id integer)",))


def test_open_store_without_url_is_sqlite_in_the_state_dir(tmp_path: Path) -> None:
    store = open_store(None, tmp_path)
    try:
        with store.transaction() as tx:
            tx.put("restapis", "a", b"1")
    finally:
        store.close()
    assert isinstance(store, SqliteStore)
    assert (tmp_path / "control.sqlite3").exists()
    reopened = open_store("", tmp_path)
    assert reopened.get("restapis", "a") == b"1"
    reopened.close()


def test_open_store_other_scheme_names_what_is_accepted() -> None:
    with pytest.raises(StoreError) as raised:
        open_store("mysql://admin:s3cret@db.example/lamina", Path("/tmp"))
    message = str(raised.value)
    assert "'mysql'" in message and "postgresql://" in message
    assert "s3cret" not in message


def test_open_store_postgres_down_names_url_not_password(tmp_path: Path) -> None:
    with pytest.raises(StoreError) as raised:
        open_store("postgresql://postgres:s3cret@127.0.0.1:1/lamina", tmp_path)
    message = str(raised.value)
    assert "postgresql://postgres@127.0.0.1:1/lamina" in message
    assert "s3cret" not in message


def test_open_store_postgres_default_schema_is_per_state_dir(tmp_path: Path) -> None:
    first_dir, second_dir = tmp_path / "one", tmp_path / "two"
    schemas = {postgres_target(POSTGRES_URL, path)[1] for path in (first_dir, second_dir)}
    assert len(schemas) == 2
    assert postgres_target(POSTGRES_URL, first_dir) == postgres_target(
        POSTGRES_URL + "?", tmp_path / "x" / ".." / "one"
    )
    try:
        first = open_store(POSTGRES_URL, first_dir)
        with first.transaction() as tx:
            tx.put("restapis", "a", b"1")
        first.close()
        second = open_store(POSTGRES_URL, second_dir)
        assert second.get("restapis", "a") is None
        second.close()
        again = open_store(POSTGRES_URL, first_dir)
        assert again.get("restapis", "a") == b"1"
        again.close()
    finally:
        for schema in schemas:
            drop_schema(POSTGRES_URL, schema)


def test_postgres_target_takes_schema_and_keeps_libpq_parameters() -> None:
    url = POSTGRES_URL + "?schema=mine&application_name=lamina%20node"
    conninfo, schema = postgres_target(url, Path("/tmp"))
    assert schema == "mine"
    assert conninfo == POSTGRES_URL + "?application_name=lamina%20node"


def test_migrations_upgrade_an_older_store_keeping_records(backend: Backend) -> None:
    store = backend.open()
    assert backend.version(store) == len(backend.migrations) == 1
    with store.transaction() as tx:
        tx.put("restapis", "a", b"1")
    store.close()
    upgraded = backend.open([*backend.migrations, NOTES])
    assert backend.version(upgraded) == 2
    assert upgraded.get("restapis", "a") == b"1"
    upgraded.close()
    assert backend.version(backend.open([*backend.migrations, NOTES])) == 2  # runs once


def test_migrations_bring_version_zero_store_to_current(backend: Backend) -> None:
    empty = backend.open(())
    assert backend.version(empty) == 0
    with pytest.raises(StoreError):  # no records table before migration 1
        empty.get("restapis", "a")
    empty.close()
    store = backend.open()
    assert backend.version(store) == 1
    with store.transaction() as tx:
        tx.put("restapis", "a", b"1")
    assert store.scan("restapis") == [("a", b"1")]


def test_migrations_refuse_store_from_newer_lamina(backend: Backend) -> None:
    backend.open([*backend.migrations, NOTES]).close()
    with pytest.raises(StoreError, match=r"schema version 2, newer than this Lamina knows \(1\)"):
        backend.open()


def test_migration_that_fails_is_rolled_back_whole(backend: Backend) -> None:
    broken = Migration(2, ("CREATE TABLE notes (id integer)", "THIS IS NOT SQL"))
    with pytest.raises(StoreError, match="syntax error"):
        backend.open([*backend.migrations, broken])
    store = backend.open()
    assert backend.version(store) == 1
    store.close()
    # notes was not left behind: migration 2 creating it now succeeds.
    assert backend.version(backend.open([*backend.migrations, NOTES])) == 2


def test_sqlite_store_file_from_newer_lamina_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "control.sqlite3"
    db = sqlite3.connect(path)
    db.execute("CREATE TABLE store_version (version INTEGER NOT NULL)")
    db.execute("INSERT INTO store_version VALUES (7)")
    db.commit()
    db.close()
    with pytest.raises(StoreError, match=f"{path} is at schema version 7"):
        open_store(None, tmp_path)


def test_postgres_store_replaces_connection_server_dropped(tmp_path: Path) -> None:
    name = f"lamina_test_{uuid.uuid4().hex[:12]}"
    store = open_store(f"{POSTGRES_URL}?schema={name}&application_name={name}", tmp_path)
    try:
        with store.transaction() as tx:
            tx.put("restapis", "a", b"1")
        with psycopg.connect(POSTGRES_URL, autocommit=True) as admin:
            ended = admin.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                " WHERE application_name = %s",
                (name,),
            ).fetchall()
        assert ended == [(True,)]
        assert store.get("restapis", "a") == b"1"
        with store.transaction() as tx:
            tx.put("restapis", "b", b"2")
        assert [key for key, _ in store.scan("restapis")] == ["a", "b"]
    finally:
        store.close()
        drop_schema(POSTGRES_URL, name)
