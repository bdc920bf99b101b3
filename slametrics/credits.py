"""Service credits and bonuses (docs/semantics.md §5, §8): what each month owes and earns, per service
level and per contract.

Each way of owing or earning is one evaluator over a level's month (its compliance row and the terms in
force in that month): ``tier_rate`` (the largest credit tier whose ``below`` exceeds compliance),
``per_breach`` (an amount per breached clock) and ``bonus_rate`` (the largest bonus tier whose
``at_least`` compliance reaches). Shares compare as exact integers (``below_num * assessed > met *
below_den``); amounts stay ``Decimal`` until they are written: a level's credit is ``rate * fee +
per_breach * breached`` rounded half up to cents, the contract's month (``TOTAL``) the sum of its
levels' unrounded amounts capped at ``credit_cap * fee``, then rounded (bonuses likewise under
``bonus_cap``); levels and months are two frames of ``Credits``. The work is over one row per period, contract and service level, so plain Python with
``Decimal`` is the clearest tool.
"""
from __future__ import annotations

import calendar as calendar_lib
import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

import polars as pl

from slametrics.policy import Contract, Policy, ServiceLevel

CENT = Decimal("0.01")
LEVEL_SCHEMA = {"period": pl.String, "contract": pl.String, "service_level": pl.String, "assessed": pl.Int64,
                "compliance": pl.Float64, "objective": pl.Float64, "credit_rate": pl.Float64,
                "credit_amount": pl.Float64, "bonus_rate": pl.Float64, "bonus_amount": pl.Float64,
                "currency": pl.String, "provisional": pl.Boolean, "met": pl.Int64, "breached": pl.Int64,
                "credit_rate_exact": pl.String, "bonus_rate_exact": pl.String}
MONTH_SCHEMA = {"period": pl.String, "contract": pl.String, "credit_rate": pl.Float64, "credit_amount": pl.Float64,
                "bonus_rate": pl.Float64, "bonus_amount": pl.Float64, "currency": pl.String, "claim_by": pl.String,
                "provisional": pl.Boolean, "credit_rate_exact": pl.String, "bonus_rate_exact": pl.String,
                "capped": pl.Boolean, "bonus_capped": pl.Boolean}
#: the columns of ``python -m slametrics credits`` (docs/semantics.md §6)
CREDIT_COLUMNS = ["period", "contract", "service_level", "assessed", "compliance", "objective", "credit_rate",
                  "credit_amount", "bonus_rate", "bonus_amount", "currency", "claim_by", "provisional"]
#: the service level of a contract's month in ``Credits.table`` (docs/semantics.md §6); no level may be named so
TOTAL = "TOTAL"


@dataclass(frozen=True, eq=False)
class Credits:
    """What each month owes and earns. ``levels``: one row per period, contract and service level that
    owes or earns (``LEVEL_SCHEMA``); ``months``: one row per period and contract with such a level, the
    levels' sums under the caps (``MONTH_SCHEMA``: ``capped`` and ``bonus_capped`` where a cap cut them,
    ``claim_by`` the claim deadline). The two never share a frame inside the engine, so no service level
    can be mistaken for a month; ``table`` lays them out as the command line writes them."""

    levels: pl.DataFrame
    months: pl.DataFrame

    def table(self) -> pl.DataFrame:
        """The rows of ``python -m slametrics credits`` (docs/semantics.md §6): each period and contract's
        service levels, then its ``TOTAL`` row; the columns of ``CREDIT_COLUMNS`` and the exact shares."""
        extra = ["met", "breached", "credit_rate_exact", "bonus_rate_exact"]
        levels = self.levels.with_columns(claim_by=pl.lit(None, pl.String), total=pl.lit(False))
        months = self.months.with_columns(
            service_level=pl.lit(TOTAL), assessed=pl.lit(None, pl.Int64), compliance=pl.lit(None, pl.Float64),
            objective=pl.lit(None, pl.Float64), met=pl.lit(None, pl.Int64), breached=pl.lit(None, pl.Int64),
            total=pl.lit(True))
        return (pl.concat([frame.select(*CREDIT_COLUMNS, *extra, "total") for frame in (levels, months)])
                .sort(["period", "contract", "total", "service_level"]).drop("total"))


def _below(share: Decimal, met: int, assessed: int) -> bool:
    """Whether compliance ``met / assessed`` is below ``share`` (exact)."""
    num, den = share.as_integer_ratio()
    return num * assessed > met * den


def level_rate(level: ServiceLevel, met: int, assessed: int, status: str) -> Decimal:
    """The largest credit among tiers whose ``below`` exceeds compliance; 0 when insufficient."""
    if status == "insufficient" or assessed == 0:
        return Decimal(0)
    return max((t.credit for t in level.credits if _below(t.below, met, assessed)), default=Decimal(0))


def bonus_rate(level: ServiceLevel, met: int, assessed: int, status: str) -> Decimal:
    """The largest bonus among tiers whose ``at_least`` compliance reaches (exact); 0 when insufficient."""
    if status == "insufficient" or assessed == 0:
        return Decimal(0)
    return max((t.bonus for t in level.bonus if not _below(t.at_least, met, assessed)), default=Decimal(0))


def per_breach(level: ServiceLevel, breached: int, status: str) -> Decimal:
    """The per-breach amount owed: ``per_breach * breached``; 0 when insufficient or not set."""
    if status == "insufficient" or level.per_breach is None:
        return Decimal(0)
    return level.per_breach * breached


def level_rates(compliance_frame: pl.DataFrame, policy: Policy) -> Iterator[tuple[dict, Contract, ServiceLevel, Decimal]]:
    """(compliance row, the month's terms, service level, tier credit rate) for each row whose level
    owes or earns (tiers, a per-breach amount or bonuses), in order."""
    for r in compliance_frame.sort(["period", "contract", "service_level"]).iter_rows(named=True):
        contract = policy.contracts[r["contract"]].in_force(r["period"])  # the month's terms (docs/semantics.md §7)
        level = contract.service_levels[r["service_level"]]
        if level.settles:
            yield r, contract, level, level_rate(level, r["met"], r["assessed"], r["status"])


def claim_by(period: str, contract: Contract) -> str | None:
    """The last local date a claim for ``period``'s credit is accepted: its last day plus the contract's
    ``claim_within_days`` (docs/semantics.md §8); None without ``payment`` or for a longer period."""
    if contract.payment is None or len(period) != 7 or period[5] == "Q":
        return None
    year, month = int(period[:4]), int(period[5:7])
    last = dt.date(year, month, calendar_lib.monthrange(year, month)[1])
    return (last + dt.timedelta(days=contract.payment.claim_within_days)).isoformat()


def _cents(amount: Decimal) -> Decimal:
    return amount.quantize(CENT, rounding=ROUND_HALF_UP)


def credits(compliance_frame: pl.DataFrame, policy: Policy) -> Credits:
    """What each month owes and earns under ``policy`` (docs/semantics.md §5, §8), from
    ``compliance(clocks, policy)`` without a breakdown: its levels' rows, and its contracts' months."""
    rows: list[tuple] = []
    totals: dict[tuple[str, str], list] = {}
    for r, contract, level, rate in level_rates(compliance_frame, policy):
        fee = contract.monthly_fee or Decimal(0)
        owed = rate * fee + per_breach(level, r["breached"], r["status"])
        bonus = bonus_rate(level, r["met"], r["assessed"], r["status"])
        earned = bonus * fee
        rows.append((r["period"], r["contract"], r["service_level"], r["assessed"], r["compliance"], r["objective"],
                     float(rate), float(_cents(owed)), float(bonus), float(_cents(earned)), contract.currency,
                     r["provisional"], r["met"], r["breached"], str(rate), str(bonus)))
        total = totals.setdefault((r["period"], r["contract"]), [Decimal(0), Decimal(0), False])
        total[0] += owed
        total[1] += earned
        total[2] = total[2] or r["provisional"]
    months = []
    for (period, key), (owed, earned, provisional) in totals.items():
        contract = policy.contracts[key].in_force(period)
        fee = contract.monthly_fee or Decimal(0)
        credit = min(owed, contract.credit_cap * fee)
        bonus = min(earned, contract.bonus_cap * fee)
        credit_rate = credit / fee if fee else Decimal(0)
        bonus_rate_ = bonus / fee if fee else Decimal(0)
        months.append((period, key, float(credit_rate), float(_cents(credit)), float(bonus_rate_), float(_cents(bonus)),
                       contract.currency, claim_by(period, contract), provisional, _exact(credit, fee),
                       _exact(bonus, fee), owed > credit, earned > bonus))
    return Credits(pl.DataFrame(rows, schema=LEVEL_SCHEMA, orient="row").sort("period", "contract", "service_level"),
                   pl.DataFrame(months, schema=MONTH_SCHEMA, orient="row").sort("period", "contract"))


def _exact(amount: Decimal, fee: Decimal) -> str:
    """``amount / fee`` as an exact fraction's text ('3/200'), for the command line's exact shares."""
    from fractions import Fraction

    return str(Fraction(amount) / Fraction(fee)) if fee else "0"
