"""The policy as the tables every computation joins on, one row per version of a contract's terms
(docs/semantics.md §7): which service levels exist in which months, their targets and objectives, and
which (client, priority) pairs get a clock at all. The one walk over contracts x versions x levels x
priorities; consumers read these instead of walking the policy themselves.

Months are 'YYYY-MM' text (``first_month`` inclusive, ``end_month`` exclusive, null where open), as
clocks' ``period`` is: a clock is judged by the version whose window holds its period.
"""
from __future__ import annotations

from collections.abc import Iterator

import polars as pl

from slametrics.policy.model import Contract, Policy, ServiceLevel


def levels(policy: Policy) -> Iterator[tuple[Contract, ServiceLevel, str | None, str | None]]:
    """(the contract's terms in that version, the level, first month, end month) for every level of every
    version of every contract, in policy order."""
    for contract in policy.contracts.values():
        for first, end, terms in contract.versions():
            for level in terms.service_levels.values():
                yield terms, level, first, end


def in_window(period: pl.Expr, first: pl.Expr, end: pl.Expr) -> pl.Expr:
    """Whether ``period`` (a month, text) falls in [first, end), either end open where null."""
    month = period.cast(pl.String).str.slice(0, 7)
    return (first.is_null() | (month >= first)) & (end.is_null() | (month < end))


def objectives(policy: Policy) -> pl.DataFrame:
    """One row per contract, service level and version: first_month, end_month, objective (Float64 and
    its exact parts obj_num / obj_den), min_tickets."""
    rows = []
    for terms, level, first, end in levels(policy):
        num, den = level.objective.as_integer_ratio()
        rows.append((terms.key, level.name, first, end, float(level.objective), num, den, terms.min_tickets))
    return pl.DataFrame(rows, orient="row", schema={
        "contract": pl.String, "service_level": pl.String, "first_month": pl.String, "end_month": pl.String,
        "objective": pl.Float64, "obj_num": pl.Int64, "obj_den": pl.Int64, "min_tickets": pl.Int64})


def targets(policy: Policy) -> pl.DataFrame:
    """One row per contract, service level, priority and version: first_month, end_month, target_seconds."""
    rows = [(terms.key, level.name, priority, first, end, seconds)
            for terms, level, first, end in levels(policy) for priority, seconds in level.targets.items()]
    return pl.DataFrame(rows, orient="row", schema={
        "contract": pl.String, "service_level": pl.String, "priority": pl.String, "first_month": pl.String,
        "end_month": pl.String, "target_seconds": pl.Int64})


def coverage(policy: Policy) -> pl.DataFrame:
    """One row per client and priority that gets a clock in some version: client, contract, priority."""
    rows = {(client, terms.key, priority) for terms, level, _, _ in levels(policy)
            for client in terms.clients for priority in level.targets}
    return pl.DataFrame(sorted(rows), orient="row",
                        schema={"client": pl.String, "contract": pl.String, "priority": pl.String})


def ticket_levels(policy: Policy) -> pl.DataFrame:
    """One row per contract, service level on ticket outcomes (docs/semantics.md §9) and version:
    first_month, end_month, metric, satisfied_at_least (Float64; null but on satisfaction levels)."""
    rows = [(terms.key, level.name, first, end, level.metric,
             None if level.satisfied_at_least is None else float(level.satisfied_at_least))
            for terms, level, first, end in levels(policy) if level.measure == "ticket"]
    return pl.DataFrame(rows, orient="row", schema={
        "contract": pl.String, "service_level": pl.String, "first_month": pl.String, "end_month": pl.String,
        "metric": pl.String, "satisfied_at_least": pl.Float64})
