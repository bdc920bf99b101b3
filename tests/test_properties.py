"""Properties of the clocks that hold for any input (hypothesis), checked against an independent walker."""
from __future__ import annotations

import datetime as dt

import polars as pl
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from slametrics.clock import evaluate_clocks
from slametrics.compliance import compliance
from slametrics.db import connect
from slametrics.ingest import ingest_frames
from slametrics.policy import parse_policy
from slametrics.scope import EVERYTHING
from tests.walker import walk

POLICY = """
calendars:
  berlin:
    timezone: Europe/Berlin
    hours: {mon-fri: "08:00-18:00", sat: ["09:00-12:00", "13:00-15:00"]}
    holidays: {dates: [2026-04-03], country: DE, subdivision: BY}
  sydney: {timezone: Australia/Sydney, hours: {mon-fri: ["00:00-06:00", "08:00-12:00", "13:00-17:00"]}}
  nonstop: {timezone: UTC, hours: always}
contracts:
  eu:
    clients: [EU]
    calendar: berlin
    pause_statuses: [waiting]
    service_levels:
      response: {metric: first_response, targets: {P1: TARGET}, objective: 0.9, pause_statuses: [waiting]}
      resolution: {metric: resolution, targets: {P1: TARGET, P2: 8h}, objective: 0.9}
      wall: {metric: resolution, targets: {P1: TARGET}, calendar: nonstop, objective: 0.9, pause_statuses: []}
  au:
    clients: [AU]
    calendar: sydney
    pause_statuses: [waiting]
    service_levels:
      resolution: {metric: resolution, targets: {P1: TARGET, P2: 8h}, objective: 0.9}
"""
# windows around daylight-saving changes: EU spring/autumn, Sydney April/October 2026
BASES = [int(dt.datetime(2026, m, d, tzinfo=dt.timezone.utc).timestamp()) for m, d in ((3, 27), (4, 2), (10, 2), (10, 23))]
STATUSES = ["waiting", "working", "resolved"]


def policy(target: str = "4h"):
    return parse_policy(POLICY.replace("TARGET", target))


@st.composite
def histories(draw):
    n = draw(st.integers(1, 6))
    tickets, events = [], []
    for i in range(n):
        base = draw(st.sampled_from(BASES))
        created = base + draw(st.integers(0, 6 * 86400))
        def later(limit=5 * 86400):
            return created + draw(st.integers(0, limit))
        first = draw(st.one_of(st.none(), st.builds(later)))
        resolved = draw(st.one_of(st.none(), st.builds(later)))
        tickets.append({"ticket_id": f"T{i}", "client": draw(st.sampled_from(["EU", "AU"])),
                        "priority": draw(st.sampled_from(["P1", "P2"])),
                        "created_at": created, "first_response_at": first, "resolved_at": resolved})
        for _ in range(draw(st.integers(0, 4))):
            at = created + draw(st.integers(-3600, 4 * 86400))
            events.append({"ticket_id": f"T{i}", "at": at, "status": draw(st.sampled_from(STATUSES))})
    newest = max(t["created_at"] for t in tickets)
    as_of = newest + draw(st.sampled_from([0, 3600, 86400, 12 * 86400]))
    return tickets, events, as_of


def to_frame(rows, time_cols):
    frame = pl.DataFrame(rows, schema={k: (pl.Int64 if k in time_cols else pl.String) for k in rows[0]}) if rows else None
    if frame is None:
        return None
    return frame.with_columns([pl.from_epoch(pl.col(c), time_unit="s").dt.replace_time_zone("UTC") for c in time_cols])


def clocks_of(tickets, events, as_of, pol):
    con = connect(":memory:")
    ingest_frames(con, to_frame(tickets, ["created_at", "first_response_at", "resolved_at"]),
                  to_frame(events, ["at"]) if events else None, source="hypothesis")
    return evaluate_clocks(con, pol, dt.datetime.fromtimestamp(as_of, dt.timezone.utc), scope=EVERYTHING)


def status_at(events, ticket, created, t):
    """The status holding at t: events clamped to creation, time order, last in input wins a tie."""
    mine = sorted(((max(e["at"], created), i, e["status"]) for i, e in enumerate(events) if e["ticket_id"] == ticket))
    current = None
    for at, _, status in mine:
        if at <= t:
            current = status
    return current


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(histories())
def test_elapsed_and_paused_match_an_instant_by_instant_walk(history):
    tickets, events, as_of = history
    pol = policy()
    clocks = clocks_of(tickets, events, as_of, pol)
    by_id = {t["ticket_id"]: t for t in tickets}
    expected_rows = 0
    for t in tickets:
        if t["created_at"] <= as_of:
            expected_rows += {"EU": 3, "AU": 1}[t["client"]] if t["priority"] == "P1" else 1
    assert clocks.height == expected_rows
    for c in clocks.iter_rows(named=True):
        t = by_id[c["ticket_id"]]
        contract = pol.contracts[c["contract"]]
        level = contract.service_levels[c["service_level"]]
        cal = pol.calendars[contract.calendar_of(level)]
        fr = t["first_response_at"] if t["first_response_at"] is not None and t["first_response_at"] <= as_of else None
        rs = t["resolved_at"] if t["resolved_at"] is not None and t["resolved_at"] <= as_of else None
        stop = (fr if fr is not None else rs) if level.metric == "first_response" else rs
        end = stop if stop is not None else as_of
        pausing = set(contract.pausing_statuses(level))
        ev = [e for e in events if e["at"] <= as_of]
        breaks = tuple(max(e["at"], t["created_at"]) for e in ev if e["ticket_id"] == t["ticket_id"])
        paused = walk(cal, t["created_at"], end, lambda s: status_at(ev, t["ticket_id"], t["created_at"], s) in pausing, breaks)
        total = walk(cal, t["created_at"], end)
        assert (c["elapsed_seconds"], c["paused_seconds"]) == (total - paused, paused), c
        assert c["elapsed_seconds"] + c["paused_seconds"] == total
        if level.name == "wall":  # 24x7: business time is wall-clock time
            assert c["elapsed_seconds"] + c["paused_seconds"] == end - t["created_at"]
        assert c["running"] == (stop is None)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(histories(), st.sampled_from(["15m", "1h"]), st.sampled_from(["1h30m", "8h", "40h"]))
def test_raising_a_target_never_lowers_compliance(history, low, high):
    tickets, events, as_of = history
    before = compliance(clocks_of(tickets, events, as_of, policy(low)), policy(low))
    after = compliance(clocks_of(tickets, events, as_of, policy(high)), policy(high))
    joined = before.join(after, on=["period", "contract", "service_level"], suffix="_high")
    assert joined.height == before.height
    for row in joined.iter_rows(named=True):
        assert row["met_high"] >= row["met"] and row["breached_high"] <= row["breached"]
        if row["compliance"] is not None and row["compliance_high"] is not None:
            assert row["compliance_high"] >= row["compliance"]


MONEY = """
calendars:
  utc: {timezone: UTC, hours: always}
contracts:
  acme:
    clients: [Acme]
    calendar: utc
    monthly_fee: 1000
    currency: EUR
    credit_cap: CAP
    bonus_cap: 0.05
    min_tickets: MIN
    service_levels:
      response: {metric: first_response, targets: {P1: 1h}, objective: 0.9, per_breach: PER_BREACH,
                 credits: [{below: 0.9, credit: 0.05}], bonus: [{at_least: AT_LEAST, bonus: 0.02}]}
"""


def month_of(met: int, breached: int, pending: int = 0) -> pl.DataFrame:
    """A compliance row of one month, as compliance() makes it (the credit evaluators' input)."""
    assessed = met + breached
    return pl.DataFrame({"period": ["2026-03"], "contract": ["acme"], "service_level": ["response"], "met": [met],
                         "breached": [breached], "pending": [pending], "assessed": [assessed],
                         "compliance": [met / assessed if assessed else None], "objective": [0.9],
                         "status": ["insufficient" if assessed < 3 else "meets" if met * 10 >= 9 * assessed
                                    else "misses"], "provisional": [pending > 0]})


def money_policy(per_breach: str = "10", at_least: str = "0.95", cap: str = "1", minimum: int = 3):
    return parse_policy(MONEY.replace("PER_BREACH", per_breach).replace("AT_LEAST", at_least).replace("CAP", cap)
                        .replace("MIN", str(minimum)))


@given(st.integers(0, 40), st.integers(0, 40), st.integers(0, 500), st.integers(0, 500),
       st.sampled_from(["0.01", "0.1", "1"]))
@settings(max_examples=150, deadline=None)
def test_raising_per_breach_never_lowers_a_credit(met, breached, low, high, cap):
    from slametrics.credits import credits

    low, high = sorted((low, high))
    row = month_of(met, breached)
    amounts = [credits(row, money_policy(str(p), cap=cap)).table().filter(pl.col("service_level") == level)["credit_amount"][0]
               for p in (low, high) for level in ("response", "TOTAL")]
    assert amounts[2] >= amounts[0] and amounts[3] >= amounts[1]


@given(st.integers(0, 40), st.integers(0, 40), st.sampled_from(["0.5", "0.8", "0.9", "0.95", "1"]),
       st.sampled_from(["0.5", "0.8", "0.9", "0.95", "1"]))
@settings(max_examples=150, deadline=None)
def test_raising_a_bonus_tiers_at_least_never_raises_the_bonus(met, breached, low, high):
    from slametrics.credits import credits

    low, high = sorted((low, high), key=float)
    row = month_of(met, breached)
    bonus = [credits(row, money_policy(at_least=a)).months["bonus_amount"][0]
             for a in (low, high)]
    assert bonus[1] <= bonus[0]


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(histories())
def test_a_single_amendment_that_changes_nothing_gives_every_figure_of_the_contract_without_it(history):
    from slametrics.credits import credits

    tickets, events, as_of = history
    plain = policy("2h")
    text = POLICY.replace("TARGET", "2h")
    same = parse_policy(text.replace("      wall:", "      wall:", 1).replace(
        "  au:\n", "    amendments: [{from: 2026-04, pause_statuses: [waiting]}]\n  au:\n", 1))
    assert same.amended and not plain.amended
    figures = []
    for pol in (plain, same):
        clocks = clocks_of(tickets, events, as_of, pol)
        levels = compliance(clocks, pol)
        figures.append((clocks.drop("service_level").sort("ticket_id", "metric", "priority").rows(),
                        levels.sort("period", "contract", "service_level").rows(),
                        credits(levels, pol).table().rows()))
    assert figures[0] == figures[1]
