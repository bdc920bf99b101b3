"""What-if analysis: the same clocks under changed targets, objectives, credit tiers, cap and volume.

Elapsed business time does not depend on targets, so a scenario never re-evaluates clocks: it takes
the stored ``elapsed_seconds`` and ``running`` of each clock and re-derives ``target_seconds``,
``outcome`` and ``overrun_seconds`` under the scenario's targets (``retarget``), then aggregates with
the engine's own ``compliance`` and ``credits``. Everything here is whole-column polars work.

A scenario may change targets, objectives, tiers, ``credit_cap`` and ``min_tickets``. It cannot
change calendars, pause statuses or which clients a contract covers: those change elapsed time or
which clocks exist, and need ``evaluate_clocks`` again.
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Mapping

import numpy as np
import polars as pl

from slametrics.clock import as_text, keyed_like
from slametrics.compliance import KEYS, compliance, finish
from slametrics.credits import Credits, credits
from slametrics.outcomes import BREACHED, MET, OUTCOMES, enum_of, of_clock, satisfied
from slametrics.policy import Policy, ServiceLevel, Tier, tables

TARGET_KEYS = ["contract", "service_level", "priority"]


def target_table(policy: Policy) -> pl.DataFrame:
    """One row per contract, service level, targeted priority and version of the terms: target_seconds,
    and the months the version holds (first_month, end_month; ``slametrics.policy.tables``)."""
    return tables.targets(policy)


def _targeted(frame: pl.DataFrame, policy: Policy, suffix: str = "") -> pl.DataFrame:
    """``frame``'s rows (with a month ``period``) joined to the target of the version in force in it."""
    targets = keyed_like(target_table(policy), frame)
    return (frame.join(targets, on=TARGET_KEYS, how="inner", maintain_order="left", suffix=suffix)
            .filter(tables.in_window(pl.col("period"), pl.col("first_month"), pl.col("end_month")))
            .drop("first_month", "end_month"))


def retarget(clocks: pl.DataFrame, policy: Policy) -> pl.DataFrame:
    """The clocks with target, outcome and overrun under ``policy``'s targets (SLA_SPEC §3).

    Clocks whose contract, service level or priority ``policy`` no longer targets drop out.

    >>> # elapsed 1200 s, stopped: target 900 -> breached, overrun 300; target 1800 -> met, overrun 0
    >>> # elapsed 1200 s, still running: target 1800 -> pending
    """
    if not clocks.height or (clocks["measure"] == "clock").all():
        return _retimed(clocks, policy)
    rows = clocks.with_row_index("_row")  # each measure on its own, then the rows in their order again
    both = pl.concat([_retimed(rows.filter(pl.col("measure") == "clock"), policy),
                      rejudged(rows.filter(pl.col("measure") == "ticket"), policy)])
    return both.sort("_row").drop("_row")


def _retimed(clocks: pl.DataFrame, policy: Policy) -> pl.DataFrame:
    """Clock rows under ``policy``'s targets."""
    out = _targeted(clocks.drop("target_seconds"), policy)
    outcome, overrun = of_clock(out["elapsed_seconds"].to_numpy(), out["target_seconds"].to_numpy(),
                                out["running"].to_numpy())  # the engine's rule (docs/semantics.md §3)
    return out.with_columns(outcome=outcome, overrun_seconds=pl.Series(overrun, dtype=pl.Int64)).select(clocks.columns)


def rejudged(rows: pl.DataFrame, policy: Policy) -> pl.DataFrame:
    """Ticket-outcome rows (docs/semantics.md §9) under ``policy``: those of levels it still has in their
    period, satisfaction judged again against its ``satisfied_at_least`` (the other outcomes do not
    depend on the terms)."""
    levels = keyed_like(tables.ticket_levels(policy), rows)
    out = (rows.join(levels.select("contract", "service_level", "first_month", "end_month", "satisfied_at_least"),
                     on=["contract", "service_level"], how="inner", maintain_order="left")
           .filter(tables.in_window(pl.col("period"), pl.col("first_month"), pl.col("end_month"))))
    bar = out["satisfied_at_least"].to_numpy()
    judged = satisfied(out["csat"].to_numpy(), bar)
    again = np.where(np.isnan(bar), out["outcome"].to_physical().to_numpy(), np.where(judged, MET, BREACHED))
    return out.with_columns(outcome=enum_of(again.astype(np.uint8), OUTCOMES)).select(rows.columns)


def amend(policy: Policy, contract: str, *, targets: Mapping[str, Mapping[str, int]] | None = None,
          objectives: Mapping[str, Decimal] | None = None, tiers: Mapping[str, tuple[Tier, ...]] | None = None,
          credit_cap: Decimal | None = None, min_tickets: int | None = None, version: str | None = None,
          per_breach: Mapping[str, Decimal | None] | None = None, bonus: Mapping[str, tuple] | None = None,
          bonus_cap: Decimal | None = None, satisfied_at_least: Mapping[str, Decimal] | None = None) -> Policy:
    """A copy of ``policy`` with one contract's targets, objectives, tiers, per-breach amounts, bonus tiers,
    caps or minimum volume changed.

    ``targets`` maps service level -> priority -> seconds and replaces that level's whole target map;
    levels not named keep theirs. ``version`` names the amendment (its first month) whose terms change;
    None: the contract's own terms (docs/semantics.md §7). The other versions keep theirs.
    """
    whole = policy.contracts[contract]
    if version is None:
        old = dataclasses.replace(whole, amendments=())
    else:
        old = next((a.terms for a in whole.amendments if a.start == version), None)
        if old is None:
            raise ValueError(f"contract {contract!r} has no amendment from {version!r}")
    levels: dict[str, ServiceLevel] = {}
    for name, level in old.service_levels.items():
        changes: dict[str, Any] = {}
        if targets and name in targets:
            changes["targets"] = {str(p): int(s) for p, s in targets[name].items()}
        if objectives and name in objectives:
            changes["objective"] = Decimal(objectives[name])
        if tiers is not None and name in tiers:
            changes["credits"] = tuple(tiers[name])
        if per_breach is not None and name in per_breach:
            changes["per_breach"] = None if per_breach[name] is None else Decimal(per_breach[name])
        if bonus is not None and name in bonus:
            changes["bonus"] = tuple(bonus[name])
        if satisfied_at_least and name in satisfied_at_least and level.metric == "satisfaction":
            changes["satisfied_at_least"] = Decimal(satisfied_at_least[name])
        levels[name] = dataclasses.replace(level, **changes) if changes else level
    changes = {"service_levels": levels}
    if credit_cap is not None:
        changes["credit_cap"] = Decimal(credit_cap)
    if min_tickets is not None:
        changes["min_tickets"] = int(min_tickets)
    if bonus_cap is not None:
        changes["bonus_cap"] = Decimal(bonus_cap)
    changed = dataclasses.replace(old, **changes)
    contracts = dict(policy.contracts)
    if version is None:
        contracts[contract] = dataclasses.replace(changed, amendments=whole.amendments)
    else:
        contracts[contract] = dataclasses.replace(whole, amendments=tuple(
            dataclasses.replace(a, terms=changed) if a.start == version else a for a in whole.amendments))
    return dataclasses.replace(policy, contracts=contracts)


def evaluate(clocks: pl.DataFrame, policy: Policy) -> tuple[pl.DataFrame, Credits]:
    """(compliance, credits) of the stored clocks under ``policy``: retarget, then the engine's aggregates."""
    levels = compliance(retarget(clocks, policy), policy)
    return levels, credits(levels, policy)


def compare(base: pl.DataFrame, scenario: pl.DataFrame, keys: list[str] | None = None,
            values: list[str] | None = None) -> pl.DataFrame:
    """Baseline and scenario side by side: ``<value>_base``, ``<value>_scenario`` and, for numbers, ``<value>_delta``.

    ``keys`` default to the string columns both frames share among period, contract, service_level,
    priority; ``values`` to the other columns both hold. A row present on one side only keeps nulls
    on the other (and a null delta).

    >>> # base compliance 0.80, scenario 0.90 -> compliance_base 0.8, compliance_scenario 0.9, compliance_delta 0.1
    """
    keys = keys or [c for c in ("period", "contract", "service_level", "priority")
                    if c in base.columns and c in scenario.columns]
    values = values or [c for c in base.columns if c in scenario.columns and c not in keys]
    left = base.select(*keys, *[pl.col(v).alias(f"{v}_base") for v in values])
    right = scenario.select(*keys, *[pl.col(v).alias(f"{v}_scenario") for v in values])
    joined = left.join(right, on=keys, how="full", coalesce=True, nulls_equal=True)
    deltas = [(pl.col(f"{v}_scenario") - pl.col(f"{v}_base")).alias(f"{v}_delta")
              for v in values if base.schema[v].is_numeric() and scenario.schema[v].is_numeric()]
    ordered = [c for v in values for c in (f"{v}_base", f"{v}_scenario", f"{v}_delta")]
    out = joined.with_columns(deltas)
    return out.select(*keys, *[c for c in ordered if c in out.columns]).sort(keys, nulls_last=True)


WHOLE_RANGE = "all"  # the period of a finder's rows over all the months it was given


def _judged(months: pl.DataFrame, keys: list[str], policy: Policy) -> pl.DataFrame:
    """Per group of ``months`` (keys and ``month``, the group's last): the objective of the version in force
    in that month, as ``objective``, ``obj_num``, ``obj_den``."""
    return (months.join(tables.objectives(policy), on=["contract", "service_level"], how="left")
            .filter(tables.in_window(pl.col("month"), pl.col("first_month"), pl.col("end_month")))
            .select(*keys, "objective", "obj_num", "obj_den"))


def _curve(steps: pl.DataFrame, keys: list[str]) -> tuple[pl.DataFrame, pl.DataFrame]:
    """(curve, months) of ``steps``, which hold per clock (or per ``n`` clocks) the ``step`` from which on it
    is no longer breached, ``running``, and the ``month`` whose terms judge it. At step ``s`` a stopped
    clock is met where its step is <= ``s`` (else breached); a running one is pending (not assessed)
    there, else breached (SLA_SPEC §3-4). ``curve``: per group and step, ``met`` and ``assessed`` there;
    ``months``: per group its last ``month`` and its ``clocks``. Policy-free: a finder's index keeps it."""
    weight = pl.col("n") if "n" in steps.columns else pl.lit(1, pl.Int64)  # clocks a row stands for
    counted = as_text(steps.group_by(*keys, "step").agg(
        stopped=weight.filter(~pl.col("running")).sum().cast(pl.Int64),
        running=weight.filter(pl.col("running")).sum().cast(pl.Int64)))
    zero = counted.select(keys).unique().with_columns(step=pl.lit(0, pl.Int64), stopped=pl.lit(0, pl.Int64),
                                                      running=pl.lit(0, pl.Int64))
    curve = (
        pl.concat([counted, zero]).group_by(*keys, "step").agg(pl.col("stopped").sum(), pl.col("running").sum())
        .sort(*keys, "step")
        .with_columns(
            met=pl.col("stopped").cum_sum().over(keys),
            total_stopped=pl.col("stopped").sum().over(keys),
            running_after=pl.col("running").sum().over(keys) - pl.col("running").cum_sum().over(keys),
        )
        .select(*keys, "step", "met", assessed=pl.col("total_stopped") + pl.col("running_after"))
    )
    months = as_text(steps.group_by(keys).agg(month=pl.col("month").max(), clocks=weight.sum().cast(pl.Int64)))
    return curve, months


def _first_passing(curve: pl.DataFrame, months: pl.DataFrame, keys: list[str], policy: Policy) -> pl.DataFrame:
    """Per group: the smallest step of ``curve`` at which it meets its objective. Met only grows with the
    step and assessed only shrinks, so compliance only rises: the answer is the first step that passes,
    exactly as ``compliance`` compares shares. Columns: ``keys``, step, compliance_at_step (none where no
    step passes, that is where no clock of the group has stopped)."""
    meets = pl.col("met") * pl.col("obj_den") >= pl.col("obj_num") * pl.col("assessed")  # exact, as compliance does
    return (curve.join(_judged(months, keys, policy), on=keys, how="inner")
            .filter((pl.col("assessed") > 0) & meets).group_by(keys).agg(
                pl.col("step").min(), compliance_at_step=(pl.col("met") / pl.col("assessed")).sort_by("step").first()))


def minute_counts(clocks: pl.DataFrame) -> pl.DataFrame:
    """The clocks as the finders read them: how many stopped and running clocks of each period, contract,
    service level and priority took each whole number of minutes (elapsed rounded up: a clock is met by a
    target of T whole minutes exactly where this is <= T). Policy-free, so made once per set of clocks
    (``prepare``); every finder works on it."""
    return as_text(clocks.filter(pl.col("measure") == "clock").group_by(
        *_GROUP_KEYS, minute=(pl.col("elapsed_seconds") + 59) // 60, running=pl.col("running"))
        .agg(n=pl.len().cast(pl.Int64)))


def _counts(source: "pl.DataFrame | ElapsedIndex") -> pl.DataFrame:
    return source.minutes if isinstance(source, ElapsedIndex) else minute_counts(source)


def _periods(clocks: pl.DataFrame, whole_range: bool) -> pl.DataFrame:
    """The clocks with their ``month`` kept, and their period pooled into ``WHOLE_RANGE`` if asked."""
    clocks = clocks.with_columns(month=pl.col("period").cast(pl.String))
    return clocks.with_columns(period=pl.lit(WHOLE_RANGE)) if whole_range else clocks


def target_finder(clocks: "pl.DataFrame | ElapsedIndex", policy: Policy, whole_range: bool = False) -> pl.DataFrame:
    """Per period, contract, service level and priority: the smallest whole-minute target meeting the objective.

    With a target of ``T`` minutes a stopped clock is met where ``elapsed <= T`` and breached otherwise;
    a running clock is breached where ``elapsed > T`` and pending (not assessed) otherwise (SLA_SPEC
    §3-4). Without running clocks the answer is the k-th smallest elapsed time rounded up to a minute,
    where ``k = ceil(objective * assessed)``; running clocks only move it where dropping out of the
    assessed count lets a smaller target pass. Each priority is taken on its own, as if it alone had to
    meet its level's objective; ``min_tickets`` is not applied. Null where no clock of the group has stopped.
    With ``whole_range`` the months given are pooled into one period, ``WHOLE_RANGE``. ``clocks`` may be
    the clocks or their ``prepare``d index (the page's: its minute counts are made once).

    Columns: period, contract, service_level, priority, clocks, target_seconds (the policy's),
    needed_seconds (whole minutes), compliance_at_needed, objective.

    >>> # stopped elapsed 10m, 20m, 30m, 40m; objective 0.75 -> k = 3 -> needed 30m (3 of 4 met)
    """
    keys = ["period", "contract", "service_level", "priority"]
    counts = _counts(clocks)
    # the groups of months the policy targets, with the target in force in each (a few hundred rows)
    targeted = _targeted(counts.select(_GROUP_KEYS).unique(), policy)
    chosen = targeted.select(_GROUP_KEYS)
    memo = clocks.memo if isinstance(clocks, ElapsedIndex) else {}
    key = ("target", whole_range, tuple(sorted(chosen.iter_rows())))
    if key not in memo:  # the curve depends on which groups are targeted, never on the targets themselves
        known = _periods(counts.join(chosen, on=_GROUP_KEYS, how="semi"), whole_range)
        # a stopped clock is met by T iff its elapsed time rounded up to whole minutes is <= T
        memo[key] = _curve(known.select(*keys, "month", "n", step=pl.col("minute"), running=pl.col("running")), keys)
    curve, months = memo[key]
    needed = _first_passing(curve, months, keys, policy).select(
        *keys, needed_seconds=pl.col("step") * 60, compliance_at_needed=pl.col("compliance_at_step"))
    # the policy's target: of the version in force (over a whole range that spans one: the latest)
    target = as_text(_periods(targeted, whole_range).group_by(keys).agg(
        target_seconds=pl.col("target_seconds").sort_by("month").last()))
    return (
        months.join(target, on=keys, how="left").join(needed, on=keys, how="left")
        .join(_judged(months, keys, policy).select(*keys, "objective"), on=keys, how="left")
        .select(*keys, "clocks", "target_seconds", "needed_seconds", "compliance_at_needed", "objective")
        .sort(keys)
    )


def scaled_targets(targets: Mapping[str, int], percent: int) -> dict[str, int]:
    """Each target times ``percent`` / 100, rounded up to whole minutes: {'P1': 900}, 150 -> {'P1': 1380}."""
    return {p: -(-(seconds // 60) * percent // 100) * 60 for p, seconds in targets.items()}


def factor_finder(clocks: "pl.DataFrame | ElapsedIndex", policy: Policy, whole_range: bool = False) -> pl.DataFrame:
    """Per period, contract and service level: the smallest factor on all of the level's targets that
    would have met its objective, its priorities pooled as its objective pools them.

    The factor is a whole percentage ``F``: every target becomes ``scaled_targets(targets, F)`` (``T * F
    / 100`` rounded up to whole minutes), and the level's compliance over all its priorities is judged
    as ``target_finder`` judges one priority. 100 means today's targets just do; 80, that they could
    have been 20% shorter. A priority whose target is 0 never moves: its breaches stay. ``min_tickets``
    is not applied; null where no clock stopped, or where no factor can pass. With ``whole_range`` the
    months given are pooled into one period, ``WHOLE_RANGE``.

    Columns: period, contract, service_level, clocks, needed_percent, compliance_at_needed, objective.

    >>> # P1 target 60m: a clock stopped at 90m is met from 150% on (60m * 1.50 = 90m)
    """
    keys = ["period", "contract", "service_level"]
    known = _periods(_targeted(_counts(clocks), policy), whole_range)
    minutes = pl.col("minute")  # met by T whole minutes iff minutes <= T
    target = pl.col("target_seconds") // 60
    # minutes <= ceil(target * F / 100)  <=>  F > 100 * (minutes - 1) / target  <=>  F >= this step
    never = 2**62  # a late clock on a target of 0: breached whatever the factor
    step = (pl.when(minutes == 0).then(0).when(target == 0).then(never)
            .otherwise((100 * (minutes - 1)) // target + 1))
    steps = known.select(*keys, "month", "n", step=step.cast(pl.Int64), running=pl.col("running"))
    curve, months = _curve(steps, keys)
    found = _first_passing(curve, months, keys, policy).filter(pl.col("step") < never)
    return (
        months.join(found.select(*keys, needed_percent=pl.col("step"),
                                 compliance_at_needed=pl.col("compliance_at_step")), on=keys, how="left")
        .join(_judged(months, keys, policy).select(*keys, "objective"), on=keys, how="left")
        .select(*keys, "clocks", "needed_percent", "compliance_at_needed", "objective")
        .sort(keys)
    )


def projection(clocks: pl.DataFrame, policy: Policy, levels: pl.DataFrame | None = None) -> Credits:
    """Credits now, and if every pending clock ends met or every one ends breached (SLA_SPEC §5). The
    argument ``levels`` is ``compliance(clocks, policy)`` where the caller has it already (not computed twice).

    ``levels``: one row per level row of ``credits``: period, contract, service_level, currency,
    provisional, compliance, credit_rate, credit_amount, and the same three with ``all_met_`` and
    ``all_breached_`` in front; ``months`` likewise per period and contract, without compliance. Where
    nothing is pending the three agree.
    """
    now = credits(compliance(clocks, policy) if levels is None else levels, policy)
    cases = []
    for name, outcome in (("all_met", "met"), ("all_breached", "breached")):
        settled = clocks.with_columns(outcome=pl.when(pl.col("outcome") == "pending").then(pl.lit(outcome))
                                      .otherwise(pl.col("outcome")))
        cases.append((name, credits(compliance(settled, policy), policy)))

    def joined(part: str, keys: list[str], values: list[str]) -> pl.DataFrame:
        out = getattr(now, part).select(*keys, "currency", "provisional", *values)
        for name, case in cases:
            out = out.join(getattr(case, part).select(*keys, *[pl.col(c).alias(f"{name}_{c}") for c in values]),
                           on=keys, how="left", maintain_order="left")
        return out

    return Credits(joined("levels", ["period", "contract", "service_level"], ["compliance", "credit_rate", "credit_amount"]),
                   joined("months", ["period", "contract"], ["credit_rate", "credit_amount"]))


# --- scenario files -------------------------------------------------------------------------------


# --- the fast path: re-aggregating under new targets without touching the clocks ----------------

_GROUP_KEYS = ["period", "contract", "service_level", "priority"]
_SCALE = 1 << 40  # elapsed business seconds stay far below this (35,000 years)


@dataclass(frozen=True, eq=False)
class ElapsedIndex:
    """The clocks' elapsed times, sorted within each period, contract, service level and priority.

    Under a target ``T`` a group's stopped clocks are met where ``elapsed <= T`` and breached otherwise,
    its running clocks breached where ``elapsed > T`` and pending otherwise (SLA_SPEC §3), so each count is
    one binary search. Both arrays hold ``group * 2**40 + elapsed``, sorted, so one ``searchsorted``
    answers every group at once. ``groups`` has the keys and ``group`` numbers; ``*_start`` are the first
    position of each group in ``stopped`` and ``running``.
    """

    groups: pl.DataFrame
    stopped: np.ndarray
    running: np.ndarray
    stopped_start: np.ndarray
    running_start: np.ndarray
    #: the rows measured on ticket outcomes (docs/semantics.md §9), which no target moves: counted (``n``) per
    #: group, rating and outcome
    tickets: pl.DataFrame | None = None
    #: ``minute_counts`` of the clocks, which the finders read, and what the finders keep of them
    minutes: pl.DataFrame | None = None
    memo: dict = field(default_factory=dict)


def prepare(clocks: pl.DataFrame) -> ElapsedIndex:
    """Index clocks for ``evaluate_prepared`` (once per set of clocks, like the clocks themselves)."""
    tickets = None
    if clocks.height and not (clocks["measure"] == "clock").all():
        # counted per rating and outcome: a scenario only judges satisfaction again, by its rating
        tickets = (clocks.filter(pl.col("measure") == "ticket").group_by(*_GROUP_KEYS, "measure", "csat", "outcome")
                   .agg(n=pl.len().cast(pl.Int64)))
        clocks = clocks.filter(pl.col("measure") == "clock")
    groups = (
        clocks.group_by(_GROUP_KEYS)
        .agg(stopped=pl.col("elapsed_seconds").filter(~pl.col("running")).sort(),
             running=pl.col("elapsed_seconds").filter(pl.col("running")).sort())
        .sort(_GROUP_KEYS)
        .with_row_index("group")
    )

    def flat(column: str) -> tuple[np.ndarray, np.ndarray]:
        sizes = groups[column].list.len().to_numpy().astype(np.int64)
        values = groups[column].explode().drop_nulls().to_numpy().astype(np.int64)
        owner = np.repeat(np.arange(len(sizes), dtype=np.int64), sizes)
        return owner * _SCALE + values, np.concatenate([[0], np.cumsum(sizes)]).astype(np.int64)

    stopped, stopped_start = flat("stopped")
    running, running_start = flat("running")
    return ElapsedIndex(as_text(groups.drop("stopped", "running")), stopped, running, stopped_start, running_start,
                        tickets, minute_counts(clocks))


def evaluate_prepared(index: ElapsedIndex, policy: Policy) -> tuple[pl.DataFrame, Credits]:
    """``evaluate(clocks, policy)`` from an index of the clocks: the same two frames, in milliseconds.

    >>> # stopped elapsed 10m, 20m, 40m under a 30m target -> met 2, breached 1 (two binary searches)
    """
    scenario = _targeted(index.groups, policy)
    group = scenario["group"].to_numpy().astype(np.int64)
    probe = group * _SCALE + scenario["target_seconds"].to_numpy()
    met = np.searchsorted(index.stopped, probe, side="right") - index.stopped_start[group]
    stopped = index.stopped_start[group + 1] - index.stopped_start[group]
    pending = np.searchsorted(index.running, probe, side="right") - index.running_start[group]
    running = index.running_start[group + 1] - index.running_start[group]
    counts = scenario.select(KEYS).with_columns(
        met=pl.Series(met), breached=pl.Series(stopped - met + running - pending), pending=pl.Series(pending),
    )
    if index.tickets is not None:
        judged = as_text(rejudged(index.tickets, policy).group_by(KEYS).agg(
            *[pl.col("n").filter(pl.col("outcome") == o).sum().cast(pl.Int64).alias(o)
              for o in ("met", "breached", "pending")]))
        counts = pl.concat([counts.cast({c: pl.Int64 for c in ("met", "breached", "pending")}), judged])
    counts = counts.group_by(KEYS).agg(pl.col("met", "breached", "pending").sum())
    levels = finish(counts, policy, KEYS)
    return levels, credits(levels, policy)
