"""CSV as SLA_SPEC §6 writes it: shares as plain decimals, money with two decimals, true/false."""
from __future__ import annotations

import csv
import io
import sys
from pathlib import Path
from typing import Iterable

import polars as pl

SHARE_COLUMNS = ("compliance", "objective", "credit_rate")
MONEY_COLUMNS = ("credit_amount",)


def format_share(value: float | None) -> str:
    """0.95 -> '0.95'; 2/3 -> '0.666667'; 1.0 -> '1'; None -> ''."""
    if value is None:
        return ""
    text = f"{value:.6f}".rstrip("0").rstrip(".")
    return "0" if text in ("", "-0") else text


def format_cell(column: str, value: object) -> str:
    if value is None:
        return ""
    if column in SHARE_COLUMNS:
        return format_share(value)  # type: ignore[arg-type]
    if column in MONEY_COLUMNS:
        return f"{value:.2f}"
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def write_csv(frame: pl.DataFrame, columns: Iterable[str], out: str | Path | None) -> None:
    """Write ``columns`` of ``frame`` as CSV to ``out`` (a path) or standard output."""
    columns = list(columns)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(columns)
    for row in frame.select(columns).iter_rows():
        writer.writerow([format_cell(c, v) for c, v in zip(columns, row)])
    if out is None:
        sys.stdout.write(buffer.getvalue())
    else:
        Path(out).parent.mkdir(parents=True, exist_ok=True)
        Path(out).write_text(buffer.getvalue(), encoding="utf-8")
