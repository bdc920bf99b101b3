"""Ingest: Parquet as well as CSV, replacement on re-ingest, and all-or-nothing on failure."""
from __future__ import annotations

import polars as pl
import pytest

from slametrics import ingest as ingest_module
from slametrics.db import connect
from slametrics.errors import DataError
from slametrics.ingest import ingest_files
from slametrics.scope import EVERYTHING

TICKETS = """ticket_id,client,priority,created_at,first_response_at,resolved_at
A1,Acme,P1,2026-03-02T09:00:00Z,2026-03-02T09:10:00Z,2026-03-02T11:00:00Z
A2,Acme,P2,2026-03-02T10:00:00Z,,
"""
EVENTS = """ticket_id,at,status
A2,2026-03-02T10:30:00Z,pending_customer
A2,2026-03-02T12:00:00Z,in_progress
"""


def tables(con):
    return {name: con.sql(f"SELECT * EXCLUDE (source) FROM {name} ORDER BY ALL").fetchall() if name != "events"
            else con.sql("SELECT * FROM events ORDER BY ALL").fetchall() for name in ("tickets", "events", "rejects")}


@pytest.fixture
def files(tmp_path):
    (tmp_path / "t.csv").write_text(TICKETS)
    (tmp_path / "e.csv").write_text(EVENTS)
    return tmp_path


def test_parquet_and_csv_store_the_same_history(files, tmp_path):
    pl.read_csv(files / "t.csv", infer_schema=False).write_parquet(tmp_path / "t.parquet")
    pl.read_csv(files / "e.csv", infer_schema=False).write_parquet(tmp_path / "e.parquet")
    from_csv, from_parquet = connect(":memory:"), connect(":memory:")
    ingest_files(from_csv, files / "t.csv", files / "e.csv")
    summary = ingest_files(from_parquet, tmp_path / "t.parquet", tmp_path / "e.parquet")
    assert (summary.stored, summary.events_stored) == (2, 2)
    assert tables(from_csv)["tickets"] == tables(from_parquet)["tickets"]
    # event seq is the input line: CSV counts the header, Parquet rows count from 1, order is the same
    assert [r[3] for r in tables(from_csv)["events"]] == [r[3] for r in tables(from_parquet)["events"]]


def test_reingest_replaces_a_ticket_and_only_the_events_the_new_input_carries(files, tmp_path):
    con = connect(":memory:")
    ingest_files(con, files / "t.csv", files / "e.csv")
    (tmp_path / "t2.csv").write_text("ticket_id,client,priority,created_at,resolved_at\n"
                                     "A1,Acme,P3,2026-03-02T09:00:00Z,2026-03-03T09:00:00Z\n")
    ingest_files(con, tmp_path / "t2.csv")
    rows = dict(con.sql("SELECT ticket_id, priority FROM tickets").fetchall())
    assert rows == {"A1": "P3", "A2": "P2"}
    # A2's events stay: the second input carried none for it
    assert con.sql("SELECT count(*) FROM events WHERE ticket_id = 'A2'").fetchall()[0][0] == 2


def test_events_may_refer_to_tickets_stored_by_an_earlier_ingest_and_replace_theirs(files, tmp_path):
    con = connect(":memory:")
    ingest_files(con, files / "t.csv", files / "e.csv")
    (tmp_path / "e2.csv").write_text("ticket_id,at,status\nA2,2026-03-02T13:00:00Z,on_hold\n")
    (tmp_path / "none.csv").write_text("ticket_id,client,priority,created_at\n")
    summary = ingest_files(con, tmp_path / "none.csv", tmp_path / "e2.csv")
    assert (summary.events_stored, summary.events_rejected) == (1, {})
    assert con.sql("SELECT status FROM events WHERE ticket_id = 'A2'").fetchall() == [("on_hold",)]


def test_the_same_ingest_twice_changes_nothing(files):
    con = connect(":memory:")
    ingest_files(con, files / "t.csv", files / "e.csv")
    before = tables(con)
    ingest_files(con, files / "t.csv", files / "e.csv")
    assert tables(con) == before


def test_a_failure_half_way_leaves_the_database_as_it_was(files, tmp_path, monkeypatch):
    con = connect(":memory:")
    ingest_files(con, files / "t.csv", files / "e.csv")
    before = tables(con)
    (tmp_path / "t3.csv").write_text(TICKETS.replace("P2", "P4").replace("A1,Acme,P1", "A1,Acme,P9"))
    real = ingest_module.statement

    def broken(name):  # tickets are already deleted and re-inserted when the events step fails
        return "SELECT * FROM no_such_table" if name == "store_events" else real(name)

    monkeypatch.setattr(ingest_module, "statement", broken)
    with pytest.raises(Exception, match="no_such_table"):
        ingest_files(con, tmp_path / "t3.csv", files / "e.csv")
    assert tables(con) == before


def test_an_unknown_time_zone_is_refused_before_anything_is_read(files):
    with pytest.raises(DataError, match="'Mars/Olympus' is not a known time zone"):
        ingest_files(connect(":memory:"), files / "t.csv", timezone="Mars/Olympus")


def test_a_file_that_is_not_a_table_is_refused_with_its_name(tmp_path):
    (tmp_path / "bad.parquet").write_bytes(b"not parquet at all")
    with pytest.raises(DataError, match="bad.parquet: cannot read as Parquet"):
        ingest_files(connect(":memory:"), tmp_path / "bad.parquet")


def test_reingesting_a_ticket_with_a_new_creation_time_moves_its_pauses_with_it(files, tmp_path):
    from slametrics.clock import evaluate_clocks
    from slametrics.policy import parse_policy

    policy = parse_policy("""
calendars: {utc: {timezone: UTC, hours: always}}
contracts:
  acme:
    clients: [Acme]
    calendar: utc
    pause_statuses: [pending_customer]
    service_levels: {resolution: {metric: resolution, targets: {P2: 8h}, objective: 0.9}}
""")
    con = connect(":memory:")
    ingest_files(con, files / "t.csv", files / "e.csv")
    as_of = "2026-03-02T14:00:00Z"
    # A2: created 10:00, pending_customer 10:30-12:00 -> 4h open, 1h30m paused
    first = evaluate_clocks(con, policy, as_of, scope=EVERYTHING).row(by_predicate=pl.col("ticket_id") == "A2", named=True)
    assert (first["elapsed_seconds"], first["paused_seconds"]) == (4 * 3600 - 5400, 5400)
    # created again at 11:00 without events: the pause before creation now starts at creation (11:00-12:00)
    (tmp_path / "t4.csv").write_text("ticket_id,client,priority,created_at\nA2,Acme,P2,2026-03-02T11:00:00Z\n")
    ingest_files(con, tmp_path / "t4.csv")
    again = evaluate_clocks(con, policy, as_of, scope=EVERYTHING).row(by_predicate=pl.col("ticket_id") == "A2", named=True)
    assert (again["elapsed_seconds"], again["paused_seconds"]) == (3 * 3600 - 3600, 3600)


def test_a_row_with_too_many_or_too_few_fields_is_rejected_at_its_physical_line(tmp_path):
    (tmp_path / "t.csv").write_text('ticket_id,client,priority,created_at\n'
                                    'T1,A,P1,2026-03-02T00:00:00Z\n'
                                    'T2,A,P1,2026-03-02T00:00:00Z,extra\n'
                                    '"T3\nsecond line",A,P1,2026-03-02T00:00:00Z\n'
                                    'T4,A,P1\n')
    con = connect(":memory:")
    summary = ingest_files(con, tmp_path / "t.csv")
    assert (summary.rows_read, summary.stored) == (4, 2)
    assert summary.rejected == {"the row has 5 fields where the header has 4 (quote values that hold a comma)": 1,
                                "the row has 3 fields where the header has 4 (quote values that hold a comma)": 1}
    rows = con.sql("SELECT line, row_json FROM rejects ORDER BY line").fetchall()
    assert [line for line, _ in rows] == [3, 6]  # the quoted value spans lines 4-5
    assert '"_raw":"T4,A,P1"' in rows[1][1]


def test_the_summary_counts_a_row_under_each_of_its_reasons(tmp_path):
    (tmp_path / "t.csv").write_text("ticket_id,client,priority,created_at,csat\n"
                                    "T6,A,P1,2026-03-02T00:00:00Z,9\nT6,A,P1,2026-03-02T00:00:00Z,3\n")
    summary = ingest_files(connect(":memory:"), tmp_path / "t.csv")
    assert summary.rejected == {"ticket_id appears more than once in this input (every copy rejected)": 2,
                                "csat is outside 1..5": 1}


def _csv_module_lines(path) -> dict[str, int]:
    """ticket_id -> the physical line its record starts on, by Python's csv reader (an independent count)."""
    import csv

    with open(path, newline="", encoding="utf-8") as handle:
        reader = csv.reader(handle)
        next(reader)
        lines, start = {}, reader.line_num + 1
        for record in reader:
            lines[record[0]] = start
            start = reader.line_num + 1
    return lines


def test_a_rejected_row_after_values_that_span_lines_is_named_by_its_physical_line(tmp_path):
    path = tmp_path / "t.csv"
    path.write_bytes(b'ticket_id,client,priority,created_at,category\r\n'
                     b'T1,A,P1,2026-03-02T00:00:00Z,"two\r\nlines"\r\n'      # lines 2-3
                     b'T2,A,P1,not a time,x\r\n'                              # line 4
                     b'T3,A,P1,2026-03-02T00:00:00Z,"three\nlines\rhere"\r\n'  # lines 5-7 (LF, then CR alone)
                     b'T4,A,P1,bad,y\r\n')                                    # line 8
    con = connect(":memory:")
    summary = ingest_files(con, path)
    assert (summary.rows_read, summary.stored) == (4, 2)
    rows = con.sql("SELECT ticket_id, line FROM rejects ORDER BY line").fetchall()
    assert rows == [("T2", 4), ("T4", 8)]
    assert all(_csv_module_lines(path)[ticket] == line for ticket, line in rows)
    stored = con.sql("SELECT category FROM tickets WHERE ticket_id = 'T1'").fetchall()[0][0]
    assert stored == "two\r\nlines"  # the value itself is kept as written


def test_a_header_name_that_spans_lines_moves_every_line(tmp_path):
    path = tmp_path / "t.csv"
    path.write_text('ticket_id,client,priority,created_at,"cate\ngory"\nT1,A,P1,bad,x\n')
    con = connect(":memory:")
    ingest_files(con, path)
    assert con.sql("SELECT line FROM rejects").fetchall() == [(3,)]
