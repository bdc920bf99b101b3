"""Evidence down to the ticket (slametrics.evidence): a ticket is read only where the scope may see it,
its status spans are its events, and the moment a clock reaches its target is the one the engine agrees
with: a ticket answered exactly then has elapsed exactly its target.
"""
from __future__ import annotations

import datetime as dt

import polars as pl
import pytest

from slametrics.clock import evaluate_clocks
from slametrics.db import connect
from slametrics.evidence import find_ticket, pauses, reached_at
from slametrics.ingest import ingest_frames
from slametrics.scope import EVERYTHING, Scope
from tests.dashboard.fixture import AS_OF, tickets_and_events

UTC = dt.timezone.utc


@pytest.fixture(scope="module")
def con(policy):
    tickets, events = tickets_and_events()
    c = connect(":memory:")
    ingest_frames(c, tickets, events, source="fixture", policy=policy)
    yield c
    c.close()


def test_a_ticket_is_read_with_its_status_spans_as_its_events_give_them(con):
    ticket = find_ticket(con, "A-105", scope=EVERYTHING)
    assert (ticket.facts["client"], ticket.facts["priority"], ticket.facts["team"]) == ("Acme", "P2", "Apps")
    assert ticket.facts["created_at"] == dt.datetime(2026, 1, 6, 10, tzinfo=UTC)
    assert ticket.facts["resolved_at"] == dt.datetime(2026, 1, 7, 16, tzinfo=UTC)
    t = lambda day, hour: dt.datetime(2026, 1, day, hour, tzinfo=UTC)  # noqa: E731
    assert ticket.spans.rows() == [("open", t(6, 10), t(6, 12)), ("pending_customer", t(6, 12), t(6, 22)),
                                   ("in_progress", t(6, 22), t(7, 16)), ("resolved", t(7, 16), None)]
    assert pauses(ticket, ("pending_customer",), t(7, 16)) == [(t(6, 12), t(6, 22))]


def test_another_clients_ticket_reads_as_one_that_does_not_exist(con, policy):
    acme = Scope.of(policy, ["acme"])
    assert find_ticket(con, "G-200", scope=acme) is None
    assert find_ticket(con, "no-such-ticket", scope=acme) is None
    assert find_ticket(con, "A-105", scope=acme).facts["client"] == "Acme"
    assert find_ticket(con, "I-0", scope=acme) is None  # an uncovered client is nobody's contract
    assert find_ticket(con, "G-200", scope=EVERYTHING).facts["client"] == "Globex"


def test_hand_checked_moments_of_reaching_the_target(con, policy):
    acme, globex = policy.contracts["acme"], policy.contracts["globex"]
    ticket = find_ticket(con, "A-105", scope=EVERYTHING)
    created = ticket.facts["created_at"]
    resolution = acme.service_levels["resolution"]
    paused = pauses(ticket, acme.pausing_statuses(resolution), ticket.facts["resolved_at"])
    # 24h on the clock from Tue 10:00, 10h of it waiting for the customer: Wed 20:00
    assert reached_at(policy.calendars["always"], created, 24 * 3600, paused) == dt.datetime(2026, 1, 7, 20, tzinfo=UTC)
    assert reached_at(policy.calendars["always"], created, 2 * 3600, []) == dt.datetime(2026, 1, 6, 12, tzinfo=UTC)
    # Globex, Berlin 09-17 Mon-Fri: opened Mon 2 Feb 10:00 local, P1 1h: 11:00 local (10:00 UTC)
    office = policy.calendars[globex.calendar]
    monday = dt.datetime(2026, 2, 2, 9, tzinfo=UTC)
    assert reached_at(office, monday, 3600, []) == dt.datetime(2026, 2, 2, 10, tzinfo=UTC)
    # 10h from Friday 16:00 local: 1h Friday, 8h Monday, 1h Tuesday -> Tue 10:00 local (09:00 UTC)
    friday = dt.datetime(2026, 2, 6, 15, tzinfo=UTC)
    assert reached_at(office, friday, 10 * 3600, []) == dt.datetime(2026, 2, 10, 9, tzinfo=UTC)


@pytest.mark.parametrize("metric", ["resolution", "first_response"])
def test_a_ticket_answered_exactly_when_its_target_is_reached_has_elapsed_exactly_its_target(con, policy, metric):
    # resolution: round the clock with a customer wait; first response: also Berlin office hours (Globex)
    clocks = evaluate_clocks(con, policy, AS_OF, scope=EVERYTHING).filter(pl.col("metric") == metric)
    tickets, events = tickets_and_events()
    moved = {}
    for row in clocks.iter_rows(named=True):
        terms = policy.contracts[row["contract"]]
        level = terms.service_levels[row["service_level"]]
        ticket = find_ticket(con, row["ticket_id"], scope=EVERYTHING)
        until = row["stop_at"] or dt.datetime(2026, 4, 1, tzinfo=UTC)  # the pauses the clock has seen, as the page
        due = reached_at(policy.calendars[terms.calendar_of(level)], row["created_at"], row["target_seconds"],
                         pauses(ticket, terms.pausing_statuses(level), until))
        moved[row["ticket_id"]] = due.strftime("%Y-%m-%dT%H:%M:%SZ")
    assert len(moved) == clocks.height > 50
    column = "resolved_at" if metric == "resolution" else "first_response_at"
    exact = tickets.with_columns(pl.col("ticket_id").replace_strict(moved, default=pl.col(column)).alias(column))
    if metric == "resolution":
        exact = exact.with_columns(first_response_at=pl.min_horizontal("first_response_at", "resolved_at"))
    # events after the new resolution would pause nothing before it: keep the ones before
    c = connect(":memory:")
    try:
        ingest_frames(c, exact, events.filter(pl.col("status") != "resolved"), source="exact", policy=policy)
        again = evaluate_clocks(c, policy, "2026-06-01T00:00:00Z", scope=EVERYTHING)
    finally:
        c.close()
    again = again.filter(pl.col("metric") == metric)
    assert again.height == clocks.height
    assert (again["elapsed_seconds"] == again["target_seconds"]).all(), again.filter(
        pl.col("elapsed_seconds") != pl.col("target_seconds")).select("ticket_id", "elapsed_seconds", "target_seconds")
    assert (again["outcome"] == "met").all()


def test_how_this_is_measured_is_written_from_the_policy(policy):
    from slametrics.describe import how_measured

    globex = dict(how_measured(policy, "globex"))
    assert globex["Business hours (office)"] == ("Mon-Fri 09:00-17:00, Europe/Berlin time; no holidays. A clock only "
                                                 "runs in these hours.")
    assert globex["Pauses (response)"] == "never paused: every business second from creation counts."
    assert "Resolution" not in globex  # Globex measures first responses only
    assert globex["Service credits"] == ("each service level's tier for the month's compliance, added up and with no "
                                         "cap; a month with fewer than 5 assessed tickets of a service level owes no "
                                         "credit for it.")
    acme = dict(how_measured(policy, "acme"))
    assert acme["Business hours (always)"].startswith("round the clock, every day, UTC time")
    assert acme["Pauses (resolution)"] == "the clock stops while the ticket is pending_customer, resolved, closed, solved."
    assert acme["Service credits"].startswith("each service level's tier for the month's compliance, added up and "
                                              "capped at 12% of the monthly fee")
    assert "in UTC time" in acme["Compliance"]
