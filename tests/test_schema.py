"""Schema versions: a database written by an older slametrics is brought up to date by its next write,
in order, and read as it is (or refused, saying what to do) by a read-only open, which never changes
the file. The databases of older versions are made the way those versions wrote them (the tables of
version N, without what later versions added) from the dashboard's fixture.
"""
from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from slametrics.clock import evaluate_clocks
from slametrics.db import SCHEMA_VERSION, connect, stored_version, writing
from slametrics.errors import DataError
from slametrics.ingest import ingest_frames
from slametrics.scope import EVERYTHING, Scope
from tests.cli_runner import run_cli
from tests.dashboard.fixture import AS_OF, tickets_and_events


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def database_of_version(path: Path, policy, version: int):
    """A database as slametrics of schema ``version`` left it, and the clocks of the current one on it."""
    con = connect(path)
    tickets, events = tickets_and_events()
    ingest_frames(con, tickets, events, source="fixture", policy=policy)
    clocks = evaluate_clocks(con, policy, AS_OF, scope=EVERYTHING)
    if version <= 4:
        con.execute("DROP TABLE ticket_changes")
        con.execute("UPDATE schema_version SET version = 4")
    if version <= 3:
        con.execute("DROP TABLE schema_version")
    if version <= 2:
        con.execute("ALTER TABLE status_spans DROP COLUMN client")
    if version <= 1:
        con.execute("DROP TABLE status_spans")
        con.execute("ALTER TABLE tickets DROP COLUMN tkey")
    con.execute("CHECKPOINT")
    con.close()
    return clocks


def test_a_new_database_is_created_at_the_current_version(tmp_path):
    with writing(tmp_path / "new.duckdb") as con:
        assert con.execute("SELECT version, change FROM schema_version").fetchall() == [(SCHEMA_VERSION, "created")]
    assert stored_version(tmp_path / "new.duckdb") == SCHEMA_VERSION == 5


@pytest.mark.parametrize("version", [3, 4])
def test_the_previous_versions_are_read_unchanged_by_a_read_only_open_and_migrated_by_the_first_write(tmp_path, policy,
                                                                                                      version):
    path = tmp_path / f"v{version}.duckdb"
    before = database_of_version(path, policy, version)
    untouched = digest(path)
    con = connect(path, read_only=True)
    try:
        assert stored_version(con) == version
        assert evaluate_clocks(con, policy, AS_OF, scope=EVERYTHING).equals(before)
    finally:
        con.close()
    assert digest(path) == untouched  # reading wrote nothing
    assert sorted(p.name for p in tmp_path.iterdir()) == [path.name]  # nor left anything beside it
    with writing(path) as con:
        steps = con.execute("SELECT version, change FROM schema_version ORDER BY version").fetchall()
        assert steps == [(4, "the schema version is recorded" if version == 3 else "created"),
                         (5, "the tickets each ingest writes are recorded (ticket_changes)")]
    assert stored_version(path) == 5
    con = connect(path, read_only=True)
    try:
        assert evaluate_clocks(con, policy, AS_OF, scope=EVERYTHING).equals(before)
    finally:
        con.close()


@pytest.mark.parametrize("version", [1, 2])
def test_an_older_version_is_refused_by_a_read_and_migrated_in_order_by_migrate(tmp_path, policy, version):
    path = tmp_path / "old.duckdb"
    before = database_of_version(path, policy, version)
    untouched = digest(path)
    with pytest.raises(DataError) as refused:
        connect(path, read_only=True)
    assert refused.value.problems == [
        f"{path}: written by an older slametrics (schema version {version}; this one reads 3 to 5): bring it up to "
        f"date once with `python -m slametrics migrate --db {path}` (any ingest does it too); reading never "
        "changes the file"]
    assert digest(path) == untouched
    done = run_cli("migrate", "--db", str(path), cwd=tmp_path)
    assert (done.returncode, done.stdout, done.stderr) == (0, f"{path}: schema version {version} -> 5\n", "")
    con = connect(path, read_only=True)
    try:
        steps = con.execute("SELECT version, change FROM schema_version ORDER BY version").fetchall()
        assert [v for v, _ in steps] == list(range(version + 1, 6))
        assert evaluate_clocks(con, policy, AS_OF, scope=EVERYTHING).equals(before)
        acme = Scope.of(policy, ["acme"])  # the re-derived spans carry their client: a scoped read sees its pauses
        assert evaluate_clocks(con, policy, AS_OF, scope=acme)["paused_seconds"].sum() == 36_000
    finally:
        con.close()
    again = run_cli("migrate", "--db", str(path), cwd=tmp_path)
    assert again.stdout == f"{path}: schema version 5, up to date; nothing was written\n"


def test_a_database_of_a_newer_version_is_refused_by_reads_and_writes_alike(tmp_path, policy):
    path = tmp_path / "newer.duckdb"
    database_of_version(path, policy, 4)
    con = connect(path)
    con.execute("INSERT INTO schema_version VALUES (9, now(), 'from the future')")
    con.close()
    untouched = digest(path)
    message = "written by a newer slametrics (schema version 9; this one knows up to 5): update slametrics to read or write it"
    with pytest.raises(DataError) as read:
        connect(path, read_only=True)
    assert read.value.problems == [f"{path}: {message}"]
    with pytest.raises(DataError) as write:
        with writing(path):
            pass
    assert write.value.problems == [f"{path}: {message}"]
    assert digest(path) == untouched


def test_a_read_only_open_never_modifies_the_current_version_either(tmp_path, policy):
    path = tmp_path / "sla.duckdb"
    database_of_version(path, policy, 4)
    untouched, stat = digest(path), path.stat()
    con = connect(path, read_only=True)
    evaluate_clocks(con, policy, AS_OF, scope=EVERYTHING)
    con.close()
    assert digest(path) == untouched and path.stat().st_mtime_ns == stat.st_mtime_ns
    assert sorted(p.name for p in tmp_path.iterdir()) == ["sla.duckdb"]
