"""The figures of Parquet histories, one contract at a time: the local and Spark engines (docs/engines.md).

Clocks are independent per ticket and every figure is per contract, so a history splits by contract:

- **routing** (``group_of_tickets``, ``parts_of``, ``_part``): each ticket row goes to the group of its client's contract. A contract with
  more than ``max_group_rows`` rows is cut into parts by a hash of the ticket id. Rows no contract
  evaluates go to the group ``""``, where they are only checked: a ticket id that occurs more than once
  (every copy, wherever its clients, so the duplicate check sees them together), no id, or a client no
  contract covers. Events go to their ticket's group; events of an unknown ticket to ``""``.
- **the group function** (``run_group``) runs the project's own engine, unchanged, on one group: the
  ingest's checks into an in-memory database, then ``clock.evaluate`` of the group's contract. It
  returns clock rows (``evaluate``) or monthly counts (``compliance.counts``), and the rejected rows.
- **the driver** sums the counts (integers) and judges them with the same code as the command line.

Exactness by design: instants cross into a group as integer epoch microseconds with their kind
(``utc`` or ``local`` wall-clock); the calendars' tables are built once on the driver and shipped
(``calendar.ship``); each group first checks that its process has the driver's versions of everything
that decides a figure (``fingerprint``). The local engine runs the same groups in a process pool; the
Spark engine (``slametrics.spark``) as a co-grouped Arrow map. The local engine reads its input once
for routing and once to write each group's rows to its own files (``_split``), which its processes read.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import math
import os
import platform
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq

from slametrics.clock import CLOCK_COLUMNS, evaluate
from slametrics.compliance import check_by, counts, summed
from slametrics.errors import DataError
from slametrics.fingerprint import fingerprint
from slametrics.ingest import EVENT_REQUIRED, TICKET_REQUIRED, TICKET_TIMES, _check_zone, rejects_of
from slametrics.policy import Policy
from slametrics.scope import EVERYTHING, Scope

#: instants of each input, as they cross into a group: Int64 epoch microseconds
INSTANTS = {"tickets": TICKET_TIMES, "events": ("at",)}
#: a contract with more rows than this is cut into parts for the clock step (``--max-group-rows``)
MAX_GROUP_ROWS = 2_000_000
#: the routing columns every row carries into its group (dropped before the ingest's checks)
GROUP, PART, LINE = "_group", "_part", "_line"
LINE_BITS = 32  # _line = file number << 32 | row in the file, from 1: rejects name the file and its row
REJECT_COLUMNS = {"_kind": pa.string(), "_line": pa.int64(), "_ticket": pa.string(), "_reason": pa.string(),
                  "_row_json": pa.string()}
_INT_CLOCK = {"target_seconds", "elapsed_seconds", "paused_seconds", "overrun_seconds"}
_COUNT = ("met", "breached", "pending")


@dataclass(frozen=True)
class Job:
    """What every group needs: the policy, the moment, what to return, and the driver's calendars and versions."""

    policy: Policy
    as_of_s: int
    timezone: str  # of timestamps written without an offset (as ``ingest --timezone``)
    want: str  # "clocks" or "counts"
    by: tuple[str, ...] = ()
    encoding: dict[str, dict[str, str]] = field(default_factory=dict)  # input -> instant column -> utc|local
    calendars: dict = field(default_factory=dict)  # calendar.ship's tables
    fingerprint: dict[str, str] = field(default_factory=dict)
    measure: bool = False  # each group adds a row of _kind "metrics": its rows, seconds, process and memory

    def result_schema(self) -> pa.Schema:
        if self.want == "clocks":
            cols = [(c, pa.int64() if c in _INT_CLOCK else pa.string()) for c in CLOCK_COLUMNS]
        else:
            cols = [(c, pa.string()) for c in ["period", "contract", "service_level", *self.by]]
            cols += [(c, pa.int64()) for c in _COUNT]
        return pa.schema(cols + list(REJECT_COLUMNS.items()))


# --- what decides a figure, on every process ---------------------------------------------------------

def check_here(expected: dict[str, str], policy: Policy, timezone: str) -> None:
    """Raise ``DataError`` where this process's versions are not the driver's (an executor set up apart)."""
    here = fingerprint(policy, timezone)
    wrong = [f"{k} is {here.get(k, 'missing')} here but {v} on the driver" for k, v in expected.items() if here.get(k) != v]
    if wrong:
        raise DataError(f"executor {platform.node()}: {'; '.join(wrong)}: install the project's requirements.txt "
                        "(and the same slametrics) on every executor")


def ship_calendars(policy: Policy, first: dt.date, last: dt.date) -> dict:
    """The calendars' business-time and month tables for local dates ``first`` to ``last``, built here."""
    from slametrics.calendar import build_business_time, build_local_months

    tables: dict = {("business", cal): build_business_time(cal, first, last) for cal in policy.calendars.values()}
    tables.update({("months", cal.timezone): build_local_months(cal.timezone, first, last)
                   for cal in policy.calendars.values()})
    return tables


def make_job(policy: Policy, as_of: dt.datetime, *, timezone: str, want: str, by: tuple[str, ...] = (),
             encoding: dict[str, dict[str, str]], earliest_s: int | None, measure: bool = False) -> Job:
    """The job of a run: ``earliest_s`` (the earliest creation, if known) sets the shipped tables' start."""
    _check_zone(timezone)
    if want not in ("clocks", "counts"):
        raise ValueError(want)
    as_of_s = int(as_of.timestamp())
    last = dt.datetime.fromtimestamp(as_of_s, dt.timezone.utc).date() + dt.timedelta(days=1)
    start = earliest_s if earliest_s is not None and earliest_s <= as_of_s else as_of_s - 366 * 86400
    first = dt.datetime.fromtimestamp(start, dt.timezone.utc).date() - dt.timedelta(days=3)
    return Job(policy=policy, as_of_s=as_of_s, timezone=timezone, want=want, by=tuple(check_by(list(by))),
               encoding=encoding, calendars=ship_calendars(policy, first, last),
               fingerprint=fingerprint(policy, timezone), measure=measure)


# --- the group function ------------------------------------------------------------------------------

def _decoded(table: pa.Table, encoding: dict[str, str]) -> pl.DataFrame:
    """A group's rows as the ingest reads a file: instants back from epoch microseconds, routing dropped."""
    frame = pl.from_arrow(table)
    assert isinstance(frame, pl.DataFrame)
    frame = frame.drop([c for c in (GROUP, PART) if c in frame.columns]).sort(LINE)  # input order
    if "at" in frame.columns:  # events: ties at one moment go by input order, numbered within the group
        frame = frame.with_row_index("_seq").with_columns(pl.col("_seq").cast(pl.Int64))
    return frame.with_columns(
        pl.from_epoch(pl.col(c), time_unit="us").dt.replace_time_zone("UTC" if kind == "utc" else None)
        for c, kind in encoding.items() if c in frame.columns)


def run_group(job: Job, contract: str, tickets: pa.Table, events: pa.Table | None) -> pa.Table:
    """One group's clock rows or counts, then its rejected rows (``Job.result_schema``).

    ``contract`` is the group's contract, or "" for rows that are only checked. ``tickets`` and
    ``events`` hold the inputs' columns, instants encoded (``Job.encoding``), and ``_line``.
    """
    from slametrics.calendar import ship
    from slametrics.db import connect
    from slametrics.ingest import ingest_frames

    started = time.perf_counter()
    check_here(job.fingerprint, job.policy, job.timezone)
    ship(job.calendars)
    schema = job.result_schema()
    con = connect(":memory:")
    try:
        ingest_frames(con, _decoded(tickets, job.encoding.get("tickets", {})),
                      None if events is None else _decoded(events, job.encoding.get("events", {})),
                      source="tickets", events_source="events", timezone=job.timezone)
        parts = []
        if contract:
            clocks = evaluate(con, job.policy, job.as_of_s, scope=Scope.of(job.policy, [contract])).frame
            rows = (clocks.select(CLOCK_COLUMNS) if job.want == "clocks" else counts(clocks, job.by))
            rows = rows.with_columns(pl.col(pl.Enum, pl.Categorical).cast(pl.String))
            if rows.height:
                parts.append(rows.with_columns(_kind=pl.lit("row")))
        # the group's own database holds this group's rows only; the run's caller has the input's whole scope
        rejects = rejects_of(con, scope=EVERYTHING).select(_kind="kind", _line="line", _ticket="ticket_id",
                                                            _reason="reason", _row_json="row_json")
        if rejects.height:
            parts.append(rejects)
    finally:
        con.close()
    if job.measure:
        import json
        import resource

        took = {"group": contract, "tickets": tickets.num_rows, "events": 0 if events is None else events.num_rows,
                "rows_out": sum(p.height for p in parts), "seconds": round(time.perf_counter() - started, 4),
                "pid": os.getpid(), "host": platform.node(),
                "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)}
        parts.append(pl.DataFrame({"_kind": ["metrics"], "_reason": [json.dumps(took)]}))
    if not parts:
        return schema.empty_table()
    out = pl.concat(parts, how="diagonal_relaxed").to_arrow()
    return pa.table({name: (out.column(name).cast(schema.field(name).type) if name in out.column_names
                            else pa.nulls(out.num_rows, schema.field(name).type)) for name in schema.names},
                    schema=schema)


# --- the inputs --------------------------------------------------------------------------------------

def parquet_files(path: str | Path, kind: str) -> list[Path]:
    """A Parquet file, or every ``*.parquet`` file under a folder, sorted: the order of ``_line``."""
    path = Path(path)
    if not path.exists():
        raise DataError(f"{path}: no such {kind} file or folder")
    files = sorted(p for p in path.rglob("*.parquet") if p.is_file()) if path.is_dir() else [path]
    if not files:
        raise DataError(f"{path}: a folder with no .parquet files: write the {kind} as Parquet (SLA_SPEC §1 columns)")
    return files


def input_schema(files: list[Path], kind: str, shown: str) -> pa.Schema:
    """The inputs' common schema, after the checks the ingest makes of a file: readable, one value per
    cell, the required columns, the same columns in every file."""
    required = TICKET_REQUIRED if kind == "tickets" else EVENT_REQUIRED
    first = None
    for path in files:
        try:
            schema = pq.read_schema(path)
        except (pa.ArrowException, OSError) as exc:
            raise DataError(f"{path}: cannot read as Parquet: {str(exc).splitlines()[0]}") from None
        nested = [f.name for f in schema if pa.types.is_nested(f.type)]
        if nested:
            raise DataError(f"{path}: column{'s' if len(nested) > 1 else ''} {', '.join(nested)} hold lists or "
                            f"structures: every column of the {kind} holds one value per row (text, number or time)")
        missing = [c for c in required if c not in schema.names]
        if missing:
            raise DataError(f"{path}: missing required column{'s' if len(missing) > 1 else ''} "
                            f"{', '.join(missing)} (SLA_SPEC §1: {', '.join(required)})")
        if first is None:
            first = schema
        elif set(schema.names) != set(first.names):
            raise DataError(f"{path}: its columns differ from {files[0]}'s: every file of {shown} has the same columns")
    assert first is not None
    return first


def encoding_of(schema: pa.Schema, kind: str) -> dict[str, str]:
    """How each instant column crosses into a group: ``utc`` (an absolute time) or ``local`` (a time
    without a zone, read in ``--timezone``); text and dates cross as they are."""
    out = {}
    for name in INSTANTS[kind]:
        if name in schema.names and pa.types.is_timestamp(schema.field(name).type):
            out[name] = "utc" if schema.field(name).type.tz is not None else "local"
    return out


def encode(frame: pl.LazyFrame | pl.DataFrame, encoding: dict[str, str]):
    """Instant columns as Int64 epoch microseconds (``encoding_of``), as the Spark engine sends them too."""
    return frame.with_columns(pl.col(c).dt.epoch("us") for c in encoding)


# --- routing (the local engine; slametrics.spark does the same in Spark) -------------------------------

def parts_of(sizes: dict[str, int], max_group_rows: int) -> dict[str, int]:
    """How many parts each group is cut into: enough that none holds more than ``max_group_rows`` rows."""
    if max_group_rows < 1:
        raise DataError(f"--max-group-rows: {max_group_rows} is not a positive number of rows")
    return {g: max(1, math.ceil(n / max_group_rows)) for g, n in sizes.items()}


def group_of_tickets(ids: pl.LazyFrame, client_contract: dict[str, str]) -> pl.LazyFrame:
    """``_group`` of each ticket row (ticket_id, client): its contract, or "" (see the module doc)."""
    clients = pl.DataFrame({"client": list(client_contract), GROUP: list(client_contract.values())},
                           schema={"client": pl.String, GROUP: pl.String})
    repeated = pl.col("ticket_id").is_null() | (pl.len().over("ticket_id") > 1)
    return (ids.with_columns(pl.col("ticket_id", "client").cast(pl.String))
            .join(clients.lazy(), on="client", how="left", nulls_equal=False)
            .with_columns(pl.when(repeated).then(pl.lit("")).otherwise(pl.col(GROUP).fill_null("")).alias(GROUP)))


def _part(ids: pl.Expr, parts: pl.Expr) -> pl.Expr:
    return (ids.fill_null("").hash(seed=17) % parts.cast(pl.UInt64)).cast(pl.Int64)


@dataclass(frozen=True)
class LocalInput:
    tickets: tuple[str, ...]
    events: tuple[str, ...]
    max_group_rows: int


def _scan(files: tuple[str, ...]) -> pl.LazyFrame:
    return pl.concat([pl.scan_parquet(f).with_row_index("_row", offset=1)
                      .with_columns((pl.lit(n, pl.Int64) * 2**LINE_BITS + pl.col("_row").cast(pl.Int64)).alias(LINE))
                      .drop("_row") for n, f in enumerate(files)], how="vertical_relaxed")


def _routing(source: LocalInput, policy: Policy) -> tuple[pl.DataFrame, dict[str, int]]:
    """(_line, ticket_id, _group, _part) of every ticket row, and each group's number of parts."""
    rows = group_of_tickets(_scan(source.tickets).select(LINE, "ticket_id", "client"), policy.client_contract).collect()
    parts = parts_of(dict(rows.group_by(GROUP).len().iter_rows()), source.max_group_rows)
    k = pl.DataFrame({GROUP: list(parts), "_k": list(parts.values())}, schema={GROUP: pl.String, "_k": pl.Int64})
    rows = rows.join(k, on=GROUP).with_columns(_part(pl.col("ticket_id"), pl.col("_k")).alias(PART))
    return rows.select(LINE, "ticket_id", GROUP, PART), parts


def _tasks(source: LocalInput, routing: pl.DataFrame, parts: dict[str, int]) -> list[tuple[str, int, int]]:
    """(group, part, ticket rows) of every part of every group, the largest first; ("", 0) too where
    there are events (those of unknown tickets go there)."""
    sizes = {(g, p): n for g, p, n in routing.group_by(GROUP, PART).len().iter_rows()}
    if source.events and "" not in parts:
        parts = {**parts, "": 1}
    out = [(g, p, sizes.get((g, p), 0)) for g, k in parts.items() for p in range(k)]
    return sorted(out, key=lambda gpn: -gpn[2])


def local_groups(source: LocalInput, policy: Policy) -> list[tuple[str, int, int]]:
    """(group, part, ticket rows) of every task of the local engine, the largest first."""
    return _tasks(source, *_routing(source, policy))


def _split(source: LocalInput, routing: pl.DataFrame, parts: dict[str, int], tasks: list[tuple[str, int, int]],
           folder: Path) -> dict[str, dict]:
    """Every row read once and written to its task's files (``folder/tickets/_task=N/``, ``events/``), as
    it was read plus ``_line``; returns each input's schema (for a task with no rows of it)."""
    number = pl.DataFrame({GROUP: [g for g, _, _ in tasks], PART: [p for _, p, _ in tasks], "_task": range(len(tasks))},
                          schema={GROUP: pl.String, PART: pl.Int64, "_task": pl.Int64})
    schemas = {}
    tickets = _scan(source.tickets)
    schemas["tickets"] = dict(tickets.collect_schema())
    mine = routing.join(number, on=[GROUP, PART]).select(LINE, "_task")
    tickets.join(mine.lazy(), on=LINE).sink_parquet(pl.PartitionBy(folder / "tickets", key="_task", include_key=False))
    if source.events:
        owners = routing.unique("ticket_id").filter(pl.col(GROUP) != "").select("ticket_id", GROUP, PART)
        events = _scan(source.events).with_columns(pl.col("ticket_id").cast(pl.String))
        schemas["events"] = dict(events.collect_schema())
        (events.join(owners.lazy(), on="ticket_id", how="left")
         .with_columns(pl.col(GROUP).fill_null(""),
                       pl.coalesce(PART, _part(pl.col("ticket_id"), pl.lit(parts.get("", 1)))).alias(PART))
         .join(number.lazy(), on=[GROUP, PART]).drop(GROUP, PART)
         .sink_parquet(pl.PartitionBy(folder / "events", key="_task", include_key=False)))
    return schemas


def _task_rows(folder: Path, kind: str, task: int, schema: dict) -> pl.DataFrame:
    files = sorted((folder / kind / f"_task={task}").glob("*.parquet"))
    return pl.read_parquet(files, hive_partitioning=False) if files else pl.DataFrame(schema=schema)


def _local_group(job: Job, folder: str, task: int, group: str, schemas: dict[str, dict]) -> pa.Table:
    """The local engine's task: read one group's files (written by ``_split``), then ``run_group``."""
    tickets = encode(_task_rows(Path(folder), "tickets", task, schemas["tickets"]), job.encoding.get("tickets", {}))
    events = None
    if "events" in schemas:
        events = encode(_task_rows(Path(folder), "events", task, schemas["events"]),
                        job.encoding.get("events", {})).to_arrow()
    return run_group(job, group, tickets.to_arrow(), events)


def run_local(job: Job, source: LocalInput, *, workers: int | None = None, on_group=None,
              keep=None) -> list[pa.Table]:
    """Every group's ``run_group`` in a process pool of ``workers`` (default: one per core; 1: in this
    process), largest first. The input is read once and split into each task's files in a temporary
    folder (``tempfile``'s: ``TMPDIR``), so a process holds one group, and reading does not grow with
    the number of contracts. ``on_group(done, total, group)`` reports progress; ``keep(table)``, if
    given, sees each group's result as it arrives and returns what of it to keep (a writer's)."""
    import tempfile

    routing, parts = _routing(source, job.policy)
    tasks = _tasks(source, routing, parts)
    workers = min(workers or os.cpu_count() or 1, max(1, len(tasks)))
    keep = keep or (lambda table: table)
    out = []

    def arrived(i: int, group: str, table: pa.Table) -> None:
        out.append(keep(table))
        if on_group:
            on_group(i + 1, len(tasks), group or "(checked only)")

    with tempfile.TemporaryDirectory(prefix="slametrics-groups-") as folder:
        schemas = _split(source, routing, parts, tasks, Path(folder))
        del routing
        if workers == 1:
            for i, (g, _, _) in enumerate(tasks):
                arrived(i, g, _local_group(job, folder, i, g, schemas))
            return out
        import multiprocessing

        # spawn, not fork: a forked child inherits the parent's threads' locks (polars', DuckDB's)
        with ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("spawn")) as pool:
            futures = [(g, pool.submit(_local_group, job, folder, i, g, schemas)) for i, (g, _, _) in enumerate(tasks)]
            for i, (g, fut) in enumerate(futures):
                arrived(i, g, fut.result())
    return out


def rows_in(files: list[Path]) -> int:
    """Rows of Parquet files, from their footers."""
    return sum(pq.ParquetFile(f).metadata.num_rows for f in files)


# --- the driver's side -------------------------------------------------------------------------------

@dataclass
class Outcome:
    """The rows of a run (clock rows, or counts summed over the parts) and its rejected rows."""

    rows: pl.DataFrame
    rejects: pl.DataFrame
    files: dict[str, list[str]]  # input -> its files, in _line's numbering
    metrics: list[dict] = field(default_factory=list)  # per group, where the job measured (Job.measure)

    def rejects_table(self) -> pl.DataFrame:
        """file, line, kind, ticket_id, reason, row_json: where each rejected row was, and why."""
        if self.rejects.height == 0:
            return pl.DataFrame(schema={"file": pl.String, "line": pl.Int64, "kind": pl.String, "ticket_id": pl.String,
                                        "reason": pl.String, "row_json": pl.String})
        files = {kind: dict(enumerate(names)) for kind, names in self.files.items()}
        frame = self.rejects.with_columns(fileno=(pl.col("_line") // 2**LINE_BITS).cast(pl.Int64),
                                          line=(pl.col("_line") % 2**LINE_BITS).cast(pl.Int64))
        name = pl.when(pl.col("_kind") == "tickets").then(
            pl.col("fileno").replace_strict(files["tickets"], default=None, return_dtype=pl.String))
        if "events" in files:
            name = name.otherwise(pl.col("fileno").replace_strict(files["events"], default=None,
                                                                  return_dtype=pl.String))
        return (frame.with_columns(file=name).select("file", "line", kind="_kind", ticket_id="_ticket",
                                                     reason="_reason", row_json="_row_json")
                .sort("kind", "file", "line", descending=[True, False, False]))

    def summary(self, read: dict[str, int]) -> list[str]:
        """Lines like the ingest's: rows read, evaluated or checked, rejected by reason."""
        out = []
        for label in ("tickets", "events"):
            if label not in read:
                continue
            mine = self.rejects.filter(pl.col("_kind") == label)
            out.append(f"{label}: {read[label]} read, {read[label] - mine.height} accepted, {mine.height} rejected")
            reasons = mine.select(pl.col("_reason").str.split("; ")).explode("_reason")["_reason"].value_counts(sort=True)
            out += [f"  rejected: {n} {reason}" for reason, n in reasons.iter_rows()]
        return out


def gathered(job: Job, tables: list[pa.Table], files: dict[str, list[str]]) -> Outcome:
    """The groups' results as one ``Outcome``: counts summed per key (integers), clock rows stacked."""
    schema = job.result_schema()
    whole = pl.from_arrow(pa.concat_tables([t.cast(schema) for t in tables]) if tables else schema.empty_table())
    assert isinstance(whole, pl.DataFrame)
    rows = whole.filter(pl.col("_kind") == "row").drop(list(REJECT_COLUMNS))
    if job.want == "counts":
        rows = summed(rows)
    import json

    return Outcome(rows=rows, rejects=whole.filter(~pl.col("_kind").is_in(["row", "metrics"])).select(list(REJECT_COLUMNS)),
                   files=files, metrics=[json.loads(m) for m in whole.filter(pl.col("_kind") == "metrics")["_reason"]])


def canonical_hash(frame: pl.DataFrame) -> str:
    """sha256 of ``frame``'s rows sorted by every column, as CSV: equal for the same rows in any order."""
    text = frame.sort(frame.columns, nulls_last=True).write_csv()
    return hashlib.sha256(text.encode()).hexdigest()


def earliest_created(files: list[Path], encoding: dict[str, str]) -> int | None:
    """Epoch seconds of the earliest ``created_at`` where the files type it as a time (their statistics
    or a scan of the column); None where it is text (the shipped tables then start a year before as-of,
    and a group with older tickets builds its own, from the same checked versions)."""
    if "created_at" not in encoding:
        return None
    low = (pl.concat([pl.scan_parquet(f).select(pl.col("created_at").dt.epoch("s").min()) for f in files])
           .min().collect().item())
    return None if low is None else int(low)


def part_writer(folder: str | Path):
    """A ``run_local`` ``keep`` that writes each group's clock rows as the next ``part-NNNNN.parquet`` of a
    new ``folder`` and keeps only the rest (rejects): the driver never holds every clock row at once."""
    import pyarrow.compute as pc

    folder = Path(folder)
    folder.mkdir(parents=True)
    written = [0]

    def keep(table: pa.Table) -> pa.Table:
        is_row = pc.equal(table.column("_kind"), "row")
        rows = table.filter(is_row)
        if rows.num_rows:
            pq.write_table(rows.select(CLOCK_COLUMNS), folder / f"part-{written[0]:05d}.parquet")
            written[0] += 1
        return table.filter(pc.invert(is_row))

    return keep


def compute(tickets: str | Path, events: str | Path | None = None, *, policy: Policy, as_of: dt.datetime,
            want: str = "clocks", by: tuple[str, ...] = (), timezone: str = "UTC", engine: str = "local",
            spark=None, max_group_rows: int = MAX_GROUP_ROWS, workers: int | None = None,
            parquet: str | Path | None = None, on_group=None, measure: bool = False) -> tuple[Outcome, dict[str, int]]:
    """The clock rows (``want="clocks"``) or monthly counts (``"counts"``, with ``by`` columns) of a Parquet
    history, and the rows read per input: on this machine (``engine="local"``, a pool of ``workers``)
    or on ``spark`` (a session from ``slametrics.spark.session``). With ``parquet``, clock rows are
    written to that new folder instead of returned. Compliance and credits of the counts:
    ``periods.compliance_of_counts(rows, policy, grain, by)``, ``credits.credits(compliance.judged(rows,
    policy), policy)``, as the command line does (docs/engines.md).
    """
    if engine not in ("local", "spark"):
        raise DataError(f"--engine: {engine!r} is not an engine; allowed: local, spark")
    parts_of({}, max_group_rows)  # refuses a non-positive number

    def job_of(encoding: dict[str, dict[str, str]], earliest: int | None) -> Job:
        return make_job(policy, as_of, timezone=timezone, want=want, by=by, encoding=encoding, earliest_s=earliest,
                        measure=measure)

    if engine == "spark":
        from slametrics import spark as S

        return S.run(spark if spark is not None else S.session(), job_of, str(tickets),
                     None if events is None else str(events), client_contract=policy.client_contract,
                     max_group_rows=max_group_rows,
                     parquet=None if parquet is None else str(parquet))
    files = {"tickets": parquet_files(tickets, "tickets")}
    if events is not None:
        files["events"] = parquet_files(events, "events")
    encoding = {kind: encoding_of(input_schema(names, kind, str(tickets if kind == "tickets" else events)), kind)
                for kind, names in files.items()}
    job = job_of(encoding, earliest_created(files["tickets"], encoding["tickets"]))
    source = LocalInput(tuple(map(str, files["tickets"])), tuple(map(str, files.get("events", []))), max_group_rows)
    keep = part_writer(parquet) if parquet is not None and want == "clocks" else None
    tables = run_local(job, source, workers=workers, on_group=on_group, keep=keep)
    outcome = gathered(job, tables, {kind: [str(f) for f in names] for kind, names in files.items()})
    return outcome, {kind: rows_in(names) for kind, names in files.items()}
