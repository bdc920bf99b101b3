"""The ticket page (pages/ticket.py, ``/ticket?id=...``): a ticket's facts, its clocks exactly as the engine
computed them, and a timeline whose spans are its events; reached from the sidebar's ``Find a ticket``
and from every table of tickets; a ticket outside the session's scope reads as one that does not exist.

Fixture tickets (tests/dashboard/fixture.py): A-105 (Acme, P2, opened Tue 6 Jan 10:00 UTC, answered
10:20, waiting for the customer 12:00-22:00, resolved Wed 16:00: response 20m of 2h, resolution 20h on
the clock of 24h, 10h paused); G-200 (Globex, P1, opened Mon 2 Feb 10:00 Berlin, answered 16:00:
6h of office hours against 1h, breached by 5h, its target reached at 11:00).
"""
from __future__ import annotations

import datetime as dt
import json
from urllib.parse import quote

import polars as pl
import pytest

from tests.dashboard.helpers import open_page, plain
from ui import format as fmt

UTC = dt.timezone.utc


def clock_table(at) -> list[dict]:
    return at.dataframe[0].value.to_dict("records")


def timeline(at) -> dict:
    found = [json.loads(c.proto.spec) for c in at.get("plotly_chart")]
    assert len(found) == 1
    return found[0]


def test_a_ticket_shows_the_engines_clocks_and_its_timeline_shows_its_events(app_env, engine):
    _, clocks, _, _ = engine
    at = open_page("ticket", query={"id": "A-105"})
    assert not at.exception
    mine = clocks.filter(pl.col("ticket_id") == "A-105").sort("service_level", descending=True)
    shown = clock_table(at)
    assert [r["Service level"] for r in shown] == ["Response", "Resolution"]
    for row, engine_row in zip(shown, mine.iter_rows(named=True)):
        assert row["Target"] == fmt.duration(engine_row["target_seconds"])
        assert row["Elapsed"] == fmt.duration(engine_row["elapsed_seconds"])
        assert row["Paused"] == fmt.duration(engine_row["paused_seconds"])
        assert row["Outcome"] == engine_row["outcome"]
    assert [(r["Elapsed"], r["Paused"], r["Outcome"]) for r in shown] == [("20m", "0m", "met"), ("20h", "10h", "met")]
    assert [r["Target reached at"] for r in shown] == ["6 Jan 2026, 12:00 UTC", "7 Jan 2026, 20:00 UTC"]
    facts = plain(next(m.value for m in at.markdown if m.value.startswith("Client:")))
    assert facts == ("Client: **Acme** · Priority: **P2** · Team: **Apps** · Category: **Hardware** · Agent: **Ann** · "
                     "Channel: **portal** · CSAT: **–** · Reopened: **–**")
    spec = timeline(at)
    spans = {t["name"]: (t["base"], t["x"]) for t in spec["data"] if t["type"] == "bar" and t["y"] == ["Status"]}
    hour = 3_600_000
    assert spans == {"open": (["2026-01-06T10:00:00"], [2 * hour]),
                     "pending_customer (clock paused)": (["2026-01-06T12:00:00"], [10 * hour]),
                     "in_progress": (["2026-01-06T22:00:00"], [18 * hour]),
                     "resolved (clock paused)": (["2026-01-07T16:00:00"], spans["resolved (clock paused)"][1])}
    lines = sorted(s["x0"] for s in spec["layout"]["shapes"] if s["type"] == "line")
    assert lines == ["2026-01-06T10:00:00", "2026-01-06T10:20:00", "2026-01-07T16:00:00"]  # opened, answered, resolved
    diamonds = [(t["y"][0], t["x"][0]) for t in spec["data"] if t["type"] == "scatter"]
    assert diamonds == [("Response", "2026-01-06T12:00:00"), ("Resolution", "2026-01-07T20:00:00")]


def test_a_breached_clock_in_office_hours_shows_where_it_passed_its_target_in_local_time(app_env):
    at = open_page("ticket", query={"id": "G-200"})
    [row] = clock_table(at)
    assert (row["Target"], row["Elapsed"], row["Outcome"], row["Past target by"]) == ("1h", "6h", "breached", "5h")
    assert row["Target reached at"] == "2 Feb 2026, 11:00 CET"
    bars = [(t["name"], t["base"], t["x"]) for t in timeline(at)["data"] if t["type"] == "bar"]
    hour = 3_600_000
    assert bars == [("clock: within target", ["2026-02-02T10:00:00"], [1 * hour]),
                    ("clock: past its target", ["2026-02-02T11:00:00"], [5 * hour])]


def test_a_ticket_of_another_client_reads_as_one_that_does_not_exist(app_env):
    for wanted in ("G-200", "NO-SUCH"):
        at = open_page("ticket", user="acme", query={"id": wanted})
        assert not at.exception
        assert [w.value for w in at.warning] == [
            f"No ticket **{fmt.text(wanted)}** among the tickets you can see. Ticket ids are matched exactly, as "
            "the helpdesk wrote them."]
        assert not at.dataframe and not at.get("plotly_chart")
        assert "Globex" not in "\n".join(m.value for m in at.markdown)
    at = open_page("ticket", user="globex", query={"id": "G-200"})
    assert clock_table(at)[0]["Outcome"] == "breached"


def test_a_hostile_id_in_the_link_is_shown_as_text(app_env):
    hostile = "![x](http://evil.example/a.png)<img src=x>"
    at = open_page("ticket", query={"id": hostile})
    warning = at.warning[0].value
    assert warning.startswith(f"No ticket **{fmt.text(hostile)}**")  # every character Markdown or HTML acts on escaped


def test_find_a_ticket_in_the_sidebar_opens_its_page(app_env):
    at = open_page("breaches")
    at.sidebar.text_input(key="find_ticket_id").input("G-200")
    next(b for b in at.sidebar.button if b.key is None or "find_ticket" in str(b.id)).click().run()
    assert not at.exception
    assert at.title[0].value == "Ticket" and at.query_params["id"] == "G-200"
    assert clock_table(at)[0]["Elapsed"] == "6h"


def test_every_table_of_tickets_links_each_row_to_its_ticket_page(app_env):
    at = open_page("breaches")
    breaches = at.dataframe[0].value
    assert breaches["Timeline"].tolist() == [f"ticket?id={quote(t, safe='')}" for t in breaches["Ticket"]]
    assert len(breaches) > 3


@pytest.mark.parametrize("ticket_id", ["A-105", "A-206", "A-318", "A-319", "G-200", "G-100", "I-0", "A-P9-0"])
def test_every_kind_of_ticket_draws_its_page(app_env, ticket_id):
    # paused, breached without events, still running, office hours, an uncovered client, an untargeted priority
    at = open_page("ticket", query={"id": ticket_id})
    assert not at.exception and not at.error, [e.value for e in at.error]
    assert plain(at.subheader[0].value).startswith(ticket_id)
    assert len(at.get("plotly_chart")) == 1
