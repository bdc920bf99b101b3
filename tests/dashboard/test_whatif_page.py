"""The what-if page: moving a target moves compliance and credits by the engine's numbers, without
evaluating clocks again; a scenario downloaded as YAML loads back to the same figures."""
from __future__ import annotations

import dataclasses

import polars as pl
import pytest

import slametrics.stored
from slametrics import whatif
from slametrics.policy import parse_policy
from tests.dashboard.fixture import POLICY
from tests.dashboard.helpers import metric, open_page
from ui import format as fmt

P2_RESPONSE = "wi.acme.response.target.P2"


def scenario_credit(policy, clocks, **changes) -> float:
    changed = whatif.amend(policy, "acme", **changes)
    _, owed = whatif.evaluate(clocks.filter(pl.col("contract") == "acme"), changed)
    return owed.months["credit_amount"].sum()


@pytest.fixture
def counted_evaluations(monkeypatch):
    calls = []
    original = slametrics.stored.evaluate  # what the dashboard's clocks come from (through the store)

    def counting(*args, **kwargs):
        calls.append(args)
        return original(*args, **kwargs)

    monkeypatch.setattr(slametrics.stored, "evaluate", counting)
    return calls


def test_a_longer_target_raises_compliance_and_lowers_the_credit_by_the_engines_numbers(app_env, engine,
                                                                                       counted_evaluations):
    policy, clocks, _, _ = engine
    at = open_page("whatif")
    base = scenario_credit(policy, clocks)
    assert base == 1200.0  # February: 5 % + 10 % capped at 12 % of EUR 10,000
    assert metric(at, "Credit over these months, scenario").value == fmt.money(base, "EUR")
    evaluations = len(counted_evaluations)
    assert evaluations >= 1, "the first run evaluates the clocks (else this test could not see a second time)"

    assert at.text_input(key=P2_RESPONSE).value == "2h"  # a duration, not 2.00 hours
    at.text_input(key=P2_RESPONSE).input("4h").run()  # P2 answered within 4h instead of 2h
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
    at.text_input(key=P2_RESPONSE).input("4h")
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
    assert at.text_input(key=P2_RESPONSE).value == "4h"
    assert at.number_input(key="wi.acme.min").value == 25
    # every month now has fewer than 25 assessed tickets: no credit at all
    assert metric(at, "Credit over these months, scenario").value == "€0.00"
    assert at.code[0].value.split("\n", 2)[2] == text.split("\n", 2)[2]  # the same file again, header aside


def test_a_target_is_typed_as_a_duration_and_text_that_is_none_keeps_todays_target_with_a_message(app_env, engine):
    policy, clocks, _, _ = engine
    at = open_page("whatif")
    at.text_input(key=P2_RESPONSE).input("3h 30m").run()
    expected = scenario_credit(policy, clocks, targets={"response": {"P1": 1800, "P2": 3 * 3600 + 1800}})
    assert metric(at, "Credit over these months, scenario").value == fmt.money(expected, "EUR")
    assert "Response P2 target 2h -> 3h 30m" in at.markdown[[m.value.startswith("**This scenario") for m in
                                                             at.markdown].index(True)].value
    at.text_input(key=P2_RESPONSE).input("1.5").run()  # hours or minutes? refused, today's 2h meanwhile
    assert not at.exception
    errors = [e.value for e in at.error]
    assert any("'1.5' is not a duration" in e and "Today's 2h is used meanwhile" in e for e in errors), errors
    assert metric(at, "Credit over these months, scenario").value == fmt.money(scenario_credit(policy, clocks), "EUR")


def test_a_milder_tier_paying_more_than_a_stricter_one_is_warned_of_and_the_header_names_the_tiers(app_env, engine):
    at = open_page("whatif")
    # response today: 5 % below 90 %. Add 3 % below 80 %: worse compliance would cost less
    at.number_input(key="wi.acme.response.tier.1.below").set_value(80.0)
    at.number_input(key="wi.acme.response.tier.1.credit").set_value(3.0).run()
    warnings = [w.value for w in at.warning]
    assert any("The tier below 90.0% pays 5.0%, more than the one below 80.0% (3.0%)" in w for w in warnings), warnings
    header = next(m.value for m in at.markdown if m.value.startswith("**This scenario"))
    assert "Response credit tiers below 90.0%: 5.0% -> below 90.0%: 5.0%, below 80.0%: 3.0%" in header
    at.number_input(key="wi.acme.response.tier.1.credit").set_value(8.0).run()  # now it rises: no warning
    assert not [w.value for w in at.warning if "pays" in w.value]


def test_a_broken_scenario_file_shows_its_errors_and_the_controls_stay_usable(app_env, engine):
    policy, clocks, _, _ = engine
    at = open_page("whatif")
    at.file_uploader(key="wi_upload").set_value(("broken.yaml", b"contracts: [unclosed", "application/x-yaml")).run()
    assert not at.exception
    shown = [e.value.replace("\\", "") for e in at.error]  # as on screen: markdown escapes dropped
    assert any("broken.yaml was not loaded" in e and "line 1, column 21: not valid YAML" in e for e in shown), shown
    at.text_input(key=P2_RESPONSE).input("4h").run()  # the page goes on working below the message
    expected = scenario_credit(policy, clocks, targets={"response": {"P1": 1800, "P2": 4 * 3600}})
    assert metric(at, "Credit over these months, scenario").value == fmt.money(expected, "EUR")


def test_the_target_finder_answers_per_month_and_for_all_months_per_priority_and_for_the_pooled_level(
        app_env, engine):
    policy, clocks, _, _ = engine
    at = open_page("whatif")
    mine = clocks.filter(pl.col("contract") == "acme")
    factors, needed = at.dataframe[-2].value, at.dataframe[-1].value
    pooled = whatif.factor_finder(mine, policy, whole_range=True)
    monthly = whatif.factor_finder(mine, policy).filter(pl.col("period") == "2026-02")
    for row in pooled.iter_rows(named=True):
        shown = factors.loc[fmt.level(row["service_level"])]
        assert shown["All months"] == f"{row['needed_percent']}%"
        feb = monthly.filter(pl.col("service_level") == row["service_level"])["needed_percent"][0]
        assert shown["Feb 2026"] == f"{feb}%"
    alone = whatif.target_finder(mine, policy, whole_range=True)
    for row in alone.iter_rows(named=True):
        assert needed.loc[f"{fmt.level(row['service_level'])} · {row['priority']}"]["All months"] == \
            fmt.duration(row["needed_seconds"])
    # February's response missed (16 of 20 within target): the pooled level needed longer targets
    assert int(factors.loc["Response"]["Feb 2026"].rstrip("%")) > 100


@pytest.mark.parametrize("tiers", [1, 3, 4, 6])
def test_an_unchanged_scenario_is_the_contract_whatever_its_number_of_tiers(monkeypatch, tiers):
    from decimal import Decimal

    from slametrics.policy import Tier
    from ui import scenario

    policy = parse_policy(POLICY)
    many = tuple(Tier(below=Decimal("0.9") - Decimal(i) / 20, credit=Decimal(i + 1) / 100) for i in range(tiers))
    acme = policy.contracts["acme"]
    level = dataclasses.replace(acme.service_levels["response"], credits=many)
    policy = dataclasses.replace(policy, contracts={**policy.contracts, "acme": dataclasses.replace(
        acme, service_levels={**acme.service_levels, "response": level})})
    monkeypatch.setattr(scenario.st, "session_state", {})
    for name, value in scenario.defaults("acme", policy.contracts["acme"]).items():
        scenario.st.session_state[name] = value
    assert scenario.tier_rows("acme", "response") == max(3, tiers)
    assert scenario.scenario(policy, "acme") == policy  # every tier kept: today's terms, exactly
    assert scenario.changes(policy, scenario.scenario(policy, "acme"), "acme") == []


def served(folder, monkeypatch, policy) -> None:
    """Point the app at ``policy``, written as a policy file in ``folder``."""
    from slametrics.policy import policy_to_yaml

    path = folder / "money.yaml"
    path.write_text(policy_to_yaml(policy), encoding="utf-8")
    monkeypatch.setenv("SLA_POLICY", str(path))


def _with_per_breach_and_bonus(policy):
    from decimal import Decimal

    from slametrics.policy import BonusTier

    acme = policy.contracts["acme"]
    response = dataclasses.replace(acme.service_levels["response"], per_breach=Decimal(25),
                                   bonus=(BonusTier(Decimal("0.95"), Decimal("0.01")),
                                          BonusTier(Decimal("1"), Decimal("0.02"))))
    return dataclasses.replace(policy, contracts={**policy.contracts, "acme": dataclasses.replace(
        acme, bonus_cap=Decimal("0.015"), service_levels={**acme.service_levels, "response": response})})


def test_an_unchanged_scenario_keeps_per_breach_amounts_bonus_tiers_and_the_bonus_cap(monkeypatch):
    from decimal import Decimal

    from ui import scenario

    policy = _with_per_breach_and_bonus(parse_policy(POLICY))
    monkeypatch.setattr(scenario.st, "session_state", {})
    for name, value in scenario.defaults("acme", policy.contracts["acme"]).items():
        scenario.st.session_state[name] = value
    assert scenario.scenario(policy, "acme") == policy
    scenario.st.session_state["wi.acme.response.per_breach"] = 40.0
    scenario.st.session_state["wi.acme.response.bonus.0.at_least"] = 90.0
    scenario.st.session_state["wi.acme.bonus_cap"] = 2.0
    changed = scenario.scenario(policy, "acme")
    response = changed.contracts["acme"].service_levels["response"]
    assert (response.per_breach, response.bonus[0].at_least, changed.contracts["acme"].bonus_cap) == (
        40, Decimal("0.9"), Decimal("0.02"))
    assert scenario.changes(policy, changed, "acme") == [
        "Response per breach €25.00 -> €40.00",
        "Response bonus tiers at least 95.0%: 1.0%, at least 100.0%: 2.0% -> at least 90.0%: 1.0%, at least 100.0%: 2.0%",
        "bonus cap 1.5% -> 2.0%"]


def test_a_per_breach_amount_moved_on_the_page_moves_the_credit_the_engines_way(app_env, engine, tmp_path, monkeypatch):
    policy, clocks, _, _ = engine
    amended = _with_per_breach_and_bonus(policy)
    served(tmp_path, monkeypatch, amended)
    at = open_page("whatif")
    today = scenario_credit(amended, clocks)
    assert metric(at, "Credit over these months, scenario").value == fmt.money(today, "EUR")
    at.number_input(key="wi.acme.response.per_breach").set_value(100.0).run()
    from decimal import Decimal

    expected = scenario_credit(amended, clocks, per_breach={"response": Decimal(100)})
    assert expected != today
    assert metric(at, "Credit over these months, scenario").value == fmt.money(expected, "EUR")


def _amended_with_everything(policy):
    """acme with 4 credit tiers, a per-breach amount, bonus tiers and a bonus cap, and an amendment from
    2026-03 with 6 tiers, other bonuses and no per-breach amount."""
    from decimal import Decimal

    from slametrics.policy import Amendment, BonusTier, Tier

    policy = _with_per_breach_and_bonus(policy)
    acme = policy.contracts["acme"]

    def tiers(n):
        return tuple(Tier(below=Decimal("0.95") - Decimal(i) / 20, credit=Decimal(i + 1) / 100) for i in range(n))

    own = dataclasses.replace(acme, service_levels={**acme.service_levels, "response": dataclasses.replace(
        acme.service_levels["response"], credits=tiers(4))})
    later = dataclasses.replace(own, bonus_cap=Decimal("0.03"), service_levels={
        **own.service_levels,
        "response": dataclasses.replace(own.service_levels["response"], credits=tiers(6), per_breach=None,
                                        bonus=(BonusTier(Decimal("0.9"), Decimal("0.005")),)),
        "resolution": dataclasses.replace(own.service_levels["resolution"], per_breach=Decimal(0))})
    whole = dataclasses.replace(own, amendments=(Amendment(start="2026-03", note="more tiers", terms=later),))
    return dataclasses.replace(policy, contracts={**policy.contracts, "acme": whole})


@pytest.mark.parametrize("month", ["2026-02", "2026-03"])
def test_an_unchanged_scenario_across_an_amendment_keeps_every_tier_bonus_and_per_breach_amount(monkeypatch, month):
    from ui import scenario

    policy = _amended_with_everything(parse_policy(POLICY))
    shown = policy.contracts["acme"].in_force(month)
    assert len(shown.service_levels["response"].credits) == (4 if month == "2026-02" else 6)
    monkeypatch.setattr(scenario.st, "session_state", {})
    for name, value in scenario.defaults("acme", shown).items():
        scenario.st.session_state[name] = value
    assert scenario.scenario(policy, "acme", month) == policy  # both versions, exactly as they are
    assert scenario.changes(policy, scenario.scenario(policy, "acme", month), "acme", month) == []


def test_a_per_breach_amount_and_a_bonus_can_be_tried_on_a_level_that_has_neither(app_env, engine):
    from decimal import Decimal

    from slametrics.policy import BonusTier

    policy, clocks, _, _ = engine
    level = policy.contracts["acme"].service_levels["resolution"]
    assert level.per_breach is None and not level.bonus
    at = open_page("whatif")
    at.slider(key="wi.acme.cap").set_value(100.0).run()  # so that the cap does not hide the amounts
    at.number_input(key="wi.acme.resolution.per_breach").set_value(50.0).run()
    at.number_input(key="wi.acme.resolution.bonus.0.at_least").set_value(50.0).run()
    at.number_input(key="wi.acme.resolution.bonus.0.bonus").set_value(1.0).run()
    assert not at.exception
    changed = whatif.amend(policy, "acme", per_breach={"resolution": Decimal(50)}, credit_cap=Decimal(1),
                           bonus={"resolution": (BonusTier(Decimal("0.5"), Decimal("0.01")),)})
    _, owed = whatif.evaluate(clocks.filter(pl.col("contract") == "acme"), changed)
    expected = owed.months["credit_amount"].sum()
    breached = owed.levels.filter(pl.col("service_level") == "resolution")["breached"].sum()
    assert breached > 0 and expected == scenario_credit(policy, clocks, credit_cap=Decimal(1)) + 50 * breached
    assert metric(at, "Credit over these months, scenario").value == fmt.money(expected, "EUR")
    earned = owed.months["bonus_amount"].sum()
    assert earned > 0 and metric(at, "Bonus earned over these months, scenario").value == fmt.money(earned, "EUR")
    header = next(m.value for m in at.markdown if m.value.startswith("**This scenario:**"))
    assert "Resolution per breach €0.00 -> €50.00" in header and "Resolution bonus tiers" in header


def test_a_scenario_file_with_amendments_gives_every_version_its_terms(monkeypatch):
    from ui import scenario
    from slametrics.policy import policy_to_yaml

    base = parse_policy(POLICY)
    file = _amended_with_everything(base)
    monkeypatch.setattr(scenario.st, "session_state", {})
    notes = scenario.load(policy_to_yaml(file).encode(), "file.yaml", "acme", base, "2026-03")
    assert any("2 versions of the terms replace the contract's" in n for n in notes)
    changed = scenario.scenario(base, "acme", "2026-03")
    for month in ("2026-02", "2026-03"):  # the month the controls show, and the one before the amendment
        assert changed.contracts["acme"].in_force(month) == file.contracts["acme"].in_force(month)
    said = scenario.changes(base, changed, "acme", "2026-03")
    assert said[0] == "the other versions of the terms as the scenario file has them (the contract's own)"


def test_service_credits_shows_credits_owed_and_bonuses_earned_apart(app_env, engine, tmp_path, monkeypatch):
    from slametrics.compliance import compliance
    from slametrics.credits import credits
    from tests.dashboard.helpers import figures

    policy, clocks, _, _ = engine
    earning = _with_per_breach_and_bonus(policy)
    served(tmp_path, monkeypatch, earning)
    at = open_page("credits")
    assert not at.exception
    (chart,) = [f for f in figures(at) if f["layout"]["title"]["text"].startswith("Credit owed and bonus earned")]
    shown = {trace["name"]: trace["y"] for trace in chart["data"]}
    months = [x[:7] for x in chart["data"][0]["x"]]  # the range's months, as dates
    assert months == ["2026-01", "2026-02", "2026-03"]
    owed = credits(compliance(clocks.filter(pl.col("contract") == "acme"), earning), earning).months.sort("period")
    assert shown["Credit owed"] == owed["credit_amount"].to_list()
    assert shown["Bonus earned"] == owed["bonus_amount"].to_list()
    assert sum(shown["Bonus earned"]) > 0 and sum(shown["Credit owed"]) > 0  # both, in these months


def test_a_control_that_moves_reaggregates_through_the_prepared_index_not_over_every_clock(app_env, engine,
                                                                                            monkeypatch):
    calls = {"prepare": 0, "evaluate": 0, "evaluate_prepared": 0}
    for name in calls:
        original = getattr(whatif, name)

        def counting(*args, _name=name, _original=original, **kwargs):
            calls[_name] += 1
            return _original(*args, **kwargs)

        monkeypatch.setattr(whatif, name, counting)
    at = open_page("whatif")
    assert calls["prepare"] == 1 and calls["evaluate_prepared"] >= 2  # today and the scenario, through one index
    before = dict(calls)
    at.text_input(key=P2_RESPONSE).input("4h").run()
    assert not at.exception
    assert calls["prepare"] == before["prepare"]  # the index is kept for the same clocks
    assert calls["evaluate_prepared"] > before["evaluate_prepared"]
    assert calls["evaluate"] == 0  # the slow path is the tests' check, never the page's
