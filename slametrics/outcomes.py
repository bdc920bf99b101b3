"""The outcome of a clock against its target (docs/semantics.md §3), written once for every computation.

A stopped clock is ``met`` where ``elapsed <= target`` and ``breached`` otherwise; a running one is
``breached`` where ``elapsed > target`` and ``pending`` otherwise. The overrun is what a breach went
over. The engine's clocks (``clock``) and what-if's new targets (``whatif.retarget``) both call
``of_clock``; the prepared index of what-if counts the same rule by binary search and is checked
against it in tests.
"""
from __future__ import annotations

import numpy as np
import polars as pl

OUTCOMES = ["breached", "met", "pending"]  # sorted: an outcome's code is its place here
BREACHED, MET, PENDING = range(3)
OUTCOME = pl.Enum(OUTCOMES)


def enum_of(codes: pl.Series | np.ndarray, values: list[str]) -> pl.Series:
    """The Enum column of ``values`` (sorted, distinct) whose rows are the 0-based ``codes`` (null stays null)."""
    dtype = pl.Enum(values)
    physical = pl.Series(codes).cast(pl.Series([], dtype=dtype).cat.physical().dtype)
    return physical.cat.to(dtype)


def of_clock(elapsed: np.ndarray, target: np.ndarray, running: np.ndarray) -> tuple[pl.Series, np.ndarray]:
    """(outcome, overrun_seconds) of clocks with these elapsed and target seconds, running or stopped.

    >>> out, over = of_clock(np.array([1200, 600, 600]), np.array([900, 900, 900]), np.array([False, False, True]))
    >>> out.to_list(), over.tolist()
    (['breached', 'met', 'pending'], [300, 0, 0])
    """
    over = elapsed > target
    codes = np.where(over, BREACHED, np.where(running, PENDING, MET)).astype(np.uint8)
    return enum_of(codes, OUTCOMES), np.where(over, elapsed - target, 0)
