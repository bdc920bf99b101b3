"""What-if (slametrics.whatif) on clocks small enough to check on paper."""
from __future__ import annotations

import dataclasses
from decimal import Decimal
from pathlib import Path

import polars as pl
import pytest

from slametrics import whatif
from slametrics.compliance import compliance, counts
from slametrics.credits import credits
from slametrics.policy import Tier, load_policy, parse_policy, policy_to_yaml

ROOT = Path(__file__).resolve().parents[1]
MIN = 60
POLICY = """\
calendars:
  always: {timezone: UTC, hours: always}
contracts:
  acme:
    name: Acme
    clients: [Acme]
    calendar: always
    monthly_fee: 1000
    currency: EUR
    credit_cap: 0.08
    service_levels:
      response:
        metric: first_response
        targets: {P1: 1h, P2: 4h}
        objective: 0.90
        credits: [{below: 0.90, credit: 0.05}]
      resolution:
        metric: resolution
        targets: {P1: 8h}
        objective: 0.75
        credits: [{below: 0.75, credit: 0.06}]
"""


@pytest.fixture
def policy():
    return parse_policy(POLICY)


def clocks(rows: list[tuple], level: str = "response") -> pl.DataFrame:
    """Clocks of contract acme from (ticket, priority, elapsed minutes or seconds, running[, period]).

    ``target_seconds``, ``outcome`` and ``overrun_seconds`` start wrong on purpose: retarget must redo them.
    """
    return pl.DataFrame(
        [(t, "acme", level, "clock", p, r[4] if len(r) > 4 else "2026-01", -1, e, 0, "?", -1, running)
         for r in rows for t, p, e, running in [r[:4]]], orient="row",
        schema={"ticket_id": pl.String, "contract": pl.String, "service_level": pl.String, "measure": pl.String,
                "priority": pl.String,
                "period": pl.String, "target_seconds": pl.Int64, "elapsed_seconds": pl.Int64,
                "paused_seconds": pl.Int64, "outcome": pl.String, "overrun_seconds": pl.Int64, "running": pl.Boolean})


def test_retarget_rederives_outcome_and_overrun_from_elapsed_time(policy):
    frame = clocks([("a", "P1", 50 * MIN, False), ("b", "P1", 70 * MIN, False), ("c", "P1", 50 * MIN, True),
                    ("d", "P1", 70 * MIN, True), ("e", "P1", 60 * MIN, False)])
    out = whatif.retarget(frame, policy)
    assert out["target_seconds"].to_list() == [3600] * 5
    assert out["outcome"].to_list() == ["met", "breached", "pending", "breached", "met"]  # 60m of 60m is met
    assert out["overrun_seconds"].to_list() == [0, 600, 0, 600, 0]
    assert out.columns == frame.columns


def test_retarget_drops_clocks_of_priorities_the_scenario_no_longer_targets(policy):
    frame = clocks([("a", "P1", 10 * MIN, False), ("b", "P2", 10 * MIN, False), ("c", "P3", 10 * MIN, False)])
    assert whatif.retarget(frame, policy)["ticket_id"].to_list() == ["a", "b"]  # P3 was never targeted
    fewer = whatif.amend(policy, "acme", targets={"response": {"P1": 3600}})
    assert whatif.retarget(frame, fewer)["ticket_id"].to_list() == ["a"]


def test_a_longer_target_raises_compliance_and_removes_the_credit(policy):
    # ten P1 answers after 10, 20, ..., 100 minutes
    frame = clocks([(f"t{i}", "P1", i * 10 * MIN, False) for i in range(1, 11)])
    levels, owed = whatif.evaluate(frame, policy)
    assert levels.row(0, named=True)["met"] == 6 and levels["compliance"][0] == pytest.approx(0.6)
    assert owed.months["credit_amount"][0] == 50.00  # 5 % of 1000

    longer = whatif.amend(policy, "acme", targets={"response": {"P1": 90 * MIN, "P2": 4 * 3600}})
    levels, owed = whatif.evaluate(frame, longer)
    assert levels["met"][0] == 9 and levels["status"][0] == "meets"  # 9 of 10 is 0.90, not below it
    assert owed.months["credit_amount"][0] == 0.0


def test_amend_changes_objective_tiers_cap_and_minimum_volume(policy):
    frame = clocks([(f"t{i}", "P1", i * 10 * MIN, False) for i in range(1, 11)])  # 0.6 as above
    changed = whatif.amend(policy, "acme", objectives={"response": Decimal("0.5")},
                           tiers={"response": (Tier(Decimal("0.7"), Decimal("0.10")),)}, credit_cap=Decimal("0.04"))
    levels, owed = whatif.evaluate(frame, changed)
    assert levels["status"][0] == "meets"  # 0.6 >= 0.5 ...
    total = owed.months.row(0, named=True)
    assert total["credit_rate"] == 0.04 and total["credit_amount"] == 40.0  # ... yet the tier below 0.7 pays, capped
    quiet = whatif.amend(policy, "acme", min_tickets=11)
    assert whatif.evaluate(frame, quiet)[1].months["credit_amount"][0] == 0.0
    assert policy.contracts["acme"].credit_cap == Decimal("0.08")  # the original is untouched


def test_compare_puts_baseline_and_scenario_side_by_side_with_deltas(policy):
    frame = clocks([(f"t{i}", "P1", i * 10 * MIN, False) for i in range(1, 11)])
    base = compliance(whatif.retarget(frame, policy), policy)
    longer = whatif.amend(policy, "acme", targets={"response": {"P1": 90 * MIN}})
    scenario = compliance(whatif.retarget(frame, longer), longer)
    out = whatif.compare(base, scenario, values=["compliance", "met", "status"])
    row = out.row(0, named=True)
    assert (row["compliance_base"], row["compliance_scenario"]) == pytest.approx((0.6, 0.9))
    assert row["compliance_delta"] == pytest.approx(0.3)
    assert (row["met_base"], row["met_scenario"], row["met_delta"]) == (6, 9, 3)
    assert (row["status_base"], row["status_scenario"]) == ("misses", "meets") and "status_delta" not in out.columns


def test_compare_keeps_rows_present_on_one_side_only(policy):
    base = pl.DataFrame({"period": ["2026-01", "2026-02"], "contract": ["acme"] * 2, "x": [1.0, 2.0]})
    scenario = pl.DataFrame({"period": ["2026-02", "2026-03"], "contract": ["acme"] * 2, "x": [3.0, 4.0]})
    out = whatif.compare(base, scenario)
    assert out["period"].to_list() == ["2026-01", "2026-02", "2026-03"]
    assert out["x_delta"].to_list() == [None, 1.0, None]


def test_target_finder_takes_the_kth_smallest_elapsed_time(policy):
    # objective 0.75 of 4 stopped clocks: k = ceil(0.75 * 4) = 3 -> the 3rd smallest, 30 minutes
    frame = clocks([("a", "P1", 10 * MIN, False), ("b", "P1", 40 * MIN, False), ("c", "P1", 20 * MIN, False),
                    ("d", "P1", 30 * MIN, False)], level="resolution")
    out = whatif.target_finder(frame, policy).row(0, named=True)
    assert out["needed_seconds"] == 30 * MIN
    assert out["compliance_at_needed"] == 0.75 and out["target_seconds"] == 8 * 3600 and out["clocks"] == 4


def test_target_finder_rounds_up_to_whole_minutes(policy):
    frame = clocks([("a", "P1", 30 * MIN + 1, False)], level="resolution")
    assert whatif.target_finder(frame, policy)["needed_seconds"][0] == 31 * MIN


def test_target_finder_counts_a_running_clock_as_breached_only_past_the_target(policy):
    # stopped 10, 20, 30, 40 minutes and one still running at 50: at 30m it is breached (3 of 5 met,
    # 0.6); at 40m still breached (4 of 5, 0.8 >= 0.75) -> 40 minutes
    frame = clocks([("a", "P1", 10 * MIN, False), ("b", "P1", 20 * MIN, False), ("c", "P1", 30 * MIN, False),
                    ("d", "P1", 40 * MIN, False), ("e", "P1", 50 * MIN, True)], level="resolution")
    assert whatif.target_finder(frame, policy)["needed_seconds"][0] == 40 * MIN


def test_target_finder_lets_a_running_clock_drop_out_by_becoming_pending(policy):
    # objective 0.9 (response); stopped 10 and 20, running at 15: at 10m 1 met of 3 assessed; at 15m the
    # running clock is pending: 1 of 2; at 20m 2 of 2 -> 20 minutes
    frame = clocks([("a", "P1", 10 * MIN, False), ("b", "P1", 20 * MIN, False), ("c", "P1", 15 * MIN, True)])
    assert whatif.target_finder(frame, policy)["needed_seconds"][0] == 20 * MIN


def test_target_finder_answers_per_period_and_priority_and_not_without_a_stopped_clock(policy):
    frame = clocks([("a", "P1", 10 * MIN, False, "2026-01"), ("b", "P1", 70 * MIN, False, "2026-02"),
                    ("c", "P2", 5 * MIN, False, "2026-01"), ("d", "P2", 5 * MIN, True, "2026-02")])
    out = whatif.target_finder(frame, policy)
    got = {(r["period"], r["priority"]): r["needed_seconds"] for r in out.iter_rows(named=True)}
    assert got == {("2026-01", "P1"): 10 * MIN, ("2026-02", "P1"): 70 * MIN, ("2026-01", "P2"): 5 * MIN,
                   ("2026-02", "P2"): None}


def test_target_finder_agrees_with_retargeting_at_its_answer(policy):
    elapsed = [7, 13, 13, 29, 31, 44, 45, 58, 61, 90, 95, 120]
    frame = clocks([(f"t{i}", "P1", e * MIN + 17, i % 5 == 0) for i, e in enumerate(elapsed)])
    needed = whatif.target_finder(frame, policy)["needed_seconds"][0]
    for target, status in ((needed, "meets"), (needed - MIN, "misses")):
        changed = whatif.amend(policy, "acme", targets={"response": {"P1": target}})
        assert compliance(whatif.retarget(frame, changed), changed)["status"][0] == status


def test_target_finder_over_the_whole_range_pools_its_months(policy):
    # Jan needs 10m (1 of 1), Feb 70m (1 of 1); together 2 of 2 at objective 0.9 -> 70m
    frame = clocks([("a", "P1", 10 * MIN, False, "2026-01"), ("b", "P1", 70 * MIN, False, "2026-02"),
                    ("c", "P1", 20 * MIN, False, "2026-02")])
    out = whatif.target_finder(frame, policy, whole_range=True)
    assert out.select("period", "priority", "clocks", "needed_seconds").rows() == [(whatif.WHOLE_RANGE, "P1", 3, 70 * MIN)]


def test_scaled_targets_round_up_to_whole_minutes():
    assert whatif.scaled_targets({"P1": 60 * MIN, "P2": 240 * MIN}, 124) == {"P1": 75 * MIN, "P2": 298 * MIN}
    assert whatif.scaled_targets({"P1": 15 * MIN}, 100) == {"P1": 15 * MIN}


def test_factor_finder_pools_a_levels_priorities_as_its_objective_does(policy):
    # response: P1 target 1h, P2 4h, objective 0.90. The factor from which each clock is met:
    # P1 30m 49%, 45m 74%, 60m 99%, 72m 119%; P2 1h 25%, 2h 50%, 200m 83%, 4h 100%, 5h 125%, 6h 150%.
    # 9 of 10 must be met: the 9th smallest, 125% (P1 75m, P2 5h: 9 met); at 124% P2's 4h58m misses 5h
    rows = [("p1a", "P1", 30), ("p1b", "P1", 45), ("p1c", "P1", 60), ("p1d", "P1", 72), ("p2a", "P2", 60),
            ("p2b", "P2", 120), ("p2c", "P2", 200), ("p2d", "P2", 240), ("p2e", "P2", 300), ("p2f", "P2", 360)]
    frame = clocks([(t, p, m * MIN, False) for t, p, m in rows])
    out = whatif.factor_finder(frame, policy).row(0, named=True)
    assert (out["service_level"], out["clocks"], out["needed_percent"], out["compliance_at_needed"]) == (
        "response", 10, 125, 0.9)
    # each priority alone must have all its clocks met (ceil(0.9 * 4) = 4, ceil(0.9 * 6) = 6): P1 72m, P2 6h
    alone = whatif.target_finder(frame, policy)
    assert dict(alone.select("priority", "needed_seconds").rows()) == {"P1": 72 * MIN, "P2": 360 * MIN}


def test_factor_finder_agrees_with_the_engines_compliance_at_its_answer_and_one_below(policy):
    elapsed = [7, 13, 13, 29, 31, 44, 45, 58, 61, 90, 95, 120, 150, 181, 230, 260, 299, 301]
    frame = clocks([(f"t{i}", "P1" if i % 3 else "P2", e * MIN + 17, i % 7 == 0, "2026-01" if i % 2 else "2026-02")
                    for i, e in enumerate(elapsed)])
    targets = policy.contracts["acme"].service_levels["response"].targets
    for whole in (False, True):
        found = whatif.factor_finder(frame, policy, whole_range=whole)
        assert found.height == (1 if whole else 2) and found["needed_percent"].null_count() == 0
        for row in found.iter_rows(named=True):
            month = frame if whole else frame.filter(pl.col("period") == row["period"])
            month = month.with_columns(period=pl.lit("2026-01"))
            for percent, status in ((row["needed_percent"], "meets"), (row["needed_percent"] - 1, "misses")):
                changed = whatif.amend(policy, "acme", targets={"response": whatif.scaled_targets(targets, percent)},
                                       min_tickets=0)
                level = compliance(whatif.retarget(month, changed), changed).filter(
                    pl.col("service_level") == "response")
                assert level["status"][0] == status, (row["period"], percent)


def test_projection_brackets_a_provisional_month(policy, monkeypatch):
    # 8 met, 1 breached, 1 pending; objective 0.9: now 8/9 = 0.889 -> 5 %; all met 9/10 -> 0; all breached 8/10 -> 5 %
    rows = [(f"m{i}", "P1", 10 * MIN, False) for i in range(8)]
    rows += [("b", "P1", 90 * MIN, False), ("p", "P1", 10 * MIN, True)]
    frame = whatif.retarget(clocks(rows), policy)
    out = whatif.projection(frame, policy).months.row(0, named=True)
    assert out["provisional"] is True
    assert (out["credit_amount"], out["all_met_credit_amount"], out["all_breached_credit_amount"]) == (50.0, 0.0, 50.0)
    level = whatif.projection(frame, policy).levels.filter(pl.col("service_level") == "response").row(0, named=True)
    assert level["all_met_compliance"] == 0.9 and level["all_breached_compliance"] == 0.8
    # the page hands over the compliance it has: the same projection; the clocks are counted once either way
    # (the settled cases move the pending count), never once per case
    levels = compliance(frame, policy)
    seen = []
    monkeypatch.setattr(whatif, "counts", lambda *a, **k: seen.append(1) or counts(*a, **k))
    given = whatif.projection(frame, policy, levels)
    assert len(seen) == 1
    assert given.levels.equals(whatif.projection(frame, policy).levels) and given.months.row(0, named=True) == out
    assert len(seen) == 2


def test_projection_of_a_settled_month_is_the_credit_itself(policy):
    frame = whatif.retarget(clocks([("a", "P1", 90 * MIN, False)]), policy)
    out = whatif.projection(frame, policy)
    expected = credits(compliance(frame, policy), policy)
    for part in ("levels", "months"):
        amounts = getattr(expected, part)["credit_amount"].to_list()
        assert amounts and getattr(out, part)["credit_amount"].to_list() == amounts
        assert (getattr(out, part)["all_met_credit_amount"].to_list()
                == getattr(out, part)["all_breached_credit_amount"].to_list() == amounts)


POLICY_FILES = [ROOT / "config" / "policy.yaml", *sorted((ROOT / "tests" / "golden").glob("*/policy.yaml"))]


@pytest.mark.parametrize("path", POLICY_FILES, ids=lambda p: p.parent.name)
def test_policy_to_yaml_round_trips_through_parse_policy(path):
    if not path.exists():
        pytest.skip(f"{path} is not there yet")
    policy = load_policy(path)
    again = parse_policy(policy_to_yaml(policy), source=policy.source)
    assert again == policy


def test_a_scenario_round_trips_with_exact_shares(policy):
    changed = whatif.amend(policy, "acme", targets={"response": {"P1": 5400, "P2": 0}},
                           objectives={"response": Decimal("0.925")}, credit_cap=Decimal("0.125"),
                           tiers={"resolution": (Tier(Decimal("0.75"), Decimal("0.06")),
                                                 Tier(Decimal("0.5"), Decimal("0.1")))},
                           min_tickets=7)
    text = policy_to_yaml(changed, header="what-if: longer P1 response\nsecond line")
    assert text.startswith("# what-if: longer P1 response\n# second line\n")
    assert "objective: 0.925" in text and "P1: 1h30m" in text
    assert dataclasses.replace(parse_policy(text), source=changed.source) == changed


from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(st.sampled_from(["response", "resolution"]), st.sampled_from(["P1", "P2"]),
                          st.one_of(st.integers(0, 10 * 3600), st.sampled_from([1800, 3600, 7200, 14400, 28800])),
                          st.booleans(), st.sampled_from(["2026-01", "2026-02", "2026-03"])),
                min_size=1, max_size=40),
       st.sampled_from([None, 1800, 3600, 7200]), st.sampled_from(["0.5", "0.9", "1"]))
def test_the_prepared_index_gives_exactly_the_slow_paths_figures(rows, target, objective):
    base = parse_policy(POLICY + """    amendments:
      - from: 2026-02
        service_levels:
          response: {metric: first_response, targets: {P1: 30m, P2: 2h}, objective: 0.8,
                     credits: [{below: 0.8, credit: 0.03}], per_breach: 5}
""")
    frames = []
    for level in ("response", "resolution"):
        mine = [(f"{level}{i}", p, e, r, m) for i, (lv, p, e, r, m) in enumerate(rows)
                if lv == level and (level == "response" or p == "P1")]
        if mine:
            frames.append(clocks(mine, level))
    if not frames:
        return
    stored = whatif.retarget(pl.concat(frames), base)
    scenario = base if target is None else whatif.amend(
        base, "acme", targets={"response": {"P1": target, "P2": 2 * target}}, objectives={"response": Decimal(objective)},
        version="2026-02")
    slow_levels, slow_credits = whatif.evaluate(stored, scenario)
    fast_levels, fast_credits = whatif.evaluate_prepared(whatif.prepare(stored), scenario)
    keys = ["period", "contract", "service_level"]
    assert slow_levels.sort(keys).equals(fast_levels.sort(keys))
    assert slow_credits.table().equals(fast_credits.table())


@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(st.sampled_from(["P1", "P2"]), st.integers(0, 6 * 3600), st.booleans(),
                          st.sampled_from(["2026-01", "2026-02"])), min_size=1, max_size=25),
       st.sampled_from(["0.5", "0.75", "0.9", "1"]))
def test_the_target_finder_is_a_brute_force_search_over_whole_minutes_from_clocks_or_index(rows, objective):
    pol = whatif.amend(parse_policy(POLICY), "acme", objectives={"response": Decimal(objective)})
    stored = whatif.retarget(clocks([(f"t{i}", p, e, r, m) for i, (p, e, r, m) in enumerate(rows)]), pol)
    found = whatif.target_finder(stored, pol)
    assert found.equals(whatif.target_finder(whatif.prepare(stored), pol))  # the page's index, the same answers
    assert whatif.factor_finder(stored, pol).equals(whatif.factor_finder(whatif.prepare(stored), pol))
    for r in found.iter_rows(named=True):
        mine = stored.filter((pl.col("period") == r["period"]) & (pl.col("priority") == r["priority"]))

        def meets(minutes: int) -> bool:
            t = minutes * 60
            met = mine.filter(~pl.col("running") & (pl.col("elapsed_seconds") <= t)).height
            assessed = mine.filter(~pl.col("running") | (pl.col("elapsed_seconds") > t)).height
            return assessed > 0 and Decimal(met) >= Decimal(objective) * assessed

        # every whole minute up to the longest clock, the smallest that meets the objective (None: none does)
        longest = (mine["elapsed_seconds"].max() + 59) // 60
        brute = next((m * 60 for m in range(longest + 1) if meets(m)), None)
        assert r["needed_seconds"] == brute, (r, brute)


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(st.sampled_from(["response", "resolution"]), st.sampled_from(["P1", "P2", "P3"]),
                          st.one_of(st.integers(0, 10 * 3600), st.sampled_from([0, 30, 60, 61, 1800, 3600, 14400])),
                          st.booleans(), st.sampled_from(["2026-01", "2026-02", "2026-03"])),
                min_size=0, max_size=40),
       st.sampled_from([0, 30, 60, 1800, 7200]), st.sampled_from(["0.5", "0.8", "0.925", "1"]),
       st.sampled_from(["0.5", "0.9", "1"]))
def test_the_finders_binary_search_gives_exactly_the_curves_answers(rows, p2_target, objective, later_objective):
    """The finders the page runs on every control change (a binary search in the index) against the way
    they were first written (tests/finders_by_curve.py: a cumulative curve over every whole minute and
    percentage), over months under two versions of the terms, running clocks, a priority only one
    version targets, targets of 0 and of less than a minute (which no factor moves)."""
    from tests import finders_by_curve as curve

    base = parse_policy(POLICY + f"""    amendments:
      - from: 2026-02
        service_levels:
          response: {{metric: first_response, targets: {{P1: 30m, P2: 1h, P3: 2h}},
                     objective: {later_objective}, credits: [{{below: 0.8, credit: 0.03}}]}}
""")
    later = whatif.amend(base, "acme", targets={"response": {"P1": 1800, "P2": p2_target, "P3": 7200}},
                         version="2026-02")  # a scenario's targets need not be whole minutes
    scenario = whatif.amend(later, "acme", objectives={"response": Decimal(objective)})
    frames = [clocks([(f"{level}{i}", p, e, r, m) for i, (lv, p, e, r, m) in enumerate(rows) if lv == level], level)
              for level in ("response", "resolution")]
    stored = pl.concat(frames)
    index = whatif.prepare(stored)
    for whole in (False, True):
        for fast, slow in ((whatif.target_finder, curve.target_finder), (whatif.factor_finder, curve.factor_finder)):
            expected = slow(stored, scenario, whole_range=whole)
            found = fast(index, scenario, whole_range=whole)
            assert found.equals(expected) and found.schema == expected.schema, (fast.__name__, whole, found, expected)
            assert fast(stored, scenario, whole_range=whole).equals(expected)  # from the clocks: the same path


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(st.sampled_from(["response", "resolution"]), st.sampled_from(["P1", "P2"]),
                          st.integers(0, 10 * 3600), st.booleans(), st.sampled_from(["2026-01", "2026-02"])),
                min_size=1, max_size=40))
def test_the_projection_equals_the_engine_on_the_clocks_settled_each_way(rows):
    """The slow path: every pending clock's outcome replaced, and the engine's compliance and credits of
    that (as the projection was first written), against the projection's moved counts."""
    pol = parse_policy(POLICY)
    frames = [clocks([(f"{level}{i}", p, e, r, m) for i, (lv, p, e, r, m) in enumerate(rows)
                      if lv == level and (level == "response" or p == "P1")], level) for level in ("response", "resolution")]
    frames = [f for f in frames if f.height]
    if not frames:
        return
    frame = whatif.retarget(pl.concat(frames), pol)
    out = whatif.projection(frame, pol)
    # a page's counts of every month, the other months' rows left out: the projection of that month's clocks
    january = whatif.projection(frame.filter(pl.col("period") == "2026-01"), pol)
    of_counts = whatif.projection_of_counts(counts(frame).filter(pl.col("period") == "2026-01"), pol)
    assert of_counts.levels.equals(january.levels) and of_counts.months.equals(january.months)
    for name in ("all_met", "all_breached"):
        settled = frame.with_columns(outcome=pl.when(pl.col("outcome") == "pending").then(pl.lit(name[4:]))
                                     .otherwise(pl.col("outcome")).cast(frame.schema["outcome"]))
        slow = credits(compliance(settled, pol), pol)
        keys = ["period", "contract", "service_level"]
        got = out.levels.select(*keys, *[pl.col(f"{name}_{c}").alias(c) for c in ("compliance", "credit_rate", "credit_amount")])
        assert got.sort(keys).equals(slow.levels.select(*keys, "compliance", "credit_rate", "credit_amount").sort(keys))
        months = out.months.select("period", "contract", *[pl.col(f"{name}_{c}").alias(c) for c in ("credit_rate", "credit_amount")])
        assert months.sort("period").equals(slow.months.select("period", "contract", "credit_rate", "credit_amount").sort("period"))


def test_a_factor_that_scales_a_long_target_past_the_index_range_still_counts_its_own_group_alone(policy):
    # objective 1: P1's 1-minute target must reach a 200,000-minute clock, F = 100 * 199,999 // 1 + 1;
    # at that factor P2's 200,000-minute target becomes 40 billion minutes, past the index's 2**40 s
    # per group, where a search would count the next group's clocks (the resolution clock of February)
    pol = whatif.amend(policy, "acme", targets={"response": {"P1": 60, "P2": 200_000 * 60}},
                       objectives={"response": Decimal("1")})
    frame = pl.concat([clocks([("a", "P1", 200_000 * 60, False), ("b", "P2", 60, False)]),
                       clocks([("c", "P1", 60, False, "2026-02")], "resolution")])
    from tests import finders_by_curve as curve

    found = whatif.factor_finder(whatif.prepare(frame), pol)
    assert found.filter(pl.col("service_level") == "response").select("needed_percent", "compliance_at_needed").row(0) \
        == (19_999_901, 1.0)
    assert found.equals(curve.factor_finder(frame, pol)) and found.schema == curve.factor_finder(frame, pol).schema
