"""The dashboard with service levels on ticket outcomes (docs/semantics.md §9): the fixture's Acme gains
satisfaction (rated at least 4), first-contact resolution and not-reopened levels. Its tickets all had
a reply before their resolution (no first-contact resolutions) and none was reopened; a third is rated
1 to 5. Every page shows them with the engine's figures."""
from __future__ import annotations

import polars as pl
import pytest
import yaml

from slametrics.policy import load_policy
from tests.dashboard.conftest import figures_of
from tests.dashboard.helpers import figures, metric, open_page
from ui import format as fmt


@pytest.fixture
def outcomes(app_env, tmp_path, monkeypatch):
    db, policy_path = app_env
    data = yaml.safe_load(policy_path.read_text(encoding="utf-8"))
    data["contracts"]["acme"]["service_levels"].update({
        "satisfaction": {"metric": "satisfaction", "objective": 0.6, "credits": [{"below": 0.6, "credit": 0.01}]},
        "first_contact": {"metric": "first_contact_resolution", "priorities": ["P2"], "objective": 0.1},
        "not_reopened": {"metric": "not_reopened", "objective": 0.95}})
    path = tmp_path / "outcomes.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    monkeypatch.setenv("SLA_POLICY", str(path))
    return figures_of(db, load_policy(path))


def level_row(levels, period, name):
    return levels.filter((pl.col("period") == period) & (pl.col("contract") == "acme")
                         & (pl.col("service_level") == name)).row(0, named=True)


def test_overview_shows_a_card_for_each_ticket_outcome_level_with_the_engines_share(outcomes):
    policy, clocks, levels, _ = outcomes
    at = open_page(None)
    assert at.title[0].value == "Acme Corp: March 2026"
    happy = level_row(levels, "2026-03", "satisfaction")
    assert happy["assessed"] > 0 and happy["pending"] == 0  # rated tickets only, once resolved
    assert metric(at, "Satisfaction").value == fmt.percent(happy["compliance"])
    first = level_row(levels, "2026-03", "first_contact")
    assert (first["met"], first["compliance"]) == (0, 0.0)  # every P2 was answered before it was resolved
    assert metric(at, "First contact").value == fmt.percent(0.0)
    assert metric(at, "Not reopened").value == fmt.percent(1.0)
    assert "rated at least 4 of 5" in metric(at, "Satisfaction").help


def test_trends_charts_them_against_their_objective(outcomes):
    _, _, levels, _ = outcomes
    at = open_page("trends")
    (chart,) = [f for f in figures(at) if f["layout"]["title"]["text"].startswith("Satisfaction")]
    line = next(t for t in chart["data"] if t.get("mode", "").startswith("lines"))
    expected = levels.filter((pl.col("contract") == "acme") & (pl.col("service_level") == "satisfaction")).sort("period")
    assert line["y"] == pytest.approx(expected["compliance"].to_list())


def test_breaches_lists_the_tickets_that_missed_with_why_and_downloads_them(outcomes):
    _, clocks, _, _ = outcomes
    at = open_page("breaches", breach_level="satisfaction")
    table = at.dataframe[-1].value
    rated_low = clocks.filter((pl.col("contract") == "acme") & (pl.col("service_level") == "satisfaction")
                              & (pl.col("outcome") == "breached") & pl.col("period").is_in(["2026-01", "2026-02", "2026-03"]))
    assert rated_low.height > 0 and len(table) == rated_low.height
    ratings = {r["ticket_id"]: r["csat"] for r in rated_low.iter_rows(named=True)}
    for _, row in table.iterrows():
        assert row["Missed"] == f"rated {ratings[row['Ticket']]:g} of 5" and ratings[row["Ticket"]] < 4
    assert set(table["Clock"]) == {"–"}


def test_service_credits_and_what_if_include_them(outcomes):
    from decimal import Decimal

    from slametrics import whatif

    policy, clocks, levels, owed = outcomes
    at = open_page("credits")
    assert not at.exception
    happy = owed.levels.filter((pl.col("contract") == "acme") & (pl.col("service_level") == "satisfaction"))
    assert happy.height == 3  # a row per month: the level carries a credit tier

    at = open_page("whatif")
    assert at.number_input(key="wi.acme.satisfaction.satisfied").value == 4.0
    at.number_input(key="wi.acme.satisfaction.satisfied").set_value(2.0).run()
    assert not at.exception
    changed = whatif.amend(policy, "acme", satisfied_at_least={"satisfaction": Decimal(2)})
    new_levels, _ = whatif.evaluate(clocks.filter(pl.col("contract") == "acme"), changed)
    march = new_levels.filter((pl.col("period") == "2026-03") & (pl.col("service_level") == "satisfaction")).row(0, named=True)
    assert march["compliance"] > level_row(levels, "2026-03", "satisfaction")["compliance"]
    table = next(d.value for d in at.dataframe if "Service level" in d.value.columns and "Mar 2026" in d.value.columns
                 and "Satisfaction" in set(d.value["Service level"]))
    shown = table[table["Service level"] == "Satisfaction"].iloc[0]["Mar 2026"]
    assert shown == fmt.percent(march["compliance"])
    header = next(m.value for m in at.markdown if m.value.startswith("**This scenario:**"))
    assert "Satisfaction satisfied at 4 -> 2" in header


def test_a_tickets_page_shows_its_ticket_outcomes_beside_its_clocks(outcomes):
    _, clocks, _, _ = outcomes
    rated = clocks.filter((pl.col("service_level") == "satisfaction") & (pl.col("outcome") == "breached")).row(0, named=True)
    at = open_page(None, query={"id": rated["ticket_id"]})
    at.switch_page("pages/ticket.py").run()
    assert not at.exception, [e.value for e in at.exception]
    table = next(d.value for d in at.dataframe if "Why" in d.value.columns)
    row = table[table["Service level"] == "Satisfaction"].iloc[0]
    assert (row["Outcome"], row["Why"], row["Rating"]) == ("breached", f"rated {rated['csat']:g} of 5", rated["csat"])
    assert set(table["Service level"]) >= {"Satisfaction", "Not reopened"}  # every outcome level of the ticket
