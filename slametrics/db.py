"""The embedded DuckDB database: where the ticket history is stored, and how it is read and written.

Readers and writers never wait for each other (docs/semantics.md, "Writing while the dashboard serves"):

- a write (``writing``) works on a copy of the file and swaps it in whole with one rename, so a reader
  sees the history before the write or after it, never half of it, and a write that fails or is killed
  leaves the file as it was. Writes take turns on a lock file beside the database.
- a read-only open (``connect(read_only=True)``, ``open_snapshot``) reads the file as it is at that
  moment and never writes to it. A process that opens the database again after a write gets the new
  file (DuckDB shares one instance per path inside a process, so each open goes through a link of its own).

The schema is versioned: ``schema_version`` records every migration, and ``MIGRATIONS`` brings an older
database up to date, in order, on its next write. A read-only open reads a database of a version it
understands (``READABLE_FROM`` to ``SCHEMA_VERSION``) as it is, and refuses others with what to do.
"""
from __future__ import annotations

import errno
import fcntl
import glob
import itertools
import os
import shutil
import sys
import tempfile
import threading
from contextlib import contextmanager
from pathlib import Path
from typing import Callable, Iterator

import duckdb
import polars as pl

from slametrics.errors import DataError
from slametrics.sql import statement

DEFAULT_DB = Path("data/sla.duckdb")
SCHEMA_VERSION = 5
READABLE_FROM = 3  # the reads of this version understand databases from version 3 on (same tables)
Version = tuple[int, int, int]  # (mtime in ns, inode, size) of the database file: changes with every write


def connect(path: str | Path = DEFAULT_DB, read_only: bool = False) -> duckdb.DuckDBPyConnection:
    """Open the database: read-only as it is now, or for writing in place (with its schema brought up to date).

    The product writes through ``writing``, never in place while others may read; an in-place open is for
    a file nobody else uses (tests, the working copy of a write). ``:memory:`` gives an in-memory database.
    """
    path = str(path)
    if path == ":memory:":
        return _open(path, read_only)
    _check_file(Path(path), read_only)
    if read_only:
        return open_snapshot(path)[0]
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    return _open(path, False)


def version_of(path: str | Path) -> Version:
    """The file's version: changes whenever a write swaps in a new file; zeros when there is none."""
    try:
        stat = os.stat(path)
    except FileNotFoundError:
        return (0, 0, 0)
    return (stat.st_mtime_ns, stat.st_ino, stat.st_size)


def open_snapshot(path: str | Path) -> tuple[duckdb.DuckDBPyConnection, Version]:
    """A read-only connection to the database as it is now, and the version it holds.

    Inside one process DuckDB hands every ``connect`` of a path the instance already open there, which
    would keep serving a file that a write has since replaced; a link of its own for each open (removed
    at once: the open file stays readable) gives the current file a fresh instance.
    """
    path = Path(path)
    con, version = _snapshot(path)
    try:
        _check_readable(con, path)
    except BaseException:
        con.close()
        raise
    return con, version


def _snapshot(path: Path) -> tuple[duckdb.DuckDBPyConnection, Version]:
    _check_file(path, True)
    if path.stat().st_size == 0:
        raise DataError(f"{path}: an empty file, not a database yet: load tickets with `python -m slametrics ingest`")
    alias = _alias(Path(os.path.realpath(path)))
    try:
        version = version_of(alias)
        con = _open(str(alias), True, shown=str(path))
    finally:
        alias.unlink(missing_ok=True)  # the link or copy: the open file stays readable
    return con, version


def _alias(path: Path) -> Path:
    """A name of its own for this open of ``path``: a hard link beside it (the file as it is now, whatever
    a write swaps in meanwhile). Where none can be made (a read-only folder; another user's file that this
    user may not write, under Linux's protected hard links), a private copy in the temporary folder: slower
    for a large database, but never the older file that DuckDB would hand a second open of the same path
    while a first is still open in the process."""
    unique = f"{os.getpid()}-{threading.get_ident()}-{next(_OPENS)}"
    alias = path.with_name(f".{path.name}.read-{unique}")
    try:
        os.link(path, alias)
        return alias
    except FileNotFoundError:
        raise DataError(f"{path}: no database here; run `python -m slametrics demo` or `ingest` first") from None
    except OSError:
        pass
    global _COPY_WARNED
    if not _COPY_WARNED:
        _COPY_WARNED = True
        print(f"slametrics: cannot make a link beside {path} (a read-only folder, or a file of another user that "
              "this one may not write): each new version is read from a copy in the temporary folder; see "
              "docs/semantics.md, 'Writing while the dashboard serves'", file=sys.stderr, flush=True)
    copy = Path(tempfile.gettempdir()) / f"slametrics-read-{unique}-{path.name}"
    shutil.copyfile(path, copy)
    return copy


_COPY_WARNED = False


_OPENS = itertools.count(1)  # numbers the opens of this process (next() is atomic under the GIL)


@contextmanager
def writing(path: str | Path = DEFAULT_DB, *, replace: bool = False,
            waiting: Callable[[str], None] | None = None) -> Iterator[duckdb.DuckDBPyConnection]:
    """A connection for one write, swapped in whole when the block ends without an error.

    The block works on a copy of the database (an empty one with ``replace``), brought up to the current
    schema first; at the end it is checkpointed and renamed over the database in one step. An error in
    the block (or a kill) discards the copy: the database is exactly as before. A second write waits for
    the first (``waiting`` is told once, with what it waits for).
    """
    if str(path) == ":memory:":
        con = connect(":memory:")
        try:
            yield con
        finally:
            con.close()
        return
    path = Path(os.path.realpath(path))  # a symbolic link's target is what is written (and locked)
    _check_file(path, False)
    path.parent.mkdir(parents=True, exist_ok=True)
    with _turn(path, waiting):
        work = path.with_name(f".{path.name}.writing-{os.getpid()}")
        try:
            _sweep(path)
            wal = Path(f"{path}.wal")
            if path.exists() and path.stat().st_size and not replace:
                _copy(path, work)
                if wal.exists():  # an in-place write that never finished: its log goes with it
                    _copy(wal, Path(f"{work}.wal"))
            con = _open(str(work), False, shown=str(path))  # a newer schema is refused here, naming the database
            try:
                yield con
                con.execute("CHECKPOINT")
            finally:
                con.close()
            _sync(work)
            aside = work.with_name(f"{work.name}.old-wal")
            if wal.exists():  # set aside first: the new file, which holds it, must never meet it
                os.replace(wal, aside)
            try:
                os.replace(work, path)
            except BaseException:  # no swap: the old file keeps its log
                if aside.exists() and not wal.exists():
                    os.replace(aside, wal)
                raise
            _sync(path.parent)
            aside.unlink(missing_ok=True)
        except (OSError, duckdb.IOException) as exc:
            if _disk_full(exc):
                raise DataError(f"{path}: the disk is full ({_first_line(exc)}); nothing was written, the "
                                "database is as it was") from None
            if isinstance(exc, PermissionError):
                raise DataError(f"{path}: cannot write beside the database ({_first_line(exc)}: {exc.filename}): a "
                                "write makes a new copy in the database's folder and swaps it in, so this user "
                                "needs write access to the folder; nothing was written") from None
            raise
        finally:
            work.unlink(missing_ok=True)
            Path(f"{work}.wal").unlink(missing_ok=True)


def _sweep(path: Path) -> None:
    """Remove what killed writes and reads left beside the database (ours is the turn: no write is live)."""
    name = glob.escape(path.name)
    for aside in path.parent.glob(f".{name}.writing-*.old-wal"):
        # a write killed between setting the old file's log aside and its swap: its copy is still there, so
        # the old file never met the new one, and gets its log back; after the swap the log is in the copy
        work, wal = aside.with_name(aside.name[:-len(".old-wal")]), Path(f"{path}.wal")
        if work.exists() and not wal.exists():
            os.replace(aside, wal)
        else:
            aside.unlink(missing_ok=True)
    for leftover in path.parent.glob(f".{name}.writing-*"):
        leftover.unlink(missing_ok=True)
    for link in path.parent.glob(f".{name}.read-*"):  # a reader's link lives while DuckDB opens the file
        pid = link.name[len(f".{path.name}.read-"):].split("-")[0]
        if pid.isdigit() and not _alive(int(pid)):
            link.unlink(missing_ok=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process
        return True
    return True


def migrate(path: str | Path = DEFAULT_DB) -> tuple[int, int]:
    """Bring the database up to the current schema (a write; none where it is up to date); the versions
    before and after."""
    before = stored_version(path)
    if before != SCHEMA_VERSION:
        with writing(path):
            pass
    return before, SCHEMA_VERSION


def stored_version(source: str | Path | duckdb.DuckDBPyConnection) -> int:
    """The schema version of a database (a path or an open connection).

    0: no tables; 1: tickets without ``tkey``; 2: status spans without ``client``; 3: the tables of 4
    without the version table; from 4 on: what ``schema_version`` records.
    """
    if not isinstance(source, duckdb.DuckDBPyConnection):
        con = _snapshot(Path(source))[0] if Path(source).exists() else None
        if con is None:
            return 0
        try:
            return stored_version(con)
        finally:
            con.close()
    con = source
    rows = con.execute("SELECT table_name, column_name FROM duckdb_columns() "
                       "WHERE database_name = current_database() AND schema_name = 'main'").fetchall()
    columns: dict[str, set[str]] = {}
    for table, column in rows:
        columns.setdefault(table, set()).add(column)
    if "schema_version" in columns:
        return int(one(con, "SELECT max(version) FROM schema_version")[0] or 0)
    if "tickets" not in columns:
        return 0
    if "tkey" not in columns["tickets"]:
        return 1
    if "client" not in columns.get("status_spans", set()):
        return 2
    return 3


def _number_tickets(con: duckdb.DuckDBPyConnection) -> None:
    con.execute("ALTER TABLE tickets ADD COLUMN IF NOT EXISTS tkey BIGINT")
    con.execute("UPDATE tickets SET tkey = rowid + 1 + (SELECT coalesce(max(tkey), 0) FROM tickets) WHERE tkey IS NULL")


def _spans_with_client(con: duckdb.DuckDBPyConnection) -> None:
    con.execute("ALTER TABLE status_spans ADD COLUMN IF NOT EXISTS client VARCHAR")
    con.execute("DELETE FROM status_spans")
    con.register("span_tickets", pl.DataFrame(schema={"ticket_id": pl.String}))
    try:
        con.execute(statement("store_spans"), {"all": True})
    finally:
        con.unregister("span_tickets")


# (version, what it changes, how): run in order by a write, from the stored version on
MIGRATIONS: tuple[tuple[int, str, Callable[[duckdb.DuckDBPyConnection], None]], ...] = (
    (2, "tickets numbered (tkey) and their status spans stored", _number_tickets),
    (3, "status spans carry their ticket's client, for scoped reads", _spans_with_client),
    (4, "the schema version is recorded", lambda con: None),
    (5, "the tickets each ingest writes are recorded (ticket_changes)", lambda con: None),
)


def _upgrade(con: duckdb.DuckDBPyConnection, where: str) -> None:
    """Create what is missing and run the migrations the database has not had, in one transaction."""
    found = stored_version(con)
    if found > SCHEMA_VERSION:
        raise DataError(_newer(where, found))
    if found == SCHEMA_VERSION:
        return
    con.execute("BEGIN TRANSACTION")
    try:
        con.execute(statement("schema"))
        if found == 0:  # a new database: created at the current version
            con.execute("INSERT INTO schema_version VALUES ($v, now(), 'created')", {"v": SCHEMA_VERSION})
        else:
            for version, change, run in MIGRATIONS:
                if version > found:
                    run(con)
                    con.execute("INSERT INTO schema_version VALUES ($v, now(), $change)",
                                {"v": version, "change": change})
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise


def _check_readable(con: duckdb.DuckDBPyConnection, path: Path) -> None:
    found = stored_version(con)
    if found == 0:
        raise DataError(f"{path}: an empty database (no tables yet): load tickets with `python -m slametrics ingest`")
    if found < READABLE_FROM:
        raise DataError(f"{path}: written by an older slametrics (schema version {found}; this one reads "
                        f"{READABLE_FROM} to {SCHEMA_VERSION}): bring it up to date once with `python -m slametrics "
                        f"migrate --db {path}` (any ingest does it too); reading never changes the file")
    if found > SCHEMA_VERSION:
        raise DataError(_newer(path, found))


def _newer(where: object, found: int) -> str:
    return (f"{where}: written by a newer slametrics (schema version {found}; this one knows up to "
            f"{SCHEMA_VERSION}): update slametrics to read or write it")


def _check_file(path: Path, read_only: bool) -> None:
    if read_only and not path.exists():
        raise DataError(f"{path}: no database here; run `python -m slametrics demo` or `ingest` first")
    if path.is_dir():
        raise DataError(f"{path}: a folder, not a database file: --db names the DuckDB file (e.g. data/sla.duckdb)")
    if not _duckdb_file(path):
        raise DataError(f"{path}: not a DuckDB database (a CSV or other file?): --db names the database that "
                        "`ingest` writes, e.g. data/sla.duckdb; the files to load go in --tickets and --events")


def _duckdb_file(path: Path) -> bool:
    """True for a missing or empty file (a database is made there) and for a DuckDB file (its magic bytes)."""
    try:
        with path.open("rb") as head:
            start = head.read(12)
    except FileNotFoundError:
        return True
    return not start or start[8:12] == b"DUCK"


def _open(path: str, read_only: bool, shown: str | None = None) -> duckdb.DuckDBPyConnection:
    try:
        con = duckdb.connect(path, read_only=read_only)
    except duckdb.Error as exc:
        where = shown or path
        if _disk_full(exc):
            raise DataError(f"{where}: the disk is full ({_first_line(exc)})") from None
        if isinstance(exc, duckdb.IOException) and "lock" in str(exc).lower():
            raise DataError(f"{where}: cannot open the database ({_first_line(exc)}); a program other than "
                            "slametrics is writing to it in place") from None
        raise DataError(f"{where}: cannot open the database: {_first_line(exc)}") from None
    con.execute("SET TimeZone = 'UTC'")
    if not read_only:
        try:
            _upgrade(con, shown or path)
        except BaseException:
            con.close()
            raise
    return con


@contextmanager
def _turn(path: Path, waiting: Callable[[str], None] | None) -> Iterator[None]:
    """One write at a time (processes and threads alike): an exclusive lock on ``<database>.lock``."""
    lock = Path(f"{path}.lock")
    try:  # read-only: whoever made the lock file, every user who may write the database can take it
        fd = os.open(lock, os.O_RDONLY | os.O_CREAT, 0o644)
    except PermissionError as exc:
        raise DataError(f"{path}: cannot write beside the database ({_first_line(exc)}: {lock}): a write takes "
                        "its turn on that lock file, so this user needs write access to the folder") from None
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            if waiting is not None:
                waiting(f"{path}: another write to this database is in progress; waiting for it to finish")
            fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # releases the lock


def _copy(source: Path, target: Path) -> None:
    """Copy a file with its mode and, as far as this user may, its owner and group: the new file is the
    database, and whoever could read it before still can."""
    shutil.copyfile(source, target)
    shutil.copymode(source, target)  # a private database stays private
    stat = source.stat()
    for uid, gid in ((stat.st_uid, stat.st_gid), (-1, stat.st_gid)):
        try:
            os.chown(target, uid, gid)
            return
        except PermissionError:
            continue


def _sync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _disk_full(exc: BaseException) -> bool:
    if isinstance(exc, OSError):
        return exc.errno in (errno.ENOSPC, errno.EFBIG, errno.EDQUOT)
    text = str(exc).lower()
    return any(s in text for s in ("no space left", "file too large", "disk quota"))


def _first_line(exc: BaseException) -> str:
    text = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
    return text.splitlines()[0] if text else type(exc).__name__


def one(con: duckdb.DuckDBPyConnection, sql: str, params: dict | None = None) -> tuple:
    """The single row of a query, with the result drained (an open result blocks the connection)."""
    rows = con.execute(sql, params or {}).fetchall()
    return rows[0] if rows else ()
