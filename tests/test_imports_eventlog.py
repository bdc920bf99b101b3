"""The eventlog import (docs/imports.md): a status-change log turned into tickets and events by a mapping.

The rules on the hand-written log tests/fixtures/imports/eventlog_small.csv (mapping eventlog_small.yaml,
times in Europe/Berlin, CET in March 2026 = UTC+1):
C1 priority raised P2 -> P1, a blank team at the end; C2 solved, reopened, solved again; C3 still open;
C4 an impossible date (31.02.); C5 rows out of time order and never taken; C6 an unknown SLA value;
C7 no "Opened" event; and a row without a case id.

Then the two real logs in ../shared/datasets (never copied into the repository): every case is stored
or rejected with a reason, every row likewise, and a second import gives the same numbers.
"""
from __future__ import annotations

import datetime as dt
import json
import sys
from pathlib import Path

import polars as pl
import pytest

from slametrics.errors import DataError
from slametrics.imports import import_export
from slametrics.imports.mapping import load_mapping
from slametrics.scope import EVERYTHING

sys.path.insert(0, str(Path(__file__).resolve().parent))
from cli_runner import run_cli  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "tests" / "fixtures" / "imports"
LOG, MAPPING = FIXTURES / "eventlog_small.csv", FIXTURES / "eventlog_small.yaml"
DATASETS = ROOT.parent / "shared" / "datasets"
UTC = dt.timezone.utc


def utc(day: int, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime(2026, 3, day, hour, minute, tzinfo=UTC)


def count(con, table: str) -> int:
    return con.execute(f"SELECT count(*) FROM {table}").fetchall()[0][0]


@pytest.fixture
def imported(con):
    return con, import_export(con, "eventlog", LOG, mapping=MAPPING, timezone="Europe/Berlin")


def ticket(con, ticket_id: str) -> dict:
    rows = con.sql("SELECT * FROM tickets WHERE ticket_id = $id", params={"id": ticket_id}).pl().to_dicts()
    assert len(rows) == 1, f"{ticket_id} not stored"
    return rows[0]


def rejects(con) -> pl.DataFrame:
    return con.sql("SELECT kind, line, ticket_id, reason, row_json FROM rejects ORDER BY kind, line").pl()


def test_every_case_and_every_row_is_stored_or_rejected(imported):
    con, summary = imported
    s = summary.ingest
    assert (summary.export_rows, summary.cases) == (24, 7)
    assert (s.rows_read, s.stored, s.rejected) == (7, 4, {
        "a row of this case (this line) has a timestamp that cannot be read, so the order of its events is unknown": 1,
        "SLA is neither a met value ['yes'] nor a breached value ['no']": 1, "required column created_at is empty": 1})
    assert (s.events_read, s.events_stored, sum(s.events_rejected.values())) == (24, 17, 7)
    assert count(con, "rejects") == 3 + 7


def test_milestones_come_from_the_mapped_activities(imported):
    con, _ = imported
    t = ticket(con, "C1")
    assert (t["created_at"], t["first_response_at"], t["resolved_at"]) == (utc(2, 8), utc(2, 8, 20), utc(2, 14))


def test_attributes_are_the_last_non_empty_value_of_the_case(imported):
    con, _ = imported
    t = ticket(con, "C1")
    assert (t["priority"], t["team"], t["client"], t["source_sla_met"]) == ("P1", "Desk", "Acme Corp", True)


def test_a_reopened_case_is_resolved_where_its_final_run_of_resolutions_starts(imported):
    con, _ = imported
    t = ticket(con, "C2")
    assert (t["resolved_at"], t["source_sla_met"]) == (utc(3, 15), False)  # the second Solved, 16:00 local


def test_an_open_case_has_no_resolution_and_no_verdict(imported):
    con, _ = imported
    t = ticket(con, "C3")
    assert (t["first_response_at"], t["resolved_at"], t["source_sla_met"]) == (utc(4, 10), None, None)


def test_events_are_taken_in_time_order_whatever_the_file_order(imported):
    con, _ = imported
    t = ticket(con, "C5")
    assert (t["created_at"], t["first_response_at"], t["resolved_at"]) == (utc(6, 8), None, utc(6, 11))
    statuses = con.sql("SELECT status FROM events WHERE ticket_id = 'C5' ORDER BY event_at, seq").pl()["status"]
    assert statuses.to_list() == ["Opened", "Solved"]


def test_each_row_is_a_status_event(imported):
    con, _ = imported
    statuses = con.sql("SELECT status FROM events WHERE ticket_id = 'C1' ORDER BY event_at, seq").pl()["status"]
    assert statuses.to_list() == ["Opened", "Taken", "Waiting", "Taken", "Solved", "Closed"]


def test_a_case_with_an_unreadable_timestamp_is_rejected_whole(imported):
    con, _ = imported
    bad = rejects(con).filter(pl.col("ticket_id") == "C4")
    case = bad.filter(pl.col("kind") == "tickets").to_dicts()[0]
    assert case["line"] == 18 and "has a timestamp that cannot be read" in case["reason"]
    assert "order of its events is unknown" in json.loads(case["row_json"])["_problem"]
    assert sorted(bad.filter(pl.col("kind") == "events")["line"]) == [17, 18, 19]


def test_an_unknown_verdict_value_rejects_the_case_with_the_values_allowed(imported):
    con, _ = imported
    case = rejects(con).filter((pl.col("ticket_id") == "C6") & (pl.col("kind") == "tickets")).to_dicts()[0]
    assert case["reason"] == "SLA is neither a met value ['yes'] nor a breached value ['no']"
    raw = json.loads(case["row_json"])
    assert (raw["source_sla_met"], raw["_problem"]) == ("maybe", "SLA is neither a met value ['yes'] nor a breached value ['no']")


def test_a_case_without_its_created_activity_and_a_row_without_case_are_rejected(imported):
    con, _ = imported
    bad = rejects(con)
    assert bad.filter((pl.col("ticket_id") == "C7") & (pl.col("kind") == "tickets"))["reason"].to_list() == [
        "required column created_at is empty"]
    assert bad.filter(pl.col("line") == 25)["reason"].to_list() == ["required column ticket_id is empty"]


def test_importing_the_same_log_twice_changes_nothing(imported):
    con, first = imported
    before = {t: con.sql(f"SELECT * FROM {t} ORDER BY ALL").pl() for t in ("tickets", "events", "rejects")}
    second = import_export(con, "eventlog", LOG, mapping=MAPPING, timezone="Europe/Berlin")
    assert second.lines() == first.lines()
    for table, frame in before.items():
        assert con.sql(f"SELECT * FROM {table} ORDER BY ALL").pl().equals(frame), table


def test_a_case_closed_without_being_solved_is_resolved_at_its_close_and_counted_in_the_notes(con, tmp_path):
    # D1 closed straight from work; D2 solved, then closed; D3 solved, reopened, then closed without a
    # second Solved: its final run is the Closed alone
    log = tmp_path / "closed.csv"
    log.write_text("Case,Status,When,Prio,Customer,Team,SLA\n"
                   "D1,Opened,02.03.2026 09:00:00,P2,Acme Corp,Desk,yes\n"
                   "D1,Closed,02.03.2026 11:00:00,P2,Acme Corp,Desk,yes\n"
                   "D2,Opened,02.03.2026 09:00:00,P2,Acme Corp,Desk,yes\n"
                   "D2,Solved,02.03.2026 12:00:00,P2,Acme Corp,Desk,yes\n"
                   "D2,Closed,03.03.2026 12:00:00,P2,Acme Corp,Desk,yes\n"
                   "D3,Opened,02.03.2026 09:00:00,P2,Acme Corp,Desk,yes\n"
                   "D3,Solved,02.03.2026 10:00:00,P2,Acme Corp,Desk,yes\n"
                   "D3,Taken,02.03.2026 13:00:00,P2,Acme Corp,Desk,yes\n"
                   "D3,Closed,02.03.2026 14:00:00,P2,Acme Corp,Desk,yes\n", encoding="utf-8")
    summary = import_export(con, "eventlog", log, mapping=MAPPING, timezone="Europe/Berlin")
    assert [ticket(con, t)["resolved_at"] for t in ("D1", "D2", "D3")] == [utc(2, 10), utc(2, 11), utc(2, 13)]
    assert [n for n in summary.notes if "resolution by" in n] == [
        "2 cases reached their resolution by Closed alone, with no Solved before it: that event is taken as the "
        "resolution (docs/imports.md, the Closed rule)"]


def test_a_log_without_a_mapped_column_is_refused_whole(con, tmp_path):
    pl.read_csv(LOG, infer_schema=False).drop("When").write_csv(tmp_path / "log.csv")
    with pytest.raises(DataError, match="'When'"):
        import_export(con, "eventlog", tmp_path / "log.csv", mapping=MAPPING)


def test_eventlog_needs_a_mapping(con):
    with pytest.raises(DataError, match="--mapping"):
        import_export(con, "eventlog", LOG)


def test_a_broken_mapping_reports_every_mistake_at_once(tmp_path):
    path = tmp_path / "broken.yaml"
    path.write_text(
        "kind: eventlog\n"
        "timestamps: {format: dd.mm.yyyy}\n"
        "log: {case: Case, activity: Status}\n"
        "milestones:\n"
        "  resolved: {activities: [Solved], pick: latest}\n"
        "  answered: [Taken]\n"
        "fields:\n"
        "  priority: Prio\n"
        "  ticket_id: Case\n"
        "  source_sla_met: {column: SLA, met: [yes], breached: [\"no\"]}\n", encoding="utf-8")
    with pytest.raises(DataError) as caught:
        load_mapping(path)
    problems = caught.value.problems
    for words in ("timestamps.format", "log.timestamp: missing", "milestones.resolved.pick", "milestones.answered",
                  "fields.ticket_id", "fields.source_sla_met.met"):
        assert any(words in p for p in problems), (words, problems)
    assert all(str(path) in p for p in problems)


@pytest.mark.parametrize("name", sorted(p.stem for p in (ROOT / "config" / "mappings").glob("*.yaml")))
def test_every_shipped_mapping_loads(name):
    mapping = load_mapping(ROOT / "config" / "mappings" / f"{name}.yaml")
    assert mapping.description


# --- the real logs -------------------------------------------------------------------------------

REAL_LOGS = [  # (mapping, file under ../shared/datasets, time zone, case column, published cases, rows)
    ("bpic2013_volvo", "bpic2013_volvo_incidents/VINST-new.csv.gz", "UTC", "SR Number", 7_554, 65_533),
    ("helpdesk_italian", "helpdesk_italian_sw_company/helpdesk.csv.gz", "Europe/Rome", "Case ID", 4_580, 21_348),
]


def real_log(relative: str) -> Path:
    path = DATASETS / relative
    if not path.exists():
        pytest.skip(f"real dataset {relative} not found under {DATASETS} (it is not part of the repository; "
                    "a clone without ../shared/datasets skips this test)")
    return path


@pytest.mark.parametrize("mapping, relative, timezone, case_column, cases, rows", REAL_LOGS,
                         ids=[log[0] for log in REAL_LOGS])
def test_a_real_log_imports_every_case_or_rejects_it_with_a_reason(con, mapping, relative, timezone, case_column,
                                                                    cases, rows):
    path = real_log(relative)
    raw = pl.read_csv(path, infer_schema=False, encoding="utf8-lossy")
    raw = raw.rename({c: c.lstrip("\ufeff") for c in raw.columns})
    assert (raw.height, raw[case_column].n_unique()) == (rows, cases)  # the published sizes

    summary = import_export(con, "eventlog", path, mapping=mapping, timezone=timezone)
    s = summary.ingest
    print(f"\n{mapping}: " + " | ".join(summary.lines()[1:]))
    assert (summary.export_rows, summary.cases, s.rows_read, s.events_read) == (rows, cases, cases, rows)
    assert s.stored + sum(s.rejected.values()) == cases
    assert s.events_stored + sum(s.events_rejected.values()) == rows
    assert (count(con, "tickets"), count(con, "events")) == (s.stored, s.events_stored)
    stored_or_rejected = con.sql(
        "SELECT ticket_id FROM tickets UNION SELECT ticket_id FROM rejects WHERE kind = 'tickets'").pl()["ticket_id"]
    assert set(stored_or_rejected) == set(raw[case_column])
    unexplained = con.execute("SELECT count(*) FROM rejects WHERE reason = '' OR line IS NULL").fetchall()[0][0]
    assert unexplained == 0

    again = import_export(con, "eventlog", path, mapping=mapping, timezone=timezone)
    assert again.lines() == summary.lines()
    assert (count(con, "tickets"), count(con, "events")) == (s.stored, s.events_stored)


def test_a_real_log_imports_from_the_command_line_with_the_same_summary_twice(tmp_path):
    path = real_log("helpdesk_italian_sw_company/helpdesk.csv.gz")
    args = ("ingest", "--format", "eventlog", "--mapping", "helpdesk_italian", "--tickets", str(path),
            "--timezone", "Europe/Rome", "--db", "sla.duckdb", "--quiet")
    first, second = run_cli(*args, cwd=tmp_path), run_cli(*args, cwd=tmp_path)
    assert first.returncode == 0, first.stderr
    assert "tickets: 4580 read" in first.stdout and "events: 21348 read" in first.stdout
    assert second.stdout == first.stdout


def test_the_imported_volvo_log_gives_every_case_its_clocks_and_pauses(con):
    from slametrics.clock import evaluate_clocks
    from slametrics.policy import load_policy

    path = real_log("bpic2013_volvo_incidents/VINST-new.csv.gz")
    import_export(con, "eventlog", path, mapping="bpic2013_volvo")
    clocks = evaluate_clocks(con, load_policy(FIXTURES / "bpic2013_policy.yaml"), "2012-06-01T00:00:00Z", scope=EVERYTHING)
    assert clocks.height == 2 * 7_554  # a response and a resolution clock per case
    assert (clocks["paused_seconds"] > 0).sum() > 0  # Accepted-Wait - ... statuses pause
