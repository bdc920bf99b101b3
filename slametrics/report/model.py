"""The quarterly business review as numbers and sentences: what every format (HTML, PDF, deck) shows.

``build_review`` reads one contract's tickets through the reader's scope, evaluates its clocks with the
engine, and gathers each section's figures from the engine's own functions (``periods``,
``compliance``, ``credits``, ``settlement``, ``breaches``, ``describe``); the formats only lay them out.
Nothing here formats for a screen; words and numbers come from ``slametrics.words``.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from zoneinfo import ZoneInfo

import duckdb
import polars as pl

from slametrics import breaches, describe, periods, words
from slametrics.clock import evaluate_clocks
from slametrics.compliance import compliance
from slametrics.credits import credits
from slametrics.errors import AccessError, DataError
from slametrics.inventory import holdings
from slametrics.policy import Contract, Policy
from slametrics.report.settings import Settings
from slametrics.scope import Scope
from slametrics.settlement import credit_statement
from slametrics.sql import statement

#: the open backlog's age bands at the period's end, in wall-clock days (label, lower bound in days)
AGE_BANDS: tuple[tuple[str, float], ...] = (("under 1 day", 0), ("1-3 days", 1), ("3-7 days", 3),
                                            ("7-30 days", 7), ("over 30 days", 30))
WORST = 20  # breaches listed in the report; the full list is an attachment (HTML) or an appendix (PDF)
RAG_WORDS = {"green": "On target", "amber": "Met, narrowly", "red": "Missed", "grey": "Too few tickets"}


@dataclass
class LevelSummary:
    """One service level over the period: pooled compliance against its objective, and its colour."""

    name: str
    title: str
    metric: str
    compliance: float | None
    objective: float
    status: str
    rag: str
    met: int
    breached: int
    pending: int
    assessed: int
    previous: float | None
    missed_months: list[str]
    provisional: bool


@dataclass
class Review:
    contract_key: str
    contract: Contract
    period: str
    months: list[str]
    previous: str
    as_of: dt.datetime
    zone: str
    settings: Settings
    provisional: bool
    summary: list[LevelSummary]
    sentences: list[str]
    credit_total: float
    previous_credit_total: float | None
    #: bonuses earned in the period (docs/semantics.md §8); None where no level of the period has bonus tiers
    bonus_total: float | None
    currency: str | None
    #: per level and priority: each month and the period pooled (period, service_level, priority, met,
    #: breached, pending, assessed, compliance, objective, status, provisional)
    level_rows: pl.DataFrame
    #: per level, the last four periods pooled (period, service_level, compliance, objective, status)
    trend: pl.DataFrame
    #: per month: created, resolved, backlog at month end
    volume: pl.DataFrame
    #: the open backlog at the period's end per age band (band, tickets)
    backlog: pl.DataFrame
    by_channel: pl.DataFrame
    by_category: pl.DataFrame
    #: per level: breached, assessed, share
    breach_counts: pl.DataFrame
    overrun: pl.DataFrame
    pareto_category: pl.DataFrame
    pareto_team: pl.DataFrame
    heatmap: pl.DataFrame
    worst: pl.DataFrame
    all_breaches: pl.DataFrame
    #: per month: rated, csat average, share of 4-5
    csat: pl.DataFrame
    #: the monthly statement (settlement months) and its level rows
    statement_months: pl.DataFrame
    statement_levels: pl.DataFrame
    terms: list[tuple[str, str]]
    targets: pl.DataFrame
    #: the amendments that took effect in the period: (first month, note or None)
    amended: list[tuple[str, str | None]]
    uncovered: int
    rejected: int
    notes: list[str] = field(default_factory=list)

    @property
    def title(self) -> str:
        return f"{self.contract.name}: {words.month(self.period)} service review"


def rag(status: str, compliance: float | None, objective: float, margin: Decimal) -> str:
    """red where the objective was missed, amber where it was met by less than ``margin``, green
    otherwise, grey where there were too few tickets to judge."""
    if status == "insufficient" or compliance is None:
        return "grey"
    if status == "misses":
        return "red"
    return "amber" if compliance - objective < float(margin) else "green"


def _bounds(months: list[str], zone: str) -> tuple[int, int]:
    tz = ZoneInfo(zone)
    first = dt.datetime.fromisoformat(f"{months[0]}-01").replace(tzinfo=tz)
    year, month = int(months[-1][:4]), int(months[-1][5:7])
    after = dt.datetime(year + month // 12, month % 12 + 1, 1, tzinfo=tz)
    return int(first.timestamp()), int(after.timestamp())


def _tickets(con: duckdb.DuckDBPyConnection, policy: Policy, contract: str, months: list[str], as_of: dt.datetime,
             scope: Scope) -> pl.DataFrame:
    zone = policy.calendars[policy.contracts[contract].calendar].timezone
    start, end = _bounds(months, zone)
    params = {"clients": list(policy.contracts[contract].clients), "everyone": scope.everyone,
              "scope_clients": list(scope.clients), "tz": zone, "start": start, "end": end,
              "as_of": int(as_of.timestamp())}
    cur = con.cursor()
    try:
        return cur.sql(statement("review_tickets"), params=params).pl()
    finally:
        cur.close()


def _month_of(column: str) -> pl.Expr:
    return pl.col(column).dt.strftime("%Y-%m")


def build_review(con: duckdb.DuckDBPyConnection, policy: Policy, contract: str, period: str, as_of: dt.datetime, *,
                 scope: Scope, settings: Settings | None = None, previous: str | None = None,
                 clocks: pl.DataFrame | None = None) -> Review:
    """The review of ``contract`` over ``period`` ('2026-Q3', a month or a year) as of ``as_of``.

    ``clocks``: the clocks of the scope as of ``as_of``, where the caller holds them already (the
    dashboard's); without, they are evaluated.

    Refuses (``DataError``) a contract outside the scope or the policy, and a period that is not one.
    """
    settings = settings or Settings()
    if not scope.allows(contract):  # the same words whether or not such a contract exists
        raise AccessError(f"--contract: {contract[:40]!r} is not among your contracts "
                          f"({', '.join(scope.contracts or ()) or 'none'})")
    if contract not in policy.contracts:
        raise DataError(f"--contract: {contract[:40]!r} is not a contract of the policy; its contracts: "
                        f"{', '.join(policy.contracts)}")
    months = periods.months_of(period)
    grain = "month" if len(period) == 7 and period[5] != "Q" else "quarter" if "Q" in period else "year"
    previous = previous or periods.previous(period)
    if len(periods.months_of(previous)) != len(months):
        raise DataError(f"--previous: {previous!r} is not a period of the same length as {period!r}")
    terms = policy.contracts[contract].in_force(months[-1])  # the terms of the period's last month (§7)
    zone = policy.calendars[terms.calendar].timezone
    own = Scope.of(policy, [contract])
    mine = own.policy(policy)
    if clocks is None:
        clocks = evaluate_clocks(con, mine, as_of, scope=own if scope.everyone else scope)
    clocks = clocks.filter(pl.col("contract") == contract)
    monthly = compliance(clocks, mine)
    pooled = periods.compliance_over(clocks, mine, grain)
    now = pooled.filter(pl.col("period") == period)
    before = pooled.filter(pl.col("period") == previous)
    in_period = clocks.filter(pl.col("period").cast(pl.String).is_in(months))

    whole = policy.contracts[contract]
    spanned = [t for first, end, t in whole.versions()
               if (end is None or end > months[0]) and (first is None or first <= months[-1])]
    defined = {}  # every level of a version in force in the period; the latest definition of each
    for version in spanned:
        defined.update(version.service_levels)
    order = [*terms.service_levels, *(n for n in defined if n not in terms.service_levels)]
    summary = []
    for name, level in ((n, defined[n]) for n in order):
        row = now.filter(pl.col("service_level") == name)
        was = before.filter(pl.col("service_level") == name)
        missed = (monthly.filter((pl.col("service_level") == name) & pl.col("period").is_in(months)
                                 & (pl.col("status") == "misses"))["period"].to_list())
        if row.is_empty():
            summary.append(LevelSummary(name, words.level(name), level.metric, None, float(level.objective),
                                        "insufficient", "grey", 0, 0, 0, 0,
                                        None if was.is_empty() else was["compliance"][0], missed, False))
            continue
        r = row.row(0, named=True)
        summary.append(LevelSummary(
            name, words.level(name), level.metric, r["compliance"], r["objective"], r["status"],
            rag(r["status"], r["compliance"], r["objective"], settings.amber_margin), r["met"], r["breached"],
            r["pending"], r["assessed"], None if was.is_empty() else was["compliance"][0], missed, r["provisional"]))

    by_priority = pl.concat([
        compliance(in_period, mine, ["priority"]),
        periods.compliance_over(in_period, mine, grain, ["priority"]),
        monthly.filter(pl.col("period").is_in(months)).with_columns(priority=pl.lit("all")),
        now.with_columns(priority=pl.lit("all")),
    ], how="diagonal_relaxed") if grain != "month" else pl.concat([
        compliance(in_period, mine, ["priority"]), now.with_columns(priority=pl.lit("all"))], how="diagonal_relaxed")
    level_rows = by_priority.select("period", "service_level", "priority", "met", "breached", "pending", "assessed",
                                    "compliance", "objective", "status", "provisional").unique(
        ["period", "service_level", "priority"], keep="first").sort("service_level", "priority", "period")

    last_four = [period]
    for _ in range(3):
        last_four.insert(0, periods.previous(last_four[0]))
    trend = (pooled.filter(pl.col("period").is_in(last_four))
             .select("period", "service_level", "compliance", "objective", "status", "provisional")
             .sort("service_level", "period"))

    tickets = _tickets(con, mine, contract, months, as_of, scope)
    created_month, resolved_month = _month_of("created_local"), _month_of("resolved_local")
    made = tickets.filter(created_month.is_in(months)).group_by(period=created_month).agg(created=pl.len())
    done = tickets.filter(resolved_month.is_in(months)).group_by(period=resolved_month).agg(resolved=pl.len())
    volume = (pl.DataFrame({"period": months}).join(made, on="period", how="left").join(done, on="period", how="left")
              .with_columns(pl.col("created", "resolved").fill_null(0).cast(pl.Int64)))
    _, end = _bounds(months, zone)
    moment = min(end, int(as_of.timestamp()))
    open_at_end = tickets.filter(pl.col("created_s") < moment)
    open_at_end = open_at_end.filter(pl.col("resolved_s").is_null() | (pl.col("resolved_s") >= moment))
    age_days = (moment - pl.col("created_s")) / 86400
    band = pl.lit(AGE_BANDS[0][0])
    for label, lower in AGE_BANDS[1:]:
        band = pl.when(age_days >= lower).then(pl.lit(label)).otherwise(band)
    counted = open_at_end.group_by(band=band).agg(tickets=pl.len().cast(pl.Int64))
    backlog = (pl.DataFrame({"band": [b for b, _ in AGE_BANDS]}).join(counted, on="band", how="left")
               .with_columns(pl.col("tickets").fill_null(0)))
    created_here = tickets.filter(created_month.is_in(months))

    def counts(column: str) -> pl.DataFrame:
        return (created_here.group_by(pl.col(column).fill_null(breaches.NOT_SET)).agg(tickets=pl.len().cast(pl.Int64))
                .sort(["tickets", column], descending=[True, False]))

    rated = created_here.filter(pl.col("csat").is_not_null())
    csat = (pl.DataFrame({"period": months})
            .join(rated.group_by(period=created_month).agg(
                rated=pl.len().cast(pl.Int64), csat=pl.col("csat").mean(),
                satisfied=(pl.col("csat") >= 4).mean()), on="period", how="left")
            .with_columns(pl.col("rated").fill_null(0)))

    late = breaches.breached(in_period)
    breach_counts = (in_period.filter(pl.col("outcome").is_in(["met", "breached"]))
                     .group_by(pl.col("service_level").cast(pl.String))
                     .agg(breached=(pl.col("outcome") == "breached").sum().cast(pl.Int64),
                          assessed=pl.len().cast(pl.Int64))
                     .with_columns(share=pl.col("breached") / pl.col("assessed")).sort("service_level"))
    columns = ["ticket_id", "service_level", "priority", "period", "target_seconds", "elapsed_seconds",
               "paused_seconds", "overrun_seconds", "team", "category"]
    all_breaches = late.select([c for c in columns if c in late.columns]).with_columns(
        pl.col(c).cast(pl.String) for c in ("service_level", "priority", "period", "team", "category") if c in late.columns)

    statement_levels, statement_months = credit_statement(monthly.filter(pl.col("period").is_in(months)), mine)
    owed = credits(monthly, mine).months
    total = float(owed.filter(pl.col("period").is_in(months))["credit_amount"].sum())
    bonus_total = float(owed.filter(pl.col("period").is_in(months))["bonus_amount"].sum())
    prev_months = periods.months_of(previous)
    prev_rows = owed.filter(pl.col("period").is_in(prev_months))
    prev_total = float(prev_rows["credit_amount"].sum()) if not prev_rows.is_empty() else None

    held = holdings(con, mine, scope=own if scope.everyone else scope)
    review = Review(
        contract_key=contract, contract=terms, period=period, months=months, previous=previous, as_of=as_of,
        zone=zone, settings=settings, provisional=bool(now["provisional"].any()) if not now.is_empty() else False,
        summary=summary, sentences=[], credit_total=total, previous_credit_total=prev_total, currency=terms.currency,
        bonus_total=bonus_total if any(sl.bonus for sl in defined.values()) else None,
        level_rows=level_rows, trend=trend, volume=volume, backlog=backlog, by_channel=counts("channel"),
        by_category=counts("category"), breach_counts=breach_counts, overrun=breaches.overrun_bands(in_period),
        pareto_category=breaches.pareto(in_period, "category", top=10),
        pareto_team=breaches.pareto(in_period, "team", top=10),
        heatmap=breaches.creation_heatmap(in_period, mine), worst=all_breaches.head(WORST), all_breaches=all_breaches,
        csat=csat, statement_months=statement_months, statement_levels=statement_levels,
        terms=describe.how_measured(mine, contract, months[-1]), targets=describe.targets_matrix(mine, contract, months[-1]),
        uncovered=_uncovered(held, contract), rejected=held.rejects,
        amended=[(a.start, a.note) for a in whole.amendments if months[0] <= a.start <= months[-1]],
    )
    review.sentences = sentences(review)
    return review


def _uncovered(held, contract: str) -> int:
    """Tickets of the contract's clients whose priority none of its service levels targets."""
    frame = held.uncovered_priorities.filter(pl.col("contract") == contract)
    return int(frame["tickets"].sum()) if not frame.is_empty() else 0


def sentences(review: Review) -> list[str]:
    """Three to five sentences written from the figures, for the summary and the speaker notes."""
    out = []
    changes = []
    for s in review.summary:
        if s.compliance is None:
            continue
        what = f"{s.title} within target"
        if s.previous is None:
            changes.append(f"{what} was {words.percent(s.compliance)} (objective {words.percent(s.objective)})")
        elif round(s.compliance, 3) > round(s.previous, 3):
            changes.append(f"{what} rose from {words.percent(s.previous)} to {words.percent(s.compliance)}")
        elif round(s.compliance, 3) < round(s.previous, 3):
            changes.append(f"{what} fell from {words.percent(s.previous)} to {words.percent(s.compliance)}")
        else:
            changes.append(f"{what} held at {words.percent(s.compliance)}")
    for i in range(0, len(changes), 2):
        out.append("; ".join(changes[i:i + 2]) + ".")
    missed = [(s.title, s.missed_months) for s in review.summary if s.missed_months]
    if missed:
        out.append("; ".join(f"{title} missed its objective in {_and([words.month_long(m).split(' ')[0] for m in ms])}"
                             for title, ms in missed) + ".")
    else:
        met = [s for s in review.summary if s.status == "meets"]
        if met and len(met) == len(review.summary):
            out.append(f"Every service level met its objective in every month of {words.month(review.period)}.")
    money = words.money(review.credit_total, review.currency)
    if review.credit_total > 0:
        owing = [f"{words.month_long(r['period']).split(' ')[0]} {words.money(r['credit_amount'], review.currency)}"
                 for r in review.statement_months.iter_rows(named=True) if (r["credit_amount"] or 0) > 0]
        out.append(f"Service credits for {words.month(review.period)} come to {money} ({_and(owing)}).")
    elif not review.statement_months.is_empty():
        out.append(f"No service credit is owed for {words.month(review.period)}.")
    if review.bonus_total:
        out.append(f"Service this good earned a bonus of {words.money(review.bonus_total, review.currency)}.")
    if review.provisional:
        out.append(f"Some tickets of {words.month(review.period)} are still open: its figures are provisional "
                   "and can change.")
    return out[:5]


def _and(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1] if items else ""
