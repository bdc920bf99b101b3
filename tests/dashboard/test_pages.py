"""Every page of the dashboard, run from dashboard.py with AppTest on the small fixture database.

Each test checks that the page runs without an exception and that one real figure on it is the
engine's figure for the same question (tests/dashboard/fixture.py says what the fixture holds).
"""
from __future__ import annotations

from pathlib import Path

import polars as pl

from slametrics.db import connect
import pytest

from tests.dashboard.helpers import figure, figures, level, metric, open_page, plain, table
from ui import format as fmt


def test_overview_shows_the_engines_compliance_of_the_last_month(app_env, engine):
    _, _, levels, _ = engine
    at = open_page()
    assert at.title[0].value == "Acme Corp: March 2026"
    for name, label in (("response", "Response"), ("resolution", "Resolution")):
        row = level(levels, "2026-03", "acme", name)
        assert metric(at, label).value == fmt.percent(row["compliance"])
    before, now = level(levels, "2026-02", "acme", "response"), level(levels, "2026-03", "acme", "response")
    assert metric(at, "Response").delta == fmt.points(now["compliance"] - before["compliance"])  # +10.0 pts
    assert metric(at, "Service credit (provisional)").value == "€0.00"
    assert metric(at, "Tickets opened").value == "20"


def test_overview_of_february_shows_the_capped_credit(app_env, engine):
    _, _, _, owed = engine
    at = open_page(period=("2026-01", "2026-02"))
    assert at.title[0].value == "Acme Corp: February 2026"
    total = owed.months.filter((pl.col("period") == "2026-02") & (pl.col("contract") == "acme")).row(0, named=True)
    assert metric(at, "Service credit").value == fmt.money(total["credit_amount"], "EUR") == "€1,200.00"
    assert metric(at, "Response").value == "80.0%"


def test_overview_lists_open_clocks_at_risk_by_time_left(app_env, engine):
    _, clocks, _, _ = engine
    at = open_page()
    pending = clocks.filter((pl.col("contract") == "acme") & (pl.col("outcome") == "pending"))
    risky = pending.filter(pl.col("elapsed_seconds") >= 0.5 * pl.col("target_seconds"))
    at.slider(key="risk_share").set_value(50).run()
    table = at.dataframe[0].value
    by_time_left = risky.sort(pl.col("target_seconds") - pl.col("elapsed_seconds"))
    assert list(table["Ticket"]) == by_time_left["ticket_id"].to_list()


def test_trends_draws_compliance_per_month_as_the_engine_computes_it(app_env, engine):
    _, _, levels, _ = engine
    at = open_page("trends")
    spec = figure(at, "Response: tickets within target")
    expected = levels.filter((pl.col("contract") == "acme") & (pl.col("service_level") == "response")).sort("period")
    assert spec["data"][0]["y"] == pytest.approx(expected["compliance"].to_list())
    assert figure(at, "Tickets opened and resolved")


def test_trends_by_week_runs(app_env):
    at = open_page("trends")
    at.segmented_control(key="trend_grain").set_value("week").run()
    assert not at.exception
    assert figure(at, "Response: within target, by week")


def test_breaches_counts_and_lists_the_engines_breaches(app_env, engine):
    _, clocks, _, _ = engine
    at = open_page("breaches")
    late = clocks.filter((pl.col("contract") == "acme") & (pl.col("outcome") == "breached"))
    assert metric(at, "Breaches").value == f"{late.height:,}" == "12"
    assert len(at.dataframe[0].value) == late.height
    assert at.get("download_button")
    heat = figure(at, "When breached tickets were opened (UTC time)")
    assert sum(sum(row) for row in heat["data"][0]["z"]) == late.height


def test_breaches_of_one_service_level_and_an_empty_filter_say_so(app_env):
    at = open_page("breaches", priority=["P1"])
    assert "No breaches in these months" in at.info[0].value


def test_credits_shows_the_engines_amounts_and_the_cap_where_it_bites(app_env, engine):
    _, _, _, owed = engine
    at = open_page("credits")
    table = at.dataframe[0].value
    feb = table[table["Month"] == "Feb 2026"].iloc[0]
    assert feb["Acme Corp"] == "€1,200.00"
    assert feb["Globex Inc"] == "–"
    assert any("The cap limited the credit in Feb 2026" in w.value for w in at.warning)
    assert any("March 2026 is still open" in m.value for m in at.markdown)


def test_credits_shows_where_the_minimum_volume_waived_a_credit(app_env):
    at = open_page("credits", contract="globex")
    assert any("minimum volume waived a credit in Feb 2026" in w.value for w in at.warning)


def test_policy_page_shows_the_targets_matrix(app_env):
    at = open_page("policy")
    matrix = at.dataframe[1].value
    assert list(matrix.columns) == ["Service level", "P1", "P2"]
    assert matrix.iloc[0].tolist() == ["Response", "30m", "2h"]


def test_a_broken_policy_is_listed_in_full_on_the_policy_page_and_named_elsewhere(app_env, tmp_path, monkeypatch):
    broken = tmp_path / "broken.yaml"
    broken.write_text(Path(app_env[1]).read_text().replace("objective: 0.90", "objective: 1.5")
                      .replace("calendar: office", "calendar: nowhere"))
    monkeypatch.setenv("SLA_POLICY", str(broken))
    at = open_page("policy")
    assert "3 problems" in at.error[0].value
    problems = [m.value for m in at.markdown if "contracts." in plain(m.value)]  # (the cookie library's style is one too)
    assert len(problems) == 1 and "contracts.globex.calendar" in plain(problems[0]) and "objective" in problems[0]
    at.switch_page("pages/overview.py").run()
    assert not at.exception
    assert any("cannot be used" in e.value and "Policy" in e.value for e in at.error)


def test_data_page_shows_what_the_database_holds(app_env):
    at = open_page("data")
    assert metric(at, "Tickets").value == f"{60 + 18 + 3 + 2:,}"
    assert any("Initech" in w.value for w in at.warning)
    assert any("P9 of Acme" in w.value for w in at.warning)


def test_data_page_ingests_an_upload_and_lists_rejected_rows(writable_db):
    at = open_page("data")
    csv = ("ticket_id,client,priority,created_at,first_response_at,resolved_at\n"
           "N-1,Acme,P1,2026-03-30T08:00:00Z,2026-03-30T08:10:00Z,2026-03-30T09:00:00Z\n"
           "N-2,Acme,P1,not a time,,\n")
    at.file_uploader(key="up_tickets").set_value(("new.csv", csv.encode(), "text/csv")).run()
    assert not at.exception
    at.button(key="up_load").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert any("1 stored, 1 rejected" in w.value for w in at.warning)  # rejects: a warning, not a success
    rejected = table(at, "Reason")
    assert rejected["Line"].tolist() == [3]
    assert "created_at is not a timestamp" in rejected["Reason"].iloc[0]
    assert metric(at, "Tickets").value == f"{83 + 1:,}"  # the page reads the database again after the write


@pytest.mark.parametrize("page", [None, "trends", "breaches", "credits", "whatif"])
def test_a_selection_without_tickets_says_so_instead_of_drawing_empty_axes(app_env, page):
    at = open_page(page, team=["Network"], channel=["email"])  # no fixture ticket is both
    if page in (None, "trends", "breaches"):
        assert at.info, "an empty selection should be explained"
    for chart in figures(at):
        assert any(trace.get("x") or trace.get("z") for trace in chart["data"]), chart["layout"]["title"]["text"]


@pytest.mark.parametrize("page", [None, "trends", "breaches", "credits", "whatif"])
def test_a_contract_without_tickets_says_so_on_every_page(app_env, tmp_path, monkeypatch, page):
    extra = tmp_path / "policy.yaml"
    extra.write_text(Path(app_env[1]).read_text().replace("  globex:\n", """\
  newco:
    name: NewCo
    clients: [NewCo Ltd]
    calendar: always
    service_levels:
      response:
        metric: first_response
        targets: {P1: 1h}
        objective: 0.90
  globex:
""", 1))
    monkeypatch.setenv("SLA_POLICY", str(extra))
    at = open_page(page, contract="newco")
    assert any("NewCo" in i.value and "no tickets" in i.value and "NewCo Ltd" in i.value for i in at.info), \
        [i.value for i in at.info]
    assert not figures(at)
    at.session_state["contract"] = "acme"  # the other contracts still show
    at.run()
    assert not at.exception and not any("no tickets" in i.value for i in at.info)


def test_data_page_imports_a_servicenow_export_like_the_command_line(writable_db):
    export = Path(__file__).resolve().parents[1] / "fixtures" / "imports" / "servicenow_incidents.csv"
    at = open_page("data")
    at.selectbox(key="up_format").set_value("servicenow").run()
    at.text_input(key="up_client").input("Acme").run()
    at.file_uploader(key="up_export").set_value(("incidents.csv", export.read_bytes(), "text/csv")).run()
    at.button(key="up_load").click().run()
    assert not at.exception, [e.value for e in at.exception]
    shown = plain("\n".join(w.value for w in at.warning))
    # the same summary the command line prints for this fixture (tests/test_imports_servicenow.py)
    assert "29 rows, 7 incidents" in shown and "rejected: 1 incident_state is not a state" in shown
    stored = int(shown.split("tickets: 7 read, ")[1].split(" stored")[0])
    assert metric(at, "Tickets").value == f"{83 + stored:,}"


def test_an_upload_is_kept_apart_per_session_and_kind_and_removed_once_loaded(writable_db):
    from ui import upload

    at = open_page("data")
    tickets = ("ticket_id,client,priority,created_at,first_response_at,resolved_at\n"
               "S-1,Acme,P1,2026-03-30T08:00:00Z,2026-03-30T08:10:00Z,2026-03-30T12:00:00Z\n")
    events = "ticket_id,at,status\nS-1,2026-03-30T08:30:00Z,pending_customer\nS-1,2026-03-30T11:30:00Z,open\n"
    at.file_uploader(key="up_tickets").set_value(("same.csv", tickets.encode(), "text/csv")).run()
    at.file_uploader(key="up_events").set_value(("same.csv", events.encode(), "text/csv")).run()
    kept = sorted(p.relative_to(upload._root()) for p in upload._root().rglob("*.csv"))
    assert [str(p).split("/", 1)[1] for p in kept] == ["events/same.csv", "tickets/same.csv"]  # neither overwrote
    at.button(key="up_load").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert any("1 stored" in w.value for w in [*at.success, *at.warning]), [s.value for s in at.success]
    assert not list(upload._root().rglob("*.csv"))  # nothing of the upload is left on the server
    con = connect(writable_db, read_only=True)
    try:
        assert con.execute("SELECT count(*) FROM events WHERE ticket_id = 'S-1'").fetchall() == [(2,)]
    finally:
        con.close()


def test_overview_in_quarters_with_a_filter_pools_the_filtered_months_and_keeps_credits_whole(app_env, engine):
    """The page counts the contract's clocks once and judges its history, credit and projection from those
    counts: with a filter the history is the filtered clocks' (pooled per quarter), the credit and its
    projection the whole contract's, as the engine gives them from the clocks themselves."""
    from slametrics import periods
    from slametrics.compliance import compliance
    from slametrics.credits import credits
    from slametrics.whatif import projection

    policy, clocks, _, _ = engine
    acme = clocks.filter(pl.col("contract") == "acme")
    at = open_page(range_by="quarter", team=["Network"])
    assert at.title[0].value == "Acme Corp: Q1 2026 (January to March)" and not at.exception, repr(at.title[0].value)
    pooled = periods.compliance_over(acme.filter(pl.col("team") == "Network"), policy, "quarter")
    whole = periods.compliance_over(acme, policy, "quarter")
    for name, label in (("response", "Response"), ("resolution", "Resolution")):
        row = pooled.filter((pl.col("period") == "2026-Q1") & (pl.col("service_level") == name)).row(0, named=True)
        other = whole.filter((pl.col("period") == "2026-Q1") & (pl.col("service_level") == name)).row(0, named=True)
        assert metric(at, label).value == fmt.percent(row["compliance"])
        assert row["assessed"] < other["assessed"]  # the filter took tickets out: the check can tell them apart
    owed = periods.credits_over(credits(compliance(acme, policy), policy), "quarter").months.filter(
        pl.col("period") == "2026-Q1").row(0, named=True)
    assert owed["provisional"] and metric(at, "Service credit (provisional)").value == fmt.money(owed["credit_amount"], "EUR")
    span = projection(acme.filter(pl.col("period").is_in(["2026-01", "2026-02", "2026-03"])), policy).months
    low, high = span["all_met_credit_amount"].sum(), span["all_breached_credit_amount"].sum()
    assert any(f"between {fmt.money(low, 'EUR')} and {fmt.money(high, 'EUR')}" in c.value for c in at.caption)


@pytest.mark.parametrize("contract", ["acme", "globex"])
def test_credits_projects_the_chosen_contracts_open_month_as_the_engine_does(app_env, engine, contract):
    """The page judges the chosen contract from its rows of every contract's counts: the open month's three
    figures are the engine's projection of that contract's clocks, whichever contract is chosen (Acme has an
    open month in the fixture, Globex none: the page shows none for it)."""
    from slametrics.whatif import projection

    policy, clocks, _, _ = engine
    mine = clocks.filter((pl.col("contract") == contract) & pl.col("period").is_in(["2026-01", "2026-02", "2026-03"]))
    expected = projection(mine, policy).months.filter(pl.col("provisional"))
    assert expected.height == (1 if contract == "acme" else 0)
    at = open_page("credits", contract=contract)
    shown = [m.value for m in at.markdown if "is still open: the credit is a projection" in m.value]
    assert len(shown) == expected.height
    for r in expected.iter_rows(named=True):
        for label, column in (("If every open ticket meets its target", "all_met_credit_amount"),
                              ("As it stands (provisional)", "credit_amount"),
                              ("If every open ticket misses its target", "all_breached_credit_amount")):
            assert metric(at, label).value == fmt.money(r[column], r["currency"]), (label, r)
