"""The demo history: deterministic, canonical, consistent, and costly enough to show credits."""
from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest
import yaml

from slametrics.demo import STATUSES, build_demo, generate_history
from slametrics.scope import EVERYTHING

ROOT = Path(__file__).resolve().parents[1]
POLICY = ROOT / "config" / "policy.yaml"
EXPORT = "2026-11-01T00:00:00Z"  # the default history ends here

TICKET_SCHEMA = {
    "ticket_id": pl.String, "client": pl.String, "priority": pl.String,
    "created_at": pl.Datetime("us", "UTC"), "first_response_at": pl.Datetime("us", "UTC"),
    "resolved_at": pl.Datetime("us", "UTC"), "category": pl.String, "team": pl.String,
    "agent": pl.String, "channel": pl.String, "csat": pl.Float64, "reopened": pl.Int64,
}
EVENT_SCHEMA = {"ticket_id": pl.String, "at": pl.Datetime("us", "UTC"), "status": pl.String}


@pytest.fixture(scope="module")
def history() -> tuple[pl.DataFrame, pl.DataFrame]:
    return generate_history(n_tickets=8_000, seed=11)


def test_same_seed_gives_the_same_frames(history):
    tickets, events = generate_history(n_tickets=8_000, seed=11)
    assert tickets.equals(history[0])
    assert events.equals(history[1])
    assert not generate_history(n_tickets=8_000, seed=12)[0].equals(tickets)


def test_frames_hold_exactly_the_canonical_columns(history):
    tickets, events = history
    assert dict(tickets.schema) == TICKET_SCHEMA
    assert dict(events.schema) == EVENT_SCHEMA
    assert tickets.height == 8_000
    assert tickets["ticket_id"].is_unique().all()


def test_timestamps_are_whole_seconds(history):
    tickets, events = history
    for frame, columns in ((tickets, ["created_at", "first_response_at", "resolved_at"]), (events, ["at"])):
        for name in columns:
            assert (frame[name].drop_nulls().dt.epoch("us") % 1_000_000 == 0).all(), name


def test_every_contract_has_clients_with_tickets_and_one_client_has_no_contract(history):
    contracts = yaml.safe_load(POLICY.read_text())["contracts"]
    seen = set(history[0]["client"])
    covered = set()
    for key, contract in contracts.items():
        assert seen & set(contract["clients"]), f"no tickets for contract {key}"
        covered |= set(contract["clients"])
    assert seen - covered, "expected a client that no contract covers"
    assert {"P1", "P2", "P3", "P4"} <= set(history[0]["priority"])


def test_priorities_are_mostly_p3_and_p4_and_p1_is_rare(history):
    share = history[0]["priority"].value_counts(normalize=True)
    share = dict(zip(share["priority"], share["proportion"]))
    assert share["P1"] < 0.05
    assert share["P3"] + share["P4"] > 0.7
    assert 0 < share.get("P5", 0) < 0.02  # a priority no service level targets


def test_there_are_about_one_and_a_half_events_per_ticket(history):
    tickets, events = history
    assert 1.3 <= events.height / tickets.height <= 1.7


def test_every_event_belongs_to_a_ticket_and_has_a_known_status(history):
    tickets, events = history
    assert events.join(tickets, on="ticket_id", how="anti").is_empty()
    assert set(events["status"]) <= set(STATUSES)
    assert {"pending_customer", "on_hold", "reopened"} <= set(events["status"])


def test_nothing_happens_before_the_ticket_was_created(history):
    tickets, events = history
    assert tickets.filter(pl.col("first_response_at") < pl.col("created_at")).is_empty()
    assert tickets.filter(pl.col("resolved_at") < pl.col("created_at")).is_empty()
    early = events.join(tickets, on="ticket_id").filter(pl.col("at") < pl.col("created_at"))
    assert early.is_empty()


def test_the_last_resolved_event_is_at_resolved_at(history):
    tickets, events = history
    last = events.sort("ticket_id", "at").group_by("ticket_id").agg(pl.col("status").last(), pl.col("at").last())
    resolved = last.filter(pl.col("status") == "resolved").join(tickets, on="ticket_id")
    assert not resolved.is_empty()
    assert (resolved["at"] == resolved["resolved_at"]).all()
    # and a ticket whose trail ends resolved is resolved
    assert resolved["resolved_at"].null_count() == 0


def test_reopened_counts_the_reopen_events(history):
    tickets, events = history
    reopens = events.filter(pl.col("status") == "reopened").group_by("ticket_id").len()
    both = tickets.join(reopens, on="ticket_id", how="left").with_columns(pl.col("len").fill_null(0))
    assert (both["reopened"] == both["len"]).all()
    assert 0.03 < (tickets["reopened"] > 0).mean() < 0.08


def test_recent_tickets_are_more_often_open(history):
    tickets, _ = history
    month = tickets.with_columns(m=pl.col("created_at").dt.strftime("%Y-%m"), open=pl.col("resolved_at").is_null())
    by_month = month.group_by("m").agg(pl.col("open").mean()).sort("m")
    assert by_month["open"][-1] > 3 * by_month["open"][:-3].mean()
    assert by_month["open"][:-3].mean() > 0  # a few old tickets were never resolved either


def test_csat_is_on_about_a_third_of_resolved_tickets_and_within_one_to_five(history):
    tickets, _ = history
    resolved = tickets.filter(pl.col("resolved_at").is_not_null())
    assert 0.25 < resolved["csat"].is_not_null().mean() < 0.35
    assert tickets["csat"].drop_nulls().is_between(1, 5).all()
    assert tickets.filter(pl.col("resolved_at").is_null())["csat"].null_count() == tickets["resolved_at"].null_count()


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory) -> Path:
    pytest.importorskip("slametrics.ingest")
    pytest.importorskip("slametrics.clock")
    path = tmp_path_factory.mktemp("demo") / "nested" / "sla.duckdb"
    phases = []
    summary = build_demo(path, POLICY, progress=lambda phase, fraction: phases.append((phase, fraction)))
    assert summary.stored == summary.rows_read and not summary.rejected
    assert summary.events_stored == summary.events_read and not summary.events_rejected
    assert phases[-1] == ("done", 1.0)
    assert [f for _, f in phases] == sorted(f for _, f in phases)  # the bar only moves forward
    # no leftovers of the build; the lock file that writes take turns on stays
    assert sorted(p.name for p in path.parent.iterdir()) == ["sla.duckdb", "sla.duckdb.lock"]
    return path


def test_the_demo_database_owes_credits_in_some_months_but_not_most(demo_db):
    from slametrics.clock import evaluate_clocks
    from slametrics.compliance import compliance
    from slametrics.credits import credits
    from slametrics.db import connect
    from slametrics.policy import load_policy

    policy = load_policy(POLICY)
    con = connect(demo_db, read_only=True)
    try:
        clocks = evaluate_clocks(con, policy, as_of=EXPORT, scope=EVERYTHING)
    finally:
        con.close()
    levels = compliance(clocks, policy)
    owed = credits(levels, policy).months
    assert set(owed["contract"]) == set(policy.contracts)
    paying = owed.filter(pl.col("credit_amount") > 0)
    assert paying.height >= 3
    assert paying.height < owed.height / 3
    assert levels.filter(pl.col("status") == "meets").height > 0.75 * levels.height
    newest = levels["period"].max()
    assert levels.filter(pl.col("period") == newest)["provisional"].any()
