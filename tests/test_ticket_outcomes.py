"""Service levels on ticket outcomes (docs/semantics.md §9): the policy's rules for them, the engine's rows
against the independent reference on random tickets, what-if over them, and what only clocks have."""
from __future__ import annotations

import datetime as dt
import tempfile
from decimal import Decimal
from fractions import Fraction
from pathlib import Path

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from slametrics import breaches, trends, watch, whatif
from slametrics.clock import evaluate_clocks
from slametrics.compliance import compliance
from slametrics.db import connect
from slametrics.errors import PolicyError
from slametrics.ingest import ingest_frames
from slametrics.policy import parse_policy
from slametrics.scope import EVERYTHING
from tests import reference

POLICY = """
calendars:
  tokyo: {timezone: Asia/Tokyo, hours: {mon-fri: "09:00-18:00"}}
contracts:
  helix:
    clients: [Helix]
    calendar: tokyo
    monthly_fee: 1000
    currency: EUR
    service_levels:
      response: {metric: first_response, targets: {P1: 1h}, objective: 0.5}
      fcr: {metric: first_contact_resolution, priorities: [P2], objective: 0.5, credits: [{below: 0.5, credit: 0.02}]}
      reopens: {metric: not_reopened, objective: 0.75, per_breach: 10}
      happy: {metric: satisfaction, objective: 0.6, satisfied_at_least: BAR}
"""
BASE = int(dt.datetime(2026, 3, 30, tzinfo=dt.timezone.utc).timestamp())  # a month's end in Tokyo nearby


def policy(bar: str = "4"):
    return parse_policy(POLICY.replace("BAR", bar))


def problems(text: str) -> list[str]:
    with pytest.raises(PolicyError) as caught:
        parse_policy(text, source="p.yaml")
    return caught.value.problems


@pytest.mark.parametrize(("old", "new", "expected"), [
    ("fcr: {metric: first_contact_resolution,", "fcr: {metric: first_contact_resolution, targets: {P2: 1h},",
     "p.yaml: contracts.helix.service_levels.fcr.targets: {'P2': '1h'}: not allowed on a first_contact_resolution "
     "level: it has no clock; to cover only some priorities, write priorities: [P1, P2]"),
    ("reopens: {metric: not_reopened,", "reopens: {metric: not_reopened, calendar: tokyo,",
     "p.yaml: contracts.helix.service_levels.reopens.calendar: 'tokyo': not allowed on a not_reopened level: it has "
     "no clock, so no business hours"),
    ("reopens: {metric: not_reopened,", "reopens: {metric: not_reopened, pause_statuses: [waiting],",
     "p.yaml: contracts.helix.service_levels.reopens.pause_statuses: ['waiting']: not allowed on a not_reopened "
     "level: it has no clock to pause"),
    ("satisfied_at_least: BAR", "satisfied_at_least: 6",
     "p.yaml: contracts.helix.service_levels.happy.satisfied_at_least: 6: must be a rating from 1 to 5, e.g. 4"),
    ("satisfied_at_least: BAR", "satisfied_at_least: 0.5",
     "p.yaml: contracts.helix.service_levels.happy.satisfied_at_least: 0.5: must be a rating from 1 to 5"),
    ("reopens: {metric: not_reopened,", "reopens: {metric: not_reopened, satisfied_at_least: 4,",
     "p.yaml: contracts.helix.service_levels.reopens.satisfied_at_least: 4: only on a satisfaction level"),
    ("response: {metric: first_response,", "response: {metric: first_response, priorities: [P1],",
     "p.yaml: contracts.helix.service_levels.response.priorities: ['P1']: only on a level measured on ticket "
     "outcomes"),
    ("priorities: [P2]", "priorities: P2",
     "p.yaml: contracts.helix.service_levels.fcr.priorities: 'P2': must be a list of priorities, e.g. [P1, P2]"),
])
def test_each_mistake_on_a_ticket_outcome_level_is_named_with_its_key_path(old, new, expected):
    text = POLICY.replace("BAR", "4")
    assert old in text or old == "satisfied_at_least: BAR"
    found = problems(POLICY.replace(old, new, 1).replace("BAR", "4"))
    assert any(p.startswith(expected) for p in found), found


def test_a_mistake_in_an_amendments_ticket_outcome_level_names_the_amendment():
    text = POLICY.replace("BAR", "4") + """    amendments:
      - from: 2026-05
        service_levels:
          happy: {metric: satisfaction, objective: 0.6, satisfied_at_least: 9}
"""
    assert problems(text) == ["p.yaml: contracts.helix.amendments[0] (from 2026-05).service_levels.happy."
                              "satisfied_at_least: 9: must be a rating from 1 to 5, e.g. 4"]


@st.composite
def tickets(draw):
    rows = []
    for i in range(draw(st.integers(1, 8))):
        created = BASE + draw(st.integers(0, 4 * 86400))
        resolved = draw(st.one_of(st.none(), st.integers(0, 3 * 86400).map(lambda d: created + d)))
        first = draw(st.one_of(st.none(), st.integers(0, 3 * 86400).map(lambda d: created + d),
                               st.just(resolved) if resolved is not None else st.none()))
        rows.append({"ticket_id": f"T{i}", "client": "Helix", "priority": draw(st.sampled_from(["P1", "P2", "P3"])),
                     "created_at": created, "first_response_at": first, "resolved_at": resolved,
                     "csat": draw(st.one_of(st.none(), st.sampled_from([1.0, 2.0, 3.0, 3.5, 4.0, 4.5, 5.0]))),
                     "reopened": draw(st.one_of(st.none(), st.integers(0, 3)))})
    as_of = BASE + draw(st.sampled_from([86400, 2 * 86400, 8 * 86400]))
    return rows, as_of


def frame_of(rows):
    times = ["created_at", "first_response_at", "resolved_at"]
    schema = {"ticket_id": pl.String, "client": pl.String, "priority": pl.String, **{t: pl.Int64 for t in times},
              "csat": pl.Float64, "reopened": pl.Int64}
    return pl.DataFrame(rows, schema=schema).with_columns(
        pl.from_epoch(pl.col(t), time_unit="s").dt.replace_time_zone("UTC") for t in times)


def engine_rows(rows, as_of, pol):
    con = connect(":memory:")
    ingest_frames(con, frame_of(rows), None, source="hypothesis")
    return evaluate_clocks(con, pol, dt.datetime.fromtimestamp(as_of, dt.timezone.utc), scope=EVERYTHING)


def reference_rows(rows, as_of, bar):
    """The reference's rows, from its own reading of the policy file and the tickets (tests/reference.py)."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "policy.yaml"
        path.write_text(POLICY.replace("BAR", bar), encoding="utf-8")
        ref_policy = reference.load_policy(path)
    utc = dt.timezone.utc

    def moment(seconds):
        return None if seconds is None else dt.datetime.fromtimestamp(seconds, utc)

    made = [reference.Ticket(r["ticket_id"], r["client"], r["priority"], moment(r["created_at"]),
                             moment(r["first_response_at"]), moment(r["resolved_at"]),
                             {"csat": "" if r["csat"] is None else f"{r['csat']:g}",
                              "reopened": "" if r["reopened"] is None else str(r["reopened"]),
                              "category": "", "team": "", "agent": "", "channel": ""})
            for r in rows]
    return reference.evaluate(ref_policy, made, [], moment(as_of))


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(tickets(), st.sampled_from(["3", "4", "4.5"]))
def test_ticket_outcome_rows_agree_with_the_reference_and_carry_no_clock_figures(history, bar):
    rows, as_of = history
    pol = policy(bar)
    got = engine_rows(rows, as_of, pol)
    tickets_only = got.filter(pl.col("measure") == "ticket")
    # a ticket-outcome level never produces clock figures
    for column in ("target_seconds", "elapsed_seconds", "paused_seconds", "overrun_seconds"):
        assert tickets_only[column].null_count() == tickets_only.height
    assert got.filter(pl.col("measure") == "clock")["elapsed_seconds"].null_count() == 0
    mine = sorted((r["ticket_id"], r["service_level"], r["outcome"], r["period"]) for r in
                  got.with_columns(pl.col(c).cast(pl.String) for c in ("service_level", "outcome", "period"))
                  .iter_rows(named=True))
    theirs = sorted((r["ticket_id"], r["service_level"], r["outcome"], r["period"])
                    for r in reference_rows(rows, as_of, bar))
    assert mine == theirs


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(tickets(), st.sampled_from(["1", "2", "3", "3.5", "4", "4.5", "5"]), st.sampled_from(["1", "2", "3", "3.5", "4", "4.5", "5"]))
def test_lowering_satisfied_at_least_never_lowers_satisfaction_compliance(history, low, high):
    rows, as_of = history
    low, high = sorted((low, high), key=Fraction)
    shares = []
    for bar in (low, high):
        levels = compliance(engine_rows(rows, as_of, policy(bar)), policy(bar)).filter(pl.col("service_level") == "happy")
        shares.append({r["period"]: (r["met"], r["assessed"]) for r in levels.iter_rows(named=True)})
    assert shares[0].keys() == shares[1].keys()  # which tickets are rated does not depend on the bar
    for period, (met, assessed) in shares[0].items():
        assert assessed == shares[1][period][1] and met >= shares[1][period][0]


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(tickets(), st.sampled_from(["3", "4.5", "5"]))
def test_what_if_judges_satisfaction_again_as_the_engine_would_and_the_fast_path_agrees(history, bar):
    rows, as_of = history
    today, scenario = policy("4"), policy(bar)
    stored = engine_rows(rows, as_of, today)
    moved = whatif.retarget(stored, scenario)
    fresh = engine_rows(rows, as_of, scenario)
    key = ["ticket_id", "service_level"]
    assert (moved.select(*key, "outcome").with_columns(pl.col("service_level", "outcome").cast(pl.String)).sort(key)
            .equals(fresh.select(*key, "outcome").with_columns(pl.col("service_level", "outcome").cast(pl.String))
                    .sort(key)))
    slow = whatif.evaluate(stored, scenario)
    fast = whatif.evaluate_prepared(whatif.prepare(stored), scenario)
    assert slow[0].sort("period", "contract", "service_level").equals(fast[0].sort("period", "contract", "service_level"))
    assert slow[1].table().equals(fast[1].table())


def test_only_clocks_have_overruns_durations_and_time_at_risk():
    day = 86400
    rows = [
        # answered in 2h (a P1 breach of 1h), reopened, rated 2: breached on every level
        {"ticket_id": "A", "client": "Helix", "priority": "P1", "created_at": BASE + day, "first_response_at": BASE + day + 7200,
         "resolved_at": BASE + day + 9000, "csat": 2.0, "reopened": 2},
        # open, answered late by nothing yet: a pending clock at 90% of its hour, pending outcomes
        {"ticket_id": "B", "client": "Helix", "priority": "P1", "created_at": BASE + 2 * day, "first_response_at": None,
         "resolved_at": None, "csat": None, "reopened": None},
        # answered before it was resolved: not a first-contact resolution
        {"ticket_id": "C", "client": "Helix", "priority": "P2", "created_at": BASE + day, "first_response_at": BASE + day + 60,
         "resolved_at": BASE + day + 600, "csat": 4.0, "reopened": 0},
    ]
    as_of = BASE + 2 * day + 3240  # B's clock has run 54 of its 60 business minutes (Tokyo 09:00 = 00:00 UTC)
    frame = engine_rows(rows, as_of, policy())
    late = breaches.breached(frame)
    why = dict(zip(late["ticket_id"] + "/" + late["service_level"].cast(pl.String),
                   late.select(breaches.missed_because().alias("why"))["why"]))
    assert why == {"A/response": "past its target", "A/reopens": "reopened 2 times", "A/happy": "rated 2 of 5",
                   "C/fcr": "answered before it was resolved"}
    assert late["overrun_seconds"].to_list()[0] == 3600  # the clock first, by its overrun
    assert breaches.overrun_bands(frame)["breaches"].sum() == 1  # A's response only
    moment = dt.datetime.fromtimestamp(as_of, dt.timezone.utc)
    statuses = pl.DataFrame(schema={"ticket_id": pl.String, "status": pl.String})
    risky = watch.at_risk(watch.clock_state(frame, statuses, policy(), moment), 0.75)
    assert risky["ticket_id"].to_list() == ["B"] and risky["service_level"].cast(pl.String).to_list() == ["response"]
    assert set(trends.durations(frame)["metric"]) == {"first_response"}
    assert whatif.target_finder(frame, policy())["service_level"].unique().to_list() == ["response"]


def test_the_policy_round_trips_with_its_ticket_outcome_levels():
    from slametrics.policy import policy_to_yaml

    pol = policy("4.5")
    again = parse_policy(policy_to_yaml(pol))
    assert again.contracts == pol.contracts
    happy = again.contracts["helix"].service_levels["happy"]
    assert (happy.measure, happy.satisfied_at_least, happy.targets) == ("ticket", Decimal("4.5"), {})
    assert again.contracts["helix"].service_levels["fcr"].priorities == ("P2",)
