"""Which Store a Lamina state uses: SQLite under the state directory (the default), or
PostgreSQL when a `postgresql://user@host:port/db` URL is given, for a cluster of nodes.

Every state gets its own PostgreSQL schema, so states sharing a database never see each
other's records: the URL's `schema` query parameter names it, else it is "lamina_control_"
followed by a digest of the state directory's resolved path. `schema` is Lamina's and is
removed before the URL reaches libpq; the other parameters are libpq's.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from urllib.parse import parse_qsl, quote, urlencode, urlsplit, urlunsplit

from lamina.core.store import Store, StoreError
from lamina.core.store_sqlite import FILE_NAME, SqliteStore

DEFAULT_SCHEMA_PREFIX = "lamina_control_"
"""Not DynamoDB's "lamina_": its tables and the control plane's stay in separate schemas."""
_SCHEMES = ("postgresql", "postgres")


def open_store(url: str | None, state_dir: Path) -> Store:
    """The store for this state: SQLite in `state_dir` when `url` is None or empty, else
    the PostgreSQL database the URL names."""
    if not url:
        return SqliteStore(state_dir / FILE_NAME)
    scheme = urlsplit(url).scheme
    if scheme not in _SCHEMES:
        # The scheme only: the rest of the URL may hold a password.
        raise StoreError(
            f"unsupported store URL scheme {scheme!r}: expected none (SQLite in the state "
            "directory) or postgresql://user@host:port/db[?schema=NAME]"
        )
    conninfo, schema = postgres_target(url, state_dir)
    from lamina.core.store_postgres import PostgresStore  # psycopg only when asked for

    return PostgresStore(conninfo, schema)


def postgres_target(url: str, state_dir: Path) -> tuple[str, str]:
    """The libpq URL (without Lamina's `schema`) and the schema this state uses."""
    parts = urlsplit(url)
    query = parse_qsl(parts.query, keep_blank_values=True)
    libpq = [(key, value) for key, value in query if key != "schema"]
    named = [value for key, value in query if key == "schema" and value]
    schema = named[-1] if named else DEFAULT_SCHEMA_PREFIX + _digest(state_dir)
    # libpq decodes %20 but not '+': quote spaces (options=-c x=y) as %20.
    return urlunsplit(parts._replace(query=urlencode(libpq, quote_via=quote))), schema


def _digest(state_dir: Path) -> str:
    return hashlib.sha256(str(state_dir.resolve()).encode()).hexdigest()[:16]
