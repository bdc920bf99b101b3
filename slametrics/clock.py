"""Clocks (SLA_SPEC §3): business time from creation to first response or resolution, less pauses.

All tickets are evaluated in one set-based DuckDB statement (``sql/evaluate_clocks.sql``) over small
lookup frames built here from the policy: which service levels apply to which client and priority,
which statuses pause them, and each calendar's working intervals with cumulative business seconds.
"""
from __future__ import annotations

import datetime as dt

import duckdb
import polars as pl

from slametrics.calendar import day_table, interval_table
from slametrics.db import one
from slametrics.policy import Policy
from slametrics.sql import statement
from slametrics.timeparse import parse_as_of

CLOCK_COLUMNS = ["ticket_id", "contract", "service_level", "metric", "priority", "period", "target_seconds",
                 "elapsed_seconds", "paused_seconds", "outcome", "overrun_seconds"]


def clock_definitions(policy: Policy) -> tuple[pl.DataFrame, pl.DataFrame]:
    """(clock_defs, pause_sets): one row per client, priority and service level that gives a clock."""
    defs, pauses = [], []
    for contract in policy.contracts.values():
        for level in contract.service_levels.values():
            pause_key = f"{contract.key}/{level.name}"
            pauses += [(pause_key, status) for status in contract.pausing_statuses(level)]
            for client in contract.clients:
                for priority, target in level.targets.items():
                    defs.append((client, priority, contract.key, level.name, level.metric, target,
                                 contract.calendar_of(level), contract.calendar, pause_key))
    clock_defs = pl.DataFrame(defs, orient="row", schema={
        "client": pl.String, "priority": pl.String, "contract": pl.String, "service_level": pl.String,
        "metric": pl.String, "target_seconds": pl.Int64, "cal": pl.String, "period_cal": pl.String,
        "pause_key": pl.String})
    pause_sets = pl.DataFrame(pauses, orient="row", schema={"pause_key": pl.String, "status": pl.String})
    return clock_defs, pause_sets


def evaluate_clocks(con: duckdb.DuckDBPyConnection, policy: Policy, as_of: str | dt.datetime | None = None) -> pl.DataFrame:
    """One row per clock, as of ``as_of`` (default now). See docs/engine-api.md for the columns.

    >>> # ticket created Mon 09:00 Berlin, answered 09:20, P1 target 15m on 08:00-18:00
    >>> # -> elapsed_seconds 1200, outcome 'breached', overrun_seconds 300
    """
    moment = parse_as_of(as_of)
    as_of_s = int(moment.timestamp())
    span = one(con, "SELECT min(created_at) FROM tickets")[0]
    used = {c.calendar for c in policy.contracts.values()} | {
        c.calendar_of(sl) for c in policy.contracts.values() for sl in c.service_levels.values()}
    calendars = {name: policy.calendars[name] for name in sorted(used)}
    first = (span.astimezone(dt.timezone.utc).date() if span else moment.date()) - dt.timedelta(days=2)
    last = max(moment.date(), first) + dt.timedelta(days=2)
    clock_defs, pause_sets = clock_definitions(policy)
    frames = {
        "clock_defs": clock_defs,
        "pause_sets": pause_sets,
        "cal_intervals": interval_table(calendars, first, last),
        "cal_days": day_table(calendars, first, last).select("cal", "day_start_s", "period"),
    }
    cur = con.cursor()
    try:
        for name, frame in frames.items():
            cur.register(name, frame)
        clocks = cur.sql(statement("evaluate_clocks"), params={"as_of": as_of_s}).pl()
    finally:
        cur.close()
    return clocks.sort(["period", "contract", "service_level", "ticket_id"])
