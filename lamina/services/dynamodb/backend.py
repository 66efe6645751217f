"""Which `TableStore` a Lamina state uses: SQLite under the state directory (the default),
or PostgreSQL when a `postgresql://` URL is given (`lamina up --dynamodb URL`, or the
LAMINA_DYNAMODB_URL environment variable).

Every Lamina state gets its own PostgreSQL schema, so apps (and tests) sharing a database
do not see each other's tables: the URL's `schema` query parameter names it, else it is
`schema_prefix` (default "lamina_") followed by a digest of the state directory's path.
Both parameters are Lamina's and are removed before the URL reaches libpq.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from urllib.parse import parse_qsl, quote, urlencode, urlsplit, urlunsplit

from lamina.services.dynamodb.store import SqliteTableStore, TableStore

DEFAULT_SCHEMA_PREFIX = "lamina_"
_SCHEMES = ("postgresql", "postgres")


class BackendError(ValueError):
    """The DynamoDB backend URL names no backend Lamina has."""


def open_store(url: str | None, state_dir: Path) -> TableStore:
    """The store for this state: SQLite when `url` is None or empty, else the URL's."""
    if not url:
        return SqliteTableStore(state_dir / "dynamodb.sqlite3")
    parts = urlsplit(url)
    if parts.scheme not in _SCHEMES:
        # The scheme only: the rest of the URL may hold a password.
        raise BackendError(
            f"unsupported DynamoDB backend URL scheme {parts.scheme!r}: "
            "expected postgresql://user@host/db"
        )
    conninfo, schema = postgres_target(url, state_dir)
    import psycopg  # only when PostgreSQL is asked for

    from lamina.services.dynamodb.postgres import PostgresTableStore

    try:
        return PostgresTableStore(conninfo, schema)
    except psycopg.OperationalError as error:
        where = f"{parts.hostname or 'localhost'}:{parts.port or 5432}{parts.path}"
        raise BackendError(f"cannot open DynamoDB tables on PostgreSQL {where}: {error}") from error


def postgres_target(url: str, state_dir: Path) -> tuple[str, str]:
    """The libpq URL (without Lamina's parameters) and the schema this state uses."""
    parts = urlsplit(url)
    query = parse_qsl(parts.query, keep_blank_values=True)
    own = {key: value for key, value in query if key in ("schema", "schema_prefix")}
    libpq = [(key, value) for key, value in query if key not in own]
    schema = (
        own.get("schema")
        or own.get("schema_prefix", DEFAULT_SCHEMA_PREFIX)
        + (hashlib.sha256(str(state_dir.resolve()).encode()).hexdigest()[:16])
    )
    # libpq decodes %20 but not '+': quote spaces (options=-c x=y) as %20.
    return urlunsplit(parts._replace(query=urlencode(libpq, quote_via=quote))), schema
