"""What every converter shares: reading an export, cleaning text, reading timestamps, the summary.

Converters hand canonical frames to ``slametrics.ingest.ingest_frames``, which does the rejecting.
A value the converter cannot read is passed on *as written* so the canonical validation rejects its
row with the export's line number; the converter's own explanation travels in the column
``_problem`` (kept in the reject's ``row_json``).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

from slametrics.errors import DataError
from slametrics.ingest import IngestSummary, read_table
from slametrics.timeparse import parse_timestamps

#: years outside this range come from a pattern reading the wrong digits (``%Y`` takes "16" as year 16)
PLAUSIBLE_YEARS = (1970, 2100)


@dataclass
class ImportSummary:
    """An import: the export's size, notes on what it lacks, and the canonical ingest's summary."""

    format: str
    export: str
    export_rows: int
    cases: int
    case_word: str
    ingest: IngestSummary
    notes: list[str] = field(default_factory=list)

    def lines(self) -> list[str]:
        out = [f"export: {self.export_rows} rows, {self.cases} {self.case_word} ({self.format}: {self.export})"]
        out += [f"note: {note}" for note in self.notes]
        return out + self.ingest.lines()


def read_export(path: str | Path) -> pl.DataFrame:
    """The export as text columns with ``_line`` (its line in the file); gzip-compressed CSV is fine."""
    return read_table(path, "export")


def require_columns(frame: pl.DataFrame, columns: list[str], where: str, fix: str = "") -> None:
    """Refuse the file whole when a column the rules need is absent, naming every missing one."""
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        shown = ", ".join(frame.columns[:40]) + (" ..." if len(frame.columns) > 40 else "")
        raise DataError(f"{where}: missing column{'s' if len(missing) > 1 else ''} {', '.join(repr(c) for c in missing)}"
                        f"{fix}; the file has: {shown}")
    twice = [c for c in columns if f"{c}_duplicated_0" in frame.columns]  # how polars reads a repeated name
    if twice:
        raise DataError(f"{where}: the header names {', '.join(repr(c) for c in twice)} more than once: which "
                        "column the rules should read cannot be told; give each column of the export one name")


def clean(name: str, empty_values: tuple[str, ...] = ()) -> pl.Expr:
    """Text without surrounding blanks; empty and the export's 'no value' markers become null."""
    text = pl.col(name).cast(pl.String).str.strip_chars()
    markers = ["", *empty_values]
    return pl.when(text.is_in(markers)).then(None).otherwise(text).alias(name)


def read_times(text: pl.Series, fmt: str | tuple[str, ...], timezone: str, shape: str | None = None) -> pl.DataFrame:
    """Read a column of timestamps written in ``fmt`` (``iso``, or strftime patterns tried in turn), or in ISO 8601.

    Returns ``text`` (what to hand to canonical ingest: ISO where read, the value as written where
    not), ``utc`` (Datetime UTC, null where unread) and ``bad`` (a value was written but not read).
    ``shape`` is a regex the value must match before the pattern is tried.

    >>> read_times(pl.Series(["29/2/2016 01:16", "31/2/2016 01:16"]), "%d/%m/%Y %H:%M", "UTC")["bad"].to_list()
    [False, True]
    """
    text = text.cast(pl.String).rename("text")
    if fmt != "iso":
        patterns = (fmt,) if isinstance(fmt, str) else fmt
        parsed = pl.select(pl.coalesce([text.str.strptime(pl.Datetime("us"), p, strict=False) for p in patterns])).to_series()
        aware = parsed.dtype.time_zone is not None  # type: ignore[union-attr]
        frame = pl.DataFrame({"text": text, "parsed": parsed})
        ok = pl.col("parsed").dt.year().is_between(*PLAUSIBLE_YEARS)
        if shape is not None:
            ok = ok & pl.col("text").str.contains(shape)
        written = (pl.col("parsed").dt.convert_time_zone("UTC").dt.strftime("%Y-%m-%dT%H:%M:%SZ") if aware
                   else pl.col("parsed").dt.strftime("%Y-%m-%d %H:%M:%S"))
        text = frame.select(pl.when(ok).then(written).otherwise(pl.col("text")).alias("text"))["text"]
    utc, bad = parse_timestamps(text, timezone)
    return pl.DataFrame({"text": text, "utc": utc, "bad": bad})


def _matches(name: str, values: tuple[str, ...], pattern: bool) -> pl.Expr:
    if pattern:
        return pl.col(name).str.contains("|".join(f"(?:{v})" for v in values)) if values else pl.lit(False)
    return pl.col(name).str.to_lowercase().is_in([v.lower() for v in values])


def verdict(name: str, met: tuple[str, ...], breached: tuple[str, ...], pattern: bool = False) -> pl.Expr:
    """A source SLA verdict as 'true'/'false'; a value in neither list is kept as written (rejected later).

    Values compare without regard to case; with ``pattern`` they are regular expressions searched in
    the value (``breached`` first: a value matching both is a breach).
    """
    return (pl.when(_matches(name, breached, pattern)).then(pl.lit("false"))
            .when(_matches(name, met, pattern)).then(pl.lit("true"))
            .otherwise(pl.col(name)))


def verdict_problem(name: str, column: str, met: tuple[str, ...], breached: tuple[str, ...], pattern: bool = False) -> pl.Expr:
    """The converter's explanation where a verdict value is in neither list (null elsewhere)."""
    known = _matches(name, met, pattern) | _matches(name, breached, pattern)
    what = "matches neither" if pattern else "is neither"
    return (pl.when(pl.col(name).is_not_null() & ~known)
            .then(pl.lit(f"{column} {what} a met value {list(met)} nor a breached value {list(breached)}")))


def join_problems(*exprs: pl.Expr) -> pl.Expr:
    """The converter's explanations of a row, '; '-joined, null where it has none."""
    joined = pl.concat_list([e.cast(pl.String) for e in exprs]).list.drop_nulls().list.join("; ")
    return pl.when(joined == "").then(None).otherwise(joined).alias("_problem")
