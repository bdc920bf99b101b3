"""The engine's figures behind the dashboard's charts (slametrics.trends, breaches, settlement,
inventory, describe), on the small fixture database and on hand-made clocks."""
from __future__ import annotations

import datetime as dt

import polars as pl
import pytest

from slametrics import breaches, describe, inventory, settlement, trends
from slametrics.clock import evaluate_clocks
from slametrics.compliance import compliance
from slametrics.db import connect
from slametrics.errors import DataError
from slametrics.policy import load_policy
from slametrics.scope import EVERYTHING
from tests.dashboard.fixture import AS_OF, write_fixture

MOMENT = dt.datetime(2026, 4, 1, tzinfo=dt.timezone.utc)


@pytest.fixture(scope="module")
def fixture(tmp_path_factory):
    db, policy_path = write_fixture(tmp_path_factory.mktemp("figures"))
    policy = load_policy(policy_path)
    con = connect(db, read_only=True)
    yield con, policy, evaluate_clocks(con, policy, AS_OF, scope=EVERYTHING)
    con.close()


def test_volume_counts_opened_and_resolved_and_the_backlog(fixture):
    con, policy, _ = fixture
    vol = trends.volume(con, policy, "acme", MOMENT, scope=EVERYTHING).filter(pl.col("period") >= "2026-01")
    # Acme: 20 + 2 (P9) in January, 20 in Feb and March; two March tickets are still open
    assert vol["created"].to_list() == [22, 20, 20]
    assert vol["resolved"].to_list() == [22, 20, 18]
    assert vol["backlog"].to_list() == [0, 0, 2]
    p1 = trends.volume(con, policy, "acme", MOMENT, filters={"priority": ["P1"]}, scope=EVERYTHING)
    assert p1["created"].to_list() == [5, 5, 5]


def test_volume_refuses_an_unknown_filter_or_grain(fixture):
    con, policy, _ = fixture
    with pytest.raises(DataError):
        trends.volume(con, policy, "acme", MOMENT, filters={"agent; DROP": ["x"]}, scope=EVERYTHING)
    with pytest.raises(DataError):
        trends.volume(con, policy, "acme", MOMENT, grain="day", scope=EVERYTHING)


def test_weekly_periods_are_local_mondays(fixture):
    _, policy, clocks = fixture
    weeks = trends.weekly(clocks.filter(pl.col("ticket_id") == "G-100"), policy)  # Fri 2 Jan 2026, 10:00 Berlin
    assert set(weeks["period"]) == {"2025-12-29"}


def test_durations_take_stopped_clocks_only(fixture):
    _, _, clocks = fixture
    out = trends.durations(clocks.filter(pl.col("contract") == "acme"))
    march = out.filter((pl.col("period") == "2026-03") & (pl.col("metric") == "resolution")
                       & (pl.col("priority") == "P2"))
    assert march["clocks"][0] == 13  # 15 P2 tickets in March, 2 still open
    assert march["median_seconds"][0] == 4 * 3600


def test_overrun_bands_edges():
    frame = pl.DataFrame({"priority": ["P1"] * 5, "outcome": ["breached"] * 3 + ["met", "breached"],
                          "measure": ["clock"] * 4 + ["ticket"], "overrun_seconds": [900, 901, 3600 * 24 + 1, 0, None]})
    out = breaches.overrun_bands(frame)
    # the breached ticket outcome (a reopen, say) has no overrun: it is in no band
    assert dict(zip(out["band"], out["breaches"])) == {"up to 15 min": 1, "15 min to 1 h": 1, "over 24 h": 1}


def test_pareto_orders_by_breaches_with_a_cumulative_share(fixture):
    _, _, clocks = fixture
    out = breaches.pareto(clocks.filter(pl.col("contract") == "acme"), "team")
    assert out["breaches"].sum() == 12
    assert out["breaches"].to_list() == sorted(out["breaches"].to_list(), reverse=True)
    assert out["cumulative_share"][-1] == pytest.approx(1.0)


def test_pareto_names_breaches_without_a_value_not_set(fixture):
    _, _, clocks = fixture
    acme = clocks.filter(pl.col("contract") == "acme")
    assert isinstance(acme.schema["agent"], pl.Enum)  # the engine's own column type, not text
    first_two = pl.col("ticket_id").is_in(breaches.breached(acme)["ticket_id"].head(2).implode())
    unassigned = acme.with_columns(agent=pl.when(first_two).then(None).otherwise(pl.col("agent")))
    out = breaches.pareto(unassigned, "agent")
    not_set = out.filter(pl.col("agent") == breaches.NOT_SET)
    expected = breaches.breached(unassigned).filter(pl.col("agent").is_null()).height
    assert expected >= 2 and not_set["breaches"].to_list() == [expected]
    assert out["breaches"].sum() == 12


def test_heatmap_is_in_the_contracts_local_time(fixture):
    _, policy, clocks = fixture
    grid = breaches.creation_heatmap(clocks.filter(pl.col("contract") == "globex"), policy)
    assert grid.height == 7 * 24
    hot = grid.filter(pl.col("breaches") > 0)
    assert set(hot["hour"]) == {10}  # created 09:00 UTC = 10:00 in Berlin in winter


def test_at_risk_lists_running_clocks_past_the_share_soonest_due_first(fixture):
    from slametrics import watch

    con, policy, clocks = fixture
    as_of = dt.datetime.fromisoformat(AS_OF)
    state = watch.clock_state(clocks, watch.current_statuses(con, as_of, scope=EVERYTHING, policy=policy), policy, as_of)
    out = watch.at_risk(state, 0.5)
    assert out["ticket_id"].to_list() == ["A-318", "A-319"]  # 14h and 13h of 24h
    assert out["time_left_seconds"].to_list() == [10 * 3600, 11 * 3600]
    assert watch.at_risk(state, 0.6).height == 0
    assert [watch.at_risk(state, s).height for s in (13 / 24, 0.58, 0.59)] == [2, 1, 0]  # 13h and 14h of 24h


def test_credit_statement_shows_where_cap_and_minimum_volume_bite(fixture):
    _, policy, clocks = fixture
    levels, months = settlement.credit_statement(compliance(clocks, policy), policy)
    feb = months.filter((pl.col("period") == "2026-02") & (pl.col("contract") == "acme")).row(0, named=True)
    assert feb["levels_rate"] == pytest.approx(0.15) and feb["capped"] and feb["credit_rate"] == 0.12
    assert feb["credit_amount"] == 1200.0
    waived = levels.filter(pl.col("below_minimum"))
    assert waived.select("period", "contract", "waived_rate").rows() == [("2026-02", "globex", 0.03)]


def test_holdings_lists_clients_and_what_no_contract_covers(fixture):
    con, policy, _ = fixture
    held = inventory.holdings(con, policy, scope=EVERYTHING)
    assert held.tickets == 83 and held.events == 4
    assert held.uncovered_clients["client"].to_list() == ["Initech"]
    assert held.uncovered_priorities.rows() == [("Acme", "acme", "P9", 2)]
    assert inventory.last_activity(con, scope=EVERYTHING) == dt.datetime(2026, 3, 31, 11, 20, tzinfo=dt.timezone.utc)


def test_describe_policy(fixture):
    _, policy, _ = fixture
    assert describe.targets_matrix(policy, "acme").rows() == [("response", "30m", "2h"), ("resolution", "8h", "24h")]
    office = policy.calendars["office"]
    assert describe.weekly_hours(office) == 40
    assert describe.week_grid(office)["day"].to_list() == ["mon", "tue", "wed", "thu", "fri"]
    assert describe.holiday_table(office, dt.date(2026, 1, 1), dt.date(2026, 12, 31)).is_empty()


@pytest.mark.parametrize("high", [0.004, 0.012, 0.02, 0.025, 0.05, 0.12, 0.3, 1.0])
def test_percent_axes_have_round_steps_and_no_two_ticks_that_read_the_same(high):
    from ui.charts import percent_ticks

    axis = percent_ticks(high)
    decimals = int(axis["tickformat"][1:-1])
    ticks = [i * axis["dtick"] for i in range(int(round(axis["range"][1] / axis["dtick"])) + 1)]
    labels = [f"{t * 100:.{decimals}f}%" for t in ticks if t <= axis["range"][1]]
    assert len(labels) == len(set(labels)) >= 3, labels
    assert axis["range"][1] >= high and axis["range"][1] <= high * 2.1 + 0.01
    assert 3 <= len(labels) <= 12


@pytest.mark.parametrize("high, labels", [
    (50 * 60, ["0m", "10m", "20m", "30m", "40m", "50m"]),
    (3 * 3600 + 600, ["0m", "1h", "2h", "3h", "4h"]),
    (5400, ["0m", "15m", "30m", "45m", "1h", "1h 15m", "1h 30m"]),
    (30 * 3600, ["0m", "6h", "12h", "18h", "24h", "30h"]),
    (9 * 24 * 3600, ["0m", "48h", "96h", "144h", "192h", "240h"]),
])
def test_duration_axes_read_as_durations_at_round_steps(high, labels):
    from ui.charts import duration_ticks

    axis = duration_ticks(high)
    assert axis["ticktext"] == labels
    assert axis["tickvals"][-1] >= high and axis["range"][1] > axis["tickvals"][-1]


def test_the_trends_time_chart_plots_seconds_on_an_axis_labelled_in_durations():
    from ui.charts import duration_chart

    frame = pl.DataFrame({"period": ["2026-01", "2026-02", "2026-01", "2026-02"], "priority": ["P1", "P1", "P2", "P2"],
                          "median_seconds": [900, 1800, 5400, 4500], "clocks": [3, 4, 5, 6]})
    fig = duration_chart(frame, "first_response", "month")
    assert [list(t.y) for t in fig.data] == [[900, 1800], [5400, 4500]]
    assert list(fig.layout.yaxis.ticktext) == ["0m", "15m", "30m", "45m", "1h", "1h 15m", "1h 30m"]
    assert [t.customdata[1][0] for t in fig.data] == ["30m", "1h 15m"]  # the hover says the same


def test_the_credits_chart_of_small_rates_does_not_repeat_a_tick_label():
    from ui.charts import credit_rate_chart

    totals = pl.DataFrame({"contract": ["acme"] * 3, "period": ["2026-01", "2026-02", "2026-03"],
                           "credit_rate": [0.0, 0.012, 0.02], "credit_amount": [0.0, 120.0, 200.0],
                           "currency": ["EUR"] * 3, "provisional": [False, False, True]})
    axis = credit_rate_chart(totals, {"acme": "Acme"}).layout.yaxis
    assert (axis.tickformat, axis.dtick) == (".1%", 0.005)  # 0.0%, 0.5%, 1.0%, ...: not 0%, 1%, 1%, 2%, 2%


def test_the_pareto_s_cumulative_axis_ends_at_100_percent_and_many_values_become_top_15_and_all_others():
    from ui.charts import pareto_chart

    clocks = pl.DataFrame({"outcome": ["breached"] * 70 * 2, "team": [f"team {i:02d}" for i in range(70)] * 2,
                           "overrun_seconds": [60] * 140})
    frame = breaches.pareto(clocks, "team")
    assert frame.height == 16 and frame["team"][-1] == "all others (55)" and frame["breaches"][-1] == 110
    assert len(frame["members"][-1]) == 55 and frame["cumulative_share"][-1] == pytest.approx(1.0)
    spec = pareto_chart(frame, "team")
    assert list(spec.layout.yaxis2.tickvals) == [0, 0.2, 0.4, 0.6, 0.8, 1.0]
    assert len(spec.data[0].x) == 16


def test_the_compliance_trend_s_legend_says_what_its_point_colours_mean():
    from ui.charts import MET, MISSED, PENDING, compliance_trend

    rows = pl.DataFrame({"period": ["2026-01", "2026-02", "2026-03"], "compliance": [0.95, 0.8, 1.0],
                         "status": ["meets", "misses", "insufficient"], "met": [19, 16, 3], "breached": [1, 4, 0],
                         "pending": [0, 0, 0]})
    fig = compliance_trend(rows, "response", 0.9)
    keys = {t.name: t.marker.color for t in fig.data if t.mode == "markers"}
    assert keys == {"Objective met": MET, "Objective missed": MISSED, "Too few tickets to assess": PENDING}
    assert list(fig.data[0].marker.color) == [MET, MISSED, PENDING]


def test_weekly_date_labels_are_no_wider_than_monthly_ones():
    from ui.charts import compliance_trend

    weeks = [(dt.date(2025, 11, 3) + dt.timedelta(weeks=i)).isoformat() for i in range(52)]
    rows = pl.DataFrame({"period": weeks, "compliance": [0.95] * 52, "status": ["meets"] * 52, "met": [19] * 52,
                         "breached": [1] * 52, "pending": [0] * 52})
    axis = compliance_trend(rows, "response", 0.9, grain="week", ticks=4).layout.xaxis
    longest = max(len(part) for part in dt.date(2026, 9, 28).strftime(axis.tickformat.replace("%-d", "%d"))
                  .split("<br>"))
    assert longest <= len("Sep 2026") and axis.dtick == 7 * 86_400_000 * 13  # 4 labels over a year of weeks


def test_an_amendments_changes_read_in_words_every_kind_of_term():
    from decimal import Decimal

    from slametrics.policy import parse_policy

    text = """
calendars: {utc: {timezone: UTC, hours: always}}
contracts:
  acme:
    clients: [Acme]
    calendar: utc
    monthly_fee: 1000
    currency: EUR
    service_levels:
      response: {metric: first_response, targets: {P1: 1h}, objective: 0.9, credits: [{below: 0.9, credit: 0.05}]}
      old: {metric: resolution, targets: {P1: 8h}, objective: 0.8}
    amendments:
      - from: 2026-07
        monthly_fee: 1200
        bonus_cap: 0.02
        payment: {method: invoice_credit, claim_within_days: 30}
        service_levels:
          response: {metric: first_response, targets: {P1: 2h}, objective: 0.95, per_breach: 50,
                     bonus: [{at_least: 0.99, bonus: 0.01}]}
          old: null
"""
    acme = parse_policy(text).contracts["acme"]
    said = describe.terms_diff(acme.versions()[0][2], acme.versions()[1][2])
    assert said == ["monthly fee €1,000.00 -> €1,200.00", "bonus cap 100.0% -> 2.0%",
                    "payment none -> invoice credit, claims within 30 days", "Response P1 target 1h -> 2h",
                    "Response objective 90.0% -> 95.0%", "Response credit tiers below 90.0%: 5.0% -> none",
                    "Response per breach none -> €50.00", "Response bonus tiers none -> at least 99.0%: 1.0%",
                    "Old ended"]
    assert acme.in_force("2026-07").monthly_fee == Decimal(1200)


def test_the_statement_says_per_breach_amounts_with_their_count_and_bonuses_earned():
    from slametrics.policy import parse_policy
    from slametrics.settlement import credit_statement, explained

    policy = parse_policy("""
calendars: {utc: {timezone: UTC, hours: always}}
contracts:
  acme:
    clients: [Acme]
    calendar: utc
    monthly_fee: 1000
    currency: EUR
    service_levels:
      response: {metric: first_response, targets: {P1: 1h}, objective: 0.5, per_breach: 60}
      resolution: {metric: resolution, targets: {P1: 8h}, objective: 0.5, bonus: [{at_least: 0.75, bonus: 0.01}]}
""")
    levels = pl.DataFrame({"period": ["2026-03"] * 2, "contract": ["acme"] * 2, "service_level": ["resolution", "response"],
                           "met": [3, 1], "breached": [1, 3], "pending": [0, 0], "assessed": [4, 4],
                           "compliance": [0.75, 0.25], "objective": [0.5, 0.5], "status": ["meets", "misses"],
                           "provisional": [False, False]})
    level_rows, months = credit_statement(levels, policy)
    owing, notes = explained(months, level_rows)["2026-03"]
    assert owing == ["Response 3 breaches x €60.00"]  # 180.00, no tier
    assert notes == ["Resolution earned a 1.0% bonus"]
    assert months["credit_amount"].to_list() == [180.0]
