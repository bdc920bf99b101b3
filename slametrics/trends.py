"""Figures over time: weekly periods, business-time percentiles, and ticket volume with backlog.

Everything works on whole columns: clocks from ``evaluate_clocks`` (polars) or the stored tickets
(``sql/ticket_volume.sql``). Periods are the contract calendar's local months (``YYYY-MM``, as
``evaluate_clocks`` makes them) or weeks, named by their local Monday (``YYYY-MM-DD``).
"""
from __future__ import annotations

import datetime as dt
from typing import Literal, Mapping, Sequence

import duckdb
import polars as pl

from slametrics.clock import as_text
from slametrics.errors import DataError
from slametrics.policy import Policy
from slametrics.scope import Scope
from slametrics.sql import statement

Grain = Literal["month", "week"]
GRAINS: tuple[str, ...] = ("month", "week")
#: ticket columns the volume may be narrowed by (the dashboard's filters)
FILTER_COLUMNS = ("priority", "team", "category", "channel")
_FILTER_PARAMS = {"priority": "priorities", "team": "teams", "category": "categories", "channel": "channels"}


def contract_zone(policy: Policy, contract: str) -> str:
    """The time zone of a contract's calendar: the one its periods are counted in."""
    return policy.calendars[policy.contracts[contract].calendar].timezone


def local_created(clocks: pl.DataFrame, policy: Policy) -> pl.Expr:
    """``created_at`` as naive local time of each clock's contract calendar (one expression, per contract)."""
    expr = pl.lit(None, pl.Datetime("us"))
    for key in clocks["contract"].unique().sort().to_list() if clocks.height else []:
        local = pl.col("created_at").dt.convert_time_zone(contract_zone(policy, key)).dt.replace_time_zone(None)
        expr = pl.when(pl.col("contract") == key).then(local).otherwise(expr)
    return expr


def weekly(clocks: pl.DataFrame, policy: Policy) -> pl.DataFrame:
    """The clocks with ``period`` set to the local Monday of creation, so ``compliance`` gives weeks.

    >>> # created Wed 2026-03-04 10:00 Berlin -> period '2026-03-02'
    """
    return clocks.with_columns(period=local_created(clocks, policy).dt.truncate("1w").dt.strftime("%Y-%m-%d"))


def durations(clocks: pl.DataFrame, by: Sequence[str] = ("priority",)) -> pl.DataFrame:
    """Median and 90th percentile of business time per period, contract, metric (and ``by``), stopped clocks only.

    Columns: period, contract, metric, *by, clocks, median_seconds, p90_seconds (linear interpolation).
    A running clock has no final time yet, so it is left out; ticket outcomes have no time at all.
    """
    keys = ["period", "contract", "metric", *[c for c in by if c not in ("period", "contract", "metric")]]
    return as_text(
        clocks.filter(~pl.col("running") & (pl.col("measure") == "clock"))
        .group_by(keys)
        .agg(clocks=pl.len().cast(pl.Int64),
             median_seconds=pl.col("elapsed_seconds").median(),
             p90_seconds=pl.col("elapsed_seconds").quantile(0.9, interpolation="linear"))
    ).sort(keys)


def volume(con: duckdb.DuckDBPyConnection, policy: Policy, contract: str, as_of: dt.datetime,
           grain: str = "month", filters: Mapping[str, Sequence[str] | None] | None = None, *,
           scope: Scope) -> pl.DataFrame:
    """Tickets created and resolved per period for a contract's clients, the open backlog at each period's end, ratings.

    Columns: period, created, resolved, backlog, rated, csat (average 1..5, null where nobody rated).
    ``filters`` narrows by priority, team, category, channel (a list of values; None or empty = all).
    Data after ``as_of`` is ignored, as for clocks. The backlog counts every ticket created and not
    resolved by the period's end, so it is right for any period range picked from the result.
    """
    scope.require(contract)
    if grain not in GRAINS:
        raise DataError(f"grain: {grain!r} is not one of {', '.join(GRAINS)}")
    filters = filters or {}
    unknown = [k for k in filters if k not in FILTER_COLUMNS]
    if unknown:
        raise DataError(f"filters: unknown column {', '.join(unknown)}; allowed: {', '.join(FILTER_COLUMNS)}")
    params = {
        "clients": list(policy.contracts[contract].clients), "tz": contract_zone(policy, contract),
        "grain": grain, "as_of": int(as_of.timestamp()),
        **{param: list(filters.get(name) or []) or None for name, param in _FILTER_PARAMS.items()},
    }
    cur = con.cursor()
    try:
        frame = cur.sql(statement("ticket_volume"), params=params).pl()
    finally:
        cur.close()
    fmt = "%Y-%m" if grain == "month" else "%Y-%m-%d"
    return frame.select(
        period=pl.col("period_start").dt.strftime(fmt),
        created=pl.col("created").cast(pl.Int64),
        resolved=pl.col("resolved").cast(pl.Int64),
        backlog=(pl.col("created").cum_sum() - pl.col("resolved").cum_sum()).cast(pl.Int64),
        rated=pl.col("rated").cast(pl.Int64),
        csat=pl.col("csat"),
    )


def volume_over(monthly: pl.DataFrame, grain: str) -> pl.DataFrame:
    """``volume`` by month gathered into quarters or years (``slametrics.periods``): created, resolved and
    rated summed, the backlog that of the period's last month, csat the rated tickets' average."""
    from slametrics.periods import check_grain, of_month

    if check_grain(grain) == "month":
        return monthly
    return (
        monthly.sort("period").with_columns(_weighted=pl.col("csat").fill_null(0) * pl.col("rated"))
        .group_by(period=of_month(pl.col("period"), grain), maintain_order=True)
        .agg(pl.col("created").sum(), pl.col("resolved").sum(), pl.col("backlog").last(), pl.col("rated").sum(),
             pl.col("_weighted").sum())
        .with_columns(csat=pl.when(pl.col("rated") > 0).then(pl.col("_weighted") / pl.col("rated")))
        .select("period", "created", "resolved", "backlog", "rated", "csat")
    )
