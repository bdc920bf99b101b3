"""The ServiceNow import (docs/imports.md): each rule on the hand-built export
tests/fixtures/imports/servicenow_incidents.csv, whose rows say what each incident shows:

INC0001 the plain path, and a sys_mod_count tie won by the later update (listed first);
INC0002 priority raised 4 - Low -> 2 - High with a new group, rows out of order, 3h awaiting the user;
INC0003 resolved, reopened, resolved again; INC0004 a junk state (-100), ? values, still open;
INC0005 opened straight into Active, one update with an impossible date (32/3);
INC0006 no opened_at; INC0007 its first Active update has an unreadable time; and a row without number.

The last test checks the size claim on a synthetic export (tens of thousands of incidents).
"""
from __future__ import annotations

import datetime as dt
import json
import sys
import time
from pathlib import Path

import numpy as np
import polars as pl
import pytest

from slametrics.errors import DataError
from slametrics.imports import import_export

sys.path.insert(0, str(Path(__file__).resolve().parent))
from cli_runner import run_cli  # noqa: E402

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "imports"
EXPORT = FIXTURES / "servicenow_incidents.csv"
UTC = dt.timezone.utc


def at(day: int, month: int, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime(2016, month, day, hour, minute, tzinfo=UTC)


@pytest.fixture
def imported(con):
    summary = import_export(con, "servicenow", EXPORT, client="Acme Corp")
    return con, summary


def count(con, table: str) -> int:
    return con.execute(f"SELECT count(*) FROM {table}").fetchall()[0][0]


def ticket(con, ticket_id: str) -> dict:
    rows = con.sql("SELECT * FROM tickets WHERE ticket_id = $id", params={"id": ticket_id}).pl().to_dicts()
    assert len(rows) == 1, f"{ticket_id} not stored"
    return rows[0]


def events(con, ticket_id: str) -> list[tuple[dt.datetime, str]]:
    frame = con.sql("SELECT event_at, status FROM events WHERE ticket_id = $id ORDER BY event_at, seq",
                    params={"id": ticket_id}).pl()
    return list(frame.iter_rows())


def rejects(con) -> pl.DataFrame:
    return con.sql("SELECT kind, line, ticket_id, reason, row_json FROM rejects ORDER BY kind, line").pl()


def test_every_incident_and_every_update_is_stored_or_rejected(imported):
    con, summary = imported
    assert (summary.export_rows, summary.cases) == (29, 7)
    s = summary.ingest
    assert (s.rows_read, s.stored, sum(s.rejected.values())) == (7, 5, 2)
    assert (s.events_read, s.events_stored, sum(s.events_rejected.values())) == (29, 21, 8)
    assert count(con, "tickets") == 5
    assert count(con, "events") == 21
    assert count(con, "rejects") == 10


def test_attributes_come_from_the_latest_update_after_a_priority_change(imported):
    con, _ = imported
    t = ticket(con, "INC0002")
    assert (t["priority"], t["team"], t["agent"], t["category"], t["channel"]) == (
        "2 - High", "Group 2", "Agent 3", "Category 2", "Email")
    assert t["client"] == "Acme Corp"
    assert t["source_sla_met"] is False


def test_a_sys_mod_count_tie_goes_to_the_later_update_not_the_later_line(imported):
    con, _ = imported
    assert ticket(con, "INC0001")["team"] == "Group 1"  # 5/3 12:01 beats 12:00 listed after it


def test_created_and_resolved_come_from_the_latest_update(imported):
    con, _ = imported
    t = ticket(con, "INC0001")
    assert (t["created_at"], t["resolved_at"]) == (at(29, 2, 9), at(29, 2, 11))


def test_first_response_is_the_first_update_that_became_active(imported):
    con, _ = imported
    assert ticket(con, "INC0002")["first_response_at"] == at(29, 2, 10, 30)  # listed before its New row
    assert ticket(con, "INC0005")["first_response_at"] == at(2, 3, 13)      # opened straight into Active
    assert ticket(con, "INC0004")["first_response_at"] == at(2, 3, 10)      # after a junk state


def test_every_update_is_a_status_event_so_awaiting_states_can_pause(imported):
    con, _ = imported
    assert events(con, "INC0002") == [
        (at(29, 2, 10, 2), "New"), (at(29, 2, 10, 30), "Active"), (at(29, 2, 11), "Awaiting User Info"),
        (at(29, 2, 14), "Active"), (at(1, 3, 9), "Resolved")]


def test_a_reopened_incident_keeps_its_final_resolution_and_every_state_change(imported):
    con, _ = imported
    t = ticket(con, "INC0003")
    assert (t["resolved_at"], t["reopened"], t["source_sla_met"]) == (at(2, 3, 12), 1, True)
    assert [s for _, s in events(con, "INC0003")] == ["New", "Active", "Resolved", "Active", "Resolved", "Closed"]


def test_question_marks_are_empty_values(imported):
    con, _ = imported
    t = ticket(con, "INC0004")
    assert (t["category"], t["agent"], t["source_sla_met"], t["resolved_at"]) == (None, None, None, None)


def test_a_junk_state_rejects_its_update_with_the_export_line(imported):
    con, _ = imported
    row = rejects(con).filter(pl.col("line") == 19).to_dicts()[0]
    assert (row["kind"], row["ticket_id"]) == ("events", "INC0004")
    assert row["reason"] == "incident_state is not a state (junk without a letter, such as -100)"
    raw = json.loads(row["row_json"])
    assert (raw["incident_state"], raw["_problem"]) == ("-100", "incident_state is not a state (junk without a letter, such as -100)")
    assert [s for _, s in events(con, "INC0004")] == ["New", "Active", "Awaiting Vendor"]


def test_an_unreadable_update_time_rejects_that_update_only(imported):
    con, _ = imported
    row = rejects(con).filter(pl.col("line") == 23).to_dicts()[0]
    assert (row["kind"], row["ticket_id"]) == ("events", "INC0005")
    assert "sys_updated_at is not a day-first timestamp" in row["reason"]
    raw = json.loads(row["row_json"])
    assert (raw["at"], raw["_problem"]) == ("32/3/2016 14:00", "sys_updated_at is not a day-first timestamp like 29/2/2016 01:16")
    assert ticket(con, "INC0005")["resolved_at"] == at(2, 3, 16)


def test_an_unreadable_first_response_rejects_the_incident_and_its_updates(imported):
    con, _ = imported
    bad = rejects(con)
    row = bad.filter((pl.col("kind") == "tickets") & (pl.col("ticket_id") == "INC0007")).to_dicts()[0]
    assert row["line"] == 29  # the latest update's line
    assert row["reason"].startswith("sys_updated_at of the first Active update is not a day-first timestamp")
    assert json.loads(row["row_json"])["_problem"].startswith("sys_updated_at of the first Active update")
    assert sorted(bad.filter((pl.col("kind") == "events") & (pl.col("ticket_id") == "INC0007"))["line"]) == [27, 28, 29]


def test_an_incident_without_opened_at_is_rejected_with_its_updates(imported):
    con, summary = imported
    bad = rejects(con).filter(pl.col("ticket_id") == "INC0006")
    assert bad.filter(pl.col("kind") == "tickets")["reason"].to_list() == ["required column created_at is empty"]
    assert bad.filter(pl.col("kind") == "events").height == 2
    assert summary.ingest.rejected["required column created_at is empty"] == 1


def test_a_row_without_number_is_rejected(imported):
    con, _ = imported
    row = rejects(con).filter(pl.col("line") == 30).to_dicts()[0]
    assert (row["kind"], row["ticket_id"], row["reason"]) == ("events", None, "required column ticket_id is empty")


def test_importing_the_same_export_twice_changes_nothing(imported):
    con, first = imported
    tables = ("tickets", "events", "rejects")
    before = {t: con.sql(f"SELECT * FROM {t} ORDER BY ALL").pl() for t in tables}
    second = import_export(con, "servicenow", EXPORT, client="Acme Corp")
    assert second.lines() == first.lines()
    for t in tables:
        assert con.sql(f"SELECT * FROM {t} ORDER BY ALL").pl().equals(before[t]), t


def test_naive_timestamps_are_read_in_the_given_time_zone(con):
    import_export(con, "servicenow", EXPORT, client="Acme Corp", timezone="Europe/Rome")
    assert ticket(con, "INC0001")["created_at"] == at(29, 2, 8)  # 09:00 in Rome is 08:00 UTC in winter


def test_the_client_can_come_from_a_column_of_the_latest_update(con):
    import_export(con, "servicenow", EXPORT, client_column="location")
    assert ticket(con, "INC0001")["client"] == "Location 1"


def test_the_client_must_be_given_one_way(con):
    with pytest.raises(DataError, match="--client"):
        import_export(con, "servicenow", EXPORT)
    with pytest.raises(DataError, match="--client"):
        import_export(con, "servicenow", EXPORT, client="Acme", client_column="location")


def test_an_export_without_a_column_the_rules_need_is_refused_whole(con, tmp_path):
    frame = pl.read_csv(EXPORT, infer_schema=False).drop("opened_at", "sys_mod_count")
    frame.write_csv(tmp_path / "cut.csv")
    with pytest.raises(DataError, match="'sys_mod_count', 'opened_at'"):
        import_export(con, "servicenow", tmp_path / "cut.csv", client="Acme")
    assert count(con, "tickets") == 0


def test_the_command_line_prints_the_same_summary_on_a_second_run(tmp_path):
    args = ("ingest", "--format", "servicenow", "--tickets", str(EXPORT), "--client", "Acme Corp",
            "--db", "sla.duckdb", "--quiet")
    first, second = run_cli(*args, cwd=tmp_path), run_cli(*args, cwd=tmp_path)
    assert first.returncode == 0, first.stderr
    assert "tickets: 7 read, 5 stored, 2 rejected" in first.stdout
    assert "events: 29 read, 21 stored, 8 rejected" in first.stdout
    assert "rejected: 1 incident_state is not a state (junk without a letter, such as -100)" in first.stdout
    assert second.stdout == first.stdout


def test_the_command_line_refuses_a_mapping_and_events_for_servicenow(tmp_path):
    out = run_cli("ingest", "--format", "servicenow", "--tickets", str(EXPORT), "--client", "A",
                  "--mapping", "zendesk", "--db", "sla.duckdb", cwd=tmp_path)
    assert out.returncode == 2 and "takes no mapping" in out.stderr and "Traceback" not in out.stderr
    out = run_cli("ingest", "--format", "servicenow", "--tickets", str(EXPORT), "--events", str(EXPORT),
                  "--client", "A", "--db", "sla.duckdb", cwd=tmp_path)
    assert out.returncode == 2 and "--events" in out.stderr


# --- size: a synthetic export shaped like the real one ------------------------------------------

STATES_MID = np.array(["Active", "Awaiting User Info", "Awaiting Vendor", "Awaiting Problem", "Awaiting Evidence", "Active"])
PRIORITIES = np.array(["1 - Critical", "2 - High", "3 - Moderate", "4 - Low"])
COLUMNS = ("number,incident_state,active,reassignment_count,reopen_count,sys_mod_count,made_sla,caller_id,opened_by,"
           "opened_at,sys_created_by,sys_created_at,sys_updated_by,sys_updated_at,contact_type,location,category,"
           "subcategory,u_symptom,cmdb_ci,impact,urgency,priority,assignment_group,assigned_to,knowledge,"
           "u_priority_confirmation,notify,problem_id,rfc,vendor,caused_by,closed_code,resolved_by,resolved_at,"
           "closed_at").split(",")


def day_first(minutes: np.ndarray) -> pl.Series:
    """Minutes into 2016 written as ServiceNow does: 29/2/2016 01:16."""
    stamps = (np.datetime64("2016-01-01T00:00") + minutes.astype("timedelta64[m]")).astype("datetime64[us]")
    return pl.Series(stamps).dt.strftime("%-d/%-m/%Y %H:%M")


def synthetic_export(n_incidents: int, seed: int = 7) -> pl.DataFrame:
    """A ServiceNow-shaped export, built column-wise: New, Active, a few middle states, Resolved, Closed."""
    rng = np.random.default_rng(seed)
    k = 4 + rng.poisson(4.5, n_incidents)                       # updates per incident (mean ~8.5)
    inc = np.repeat(np.arange(n_incidents), k)
    first = np.cumsum(k) - k
    mod = np.arange(inc.size) - np.repeat(first, k)
    last = mod == np.repeat(k - 1, k)
    opened = rng.integers(0, 365 * 24 * 60, n_incidents)        # minutes into 2016
    gaps = rng.exponential(90, inc.size).astype(np.int64) * (mod > 0)
    updated = np.repeat(opened, k) + np.cumsum(gaps) - np.repeat(np.cumsum(gaps)[first], k) + 2
    state = STATES_MID[rng.integers(0, STATES_MID.size, inc.size)].astype(object)
    state[mod == 0] = "New"
    state[mod == 1] = "Active"
    state[mod == np.repeat(k - 2, k)] = "Resolved"
    state[last] = "Closed"
    state[rng.random(inc.size) < 0.002] = "-100"                # junk, as in real exports
    prio_start = rng.integers(0, 4, n_incidents)
    raised = rng.random(n_incidents) < 0.1                      # a tenth change priority half-way
    prio = np.where(np.repeat(raised, k) & (mod >= np.repeat(k // 2, k)),
                    np.maximum(np.repeat(prio_start, k) - 1, 0), np.repeat(prio_start, k))
    resolved = np.where(mod >= np.repeat(k - 2, k), np.repeat(updated[first + k - 2], k), -1)
    frame = pl.DataFrame({
        "number": pl.Series(inc).cast(pl.String).str.zfill(7),
        "incident_state": state.astype(str),
        "sys_mod_count": mod,
        "reopen_count": np.zeros(inc.size, dtype=np.int64),
        "made_sla": np.where(np.repeat(rng.random(n_incidents) < 0.8, k), "true", "false"),
        "opened_at": day_first(np.repeat(opened, k)),
        "sys_updated_at": day_first(updated),
        "priority": PRIORITIES[prio],
        "assignment_group": np.char.add("Group ", np.repeat(rng.integers(1, 80, n_incidents), k).astype(str)),
        "category": np.char.add("Category ", np.repeat(rng.integers(1, 60, n_incidents), k).astype(str)),
        "resolved_at": day_first(resolved),
    }).with_columns(
        number="INC" + pl.col("number"),
        resolved_at=pl.when(pl.Series(resolved >= 0)).then(pl.col("resolved_at")).otherwise(pl.lit("?")),
    )
    return frame.with_columns(**{c: pl.lit("?") for c in COLUMNS if c not in frame.columns}).select(COLUMNS)


@pytest.mark.slow
def test_tens_of_thousands_of_incidents_import_in_one_pass(con, tmp_path):
    export = synthetic_export(30_000)
    path = tmp_path / "incident_event_log.csv"
    export.write_csv(path)
    started = time.perf_counter()
    summary = import_export(con, "servicenow", path, client="Acme Corp")
    seconds = time.perf_counter() - started
    print(f"\nservicenow synthetic export: {export.height} rows, {summary.cases} incidents imported in {seconds:.1f} s")
    s = summary.ingest
    assert summary.cases == 30_000 and s.events_read == export.height
    assert s.stored + sum(s.rejected.values()) == s.rows_read
    assert s.events_stored + sum(s.events_rejected.values()) == export.height
    junk = int((export["incident_state"] == "-100").sum())
    assert s.rejected == {}
    assert s.events_rejected == {"incident_state is not a state (junk without a letter, such as -100)": junk}


def test_an_incident_closed_without_a_resolution_time_is_resolved_at_its_first_closed_update(con, tmp_path):
    header, first = EXPORT.read_text(encoding="utf-8").splitlines()[:2]
    columns = header.split(",")

    def update(state: str, mod: int, updated: str, resolved: str = "?") -> str:
        values = dict(zip(columns, first.split(",")))
        values.update(number="INC0100", incident_state=state, sys_mod_count=str(mod), sys_updated_at=updated,
                      resolved_at=resolved, opened_at="1/3/2016 09:00")
        return ",".join(values[c] for c in columns)

    rows = [update("New", 0, "1/3/2016 09:00"), update("Active", 1, "1/3/2016 09:20"),
            update("Closed", 2, "1/3/2016 15:00"), update("Closed", 3, "8/3/2016 15:00")]  # the auto-close later
    rows += [r.replace("INC0100", "INC0101") for r in (update("New", 0, "1/3/2016 09:00"),
                                                        update("Active", 1, "1/3/2016 10:00"))]  # still open
    export = tmp_path / "closed.csv"
    export.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    summary = import_export(con, "servicenow", export, client="Acme Corp")
    assert ticket(con, "INC0100")["resolved_at"] == at(1, 3, 15)
    assert ticket(con, "INC0101")["resolved_at"] is None  # open, not closed: no resolution invented
    assert ("note: 1 incident Closed without resolved_at: the first Closed update is taken as the resolution "
            "(docs/imports.md, servicenow)") in summary.lines()
