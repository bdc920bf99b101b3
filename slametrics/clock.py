"""Clocks (SLA_SPEC §3): business time from creation to first response or resolution, less pauses.

DuckDB does what it is best at: one scan of the stored tickets (``sql/evaluate_clocks.sql``) and one
of the stored status spans in a pausing status (``sql/pause_spans.sql``), read in one snapshot. The
rest is whole-column numpy and polars work, one pass per service level:

- business time is looked up, not iterated: ``F(end) - F(created_at)`` where ``F`` is a calendar's
  cumulative business time, read from a bucketed table in a few array reads
  (``calendar.business_time``); the period is read the same way (``calendar.local_months``);
- pauses are computed only for the tickets that have a span in a pausing status: a span ``[s, e)``
  paused a clock ending at ``end`` for ``max(0, min(F(e), F(end)) - F(s))`` business seconds (``F``
  is monotone, so clipping the span at ``end`` is clipping its business time), summed per clock.

Spans are derived from the events at ingest (``sql/store_spans.sql``): each status holds from its
event (moved to ``created_at`` when earlier) to the next event of the ticket, ties in input order.
An event after ``as_of`` starts a span at or after every clock's end, so it never counts.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import duckdb
import numpy as np
import polars as pl

from slametrics.calendar import business_time, local_months, month_label
from slametrics.errors import DataError
from slametrics.policy import Contract, Policy, ServiceLevel
from slametrics.sql import statement
from slametrics.timeparse import parse_as_of

CLOCK_COLUMNS = ["ticket_id", "contract", "service_level", "metric", "priority", "period", "target_seconds",
                 "elapsed_seconds", "paused_seconds", "outcome", "overrun_seconds"]
UTC_TIME = pl.Datetime("us", "Etc/UTC")
CLOCK_SCHEMA = {
    "ticket_id": pl.String, "contract": pl.String, "service_level": pl.String, "metric": pl.String,
    "priority": pl.String, "period": pl.String, "target_seconds": pl.Int64, "elapsed_seconds": pl.Int64,
    "paused_seconds": pl.Int64, "outcome": pl.String, "overrun_seconds": pl.Int64, "client": pl.String,
    "team": pl.String, "category": pl.String, "agent": pl.String, "channel": pl.String, "csat": pl.Float64,
    "created_at": UTC_TIME, "stop_at": UTC_TIME, "running": pl.Boolean,
}
OUTCOMES = pl.Series("outcome", ["met", "breached", "pending"], dtype=pl.String)
_NONE = np.iinfo(np.int64).max  # an absent instant


@dataclass(frozen=True)
class _Level:
    """One service level of one contract, as the clock loop needs it."""

    contract: Contract
    level: ServiceLevel
    calendar: str
    pausing: tuple[str, ...]


def _levels(policy: Policy) -> list[_Level]:
    return [_Level(c, sl, c.calendar_of(sl), c.pausing_statuses(sl))
            for c in policy.contracts.values() for sl in c.service_levels.values()]


def _codes(column: pl.Series, values: list[str]) -> np.ndarray:
    """Index of each value in ``values`` plus one; 0 where it is not there (or null)."""
    if column.is_in(values).all():  # the usual case: an Enum cast is a few times faster than a mapping
        return column.cast(pl.Enum(values)).to_physical().cast(pl.Int64).to_numpy() + 1
    mapping = {v: i + 1 for i, v in enumerate(values)}
    return column.replace_strict(mapping, default=0, return_dtype=pl.Int64).to_numpy()


def _seconds(column: pl.Series) -> np.ndarray:
    """Epoch seconds of a UTC Datetime column; ``_NONE`` where null (stored times are whole seconds)."""
    micros = column.cast(pl.Int64)
    return (micros // 1_000_000).fill_null(_NONE).to_numpy()


#: tickets fetched from DuckDB per record batch: the result is never materialized whole (in DuckDB, as
#: Arrow and as polars at once); each column is made one chunk when every batch is in
BATCH_ROWS = 1 << 20


def _read(con: duckdb.DuckDBPyConnection, as_of: int, clients: list[str], statuses: list[str]
          ) -> tuple[dict[str, pl.Series], pl.DataFrame]:
    """(ticket columns, pausing spans) as of ``as_of``, in one snapshot.

    The tickets come in record batches, gathered per column into one chunk (a gather across the
    chunks of a batched result is 5x slower), one column at a time so that only the batches and one
    column are ever held twice.
    """
    cur = con.cursor()
    try:
        cur.execute("BEGIN TRANSACTION")
        try:
            reader = cur.sql(statement("evaluate_clocks"), params={"as_of": as_of, "clients": clients}
                             ).to_arrow_reader(BATCH_ROWS)
            names = reader.schema.names
            pieces: dict[str, list[pl.Series]] = {n: [] for n in names}
            empty = pl.from_arrow(reader.schema.empty_table())
            for batch in reader:
                frame = pl.from_arrow(batch)
                for n in names:
                    pieces[n].append(frame[n])
                del frame, batch
            reader.close()
            spans = cur.sql(statement("pause_spans"), params={"as_of": as_of, "statuses": statuses}).pl()
        finally:
            cur.execute("COMMIT")
    except duckdb.BinderException as exc:
        raise DataError(f"the database was written by an older slametrics ({str(exc).splitlines()[0]}); "
                        "open it once for writing (any ingest) to upgrade it") from None
    finally:
        cur.close()
    tickets = {}
    for n in names:
        parts = pieces.pop(n)
        tickets[n] = pl.concat(parts, rechunk=True) if parts else empty[n]
        del parts
    return tickets, spans


def _positions(keys: np.ndarray, wanted: np.ndarray) -> np.ndarray:
    """Row of each ``wanted`` ticket key in ``keys`` (unique), -1 where absent: a dense look-up, no hashing."""
    if len(keys) == 0 or len(wanted) == 0:
        return np.full(len(wanted), -1, dtype=np.int64)
    low, high = int(keys.min()), int(keys.max())
    if high - low > 8 * len(keys) + 1_000_000:  # keys spread out by many re-ingests: hash join instead
        rows = pl.DataFrame({"k": keys, "row": np.arange(len(keys))})
        found = pl.DataFrame({"k": wanted}).join(rows, on="k", how="left", maintain_order="left")
        return found["row"].fill_null(-1).to_numpy()
    where = np.full(high - low + 1, -1, dtype=np.int64)
    where[keys - low] = np.arange(len(keys))
    inside = (wanted >= low) & (wanted <= high)
    return np.where(inside, where[np.clip(wanted - low, 0, high - low)], -1)


def evaluate_clocks(con: duckdb.DuckDBPyConnection, policy: Policy, as_of: str | dt.datetime | None = None) -> pl.DataFrame:
    """One row per clock, as of ``as_of`` (default now). See docs/engine-api.md for the columns.

    Rows come grouped by contract and service level (policy order), tickets in stored order.

    >>> # ticket created Mon 09:00 Berlin, answered 09:20, P1 target 15m on 08:00-18:00
    >>> # -> elapsed_seconds 1200, outcome 'breached', overrun_seconds 300
    """
    as_of_s = int(parse_as_of(as_of).timestamp())
    levels = _levels(policy)
    clients = sorted(policy.client_contract)
    statuses = sorted({s for lv in levels for s in lv.pausing})
    tickets, spans = _read(con, as_of_s, clients, statuses)
    if len(tickets["tkey"]) == 0 or not levels:
        return pl.DataFrame(schema=CLOCK_SCHEMA)

    created = _seconds(tickets["created_at"])
    responded = _seconds(tickets["first_response_at"])
    resolved = _seconds(tickets["resolved_at"])
    first = dt.datetime.fromtimestamp(int(created.min()), dt.timezone.utc).date() - dt.timedelta(days=1)
    last = dt.datetime.fromtimestamp(as_of_s, dt.timezone.utc).date() + dt.timedelta(days=1)
    priorities = sorted({p for lv in levels for p in lv.level.targets})
    kind = _codes(tickets["client"], clients) * (len(priorities) + 1) + _codes(tickets["priority"], priorities)
    # the ticket's text columns as (distinct values, a small code per ticket): a clock's text is then a
    # view into a few distinct strings, not into the whole batch read from DuckDB, and the ticket frame
    # held while the clocks are made shrinks from 16 bytes per row and column (plus the text) to 1-4
    for name in ("client", "priority", "team", "category", "agent", "channel"):
        tickets[name] = _dictionary(tickets[name])

    span_row = _positions(tickets.pop("tkey").to_numpy(), spans["tkey"].to_numpy())
    keep = span_row >= 0
    span_row = span_row[keep]
    span_status = _codes(spans["status"], statuses)[keep]
    span_start = spans["start_s"].to_numpy()[keep]
    span_end = spans["end_s"].fill_null(_NONE).to_numpy()[keep]
    del spans

    parts: dict[str, list[np.ndarray]] = {k: [] for k in ("row", "level", "month", "target", "elapsed", "paused", "running")}
    for number, lv in enumerate(levels):
        # which (client, priority) kinds of ticket this level has a clock for, and their targets
        targets = np.zeros((len(clients) + 1) * (len(priorities) + 1), dtype=np.int64)
        clocked = np.zeros(len(targets), dtype=bool)
        for client in lv.contract.clients:
            for p, seconds in lv.level.targets.items():
                at = (clients.index(client) + 1) * (len(priorities) + 1) + priorities.index(p) + 1
                targets[at], clocked[at] = seconds, True
        mine = np.take(clocked, kind)
        rows = np.flatnonzero(mine)
        if len(rows) == 0:
            continue
        if lv.level.metric == "first_response":
            stop = np.take(responded, rows)
            stop = np.where(stop != _NONE, stop, np.take(resolved, rows))
        else:
            stop = np.take(resolved, rows)
        running = stop == _NONE
        clock = business_time(policy.calendars[lv.calendar], first, last)
        at_end = clock.before(np.where(running, as_of_s, stop))
        start = np.take(created, rows)
        elapsed = at_end - clock.before(start)
        paused = np.zeros(len(rows), dtype=np.int64)
        if lv.pausing and len(span_row):
            pausing = np.take(_member(statuses, lv.pausing), span_status) & np.take(mine, span_row)
            owner = np.searchsorted(rows, span_row[pausing])  # the clock each span belongs to
            s, e = span_start[pausing], span_end[pausing]
            until = np.where(e == _NONE, _NONE, clock.before(np.minimum(e, as_of_s)))
            part = np.maximum(np.minimum(until, np.take(at_end, owner)) - clock.before(s), 0)
            paused = np.bincount(owner, weights=part, minlength=len(rows)).round().astype(np.int64)
            elapsed -= paused
        zone = policy.calendars[lv.contract.calendar].timezone
        parts["row"].append(rows)
        parts["level"].append(np.full(len(rows), number, dtype=np.uint32))
        parts["month"].append(local_months(zone, first, last).of(start))
        parts["target"].append(np.take(targets, np.take(kind, rows)))
        parts["elapsed"].append(elapsed)
        parts["paused"].append(paused)
        parts["running"].append(running)
    if not parts["row"]:
        return pl.DataFrame(schema=CLOCK_SCHEMA)
    del created, responded, resolved, kind, span_row, span_status, span_start, span_end  # not held while the frame is made
    columns = {k: np.concatenate(parts.pop(k)) for k in list(parts)}  # one list freed as each column is made
    return _frame(tickets, levels, columns)


def _dictionary(column: pl.Series) -> tuple[pl.Series, pl.Series]:
    """(distinct values, code per row) with ``values.gather(codes)`` equal to ``column`` (nulls stay null)."""
    values = column.unique().drop_nulls()
    return values, column.cast(pl.Enum(values.to_list())).to_physical()


def _member(values: list[str], chosen: list[str] | tuple[str, ...]) -> np.ndarray:
    """A look-up by code (see ``_codes``): True for the codes of ``chosen``."""
    table = np.zeros(len(values) + 1, dtype=bool)
    table[[values.index(v) + 1 for v in chosen if v in values]] = True
    return table


def _frame(tickets: dict[str, pl.Series], levels: list[_Level], c: dict[str, np.ndarray]) -> pl.DataFrame:
    """The clock rows, one chunk per column (a group-by over many chunks is 2x slower): the tickets'
    columns gathered once for every level, the levels' own from small tables.

    Both inputs are consumed (emptied) as the columns are made: a ticket column is dropped once it is
    gathered and a numpy column once it is converted, so the peak is the result plus what is left of them.
    """
    row = pl.Series(c.pop("row")).cast(pl.UInt32)
    level = pl.Series(c.pop("level"))

    def per_level(values: list[str]) -> pl.Series:
        return pl.Series(values, dtype=pl.String).gather(level)

    def gathered(name: str) -> pl.Series:
        column = tickets.pop(name)
        if isinstance(column, tuple):  # (distinct values, codes): see _dictionary
            values, codes = column
            return values.gather(codes.gather(row))
        return column.gather(row)

    low = int(c["month"].min())
    periods = pl.Series([month_label(m) for m in range(low, int(c["month"].max()) + 1)], dtype=pl.String)
    out: dict[str, pl.Series] = {}
    out["ticket_id"] = gathered("ticket_id")
    out["contract"] = per_level([lv.contract.key for lv in levels])
    out["service_level"] = per_level([lv.level.name for lv in levels])
    out["metric"] = per_level([lv.level.metric for lv in levels])
    out["priority"] = gathered("priority")
    out["period"] = periods.gather(pl.Series(c.pop("month") - low).cast(pl.UInt32))
    target, elapsed = c.pop("target"), c.pop("elapsed")
    over = elapsed > target
    out["target_seconds"] = pl.Series(target)
    out["elapsed_seconds"] = pl.Series(elapsed)
    out["paused_seconds"] = pl.Series(c.pop("paused"))
    running = c.pop("running")
    out["outcome"] = OUTCOMES.gather(pl.Series(np.where(over, 1, np.where(running, 2, 0))).cast(pl.UInt32))
    out["overrun_seconds"] = pl.Series(np.where(over, elapsed - target, 0))
    del over, target, elapsed
    for name in ("client", "team", "category", "agent", "channel", "csat", "created_at"):
        out[name] = gathered(name)
    first_response = per_level([lv.level.metric for lv in levels]) == "first_response"
    responded, resolved = gathered("first_response_at"), gathered("resolved_at")
    out["stop_at"] = pl.select(stop_at=pl.when(first_response).then(pl.coalesce(responded, resolved))
                               .otherwise(resolved)).to_series()
    del responded, resolved, first_response
    out["running"] = pl.Series(running)
    return pl.DataFrame([s.alias(name) for name, s in out.items()])
