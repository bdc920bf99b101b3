"""Service credits (SLA_SPEC §5): tiers per service level, summed and capped per contract and month.

Rates are exact decimals (the policy's shares as written); a tier pays where its ``below`` is
greater than compliance, compared as integers (``below_num * assessed > met * below_den``). The
month's amount is ``rate * monthly_fee`` rounded half up to cents. The work is over one row per
period, contract and service level, so plain Python with ``Decimal`` is the clearest tool.
"""
from __future__ import annotations

from collections.abc import Iterator
from decimal import ROUND_HALF_UP, Decimal

import polars as pl

from slametrics.policy import Contract, Policy, ServiceLevel

CENT = Decimal("0.01")
CREDIT_SCHEMA = {"period": pl.String, "contract": pl.String, "service_level": pl.String, "assessed": pl.Int64,
                 "compliance": pl.Float64, "objective": pl.Float64, "credit_rate": pl.Float64,
                 "credit_amount": pl.Float64, "currency": pl.String, "provisional": pl.Boolean,
                 "met": pl.Int64, "credit_rate_exact": pl.String}
#: the columns of ``python -m slametrics credits`` (SLA_SPEC §6)
CREDIT_COLUMNS = [c for c in CREDIT_SCHEMA if c not in ("met", "credit_rate_exact")]


def level_rate(level: ServiceLevel, met: int, assessed: int, status: str) -> Decimal:
    """The largest credit among tiers whose ``below`` exceeds compliance; 0 when insufficient."""
    if status == "insufficient" or assessed == 0:
        return Decimal(0)
    rates = [t.credit for t in level.credits
             if t.below.as_integer_ratio()[0] * assessed > met * t.below.as_integer_ratio()[1]]
    return max(rates, default=Decimal(0))


def level_rates(compliance_frame: pl.DataFrame, policy: Policy) -> Iterator[tuple[dict, Contract, ServiceLevel, Decimal]]:
    """(compliance row, contract, service level, credit rate) for each row whose level has credits, in order."""
    for r in compliance_frame.sort(["period", "contract", "service_level"]).iter_rows(named=True):
        contract = policy.contracts[r["contract"]].in_force(r["period"])  # the month's terms (docs/semantics.md §7)
        level = contract.service_levels[r["service_level"]]
        if level.credits:
            yield r, contract, level, level_rate(level, r["met"], r["assessed"], r["status"])


def credits(compliance_frame: pl.DataFrame, policy: Policy) -> pl.DataFrame:
    """Credit rows per period, contract and service level with credits, then a TOTAL row per period and contract.

    ``compliance_frame`` is ``compliance(clocks, policy)`` without a breakdown.
    """
    rows: list[tuple] = []
    totals: dict[tuple[str, str], list] = {}
    for r, contract, _, rate in level_rates(compliance_frame, policy):
        rows.append((r["period"], r["contract"], r["service_level"], r["assessed"], r["compliance"], r["objective"],
                     float(rate), None, contract.currency, r["provisional"], r["met"], str(rate)))
        total = totals.setdefault((r["period"], r["contract"]), [Decimal(0), False])
        total[0] += rate
        total[1] = total[1] or r["provisional"]
    for (period, key), (rate_sum, provisional) in totals.items():
        contract = policy.contracts[key].in_force(period)
        rate = min(rate_sum, contract.credit_cap)
        amount = (rate * (contract.monthly_fee or Decimal(0))).quantize(CENT, rounding=ROUND_HALF_UP)
        rows.append((period, key, "TOTAL", None, None, None, float(rate), float(amount), contract.currency, provisional,
                     None, str(rate)))
    return pl.DataFrame(rows, schema=CREDIT_SCHEMA, orient="row").sort(
        ["period", "contract", pl.col("service_level") == "TOTAL", "service_level"])
