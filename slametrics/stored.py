"""Stored clocks (docs/semantics.md §12): the clocks that stopped are kept, and only the rest are evaluated
again at each new as-of moment, after an ingest, or after a policy change.

A ticket is *settled* once it is resolved and, if it was ever answered, answered: from then on no as-of
moment changes any of its clock rows (the stop is known, the pauses before it are fixed, a
ticket outcome is decided). So a store keeps, per database, scope and policy, the rows of the tickets
settled by a moment ``base`` (the as-of of its first evaluation), and answers any as-of at or after
``base`` by evaluating only the other tickets (``clock.Reread``: those not settled by ``base``):

- an ingest records the tickets it wrote (``ticket_changes``, under the ingest's number); the next
  evaluation reads those again too and drops their kept rows, so exactly the tickets it touched change;
- a policy change re-reads the tickets of the contracts whose clock terms changed (calendar, targets,
  levels, pausing statuses, versions; a change of objective or credits changes no clock) and drops their
  kept rows; a change of which clients a contract covers starts again from a full evaluation;
- an as-of before ``base`` gets a full evaluation (the entry keeps its base); so does a database replaced
  whole (another creation, or a copy restored from before and ingested into since: its ingests are not
  the entry's), or one written before ``ticket_changes`` existed.

The rows are exactly ``clock.evaluate_clocks``'s (``tests/test_stored.py`` compares them after random
sequences of ingests, policy changes, as-of moves and server restarts); only their order differs: the
kept rows first, then the ones evaluated again, each part grouped by contract and service level.
``evaluate --full`` on the command line bypasses the store.

The dashboard's store also keeps each entry on disk (``on_disk=True``: a folder beside the database,
``<database>.clocks``), written after each full evaluation that makes a new entry. A new server process
starts from it instead of a full evaluation: the same checks decide what to read again (the ingests
since, the terms changed, the tickets not settled by its base). A file made with other code, libraries
or time zone rules (``file_fingerprint``), for another database or scope, older than ``FILE_DAYS``
before the as-of, or unreadable, is not used (the next full evaluation writes it again).
"""
from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import os
import threading
import uuid
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path

import duckdb
import numpy as np
import polars as pl

from slametrics.calendar import month_label
from slametrics.clock import (CLOCK_SCHEMA, Evaluated, Reread, _levels, _month_number, _positions, categories,
                              evaluate)
from slametrics.db import _turn
from slametrics.errors import DataError
from slametrics.fingerprint import fingerprint
from slametrics.outcomes import enum_of
from slametrics.policy import Policy
from slametrics.scope import Scope
from slametrics.timeparse import parse_as_of

#: kept rows are made one chunk again once a store's kept part has this many (each ingest adds one)
MAX_CHUNKS = 8
#: a file whose base is older than this before the as-of asked is not used: everything created or
#: resolved since its base would be read again at every refresh of the process
FILE_DAYS = 7
#: the file's layout (part of what must match for a file to be used)
FILE_FORMAT = 1
_LOG = logging.getLogger(__name__)


@dataclass
class _Entry:
    """What a store keeps for one database, scope and policy: the rows of the tickets settled by ``base``
    (``kept``, with each row's ticket number), as of the database's ingest count ``ingests``."""

    base: int
    ingests: int
    last: object  # when its last ingest ran (None: none): what tells a continued history from a restored copy
    terms: dict[str, str]
    clients: dict[str, str]
    kept: pl.DataFrame
    tkeys: np.ndarray
    lists: dict[str, list[str]]


def _identity(con: duckdb.DuckDBPyConnection) -> tuple[int, int, object] | None:
    """(when the database was created, how many ingests it has had, when the last ran), or None where it
    records no changes. Instants as epoch microseconds (whatever the connection's time zone)."""
    has = con.execute("SELECT count(*) FROM duckdb_tables() WHERE database_name = current_database() "
                      "AND table_name IN ('ticket_changes', 'schema_version')").fetchall()[0][0]
    if has < 2:
        return None
    created, ingests, last = con.execute(
        "SELECT (SELECT epoch_us(min(applied_at)) FROM schema_version), count(*), epoch_us(max(ingested_at)) "
        "FROM ingests").fetchall()[0]
    return int(created), int(ingests), last


def _continues(con: duckdb.DuckDBPyConnection, entry: _Entry) -> bool:
    """Whether the database's history is the entry's, with only ingests after it: its first
    ``entry.ingests`` ingests are the entry's (the last of them at the moment the entry recorded). A copy
    restored from before and ingested into since has the same creation but another history."""
    if entry.last is None:
        return entry.ingests == 0
    before, at = con.execute("SELECT count(*) FILTER (WHERE epoch_us(ingested_at) <= $last), "
                             "count(*) FILTER (WHERE epoch_us(ingested_at) = $last) FROM ingests",
                             {"last": entry.last}).fetchall()[0]
    return before == entry.ingests and at == 1


def clock_terms(policy: Policy) -> dict[str, str]:
    """Per contract of ``policy``, everything its clock rows depend on, as text to compare: each version's
    months, levels (metric, targets, priorities, the satisfaction bar), calendars and pausing statuses.
    Objectives, credits and money change no clock and are left out."""
    terms: dict[str, list] = {key: [] for key in policy.contracts}
    for lv in _levels(policy):
        level = lv.level
        terms[lv.contract.key].append((lv.first, lv.end, level.name, level.metric, level.measure,
                                       sorted(level.targets.items()), level.priorities, str(level.satisfied_at_least),
                                       policy.calendars[lv.calendar], policy.calendars[lv.contract.calendar].timezone,
                                       lv.pausing))
    return {key: repr(found) for key, found in terms.items()}


def _recoded(frame: pl.DataFrame, wanted: dict[str, list[str]]) -> pl.DataFrame:
    """``frame`` with each Enum column named in ``wanted`` made an Enum of those categories (every value
    a row has is among them; a category no row has may not be, e.g. a level a policy change removed):
    the codes are mapped, the text is not touched."""
    changed = []
    for name, values in wanted.items():
        have = frame.schema[name].categories.to_list()
        if have == values:
            continue
        index = {v: i for i, v in enumerate(values)}
        mapping = pl.Series([index.get(v) for v in have], dtype=pl.UInt32)
        changed.append(enum_of(mapping.gather(frame[name].cat.physical()), values).alias(name))
    return frame.with_columns(changed) if changed else frame


def _periods(frames: list[pl.DataFrame]) -> list[str]:
    """The months from the earliest to the latest period any row of ``frames`` has (what a full
    evaluation's ``period`` categories are)."""
    low, high = None, None
    for frame in frames:
        if frame.height == 0:
            continue
        labels = frame.schema["period"].categories
        codes = frame["period"].cat.physical()
        first, last = _month_number(labels[int(codes.min())]), _month_number(labels[int(codes.max())])
        low = first if low is None else min(low, first)
        high = last if high is None else max(high, last)
    return [] if low is None else [month_label(m) for m in range(low, high + 1)]


def file_fingerprint(policy: Policy) -> dict[str, str]:
    """What a kept file of ``policy``'s clocks was made with, besides the database and the clock terms:
    the engine's code as this process imported it, Python, the libraries (holidays included: a
    calendar's public holidays come from it) and the bytes of each time zone the calendars use
    (``slametrics.fingerprint``, as the Parquet engines check on each executor). Any change makes
    earlier files unused."""
    return {"file format": str(FILE_FORMAT), **fingerprint(policy, "UTC")}


def folder_of(database: str) -> Path:
    """Where the entries of the database at ``database`` are kept on disk."""
    path = Path(database)
    return path.with_name(f"{path.name}.clocks")


def _file_stem(scope: Scope) -> str:
    return hashlib.sha256(repr(scope.key).encode()).hexdigest()[:20]


class ClockStore:
    """Clocks per (database, scope), keeping the stopped ones (module docstring). Thread-safe: sessions of
    one server share a store; each evaluation runs outside the lock, on the caller's connection."""

    def __init__(self, entries: int = 8) -> None:
        self._entries: OrderedDict[tuple, _Entry] = OrderedDict()
        self._size = entries
        self._lock = threading.Lock()
        self._writes: list[threading.Thread] = []
        self.evaluations = {"full": 0, "refresh": 0}  # how each request was answered (for tests and the benchmark)
        self.loaded = 0  # entries read from disk
        self.last_read = 0  # tickets the last request read

    def flush(self) -> None:
        """Wait for the files being written (tests, the benchmark; a server never needs to)."""
        while True:
            with self._lock:
                pending = list(self._writes)
            if not pending:
                return
            for thread in pending:
                thread.join()
            with self._lock:
                self._writes = [t for t in self._writes if t.is_alive()]

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()

    def clocks(self, con: duckdb.DuckDBPyConnection, policy: Policy, as_of: str | dt.datetime | None, *,
               scope: Scope, database: str, on_disk: bool = False) -> pl.DataFrame:
        """The clocks of ``scope`` as of ``as_of`` in the database at path ``database`` (read through
        ``con``): ``evaluate_clocks``'s rows, the kept ones first. ``on_disk``: start from the entry kept
        in ``folder_of(database)`` where there is no entry in memory, and write one after a full evaluation."""
        at = int(parse_as_of(as_of).timestamp())
        identity = _identity(con)
        if identity is None:
            return self._full(con, policy, at, scope, None, identity)
        created, ingests, last = identity
        key = (database, created, scope)
        disk = folder_of(database) if on_disk else None
        mine = scope.policy(policy)
        clients = dict(mine.client_contract)
        with self._lock:
            entry = self._entries.get(key)
            if entry is not None:
                self._entries.move_to_end(key)
        earlier = entry is not None and at < entry.base
        if entry is None and disk is not None:
            entry, earlier = self._load(disk, scope, mine, created, at)
        if earlier:  # before the entry's (or the file's) base: in full, and the later base is kept
            return self._full(con, policy, at, scope, None, identity)
        if entry is None or clients != entry.clients or not _continues(con, entry):
            return self._full(con, policy, at, scope, key, identity, disk)
        terms = clock_terms(mine)
        redo = [k for k in terms if terms[k] != entry.terms.get(k)]
        changed: tuple[int, ...] = ()
        if ingests > entry.ingests:
            changed = tuple(r[0] for r in con.execute(
                "SELECT DISTINCT tkey FROM ticket_changes WHERE ingest > $after", {"after": entry.ingests}).fetchall())
        redo_clients = tuple(sorted(c for c, k in clients.items() if k in redo))
        # the same tickets and the same levels: the value lists (priorities included) are the entry's
        same = not redo and terms.keys() == entry.terms.keys() and ingests == entry.ingests
        found = evaluate(con, policy, at, scope=scope, reread=Reread(entry.base, changed, redo_clients), split=entry.base,
                         lists=entry.lists if same else None)
        kept, tkeys = entry.kept, entry.tkeys
        if changed or redo:
            drop = _positions(np.array(changed, dtype=np.int64), tkeys) >= 0  # (changed: distinct)
            if redo:
                drop |= kept["contract"].cast(pl.String).is_in(redo).to_numpy()
            kept, tkeys = kept.filter(pl.Series(~drop)), tkeys[~drop]
        wanted = categories(mine, found.lists)
        wanted["period"] = _periods([kept, found.frame])
        kept = _recoded(kept, wanted)
        settled, rest = (_recoded(part, wanted) for part in (found.frame.head(found.kept), found.frame.slice(found.kept)))
        if settled.height:
            kept = pl.concat([kept, settled], rechunk=kept.n_chunks() >= MAX_CHUNKS)
            tkeys = np.concatenate([tkeys, found.tkeys])
        self._answered("refresh", found, key, _Entry(entry.base, ingests, last, terms, clients, kept, tkeys, found.lists))
        if kept.height + rest.height == 0:
            return pl.DataFrame(schema=CLOCK_SCHEMA)  # as a full evaluation gives it
        return pl.concat([kept, rest], rechunk=False) if rest.height else kept

    def _full(self, con: duckdb.DuckDBPyConnection, policy: Policy, at: int, scope: Scope, key: tuple | None,
              identity: tuple | None, disk: Path | None = None) -> pl.DataFrame:
        """A full evaluation; kept under ``key`` (None: not kept) as a new entry with base ``at``, and
        written to ``disk`` (None: not) on a thread of its own."""
        found: Evaluated = evaluate(con, policy, at, scope=scope, split=at)
        entry = None
        if key is not None:
            mine = scope.policy(policy)
            entry = _Entry(at, identity[1], identity[2], clock_terms(mine), dict(mine.client_contract),
                           found.frame.head(found.kept), found.tkeys, found.lists)
            if disk is not None:
                thread = threading.Thread(target=self._save, args=(disk, scope, mine, identity[0], entry),
                                          name="clock-store-write", daemon=True)
                with self._lock:
                    self._writes = [t for t in self._writes if t.is_alive()] + [thread]
                thread.start()
        self._answered("full", found, key, entry)
        return found.frame

    def _answered(self, how: str, found: Evaluated, key: tuple | None, entry: _Entry | None) -> None:
        """Count how a request was answered, and keep its entry (the newest last; the oldest beyond the
        store's size dropped)."""
        with self._lock:
            self.evaluations[how] += 1
            self.last_read = found.read
            if entry is not None:
                self._entries[key] = entry
                self._entries.move_to_end(key)
                while len(self._entries) > self._size:
                    self._entries.popitem(last=False)

    # --- on disk -----------------------------------------------------------------------------------

    @staticmethod
    def _save(folder: Path, scope: Scope, policy: Policy, created: int, entry: _Entry) -> None:
        """Write ``entry``: its rows (and ticket numbers) as an Arrow file under a name of its own, then the
        description naming it, swapped in whole; a reader sees the old entry or the new one, never half.
        Writers of one folder take turns, threads and processes alike (``db._turn``, as writes to a database)."""
        stem = _file_stem(scope)
        data = folder / f"{stem}-{uuid.uuid4().hex[:12]}.arrow"
        named = False
        try:
            folder.mkdir(exist_ok=True)
            with _turn(folder / ".writing", None):  # (the lock file: .writing.lock)
                # one record batch: read back as one chunk, as the entry was (polars' default of many
                # batches made the first refresh after a restart copy every kept row to join them)
                entry.kept.with_columns(pl.Series("_tkey", entry.tkeys, dtype=pl.Int64)).write_ipc(
                    data, record_batch_size=max(1, entry.kept.height))
                meta = {"fingerprint": file_fingerprint(policy), "created": created, "scope": repr(scope.key),
                        "data": data.name, "rows": entry.kept.height, "base": entry.base, "ingests": entry.ingests,
                        "last": entry.last, "terms": entry.terms, "clients": entry.clients, "lists": entry.lists}
                part = folder / f".{stem}.{uuid.uuid4().hex[:12]}.json"
                part.write_text(json.dumps(meta), encoding="utf-8")
                os.replace(part, folder / f"{stem}.json")
                named = True
                for old in folder.glob(f"{stem}-*.arrow"):  # the earlier files (an open reader's copy is its own)
                    if old.name != data.name:
                        old.unlink(missing_ok=True)
                for stale in folder.glob(f".{stem}.*.json"):  # left by a process that stopped mid-write
                    stale.unlink(missing_ok=True)
        except (OSError, DataError, pl.exceptions.PolarsError) as exc:  # a read-only folder, a full disk: memory only
            if not named:
                try:
                    data.unlink(missing_ok=True)
                except OSError:
                    pass
            _LOG.warning("clock store: could not keep %s on disk (%s); it is kept in memory only", folder, exc)

    def _load(self, folder: Path, scope: Scope, policy: Policy, created: int, at: int) -> tuple[_Entry | None, bool]:
        """(The entry kept on disk for ``scope`` of the database created at ``created``, or None where there is
        none, it was made with other code, libraries or time zone rules, it is too old for ``at``, or it does
        not read back whole; whether ``at`` is before its base)."""
        description = folder / f"{_file_stem(scope)}.json"
        if not description.exists():
            return None, False
        try:
            meta = json.loads(description.read_text(encoding="utf-8"))
            _check_description(meta)
            if meta["fingerprint"] != file_fingerprint(policy) or (meta["created"], meta["scope"]) != (
                    created, repr(scope.key)):
                _LOG.info("clock store: %s was made by other code, libraries or time zone rules, or for another "
                          "database or scope; evaluating in full", description)
                return None, False
            if at < meta["base"]:
                return None, True
            if at - meta["base"] > FILE_DAYS * 86400:
                _LOG.info("clock store: %s is from more than %d days before the as-of; evaluating in full",
                          description, FILE_DAYS)
                return None, False
            try:
                frame = pl.read_ipc(folder / meta["data"])
            except (OSError, pl.exceptions.PolarsError) as exc:  # named: the description is not the broken file
                raise ValueError(f"{meta['data']}: {exc}") from exc
            if frame.height != meta["rows"] or frame.columns[:-1] != list(CLOCK_SCHEMA) or frame.columns[-1] != "_tkey":
                raise ValueError(f"{meta['data']}: {frame.height} rows of {frame.columns}, not the description's")
            tkeys = frame["_tkey"].to_numpy()
            entry = _Entry(meta["base"], meta["ingests"], meta["last"], meta["terms"], meta["clients"],
                           frame.drop("_tkey"), tkeys, meta["lists"])
        except (OSError, ValueError, KeyError, TypeError, pl.exceptions.PolarsError) as exc:
            _LOG.warning("clock store: %s is not usable (%s); evaluating in full", description, exc)
            return None, False
        with self._lock:
            self.loaded += 1
        return entry, False


def _check_description(meta: object) -> None:
    """Raise ValueError unless ``meta`` has every field a description has, each of its type."""
    def text_map(value: object) -> bool:
        return isinstance(value, dict) and all(isinstance(k, str) and isinstance(v, str) for k, v in value.items())

    def lists_map(value: object) -> bool:
        return isinstance(value, dict) and all(
            isinstance(k, str) and isinstance(v, list) and all(isinstance(x, str) for x in v) for k, v in value.items())

    if not isinstance(meta, dict):
        raise ValueError("the description is not a JSON object")
    kinds = {"fingerprint": text_map, "created": lambda v: type(v) is int, "scope": lambda v: isinstance(v, str),
             "data": lambda v: isinstance(v, str) and "/" not in v and v.endswith(".arrow"),
             "rows": lambda v: type(v) is int, "base": lambda v: type(v) is int, "ingests": lambda v: type(v) is int,
             "last": lambda v: v is None or type(v) is int, "terms": text_map, "clients": text_map, "lists": lists_map}
    wrong = [name for name, ok in kinds.items() if name not in meta or not ok(meta[name])]
    if wrong:
        raise ValueError(f"the description's {', '.join(wrong)} missing or of the wrong kind")

#: the process's store: the dashboard's sessions share it, and the command line reads through it
STORE = ClockStore()
