"""The what-if page: moving a target moves compliance and credits by the engine's numbers, without
evaluating clocks again; a scenario downloaded as YAML loads back to the same figures."""
from __future__ import annotations

import dataclasses

import polars as pl
import pytest

import slametrics.clock
from slametrics import whatif
from slametrics.policy import parse_policy
from tests.dashboard.helpers import metric, open_page
from ui import format as fmt

P2_RESPONSE = "wi.acme.response.target.P2"


def scenario_credit(policy, clocks, **changes) -> float:
    changed = whatif.amend(policy, "acme", **changes)
    _, owed = whatif.evaluate(clocks.filter(pl.col("contract") == "acme"), changed)
    return owed.filter(pl.col("service_level") == "TOTAL")["credit_amount"].sum()


@pytest.fixture
def counted_evaluations(monkeypatch):
    calls = []
    original = slametrics.clock.evaluate_clocks

    def counting(*args, **kwargs):
        calls.append(args)
        return original(*args, **kwargs)

    monkeypatch.setattr(slametrics.clock, "evaluate_clocks", counting)
    return calls


def test_a_longer_target_raises_compliance_and_lowers_the_credit_by_the_engines_numbers(app_env, engine,
                                                                                       counted_evaluations):
    policy, clocks, _, _ = engine
    at = open_page("whatif")
    base = scenario_credit(policy, clocks)
    assert base == 1200.0  # February: 5 % + 10 % capped at 12 % of EUR 10,000
    assert metric(at, "Credit over these months, scenario").value == fmt.money(base, "EUR")
    evaluations = len(counted_evaluations)

    at.number_input(key=P2_RESPONSE).set_value(4.0).run()  # P2 answered within 4h instead of 2h
    assert not at.exception
    expected = scenario_credit(policy, clocks, targets={"response": {"P1": 1800, "P2": 4 * 3600}})
    assert expected == 1000.0 < base  # February's response breaches (3h) now meet: only resolution's 10 % is left
    shown = metric(at, "Credit over these months, scenario")
    assert shown.value == fmt.money(expected, "EUR")
    assert shown.delta == fmt.money(expected - base, "EUR")
    table = at.dataframe[0].value
    feb = table[(table["Month"] == "Feb 2026") & (table["Service level"] == "Response")].iloc[0]
    assert feb["Today"] == pytest.approx(80.0) and feb["Scenario"] == pytest.approx(100.0)
    assert len(counted_evaluations) == evaluations, "changing a target must not evaluate clocks again"


def test_a_stricter_objective_and_a_lower_cap_move_the_credit_the_engines_way(app_env, engine):
    policy, clocks, _, _ = engine
    at = open_page("whatif")
    at.slider(key="wi.acme.response.objective").set_value(96.0)
    at.slider(key="wi.acme.cap").set_value(10.0).run()
    from decimal import Decimal
    expected = scenario_credit(policy, clocks, objectives={"response": Decimal("0.96")}, credit_cap=Decimal("0.10"))
    assert metric(at, "Credit over these months, scenario").value == fmt.money(expected, "EUR")


def test_the_scenario_downloads_as_policy_yaml_and_loads_back(app_env, engine):
    policy, clocks, _, _ = engine
    at = open_page("whatif")
    at.number_input(key=P2_RESPONSE).set_value(4.0)
    at.number_input(key="wi.acme.min").set_value(25).run()
    text = at.code[0].value
    loaded = parse_policy(text, source=policy.source)
    expected = whatif.amend(policy, "acme", targets={"response": {"P1": 1800, "P2": 14400}}, min_tickets=25)
    assert dataclasses.replace(loaded, source=policy.source) == expected
    assert at.download_button[0].label.startswith("Download")

    at.button(key="wi_reset").click().run()  # reset to the contract's terms
    assert metric(at, "Credit over these months, scenario").value == "€1,200.00"
    at.file_uploader(key="wi_upload").set_value(("scenario-acme.yaml", text.encode(), "application/x-yaml")).run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.number_input(key=P2_RESPONSE).value == 4.0
    assert at.number_input(key="wi.acme.min").value == 25
    # every month now has fewer than 25 assessed tickets: no credit at all
    assert metric(at, "Credit over these months, scenario").value == "€0.00"
    assert at.code[0].value.split("\n", 2)[2] == text.split("\n", 2)[2]  # the same file again, header aside
