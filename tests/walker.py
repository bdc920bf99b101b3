"""An obviously-correct, slow business-time walker for tests: classifies instants UTC -> local.

The engine turns local intervals into absolute time; this goes the other way, instant by instant
(a minute at a time where a whole minute fits, since working hours are minute-aligned), so the two
agree only if both are right.
"""
from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from slametrics.policy import Calendar


def is_working(cal: Calendar, t: int, holidays: set[dt.date]) -> bool:
    local = dt.datetime.fromtimestamp(t, ZoneInfo(cal.timezone))
    if local.date() in holidays:
        return False
    second = local.hour * 3600 + local.minute * 60 + local.second
    return any(start <= second < end for start, end in cal.hours[local.weekday()])


def walk(cal: Calendar, a: int, b: int, counts=lambda t: True, breaks: tuple[int, ...] = ()) -> int:
    """Business seconds in [a, b) at which ``counts(t)`` holds.

    ``counts`` may change only on minute boundaries and at the instants in ``breaks``.
    """
    first = dt.datetime.fromtimestamp(a, dt.timezone.utc).date() - dt.timedelta(days=2)
    last = dt.datetime.fromtimestamp(b, dt.timezone.utc).date() + dt.timedelta(days=2)
    holidays = cal.holidays_between(first, last)
    total, t = 0, a
    while t < b:
        nxt = min([b, (t // 60 + 1) * 60] + [x for x in breaks if x > t])
        if is_working(cal, t, holidays) and counts(t):
            total += nxt - t
        t = nxt
    return total
