"""Evidence down to the ticket: one ticket's stored facts, its status spans, and when each of its clocks
reached (or will reach) its target, for the ticket page (docs/dashboard.md, "Ticket").

The clock figures themselves (target, elapsed, paused, outcome) are the engine's (``evaluate_clocks``);
this module only reads what they were computed from and places the target on the time axis.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import duckdb
import polars as pl

from slametrics.calendar import working_intervals
from slametrics.policy import Calendar
from slametrics.scope import Scope
from slametrics.sql import statement


@dataclass(frozen=True)
class Ticket:
    """A stored ticket as the scope may see it: its columns (times as UTC datetimes) and status spans."""

    facts: dict
    spans: pl.DataFrame  # status, start (Datetime UTC), end (Datetime UTC or null: held since)

    @property
    def ticket_id(self) -> str:
        return self.facts["ticket_id"]


def _utc(seconds: int | None) -> dt.datetime | None:
    return None if seconds is None else dt.datetime.fromtimestamp(seconds, dt.timezone.utc)


def find_ticket(con: duckdb.DuckDBPyConnection, ticket_id: str, *, scope: Scope) -> Ticket | None:
    """The ticket ``ticket_id`` where the scope may see it; None for one that is not stored or not the
    scope's (the two read alike: a client cannot learn that another client's ticket exists)."""
    cur = con.cursor()
    try:
        rows = cur.execute(statement("ticket_record"), {"ticket_id": ticket_id, **scope.params()}).fetchall()
        if not rows:
            return None
        names = [d[0] for d in cur.description]
        record = dict(zip(names, rows[0]))
        spans = cur.execute(statement("ticket_spans"), {"tkey": record.pop("tkey"), **scope.params()}).fetchall()
    finally:
        cur.close()
    for column in ("created", "first_response", "resolved"):
        record[f"{column}_at"] = _utc(record.pop(f"{column}_s"))
    frame = pl.DataFrame({"status": [s for s, _, _ in spans], "start": [_utc(a) for _, a, _ in spans],
                          "end": [_utc(b) for _, _, b in spans]},
                         schema={"status": pl.String, "start": pl.Datetime("us", "UTC"), "end": pl.Datetime("us", "UTC")})
    return Ticket(record, frame)


def pauses(ticket: Ticket, statuses: tuple[str, ...] | list[str], until: dt.datetime) -> list[tuple[dt.datetime, dt.datetime]]:
    """The spans of the ticket in a pausing status, as (start, end) with an open one ending at ``until``."""
    out = []
    for status, start, end in ticket.spans.iter_rows():
        if status in statuses and start < until:
            out.append((start, min(end, until) if end is not None else until))
    return out


def reached_at(calendar: Calendar, created: dt.datetime, target_seconds: int,
               paused: list[tuple[dt.datetime, dt.datetime]], horizon_days: int = 400) -> dt.datetime | None:
    """The moment a clock started at ``created`` has used ``target_seconds`` of business time, not
    counting ``paused`` (SLA_SPEC §3): where a met clock's target would have been reached, where a
    breached one's was. Pauses that start later than that moment do not move it. None if it is not
    reached within ``horizon_days`` (a calendar with almost no working time).

    The same rule as ``evaluate_clocks``: a clock stopped at this moment has elapsed exactly the target.
    """
    start = int(created.timestamp())
    cut = sorted((int(a.timestamp()), int(b.timestamp())) for a, b in paused if b > a)
    left = target_seconds
    day = created.astimezone(dt.timezone.utc).date() - dt.timedelta(days=1)
    last = day + dt.timedelta(days=horizon_days)
    while day <= last:
        chunk_end = min(day + dt.timedelta(days=31), last)
        for s, e in working_intervals(calendar, day, chunk_end):
            s = max(s, start)
            if e <= s:
                continue
            for piece_s, piece_e in _minus(s, e, cut):
                if piece_e - piece_s >= left:
                    return _utc(piece_s + left)
                left -= piece_e - piece_s
        day = chunk_end + dt.timedelta(days=1)
    return None


def _minus(s: int, e: int, cut: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """[s, e) less the sorted intervals of ``cut``."""
    out, at = [], s
    for a, b in cut:
        if b <= at or a >= e:
            continue
        if a > at:
            out.append((at, a))
        at = max(at, b)
        if at >= e:
            break
    if at < e:
        out.append((at, e))
    return out


def working_time(calendar: Calendar, first: dt.datetime, last: dt.datetime) -> list[tuple[dt.datetime, dt.datetime]]:
    """The calendar's working intervals between two moments (for shading a timeline)."""
    lo, hi = int(first.timestamp()), int(last.timestamp())
    days = (first.astimezone(dt.timezone.utc).date() - dt.timedelta(days=1),
            last.astimezone(dt.timezone.utc).date() + dt.timedelta(days=1))
    return [(_utc(max(s, lo)), _utc(min(e, hi))) for s, e in working_intervals(calendar, *days) if e > lo and s < hi]
