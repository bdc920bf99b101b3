"""The what-if finders as they were first written, kept as the slow path that ``slametrics.whatif``'s
binary search over the prepared index must agree with exactly (tests/test_whatif.py).

Here every clock is counted per whole minute it took, and a cumulative curve per group says how many are
met and assessed at each step at which something changes; a finder's answer is the first step that
passes. The product answers the same question by a binary search in the index's sorted elapsed times
(docs/semantics.md §6): this one never looks at the index, so it cannot share its mistakes."""
from __future__ import annotations

import polars as pl

from slametrics.clock import as_text
from slametrics.policy import Policy
from slametrics.whatif import _GROUP_KEYS, WHOLE_RANGE, _judged, _targeted


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


def _periods(clocks: pl.DataFrame, whole_range: bool) -> pl.DataFrame:
    """The clocks with their ``month`` kept, and their period pooled into ``WHOLE_RANGE`` if asked."""
    clocks = clocks.with_columns(month=pl.col("period").cast(pl.String))
    return clocks.with_columns(period=pl.lit(WHOLE_RANGE)) if whole_range else clocks


def target_finder(clocks: pl.DataFrame, policy: Policy, whole_range: bool = False) -> pl.DataFrame:
    """``whatif.target_finder`` from the clocks themselves, by the curve over whole minutes."""
    keys = ["period", "contract", "service_level", "priority"]
    counts = minute_counts(clocks)
    # the groups of months the policy targets, with the target in force in each (a few hundred rows)
    targeted = _targeted(counts.select(_GROUP_KEYS).unique(), policy)
    chosen = targeted.select(_GROUP_KEYS)
    known = _periods(counts.join(chosen, on=_GROUP_KEYS, how="semi"), whole_range)
    # a stopped clock is met by T iff its elapsed time rounded up to whole minutes is <= T
    curve, months = _curve(known.select(*keys, "month", "n", step=pl.col("minute"), running=pl.col("running")), keys)
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


def factor_finder(clocks: pl.DataFrame, policy: Policy, whole_range: bool = False) -> pl.DataFrame:
    """``whatif.factor_finder`` from the clocks themselves, by the curve over whole percentages."""
    keys = ["period", "contract", "service_level"]
    known = _periods(_targeted(minute_counts(clocks), policy), whole_range)
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
