"""Click a chart to see its tickets: a Pareto bar, a heatmap cell, a month of a compliance trend or of the
credits chart lists exactly the clocks behind it (selection state set as Streamlit stores a click), each
linked to its ticket page, with a CSV of the list.

Expected lists come from the engine's clocks of the fixture (tests/dashboard/fixture.py: Acme's February
has 4 response breaches of 20, 5 resolution breaches).
"""
from __future__ import annotations

import csv
import io

import polars as pl

from slametrics.breaches import breached
from tests.dashboard.helpers import open_page, plain


def click(point: dict) -> dict:
    return {"selection": {"points": [point], "point_indices": [point.get("point_index", 0)], "box": [], "lasso": []}}


def listed(at) -> list[tuple[str, str, str]]:
    """(ticket, outcome, month) of the list under the clicked chart (the one table with outcomes and links)."""
    [frame] = [d.value for d in at.dataframe if {"Outcome", "Timeline"} <= set(d.value.columns)]
    return sorted(zip(frame["Ticket"], frame["Outcome"], frame["Month"]))


def heading(at) -> str:
    return next(plain(m.value) for m in at.markdown if "Double-click the chart to clear" in m.value)


def expected(frame: pl.DataFrame) -> list[tuple[str, str, str]]:
    from ui import format as fmt

    return sorted((t, o, fmt.month(p)) for t, o, p in frame.select(
        "ticket_id", pl.col("outcome").cast(pl.String), "period").iter_rows())


def test_a_pareto_bar_lists_the_breaches_of_that_team(app_env, engine, downloads):
    _, clocks, _, _ = engine
    late = breached(clocks.filter(pl.col("contract") == "acme"))
    teams = late.group_by("team").len().sort(["len", "team"], descending=[True, False])
    top, count = teams.row(0)
    at = open_page("breaches", pareto=click({"point_index": 0, "curve_number": 0, "x": top, "y": count}))
    assert not at.exception
    assert heading(at).startswith(f"**Team {top}**: {count} clocks ({count} breached)")
    assert listed(at) == expected(late.filter(pl.col("team") == top))
    [frame] = [d.value for d in at.dataframe if "Outcome" in d.value.columns]
    assert frame["Timeline"].tolist() == [f"ticket?id={t}" for t in frame["Ticket"]]
    name, data = next((n, d) for n, d in downloads if n == f"breaches-acme-by-team.csv")
    rows = list(csv.DictReader(io.StringIO(data if isinstance(data, str) else data.decode())))
    assert sorted(r["ticket_id"] for r in rows) == sorted(t for t, _, _ in expected(late.filter(pl.col("team") == top)))


def test_a_heatmap_cell_lists_the_breaches_opened_then(app_env, engine):
    _, clocks, _, _ = engine
    late = breached(clocks.filter(pl.col("contract") == "acme"))  # round the clock in UTC: local is UTC
    monday_ten = late.filter((pl.col("created_at").dt.weekday() == 1) & (pl.col("created_at").dt.hour() == 10))
    assert monday_ten.height > 0
    at = open_page("breaches", heatmap=click({"x": "10:00", "y": "Monday", "z": monday_ten.height}))
    assert heading(at).startswith(f"**Opened on a Monday between 10:00 and 11:00**: {monday_ten.height} clock")
    assert listed(at) == expected(monday_ten)


def test_a_month_of_a_compliance_trend_lists_its_met_and_breached_clocks(app_env, engine):
    _, clocks, _, _ = engine
    february = clocks.filter((pl.col("contract") == "acme") & (pl.col("service_level") == "response")
                             & (pl.col("period") == "2026-02"))
    at = open_page("trends", trend_response=click({"point_index": 1, "curve_number": 0, "x": "2026-02-01", "y": 0.8}))
    assert not at.exception
    assert heading(at) == "**Response, Feb 2026**: 20 clocks (4 breached, 16 met). Double-click the chart to clear."
    assert listed(at) == expected(february)


def test_a_month_of_the_credits_chart_lists_the_clocks_its_credit_comes_from(app_env, engine):
    _, clocks, _, _ = engine
    february = clocks.filter((pl.col("contract") == "acme") & (pl.col("period") == "2026-02"))
    at = open_page("credits", credit_rates=click({"point_index": 1, "curve_number": 0, "x": "2026-02-01", "y": 0.12}))
    assert heading(at).startswith("**Acme Corp, Feb 2026: the clocks of its service levels with credits**: 40 clocks "
                                  "(9 breached, 31 met)")
    assert listed(at) == expected(february)


def test_without_a_click_a_chart_says_how_to_see_its_tickets(app_env):
    at = open_page("breaches")
    assert sum("Click a bar, a cell or a point" in c.value for c in at.caption) == 2


def test_a_client_cannot_click_through_to_another_contracts_clocks(app_env, engine):
    # the credits chart of a client has one series, its own: a click naming a second series lists nothing
    at = open_page("credits", user="acme", credit_rates=click({"point_index": 1, "curve_number": 1,
                                                               "x": "2026-02-01", "y": 0.1}))
    assert not at.exception
    shown = "\n".join(m.value for m in at.markdown) + "".join(str(d.value) for d in at.dataframe)
    assert "Globex" not in shown and "G-2" not in shown
