"""CSV as SLA_SPEC §6 writes it: shares as plain decimals, money with two decimals, true/false."""
from __future__ import annotations

import csv
import io
import sys
from decimal import ROUND_HALF_UP, Decimal, localcontext
from fractions import Fraction
from pathlib import Path
from typing import Iterable

import polars as pl

SHARE_COLUMNS = ("compliance", "objective", "credit_rate", "bonus_rate")
MONEY_COLUMNS = ("credit_amount", "bonus_amount")


def format_share(value: float | None) -> str:
    """0.95 -> '0.95'; 2/3 -> '0.666667'; 1.0 -> '1'; None -> ''."""
    if value is None:
        return ""
    text = f"{value:.6f}".rstrip("0").rstrip(".")
    return "0" if text in ("", "-0") else text


def exact_share(value: Fraction | Decimal | int | None) -> str:
    """A share as SLA_SPEC §6 writes it: exactly where its decimal ends (0.95, 0.9921875, 1), else six places.

    >>> [exact_share(Fraction(19, 20)), exact_share(Fraction(127, 128)), exact_share(Fraction(2, 3))]
    ['0.95', '0.9921875', '0.666667']
    """
    if value is None:
        return ""
    share = Fraction(value)
    rest = share.denominator
    for prime in (2, 5):
        while rest % prime == 0:
            rest //= prime
    with localcontext() as ctx:
        ctx.prec = 80
        decimal = Decimal(share.numerator) / Decimal(share.denominator)
        if rest == 1:  # a terminating decimal: written in full
            return format(decimal.normalize(), "f")
        return str(decimal.quantize(Decimal("0.000001"), rounding=ROUND_HALF_UP))


def format_cell(column: str, value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, str):  # already written exactly by the caller
        return value
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


#: a cell a spreadsheet would read as a formula (or as the start of one) when it begins with these
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralized(frame: pl.DataFrame) -> pl.DataFrame:
    """``frame`` with every text cell that a spreadsheet would run as a formula prefixed with an
    apostrophe (``=HYPERLINK(...)`` -> ``'=HYPERLINK(...)``), the usual defence for files people open
    in Excel or LibreOffice; numbers, times and booleans are left as they are.

    >>> neutralized(pl.DataFrame({"team": ["=1+1", "Network", "-x"]}))["team"].to_list()
    ["'=1+1", 'Network', "'-x"]
    """
    def safe(column: str) -> pl.Expr:
        value = pl.col(column).cast(pl.String)
        formula = pl.any_horizontal(value.str.starts_with(s) for s in FORMULA_STARTS)
        return pl.when(formula).then(pl.lit("'") + value).otherwise(value).alias(column)

    text = [n for n, dtype in frame.schema.items() if dtype in (pl.String, pl.Categorical) or isinstance(dtype, pl.Enum)]
    return frame.with_columns(safe(c) for c in text)


def spreadsheet_csv(frame: pl.DataFrame) -> bytes:
    """``frame`` as CSV for a person to open (a download): UTF-8, formulas neutralized."""
    return neutralized(frame).write_csv().encode("utf-8")
