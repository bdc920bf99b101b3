"""Business time: a calendar's working intervals as absolute time, and cumulative sums over them.

Each local interval's start and end are turned into absolute time on their own with the time
zone's rules (SLA_SPEC §3), so a day of ``08:00-18:00`` is 10 hours on either side of a
daylight-saving change, and ``00:00-06:00`` on a change day counts 5 or 7 hours. A local time that
occurs twice takes its earlier reading; one that does not exist (in the spring-forward gap) is read
with the offset in force before the change. Where two converted intervals overlap (only possible
with endpoints inside a gap) a second is counted once.

Business time in ``[a, b)`` is ``F(b) - F(a)``, where ``F`` is the calendar's cumulative business
time; ``business_time`` builds ``F`` as a bucketed table so that it is read, not searched, for a
whole column of instants (``BusinessTime.before``). ``local_months`` does the same for the local
month of an instant (a clock's period).
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import lru_cache
from zoneinfo import ZoneInfo

import numpy as np

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


_FAR = 2**62
FAR = _FAR  # an instant beyond any table: "not within the table's span"
#: bucket widths tried, widest first: each must hold at most one start of a working interval
_WIDTHS = (86400, 43200, 21600, 10800, 7200, 3600, 1800, 900, 600, 300, 120, 60, 30, 20, 10, 5, 2, 1)


def _utc_midnight(day: dt.date) -> int:
    return int(dt.datetime.combine(day, dt.time(), dt.timezone.utc).timestamp())


@dataclass(frozen=True, eq=False)
class BusinessTime:
    """Business seconds before any instant of ``[origin, end)`` of one calendar, in a few array reads.

    The span is cut into buckets of ``width`` seconds so narrow that each holds at most one start of
    a working interval. Per bucket the table keeps the interval in force at the bucket's start (k0)
    and the one starting inside it (k1, if any), each as ``F(t) = min(t + a, b)``: ``a`` is the
    cumulative business time before the interval less its start, ``b`` the cumulative time at its
    end. Intervals are disjoint and sorted, so ``F(t) = max(min(t + a0, b0), min(t + a1, b1))``
    (k1 contributes nothing before it starts), with no branch and no search per instant.
    """

    origin: int
    end: int
    width: int
    a0: np.ndarray
    b0: np.ndarray
    a1: np.ndarray
    b1: np.ndarray
    #: the working intervals' starts and the business time before each one's start and at its end, for ``instant``
    starts: np.ndarray | None = None
    begun: np.ndarray | None = None
    done: np.ndarray | None = None

    def before(self, t: np.ndarray) -> np.ndarray:
        """F(t): business seconds in [origin, t) plus those before origin, for epoch seconds ``t`` (Int64)."""
        k = (t - self.origin) // np.int64(self.width)  # an int64 divisor: numpy's fast path (8x a Python int)
        return np.maximum(np.minimum(t + np.take(self.a0, k), np.take(self.b0, k)),
                          np.minimum(t + np.take(self.a1, k), np.take(self.b1, k)))


    def instant(self, b: np.ndarray) -> np.ndarray:
        """The inverse of ``before``: the first instant ``t`` with ``F(t) == b`` (the moment a clock that
        needs ``b`` business seconds in all has them), for the positions ``before`` gives; ``FAR`` where
        the table's intervals end first. ``before(instant(b)) == b``, and any earlier instant has less.

        >>> # mon-fri 08:00-18:00 UTC: 1h of business time after Fri 17:30 is due on Mon 08:30
        """
        k = np.searchsorted(self.done, b, side="left")  # the first interval whose end reaches b
        inside = k < len(self.done)
        k = np.minimum(k, len(self.done) - 1)
        return np.where(inside, np.take(self.starts, k) + b - np.take(self.begun, k), FAR)


    def past(self, t: np.ndarray, seconds: np.ndarray) -> np.ndarray:
        """The moment a clock running from ``t`` goes past ``seconds`` of business time: the latest instant
        with exactly ``seconds`` behind it, the next second counting (so never before ``t``, and at the
        next working second where ``seconds`` is 0 outside working hours); ``FAR`` beyond the table.

        >>> # mon-fri 08:00-18:00 UTC: 1h after Fri 17:30 is Mon 08:30; 0 after Sat 10:00 is Mon 08:00
        """
        reached = self.instant(self.before(t) + seconds + 1)
        return np.where(reached == FAR, FAR, reached - 1)


#: tables built elsewhere (on a Spark driver, ``slametrics.partitioned``) and handed to this process: a
#: look-up for ``[first, last]`` takes one whose span holds it. Business time is read as differences
#: ``F(b) - F(a)``, which do not depend on where a table starts, so a wider table gives the same figures.
_SHIPPED: dict[tuple[str, object], "BusinessTime | Months"] = {}


def ship(tables: dict[tuple[str, object], "BusinessTime | Months"]) -> None:
    """Use ``tables`` (``("business", calendar)`` or ``("months", zone)`` -> table) where they span a look-up."""
    _SHIPPED.clear()
    _SHIPPED.update(tables)


def _shipped(kind: str, key: object, first: dt.date, last: dt.date):
    table = _SHIPPED.get((kind, key))
    if table is not None and table.origin <= _utc_midnight(first) and _utc_midnight(last) + 86400 <= table.end:
        return table
    return None


def business_time(cal: Calendar, first: dt.date, last: dt.date) -> BusinessTime:
    """The look-up table of ``cal`` for instants from UTC midnight of ``first`` to the end of ``last``
    (or a shipped one spanning them, ``ship``).

    >>> # mon-fri 08:00-18:00 UTC: F(Mon 09:00) - F(Mon 08:30) = 1800; F(Sat 12:00) - F(Fri 17:00) = 3600
    """
    return _shipped("business", cal, first, last) or build_business_time(cal, first, last)


@lru_cache(maxsize=64)
def build_business_time(cal: Calendar, first: dt.date, last: dt.date) -> BusinessTime:
    """``business_time`` built here, from the time zone's rules and the holidays."""
    origin, end = _utc_midnight(first), _utc_midnight(last) + 86400
    spans = working_intervals(cal, first - dt.timedelta(days=2), last + dt.timedelta(days=2))
    starts = np.array([-_FAR] + [s for s, _ in spans], dtype=np.int64)  # a sentinel: every instant has an interval
    ends = np.array([-_FAR] + [e for _, e in spans], dtype=np.int64)
    cum = np.concatenate([[0], np.cumsum(ends - starts)[:-1]]).astype(np.int64)
    inside = starts[(starts >= origin) & (starts < end)]
    width = next(w for w in _WIDTHS if len(inside) < 2 or bool(np.all(np.diff((inside - origin) // w) > 0)))
    bucket = origin + np.arange((end - origin) // width + 1, dtype=np.int64) * width
    k0 = np.searchsorted(starts, bucket, side="right") - 1
    k1 = np.minimum(k0 + 1, len(starts) - 1)
    has1 = (k0 + 1 < len(starts)) & (starts[k1] < bucket + width)
    return BusinessTime(
        origin=origin, end=end, width=width,
        a0=cum[k0] - starts[k0], b0=cum[k0] + ends[k0] - starts[k0],
        a1=np.where(has1, cum[k1] - starts[k1], -_FAR), b1=np.where(has1, cum[k1] + ends[k1] - starts[k1], -_FAR),
        starts=starts[1:], begun=cum[1:], done=(cum + ends - starts)[1:],
    )


@dataclass(frozen=True, eq=False)
class Months:
    """The local calendar month of any instant of ``[origin, end)`` in one time zone, per UTC day.

    A UTC day holds at most one local month start (``switch``): before it the month is ``before``,
    from it ``after``. Months are numbered ``(year - 1970) * 12 + month - 1``.
    """

    origin: int
    end: int
    switch: np.ndarray
    month_before: np.ndarray
    month_after: np.ndarray

    def of(self, t: np.ndarray) -> np.ndarray:
        k = (t - self.origin) // np.int64(86400)  # an int64 divisor: numpy's fast path (8x a Python int)
        return np.where(t >= np.take(self.switch, k), np.take(self.month_after, k), np.take(self.month_before, k))


def local_months(timezone: str, first: dt.date, last: dt.date) -> Months:
    """The month table of ``timezone`` for instants from UTC midnight of ``first`` to the end of ``last``
    (or a shipped one spanning them, ``ship``)."""
    return _shipped("months", timezone, first, last) or build_local_months(timezone, first, last)


@lru_cache(maxsize=64)
def build_local_months(timezone: str, first: dt.date, last: dt.date) -> Months:
    """``local_months`` built here, from the time zone's rules."""
    tz = ZoneInfo(timezone)
    origin, end = _utc_midnight(first), _utc_midnight(last) + 86400
    month = (first.year - 1970) * 12 + first.month - 1 - 2
    starts, numbers = [], []
    while not starts or starts[-1] <= end + 86400:
        starts.append(local_to_epoch(dt.date(1970 + month // 12, month % 12 + 1, 1), 0, tz))
        numbers.append(month)
        month += 1
    s, n = np.array(starts, dtype=np.int64), np.array(numbers, dtype=np.int32)
    day = origin + np.arange((end - origin) // 86400 + 1, dtype=np.int64) * 86400
    k0 = np.searchsorted(s, day, side="right") - 1
    switch = np.where(s[k0 + 1] < day + 86400, s[k0 + 1], _FAR)
    return Months(origin=origin, end=end, switch=switch, month_before=n[k0], month_after=n[k0 + 1])


def month_label(number: int) -> str:
    """12 * (2026 - 1970) + 2 -> '2026-03'."""
    return f"{1970 + number // 12:04d}-{number % 12 + 1:02d}"
