"""Reconciliation: how often our recomputed outcome agrees with the source's own SLA verdict.

A ticket's source verdict (``tickets.source_sla_met``, e.g. ServiceNow's ``made_sla``) is compared
with the outcome of its clocks of one metric (default ``resolution``: ServiceNow's ``made_sla``
judges the resolution SLA) or of named service levels. Only clocks that stopped or breached are
compared (``met`` or ``breached``); running ones are counted as ``pending``. Where the two differ,
the details say by how much and give the likeliest reasons (pauses, business vs calendar time,
reopening, a near miss, a resolution taken from a Closed update), because numbers that do not reconcile are trusted only once explained.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import duckdb
import polars as pl

from slametrics.clock import as_text, evaluate_clocks
from slametrics.errors import DataError
from slametrics.imports.sql import statement
from slametrics.output import format_share
from slametrics.policy import METRICS, Policy
from slametrics.scope import Scope
from slametrics.timeparse import parse_as_of

KEYS = ["period", "contract", "service_level", "priority"]
SUMMARY_COLUMNS = [*KEYS, "compared", "agree", "disagree", "agreement", "ours_met_source_breached",
                   "ours_breached_source_met", "pending"]
DETAIL_COLUMNS = ["ticket_id", "period", "contract", "service_level", "metric", "priority", "outcome",
                  "source_sla_met", "target_seconds", "elapsed_seconds", "paused_seconds", "overrun_seconds",
                  "wall_clock_seconds", "reopened", "hint"]
#: a clock within this share of its target (or a minute) is a near miss either way
NEAR_SHARE = 0.05


@dataclass
class Reconciliation:
    """``summary``: one row per period, contract, service level and priority; ``details``: the disagreements."""

    summary: pl.DataFrame
    details: pl.DataFrame
    notes: list[str] = field(default_factory=list)


def reconcile(con: duckdb.DuckDBPyConnection, policy: Policy, as_of: str | dt.datetime | None = None, *,
              scope: Scope, metric: str | None = "resolution", service_levels: tuple[str, ...] = ()) -> Reconciliation:
    """Compare the outcome of the chosen clocks with the stored source verdicts, as of ``as_of``.

    >>> # ticket met in 3h of a 4h target, source says breached -> disagree, 'ours_met_source_breached'
    """
    if metric is not None and metric not in METRICS:
        raise DataError(f"--metric: {metric!r} is not a metric; allowed: {', '.join(METRICS)}")
    known = {sl for c in policy.contracts.values() for sl in c.service_levels}
    unknown = [s for s in service_levels if s not in known]
    if unknown:
        raise DataError(f"--service-level: {', '.join(repr(s) for s in unknown)} not in the policy; "
                        f"its service levels: {', '.join(sorted(known))}")
    moment = parse_as_of(as_of)
    cur = con.cursor()
    try:
        verdicts = cur.sql(statement("source_verdicts"), params=scope.params()).pl()
    finally:
        cur.close()
    clocks = evaluate_clocks(con, policy, moment, scope=scope)
    chosen = clocks
    if metric is not None:
        chosen = chosen.filter(pl.col("metric") == metric)
    if service_levels:
        chosen = chosen.filter(pl.col("service_level").is_in(list(service_levels)))
    what = " and ".join(filter(None, [f"{metric} clocks" if metric else "clocks",
                                      f"of service level {', '.join(service_levels)}" if service_levels else ""]))
    notes = []
    if verdicts.is_empty():
        notes.append("no stored ticket carries a source verdict (source_sla_met): nothing to reconcile")
    without_clock = verdicts.join(chosen.select("ticket_id").unique(), on="ticket_id", how="anti").height
    if without_clock:
        notes.append(f"{without_clock} tickets with a source verdict have no {what} (uncovered client or priority, "
                     "or created after --as-of): not compared")
    without_verdict = chosen.join(verdicts, on="ticket_id", how="anti").height
    if without_verdict and not verdicts.is_empty():
        notes.append(f"{without_verdict} {what} belong to tickets without a source verdict: not compared")

    both = chosen.join(verdicts.select("ticket_id", "source_sla_met", "reopened", "closed_unresolved"),
                       on="ticket_id", how="inner")
    ours_met = pl.col("outcome") == "met"
    compared = pl.col("outcome").is_in(["met", "breached"])
    both = both.with_columns(_compared=compared, _agree=compared & (ours_met == pl.col("source_sla_met")))
    summary = as_text(
        both.group_by(KEYS)
        .agg(
            compared=pl.col("_compared").sum().cast(pl.Int64),
            agree=pl.col("_agree").sum().cast(pl.Int64),
            ours_met_source_breached=(ours_met & ~pl.col("source_sla_met")).sum().cast(pl.Int64),
            ours_breached_source_met=((pl.col("outcome") == "breached") & pl.col("source_sla_met")).sum().cast(pl.Int64),
            pending=(pl.col("outcome") == "pending").sum().cast(pl.Int64),
        )
        .with_columns(disagree=pl.col("compared") - pl.col("agree"))
        .with_columns(agreement=pl.when(pl.col("compared") > 0).then(pl.col("agree") / pl.col("compared")))
        .select(SUMMARY_COLUMNS)
        .sort(KEYS)
    )
    details = _explain(both.filter(pl.col("_compared") & ~pl.col("_agree")), moment)
    return Reconciliation(summary=summary, details=details, notes=notes)


def _explain(diff: pl.DataFrame, moment: dt.datetime) -> pl.DataFrame:
    """The disagreeing clocks with their wall-clock time and the likeliest reasons, '; '-joined in ``hint``."""
    stop = pl.coalesce(pl.col("stop_at").dt.epoch("s"), pl.lit(int(moment.timestamp())))
    diff = diff.with_columns(wall_clock_seconds=(stop - pl.col("created_at").dt.epoch("s")).cast(pl.Int64))
    target, elapsed = pl.col("target_seconds"), pl.col("elapsed_seconds")
    ours_met = pl.col("outcome") == "met"
    near = (elapsed - target).abs() <= pl.max_horizontal((target * NEAR_SHARE).cast(pl.Int64), pl.lit(60))
    hints = [
        pl.when(near).then(pl.lit("within 5% of the target: a difference in when the clock starts or stops decides it")),
        pl.when(ours_met & (pl.col("paused_seconds") > 0) & (elapsed + pl.col("paused_seconds") > target))
        .then(pl.lit("our clock paused in pause or resolved statuses; without the pauses it breaches")),
        # only where business hours left time out (on a round-the-clock calendar only pauses can)
        pl.when(ours_met & (pl.col("wall_clock_seconds") > target)
                & (elapsed + pl.col("paused_seconds") < pl.col("wall_clock_seconds")))
        .then(pl.lit("over the target in calendar time: the source may count calendar hours, not business hours")),
        pl.when(~ours_met & (pl.col("reopened").fill_null(0) > 0))
        .then(pl.lit("reopened: the source may judge the first resolution, we judge the final one")),
        pl.when(pl.col("closed_unresolved").fill_null(False) & (pl.col("metric") == "resolution"))
        .then(pl.lit("closed without a resolution time: the import takes its first Closed update as the "
                     "resolution (docs/imports.md); the source may judge it at another moment, or not at all")),
    ]
    joined = pl.concat_list(hints).list.drop_nulls().list.join("; ")
    fallback = (pl.when(ours_met).then(pl.lit("the source may hold a shorter target, or count time our policy pauses"))
                .otherwise(pl.lit("the source may pause in statuses the policy does not, or hold a longer target")))
    return as_text(diff.with_columns(hint=pl.when(joined == "").then(fallback).otherwise(joined))
                   .select(DETAIL_COLUMNS).sort(["period", "contract", "service_level", "ticket_id"]))


def summary_for_csv(summary: pl.DataFrame) -> pl.DataFrame:
    """The summary with ``agreement`` written as SLA_SPEC §6 writes shares (0.95, 0.666667)."""
    shares = [None if a is None else format_share(a) for a in summary["agreement"]]
    return summary.with_columns(agreement=pl.Series(shares, dtype=pl.String))
