"""Bad rows (SLA_SPEC §1.3), through the command line: rejected with a reason and their line number,
counted in the ingest summary, kept in the `rejects` table; a file missing a required column is
refused whole; and ingesting the same files twice changes nothing.

The fixtures are in tests/bad_rows/ (CSV header = line 1). Each bad row has exactly one problem.
"""
from __future__ import annotations

import re
import shutil
import sys
from pathlib import Path

import duckdb
import polars as pl
import pytest

if str(Path(__file__).resolve().parent) not in sys.path:
    sys.path.insert(0, str(Path(__file__).resolve().parent))

from cli_runner import run_cli  # noqa: E402

FIXTURES = Path(__file__).resolve().parent / "bad_rows"
DB = "sla.duckdb"

# (kind, line, words of which the reason must name one): every reject the ingest must keep.
EXPECTED_REJECTS = [
    ("ticket", 4, ["client"]),                           # B1: required column empty
    ("ticket", 5, ["created_at"]),                       # B2: required timestamp empty
    ("ticket", 6, ["created_at"]),                       # B3: created_at does not parse (hour 25)
    ("ticket", 7, ["first_response_at"]),                # B4: optional timestamp does not parse
    ("ticket", 8, ["csat"]),                             # B5: csat is not a number
    ("ticket", 9, ["reopened"]),                         # B6: reopened is not an integer (1.5)
    ("ticket", 10, ["first_response_at"]),               # B7: first response before creation
    ("ticket", 11, ["resolved_at"]),                     # B8: resolution before creation
    ("ticket", 12, ["csat"]),                            # B9: csat 6, outside 1..5
    ("ticket", 13, ["csat"]),                            # B10: csat 0, outside 1..5
    ("ticket", 14, ["duplicat", "more than once", "ticket_id"]),  # D1, first copy
    ("ticket", 15, ["ticket_id"]),                       # ticket_id empty
    ("ticket", 16, ["duplicat", "more than once", "ticket_id"]),  # D1, second copy: both are rejected
    ("ticket", 17, ["priority"]),                        # B11: required column empty
    ("event", 4, ["ticket"]),                            # NOPE: unknown ticket
    ("event", 5, ["ticket"]),                            # B5: its ticket was rejected
    ("event", 6, ["ticket"]),                            # D1: its ticket was rejected
    ("event", 7, [r"\bat\b", "timestamp"]),              # `at` does not parse
    ("event", 8, ["status"]),                            # status empty
    ("event", 9, ["ticket_id"]),                         # ticket_id empty
]
# Good rows: G1-G6 are stored (G3's client is uncovered, still stored); event lines 2, 3, 10 too.
TICKETS_READ, TICKETS_STORED, TICKETS_REJECTED = 20, 6, 14
EVENTS_READ, EVENTS_STORED, EVENTS_REJECTED = 9, 3, 6


@pytest.fixture
def workdir(tmp_path: Path) -> Path:
    for f in FIXTURES.iterdir():
        shutil.copy(f, tmp_path / f.name)
    return tmp_path


def ingest(workdir: Path, tickets: str = "tickets.csv", events: str | None = "events.csv"):
    args = ["ingest", "--db", DB, "--tickets", tickets]
    if events:
        args += ["--events", events]
    return run_cli(*args, "--policy", "policy.yaml", cwd=workdir)


def snapshot(workdir: Path, tables: list[str] | None = None) -> dict[str, list[tuple]]:
    """Every row of the named tables (default: all tables), in a stable order."""
    con = duckdb.connect(str(workdir / DB), read_only=True)
    try:
        if tables is None:
            tables = [r[0] for r in con.execute("SELECT table_name FROM duckdb_tables() ORDER BY 1").fetchall()]
        return {t: con.execute(f'SELECT * FROM "{t}" ORDER BY ALL').fetchall() for t in tables}
    finally:
        con.close()


def rejects(workdir: Path) -> list[tuple[str, str, int, str]]:
    con = duckdb.connect(str(workdir / DB), read_only=True)
    try:
        return con.execute("SELECT source, kind, line, reason FROM rejects").fetchall()
    finally:
        con.close()


def says(summary: str, word: str, number: int) -> bool:
    """Some line of the summary names `word` and the count `number` (as a whole number)."""
    return any(
        word in line.lower() and re.search(rf"(?<![\d.]){number}(?![\d.])", line)
        for line in summary.splitlines()
    )


def test_ingest_summary_counts_rows_read_stored_and_rejected(workdir: Path) -> None:
    result = ingest(workdir)
    assert result.returncode == 0, result.stderr
    summary = result.stdout + result.stderr
    for word, number in [
        ("read", TICKETS_READ), ("stored", TICKETS_STORED), ("reject", TICKETS_REJECTED),
        ("read", EVENTS_READ), ("stored", EVENTS_STORED), ("reject", EVENTS_REJECTED),
    ]:
        assert says(summary, word, number), f"summary does not say {word} {number}:\n{summary}"
    # Rejected by reason: each reason kept in the rejects table is counted on a line of the summary.
    by_reason: dict[tuple[str, str], int] = {}
    for _, kind, _, reason in rejects(workdir):
        by_reason[kind, reason] = by_reason.get((kind, reason), 0) + 1
    for (kind, reason), number in by_reason.items():
        assert says(summary, reason.lower(), number), f"summary does not count {number} x {reason!r}:\n{summary}"


def test_every_bad_row_is_kept_with_its_line_and_reason(workdir: Path) -> None:
    assert ingest(workdir).returncode == 0
    kept = rejects(workdir)
    assert len(kept) == len(EXPECTED_REJECTS), "\n".join(map(str, sorted(kept, key=lambda r: (r[1], r[2]))))
    for kind, line, words in EXPECTED_REJECTS:
        matches = [r for r in kept if str(r[1]).lower().startswith(kind) and int(r[2]) == line]
        assert len(matches) == 1, f"expected one {kind} reject at line {line}, found {matches}"
        source, _, _, reason = matches[0]
        assert source, f"{kind} line {line}: reject without a source"
        assert any(re.search(w, reason, re.IGNORECASE) for w in words), (
            f"{kind} line {line}: reason {reason!r} should name one of {words}"
        )


def test_good_rows_are_stored_and_evaluated(workdir: Path) -> None:
    assert ingest(workdir).returncode == 0
    result = run_cli(
        "evaluate", "--db", DB, "--policy", "policy.yaml", "--as-of", "2026-03-03T00:00:00Z",
        "--out", "evaluate.csv", cwd=workdir,
    )
    assert result.returncode == 0, result.stderr
    lines = (workdir / "evaluate.csv").read_text().splitlines()
    ids = {line.split(",")[0] for line in lines[1:]}
    assert ids == {"G1", "G2", "G4", "G5", "G6"}  # G3's client is uncovered: stored, but no clock


def test_ingesting_the_same_files_twice_changes_nothing(workdir: Path) -> None:
    assert ingest(workdir).returncode == 0
    first = snapshot(workdir, ["tickets", "events", "rejects"])
    assert ingest(workdir).returncode == 0
    assert snapshot(workdir, ["tickets", "events", "rejects"]) == first


@pytest.mark.parametrize(
    "tickets, events, column",
    [
        ("tickets_missing_priority.csv", None, "priority"),
        ("tickets_new.csv", "events_missing_status.csv", "status"),
    ],
)
def test_a_file_missing_a_required_column_is_refused_whole(
    workdir: Path, tickets: str, events: str | None, column: str
) -> None:
    assert ingest(workdir).returncode == 0
    before = snapshot(workdir)
    result = ingest(workdir, tickets, events)
    assert result.returncode != 0
    assert "Traceback" not in result.stdout + result.stderr
    message = result.stderr.strip()
    assert len(message.splitlines()) == 1, f"expected a one-line message, got:\n{message}"
    assert column in message, f"the message should name the missing column {column!r}: {message}"
    assert (events or tickets) in message, f"the message should name the file: {message}"
    assert snapshot(workdir) == before, "a refused file must leave the database unchanged"


def test_a_refused_first_ingest_leaves_no_database_behind(workdir: Path) -> None:
    result = ingest(workdir, "tickets_missing_priority.csv", None)
    assert result.returncode != 0 and "priority" in result.stderr
    assert not (workdir / DB).exists() and not (workdir / f"{DB}.wal").exists()
    assert ingest(workdir).returncode == 0  # and the next ingest starts from nothing, as it would have
    assert (workdir / DB).exists()


def test_times_out_of_range_negative_reopens_and_control_characters_are_rejected_with_their_reason():
    from slametrics.db import connect
    from slametrics.ingest import ingest_frames, rejects_of
    from slametrics.scope import EVERYTHING

    rows = pl.DataFrame({
        "ticket_id": ["OK-1", "OLD-1", "FAR-1", "NEG-1", "NUL\x00-1"],
        "client": ["Acme"] * 5, "priority": ["P1"] * 5,
        "created_at": ["2026-03-02T10:00:00Z", "0001-01-01T00:00:00Z", "2026-03-02T10:00:00Z",
                       "2026-03-02T10:00:00Z", "2026-03-02T10:00:00Z"],
        "resolved_at": ["", "", "9999-12-31T00:00:00Z", "", ""],
        "reopened": ["0", "", "", "-1", ""]})
    events = pl.DataFrame({"ticket_id": ["OK-1", "OK-1"], "at": ["2026-03-02T11:00:00Z", "2300-01-01T00:00:00Z"],
                           "status": ["open", "closed"]})
    con = connect(":memory:")
    try:
        summary = ingest_frames(con, rows, events, source="edge.csv")
        reasons = dict(rejects_of(con, scope=EVERYTHING).select("ticket_id", "reason").iter_rows())
    finally:
        con.close()
    assert summary.stored == 1
    assert reasons == {"OLD-1": "created_at is outside the years 1970-2199",
                       "FAR-1": "resolved_at is outside the years 1970-2199",
                       "NEG-1": "reopened is negative",
                       "NUL\x00-1": "ticket_id holds a control character",
                       "OK-1": "at is outside the years 1970-2199"}


def test_a_folder_a_nested_parquet_column_or_a_csv_given_as_database_is_a_clear_message(tmp_path):
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from cli_runner import run_cli

    csv_file = tmp_path / "tickets.csv"
    csv_file.write_text("ticket_id,client,priority,created_at\nT1,Acme,P1,2026-03-02T10:00:00Z\n")
    pl.DataFrame({"ticket_id": ["T1"], "client": ["Acme"], "priority": ["P1"], "created_at": ["2026-03-02T10:00:00Z"],
                  "team": [["a", "b"]]}).write_parquet(tmp_path / "nested.parquet")
    (tmp_path / "folder").mkdir()
    cases = {
        ("evaluate", "--db", str(csv_file), "--policy", str(Path(__file__).resolve().parents[1] / "config" / "policy.yaml")):
            f"error: {csv_file}: not a DuckDB database (a CSV or other file?)",
        ("ingest", "--db", str(tmp_path / "a.duckdb"), "--tickets", str(tmp_path / "folder")):
            f"error: {tmp_path / 'folder'}: a folder, not a file: name the tickets file (CSV or Parquet) itself",
        ("ingest", "--db", str(tmp_path / "b.duckdb"), "--tickets", str(tmp_path / "nested.parquet")):
            f"error: {tmp_path / 'nested.parquet'}: column team holds lists or structures",
    }
    for args, message in cases.items():
        done = run_cli(*args, cwd=tmp_path)
        assert done.returncode == 2 and done.stderr.startswith(message), (args, done.stderr)
        assert "Traceback" not in done.stderr
    assert csv_file.read_text().startswith("ticket_id")  # the CSV named as --db is untouched
    assert not (tmp_path / "a.duckdb").exists() and not (tmp_path / "b.duckdb").exists()


def test_a_decompression_bomb_is_refused_and_a_rejected_row_keeps_a_bounded_text(tmp_path, monkeypatch):
    import gzip

    from slametrics import ingest
    from slametrics.db import connect
    from slametrics.errors import DataError
    from slametrics.ingest import rejects_of
    from slametrics.scope import EVERYTHING

    bomb = tmp_path / "export.csv.gz"
    with gzip.open(bomb, "wb") as out:
        out.write(b"ticket_id,client,priority,created_at\n")
        out.write(b"T,Acme,P1," + b"x" * 3_000_000 + b"\n")  # compresses about 1000x
    monkeypatch.setattr(ingest, "MIN_EXPANDED", 1_000_000)  # the same rule, at the size of a test
    con = connect(":memory:")
    try:
        with pytest.raises(DataError, match=r"expands to more than 1,000,000 bytes \(50x its size\): refused"):
            ingest.ingest_files(con, bomb)
        assert con.execute("SELECT count(*) FROM tickets").fetchall() == [(0,)]
        monkeypatch.setattr(ingest, "MIN_EXPANDED", 10_000_000)
        summary = ingest.ingest_files(con, bomb)  # under the limit: read, and its one bad row kept short
        row = rejects_of(con, scope=EVERYTHING).row(0, named=True)
    finally:
        con.close()
    assert summary.stored == 0 and row["reason"] == "created_at is not a timestamp (ISO 8601, e.g. 2026-03-01T09:30:00Z)"
    assert len(row["row_json"]) < 1_200 and '"client":"Acme"' in row["row_json"]


def test_a_latin1_file_is_refused_instead_of_storing_replacement_characters(tmp_path):
    from slametrics.db import connect
    from slametrics.errors import DataError
    from slametrics.ingest import ingest_files

    latin = tmp_path / "latin.csv"
    text = "ticket_id,client,priority,created_at,team\nT1,Acme,P1,2026-03-02T10:00:00Z,Équipe Süd\n"
    latin.write_bytes(text.encode("cp1252"))
    con = connect(":memory:")
    try:
        first_bad = text.encode("cp1252").index("É".encode("cp1252")) + 1  # 75: the É of Équipe
        with pytest.raises(DataError, match=rf"latin.csv: byte {first_bad} is not UTF-8 text .*save the file as UTF-8"):
            ingest_files(con, latin)
        assert con.execute("SELECT count(*) FROM tickets").fetchall() == [(0,)]
        utf8 = tmp_path / "utf8.csv"
        utf8.write_text(text.replace("T1", "T2") + "T3,Acme,P1,2026-03-02T10:00:00Z,keeps a \ufffd as written\n",
                        encoding="utf-8")
        assert ingest_files(con, utf8).stored == 2  # real UTF-8, even with a literal U+FFFD, loads
        assert con.execute("SELECT team FROM tickets ORDER BY ticket_id").fetchall()[0] == ("Équipe Süd",)
    finally:
        con.close()


def test_a_header_that_names_a_column_twice_is_refused_through_the_command_line(workdir: Path) -> None:
    assert ingest(workdir).returncode == 0
    before = snapshot(workdir)
    (workdir / "twice.csv").write_text("ticket_id,client,priority,created_at, client\n"
                                       "T-9,Acme,P1,2026-03-02T10:00:00Z,Globex\n", encoding="utf-8")
    result = ingest(workdir, "twice.csv", None)
    assert result.returncode == 2
    assert result.stderr == ("error: twice.csv: the header names a column more than once ('client' in "
                             "columns 2, 5): which one is meant cannot be told; give each column of the tickets file "
                             "one name\n")
    assert snapshot(workdir) == before


def test_a_repeated_column_that_the_ingest_does_not_read_is_harmless(tmp_path):
    from slametrics.db import connect
    from slametrics.ingest import ingest_files

    path = tmp_path / "notes.csv"
    path.write_text("ticket_id,client,priority,created_at,note,note\nT-1,Acme,P1,2026-03-02T10:00:00Z,a,b\n")
    con = connect(":memory:")
    try:
        assert ingest_files(con, path).stored == 1
    finally:
        con.close()
