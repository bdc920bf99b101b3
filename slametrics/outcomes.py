"""The outcome of each measured ticket, written once for every computation: one rule per kind of
measure a service level declares (``ServiceLevel.measure``).

- ``clock`` (docs/semantics.md §3): a stopped clock is ``met`` where ``elapsed <= target`` and
  ``breached`` otherwise; a running one is ``breached`` where ``elapsed > target`` and ``pending``
  otherwise. The overrun is what a breach went over.
- ``ticket`` (docs/semantics.md §9): once resolved, ``first_contact_resolution`` is met where no first
  response came before the resolution and the ticket was never reopened, ``not_reopened`` where it was
  never reopened, ``satisfaction`` where its rating is at least the level's ``satisfied_at_least``;
  before that, pending (satisfaction has no row until resolved and rated).

The engine (``clock.evaluate_clocks``) and what-if (``whatif.retarget``) both call these; the prepared
index of what-if counts the clock rule by binary search and is checked against it in tests.
"""
from __future__ import annotations

import numpy as np
import polars as pl

OUTCOMES = ["breached", "met", "pending"]  # sorted: an outcome's code is its place here
BREACHED, MET, PENDING = range(3)
OUTCOME = pl.Enum(OUTCOMES)
MEASURE = pl.Enum(["clock", "ticket"])


def enum_of(codes: pl.Series | np.ndarray, values: list[str]) -> pl.Series:
    """The Enum column of ``values`` (sorted, distinct) whose rows are the 0-based ``codes`` (null stays null)."""
    dtype = pl.Enum(values)
    physical = pl.Series(codes).cast(pl.Series([], dtype=dtype).cat.physical().dtype)
    return physical.cat.to(dtype)


def clock_codes(elapsed: np.ndarray, target: np.ndarray, running: np.ndarray) -> np.ndarray:
    """The outcome codes (into ``OUTCOMES``) of clocks: breached past the target, else pending while running,
    else met."""
    return np.where(elapsed > target, BREACHED, np.where(running, PENDING, MET)).astype(np.uint8)


def ticket_codes(level, resolved: np.ndarray, answered_before: np.ndarray, reopened: np.ndarray,
                 csat: np.ndarray) -> np.ndarray:
    """The outcome codes of a ticket-outcome ``level`` (a ``ServiceLevel``) for tickets that are
    ``resolved`` or not, had a first response strictly before the resolution (``answered_before``), were
    reopened so many times (0 where empty) and rated ``csat`` (NaN where unrated)."""
    if level.metric == "first_contact_resolution":
        met = ~answered_before & (reopened == 0)
    elif level.metric == "not_reopened":
        met = reopened == 0
    elif level.metric == "satisfaction":
        met = satisfied(csat, float(level.satisfied_at_least))
    else:
        raise ValueError(f"{level.metric} is not measured on ticket outcomes")
    return np.where(resolved, np.where(met, MET, BREACHED), PENDING).astype(np.uint8)


def satisfied(csat: np.ndarray, bar: np.ndarray | float) -> np.ndarray:
    """Whether each rating is at least its bar (ratings and bars are short decimals: exact as doubles)."""
    return csat >= bar


def of_clock(elapsed: np.ndarray, target: np.ndarray, running: np.ndarray) -> tuple[pl.Series, np.ndarray]:
    """(outcome, overrun_seconds) of clocks with these elapsed and target seconds, running or stopped.

    >>> out, over = of_clock(np.array([1200, 600, 600]), np.array([900, 900, 900]), np.array([False, False, True]))
    >>> out.to_list(), over.tolist()
    (['breached', 'met', 'pending'], [300, 0, 0])
    """
    return enum_of(clock_codes(elapsed, target, running), OUTCOMES), np.where(elapsed > target, elapsed - target, 0)
