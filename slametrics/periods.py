"""Longer periods (SLA_SPEC §10): quarters and years, pooled from the months they hold.

A clock's period is the local month of its ticket's creation (``2026-08``). A quarter (``2026-Q3``)
or a year (``2026``) is made of those months: compliance over it **pools the counts** of its months
(never an average of monthly shares), and credits, which contracts bill monthly, are the sums of the
months' rounded amounts.
"""
from __future__ import annotations

import polars as pl

from slametrics.compliance import counts, judged, summed
from slametrics.credits import Credits
from slametrics.errors import DataError
from slametrics.policy import Policy

GRAINS = ("month", "quarter", "year")


def check_grain(grain: str) -> str:
    if grain not in GRAINS:
        raise DataError(f"--period: {grain!r} is not a period length; allowed: {', '.join(GRAINS)}")
    return grain


def of_month(month: pl.Expr, grain: str) -> pl.Expr:
    """The period of ``grain`` holding each month ('2026-08'): '2026-08', '2026-Q3' or '2026'."""
    text = month.cast(pl.String)
    if grain == "month":
        return text
    if grain == "year":
        return text.str.slice(0, 4)
    quarter = (text.str.slice(5, 2).cast(pl.Int32) + 2) // 3
    return pl.concat_str(text.str.slice(0, 4), pl.lit("-Q"), quarter.cast(pl.String))


def quarter_of(month: str) -> str:
    """'2026-08' -> '2026-Q3'."""
    return f"{month[:4]}-Q{(int(month[5:7]) + 2) // 3}"


def months_of(period: str) -> list[str]:
    """The months a period holds: '2026-Q3' -> ['2026-07', '2026-08', '2026-09']; '2026' -> its twelve;
    '2026-08' -> itself. Raises ``DataError`` where ``period`` is none of these."""
    import re

    if re.fullmatch(r"\d{4}-(0[1-9]|1[0-2])", period):
        return [period]
    if re.fullmatch(r"\d{4}-Q[1-4]", period):
        first = 3 * int(period[-1]) - 2
        return [f"{period[:4]}-{m:02d}" for m in range(first, first + 3)]
    if re.fullmatch(r"\d{4}", period):
        return [f"{period}-{m:02d}" for m in range(1, 13)]
    raise DataError(f"--period: {period[:20]!r} is not a period: write a quarter as 2026-Q3, a month as 2026-07, "
                    "a year as 2026")


def previous(period: str) -> str:
    """The period of the same length before: '2026-Q1' -> '2025-Q4'; '2026-01' -> '2025-12'; '2026' -> '2025'."""
    months_of(period)
    if len(period) == 4:
        return str(int(period) - 1)
    year, rest = int(period[:4]), period[5:]
    if rest.startswith("Q"):
        q = int(rest[1])
        return f"{year - 1}-Q4" if q == 1 else f"{year}-Q{q - 1}"
    m = int(rest)
    return f"{year - 1}-12" if m == 1 else f"{year}-{m - 1:02d}"


def compliance_over(clocks: pl.DataFrame, policy: Policy, grain: str = "month",
                    by: list[str] | tuple[str, ...] = ()) -> pl.DataFrame:
    """``compliance`` per period of ``grain``: the counts of the months it holds, pooled (SLA_SPEC §10).

    >>> # Jul 9 met of 10, Aug 1 of 1, Sep 80 of 100 -> Q3 90 met of 111 = 0.810811 (not the mean 0.9)
    """
    return compliance_of_counts(counts(clocks, by), policy, grain, by)


def compliance_of_counts(monthly: pl.DataFrame, policy: Policy, grain: str = "month",
                         by: list[str] | tuple[str, ...] = ()) -> pl.DataFrame:
    """``compliance_over`` from monthly ``compliance.counts`` (summed over parts computed apart, if any)."""
    check_grain(grain)
    if grain == "month":
        return judged(monthly, policy, by)
    longer = of_month(pl.col("period"), grain)
    # judged by the terms of the last month of the period that has clocks of the level (docs/semantics.md §10)
    last = monthly.group_by(period=longer, contract=pl.col("contract"), service_level=pl.col("service_level")).agg(
        month=pl.col("period").max())
    return judged(summed(monthly.with_columns(period=longer)), policy, by, judged_in=last)


def credits_over(monthly: Credits, grain: str = "month") -> Credits:
    """``credits`` of months summed per period of ``grain`` (SLA_SPEC §10): ``credit_amount`` and
    ``bonus_amount`` are the sums of the months' rounded amounts (a level's over the months that have a
    row for it; a contract's over its months), ``assessed`` the sum on level rows; rates, shares and
    ``claim_by`` are empty; ``provisional`` where any month is, ``capped`` where any month's cap bit."""
    check_grain(grain)
    if grain == "month":
        return monthly

    def summed(frame: pl.DataFrame, keys: list[str]) -> pl.DataFrame:
        flags = [c for c in ("provisional", "capped", "bonus_capped") if c in frame.columns]
        out = (frame.with_columns(period=of_month(pl.col("period"), grain)).group_by(keys, maintain_order=True)
               .agg(*[pl.col(c).sum() for c in ("assessed", "met", "breached") if c in frame.columns],
                    *[pl.col(c).round(2).sum().round(2) for c in ("credit_amount", "bonus_amount")],
                    pl.col("currency").first(), *[pl.col(c).any() for c in flags]))
        blank = {c: pl.lit(None, dtype) for c, dtype in frame.schema.items() if c not in out.columns}
        return out.with_columns(**blank).select(frame.columns).sort(keys)

    return Credits(summed(monthly.levels, ["period", "contract", "service_level"]),
                   summed(monthly.months, ["period", "contract"]))
