"""Screens that read right for a client (issue: evidence down to the ticket): every page with figures says how
they are measured, from the policy; Overview's cards are coloured by the objective; a link naming a value
that is not there says so; a page says what a contract lacks rather than that nothing happened.
"""
from __future__ import annotations

import pytest

from tests.dashboard.helpers import open_page, plain


@pytest.mark.parametrize("page", [None, "trends", "breaches", "credits", "whatif", "ticket"])
def test_every_page_with_figures_says_how_they_are_measured_for_the_contract_shown(app_env, page):
    at = open_page(page, query={"id": "G-200", "contract": "Globex Inc"} if page == "ticket" else {"contract": "Globex Inc"})
    [panel] = [e for e in at.expander if e.label == "How this is measured"]
    text = plain("\n".join(m.value for m in panel.markdown))
    assert "**Business hours (office)**: Mon-Fri 09:00-17:00, Europe/Berlin time; no holidays." in text
    assert "**Pauses (response)**: never paused" in text


def test_overview_cards_are_coloured_by_the_objective_and_a_past_month_has_no_clocks_at_risk(app_env):
    from streamlit.proto.Metric_pb2 import Metric

    from tests.dashboard.helpers import metric

    def colour(at, label):
        return Metric.MetricColor.Name(metric(at, label).proto.color)

    # Globex March: 5 of 6 (83%) misses 90%, up from February's 2 of 4: red although it rose
    at = open_page(query={"contract": "Globex Inc"})
    assert (metric(at, "Response").value, metric(at, "Response").delta) == ("83.3%", "+33.3 pts")
    assert colour(at, "Response") == "RED"
    at = open_page()  # Acme March: response 90% meets 90%
    assert colour(at, "Response") == "GREEN"
    assert metric(at, "Open clocks at risk").value == "0"  # none past 75% of its target at the data's end
    at = open_page(period=("2026-01", "2026-02"))
    assert colour(at, "Response") == "RED"
    assert metric(at, "Open clocks at risk").value == "0"
    assert any("February 2026 is past: no clock of it is at risk now" in i.value for i in at.info)


@pytest.mark.parametrize("query, notice", [
    ({"period": ["Jan 2019", "Mar 2026"]}, "The link names 1 month not found for this contract. Showing the last 3 "
                                           "months with tickets."),
    ({"team": ["Network", "Nowhere", "Elsewhere"]}, "The link names 2 team values not found for this contract. "
                                                    "The filter goes on without them."),
    ({"priority": ["P7"]}, "The link names 1 priority value not found for this contract. The filter goes on "
                           "without it."),
])
def test_a_link_naming_an_unknown_month_or_filter_value_says_what_was_not_found(app_env, query, notice):
    at = open_page(user="acme", query=query)
    assert not at.exception
    assert notice in [plain(w.value) for w in at.sidebar.warning]
    assert at.title[0].value.startswith("Acme Corp")


def test_trends_says_a_contract_has_no_resolution_service_level_rather_than_no_clock_stopped(app_env):
    at = open_page("trends", query={"contract": "Globex Inc"})
    assert "Globex Inc has no resolution service level." in [i.value for i in at.info]


def test_an_export_uploaded_as_the_ticket_format_says_which_format_it_looks_like_and_no_server_path(writable_db):
    from pathlib import Path

    from ui import upload

    export = Path(__file__).resolve().parents[1] / "fixtures" / "imports" / "servicenow_incidents.csv"
    at = open_page("data")
    at.file_uploader(key="up_tickets").set_value(("incidents.csv", export.read_bytes(), "text/csv")).run()
    at.button(key="up_load").click().run()
    assert not at.exception
    [shown] = [e.value for e in at.error]
    assert "incidents.csv looks like a servicenow export: choose servicenow as its format above and load it again." \
        in plain(shown)
    assert str(upload.upload_dir()) not in shown and "/tmp" not in shown and "upload" not in shown.lower()
    assert plain(shown).startswith("incidents.csv: missing required column")
