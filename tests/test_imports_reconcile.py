"""Reconciliation with the source's own SLA verdict (``python -m slametrics reconcile``).

On the ServiceNow fixture (tests/fixtures/imports/servicenow_incidents.csv) under a round-the-clock
policy (servicenow_policy.yaml), resolution clocks, as of 2016-03-31:
INC0001 3 - Moderate 2h of 24h: met, made_sla true -> agree;
INC0002 2 - High 23h less 3h awaiting the user = 20h of 8h: breached, made_sla false -> agree;
INC0003 1 - Critical 28h less 23h resolved before the reopen = 5h of 4h: breached, made_sla true -> differ;
INC0005 4 - Low 3h05 of 48h: met, made_sla false -> differ; INC0004 has no verdict (made_sla ?).
"""
from __future__ import annotations

import csv
import sys
from pathlib import Path

import polars as pl
import pytest

from slametrics.db import connect
from slametrics.errors import DataError
from slametrics.imports import import_export
from slametrics.imports.reconcile import reconcile
from slametrics.ingest import ingest_frames
from slametrics.policy import load_policy, parse_policy
from slametrics.scope import EVERYTHING

sys.path.insert(0, str(Path(__file__).resolve().parent))
from cli_runner import run_cli  # noqa: E402

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "imports"
EXPORT, POLICY = FIXTURES / "servicenow_incidents.csv", FIXTURES / "servicenow_policy.yaml"
AS_OF = "2016-03-31T00:00:00Z"


@pytest.fixture
def con():
    c = connect(":memory:")
    import_export(c, "servicenow", EXPORT, client="Acme Corp")
    yield c
    c.close()


@pytest.fixture(scope="module")
def policy():
    return load_policy(POLICY)


def rows(frame: pl.DataFrame, columns: list[str]) -> list[tuple]:
    return list(frame.select(columns).iter_rows())


def test_agreement_per_period_and_priority_against_resolution(con, policy):
    result = reconcile(con, policy, AS_OF, scope=EVERYTHING)
    assert rows(result.summary, ["period", "service_level", "priority", "compared", "agree", "disagree", "agreement",
                                 "ours_met_source_breached", "ours_breached_source_met", "pending"]) == [
        ("2016-02", "resolution", "2 - High", 1, 1, 0, 1.0, 0, 0, 0),
        ("2016-02", "resolution", "3 - Moderate", 1, 1, 0, 1.0, 0, 0, 0),
        ("2016-03", "resolution", "1 - Critical", 1, 0, 1, 0.0, 0, 1, 0),
        ("2016-03", "resolution", "4 - Low", 1, 0, 1, 0.0, 1, 0, 0),
    ]
    assert result.notes == ["1 resolution clocks belong to tickets without a source verdict: not compared"]


def test_details_list_the_tickets_that_differ_and_why(con, policy):
    details = reconcile(con, policy, AS_OF, scope=EVERYTHING).details
    assert rows(details, ["ticket_id", "outcome", "source_sla_met", "elapsed_seconds", "target_seconds",
                          "paused_seconds", "wall_clock_seconds", "reopened"]) == [
        ("INC0003", "breached", True, 18_000, 14_400, 82_800, 100_800, 1),
        ("INC0005", "met", False, 11_100, 172_800, 0, 11_100, 0),
    ]
    assert details["hint"][0].startswith("reopened: the source may judge the first resolution")
    assert details["hint"][1].startswith("the source may hold a shorter target")


def test_a_running_clock_is_pending_not_compared(con, policy):
    result = reconcile(con, policy, "2016-03-02T11:00:00Z", scope=EVERYTHING)
    critical = result.summary.filter(pl.col("priority") == "1 - Critical").to_dicts()[0]
    assert (critical["compared"], critical["pending"], critical["agreement"]) == (0, 1, None)


def test_the_compared_service_level_is_configurable(con, policy):
    by_metric = reconcile(con, policy, AS_OF, scope=EVERYTHING, metric="first_response")
    by_level = reconcile(con, policy, AS_OF, scope=EVERYTHING, metric=None, service_levels=("response",))
    assert by_metric.summary.equals(by_level.summary)
    assert set(by_metric.summary["service_level"]) == {"response"}
    assert sorted(by_metric.details["ticket_id"]) == ["INC0002", "INC0005"]  # answered in time, made_sla false


def test_unknown_metric_or_service_level_is_refused(con, policy):
    with pytest.raises(DataError, match="first_response, resolution"):
        reconcile(con, policy, AS_OF, scope=EVERYTHING, metric="reply")
    with pytest.raises(DataError, match="resolution, response"):
        reconcile(con, policy, AS_OF, scope=EVERYTHING, service_levels=("speed",))


def test_pauses_and_calendar_time_are_named_when_they_decide(policy):
    con = connect(":memory:")
    tickets = pl.DataFrame({"ticket_id": ["X1"], "client": ["Acme Corp"], "priority": ["3 - Moderate"],
                            "created_at": ["2016-03-07T09:00:00Z"], "resolved_at": ["2016-03-08T17:00:00Z"],
                            "source_sla_met": ["false"], "_line": [2]})
    events = pl.DataFrame({"ticket_id": ["X1", "X1"], "at": ["2016-03-07T10:00:00Z", "2016-03-08T10:00:00Z"],
                           "status": ["Awaiting User Info", "Active"], "_line": [2, 3]})
    ingest_frames(con, tickets, events, source="x")
    hint = reconcile(con, policy, AS_OF, scope=EVERYTHING).details["hint"][0]  # 32h wall, 24h paused: 8h of 24h, met
    assert "without the pauses it breaches" in hint
    assert "calendar time" not in hint  # round the clock: only the pauses left time out, never business hours
    office = parse_policy(POLICY.read_text(encoding="utf-8").replace("hours: always", 'hours: {mon-fri: "09:00-17:00"}'),
                          "office hours")
    assert office.calendars != policy.calendars
    hint = reconcile(con, office, AS_OF, scope=EVERYTHING).details["hint"][0]  # 32h wall, 9h of office time less pauses
    assert "calendar time: the source may count calendar hours, not business hours" in hint


def test_a_resolution_taken_from_a_closed_update_is_named_where_it_differs(policy):
    # both resolved 30h after creation (moderate target 24h: breached), the source says met; C1 was closed
    # straight from work (the import's Closed rule gave it its resolution), R1 was resolved and closed at once
    con = connect(":memory:")
    tickets = pl.DataFrame({"ticket_id": ["C1", "R1"], "client": ["Acme Corp"] * 2, "priority": ["3 - Moderate"] * 2,
                            "created_at": ["2016-03-07T09:00:00Z"] * 2, "resolved_at": ["2016-03-08T15:00:00Z"] * 2,
                            "source_sla_met": ["true"] * 2, "_line": [2, 3]})
    events = pl.DataFrame({"ticket_id": ["C1", "C1", "R1", "R1", "R1"],
                           "at": ["2016-03-07T09:00:00Z", "2016-03-08T15:00:00Z", "2016-03-07T09:00:00Z",
                                  "2016-03-08T15:00:00Z", "2016-03-08T15:00:00Z"],
                           "status": ["Active", "Closed", "Active", "Resolved", "Closed"], "_line": [2, 3, 4, 5, 6]})
    ingest_frames(con, tickets, events, source="x")
    details = reconcile(con, policy, AS_OF, scope=EVERYTHING).details
    hints = dict(details.select("ticket_id", "hint").rows())
    assert set(hints) == {"C1", "R1"}
    assert "closed without a resolution time: the import takes its first Closed update" in hints["C1"]
    assert "Closed" not in hints["R1"]


def test_without_any_verdict_there_is_nothing_to_reconcile(policy):
    con = connect(":memory:")
    result = reconcile(con, policy, AS_OF, scope=EVERYTHING)
    assert result.summary.is_empty() and "nothing to reconcile" in result.notes[0]


def test_the_command_line_writes_the_summary_and_the_details(tmp_path):
    db = ("--db", "sla.duckdb")
    ingest = run_cli("ingest", "--format", "servicenow", "--tickets", str(EXPORT), "--client", "Acme Corp",
                     "--quiet", *db, cwd=tmp_path)
    assert ingest.returncode == 0, ingest.stderr
    out = run_cli("reconcile", *db, "--policy", str(POLICY), "--as-of", AS_OF, "--out", "rec.csv",
                  "--details", "differ.csv", cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    assert "note: 1 resolution clocks belong to tickets without a source verdict" in out.stderr
    summary = list(csv.DictReader((tmp_path / "rec.csv").open()))
    assert [(r["period"], r["priority"], r["agree"], r["disagree"], r["agreement"]) for r in summary] == [
        ("2016-02", "2 - High", "1", "0", "1"), ("2016-02", "3 - Moderate", "1", "0", "1"),
        ("2016-03", "1 - Critical", "0", "1", "0"), ("2016-03", "4 - Low", "0", "1", "0")]
    details = list(csv.DictReader((tmp_path / "differ.csv").open()))
    assert [(d["ticket_id"], d["outcome"], d["source_sla_met"]) for d in details] == [
        ("INC0003", "breached", "true"), ("INC0005", "met", "false")]
    bad = run_cli("reconcile", *db, "--policy", str(POLICY), "--metric", "speed", cwd=tmp_path)
    assert bad.returncode == 2 and "Traceback" not in bad.stderr
