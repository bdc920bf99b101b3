"""Early warning (docs/semantics.md §11): the running clocks as of a moment, how close each is to its
breach and when it falls due, each service level's breach budget for the current month, and which
alert rules (``slametrics.alerts``) fire.

Only the tickets of the current month and those still open are read (``evaluate_clocks(since=...)``),
so a check costs what the open tickets cost, not the history. A clock's **due moment** is where it uses
up its target if it keeps running from now: the calendar's inverse of business time
(``BusinessTime.instant``). A service level's **breach budget** with ``n`` rows so far this month is
``floor((1 - objective) * n)`` (exact): that many may breach before compliance falls below the
objective; its **burn rate** is the share of the budget used over the share of the month passed (1: on
course to use it exactly).
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from fractions import Fraction
from zoneinfo import ZoneInfo

import duckdb
import numpy as np
import polars as pl

from slametrics import words
from slametrics.alerts import Alerts, due_rule, rule_names
from slametrics.calendar import FAR, business_time
from slametrics.clock import as_text, evaluate_clocks
from slametrics.errors import DataError
from slametrics.policy import Policy
from slametrics.scope import Scope
from slametrics.sql import statement
from slametrics.timeparse import parse_as_of

#: the columns of ``watch --out`` (docs/semantics.md §6, §11)
WATCH_COLUMNS = ["contract", "service_level", "ticket_id", "rule", "used_share", "business_seconds_left", "due_at",
                 "paused", "budget_left", "burn_rate"]
HORIZON_DAYS = 400  # how far ahead a due moment is looked for


@dataclass(frozen=True)
class Check:
    """One check as of ``as_of``: ``clocks`` (every running clock with its state), ``budgets`` (each
    service level's current month) and ``fired`` (the rules that fire, ``WATCH_COLUMNS`` plus ``rank``,
    ``family`` and ``period``, the keys alerts are sent once by)."""

    as_of: dt.datetime
    clocks: pl.DataFrame
    budgets: pl.DataFrame
    fired: pl.DataFrame


def month_start(moment: dt.datetime, zone: str) -> dt.datetime:
    """The start of ``moment``'s local month in ``zone``, as a UTC instant."""
    local = moment.astimezone(ZoneInfo(zone))
    return local.replace(day=1, hour=0, minute=0, second=0, microsecond=0).astimezone(dt.timezone.utc)


def _month_after(start: dt.datetime, zone: str) -> dt.datetime:
    local = start.astimezone(ZoneInfo(zone))
    year, month = (local.year + 1, 1) if local.month == 12 else (local.year, local.month + 1)
    return dt.datetime(year, month, 1, tzinfo=ZoneInfo(zone)).astimezone(dt.timezone.utc)


def current_statuses(con: duckdb.DuckDBPyConnection, as_of: dt.datetime, *, scope: Scope, policy: Policy
                     ) -> pl.DataFrame:
    """(ticket_id, status) held at ``as_of`` by each open ticket of the scope with a status event."""
    clients = sorted(scope.policy(policy).client_contract)
    return con.sql(statement("current_statuses"),
                   params={"as_of": int(as_of.timestamp()), "clients": clients}).pl()


def clock_state(clocks: pl.DataFrame, statuses: pl.DataFrame, policy: Policy, as_of: dt.datetime) -> pl.DataFrame:
    """The running clocks of ``clocks`` with: ``paused`` (the ticket's status now pauses the clock),
    ``used_share`` (elapsed / target), ``business_seconds_left`` (target - elapsed; negative once
    breached) and ``due_at`` (UTC: the moment the clock runs past its target if it runs from now on, the
    first working second after it has used the whole target; for a breached one, where it did, counted
    back from now without the pauses since). Sorted by due moment."""
    running = clocks.filter((pl.col("measure") == "clock") & pl.col("running"))
    if running.is_empty():
        return as_text(running).with_columns(paused=pl.lit(False), used_share=pl.lit(None, pl.Float64),
                                             business_seconds_left=pl.lit(None, pl.Int64),
                                             due_at=pl.lit(None, pl.Datetime("us", "UTC")))
    now = int(as_of.timestamp())
    text = as_text(running).join(statuses.rename({"status": "_status"}), on="ticket_id", how="left").with_row_index("_i")
    left = (text["target_seconds"] - text["elapsed_seconds"]).to_numpy()
    due = np.full(text.height, FAR, dtype=np.int64)
    paused = np.zeros(text.height, dtype=bool)
    day = as_of.astimezone(dt.timezone.utc).date()
    last = min(day + dt.timedelta(days=HORIZON_DAYS), dt.date.max - dt.timedelta(days=3))
    for (contract, level, period), rows in text.group_by("contract", "service_level", "period"):
        # the terms that judge the clock: of the month it was opened in (docs/semantics.md §7)
        terms = policy.contracts[contract].in_force(period)
        calendar = policy.calendars[terms.calendar_of(terms.service_levels[level])]
        at = rows["_i"].to_numpy()
        paused[at] = rows["_status"].is_in(list(terms.pausing_statuses(terms.service_levels[level]))).fill_null(False)
        first = rows["created_at"].min().date() - dt.timedelta(days=1)  # a breach is counted back to its time
        table = business_time(calendar, min(first, day - dt.timedelta(days=1)), last)
        due[at] = table.past(np.full(len(at), now, dtype=np.int64), left[at])
    return (text.drop("_status", "_i").with_columns(
        paused=pl.Series(paused, dtype=pl.Boolean),
        used_share=pl.col("elapsed_seconds") / pl.col("target_seconds"),
        business_seconds_left=pl.Series(left, dtype=pl.Int64),
        due_at=pl.from_epoch(pl.Series(due).set(pl.Series(due == FAR), None), time_unit="s")
        .dt.replace_time_zone("UTC"))
        .sort("due_at", "ticket_id", nulls_last=True))


def at_risk(state: pl.DataFrame, share: float) -> pl.DataFrame:
    """Of ``clock_state``'s clocks, those running within target and not paused that have used at least
    ``share`` of it (exactly: elapsed >= share x target), soonest due first; ``time_left_seconds`` and
    ``used`` name the time left and the share used as the dashboard's tables show them.

    >>> # target 4h, elapsed 3h30m, share 0.75 -> listed, time_left 30m, used 0.875; paused: never listed
    """
    num, den = Fraction(str(share)).limit_denominator(10_000).as_integer_ratio()
    return (state.filter(~pl.col("paused") & (pl.col("business_seconds_left") >= 0)
                         & (pl.col("elapsed_seconds") * den >= pl.col("target_seconds") * num))
            .with_columns(time_left_seconds=pl.col("business_seconds_left"), used=pl.col("used_share"))
            .sort("due_at", "ticket_id", nulls_last=True))


def budgets(clocks: pl.DataFrame, policy: Policy, as_of: dt.datetime, contracts: list[str] | None = None) -> pl.DataFrame:
    """Each service level's current local month: rows (n), breached, budget = floor((1 - objective) * n),
    budget_left, the share of the month passed, and burn_rate (the share of the budget used over the share
    of the month passed; null where the budget is 0, which any breach overruns)."""
    out = []
    for key, contract in policy.contracts.items():
        if contracts is not None and key not in contracts:
            continue
        zone = policy.calendars[contract.calendar].timezone
        start = month_start(as_of, zone)
        period = start.astimezone(ZoneInfo(zone)).strftime("%Y-%m")
        passed = Fraction(int((as_of - start).total_seconds()),
                          int((_month_after(start, zone) - start).total_seconds()))
        terms = contract.in_force(period)
        mine = as_text(clocks.filter((pl.col("contract") == key) & (pl.col("period") == period)))
        counts = {name: (height, breached) for name, height, breached in mine.group_by("service_level").agg(
            pl.len(), (pl.col("outcome") == "breached").sum()).iter_rows()}
        for name, level in terms.service_levels.items():
            n, breached = counts.get(name, (0, 0))
            budget = int((1 - Fraction(level.objective)) * n)  # floor: every share and count is exact here
            used = Fraction(breached, budget) if budget else None
            burn = float(used / passed) if used is not None and passed else None
            out.append((key, name, period, n, int(breached), budget, budget - int(breached), float(passed), burn))
    return pl.DataFrame(out, orient="row", schema={
        "contract": pl.String, "service_level": pl.String, "period": pl.String, "clocks": pl.Int64,
        "breached": pl.Int64, "budget": pl.Int64, "budget_left": pl.Int64, "month_passed": pl.Float64,
        "burn_rate": pl.Float64})


def fires(state: pl.DataFrame, months: pl.DataFrame, alerts: Alerts) -> pl.DataFrame:
    """The rules that fire: per running clock the highest of its contract's used-share rules it reached
    (or ``breached``) unless it is paused (a breach fires even then), and ``due within`` where it is due so
    soon; per service level the budget and burn-rate rules."""
    schema = {"contract": pl.String, "service_level": pl.String, "ticket_id": pl.String, "rule": pl.String,
              "used_share": pl.Float64, "business_seconds_left": pl.Int64, "due_at": pl.Datetime("us", "UTC"),
              "paused": pl.Boolean, "budget_left": pl.Int64, "burn_rate": pl.Float64, "rank": pl.Int64,
              "family": pl.String, "period": pl.String}
    parts = []
    for (contract,), mine in state.partition_by("contract", as_dict=True, maintain_order=True).items():
        rules = alerts.rules(contract)
        names = rule_names(rules)
        reached = pl.sum_horizontal(pl.lit(0), *[  # the shares reached, exactly: elapsed x den >= num x target
            (pl.col("elapsed_seconds") * d >= pl.col("target_seconds") * n).cast(pl.Int64)
            for n, d in (Fraction(x).limit_denominator(10_000).as_integer_ratio() for x in rules.used_share)])
        rank = (pl.when(pl.col("business_seconds_left") < 0).then(pl.lit(len(names)))
                .when(pl.col("paused")).then(pl.lit(0)).otherwise(reached))
        clock = dict(budget_left=pl.lit(None, pl.Int64), burn_rate=pl.lit(None, pl.Float64), period=pl.col("period"))
        ranked = mine.with_columns(rank=rank).filter(pl.col("rank") > 0)
        parts.append(ranked.with_columns(
            rule=pl.col("rank").replace_strict(dict(enumerate(names, start=1)), return_dtype=pl.String),
            family=pl.lit("used"), **clock))
        due = due_rule(rules)
        if due:
            parts.append(mine.filter(~pl.col("paused") & pl.col("business_seconds_left").is_between(0, rules.due_within))
                         .with_columns(rule=pl.lit(due), rank=pl.lit(1, pl.Int64), family=pl.lit("due"), **clock))
    clocks = [part.select(list(schema)).cast(schema) for part in parts]
    rows = []
    for b in months.iter_rows(named=True):
        rules = alerts.rules(b["contract"])
        if not b["clocks"]:
            continue
        base = (b["contract"], b["service_level"], None)
        tail = (None, None, None, None, b["budget_left"], b["burn_rate"])
        if rules.budget_left_at_most is not None and b["budget_left"] <= rules.budget_left_at_most:
            rows.append((*base, f"budget left at most {rules.budget_left_at_most}", *tail, 1, "budget", b["period"]))
        if rules.burn_rate_above is not None and b["burn_rate"] is not None and b["burn_rate"] > rules.burn_rate_above:
            rows.append((*base, f"burn rate above {rules.burn_rate_above:g}", *tail, 1, "burn", b["period"]))
    levels = pl.DataFrame(rows, orient="row", schema=schema)
    # each clock's rules in the order of its due moment, as clock_state sorted them
    return pl.concat([*clocks, levels]) if clocks else levels


def check(con: duckdb.DuckDBPyConnection, policy: Policy, alerts: Alerts, as_of: str | dt.datetime | None = None, *,
          scope: Scope) -> Check:
    """One check of the scope's contracts as of ``as_of`` (default now)."""
    moment = parse_as_of(as_of)
    if moment.year > 9000:
        raise DataError(f"--as-of: {moment:%Y-%m-%d} is too far ahead to look for due moments; use a date before 9000")
    mine = scope.policy(policy)
    since = min((month_start(moment, mine.calendars[c.calendar].timezone) for c in mine.contracts.values()),
                default=moment)
    clocks = evaluate_clocks(con, policy, moment, scope=scope, since=since)
    state = clock_state(clocks, current_statuses(con, moment, scope=scope, policy=policy), mine, moment)
    months = budgets(clocks, mine, moment)
    return Check(moment, state, months, fires(state, months, alerts))


SHOWN_BREACHED = 20  # breached clocks the printed table lists (all are in --out)


def table(found: Check, policy: Policy) -> str:
    """What fires, as a person reads it: clocks about to breach by due moment, budgets, then clocks that
    already breached (the first ``SHOWN_BREACHED``)."""
    fired = found.fired
    names = {k: c.name for k, c in policy.contracts.items()}
    head = f"As of {found.as_of:%Y-%m-%d %H:%M} UTC: {found.clocks.height:,} running clocks " \
           f"({found.clocks['paused'].sum() if found.clocks.height else 0:,} paused), {fired.height:,} alerts"
    if fired.is_empty():
        return head + ": nothing fires."
    lines = [head + "."]
    soon = fired.filter(pl.col("ticket_id").is_not_null() & (pl.col("rule") != "breached")).sort("due_at", nulls_last=True)
    late = fired.filter(pl.col("rule") == "breached").sort("due_at")
    levels = fired.filter(pl.col("ticket_id").is_null())
    width = max([len(names.get(c, c)) for c in fired["contract"].unique()] + [8])

    def clock_line(r: dict) -> str:
        left = r["business_seconds_left"]
        due = f"{r['due_at']:%Y-%m-%d %H:%M}" if r["due_at"] else "not within a year"
        return (f"  {names.get(r['contract'], r['contract']):<{width}}  {words.level(r['service_level']):<16} "
                f"{r['ticket_id']:<12} {r['rule']:<16} {words.percent(r['used_share']):>7} used  "
                + (f"{words.duration(left)} left, due {due}" if left >= 0 else f"breached {due}, "
                   f"{words.duration(-left)} over") + ("  (paused now)" if r["paused"] else ""))

    if soon.height:
        lines.append("Clocks about to breach (due moment, UTC):")
        lines += [clock_line(r) for r in soon.iter_rows(named=True)]
    if levels.height:
        lines.append("Service levels this month:")
        lines += [f"  {names.get(r['contract'], r['contract']):<{width}}  {words.level(r['service_level']):<16} "
                  f"{r['rule']}: this month can take {r['budget_left']} more breach{'' if r['budget_left'] == 1 else 'es'} "
                  "and keep the objective"
                  + (f", burn rate {r['burn_rate']:.2f}" if r["burn_rate"] is not None else "")
                  for r in levels.iter_rows(named=True)]
    if late.height:
        lines.append(f"Running clocks already breached ({late.height:,}; the latest {min(late.height, SHOWN_BREACHED)}):")
        lines += [clock_line(r) for r in late.tail(SHOWN_BREACHED).iter_rows(named=True)]
    return "\n".join(lines)
