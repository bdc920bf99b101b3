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
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Mapping

import numpy as np
import polars as pl

from slametrics.clock import as_text, keyed_like
from slametrics.compliance import KEYS, compliance, counts, finish, judged
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


@dataclass(frozen=True)
class _Pools:
    """A finder's groups (``pools``: its keys, ``month`` the last, ``clocks``, the objective in force then,
    and ``target_seconds`` of that month's member: a priority's, where the pool is one), and their members: the index's groups the policy targets, each with its pool and target."""
    pools: pl.DataFrame
    pool: np.ndarray  # per member: its pool's row in ``pools``
    group: np.ndarray  # per member: its group in the index
    target: np.ndarray  # per member: the policy's target_seconds in its month
    longest: np.ndarray  # per member: its longest clock, in whole minutes (elapsed rounded up)


def _pools(index: "ElapsedIndex", policy: Policy, keys: list[str], whole_range: bool) -> _Pools:
    members = _targeted(index.groups, policy).with_columns(month=pl.col("period"))
    if whole_range:
        members = members.with_columns(period=pl.lit(WHOLE_RANGE))
    pools = members.select(keys).unique(maintain_order=True).with_row_index("pool")
    members = members.join(pools, on=keys, how="inner", maintain_order="left")
    group = members["group"].to_numpy().astype(np.int64)
    sizes = (index.stopped_start[group + 1] - index.stopped_start[group]
             + index.running_start[group + 1] - index.running_start[group])
    longest = np.maximum(_last(index.stopped, index.stopped_start, group),
                         _last(index.running, index.running_start, group))
    months = (members.with_columns(clocks=pl.Series(sizes, dtype=pl.Int64))
              .group_by("pool", *keys).agg(pl.col("month").max(), pl.col("clocks").sum(),
                                           pl.col("target_seconds").sort_by("month").last()).sort("pool"))
    pools = months.join(_judged(months.select(*keys, "month"), keys, policy), on=keys, how="left",
                        maintain_order="left")
    return _Pools(pools, members["pool"].to_numpy().astype(np.int64), group,
                  members["target_seconds"].to_numpy().astype(np.int64), (longest + 59) // 60)


def _last(values: np.ndarray, start: np.ndarray, group: np.ndarray) -> np.ndarray:
    """Each group's largest elapsed seconds in ``values`` (sorted within groups); 0 where it has none."""
    end = start[group + 1]
    has = end > start[group]
    return np.where(has, values[np.maximum(end - 1, 0)] - group * _SCALE if values.size else 0, 0)


def _smallest_passing(index: "ElapsedIndex", found: _Pools, probe, highest: np.ndarray):
    """Per pool, the smallest whole ``x`` in 0..``highest`` at which the pool meets its objective, its
    members' clocks judged against the targets ``probe(x)`` (seconds, one per member, growing with x), and
    the compliance there; -1 and NaN where none does.

    With the targets T a stopped clock is met where elapsed <= T and breached otherwise, a running one
    breached where elapsed > T and pending (not assessed) otherwise (SLA_SPEC §3-4): as T grows, met only
    grows and assessed only shrinks, so "meets" (met * den >= num * assessed, exact as ``compliance``
    compares shares) holds from some x on; a binary search per pool finds it, every pool at once, each
    count one ``searchsorted`` in the index. A pool passes there only if something is assessed at that x
    (assessed shrinks further beyond it)."""
    pools = found.pools.height
    num = found.pools["obj_num"].fill_null(1).to_numpy().astype(np.int64)
    den = found.pools["obj_den"].fill_null(1).to_numpy().astype(np.int64)

    def counts(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        met, stopped, pending, running = _counted(index, found.group, probe(x[found.pool]))
        return (np.bincount(found.pool, met, minlength=pools).astype(np.int64),
                np.bincount(found.pool, stopped + running - pending, minlength=pools).astype(np.int64))

    def meets(x: np.ndarray) -> np.ndarray:
        met, assessed = counts(x)
        return met * den >= num * assessed

    low, high = np.zeros(pools, dtype=np.int64), highest.astype(np.int64)
    possible = meets(high) & found.pools["obj_num"].is_not_null().to_numpy()
    while (open_ := low < high).any():
        middle = (low + high) // 2
        ok = meets(middle)
        high = np.where(open_ & ok, middle, high)
        low = np.where(open_ & ~ok, middle + 1, low)
    met, assessed = counts(low)
    passed = possible & (assessed > 0)
    share = np.divide(met, assessed, out=np.full(pools, np.nan), where=assessed > 0)
    return np.where(passed, low, -1), np.where(passed, share, np.nan)


def _index_of(source: "pl.DataFrame | ElapsedIndex") -> "ElapsedIndex":
    return source if isinstance(source, ElapsedIndex) else prepare(source)


def _found(pools: pl.DataFrame, name: str, values: np.ndarray, share: np.ndarray) -> pl.DataFrame:
    """``pools`` with the answers: ``name`` and compliance_at_needed, null where none passes (-1)."""
    hit = pl.Series(values >= 0)
    return pools.with_columns(pl.when(hit).then(pl.Series(values, dtype=pl.Int64)).alias(name),
                              compliance_at_needed=pl.when(hit).then(pl.Series(share, dtype=pl.Float64)))


def target_finder(clocks: "pl.DataFrame | ElapsedIndex", policy: Policy, whole_range: bool = False) -> pl.DataFrame:
    """Per period, contract, service level and priority: the smallest whole-minute target meeting the objective.

    With a target of ``T`` minutes a stopped clock is met where ``elapsed <= T`` and breached otherwise;
    a running clock is breached where ``elapsed > T`` and pending (not assessed) otherwise (SLA_SPEC
    §3-4). Without running clocks the answer is the k-th smallest elapsed time rounded up to a minute,
    where ``k = ceil(objective * assessed)``; running clocks only move it where dropping out of the
    assessed count lets a smaller target pass. Each priority is taken on its own, as if it alone had to
    meet its level's objective; ``min_tickets`` is not applied. Null where no clock of the group has stopped.
    With ``whole_range`` the months given are pooled into one period, ``WHOLE_RANGE``. ``clocks`` may be
    the clocks or their ``prepare``d index (the page's: made once per set of clocks, so that each answer
    is a binary search over minutes, every group at once, in the index's sorted elapsed times).

    Columns: period, contract, service_level, priority, clocks, target_seconds (the policy's; over a
    whole range that spans versions, the latest), needed_seconds (whole minutes), compliance_at_needed,
    objective.

    >>> # stopped elapsed 10m, 20m, 30m, 40m; objective 0.75 -> k = 3 -> needed 30m (3 of 4 met)
    """
    keys = ["period", "contract", "service_level", "priority"]
    index = _index_of(clocks)
    found = _pools(index, policy, keys, whole_range)
    highest = np.zeros(found.pools.height, dtype=np.int64)
    np.maximum.at(highest, found.pool, found.longest)  # every clock of the pool met or pending
    minutes, share = _smallest_passing(index, found, lambda x: x * 60, highest)
    return (_found(found.pools, "needed_seconds", np.where(minutes >= 0, minutes * 60, -1), share)
            .select(*keys, "clocks", "target_seconds", "needed_seconds", "compliance_at_needed", "objective")
            .sort(keys))


def scaled_targets(targets: Mapping[str, int], percent: int) -> dict[str, int]:
    """Each target times ``percent`` / 100, rounded up to whole minutes: {'P1': 900}, 150 -> {'P1': 1380}."""
    return {p: _scaled(seconds, percent) for p, seconds in targets.items()}


def _scaled(seconds, percent):
    """``seconds`` (whole minutes of it) times ``percent`` / 100, rounded up to whole minutes, in seconds:
    for ints or numpy arrays alike (the finder's binary search scales every target at once)."""
    return -(-(seconds // 60) * percent // 100) * 60


def factor_finder(clocks: "pl.DataFrame | ElapsedIndex", policy: Policy, whole_range: bool = False) -> pl.DataFrame:
    """Per period, contract and service level: the smallest factor on all of the level's targets that
    would have met its objective, its priorities pooled as its objective pools them.

    The factor is a whole percentage ``F``: every target becomes ``scaled_targets(targets, F)`` (``T * F
    / 100`` rounded up to whole minutes), and the level's compliance over all its priorities is judged
    as ``target_finder`` judges one priority. 100 means today's targets just do; 80, that they could
    have been 20% shorter. A priority whose target is 0 never moves: its breaches stay. ``min_tickets``
    is not applied; null where no clock stopped, or where no factor can pass. With ``whole_range`` the
    months given are pooled into one period, ``WHOLE_RANGE``. Found as ``target_finder`` finds its
    minutes: a binary search over F in the index.

    Columns: period, contract, service_level, clocks, needed_percent, compliance_at_needed, objective.

    >>> # P1 target 60m: a clock stopped at 90m is met from 150% on (60m * 1.50 = 90m)
    """
    keys = ["period", "contract", "service_level"]
    index = _index_of(clocks)
    found = _pools(index, policy, keys, whole_range)
    minutes = found.target // 60
    # a clock of m whole minutes is met by ceil(target * F / 100) from F = 100 * (m - 1) // target + 1 on:
    # at the largest such F of a pool every clock on a moving target is met or pending
    enough = np.where((minutes > 0) & (found.longest > 0), (100 * (found.longest - 1)) // np.maximum(minutes, 1) + 1, 0)
    highest = np.zeros(found.pools.height, dtype=np.int64)
    np.maximum.at(highest, found.pool, enough)
    percent, share = _smallest_passing(index, found, lambda x: _scaled(found.target, x), highest)
    return (_found(found.pools, "needed_percent", percent, share)
            .select(*keys, "clocks", "needed_percent", "compliance_at_needed", "objective")
            .sort(keys))


def projection(clocks: pl.DataFrame, policy: Policy, levels: pl.DataFrame | None = None) -> Credits:
    """Credits now, and if every pending clock ends met or every one ends breached (SLA_SPEC §5). The
    argument ``levels`` is ``compliance(clocks, policy)`` where the caller has it already (not computed twice).

    ``levels``: one row per level row of ``credits``: period, contract, service_level, currency,
    provisional, compliance, credit_rate, credit_amount, and the same three with ``all_met_`` and
    ``all_breached_`` in front; ``months`` likewise per period and contract, without compliance. Where
    nothing is pending the three agree.
    """
    return projection_of_counts(counts(clocks), policy, levels)


def projection_of_counts(base: pl.DataFrame, policy: Policy, levels: pl.DataFrame | None = None) -> Credits:
    """``projection`` from the clocks' ``compliance.counts`` (a page that has them counts no clock again; the
    counts of some months are those of all months with the others' rows left out). Each settled case moves
    the pending count into met or breached: no clock is touched."""
    now = credits(judged(base, policy) if levels is None else levels, policy)
    cases = []
    for name, outcome in (("all_met", "met"), ("all_breached", "breached")):
        settled = base.with_columns((pl.col(outcome) + pl.col("pending")).alias(outcome), pending=pl.lit(0, pl.Int64))
        cases.append((name, credits(judged(settled, policy), policy)))

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
                        tickets)


def _counted(index: ElapsedIndex, group: np.ndarray, target: np.ndarray) -> tuple[np.ndarray, ...]:
    """Per index group in ``group`` under the target (seconds) beside it: (met, stopped, pending, running).

    Stopped clocks are met where elapsed <= target, running ones pending there (SLA_SPEC §3): two binary
    searches. A target past 2**40 s is taken as 2**40 - 1, which every elapsed time is below, so that its
    search never reaches the next group's clocks (a finder's factor can scale a long target that far)."""
    at = group * _SCALE + np.minimum(target, _SCALE - 1)
    met = np.searchsorted(index.stopped, at, side="right") - index.stopped_start[group]
    pending = np.searchsorted(index.running, at, side="right") - index.running_start[group]
    return (met, index.stopped_start[group + 1] - index.stopped_start[group], pending,
            index.running_start[group + 1] - index.running_start[group])


def evaluate_prepared(index: ElapsedIndex, policy: Policy) -> tuple[pl.DataFrame, Credits]:
    """``evaluate(clocks, policy)`` from an index of the clocks: the same two frames, in milliseconds.

    >>> # stopped elapsed 10m, 20m, 40m under a 30m target -> met 2, breached 1 (two binary searches)
    """
    scenario = _targeted(index.groups, policy)
    met, stopped, pending, running = _counted(index, scenario["group"].to_numpy().astype(np.int64),
                                              scenario["target_seconds"].to_numpy().astype(np.int64))
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
