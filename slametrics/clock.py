"""Clocks (SLA_SPEC §3): business time from creation to first response or resolution, less pauses.

DuckDB does what it is best at: scans of the stored tickets (their free text's distinct values,
``sql/clock_text_values.sql``; their numbers with text as codes into those values,
``sql/evaluate_clocks.sql``; their ids, ``sql/clock_ticket_ids.sql``) and of the stored status spans
in a pausing status (``sql/pause_spans.sql``), read in one snapshot. The rest is whole-column numpy
and polars work, one pass per service level (levels side by side, one thread per core):

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
import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, Callable

import duckdb
import numpy as np
import polars as pl
import pyarrow as pa

from slametrics.calendar import business_time, local_months, month_label
from slametrics.errors import DataError
from slametrics.outcomes import MEASURE, OUTCOME, OUTCOMES, clock_codes, enum_of, ticket_codes
from slametrics.policy import MEASURES, Contract, Policy, ServiceLevel, tables
from slametrics.scope import Scope
from slametrics.sql import statement
from slametrics.timeparse import parse_as_of

CLOCK_COLUMNS = ["ticket_id", "contract", "service_level", "metric", "priority", "period", "target_seconds",
                 "elapsed_seconds", "paused_seconds", "outcome", "overrun_seconds"]
UTC_TIME = pl.Datetime("us", "Etc/UTC")
#: the text columns a clock row takes from its ticket or its service level: ``pl.Enum`` columns whose
#: categories are the values that occur, sorted, so that sorting, comparing and grouping behave as on
#: text; an aggregate's keys are text again (``as_text``)
ENUM_COLUMNS = ("contract", "service_level", "metric", "measure", "priority", "period", "outcome", "client", "team",
                "category", "agent", "channel")
CLOCK_SCHEMA = {
    "ticket_id": pl.String, "contract": pl.Enum([]), "service_level": pl.Enum([]), "metric": pl.Enum([]),
    "measure": MEASURE, "priority": pl.Enum([]), "period": pl.Enum([]), "target_seconds": pl.Int64, "elapsed_seconds": pl.Int64,
    "paused_seconds": pl.Int64, "outcome": OUTCOME, "overrun_seconds": pl.Int64, "client": pl.Enum([]),
    "team": pl.Enum([]), "category": pl.Enum([]), "agent": pl.Enum([]), "channel": pl.Enum([]),
    "csat": pl.Float64, "reopened": pl.Int32, "created_at": UTC_TIME, "stop_at": UTC_TIME, "running": pl.Boolean,
}
#: the free text columns whose values are read from the data (``sql/clock_text_values.sql``)
FREE_TEXT = {"team": "teams", "category": "categories", "agent": "agents", "channel": "channels"}
_NONE = np.iinfo(np.int64).max  # an absent instant


def as_text(frame: pl.DataFrame) -> pl.DataFrame:
    """``frame`` with its Enum columns as plain text: for an aggregate of clocks that is joined with,
    or stacked on, frames made elsewhere (an Enum only matches an Enum of the same categories)."""
    enums = [name for name, dtype in frame.schema.items() if isinstance(dtype, pl.Enum)]
    return frame.with_columns(pl.col(enums).cast(pl.String)) if enums else frame


def keyed_like(table: pl.DataFrame, clocks: pl.DataFrame) -> pl.DataFrame:
    """``table`` (made from a policy: text keys) with each column that is an Enum in ``clocks`` cast to
    it, so the two join; a value no clock has becomes null (and so matches no clock)."""
    shared = [name for name in table.columns if isinstance(clocks.schema.get(name), pl.Enum)]
    return table.with_columns(pl.col(name).cast(clocks.schema[name], strict=False) for name in shared)


@dataclass(frozen=True)
class _Level:
    """One service level of one version of a contract's terms, as the clock loop needs it: it clocks
    the tickets created in the months ``first`` to ``end`` (month numbers, ``end`` excluded; None: open)."""

    contract: Contract
    level: ServiceLevel
    calendar: str
    pausing: tuple[str, ...]
    first: int | None = None
    end: int | None = None


def categories(policy: Policy, lists: dict[str, list[str]]) -> dict[str, list[str]]:
    """The categories of every Enum column but ``period`` of an evaluation of ``policy`` (already a
    scope's) whose value lists (``_read``) are ``lists``: every level of every version has its names
    there, whether or not it clocks a ticket."""
    levels = _levels(policy)
    return {"contract": sorted({lv.contract.key for lv in levels}),
            "service_level": sorted({lv.level.name for lv in levels}),
            "metric": sorted({lv.level.metric for lv in levels}), "measure": list(MEASURES),
            "priority": lists["priorities"], "outcome": list(OUTCOMES), "client": lists["clients"],
            **{name: lists[values] for name, values in FREE_TEXT.items()}}


def _month_number(month: str | None) -> int | None:
    return None if month is None else (int(month[:4]) - 1970) * 12 + int(month[5:7]) - 1


def _levels(policy: Policy) -> list[_Level]:
    return [_Level(terms, sl, terms.calendar_of(sl), terms.pausing_statuses(sl), _month_number(first),
                   _month_number(end)) for terms, sl, first, end in tables.levels(policy)]


@dataclass(frozen=True)
class Reread:
    """The tickets a refresh reads again (slametrics.stored): those not settled by ``base`` (epoch
    seconds), those numbered ``changed`` (tkeys an ingest wrote since) and those of the ``redo`` clients
    (whose terms changed). Every other ticket's clocks stopped by ``base`` and are kept."""

    base: int
    changed: tuple[int, ...] = ()
    redo: tuple[str, ...] = ()

    def params(self) -> dict:
        return {"base": self.base, "changed": list(self.changed), "redo": list(self.redo)}


NO_REREAD = {"base": None, "changed": [], "redo": []}


@dataclass
class Evaluated:
    """What ``evaluate`` gives: the clock rows, of which the first ``kept`` belong to tickets settled by
    its ``split`` moment (so no later as-of changes them), ``tkeys`` the ticket number of each of those
    rows, and the value lists the text columns are coded in."""

    frame: pl.DataFrame
    kept: int
    tkeys: np.ndarray
    lists: dict[str, list[str]]
    read: int = 0  # tickets read


def _read(con: duckdb.DuckDBPyConnection, as_of: int, clients: list[str], priorities: list[str], statuses: list[str],
          every_priority: bool = False, since: int | None = None, reread: Reread | None = None,
          lists: dict[str, list[str]] | None = None) -> tuple[dict[str, pl.Series], dict[str, list[str]], pl.DataFrame]:
    """(ticket columns, value lists, pausing spans) as of ``as_of``, in one snapshot; with ``reread``
    only the tickets it names, and their spans (the value lists are always every stored ticket's, so
    ``lists`` from an earlier read of the same database and scope may be given instead of found).

    The value lists are ``clients``, ``priorities`` (with ``every_priority``, also every priority the
    tickets hold) and the free text columns' values found (sorted),
    keyed as ``FREE_TEXT`` names them: the ticket columns of those names are 1-based codes into them.

    Text comes as codes computed by DuckDB (a few milliseconds per column, against tens to make them
    from the text in polars), so the only text read is the ticket id, in a result of its own (a text
    column and a dozen numbers come 1.4x faster as two results than as one). Each result is
    materialized by DuckDB in parallel and taken whole (a streamed, batched read was 2x slower), then
    made one chunk per column (a gather across chunks is 5x slower).
    """
    cur = con.cursor()
    try:
        cur.execute("BEGIN TRANSACTION")
        try:
            where = {"as_of": as_of, "clients": clients, "since": since}  # the scope: its clients' tickets only
            if lists is None:
                found = cur.sql(statement("clock_text_values"), params=where).fetchall()[0]
                lists = {"clients": clients,
                         "priorities": sorted({*priorities, *(found[len(FREE_TEXT)] or [])} if every_priority
                                              else priorities),
                         **{column: sorted(values or []) for column, values in zip(FREE_TEXT.values(), found)}}
            which = NO_REREAD if reread is None else reread.params()
            numbers = cur.sql(statement("evaluate_clocks"), params={"as_of": as_of, "since": since, **lists,
                                                                    **which}).pl().rechunk()
            ids = cur.sql(statement("clock_ticket_ids"), params={**where, **which}).pl().rechunk()
            tkeys = None if reread is None else numbers["tkey"].to_list()  # a refresh: only its tickets' spans
            spans = cur.sql(statement("pause_spans"), params={"as_of": as_of, "clients": clients,
                                                              "statuses": statuses, "tkeys": tkeys}).pl()
        finally:
            cur.execute("COMMIT")
    except duckdb.BinderException as exc:
        raise DataError(f"the database was written by an older slametrics ({str(exc).splitlines()[0]}); "
                        "open it once for writing (any ingest) to upgrade it") from None
    finally:
        cur.close()
    tickets = {name: numbers.to_series(i) for i, name in enumerate(numbers.columns)}
    tickets["ticket_id"] = _ids_in_order(ids, numbers["tkey"])
    return tickets, lists, spans


def _ids_in_order(ids: pl.DataFrame, tkey: pl.Series) -> pl.Series:
    """The ``ticket_id`` of each ``tkey``, from ``ids`` (tkey, ticket_id) of the same tickets.

    Both results keep the stored order, so this is a check; a connection that lets DuckDB reorder
    results (``preserve_insertion_order = false``) gets them matched by key instead.
    """
    if ids["tkey"].equals(tkey):
        return ids["ticket_id"]
    return tkey.to_frame("tkey").join(ids, on="tkey", how="left", maintain_order="left")["ticket_id"]


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


def evaluate_clocks(con: duckdb.DuckDBPyConnection, policy: Policy, as_of: str | dt.datetime | None = None, *,
                    scope: Scope, since: dt.datetime | None = None) -> pl.DataFrame:
    """One row per clock of the contracts in ``scope``, as of ``as_of`` (default now). See
    docs/engine-api.md for the columns.

    Only the tickets of the scope's clients are read (every statement binds them), so the frame,
    its Enum categories included, holds nothing of another contract.

    With ``since``, only the tickets created from then on or still open at ``as_of`` are read (a watch:
    the current period's clocks and every running one, slametrics.watch); their rows are the same.

    Rows come grouped by contract and service level (policy order), tickets in stored order. The text
    columns of ``ENUM_COLUMNS`` are ``pl.Enum`` with sorted categories (``as_text`` makes them text).

    >>> # ticket created Mon 09:00 Berlin, answered 09:20, P1 target 15m on 08:00-18:00
    >>> # -> elapsed_seconds 1200, outcome 'breached', overrun_seconds 300

    This is the full evaluation; the product reads through ``slametrics.stored``, which keeps the clocks
    that stopped and evaluates only the rest again (the same rows, checked against this in the tests).
    """
    return evaluate(con, policy, int(parse_as_of(as_of).timestamp()), scope=scope,
                    since=None if since is None else int(since.timestamp())).frame


def evaluate(con: duckdb.DuckDBPyConnection, policy: Policy, as_of_s: int, *, scope: Scope, since: int | None = None,
             reread: Reread | None = None, split: int | None = None,
             lists: dict[str, list[str]] | None = None) -> Evaluated:
    """``evaluate_clocks`` as of ``as_of_s`` (epoch seconds), of the tickets ``reread`` names (default all).

    With ``split``, the rows of the tickets settled by then come first (``Evaluated.kept`` of them, with
    their ticket numbers), each part grouped by contract and service level; without, ``kept`` is 0.
    ``lists``: the value lists of an earlier evaluation of the same database, scope and clock terms.
    """
    policy = scope.policy(policy)
    levels = _levels(policy)
    statuses = sorted({s for lv in levels for s in lv.pausing})
    clients = sorted(policy.client_contract)
    # every priority a level covers: its targets' (a clock), its own list or, without one, all (§9)
    named = {p for lv in levels for p in (lv.level.targets if lv.level.measure == "clock" else lv.level.priorities or ())}
    every = any(lv.level.measure == "ticket" and lv.level.priorities is None for lv in levels)
    tickets, lists, spans = _read(con, as_of_s, clients, sorted(named), statuses, every, since, reread, lists)
    priorities = lists["priorities"]
    none = Evaluated(pl.DataFrame(schema=CLOCK_SCHEMA), 0, np.empty(0, dtype=np.int64), lists, len(tickets["tkey"]))
    if len(tickets["tkey"]) == 0 or not levels:
        return none

    created = tickets.pop("created_s").to_numpy()
    responded = tickets.pop("first_response_s").fill_null(_NONE).to_numpy()
    resolved = tickets.pop("resolved_s").fill_null(_NONE).to_numpy()
    reopened = tickets["reopened"].fill_null(0).to_numpy()
    rated = tickets["csat"].to_numpy(allow_copy=True)  # NaN where unrated
    first = dt.datetime.fromtimestamp(int(created.min()), dt.timezone.utc).date() - dt.timedelta(days=1)
    last = dt.datetime.fromtimestamp(as_of_s, dt.timezone.utc).date() + dt.timedelta(days=1)
    kind = (tickets["client"].fill_null(0).to_numpy().astype(np.int64) * (len(priorities) + 1)
            + tickets["priority"].fill_null(0).to_numpy())

    settled = tickets.pop("settled_s").fill_null(_NONE).to_numpy()
    tkey = tickets.pop("tkey").to_numpy()
    span_row = _positions(tkey, spans["tkey"].to_numpy())
    keep = span_row >= 0
    span_row = span_row[keep]
    span_status = spans["status"].to_numpy()[keep]  # 1-based code into statuses
    span_start = spans["start_s"].to_numpy()[keep]
    span_end = spans["end_s"].fill_null(_NONE).to_numpy()[keep]
    del spans

    # first which tickets each level clocks, so every output column is allocated once and filled in place
    measured = []
    months: dict[str, np.ndarray] = {}  # each zone's local month of every ticket's creation, where versions need it
    for lv in levels:
        # which (client, priority) kinds of ticket this level measures, and their targets (clocks only)
        targets = np.zeros((len(clients) + 1) * (len(priorities) + 1), dtype=np.int64)
        clocked = np.zeros(len(targets), dtype=bool)
        covered = (lv.level.targets if lv.level.measure == "clock"
                   else dict.fromkeys(lv.level.priorities if lv.level.priorities is not None else priorities, 0))
        for client in lv.contract.clients:
            for p, seconds in covered.items():
                at = (clients.index(client) + 1) * (len(priorities) + 1) + priorities.index(p) + 1
                targets[at], clocked[at] = seconds, True
        mine = np.take(clocked, kind)
        if lv.level.metric == "satisfaction":  # a row only once resolved and rated (docs/semantics.md §9)
            mine &= (resolved != _NONE) & ~np.isnan(rated)
        if lv.first is not None or lv.end is not None:  # a version: only the tickets created in its months
            zone = policy.calendars[lv.contract.calendar].timezone
            if zone not in months:
                months[zone] = local_months(zone, first, last).of(created)
            if lv.first is not None:
                mine &= months[zone] >= lv.first
            if lv.end is not None:
                mine &= months[zone] < lv.end
        measured.append((lv, targets, mine))
    # one job per level, or with a split two: the settled tickets' clocks first, then the others'
    # (a job's ``part``: which tickets are in its half, None: all; its rows are the level's in that half)
    if split is None:
        chosen = [(lv, targets, mine, None, np.flatnonzero(mine)) for lv, targets, mine in measured]
    else:
        halves = [settled <= split, settled > split]
        found = [(lv, targets, mine, np.flatnonzero(mine)) for lv, targets, mine in measured]
        chosen = [(lv, targets, mine, half, rows[np.take(half, rows)])
                  for half in halves for lv, targets, mine, rows in found]
        del found
    del measured
    counts = [len(rows) for *_, rows in chosen]
    kept = sum(counts[:len(levels)]) if split is not None else 0
    total = sum(counts)
    if total == 0:
        return none
    c = {"row": np.empty(total, dtype=np.uint32), "month": np.empty(total, dtype=np.int64),
         "target": np.zeros(total, dtype=np.int64), "elapsed": np.zeros(total, dtype=np.int64),
         "paused": np.zeros(total, dtype=np.int64), "stop": np.empty(total, dtype=np.int64),
         "outcome": np.empty(total, dtype=np.uint8), "clock": np.zeros(total, dtype=bool)}

    def fill(job: tuple[_Level, np.ndarray, np.ndarray, np.ndarray, slice]) -> None:
        """One level's rows, written to its own slice of ``c`` (levels run side by side): by the
        producer of its measure, a clock or the ticket's outcome."""
        lv, targets, mine, part, rows, here = job
        zone = policy.calendars[lv.contract.calendar].timezone
        c["row"][here] = rows
        c["month"][here] = local_months(zone, first, last).of(np.take(created, rows))
        if lv.level.measure == "ticket":
            stop = np.take(resolved, rows)
            c["stop"][here] = stop
            c["outcome"][here] = ticket_codes(lv.level, stop != _NONE, np.take(responded, rows) < stop,
                                              np.take(reopened, rows), np.take(rated, rows))
            return
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
        if lv.pausing and len(span_row):
            pausing = np.take(_member(statuses, lv.pausing), span_status) & np.take(mine, span_row)
            if part is not None:  # this job's half of the level's tickets only
                pausing &= np.take(part, span_row)
            slot = np.empty(len(mine), dtype=np.int64)
            slot[rows] = np.arange(len(rows))  # a ticket's clock of this level (only read for its rows)
            owner = np.take(slot, span_row[pausing])  # the clock each span belongs to
            del slot
            s, e = span_start[pausing], span_end[pausing]
            until = np.where(e == _NONE, _NONE, clock.before(np.minimum(e, as_of_s)))
            part = np.maximum(np.minimum(until, np.take(at_end, owner)) - clock.before(s), 0)
            paused = np.bincount(owner, weights=part, minlength=len(rows)).round().astype(np.int64)
            elapsed -= paused
            c["paused"][here] = paused
        target = np.take(targets, np.take(kind, rows))
        c["target"][here] = target
        c["elapsed"][here] = elapsed
        c["stop"][here] = stop
        c["outcome"][here] = clock_codes(elapsed, target, running)  # the rule (docs/semantics.md §3)
        c["clock"][here] = True

    ends = np.cumsum(counts)
    _side_by_side(fill, [(*job, slice(int(e) - len(job[4]), int(e))) for job, e in zip(chosen, ends) if len(job[4])])
    tkeys = np.take(tkey, c["row"][:kept]) if kept else np.empty(0, dtype=np.int64)
    jobs = [job[0] for job in chosen]
    del chosen, responded, resolved, reopened, rated, kind, span_row, span_status, span_start, span_end, settled, tkey
    c["created"] = created
    read = len(created)
    return Evaluated(_frame(tickets, categories(policy, lists), jobs, counts, c), kept, tkeys, lists, read)


def _side_by_side(work: Callable[[Any], Any], items: list) -> list:
    """``[work(i) for i in items]`` on up to one thread per core: numpy and polars release the GIL
    for whole-column work, so two cores do nearly twice the work (each item must touch its own output)."""
    workers = min(len(items), os.cpu_count() or 1)
    if workers <= 1:
        return [work(item) for item in items]
    with ThreadPoolExecutor(max_workers=workers) as pool:
        return list(pool.map(work, items))


def _member(values: list[str], chosen: list[str] | tuple[str, ...]) -> np.ndarray:
    """A look-up by 1-based code into ``values``: True for the codes of ``chosen``."""
    table = np.zeros(len(values) + 1, dtype=bool)
    table[[values.index(v) + 1 for v in chosen if v in values]] = True
    return table


def _times(seconds: np.ndarray) -> pl.Series:
    """A UTC Datetime column of epoch seconds, null where ``_NONE`` (replace_time_zone: 100x slower)."""
    return pl.from_arrow(pa.array(seconds * 1_000_000, mask=seconds == _NONE)).cast(UTC_TIME)


def _frame(tickets: dict[str, pl.Series], cats: dict[str, list[str]], levels: list[_Level], counts: list[int],
           c: dict[str, np.ndarray]) -> pl.DataFrame:
    """The clock rows, one chunk per column (a group-by over many chunks is 2x slower): the tickets'
    columns gathered once for every level (text as Enum codes: the 1-based codes of ``_read``), the
    levels' own repeated per level (``counts`` clocks each, in order). Columns are made side by side;
    both inputs are emptied, so their arrays are freed when the frame is made.
    """
    row = pl.Series(c.pop("row"))

    def per_level(name: str, values: list[str]) -> pl.Series:
        index = {v: i for i, v in enumerate(cats[name])}
        return enum_of(np.repeat(np.array([index[v] for v in values], dtype=np.uint32), counts), cats[name])

    low = int(c["month"].min())
    periods = [month_label(m) for m in range(low, int(c["month"].max()) + 1)]
    target, elapsed, stop = c.pop("target"), c.pop("elapsed"), c.pop("stop")
    month, paused, created = c.pop("month"), c.pop("paused"), c.pop("created")
    codes_, clock = c.pop("outcome"), c.pop("clock")
    ticket_id, csat, reopened = tickets.pop("ticket_id"), tickets.pop("csat"), tickets.pop("reopened")
    codes = {name: tickets.pop(name) for name in ("priority", "client", *FREE_TEXT)}

    def figure(values: np.ndarray) -> pl.Series:
        """A clock's figure in seconds: null on ticket-outcome rows, which have none (docs/semantics.md §9)."""
        return pl.from_arrow(pa.array(values, mask=~clock)).cast(pl.Int64)

    # each column on its own (they run side by side), in the order of the frame
    make: dict[str, Callable[[], pl.Series]] = {
        "ticket_id": lambda: ticket_id.gather(row),
        "contract": lambda: per_level("contract", [lv.contract.key for lv in levels]),
        "service_level": lambda: per_level("service_level", [lv.level.name for lv in levels]),
        "metric": lambda: per_level("metric", [lv.level.metric for lv in levels]),
        "measure": lambda: per_level("measure", [lv.level.measure for lv in levels]),
        "priority": lambda: enum_of(codes["priority"] - 1, cats["priority"]).gather(row),
        "period": lambda: enum_of(month - low, periods),
        "target_seconds": lambda: figure(target),
        "elapsed_seconds": lambda: figure(elapsed),
        "paused_seconds": lambda: figure(paused),
        "outcome": lambda: enum_of(codes_, cats["outcome"]),
        "overrun_seconds": lambda: figure(np.maximum(elapsed - target, 0)),
        **{name: (lambda name=name: enum_of(codes[name] - 1, cats[name]).gather(row)) for name in ("client", *FREE_TEXT)},
        "csat": lambda: csat.gather(row),
        "reopened": lambda: reopened.gather(row),
        "created_at": lambda: _times(created).gather(row),
        "stop_at": lambda: _times(stop),
        "running": lambda: pl.Series(stop == _NONE),
    }
    columns = _side_by_side(lambda name: make[name]().alias(name), list(make))
    return pl.DataFrame(columns)

