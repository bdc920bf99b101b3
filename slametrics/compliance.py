"""Compliance (SLA_SPEC §4): met, breached and pending clocks per period, contract and service level.

Comparisons with a share are exact integer arithmetic: ``met * den >= num * assessed`` where the
objective is ``num/den`` as written in the policy, so 19 met of 20 is 0.95 and meets 0.95.
"""
from __future__ import annotations

from decimal import Decimal

import polars as pl

from slametrics.clock import as_text
from slametrics.errors import DataError
from slametrics.policy import Policy

KEYS = ["period", "contract", "service_level"]
#: columns a compliance breakdown may use (``--by``); anything else is refused
BY_COLUMNS = ("priority", "client", "team", "category", "agent", "channel", "metric")


def share_parts(value: Decimal) -> tuple[int, int]:
    """0.95 -> (95, 100): the exact fraction of a decimal share."""
    num, den = value.as_integer_ratio()
    return num, den


def objectives(policy: Policy) -> pl.DataFrame:
    """One row per contract and service level: objective (Float64 and exact parts), min_tickets."""
    rows = []
    for contract in policy.contracts.values():
        for level in contract.service_levels.values():
            num, den = share_parts(level.objective)
            rows.append((contract.key, level.name, float(level.objective), num, den, contract.min_tickets))
    return pl.DataFrame(rows, orient="row", schema={
        "contract": pl.String, "service_level": pl.String, "objective": pl.Float64,
        "obj_num": pl.Int64, "obj_den": pl.Int64, "min_tickets": pl.Int64})


def check_by(by: list[str] | tuple[str, ...]) -> list[str]:
    """Validate breakdown columns against the allow-list."""
    bad = [c for c in by if c not in BY_COLUMNS]
    if bad:
        raise DataError(f"--by: unknown column {', '.join(repr(c) for c in bad)}; allowed: {', '.join(BY_COLUMNS)}")
    return list(dict.fromkeys(by))


def compliance(clocks: pl.DataFrame, policy: Policy, by: list[str] | tuple[str, ...] = ()) -> pl.DataFrame:
    """One row per period, contract, service level (and ``by`` columns) that has clocks.

    >>> # 19 met, 1 breached, objective 0.95 -> compliance 0.95, status 'meets'
    """
    by = check_by(by)
    keys = KEYS + [c for c in by if c not in KEYS]
    counts = clocks.group_by(keys).agg(
        met=(pl.col("outcome") == "met").sum().cast(pl.Int64),
        breached=(pl.col("outcome") == "breached").sum().cast(pl.Int64),
        pending=(pl.col("outcome") == "pending").sum().cast(pl.Int64),
    )
    return finish(as_text(counts), policy, keys)


def finish(counts: pl.DataFrame, policy: Policy, keys: list[str]) -> pl.DataFrame:
    """From met/breached/pending counts to compliance, status and provisional (shared with what-if)."""
    assessed = pl.col("met") + pl.col("breached")
    return (
        counts.join(objectives(policy), on=["contract", "service_level"], how="left")
        .with_columns(assessed=assessed)
        .with_columns(
            compliance=pl.when(pl.col("assessed") > 0).then(pl.col("met") / pl.col("assessed")),
            status=pl.when((pl.col("assessed") == 0) | (pl.col("assessed") < pl.col("min_tickets"))).then(pl.lit("insufficient"))
            .when(pl.col("met") * pl.col("obj_den") >= pl.col("obj_num") * pl.col("assessed")).then(pl.lit("meets"))
            .otherwise(pl.lit("misses")),
            provisional=pl.col("pending") > 0,
        )
        .select(*keys, "met", "breached", "pending", "assessed", "compliance", "objective", "status", "provisional")
        .sort(keys)
    )
