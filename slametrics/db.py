"""The embedded DuckDB database: where the ticket history is stored."""
from __future__ import annotations

from pathlib import Path

import duckdb

from slametrics.errors import DataError
from slametrics.sql import statement

DEFAULT_DB = Path("data/sla.duckdb")


def connect(path: str | Path = DEFAULT_DB, read_only: bool = False) -> duckdb.DuckDBPyConnection:
    """Open (and, unless read-only, create) the database with its schema.

    ``:memory:`` gives an in-memory database (tests).
    """
    path = str(path)
    if path != ":memory:":
        if read_only and not Path(path).exists():
            raise DataError(f"{path}: no database here; run `python -m slametrics demo` or `ingest` first")
        Path(path).parent.mkdir(parents=True, exist_ok=True)
    try:
        con = duckdb.connect(path, read_only=read_only)
    except duckdb.IOException as exc:
        raise DataError(f"{path}: cannot open the database ({str(exc).splitlines()[0]}); "
                        "is another process writing to it?") from None
    con.execute("SET TimeZone = 'UTC'")
    if not read_only:
        con.execute(statement("schema"))
    return con


def one(con: duckdb.DuckDBPyConnection, sql: str, params: dict | None = None) -> tuple:
    """The single row of a query, with the result drained (an open result blocks the connection)."""
    rows = con.execute(sql, params or {}).fetchall()
    return rows[0] if rows else ()
