"""Ticket-per-row exports by their shipped mappings (config/mappings/{zendesk,jira,freshdesk}.yaml), on
small hand-written files in the shapes those tools export (tests/fixtures/imports/*), read in
Europe/Berlin (CET in March 2024 = UTC+1).

zendesk_tickets.csv: 101 with an offset and a first reply 45 minutes in; 102 open with no reply;
103 without organization; 104 with a non-numeric reply time.
jira_issues.csv: SD-1 met (3:30 left), SD-2 breached (-6:45), SD-3 open, created at 11:20 PM.
freshdesk_tickets.csv: 1 Within SLA, 2 SLA Violated, 3 open (no verdict), 4 an unknown status "Paused".
"""
from __future__ import annotations

import datetime as dt
import json
import sys
from pathlib import Path

import polars as pl
import pytest

from slametrics.db import connect
from slametrics.errors import DataError
from slametrics.imports import import_export
from slametrics.ingest import read_table

sys.path.insert(0, str(Path(__file__).resolve().parent))
from cli_runner import run_cli  # noqa: E402

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "imports"
UTC = dt.timezone.utc
ZONE = "Europe/Berlin"


def utc(day: int, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime(2024, 3, day, hour, minute, tzinfo=UTC)


@pytest.fixture
def con():
    c = connect(":memory:")
    yield c
    c.close()


def stored(con) -> dict[str, dict]:
    return {r["ticket_id"]: r for r in con.sql("SELECT * FROM tickets").pl().to_dicts()}


def rejects(con) -> dict[str, dict]:
    return {r["ticket_id"]: r for r in con.sql("SELECT * FROM rejects").pl().to_dicts()}


def test_zendesk_first_reply_minutes_count_from_creation(con):
    summary = import_export(con, "zendesk", FIXTURES / "zendesk_tickets.csv", timezone=ZONE)
    assert (summary.ingest.rows_read, summary.ingest.stored) == (4, 2)
    t = stored(con)
    assert (t["101"]["created_at"], t["101"]["first_response_at"], t["101"]["resolved_at"]) == (
        utc(4, 8), utc(4, 8, 45), utc(4, 12, 30))  # +0100 written in the export
    assert (t["101"]["priority"], t["101"]["client"], t["101"]["team"], t["101"]["category"],
            t["101"]["agent"], t["101"]["channel"]) == ("High", "Acme Corp", "Support", "incident", "Ann Agent", "Mail")
    assert (t["102"]["created_at"], t["102"]["first_response_at"], t["102"]["reopened"]) == (utc(4, 9), None, 1)
    # Zendesk's good/bad survey as ratings for a satisfaction level (docs/imports.md): Offered is no rating
    assert (t["101"]["csat"], t["102"]["csat"]) == (5.0, None)
    assert any(n.startswith("Satisfaction Score: read as ratings good = 5") for n in summary.notes), summary.notes


def test_a_rating_scale_outside_one_to_five_is_refused_with_its_key(con, tmp_path):
    mapping = tmp_path / "mine.yaml"
    text = (Path(__file__).resolve().parents[1] / "config" / "mappings" / "zendesk.yaml").read_text(encoding="utf-8")
    mapping.write_text(text.replace("Bad: 1,", "Bad: 0,"), encoding="utf-8")
    with pytest.raises(DataError) as caught:
        import_export(con, "zendesk", FIXTURES / "zendesk_tickets.csv", mapping=mapping, timezone=ZONE)
    assert any("fields.csat.scores" in p and "a rating from 1 to 5" in p for p in caught.value.problems), \
        caught.value.problems


def test_zendesk_rows_it_cannot_use_are_rejected_with_their_line(con):
    import_export(con, "zendesk", FIXTURES / "zendesk_tickets.csv", timezone=ZONE)
    bad = rejects(con)
    assert (bad["103"]["line"], bad["103"]["reason"]) == (4, "required column client is empty")
    assert bad["104"]["line"] == 5 and bad["104"]["reason"].startswith("First reply time in minutes is not a number of minutes")
    assert json.loads(bad["104"]["row_json"])["_problem"] == "First reply time in minutes is not a number of minutes"


def test_jira_dates_and_remaining_time_verdicts(con):
    summary = import_export(con, "jira", FIXTURES / "jira_issues.csv", timezone=ZONE)
    assert summary.notes == ["'Custom field (Team)' / 'Team' not in the export: team left empty"]
    t = stored(con)
    assert (t["SD-1"]["created_at"], t["SD-1"]["first_response_at"], t["SD-1"]["resolved_at"]) == (
        utc(4, 8), utc(4, 8, 15), utc(4, 12, 30))
    assert (t["SD-1"]["client"], t["SD-1"]["category"], t["SD-1"]["source_sla_met"]) == (
        "Acme Corp", "Report an incident", True)
    assert t["SD-2"]["source_sla_met"] is False
    assert (t["SD-3"]["created_at"], t["SD-3"]["resolved_at"], t["SD-3"]["source_sla_met"]) == (utc(5, 22, 20), None, None)


def test_freshdesk_resolution_status_is_the_source_verdict(con):
    summary = import_export(con, "freshdesk", FIXTURES / "freshdesk_tickets.csv", timezone=ZONE)
    t = stored(con)
    assert [t[i]["source_sla_met"] for i in ("1", "2", "3")] == [True, False, None]
    assert (t["1"]["first_response_at"], t["1"]["resolved_at"], t["1"]["team"], t["1"]["channel"]) == (
        utc(4, 8, 10), utc(4, 10), "L1", "Email")
    assert summary.ingest.rejected == {
        "Resolution status is neither a met value ['Within SLA'] nor a breached value ['SLA Violated']": 1}
    raw = json.loads(rejects(con)["4"]["row_json"])
    assert (raw["source_sla_met"], raw["_problem"]) == (
        "Paused", "Resolution status is neither a met value ['Within SLA'] nor a breached value ['SLA Violated']")


@pytest.mark.parametrize("fmt, export", [("zendesk", "zendesk_tickets.csv"), ("jira", "jira_issues.csv"),
                                         ("freshdesk", "freshdesk_tickets.csv")])
def test_the_same_export_twice_changes_nothing(con, fmt, export):
    first = import_export(con, fmt, FIXTURES / export, timezone=ZONE)
    before = con.sql("SELECT * FROM tickets ORDER BY ALL").pl()
    second = import_export(con, fmt, FIXTURES / export, timezone=ZONE)
    assert second.lines() == first.lines()
    assert con.sql("SELECT * FROM tickets ORDER BY ALL").pl().equals(before)


def test_client_option_overrides_the_mapping(con):
    import_export(con, "zendesk", FIXTURES / "zendesk_tickets.csv", client="One Client", timezone=ZONE)
    assert {t["client"] for t in stored(con).values()} == {"One Client"}


def test_an_export_without_a_required_column_is_refused_whole(con, tmp_path):
    pl.read_csv(FIXTURES / "freshdesk_tickets.csv", infer_schema=False).drop("Created time", "Priority").write_csv(
        tmp_path / "tickets.csv")
    with pytest.raises(DataError) as caught:
        import_export(con, "freshdesk", tmp_path / "tickets.csv")
    assert len(caught.value.problems) == 2
    assert any("'Created time'" in p for p in caught.value.problems)


def test_a_mapping_of_the_other_kind_is_refused(con):
    with pytest.raises(DataError, match="eventlog mapping"):
        import_export(con, "zendesk", FIXTURES / "zendesk_tickets.csv", mapping=FIXTURES / "eventlog_small.yaml")


def test_each_format_imports_from_the_command_line(tmp_path):
    for fmt, export in (("zendesk", "zendesk_tickets.csv"), ("jira", "jira_issues.csv"),
                        ("freshdesk", "freshdesk_tickets.csv")):
        args = ("ingest", "--format", fmt, "--tickets", str(FIXTURES / export), "--timezone", ZONE,
                "--db", "sla.duckdb", "--quiet")
        first, second = run_cli(*args, cwd=tmp_path), run_cli(*args, cwd=tmp_path)
        assert first.returncode == 0, first.stderr
        assert first.stdout.startswith("export: ") and "tickets: " in first.stdout
        assert second.stdout == first.stdout


def test_the_command_line_names_the_formats_and_refuses_mapping_for_canonical(tmp_path):
    out = run_cli("ingest", "--format", "excel", "--tickets", "x.csv", "--db", "sla.duckdb", cwd=tmp_path)
    assert out.returncode == 2 and "servicenow, eventlog, zendesk, jira, freshdesk" in out.stderr
    out = run_cli("ingest", "--tickets", "x.csv", "--client", "A", "--db", "sla.duckdb", cwd=tmp_path)
    assert out.returncode == 2 and "only for export formats" in out.stderr


def test_an_export_naming_a_column_the_rules_read_twice_is_refused_and_a_repeated_unused_one_is_not(tmp_path):
    from slametrics.imports.values import require_columns

    path = tmp_path / "twice.csv"
    path.write_text("Id,Status,Note,Status,Note\n1,open,a,closed,b\n", encoding="utf-8")
    frame = read_table(path, "export")
    require_columns(frame, ["Id"], str(path))  # Note is repeated but not read: fine
    with pytest.raises(DataError) as refused:
        require_columns(frame, ["Id", "Status"], str(path))
    assert refused.value.problems == [f"{path}: the header names 'Status' more than once: which column the rules "
                                      "should read cannot be told; give each column of the export one name"]
