"""The dashboard on a policy whose terms change over time: the fixture's Acme with an amendment from
March 2026 that gives P2 response 4h instead of 2h (docs/semantics.md §7). February's three-hour answers
breach their 2h; March's would meet 4h."""
from __future__ import annotations

import polars as pl
import pytest
import yaml

from slametrics.policy import load_policy
from tests.dashboard.conftest import figures_of
from tests.dashboard.helpers import metric, open_page, plain
from ui import format as fmt


@pytest.fixture
def amended(app_env, tmp_path, monkeypatch):
    db, policy_path = app_env
    data = yaml.safe_load(policy_path.read_text(encoding="utf-8"))
    response = dict(data["contracts"]["acme"]["service_levels"]["response"])
    response["targets"] = {**response["targets"], "P2": "4h"}
    data["contracts"]["acme"]["amendments"] = [{"from": "2026-03", "note": "longer P2 answers",
                                                "service_levels": {"response": response}}]
    path = tmp_path / "amended.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    monkeypatch.setenv("SLA_POLICY", str(path))
    return figures_of(db, load_policy(path))


def test_the_policy_page_shows_each_version_and_what_the_amendment_changed(amended):
    at = open_page("policy")
    assert [t.label for t in at.tabs][:2] == ["Until Feb 2026", "From Mar 2026 (longer P2 answers)"]
    shown = [plain(m.value) for m in at.markdown]
    assert any("What changed" in m and "Response P2 target 2h -> 4h" in m for m in shown), shown


def test_each_month_is_judged_by_its_own_terms_on_the_pages(amended):
    policy, clocks, levels, owed = amended
    march = levels.filter((pl.col("period") == "2026-03") & (pl.col("contract") == "acme")
                          & (pl.col("service_level") == "response")).row(0, named=True)
    feb = levels.filter((pl.col("period") == "2026-02") & (pl.col("contract") == "acme")
                        & (pl.col("service_level") == "response")).row(0, named=True)
    assert (feb["breached"], march["breached"]) == (4, 0)  # March's 3h P2 answers meet the amended 4h
    at = open_page(None)
    assert metric(at, "Response").value == fmt.percent(march["compliance"]) == "100.0%"
    assert any("terms changed in these months: from Mar 2026 (longer P2 answers)" in i.value for i in at.info)


def test_what_if_changes_the_version_in_force_and_leaves_the_earlier_months_as_they_were(amended):
    from slametrics import whatif

    policy, clocks, _, owed = amended
    at = open_page("whatif")
    assert any("span 2 versions" in i.value and "the amendment from Mar 2026" in i.value for i in at.info)
    today = owed.months.filter(pl.col("contract") == "acme")["credit_amount"].sum()
    assert metric(at, "Credit over these months, scenario").value == fmt.money(today, "EUR")  # unchanged: equal
    assert at.text_input(key="wi.acme.response.target.P2").value == "4h"  # March's terms
    at.text_input(key="wi.acme.response.target.P2").input("1h").run()
    changed = whatif.amend(policy, "acme", targets={"response": {"P1": 1800, "P2": 3600}}, version="2026-03")
    _, money = whatif.evaluate(clocks.filter(pl.col("contract") == "acme"), changed)
    expected = money.months
    assert metric(at, "Credit over these months, scenario").value == fmt.money(expected["credit_amount"].sum(), "EUR")
    assert changed.contracts["acme"].in_force("2026-02") == policy.contracts["acme"].in_force("2026-02")
    assert changed.contracts["acme"].in_force("2026-03").service_levels["response"].targets["P2"] == 3600
