"""How each month's service credit comes about: which tiers paid, where the cap and the minimum volume bit.

``credits`` (SLA_SPEC §5) gives the figures; this module explains them on the same rows, so a
statement can show "capped at 10 %" or "no credit: 8 tickets, below the minimum of 10" next to them.
"""
from __future__ import annotations

from decimal import Decimal

import polars as pl

from slametrics import words
from slametrics.credits import bonus_rate, credits, level_rate, level_rates, per_breach
from slametrics.policy import Policy

LEVEL_SCHEMA = {"period": pl.String, "contract": pl.String, "service_level": pl.String, "assessed": pl.Int64,
                "compliance": pl.Float64, "objective": pl.Float64, "status": pl.String,
                "credit_rate": pl.Float64, "waived_rate": pl.Float64, "below_minimum": pl.Boolean,
                "provisional": pl.Boolean, "breached": pl.Int64, "per_breach": pl.Float64,
                "per_breach_amount": pl.Float64, "bonus_rate": pl.Float64, "currency": pl.String}
MONTH_SCHEMA = {"period": pl.String, "contract": pl.String, "levels_rate": pl.Float64, "credit_cap": pl.Float64,
                "capped": pl.Boolean, "credit_rate": pl.Float64, "credit_amount": pl.Float64,
                "waived_rate": pl.Float64, "min_tickets": pl.Int64, "monthly_fee": pl.Float64,
                "currency": pl.String, "provisional": pl.Boolean}


def credit_statement(compliance_frame: pl.DataFrame, policy: Policy) -> tuple[pl.DataFrame, pl.DataFrame]:
    """(levels, months) explaining the credits of ``compliance(clocks, policy)`` (no breakdown).

    levels: one row per period, contract and service level with credits: its ``credit_rate``, and
    ``waived_rate``, the rate its tiers would have paid but for ``min_tickets`` (``below_minimum``).
    months: one row per period and contract: ``levels_rate`` (the uncapped sum), ``credit_cap``,
    ``capped`` (the cap bit), ``waived_rate`` (summed), and ``credit_rate``, ``credit_amount`` and
    ``currency`` taken from ``credits`` itself.

    >>> # rates 0.05 + 0.06 under a cap of 0.10 -> levels_rate 0.11, capped, credit_rate 0.10
    """
    level_rows, months = [], {}
    for r, contract, level, rate in level_rates(compliance_frame, policy):
        below = 0 < r["assessed"] < contract.min_tickets
        waived = level_rate(level, r["met"], r["assessed"], "misses") if below else Decimal(0)
        owed = per_breach(level, r["breached"], r["status"])
        level_rows.append((r["period"], r["contract"], r["service_level"], r["assessed"], r["compliance"],
                           r["objective"], r["status"], float(rate), float(waived), below, r["provisional"],
                           r["breached"], None if level.per_breach is None else float(level.per_breach), float(owed),
                           float(bonus_rate(level, r["met"], r["assessed"], r["status"])), contract.currency))
        month = months.setdefault((r["period"], r["contract"]), [Decimal(0), Decimal(0), False])
        month[0] += rate
        month[1] += waived
        month[2] = month[2] or r["provisional"]
    month_rows = []
    for (period, key), (rate_sum, waived, provisional) in months.items():
        contract = policy.contracts[key].in_force(period)
        month_rows.append((period, key, float(rate_sum), float(contract.credit_cap),
                           float(waived), contract.min_tickets, float(contract.monthly_fee or 0), provisional))
    from_credits = ("capped", "credit_rate", "credit_amount", "currency")
    month_schema = {k: v for k, v in MONTH_SCHEMA.items() if k not in from_credits}
    # the month's credit, and whether the cap cut it, are the engine's own (tiers and per-breach amounts)
    totals = credits(compliance_frame, policy).months.select("period", "contract", *from_credits)
    month_frame = (pl.DataFrame(month_rows, schema=month_schema, orient="row")
                   .join(totals, on=["period", "contract"], how="left")
                   .select(list(MONTH_SCHEMA)).sort("period", "contract"))
    return pl.DataFrame(level_rows, schema=LEVEL_SCHEMA, orient="row"), month_frame


def explained(months: pl.DataFrame, levels: pl.DataFrame) -> dict[str, tuple[list[str], list[str]]]:
    """Per period of a ``credit_statement``: (which service levels owe what, what changed the credit), in
    words shared by the dashboard and the report: (['Response 5.0%'], ['tiers add up to 15.0%, capped
    at 12.0%', 'Resolution: 4 tickets, below the minimum volume: 3.0% waived'])."""
    out: dict[str, tuple[list[str], list[str]]] = {p: ([], []) for p in months["period"].to_list()}
    for r in levels.sort("service_level").iter_rows(named=True):
        owing, notes = out.setdefault(r["period"], ([], []))
        if r["credit_rate"] > 0:
            owing.append(f"{words.level(r['service_level'])} {words.percent(r['credit_rate'])}")
        if r["per_breach_amount"]:
            currency = r["currency"]
            owing.append(f"{words.level(r['service_level'])} {r['breached']} breach{'es' if r['breached'] != 1 else ''}"
                         f" x {words.money(r['per_breach'], currency)}")
        if r["bonus_rate"]:
            notes.append(f"{words.level(r['service_level'])} earned a {words.percent(r['bonus_rate'])} bonus")
        if r["below_minimum"] and r["waived_rate"] > 0:
            notes.append(f"{words.level(r['service_level'])}: {r['assessed']} tickets, below the minimum volume: "
                         f"{words.percent(r['waived_rate'])} waived")
    for r in months.iter_rows(named=True):
        if r["capped"]:
            out[r["period"]][1].insert(0, f"tiers add up to {words.percent(r['levels_rate'])}, capped at "
                                          f"{words.percent(r['credit_cap'])}")
    return out
