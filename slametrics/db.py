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
        if Path(path).is_dir():
            raise DataError(f"{path}: a folder, not a database file: --db names the DuckDB file (e.g. data/sla.duckdb)")
        if not _duckdb_file(Path(path)):
            raise DataError(f"{path}: not a DuckDB database (a CSV or other file?): --db names the database that "
                            "`ingest` writes, e.g. data/sla.duckdb; the files to load go in --tickets and --events")
        Path(path).parent.mkdir(parents=True, exist_ok=True)
    con = _open(path, read_only)
    if read_only and path != ":memory:" and _outdated(con):
        con.close()  # written by an older slametrics: upgrade it once, then read
        _open(path, False).close()
        con = _open(path, True)
    return con


def _duckdb_file(path: Path) -> bool:
    """True for a missing or empty file (a database is made there) and for a DuckDB file (its magic bytes)."""
    try:
        with path.open("rb") as head:
            start = head.read(12)
    except FileNotFoundError:
        return True
    return not start or start[8:12] == b"DUCK"


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
    """True for a database written by an older slametrics: tickets without ``tkey`` (before status spans
    were stored) or status spans without their ticket's ``client`` (before reads were scoped)."""
    if not one(con, "SELECT count(*) FROM duckdb_tables() WHERE table_name = 'tickets'")[0]:
        return False
    found = one(con, "SELECT count(*) FROM duckdb_columns() WHERE (table_name = 'tickets' AND column_name = 'tkey') "
                     "OR (table_name = 'status_spans' AND column_name = 'client')")
    return found[0] < 2


def _upgrade(con: duckdb.DuckDBPyConnection) -> None:
    """Number the tickets of an older database and derive their status spans again (once)."""
    con.execute("ALTER TABLE tickets ADD COLUMN IF NOT EXISTS tkey BIGINT")
    con.execute("ALTER TABLE status_spans ADD COLUMN IF NOT EXISTS client VARCHAR")
    unnumbered = one(con, "SELECT count(*) FROM tickets WHERE tkey IS NULL")[0]
    if not unnumbered and not one(con, "SELECT count(*) FROM status_spans WHERE client IS NULL")[0]:
        return
    con.execute("BEGIN TRANSACTION")
    try:
        if unnumbered:
            con.execute("UPDATE tickets SET tkey = rowid + 1 + (SELECT coalesce(max(tkey), 0) FROM tickets) "
                        "WHERE tkey IS NULL")
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
