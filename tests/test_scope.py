"""A reader's scope is enforced where the data is read: every engine read given a one-contract scope
returns that contract's rows and nothing of another, and every SQL statement that reads the ticket
history binds the scope's clients.

The database is the dashboard's fixture (tests/dashboard/fixture.py: contracts acme, client Acme, and
globex, client Globex; an uncovered client Initech), every ticket carrying a source verdict, plus one
rejected row of each client.
"""
from __future__ import annotations

import ast
import datetime as dt
import re
from pathlib import Path

import polars as pl
import pytest

from slametrics import inventory, trends
from slametrics.clock import evaluate_clocks
from slametrics.compliance import compliance
from slametrics.credits import credits
from slametrics.db import connect
from slametrics.errors import AccessError
from slametrics.imports.reconcile import reconcile
from slametrics.ingest import ingest_frames, rejects_of
from slametrics.scope import EVERYTHING, Scope
from slametrics.whatif import evaluate as whatif_evaluate
from tests.dashboard.fixture import AS_OF, tickets_and_events

ROOT = Path(__file__).resolve().parents[1]
MOMENT = dt.datetime(2026, 4, 1, tzinfo=dt.timezone.utc)
GUARDED = re.compile(r"\b(?:FROM|JOIN)\s+(tickets|events|status_spans|rejects)\b", re.IGNORECASE)
#: statements of the write path (ingest and the schema), run by the provider or the command line only
WRITES = {"schema", "store_events", "store_spans", "store_tickets",
          "uncovered_counts"}  # the ingest summary's count of what no contract covers
#: modules whose inline SQL belongs to the write path (ingest, the schema upgrade)
WRITE_MODULES = {"slametrics/ingest.py", "slametrics/db.py"}


@pytest.fixture(scope="module")
def con(policy):
    tickets, events = tickets_and_events()
    tickets = tickets.with_columns(source_sla_met=pl.when(pl.col("client") == "Globex").then(pl.lit("false"))
                                   .otherwise(pl.lit("true")))
    bad = pl.DataFrame({"ticket_id": ["A-BAD", "G-BAD"], "client": ["Acme", "Globex"], "priority": ["P1", "P1"],
                        "created_at": ["not a time", "not a time either"]})
    tickets = pl.concat([tickets, bad], how="diagonal")
    c = connect(":memory:")
    ingest_frames(c, tickets, events, source="fixture", policy=policy)
    yield c
    c.close()


@pytest.fixture(scope="module")
def globex(policy) -> Scope:
    return Scope.of(policy, ["globex"])


def globex_tickets() -> pl.DataFrame:
    tickets, _ = tickets_and_events()
    return tickets.filter(pl.col("client") == "Globex")


def test_a_scope_is_the_contracts_named_and_their_clients(policy, globex):
    assert globex.contracts == ("globex",) and globex.clients == ("Globex",)
    assert list(globex.policy(policy).contracts) == ["globex"]
    assert list(globex.policy(policy).calendars) == ["office"]
    assert Scope.of(policy, ["globex", "nowhere"]) == globex
    assert EVERYTHING.policy(policy) is policy and EVERYTHING.allows("acme")
    with pytest.raises(AccessError, match="'acme' is not in this session's scope"):
        globex.require("acme")


def test_clocks_of_a_scope_hold_only_its_contract_down_to_the_enum_categories(con, policy, globex):
    clocks = evaluate_clocks(con, policy, AS_OF, scope=globex)
    everything = evaluate_clocks(con, policy, AS_OF, scope=EVERYTHING)
    theirs = everything.filter(pl.col("contract") == "globex")
    assert clocks.height == theirs.height == 18
    assert sorted(clocks["ticket_id"]) == sorted(theirs["ticket_id"]) == sorted(globex_tickets()["ticket_id"])
    assert clocks.schema["contract"].categories.to_list() == ["globex"]
    assert clocks.schema["client"].categories.to_list() == ["Globex"]
    own = globex_tickets()
    for column in ("team", "category", "agent", "channel"):
        assert clocks.schema[column].categories.to_list() == sorted(own[column].unique())
    assert clocks.select("elapsed_seconds", "outcome").equals(
        theirs.select("elapsed_seconds", pl.col("outcome")))


def test_pauses_are_read_only_for_the_scopes_tickets(con, policy):
    acme = evaluate_clocks(con, policy, AS_OF, scope=Scope.of(policy, ["acme"]))
    paused = acme.filter(pl.col("paused_seconds") > 0)
    assert paused.select("ticket_id", "paused_seconds").rows() == [("A-105", 36_000)]  # waited 10h


def test_figures_of_a_scope_are_those_of_its_contract(con, policy, globex):
    mine = globex.policy(policy)
    clocks = evaluate_clocks(con, policy, AS_OF, scope=globex)
    owed = credits(compliance(clocks, mine), mine).table()
    assert set(owed["contract"]) == {"globex"}
    total = owed.filter((pl.col("period") == "2026-03") & (pl.col("service_level") == "TOTAL"))
    assert total["credit_amount"].to_list() == [150.0]  # 3 % of USD 5,000 (fixture.py)
    levels, money = whatif_evaluate(clocks, mine)
    assert set(levels["contract"]) == set(money.table()["contract"]) == {"globex"}


def test_volume_of_a_scope_counts_its_contract_and_refuses_another(con, policy, globex):
    vol = trends.volume(con, policy, "globex", MOMENT, scope=globex)
    assert vol.select("period", "created").rows() == [("2026-01", 8), ("2026-02", 4), ("2026-03", 6)]
    with pytest.raises(AccessError, match="'acme'"):
        trends.volume(con, policy, "acme", MOMENT, scope=globex)


def test_holdings_of_a_scope_count_only_its_clients(con, policy, globex):
    held = inventory.holdings(con, policy, scope=globex)
    assert (held.tickets, held.events, held.rejects, held.ingests) == (18, 0, 1, 0)
    assert held.clients["client"].to_list() == ["Globex"]
    assert held.uncovered_priorities.is_empty()
    every = inventory.holdings(con, policy, scope=EVERYTHING)
    assert (every.tickets, every.rejects, every.ingests) == (83, 2, 1)
    assert "Initech" in every.clients["client"].to_list()


def test_last_activity_of_a_scope_is_its_own(con, globex):
    own = globex_tickets()
    latest = max(max(own[c].str.to_datetime("%Y-%m-%dT%H:%M:%SZ", time_zone="UTC"))
                 for c in ("created_at", "first_response_at", "resolved_at"))
    assert inventory.last_activity(con, scope=globex) == latest < inventory.last_activity(con, scope=EVERYTHING)


def test_rejects_of_a_scope_are_the_rows_that_name_its_clients(con, globex):
    assert rejects_of(con, scope=globex)["ticket_id"].to_list() == ["G-BAD"]
    assert sorted(rejects_of(con, scope=EVERYTHING)["ticket_id"]) == ["A-BAD", "G-BAD"]


def test_reconcile_of_a_scope_compares_only_its_tickets(con, policy, globex):
    result = reconcile(con, policy, AS_OF, scope=globex, metric="first_response")
    assert set(result.summary["contract"]) == {"globex"}
    assert result.summary["compared"].sum() == 18
    assert not any("source verdict have no" in note for note in result.notes)  # nothing of Acme counted
    assert set(result.details["ticket_id"]) <= set(globex_tickets()["ticket_id"])


def _statements() -> list[Path]:
    return sorted((ROOT / "slametrics").rglob("*.sql"))


def test_every_statement_that_reads_the_ticket_history_binds_the_scopes_clients():
    reading = [p for p in _statements() if GUARDED.search(p.read_text()) and p.stem not in WRITES]
    assert len(reading) >= 10  # the guard sees the statements at all
    unbound = [p.name for p in reading if "$clients" not in p.read_text()]
    assert not unbound, f"statements that read tickets, events, status_spans or rejects without $clients: {unbound}"
    assert {p.stem for p in _statements()} >= WRITES  # no exemption outlives its statement


def test_no_module_outside_the_write_path_reads_the_ticket_history_with_inline_sql():
    found = []
    for folder in ("slametrics", "ui", "pages"):
        for path in sorted((ROOT / folder).rglob("*.py")):
            name = str(path.relative_to(ROOT))
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if isinstance(node, ast.Constant) and isinstance(node.value, str) and GUARDED.search(node.value):
                    found.append((name, node.lineno))
    assert {name for name, _ in found} <= WRITE_MODULES, [f for f in found if f[0] not in WRITE_MODULES]
    assert found  # the ingest's own statements are seen, so the walk works


def test_last_activity_counts_status_events_and_only_the_scopes_own(policy, globex):
    # a Globex ticket's last event is after every ticket time of Globex; an Acme event later still
    tickets = pl.DataFrame({"ticket_id": ["G1", "A1"], "client": ["Globex", "Acme"], "priority": ["P1", "P1"],
                            "created_at": ["2026-03-02T09:00:00Z", "2026-03-02T09:00:00Z"],
                            "first_response_at": ["2026-03-02T09:05:00Z", "2026-03-02T09:05:00Z"],
                            "resolved_at": ["2026-03-02T10:00:00Z", "2026-03-02T10:00:00Z"]})
    events = pl.DataFrame({"ticket_id": ["G1", "A1"], "at": ["2026-03-04T08:30:00Z", "2026-03-06T07:15:00Z"],
                           "status": ["closed", "closed"]})
    c = connect(":memory:")
    try:
        ingest_frames(c, tickets, events, source="events", policy=policy)
        at = lambda day, hour, minute: dt.datetime(2026, 3, day, hour, minute, tzinfo=dt.timezone.utc)  # noqa: E731
        assert inventory.last_activity(c, scope=globex) == at(4, 8, 30)
        assert inventory.last_activity(c, scope=EVERYTHING) == at(6, 7, 15)
        assert inventory.last_activity(c, scope=Scope.of(policy, ["nowhere"])) is None
    finally:
        c.close()
