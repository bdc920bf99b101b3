"""Compliance (SLA_SPEC §4): met, breached and pending clocks per period, contract and service level.

Comparisons with a share are exact integer arithmetic: ``met * den >= num * assessed`` where the
objective is ``num/den`` as written in the policy, so 19 met of 20 is 0.95 and meets 0.95.
"""
from __future__ import annotations

from decimal import Decimal

import polars as pl

from slametrics.clock import as_text
from slametrics.errors import DataError
from slametrics.policy import Policy, tables

KEYS = ["period", "contract", "service_level"]
#: columns a compliance breakdown may use (``--by``); anything else is refused
BY_COLUMNS = ("priority", "client", "team", "category", "agent", "channel", "metric")


def share_parts(value: Decimal) -> tuple[int, int]:
    """0.95 -> (95, 100): the exact fraction of a decimal share."""
    num, den = value.as_integer_ratio()
    return num, den


def objectives(policy: Policy) -> pl.DataFrame:
    """One row per contract, service level and version of the terms: the months it holds (first_month,
    end_month), objective (Float64 and exact parts), min_tickets (``slametrics.policy.tables``)."""
    return tables.objectives(policy)


def check_by(by: list[str] | tuple[str, ...]) -> list[str]:
    """Validate breakdown columns against the allow-list."""
    bad = [c for c in by if c not in BY_COLUMNS]
    if bad:
        raise DataError(f"--by: unknown column {', '.join(repr(c) for c in bad)}; allowed: {', '.join(BY_COLUMNS)}")
    return list(dict.fromkeys(by))


def compliance(clocks: pl.DataFrame, policy: Policy, by: list[str] | tuple[str, ...] = (),
               judged_in: pl.DataFrame | None = None) -> pl.DataFrame:
    """One row per period, contract, service level (and ``by`` columns) that has clocks, judged against
    the objective of the terms in force in its period (docs/semantics.md §7). ``judged_in`` (period,
    contract, service_level, month) names another month whose terms judge a row: a longer period's
    (``slametrics.periods``).

    >>> # 19 met, 1 breached, objective 0.95 -> compliance 0.95, status 'meets'
    """
    by = check_by(by)
    return judged(counts(clocks, by), policy, by, judged_in)


def counts(clocks: pl.DataFrame, by: list[str] | tuple[str, ...] = ()) -> pl.DataFrame:
    """met, breached and pending clocks per period, contract, service level (and ``by`` columns), keys as
    text: what ``judged`` turns into compliance. Counts of disjoint sets of clocks add up (the parts of a
    history computed apart, ``slametrics.partitioned``): ``judged(summed(parts))`` is the whole's."""
    keys = KEYS + [c for c in check_by(by) if c not in KEYS]
    return as_text(clocks.group_by(keys).agg(
        met=(pl.col("outcome") == "met").sum().cast(pl.Int64),
        breached=(pl.col("outcome") == "breached").sum().cast(pl.Int64),
        pending=(pl.col("outcome") == "pending").sum().cast(pl.Int64),
    ))


def summed(parts: pl.DataFrame) -> pl.DataFrame:
    """Counts of several parts (stacked ``counts`` frames) added per key: integers, so exact."""
    keys = [c for c in parts.columns if c not in ("met", "breached", "pending")]
    return parts.group_by(keys).agg(pl.col("met", "breached", "pending").sum())


def judged(counts: pl.DataFrame, policy: Policy, by: list[str] | tuple[str, ...] = (),
           judged_in: pl.DataFrame | None = None) -> pl.DataFrame:
    """``compliance`` from ``counts`` (see there)."""
    keys = KEYS + [c for c in check_by(by) if c not in KEYS]
    if judged_in is not None:
        counts = counts.join(as_text(judged_in), on=KEYS, how="left")
    return finish(counts, policy, keys)


def finish(counts: pl.DataFrame, policy: Policy, keys: list[str]) -> pl.DataFrame:
    """From met/breached/pending counts to compliance, status and provisional (shared with what-if): each
    row against the version of the terms in force in its ``month`` column, or else its period."""
    assessed = pl.col("met") + pl.col("breached")
    month = pl.col("month") if "month" in counts.columns else pl.col("period")
    versions = objectives(policy)
    return (
        counts.join(versions, on=["contract", "service_level"], how="left")
        .filter(tables.in_window(month, pl.col("first_month"), pl.col("end_month")) | pl.col("objective").is_null())
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
