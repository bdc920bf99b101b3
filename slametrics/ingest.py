"""Loading ticket history (SLA_SPEC §1): validate, keep rejects with reasons, store in one transaction.

Every row either lands in ``tickets``/``events`` or in ``rejects`` with its line number and the
reasons it was refused; nothing is repaired or dropped silently. Re-ingesting a ticket replaces
it (and its events, where the new input carries events for it), and the rejects of an input
replace those of its earlier ingest, so the same ingest twice changes nothing. A failure at any
point rolls the whole ingest back.
"""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import duckdb
import polars as pl

from slametrics.db import one
from slametrics.errors import DataError
from slametrics.policy import Policy, tables
from slametrics.policy.check import quoted
from slametrics.scope import Scope
from slametrics.sql import statement
from slametrics.timeparse import parse_timestamps

Progress = Callable[[str, float], None]

TICKET_REQUIRED = ("ticket_id", "client", "priority", "created_at")
TICKET_OPTIONAL = ("first_response_at", "resolved_at", "category", "team", "agent", "channel", "csat",
                   "reopened", "source_sla_met")
TICKET_TIMES = ("created_at", "first_response_at", "resolved_at")
EVENT_REQUIRED = ("ticket_id", "at", "status")
_TRUE, _FALSE = ("true", "t", "yes", "y", "1"), ("false", "f", "no", "n", "0")


@dataclass
class IngestSummary:
    """What one ingest read, stored and rejected (by reason), and what no contract covers."""

    source: str
    rows_read: int = 0
    stored: int = 0
    rejected: dict[str, int] = field(default_factory=dict)
    events_source: str | None = None
    events_read: int = 0
    events_stored: int = 0
    events_rejected: dict[str, int] = field(default_factory=dict)
    uncovered: dict[str, int] = field(default_factory=dict)

    def lines(self) -> list[str]:
        out = [f"tickets: {self.rows_read} read, {self.stored} stored, {sum(self.rejected.values())} rejected ({self.source})"]
        out += [f"  rejected: {n} {reason}" for reason, n in sorted(self.rejected.items(), key=lambda kv: -kv[1])]
        if self.events_source is not None:
            out.append(f"events: {self.events_read} read, {self.events_stored} stored, "
                       f"{sum(self.events_rejected.values())} rejected ({self.events_source})")
            out += [f"  rejected: {n} {reason}" for reason, n in sorted(self.events_rejected.items(), key=lambda kv: -kv[1])]
        out += [f"uncovered: {n} stored tickets {what}" for what, n in self.uncovered.items()]
        return out


def read_table(path: str | Path, kind: str) -> pl.DataFrame:
    """Read a CSV (all columns as text) or Parquet file, with ``_line``: the row's line in the input."""
    path = Path(path)
    if not path.exists():
        raise DataError(f"{path}: no such {kind} file")
    if path.is_dir():
        raise DataError(f"{path}: a folder, not a file: name the {kind} file (CSV or Parquet) itself")
    if path.suffix.lower() == ".gz":
        _check_expansion(path)
    try:
        if path.suffix.lower() in (".parquet", ".pq"):
            frame = pl.read_parquet(path)
            nested = [n for n, dtype in frame.schema.items() if dtype.is_nested()]
            if nested:
                raise DataError(f"{path}: column{'s' if len(nested) > 1 else ''} {', '.join(nested)} hold"
                                f"{'' if len(nested) > 1 else 's'} lists or structures: every column of the "
                                f"{kind} file holds one value per row (text, number or time)")
            first_line = 1
        else:
            frame = pl.read_csv(path, infer_schema=False, encoding="utf8-lossy", raise_if_empty=False)
            first_line = 2  # line 1 is the header
    except (pl.exceptions.PolarsError, OSError, ValueError) as exc:
        parquet = path.suffix.lower() in (".parquet", ".pq")
        frame = None if parquet else _read_ragged_csv(path)
        if frame is None:
            raise DataError(f"{path}: cannot read as {'Parquet' if parquet else 'CSV'}: "
                            f"{str(exc).splitlines()[0]}") from None
        return frame
    if first_line == 2:
        _require_utf8(path, frame)
        _require_unique_names(path, kind, {"tickets": TICKET_REQUIRED + TICKET_OPTIONAL,
                                           "events": EVENT_REQUIRED}.get(kind))
    frame = frame.rename({c: c.lstrip("\ufeff").strip() for c in frame.columns})
    frame = frame.with_row_index("_line", offset=first_line).with_columns(pl.col("_line").cast(pl.Int64))
    return _physical_lines(frame) if first_line == 2 else frame


#: a compressed input may expand to this many times its size (CSV compresses 5-15x), or 200 MB if more:
#: past it, it is refused as a decompression bomb before it is read
MAX_EXPANSION, MIN_EXPANDED = 50, 200_000_000
REJECT_FIELD_CHARS = 1_000  # characters of each field a rejected row keeps


def _check_expansion(path: Path) -> None:
    """Refuse a gzip file that expands beyond ``MAX_EXPANSION`` times its size (reading it in chunks)."""
    import gzip
    import zlib

    limit = max(MIN_EXPANDED, MAX_EXPANSION * path.stat().st_size)
    total = 0
    try:
        with gzip.open(path, "rb") as data:
            while chunk := data.read(1 << 20):
                total += len(chunk)
                if total > limit:
                    raise DataError(f"{path}: expands to more than {limit:,} bytes ({MAX_EXPANSION}x its size): "
                                    "refused as a decompression bomb; unpack and check it first")
    except (OSError, EOFError, zlib.error) as exc:
        raise DataError(f"{path}: not a readable gzip file ({exc})") from None


def _require_utf8(path: Path, frame: pl.DataFrame) -> None:
    """Refuse a CSV that is not UTF-8 (a Latin-1 or Windows-1252 export) instead of storing its accented
    letters as replacement characters. Only where a value holds one (U+FFFD) are the bytes checked."""
    text = [name for name, dtype in frame.schema.items() if dtype == pl.String]
    marked = any("\ufffd" in name for name in frame.columns) or (bool(text) and any(
        frame.select(pl.col(c).str.contains("\ufffd", literal=True).any() for c in text).row(0)))
    if not marked:
        return
    import codecs
    import gzip

    decoder = codecs.getincrementaldecoder("utf-8")()
    offset = 0
    with (gzip.open(path, "rb") if path.suffix.lower() == ".gz" else path.open("rb")) as data:
        while chunk := data.read(1 << 20):
            try:
                decoder.decode(chunk)
            except UnicodeDecodeError as exc:
                raise DataError(f"{path}: byte {offset + exc.start + 1:,} is not UTF-8 text (a Latin-1 or Windows "
                                "export?): save the file as UTF-8 (in Excel: CSV UTF-8); nothing was stored") from None
            offset += len(chunk)


def _physical_lines(frame: pl.DataFrame) -> pl.DataFrame:
    """``_line`` as the physical line each CSV record starts on, where quoted values span lines.

    A record starts one line after the previous one plus the line breaks inside the previous
    record's values (CR LF, CR or LF, as Python's csv reader counts them), and the first after the
    header's own. Files without such values (the usual case: one quick look per text column) keep
    the record number plus one.
    """
    text = [name for name, dtype in frame.schema.items() if dtype == pl.String]
    if not text:
        return frame
    found = frame.select((pl.col(c).str.contains("\n", literal=True) | pl.col(c).str.contains("\r", literal=True)).any()
                         for c in text).row(0)  # literal look-ups: 2x a regex
    spanning = [c for c, hit in zip(text, found) if hit]
    header = sum(len(re.findall(r"\r\n|\r|\n", name)) for name in frame.columns)
    if not spanning:
        return frame.with_columns(_line=pl.col("_line") + header) if header else frame
    breaks = pl.sum_horizontal(pl.col(spanning).str.count_matches(r"\r\n|\r|\n").fill_null(0))
    return frame.with_columns(_line=pl.col("_line") + header + breaks.cum_sum().shift(1, fill_value=0).cast(pl.Int64))


def _read_ragged_csv(path: Path) -> pl.DataFrame | None:
    """A CSV whose rows do not all have the header's number of fields, read record by record.

    Only for files the fast reader refused: rows of the wrong length are kept, empty, with a
    ``_problem`` that rejects them at their physical line, and their text in ``_raw``; None where the
    file is not CSV at all.
    """
    import csv
    import gzip

    opener = gzip.open if path.suffix.lower() == ".gz" else open
    try:
        with opener(path, "rt", encoding="utf-8", errors="replace", newline="") as handle:
            reader = csv.reader(handle)
            header = [c.lstrip("\ufeff").strip() for c in next(reader, [])]
            if not header:
                return None
            columns: list[list[str | None]] = [[] for _ in header]
            lines, problems, raws = [], [], []
            start = reader.line_num + 1
            for record in reader:
                ok = len(record) == len(header)
                for i, column in enumerate(columns):
                    column.append(record[i] if ok else None)
                lines.append(start)
                problems.append(None if ok else f"the row has {len(record)} fields where the header has {len(header)} "
                                                 "(quote values that hold a comma)")
                raws.append(None if ok else ",".join(record))
                start = reader.line_num + 1
    except (OSError, csv.Error, UnicodeError, EOFError):
        return None
    data = {name: pl.Series(name, col, dtype=pl.String) for name, col in zip(header, columns)}
    return pl.DataFrame(data).with_columns(
        _problem=pl.Series(problems, dtype=pl.String), _raw=pl.Series(raws, dtype=pl.String),
        _line=pl.Series(lines, dtype=pl.Int64))


def _require_unique_names(path: Path, kind: str, read: tuple[str, ...] | None) -> None:
    """Refuse a CSV whose header names a column that is ``read`` twice (polars would read the second as
    ``NAME_duplicated_0`` and the first would be used without a word); a twice-named column nothing
    reads is harmless (a real export repeats one). ``read`` None: the caller checks (an export's mapping)."""
    if read is None:
        return
    try:
        first = pl.read_csv(path, has_header=False, n_rows=1, infer_schema=False, encoding="utf8-lossy",
                            raise_if_empty=False)
    except (pl.exceptions.PolarsError, OSError, ValueError):
        return
    if first.is_empty():
        return
    names = [(v or "").lstrip("\ufeff").strip() for v in first.row(0)]
    where: dict[str, list[int]] = {}
    for position, name in enumerate(names, start=1):
        where.setdefault(name, []).append(position)
    twice = {name: at for name, at in where.items() if len(at) > 1 and name in read}
    if twice:
        named = "; ".join(f"{quoted(name) if name else 'an empty name'} in columns {', '.join(map(str, at))}"
                          for name, at in twice.items())
        raise DataError(f"{path}: the header names a column more than once ({named}): which one is meant cannot "
                        f"be told; give each column of the {kind} file one name")


def header_of(path: str | Path) -> list[str] | None:
    """The column names of a file as ``read_table`` reads them (None where it cannot be read: it says why later)."""
    path = Path(path)
    try:
        if path.suffix.lower() in (".parquet", ".pq"):
            names = list(pl.read_parquet_schema(path))
        else:
            names = pl.read_csv(path, infer_schema=False, encoding="utf8-lossy", n_rows=0, raise_if_empty=False).columns
    except (pl.exceptions.PolarsError, OSError, ValueError):
        return None
    return [c.lstrip("\ufeff").strip() for c in names]


def ingest_files(con: duckdb.DuckDBPyConnection, tickets_path: str | Path, events_path: str | Path | None = None, *,
                 timezone: str = "UTC", policy: Policy | None = None, progress: Progress | None = None,
                 source: str | None = None, events_source: str | None = None) -> IngestSummary:
    """Ingest a tickets file and optionally an events file (CSV or Parquet). ``source`` and
    ``events_source`` name the inputs (default: their absolute paths): the same name is the same input."""
    _check_zone(timezone)
    for path, kind in ((tickets_path, "tickets"), (events_path, "events")):
        if path is not None and not Path(path).exists():
            raise DataError(f"{path}: no such {kind} file")
    for path, required in ((tickets_path, TICKET_REQUIRED), (events_path, EVENT_REQUIRED)):
        names = None if path is None else header_of(path)
        if names is not None:  # a missing column is refused before anything is checked
            _require(pl.DataFrame(schema=dict.fromkeys(names, pl.String)), required, str(Path(path).resolve()))
    # Each file is read when it is checked and its text dropped once checked: at 10M tickets the text
    # of both files at once would double the memory an ingest needs.
    return _ingest(con, lambda: read_table(tickets_path, "tickets"),
                   None if events_path is None else (lambda: read_table(events_path, "events")),
                   source=source or str(Path(tickets_path).resolve()),
                   events_source=None if events_path is None else events_source or str(Path(events_path).resolve()),
                   timezone=timezone, policy=policy, progress=progress)


def ingest_frames(con: duckdb.DuckDBPyConnection, tickets: pl.DataFrame, events: pl.DataFrame | None = None, *,
                  source: str, events_source: str | None = None, timezone: str = "UTC",
                  policy: Policy | None = None, progress: Progress | None = None) -> IngestSummary:
    """Validate canonical frames and store them in one transaction (see module doc)."""
    _check_zone(timezone)
    _require(tickets, TICKET_REQUIRED, source)  # a missing column is refused before anything is checked
    if events is not None:
        _require(events, EVENT_REQUIRED, events_source or f"{source} (events)")
    return _ingest(con, lambda: tickets, None if events is None else (lambda: events), source=source,
                   events_source=events_source, timezone=timezone, policy=policy, progress=progress)


def _ingest(con: duckdb.DuckDBPyConnection, read_tickets: Callable[[], pl.DataFrame],
            read_events: Callable[[], pl.DataFrame] | None, *, source: str, events_source: str | None,
            timezone: str, policy: Policy | None, progress: Progress | None) -> IngestSummary:
    report = progress or (lambda phase, fraction: None)
    events_source = events_source or (f"{source} (events)" if read_events is not None else None)
    tickets = read_tickets()
    _require(tickets, TICKET_REQUIRED, source)
    tickets = _numbered(tickets)
    report("checking tickets", 0.1)
    good, bad = validate_tickets(tickets, timezone)
    summary = IngestSummary(source=source, rows_read=tickets.height, stored=good.height,
                            rejected=_count_reasons(bad))
    del tickets
    ev_good = ev_bad = None
    if read_events is not None:
        events = read_events()
        _require(events, EVENT_REQUIRED, events_source)
        events = _numbered(events)
        report("checking events", 0.4)
        ev_good, ev_bad = validate_events(con, events, timezone, good, bad)
        summary.events_source, summary.events_read = events_source, events.height
        summary.events_stored, summary.events_rejected = ev_good.height, _count_reasons(ev_bad)
        del events
    report("writing", 0.6)
    _store(con, good, bad, ev_good, ev_bad, summary)
    if policy is not None:
        summary.uncovered = uncovered_counts(con, policy)
    report("done", 1.0)
    return summary


def _register(con: duckdb.DuckDBPyConnection, name: str, frame: pl.DataFrame) -> None:
    """Let SQL read ``frame`` as ``name`` without a copy (Arrow string views; the default converts every string)."""
    con.register(name, frame.to_arrow(compat_level=pl.CompatLevel.newest()))


def _numbered(frame: pl.DataFrame) -> pl.DataFrame:
    """Frames made in code have no ``_line``: number their rows from 1 (input order, as events need)."""
    if "_line" in frame.columns:
        return frame
    return frame.with_row_index("_line", offset=1).with_columns(pl.col("_line").cast(pl.Int64))


def _check_zone(timezone: str) -> None:
    from slametrics.policy.check import known_zone

    if not known_zone(timezone):
        raise DataError(f"--timezone: {timezone!r} is not a known time zone; use an IANA name such as Europe/Berlin or UTC")


def _require(frame: pl.DataFrame, columns: tuple[str, ...], source: str) -> None:
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise DataError(f"{source}: missing required column{'s' if len(missing) > 1 else ''} "
                        f"{', '.join(missing)}; the header must name {', '.join(columns)}")


def _text(frame: pl.DataFrame, name: str) -> pl.Expr:
    if name not in frame.columns:
        return pl.lit(None, pl.String).alias(name)
    col = pl.col(name).cast(pl.String).str.strip_chars()
    return pl.when(col == "").then(None).otherwise(col).alias(name)


Check = tuple[pl.Expr, pl.Expr]  # (the row fails, the reason text where it does)


def _reason(condition: pl.Expr, message: str) -> Check:
    return condition.fill_null(False), pl.when(condition).then(pl.lit(message)).otherwise(None)


def _problem() -> Check:
    """An import converter's own explanation of a row (``_problem``), where it gave one."""
    return pl.col("_problem").is_not_null(), pl.col("_problem")


def _split(frame: pl.DataFrame, work: pl.DataFrame, checks: list[Check], kind: str) -> tuple[pl.DataFrame, pl.DataFrame]:
    """(rows passing every check, rejects): reasons are spelled out for failing rows only.

    Checks must be row by row (a window such as a duplicate count is a column of ``work`` already).
    """
    failing = work.select(pl.any_horizontal([c for c, _ in checks]))[:, 0]
    # a converter's own explanation (``_problem``) stands alone: the checks after it only restate it
    failed = work.filter(failing).with_columns(_reasons=pl.when(pl.col("_problem").is_not_null())
                                               .then(pl.concat_list(pl.col("_problem")))
                                               .otherwise(pl.concat_list([m for _, m in checks]).list.drop_nulls()))
    return work.filter(~failing), _rejects(frame.filter(failing), failed, kind)


#: the instants a stored time may take (docs/semantics.md, "Rejected rows"): a ticket of year 1 or 9999
#: is a typing mistake, and would make every evaluation span millennia of calendar
EARLIEST = dt.datetime(1970, 1, 1, tzinfo=dt.timezone.utc)
LATEST = dt.datetime(2200, 1, 1, tzinfo=dt.timezone.utc)


def _out_of_range(column: str) -> pl.Expr:
    return (pl.col(column) < EARLIEST) | (pl.col(column) >= LATEST)


def validate_tickets(frame: pl.DataFrame, timezone: str) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Split canonical ticket rows into (typed good rows, rejects with line and reason)."""
    times, bad_time = {}, {}
    for name in TICKET_TIMES:
        if name in frame.columns:
            times[name], bad_time[name] = parse_timestamps(frame[name], timezone)
        else:
            times[name] = pl.Series(name, [None] * frame.height, dtype=pl.Datetime("us", "UTC"))
            bad_time[name] = pl.Series(name, [False] * frame.height, dtype=pl.Boolean)
    work = frame.select(
        pl.col("_line"),
        *[_text(frame, c) for c in ("ticket_id", "client", "priority", "category", "team", "agent", "channel")],
        _text(frame, "_problem"),
        *[times[n].alias(n) for n in TICKET_TIMES],
        *[bad_time[n].alias(f"_bad_{n}") for n in TICKET_TIMES],
        **_number(frame, "csat", pl.Float64), **_number(frame, "reopened", pl.Int64),
        **_boolean(frame, "source_sla_met"),
    )
    work = work.with_columns(_dup=pl.col("ticket_id").is_not_null() & pl.col("ticket_id").is_duplicated())
    checks = [
        _problem(),  # an import converter's own explanation comes first
        *[_reason(pl.col(c).is_null() & ~pl.col(f"_bad_{c}") if c in TICKET_TIMES else pl.col(c).is_null(),
                  f"required column {c} is empty") for c in TICKET_REQUIRED],
        *[_reason(pl.col(f"_bad_{c}"), f"{c} is not a timestamp (ISO 8601, e.g. 2026-03-01T09:30:00Z)") for c in TICKET_TIMES],
        *[_reason(_out_of_range(c), f"{c} is outside the years {EARLIEST.year}-{LATEST.year - 1}") for c in TICKET_TIMES],
        _reason(pl.col("ticket_id").str.contains(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]"),
                "ticket_id holds a control character"),
        _reason(pl.col("_bad_csat"), "csat is not a number"),
        _reason(pl.col("_bad_reopened"), "reopened is not an integer"),
        _reason(pl.col("reopened") < 0, "reopened is negative"),
        _reason(pl.col("_bad_source_sla_met"), "source_sla_met is not true/false"),
        _reason(pl.col("first_response_at") < pl.col("created_at"), "first_response_at is earlier than created_at"),
        _reason(pl.col("resolved_at") < pl.col("created_at"), "resolved_at is earlier than created_at"),
        _reason((pl.col("csat") < 1) | (pl.col("csat") > 5), "csat is outside 1..5"),
        _reason(pl.col("_dup"), "ticket_id appears more than once in this input (every copy rejected)"),
    ]
    keep = ["ticket_id", "client", "priority", *TICKET_TIMES, "category", "team", "agent", "channel", "csat",
            "reopened", "source_sla_met"]
    good, bad = _split(frame, work, checks, "tickets")
    return good.select(keep), bad


def _number(frame: pl.DataFrame, name: str, dtype: pl.DataType) -> dict[str, pl.Expr]:
    if name not in frame.columns:
        return {name: pl.lit(None, dtype), f"_bad_{name}": pl.lit(False)}
    if frame[name].dtype.is_numeric():
        raw = pl.col(name)
        if dtype == pl.Int64 and frame[name].dtype.is_float():
            whole = raw.is_null() | (raw == raw.floor())
            return {name: pl.when(whole).then(raw.cast(pl.Int64, strict=False)), f"_bad_{name}": ~whole}
        return {name: raw.cast(dtype), f"_bad_{name}": pl.lit(False)}
    text = _text(frame, name)
    value = text.cast(dtype, strict=False)
    return {name: value, f"_bad_{name}": text.is_not_null() & value.is_null()}


def _boolean(frame: pl.DataFrame, name: str) -> dict[str, pl.Expr]:
    if name not in frame.columns:
        return {name: pl.lit(None, pl.Boolean), f"_bad_{name}": pl.lit(False)}
    if frame[name].dtype == pl.Boolean:
        return {name: pl.col(name), f"_bad_{name}": pl.lit(False)}
    text = _text(frame, name).str.to_lowercase()
    value = pl.when(text.is_in(_TRUE)).then(True).when(text.is_in(_FALSE)).then(False).otherwise(None)
    return {name: value, f"_bad_{name}": text.is_not_null() & value.is_null()}


def _rejects(raw: pl.DataFrame, failed: pl.DataFrame, kind: str) -> pl.DataFrame:
    """Rejected rows: line, ticket_id, reason (all reasons, '; '), and the row as it was read (JSON).

    ``raw`` holds the failing rows as read, ``failed`` the same rows checked, with ``_reasons``.
    """
    kept = raw.drop("_line").select(pl.all().cast(pl.String).str.slice(0, REJECT_FIELD_CHARS))
    raw_json = kept.select(pl.struct(pl.all()).struct.json_encode().alias("row_json"))
    return pl.DataFrame({
        "kind": pl.Series([kind] * raw.height, dtype=pl.String),
        "line": raw["_line"],
        "ticket_id": failed["ticket_id"],
        "reason": failed["_reasons"].list.join("; "),
        "row_json": raw_json["row_json"],
        "reasons": failed["_reasons"],  # for the summary's counts; not stored
    })


def validate_events(con: duckdb.DuckDBPyConnection, frame: pl.DataFrame, timezone: str,
                    good_tickets: pl.DataFrame, bad_tickets: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Split status events into (good rows with seq = input line, rejects)."""
    at, bad_at = parse_timestamps(frame["at"], timezone)
    seq = pl.col("_seq") if "_seq" in frame.columns else pl.col("_line")  # converters may order ties themselves
    work = frame.select(pl.col("_line"), seq.cast(pl.Int64).alias("_seq"), _text(frame, "ticket_id"), _text(frame, "status"),
                        _text(frame, "_problem"),
                        _text(frame, "at").alias("_raw_at"), event_at=at, _bad_at=bad_at)
    stored = pl.Series("ticket_id", [], dtype=pl.String)
    if one(con, "SELECT count(*) FROM tickets")[0]:  # events may refer to tickets of an earlier ingest
        _register(con, "event_ticket_ids", work.select(pl.col("ticket_id").drop_nulls().unique()))
        try:
            stored = con.sql("SELECT t.ticket_id FROM tickets t SEMI JOIN event_ticket_ids e USING (ticket_id)").pl()["ticket_id"]
        finally:
            con.unregister("event_ticket_ids")
    rejected_ids = bad_tickets["ticket_id"].drop_nulls()
    work = work.with_columns(_accepted=pl.col("ticket_id").is_in(good_tickets["ticket_id"].implode()),
                             _rejected=pl.col("ticket_id").is_in(rejected_ids.implode()),
                             _stored=pl.col("ticket_id").is_in(stored.cast(pl.String).implode()))
    checks = [
        _problem(),
        _reason(pl.col("ticket_id").is_null(), "required column ticket_id is empty"),
        _reason(pl.col("_raw_at").is_null(), "required column at is empty"),
        _reason(pl.col("status").is_null(), "required column status is empty"),
        _reason(pl.col("_bad_at"), "at is not a timestamp (ISO 8601, e.g. 2026-03-01T09:30:00Z)"),
        _reason(_out_of_range("event_at"), f"at is outside the years {EARLIEST.year}-{LATEST.year - 1}"),
        _reason(pl.col("_rejected") & ~pl.col("_accepted"), "its ticket was rejected in this input"),
        _reason(pl.col("ticket_id").is_not_null() & ~(pl.col("_accepted") | pl.col("_stored")) & ~pl.col("_rejected"),
                "unknown ticket_id (not in this input nor stored)"),
    ]
    good, bad = _split(frame, work, checks, "events")
    return good.select("ticket_id", pl.col("_seq").cast(pl.Int32).alias("seq"), "event_at", "status"), bad


def _count_reasons(bad: pl.DataFrame) -> dict[str, int]:
    """Rejected rows per reason: a row with two reasons counts under both (so the counts may add up to more)."""
    if bad.is_empty():
        return {}
    counts = bad.select(pl.col("reasons").explode().alias("reason")).group_by("reason").len()
    return dict(counts.sort("len", "reason", descending=[True, False]).iter_rows())


def _store(con: duckdb.DuckDBPyConnection, good: pl.DataFrame, bad: pl.DataFrame, ev_good: pl.DataFrame | None,
           ev_bad: pl.DataFrame | None, summary: IngestSummary) -> None:
    """Write everything in one transaction: all of it lands, or none of it.

    Each ticket is numbered (``tkey``, kept across re-ingests), and the status spans of every ticket
    this input touches (its tickets, and the stored tickets it carries events for) are derived again;
    ``ticket_changes`` records those tickets under this ingest's number (what slametrics.stored reads again).
    """
    rejects = [bad.with_columns(source=pl.lit(summary.source))]
    if ev_bad is not None:
        rejects.append(ev_bad.with_columns(source=pl.lit(summary.events_source)))
    touched = [good.select("ticket_id")] + ([ev_good.select("ticket_id")] if ev_good is not None else [])
    frames = {"new_rejects": pl.concat(rejects, how="vertical_relaxed"),
              "span_tickets": pl.concat(touched).unique()}
    if ev_good is not None:
        frames["new_events"] = ev_good
    for name, frame in frames.items():
        _register(con, name, frame)
    sources = [summary.source] + ([summary.events_source] if summary.events_source else [])
    con.execute("BEGIN TRANSACTION")
    try:
        stored, top = one(con, "SELECT count(*), coalesce(max(tkey), 0) FROM tickets")
        frames["new_tickets"] = _numbered_keys(con, good.with_columns(source=pl.lit(summary.source)), stored > 0, top)
        _register(con, "new_tickets", frames["new_tickets"])
        if stored:  # the spans of every ticket this input touches are derived again
            con.execute("DELETE FROM status_spans WHERE tkey IN "
                        "(SELECT t.tkey FROM tickets t SEMI JOIN span_tickets s ON s.ticket_id = t.ticket_id)")
        con.execute(statement("store_tickets"))
        if ev_good is not None:
            con.execute(statement("store_events"))
        con.execute(statement("store_spans"), {"all": not stored})
        con.execute("INSERT INTO ticket_changes SELECT (SELECT count(*) + 1 FROM ingests), t.tkey "
                    "FROM tickets t SEMI JOIN span_tickets s ON s.ticket_id = t.ticket_id")
        con.execute("DELETE FROM rejects WHERE list_contains($sources, source)", {"sources": sources})
        con.execute("INSERT INTO rejects BY NAME SELECT source, kind, line, ticket_id, reason, row_json FROM new_rejects")
        con.execute("INSERT INTO ingests VALUES ($source, now(), $read, $stored, $rejected, $eread, $estored, $erejected)",
                    {"source": summary.source, "read": summary.rows_read, "stored": summary.stored,
                     "rejected": sum(summary.rejected.values()), "eread": summary.events_read,
                     "estored": summary.events_stored, "erejected": sum(summary.events_rejected.values())})
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
    finally:
        for name in frames:
            con.unregister(name)


def _numbered_keys(con: duckdb.DuckDBPyConnection, tickets: pl.DataFrame, stored: bool, top: int) -> pl.DataFrame:
    """``tickets`` with ``tkey``: a stored ticket keeps its number (the same ingest twice changes nothing),
    a new one gets the next free number."""
    if stored:
        keys = con.sql("SELECT t.ticket_id, t.tkey FROM tickets t SEMI JOIN span_tickets s ON s.ticket_id = t.ticket_id").pl()
        tickets = tickets.join(keys, on="ticket_id", how="left", maintain_order="left")
    else:
        tickets = tickets.with_columns(tkey=pl.lit(None, pl.Int64))
    new = pl.col("tkey").is_null()
    return tickets.with_columns(tkey=pl.when(new).then(top + new.cum_sum().cast(pl.Int64)).otherwise(pl.col("tkey")))


def uncovered_counts(con: duckdb.DuckDBPyConnection, policy: Policy) -> dict[str, int]:
    """Stored tickets that get no clock: client under no contract, or priority no service level targets."""
    pairs = tables.coverage(policy).select("client", "priority").unique()
    con.register("covered_pairs", pairs)
    try:
        row = one(con, statement("uncovered_counts"), {"covered": list(policy.client_contract)})
    finally:
        con.unregister("covered_pairs")
    return {"whose client no contract covers": int(row[0]), "whose priority no service level targets": int(row[1])}


def rejects_of(con: duckdb.DuckDBPyConnection, source: str | None = None, *, scope: Scope) -> pl.DataFrame:
    """The stored rejects ``scope`` may see, by input, kind and line; ``source`` narrows to one input."""
    return con.sql(statement("rejects_of"), params={"source": source, **scope.params()}).pl()

