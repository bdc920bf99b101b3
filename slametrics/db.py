"""The embedded DuckDB database: where the ticket history is stored."""
from __future__ import annotations

from pathlib import Path

import duckdb
import polars as pl

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
    con = _open(path, read_only)
    if read_only and path != ":memory:" and _outdated(con):
        con.close()  # written by an older slametrics: upgrade it once, then read
        _open(path, False).close()
        con = _open(path, True)
    return con


def _open(path: str, read_only: bool) -> duckdb.DuckDBPyConnection:
    try:
        con = duckdb.connect(path, read_only=read_only)
    except duckdb.IOException as exc:
        raise DataError(f"{path}: cannot open the database ({str(exc).splitlines()[0]}); "
                        "is another process writing to it?") from None
    con.execute("SET TimeZone = 'UTC'")
    if not read_only:
        con.execute(statement("schema"))
        _upgrade(con)
    return con


def _outdated(con: duckdb.DuckDBPyConnection) -> bool:
    """True for a database whose tickets lack ``tkey`` (written before status spans were stored)."""
    found = one(con, "SELECT count(*) FROM duckdb_columns() WHERE table_name = 'tickets' AND column_name = 'tkey'")
    return found[0] == 0 and one(con, "SELECT count(*) FROM duckdb_tables() WHERE table_name = 'tickets'")[0] > 0


def _upgrade(con: duckdb.DuckDBPyConnection) -> None:
    """Number the tickets of an older database and derive their status spans (once)."""
    con.execute("ALTER TABLE tickets ADD COLUMN IF NOT EXISTS tkey BIGINT")
    if not one(con, "SELECT count(*) FROM tickets WHERE tkey IS NULL")[0]:
        return
    con.execute("BEGIN TRANSACTION")
    try:
        con.execute("UPDATE tickets SET tkey = rowid + 1 + (SELECT coalesce(max(tkey), 0) FROM tickets) WHERE tkey IS NULL")
        con.execute("DELETE FROM status_spans")
        con.register("span_tickets", pl.DataFrame(schema={"ticket_id": pl.String}))
        con.execute(statement("store_spans"), {"all": True})
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
    finally:
        con.unregister("span_tickets")


def one(con: duckdb.DuckDBPyConnection, sql: str, params: dict | None = None) -> tuple:
    """The single row of a query, with the result drained (an open result blocks the connection)."""
    rows = con.execute(sql, params or {}).fetchall()
    return rows[0] if rows else ()
