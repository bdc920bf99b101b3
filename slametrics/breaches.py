"""Where, when and by how much clocks breach, and which running clocks are about to.

All functions take clocks from ``evaluate_clocks`` (or ``whatif.retarget``) and work on whole columns.
"""
from __future__ import annotations

import polars as pl

from slametrics.clock import as_text
from slametrics.compliance import check_by
from slametrics.policy import Policy
from slametrics.trends import local_created

HOUR = 3600
#: overrun bands: (label, lower bound exclusive in seconds); the last band is open-ended
OVERRUN_BANDS: tuple[tuple[str, int], ...] = (
    ("up to 15 min", 0), ("15 min to 1 h", 15 * 60), ("1 to 4 h", HOUR), ("4 to 8 h", 4 * HOUR),
    ("8 to 24 h", 8 * HOUR), ("over 24 h", 24 * HOUR),
)
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
NOT_SET = "(not set)"


CLOCKS = pl.col("measure") == "clock"  # the rows with a business-time clock (docs/semantics.md §9)


def breached(clocks: pl.DataFrame) -> pl.DataFrame:
    """The breached rows, clocks by overrun (largest first), then the ticket outcomes that missed (not
    resolved on first contact, reopened, rated below the bar), which have no overrun."""
    return clocks.filter(pl.col("outcome") == "breached").sort("overrun_seconds", descending=True, nulls_last=True)


def missed_because() -> pl.Expr:
    """Why a breached row missed, in words: a clock past its target; a ticket answered before it was
    resolved, or reopened; a rating below the bar (docs/semantics.md §9)."""
    metric = pl.col("metric").cast(pl.String)
    reopened = pl.col("reopened").fill_null(0)
    reopens = pl.when(reopened == 1).then(pl.lit("reopened once")).otherwise(
        pl.format("reopened {} times", reopened.cast(pl.String)))
    rating = pl.col("csat").cast(pl.String).str.replace(r"\.0$", "")
    return (pl.when(pl.col("measure") == "clock").then(pl.lit("past its target"))
            .when(metric == "satisfaction").then(pl.format("rated {} of 5", rating))
            .when(metric == "not_reopened").then(reopens)
            .when(reopened > 0).then(reopens)
            .otherwise(pl.lit("answered before it was resolved")))


def overrun_bands(clocks: pl.DataFrame) -> pl.DataFrame:
    """How late breaches were: breached clocks per priority and overrun band (business time); ticket
    outcomes have no overrun and are left out.

    Columns: priority, band (a label of ``OVERRUN_BANDS``), band_order, breaches. Only bands with breaches.

    >>> # overrun 600 s -> 'up to 15 min'; 3600 s -> '15 min to 1 h'; 3601 s -> '1 to 4 h'
    """
    band, order = pl.lit(OVERRUN_BANDS[0][0]), pl.lit(0)
    for i, (label, lower) in enumerate(OVERRUN_BANDS[1:], start=1):
        band = pl.when(pl.col("overrun_seconds") > lower).then(pl.lit(label)).otherwise(band)
        order = pl.when(pl.col("overrun_seconds") > lower).then(pl.lit(i)).otherwise(order)
    return (
        as_text(breached(clocks.filter(CLOCKS)).group_by("priority", band=band, band_order=order)
                .agg(breaches=pl.len().cast(pl.Int64)))
        .sort("priority", "band_order")
    )


PARETO_TOP = 15  # bars a Pareto shows; the rest become one bar of "all others"


def _value_of(column: str) -> pl.Expr:
    """A breakdown column's value as a Pareto bar names it (as text before filling: a fill with a value that
    is not one of an Enum's categories is ignored)."""
    return pl.col(column).cast(pl.String).fill_null(NOT_SET)


def pareto(clocks: pl.DataFrame, by: str, top: int | None = PARETO_TOP) -> pl.DataFrame:
    """Breaches per value of ``by`` (a breakdown column), most first, with share and cumulative share;
    beyond ``top`` values, the rest as one row "all others (N)".

    Columns: <by> (nulls shown as '(not set)'), breaches, share, cumulative_share (0..1), members (the
    values a row stands for: one, or the others').
    """
    (column,) = check_by([by])
    full = (
        breached(clocks).group_by(_value_of(column)).agg(breaches=pl.len().cast(pl.Int64))
        .sort(["breaches", column], descending=[True, False])
        .with_columns(members=pl.concat_list(pl.col(column)))
    )
    if top is not None and full.height > top + 1:
        rest = full.slice(top)
        others = pl.DataFrame({column: [f"all others ({rest.height})"], "breaches": [int(rest["breaches"].sum())],
                               "members": [rest[column].to_list()]}, schema=full.schema)
        full = pl.concat([full.head(top), others])
    return (full.with_columns(share=pl.col("breaches") / pl.col("breaches").sum())
            .with_columns(cumulative_share=pl.col("share").cum_sum())
            .select(column, "breaches", "share", "cumulative_share", "members"))


def pareto_clocks(clocks: pl.DataFrame, by: str, members: list[str]) -> pl.DataFrame:
    """The breached clocks behind one Pareto bar (its ``members``)."""
    (column,) = check_by([by])
    return breached(clocks).filter(_value_of(column).is_in(members))


def _cells(clocks: pl.DataFrame, policy: Policy) -> list[pl.Expr]:
    local = local_created(clocks, policy)
    return [(local.dt.weekday() - 1).cast(pl.Int64).alias("weekday"), local.dt.hour().cast(pl.Int64).alias("hour")]


def creation_heatmap(clocks: pl.DataFrame, policy: Policy) -> pl.DataFrame:
    """Breaches by weekday and hour of creation in the contract calendar's local time, every cell present.

    Columns: weekday (0 = Monday), weekday_name, hour (0..23), breaches.
    """
    late = breached(clocks)
    found = late.select(_cells(late, policy)).group_by("weekday", "hour").agg(breaches=pl.len().cast(pl.Int64))
    grid = pl.DataFrame({"weekday": list(range(7))}).join(pl.DataFrame({"hour": list(range(24))}), how="cross")
    return (
        grid.join(found, on=["weekday", "hour"], how="left")
        .with_columns(pl.col("breaches").fill_null(0),
                      weekday_name=pl.col("weekday").replace_strict(dict(enumerate(WEEKDAYS)), return_dtype=pl.String))
        .select("weekday", "weekday_name", "hour", "breaches")
        .sort("weekday", "hour")
    )


def heatmap_clocks(clocks: pl.DataFrame, policy: Policy, weekday: int, hour: int) -> pl.DataFrame:
    """The breached clocks behind one heatmap cell: opened on ``weekday`` (0 = Monday) at ``hour``, local time."""
    late = breached(clocks)
    weekday_of, hour_of = _cells(late, policy)
    return late.filter((weekday_of == weekday) & (hour_of == hour))
