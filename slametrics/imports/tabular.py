"""Ticket-per-row exports (Zendesk, Jira, Freshdesk CSV) by a ``tickets`` mapping, and the field
resolution that event logs share.

A mapped field reads the first of its candidate columns that the file has (or a constant). A field
the file cannot fill is a note in the summary when optional and refuses the file when required.
"""
from __future__ import annotations

import polars as pl

from slametrics.errors import DataError
from slametrics.imports.mapping import Mapping
from slametrics.imports.values import clean, join_problems, read_times, verdict, verdict_problem

_UNIT_SECONDS = {"seconds": 1, "minutes": 60, "hours": 3600}
TIME_FIELDS = ("created_at", "first_response_at", "resolved_at")


def resolve_fields(frame: pl.DataFrame, mapping: Mapping, *, client: str | None, client_column: str | None,
                   where: str) -> tuple[dict[str, pl.Expr], list[str]]:
    """Canonical column -> cleaned text expression over the export, and notes on optional fields left empty."""
    if client is not None and client_column is not None:
        raise DataError("--client/--client-column: give one of them, not both")
    exprs: dict[str, pl.Expr] = {}
    notes, missing = [], []
    required = ("ticket_id", "client", "priority", "created_at") if mapping.kind == "tickets" else ("client", "priority")
    for name, spec in mapping.fields.items():
        if spec.value is not None:
            exprs[name] = pl.lit(spec.value, pl.String)
            continue
        found = next((c for c in spec.columns if c in frame.columns), None)
        if found is not None:
            exprs[name] = clean(found, mapping.empty_values)
            exprs[name] = exprs[name].alias(name)
        elif name in required and not (name == "client" and (client or client_column)):
            missing.append(f"{name} (from {' or '.join(repr(c) for c in spec.columns)})")
        else:
            notes.append(f"{' / '.join(repr(c) for c in spec.columns)} not in the export: {name} left empty")
    if client is not None:
        exprs["client"] = pl.lit(client, pl.String)
    elif client_column is not None:
        if client_column not in frame.columns:
            raise DataError(f"--client-column: {where} has no column {client_column!r}")
        exprs["client"] = clean(client_column, mapping.empty_values)
    elif "client" not in mapping.fields:
        missing.append("client (the mapping names no column: give --client NAME or --client-column COLUMN)")
    if missing:
        raise DataError([f"{where}: cannot fill required column {m}; fix the mapping {mapping.path} or the export"
                         for m in missing])
    return {name: expr.alias(name) for name, expr in exprs.items()}, notes


def source_verdict(mapping: Mapping, name: str) -> tuple[pl.Expr, pl.Expr]:
    """(the source's verdict as true/false text, the converter's problem where its value is unknown)."""
    spec = mapping.fields["source_sla_met"]
    if not spec.met and not spec.breached:
        return pl.col(name), pl.lit(None, pl.String)
    column = spec.columns[0] if spec.columns else "source_sla_met"
    return (verdict(name, spec.met, spec.breached, spec.pattern),
            verdict_problem(name, column, spec.met, spec.breached, spec.pattern))


def convert(frame: pl.DataFrame, mapping: Mapping, *, client: str | None, client_column: str | None,
            timezone: str, where: str = "export") -> tuple[pl.DataFrame, list[str]]:
    """Canonical tickets and notes from a ticket-per-row export read as text with ``_line``."""
    sources, notes = resolve_fields(frame, mapping, client=client, client_column=client_column, where=where)
    rows = frame.select("_line", *sources.values())
    # each value and the converter's explanation of it are computed together, from the value as written
    problems: list[str] = []

    def column_of(name: str) -> str:
        spec = mapping.fields.get(name)
        return spec.columns[0] if spec is not None and spec.columns else name

    created = read_times(rows["created_at"], mapping.timestamp_format, timezone)
    rows = rows.with_columns(
        created_at=created["text"], _created=created["utc"],
        _p_created=pl.when(created["bad"]).then(pl.lit(f"{column_of('created_at')} is not a timestamp")))
    problems.append("_p_created")
    for name in ("first_response_at", "resolved_at"):
        if name not in sources:
            continue
        spec = mapping.fields[name]
        if spec.after_created:
            amount = pl.col(name).cast(pl.Float64, strict=False)
            seconds = (amount * _UNIT_SECONDS[spec.after_created]).floor().cast(pl.Int64)
            unreadable = pl.col(name).is_not_null() & amount.is_null()
            rows = rows.with_columns(
                # an unreadable duration is passed on marked, so it can never read as a timestamp
                pl.when(unreadable).then(pl.format("{} (not a number of {})", pl.col(name), pl.lit(spec.after_created)))
                .when(pl.col("_created").is_not_null() & amount.is_not_null())
                .then((pl.col("_created") + pl.duration(seconds=seconds)).dt.strftime("%Y-%m-%dT%H:%M:%SZ"))
                .otherwise(None).alias(name),
                pl.when(unreadable).then(pl.lit(f"{column_of(name)} is not a number of {spec.after_created}"))
                .alias(f"_p_{name}"))
        else:
            read = read_times(rows[name], mapping.timestamp_format, timezone)
            rows = rows.with_columns(
                read["text"].alias(name),
                pl.when(read["bad"]).then(pl.lit(f"{column_of(name)} is not a timestamp")).alias(f"_p_{name}"))
        problems.append(f"_p_{name}")
    csat = mapping.fields.get("csat")
    if "csat" in sources and csat is not None and csat.scores:  # words for ratings: each listed word's number
        rows = rows.with_columns(pl.col("csat").str.strip_chars().str.to_lowercase()
                                 .replace_strict({k: str(v) for k, v in csat.scores}, default=None, return_dtype=pl.String))
        notes.append(f"{column_of('csat')}: read as ratings "
                     + ", ".join(f"{k} = {v:g}" for k, v in csat.scores) + "; any other value is no rating")
    if "source_sla_met" in sources:
        value, problem = source_verdict(mapping, "source_sla_met")
        rows = rows.with_columns(value.alias("source_sla_met"), problem.alias("_p_verdict"))
        problems.append("_p_verdict")
    tickets = rows.with_columns(join_problems(*[pl.col(p) for p in problems])).drop("_created", *problems)
    return tickets, notes
