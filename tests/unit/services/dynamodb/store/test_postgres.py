"""What only the PostgreSQL store has to prove: bytea order is the key order, migrations
run once and refuse a newer schema, and writers on separate connections (cluster nodes)
never lose an update or both win a conditional put."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import msgspec
import psycopg
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lamina.aws.service import ServiceError
from lamina.services.dynamodb.backend import BackendError, open_store, postgres_target
from lamina.services.dynamodb.index import IndexMeta
from lamina.services.dynamodb.keys import encode_key
from lamina.services.dynamodb.number import format_number
from lamina.services.dynamodb.postgres import MIGRATIONS, PostgresTableStore
from lamina.services.dynamodb.size import item_size
from lamina.services.dynamodb.store import TableMeta
from lamina.services.dynamodb.types import Item
from tests.functional.services.dynamodb.backend import POSTGRES_URL, Backend

META = TableMeta(
    name="counters",
    partition_key="pk",
    sort_key=None,
    attribute_types={"pk": "S"},
    created=0.0,
    billing_mode="PAY_PER_REQUEST",
)


@pytest.fixture(scope="module")
def database() -> Iterator[psycopg.Connection[tuple[object, ...]]]:
    with psycopg.connect(POSTGRES_URL, autocommit=True) as db:
        yield db


@pytest.fixture
def schema() -> Iterator[tuple[str, str]]:
    """A fresh schema: (libpq URL, schema name)."""
    backend = Backend("postgresql")
    assert backend.url is not None
    yield postgres_target(backend.url, Path("."))
    backend.drop()


numbers = st.decimals(min_value=Decimal("-1e30"), max_value=Decimal("1e30"), allow_nan=False)


@settings(max_examples=60, deadline=None)
@given(st.lists(numbers.map(format_number), max_size=20), st.lists(st.text(), max_size=20))
def test_bytea_order_is_dynamodb_key_order(
    database: psycopg.Connection[tuple[object, ...]], values: list[str], texts: list[str]
) -> None:
    encoded = {encode_key({"N": value}): Decimal(value) for value in values}
    rows = database.execute(
        "SELECT x FROM unnest(%s::bytea[]) AS x ORDER BY x", (list(encoded),)
    ).fetchall()
    assert [encoded[bytes(row[0])] for row in rows] == sorted(encoded.values())
    strings = [encode_key({"S": text}) for text in texts]
    rows = database.execute(
        "SELECT x FROM unnest(%s::bytea[]) AS x ORDER BY x", (strings,)
    ).fetchall()
    assert [bytes(row[0]) for row in rows] == sorted(strings)


def test_migrations_run_once_and_record_the_version(schema: tuple[str, str]) -> None:
    url, name = schema
    first = PostgresTableStore(url, name)
    first.create_table(META)
    first.close()
    second = PostgresTableStore(url, name)  # migrating again must keep the tables
    assert second.table_names() == ["counters"]
    second.close()
    with psycopg.connect(url) as db:
        versions = db.execute(f'SELECT version FROM "{name}".schema_version').fetchall()
    assert versions == [(len(MIGRATIONS),)]


def test_schema_of_an_older_version_is_migrated_forward(schema: tuple[str, str]) -> None:
    """A schema left at version 1 (before ClientRequestTokens, stream records and trim
    horizons were stored) gains client_tokens and stream_records on open, and keeps its tables."""
    url, name = schema
    store = PostgresTableStore(url, name)
    store.create_table(META)
    store.close()
    with psycopg.connect(url, autocommit=True) as db:
        db.execute(f'DROP TABLE "{name}".client_tokens')
        db.execute(f'DROP TABLE "{name}".stream_records')
        db.execute(f'DROP SEQUENCE "{name}".stream_sequence')
        db.execute(f'DROP TABLE "{name}".stream_trims')
        db.execute(f'UPDATE "{name}".schema_version SET version = 1')
    store = PostgresTableStore(url, name)
    with store.transaction() as writer:
        writer.record_token("t", 10.0, b"f", 0.0)
    with store.transaction() as writer:
        assert writer.token("t") == (10.0, b"f")
    assert store.table_names() == ["counters"]
    assert store.last_sequence("counters", "2020-01-01T00:00:00.000") == 0
    store.close()
    with psycopg.connect(url) as db:
        versions = db.execute(f'SELECT version FROM "{name}".schema_version').fetchall()
    assert versions == [(4,)] == [(len(MIGRATIONS),)]


def test_schema_newer_than_lamina_is_refused(schema: tuple[str, str]) -> None:
    url, name = schema
    PostgresTableStore(url, name).close()
    with psycopg.connect(url, autocommit=True) as db:
        db.execute(f'UPDATE "{name}".schema_version SET version = version + 1')
    with pytest.raises(RuntimeError, match="newer than this Lamina knows"):
        PostgresTableStore(url, name)


def test_long_table_and_index_names_fit_postgres_identifiers(schema: tuple[str, str]) -> None:
    url, name = schema
    store = PostgresTableStore(url, name)
    long_name = "t" * 255
    assert store.create_table(msgspec.structs.replace(META, name=long_name))
    store.change(long_name, b"a", b"", item_size, lambda old: {"pk": {"S": "a"}})
    assert store.get(long_name, b"a", b"") == {"pk": {"S": "a"}}
    store.close()


def _increment(old: Item | None) -> Item:
    count = 0 if old is None else int(old["n"]["N"])
    return {"pk": {"S": "c"}, "n": {"N": str(count + 1)}}


def test_concurrent_increments_on_two_connections_lose_nothing(schema: tuple[str, str]) -> None:
    url, name = schema
    stores = [PostgresTableStore(url, name) for _ in range(2)]
    stores[0].create_table(META)

    def work(store: PostgresTableStore) -> None:
        for _ in range(50):
            store.change("counters", b"c", b"", item_size, _increment)

    threads = [threading.Thread(target=work, args=(store,)) for store in stores]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert stores[0].get("counters", b"c", b"") == {"pk": {"S": "c"}, "n": {"N": "100"}}
    for store in stores:
        store.close()


def test_conditional_put_of_an_absent_key_wins_once(schema: tuple[str, str]) -> None:
    """attribute_not_exists on a key with no row yet: the advisory lock serializes it."""
    url, name = schema
    stores = [PostgresTableStore(url, name) for _ in range(4)]
    stores[0].create_table(META)
    start, winners = threading.Barrier(len(stores)), []

    def put_if_absent(store: PostgresTableStore, who: int) -> None:
        start.wait()

        def how(old: Item | None) -> Item:
            if old is not None:
                raise LookupError("exists")
            return {"pk": {"S": "k"}, "who": {"N": str(who)}}

        try:
            store.change("counters", b"k", b"", item_size, how)
        except LookupError:
            return
        winners.append(who)

    threads = [
        threading.Thread(target=put_if_absent, args=(store, who))
        for who, store in enumerate(stores)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert len(winners) == 1
    assert stores[0].get("counters", b"k", b"") == {"pk": {"S": "k"}, "who": {"N": str(winners[0])}}
    for store in stores:
        store.close()


def test_deadlock_between_nodes_is_a_transaction_conflict(schema: tuple[str, str]) -> None:
    url, name = schema
    stores = [PostgresTableStore(url, name) for _ in range(2)]
    stores[0].create_table(META)
    both_locked, errors = threading.Barrier(2), list[str]()

    def cross(store: PostgresTableStore, first: bytes, second: bytes) -> None:
        def wait_then_put(old: Item | None) -> Item:
            both_locked.wait(10)
            return {"pk": {"S": first.decode()}}

        try:
            with store.transaction() as writer:
                writer.change("counters", first, b"", item_size, wait_then_put)
                writer.change("counters", second, b"", item_size, lambda old: old)
        except ServiceError as error:
            errors.append(error.code)

    threads = [
        threading.Thread(target=cross, args=(stores[0], b"a", b"b")),
        threading.Thread(target=cross, args=(stores[1], b"b", b"a")),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert errors == ["TransactionConflictException"]
    for store in stores:
        store.close()


def test_backend_url_names_the_schema_and_keeps_libpq_parameters(tmp_path: Path) -> None:
    url = "postgresql://postgres@127.0.0.1:5432/test?schema=mine&connect_timeout=5"
    assert postgres_target(url, tmp_path) == (
        "postgresql://postgres@127.0.0.1:5432/test?connect_timeout=5",
        "mine",
    )
    first = postgres_target("postgresql://h/db?schema_prefix=app_", tmp_path / "a")[1]
    second = postgres_target("postgresql://h/db?schema_prefix=app_", tmp_path / "b")[1]
    assert first.startswith("app_") and second.startswith("app_") and first != second
    default = postgres_target("postgresql://h/db", tmp_path / "a")[1]
    assert default == "lamina_" + first.removeprefix("app_")


def test_backend_url_options_reach_postgres(tmp_path: Path) -> None:
    url = f"{POSTGRES_URL}?options=-c%20synchronous_commit%3Doff&schema=unused"
    conninfo, _ = postgres_target(url, tmp_path)
    with psycopg.connect(conninfo) as db:
        assert db.execute("SHOW synchronous_commit").fetchone() == ("off",)


def test_backend_url_with_another_scheme_is_refused(tmp_path: Path) -> None:
    with pytest.raises(
        BackendError, match="unsupported DynamoDB backend URL scheme 'mysql'"
    ) as raised:
        open_store("mysql://user:secret@h/db", tmp_path)
    assert "secret" not in str(raised.value)


def test_index_added_while_a_write_is_open_waits_and_indexes_it(schema: tuple[str, str]) -> None:
    """UpdateTable's backfill on one node waits for a write in flight on another, so the
    item that write commits is in the new index."""
    url, name = schema
    writer_store, admin_store = PostgresTableStore(url, name), PostgresTableStore(url, name)
    meta = msgspec.structs.replace(META, attribute_types={"pk": "S", "g": "S"})
    writer_store.create_table(meta)
    inside, release = threading.Event(), threading.Event()

    def slow_put(old: Item | None) -> Item:
        inside.set()
        release.wait(10)
        return {"pk": {"S": "a"}, "g": {"S": "x"}}

    writing = threading.Thread(
        target=writer_store.change, args=("counters", b"a", b"", item_size, slow_put)
    )
    writing.start()
    assert inside.wait(10)
    index = IndexMeta(
        name="by_g", kind="GLOBAL", partition_key="g", sort_key=None, projection="ALL"
    )
    adding = threading.Thread(
        target=admin_store.replace_table,
        args=(msgspec.structs.replace(meta, secondary_indexes=(index,)), item_size),
    )
    adding.start()
    adding.join(0.5)
    assert adding.is_alive()  # waiting for the write's table lock
    release.set()
    writing.join(10)
    adding.join(10)
    rows = list(admin_store.scan("counters", None, "by_g"))
    assert [row.item for row in rows] == [{"pk": {"S": "a"}, "g": {"S": "x"}}]
    writer_store.close()
    admin_store.close()


def test_store_reconnects_after_the_server_drops_its_connection(
    schema: tuple[str, str], database: psycopg.Connection[tuple[object, ...]]
) -> None:
    url, name = schema
    store = PostgresTableStore(url, name)
    store.create_table(META)
    pid = store._db.info.backend_pid
    database.execute("SELECT pg_terminate_backend(%s)", (pid,))
    with pytest.raises(psycopg.OperationalError):
        store.get("counters", b"a", b"")  # the request in flight fails
    store.change("counters", b"a", b"", item_size, _increment)  # the next one reconnects
    assert store.get("counters", b"a", b"") == {"pk": {"S": "c"}, "n": {"N": "1"}}
    assert store._db.info.backend_pid != pid
    store.close()
