"""Writing while others read (docs/semantics.md, "Writing while the dashboard serves"): a write works on a
copy swapped in whole, so readers open and read the database while it runs and see the old history or
the new one, never half; a failed, killed or disk-full write leaves the file exactly as it was; two
writes take turns; and inside one process a new read-only open sees the newest file.
"""
from __future__ import annotations

import hashlib
import os
import resource
import signal
import subprocess
import sys
import tempfile
import textwrap
import threading
import time
from pathlib import Path

import polars as pl
import pytest

from slametrics.db import connect, writing
from slametrics.errors import DataError
from slametrics.ingest import ingest_frames
from tests.cli_runner import REPO, run_cli
from tests.dashboard.fixture import tickets_and_events


@pytest.fixture
def db(tmp_path, policy) -> Path:
    path = tmp_path / "sla.duckdb"
    tickets, events = tickets_and_events()
    with writing(path) as con:
        ingest_frames(con, tickets, events, source="fixture", policy=policy)
    return path


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def count(path: Path) -> int:
    con = connect(path, read_only=True)
    try:
        return con.execute("SELECT count(*) FROM tickets").fetchall()[0][0]
    finally:
        con.close()


def more_tickets(prefix: str, n: int = 3) -> pl.DataFrame:
    return pl.DataFrame({"ticket_id": [f"{prefix}-{i}" for i in range(n)], "client": ["Acme"] * n,
                         "priority": ["P1"] * n, "created_at": ["2026-03-02T09:00:00Z"] * n})


def test_readers_open_and_read_during_a_write_and_a_new_open_in_the_same_process_sees_it(db, policy):
    stored = count(db)
    before = connect(db, read_only=True)
    with writing(db) as con:
        ingest_frames(con, more_tickets("NEW"), None, source="more", policy=policy)
        during = connect(db, read_only=True)  # an in-place writer would keep every reader out here
        assert during.execute("SELECT count(*) FROM tickets").fetchall() == [(stored,)]
        during.close()
    after = connect(db, read_only=True)  # the same process: DuckDB would hand back the old instance
    assert after.execute("SELECT count(*) FROM tickets").fetchall() == [(stored + 3,)]
    assert before.execute("SELECT count(*) FROM tickets").fetchall() == [(stored,)]  # its snapshot, whole
    before.close()
    after.close()


def test_a_write_that_fails_leaves_the_file_as_it_was_and_nothing_beside_it(db, policy):
    untouched, inode = digest(db), db.stat().st_ino
    with pytest.raises(RuntimeError, match="half way"):
        with writing(db) as con:
            ingest_frames(con, more_tickets("LOST"), None, source="lost", policy=policy)
            raise RuntimeError("half way")
    assert (digest(db), db.stat().st_ino) == (untouched, inode)
    assert sorted(p.name for p in db.parent.iterdir()) == ["sla.duckdb", "sla.duckdb.lock"]


def test_two_writes_at_once_take_turns_and_both_land(db, policy):
    stored = count(db)
    inside, told = threading.Event(), []

    def first():
        with writing(db) as con:
            ingest_frames(con, more_tickets("ONE"), None, source="one", policy=policy)
            inside.set()
            time.sleep(0.5)  # the second write arrives while this one holds the turn

    thread = threading.Thread(target=first)
    thread.start()
    assert inside.wait(10)
    with writing(db, waiting=told.append) as con:
        ingest_frames(con, more_tickets("TWO"), None, source="two", policy=policy)
    thread.join()
    assert told == [f"{db}: another write to this database is in progress; waiting for it to finish"]
    assert count(db) == stored + 6


def test_an_ingest_from_the_command_line_waits_for_a_write_in_progress(db, tmp_path, policy):
    (tmp_path / "more.csv").write_text("ticket_id,client,priority,created_at\nCLI-1,Acme,P1,2026-03-02T09:00:00Z\n")
    stored = count(db)
    with writing(db) as con:
        ingest_frames(con, more_tickets("HELD"), None, source="held", policy=policy)
        cli = subprocess.Popen([sys.executable, "-m", "slametrics", "ingest", "--db", str(db), "--tickets",
                                str(tmp_path / "more.csv"), "--quiet"], cwd=tmp_path, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True, env={**os.environ, "PYTHONPATH": str(REPO)})
        time.sleep(3)
        assert cli.poll() is None  # still waiting for its turn
    out, err = cli.communicate(timeout=120)
    assert cli.returncode == 0, err
    assert err == f"{db}: another write to this database is in progress; waiting for it to finish\n"
    assert count(db) == stored + 4


def test_a_killed_write_leaves_the_file_as_it_was_and_the_next_write_clears_its_leftovers(db):
    untouched = digest(db)
    script = textwrap.dedent(f"""
        import sys, time
        from slametrics.db import writing
        with writing({str(db)!r}) as con:
            con.execute("DELETE FROM tickets")
            con.execute("CHECKPOINT")
            print("inside", flush=True)
            time.sleep(60)
    """)
    child = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True,
                             env={**os.environ, "PYTHONPATH": str(REPO)})
    assert child.stdout.readline().strip() == "inside"
    child.send_signal(signal.SIGKILL)
    child.wait(30)
    assert digest(db) == untouched
    leftovers = [p.name for p in db.parent.iterdir() if ".writing-" in p.name]
    assert leftovers == [f".sla.duckdb.writing-{child.pid}"]
    with writing(db):
        pass
    assert not [p for p in db.parent.iterdir() if ".writing-" in p.name]


@pytest.mark.parametrize("room", ["none for the copy", "some for the copy"])
def test_a_full_disk_is_one_line_and_the_database_is_as_it_was(db, tmp_path, room):
    big = tmp_path / "big.csv"
    rows = "\n".join(f"BIG-{i},Acme,P1,2026-03-02T09:00:00Z,team {i},agent {i}" for i in range(200_000))
    big.write_text("ticket_id,client,priority,created_at,team,agent\n" + rows + "\n")
    untouched = digest(db)
    limit = db.stat().st_size // 2 if room == "none for the copy" else db.stat().st_size + 256 * 1024

    def small_disk():  # files of this process may not grow past `limit`: what a full disk does to a write
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    done = subprocess.run([sys.executable, "-m", "slametrics", "ingest", "--db", str(db), "--tickets", str(big),
                           "--quiet"], cwd=tmp_path, capture_output=True, text=True, preexec_fn=small_disk,
                          env={**os.environ, "PYTHONPATH": str(REPO)}, timeout=300)
    assert done.returncode == 2, done.stderr
    assert done.stderr.startswith(f"error: {db}: the disk is full (") and done.stderr.endswith(
        "); nothing was written, the database is as it was\n"), done.stderr
    assert len(done.stderr.splitlines()) == 1 and "Traceback" not in done.stderr
    assert digest(db) == untouched
    assert not [p for p in db.parent.iterdir() if ".writing-" in p.name]


def test_a_refused_write_of_a_new_database_leaves_no_file(tmp_path):
    path = tmp_path / "new.duckdb"
    with pytest.raises(DataError):
        with writing(path):
            raise DataError("refused")
    assert not path.exists()
    assert run_cli("evaluate", "--db", str(path), cwd=tmp_path).returncode == 2


def test_where_no_hard_link_can_be_made_a_new_open_still_sees_the_newest_file(db, policy, monkeypatch):
    # a read-only folder, or a file of another user under protected hard links (Linux's default)
    def refused(*args, **kwargs):
        raise PermissionError(1, "Operation not permitted")

    monkeypatch.setattr(os, "link", refused)
    stored = count(db)
    before = connect(db, read_only=True)
    with writing(db) as con:
        ingest_frames(con, more_tickets("NEW"), None, source="more", policy=policy)
    after = connect(db, read_only=True)  # the process still holds `before` open
    assert after.execute("SELECT count(*) FROM tickets").fetchall() == [(stored + 3,)]
    before.close()
    after.close()
    assert not [p for p in db.parent.iterdir() if ".read-" in p.name]
    assert not list(Path(tempfile.gettempdir()).glob(f"slametrics-read-{os.getpid()}-*"))  # its copies, once open


def test_a_symlinked_database_is_written_where_the_link_points_and_stays_a_link(tmp_path, db, policy):
    link = tmp_path / "current.duckdb"
    link.symlink_to(db)
    stored = count(db)
    with writing(link) as con:
        ingest_frames(con, more_tickets("VIA"), None, source="via link", policy=policy)
    assert link.is_symlink() and count(db) == count(link) == stored + 3


def test_a_write_keeps_the_databases_owner_group_and_mode(db, policy):
    if os.geteuid() != 0:
        pytest.skip("only root can give a file to another user")
    os.chown(db, 65534, 65534)
    db.chmod(0o640)
    with writing(db) as con:
        ingest_frames(con, more_tickets("OWN"), None, source="own", policy=policy)
    stat = db.stat()
    assert (stat.st_uid, stat.st_gid, stat.st_mode & 0o777) == (65534, 65534, 0o640)


def test_leftovers_of_killed_reads_and_writes_are_cleared_even_with_glob_characters_in_the_name(tmp_path, policy):
    path = tmp_path / "sla[prod].duckdb"
    with writing(path) as con:
        ingest_frames(con, more_tickets("P"), None, source="p", policy=policy)
    dead, live = tmp_path / ".sla[prod].duckdb.read-999999999-1-1", tmp_path / f".sla[prod].duckdb.read-{os.getpid()}-1-1"
    os.link(path, dead)  # a reader killed while DuckDB opened the file
    os.link(path, live)  # one still opening it
    (tmp_path / ".sla[prod].duckdb.writing-999999999").write_bytes(b"half")
    other = tmp_path / ".slaXprod].duckdb.writing-1"  # another database's working copy: never touched
    other.write_bytes(b"theirs")
    with writing(path):
        pass
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".")) == sorted([live.name, other.name])


def test_an_empty_file_reads_as_no_database_yet_and_a_write_makes_one_there(tmp_path, policy):
    path = tmp_path / "empty.duckdb"
    path.write_bytes(b"")
    with pytest.raises(DataError) as refused:
        connect(path, read_only=True)
    assert refused.value.problems == [f"{path}: an empty file, not a database yet: load tickets with "
                                      "`python -m slametrics ingest`"]
    with writing(path) as con:
        ingest_frames(con, more_tickets("E"), None, source="e", policy=policy)
    assert count(path) == 3


def test_a_damaged_database_is_named_by_its_own_path(tmp_path):
    path = tmp_path / "damaged.duckdb"
    path.write_bytes(b"\0" * 8 + b"DUCK" + b"\xff" * 5000)
    with pytest.raises(DataError) as refused:
        connect(path, read_only=True)
    assert refused.value.problems[0].startswith(f"{path}: cannot open the database: ")
    assert ".read-" not in refused.value.problems[0]


def test_an_in_memory_database_on_the_command_line_is_refused(tmp_path):
    for command in (("ingest", "--tickets", "t.csv"), ("evaluate",)):
        done = run_cli(*command, "--db", ":memory:", cwd=tmp_path)
        assert (done.returncode, done.stderr) == (2, "error: --db :memory: keeps nothing from one command to the "
                                                     "next: name a database file (e.g. data/sla.duckdb)\n")


@pytest.mark.parametrize("swapped", [False, True])
def test_a_write_killed_between_setting_the_old_log_aside_and_its_swap_gives_the_log_back(db, swapped):
    from slametrics.db import _sweep

    # as a write killed at that moment leaves it: the old file's log set aside beside the copy
    work = db.with_name(f".{db.name}.writing-999999")
    aside = work.with_name(f"{work.name}.old-wal")
    aside.write_bytes(b"the old file's log")
    if not swapped:
        work.write_bytes(b"the copy, never swapped in")
    _sweep(db)
    wal = Path(f"{db}.wal")
    if swapped:  # the copy was swapped in and holds the log: the old log must never meet it
        assert not wal.exists()
    else:
        assert wal.read_bytes() == b"the old file's log"
        wal.unlink()
    assert not [p for p in db.parent.iterdir() if ".writing-" in p.name]
