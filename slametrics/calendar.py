"""Business time: a calendar's working intervals as absolute time, and cumulative sums over them.

Each local interval's start and end are turned into absolute time on their own with the time
zone's rules (SLA_SPEC §3), so a day of ``08:00-18:00`` is 10 hours on either side of a
daylight-saving change, and ``00:00-06:00`` on a change day counts 5 or 7 hours. A local time that
occurs twice takes its earlier reading; one that does not exist (in the spring-forward gap) is read
with the offset in force before the change. Where two converted intervals overlap (only possible
with endpoints inside a gap) a second is counted once.

The table has one row per working interval with ``cum_before``, the business seconds of all
earlier intervals, so business time up to any instant ``t`` is one as-of look-up:
``F(t) = cum_before + clamp(t - start_s, 0, end_s - start_s)`` over the last interval starting
at or before ``t``; and business time in ``[a, b)`` is ``F(b) - F(a)``.
"""
from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import numpy as np
import polars as pl

from slametrics.policy import Calendar

EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.timezone.utc)


def local_to_epoch(day: dt.date, seconds: int, tz: ZoneInfo) -> int:
    """Epoch seconds of local ``day`` + ``seconds`` (may be 86400: the next midnight), fold=0."""
    if seconds >= 86400:
        day, seconds = day + dt.timedelta(days=1), seconds - 86400
    local = dt.datetime.combine(day, dt.time(seconds // 3600, seconds % 3600 // 60, seconds % 60), tzinfo=tz)
    return int(local.timestamp())


def working_intervals(cal: Calendar, first: dt.date, last: dt.date) -> list[tuple[int, int]]:
    """Absolute (start, end) epoch seconds of the working intervals on local dates [first, last], merged."""
    tz = ZoneInfo(cal.timezone)
    holidays = cal.holidays_between(first, last)
    out: list[tuple[int, int]] = []
    day = first
    while day <= last:
        if day not in holidays:
            for start, end in cal.hours[day.weekday()]:
                s, e = local_to_epoch(day, start, tz), local_to_epoch(day, end, tz)
                if e > s:
                    out.append((s, e))
        day += dt.timedelta(days=1)
    out.sort()
    merged: list[tuple[int, int]] = []
    for s, e in out:
        if merged and s <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], e))
        else:
            merged.append((s, e))
    return merged


def interval_table(calendars: dict[str, Calendar], first: dt.date, last: dt.date) -> pl.DataFrame:
    """One row per working interval: cal, start_s, end_s, cum_before (all Int64 seconds).

    A sentinel row (start_s = -2**62, zero length) per calendar makes every instant find a row.
    """
    frames = []
    for name, cal in calendars.items():
        spans = working_intervals(cal, first - dt.timedelta(days=1), last + dt.timedelta(days=1))
        starts = np.array([-(2**62)] + [s for s, _ in spans], dtype=np.int64)
        ends = np.array([-(2**62)] + [e for _, e in spans], dtype=np.int64)
        lengths = ends - starts
        cum = np.concatenate([[0], np.cumsum(lengths)[:-1]]).astype(np.int64)
        frames.append(pl.DataFrame({"cal": name, "start_s": starts, "end_s": ends, "cum_before": cum}))
    if not frames:
        return pl.DataFrame(schema={"cal": pl.String, "start_s": pl.Int64, "end_s": pl.Int64, "cum_before": pl.Int64})
    return pl.concat(frames)


def day_table(calendars: dict[str, Calendar], first: dt.date, last: dt.date) -> pl.DataFrame:
    """One row per calendar and local date: cal, day_start_s (epoch of local midnight), day, period ('YYYY-MM')."""
    rows_cal, rows_start, rows_day = [], [], []
    for name, cal in calendars.items():
        tz = ZoneInfo(cal.timezone)
        day = first - dt.timedelta(days=1)
        while day <= last + dt.timedelta(days=1):
            rows_cal.append(name)
            rows_start.append(local_to_epoch(day, 0, tz))
            rows_day.append(day)
            day += dt.timedelta(days=1)
    frame = pl.DataFrame({"cal": rows_cal, "day_start_s": rows_start, "day": rows_day},
                         schema={"cal": pl.String, "day_start_s": pl.Int64, "day": pl.Date})
    return frame.with_columns(period=pl.col("day").dt.strftime("%Y-%m"))


def business_seconds(cal: Calendar, start: dt.datetime, end: dt.datetime) -> int:
    """Business seconds of ``cal`` in [start, end) for a single span (for the UI, not for bulk work)."""
    a, b = int(start.timestamp()), int(end.timestamp())
    if b <= a:
        return 0
    first = (start.astimezone(ZoneInfo(cal.timezone)).date()) - dt.timedelta(days=1)
    last = (end.astimezone(ZoneInfo(cal.timezone)).date()) + dt.timedelta(days=1)
    return sum(max(0, min(e, b) - max(s, a)) for s, e in working_intervals(cal, first, last))
