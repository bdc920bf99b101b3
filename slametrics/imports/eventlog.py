"""Status-change logs in the process-mining shape (case, activity, timestamp, attributes), by a mapping.

Each log row becomes one status event (the case, its timestamp, the mapped status column, by
default the activity); each case becomes one ticket:

- ``created_at``: the case's first event, or the ``pick`` among the mapping's ``created`` activities;
- ``first_response_at``/``resolved_at``: the ``pick`` among their activities (``final`` for
  resolution: where the case ends in a resolving activity, the start of that final run);
- attributes (priority, client, team, ...): the last (or first) non-empty value in the case.

Events are ordered by timestamp, then by line. A case with a row whose timestamp cannot be read is
rejected whole: the order of its events, and so its milestones, are unknown.
"""
from __future__ import annotations

import polars as pl

from slametrics.imports.mapping import Mapping
from slametrics.imports.tabular import resolve_fields, source_verdict
from slametrics.imports.values import clean, join_problems, read_times, require_columns


def convert(frame: pl.DataFrame, mapping: Mapping, *, client: str | None, client_column: str | None,
            timezone: str, where: str = "event log") -> tuple[pl.DataFrame, pl.DataFrame, list[str]]:
    """Canonical (tickets, events, notes) from an event log read as text with ``_line``."""
    assert mapping.case and mapping.activity and mapping.timestamp and mapping.status and mapping.milestones
    log_columns = list(dict.fromkeys([mapping.case, mapping.activity, mapping.timestamp, mapping.status]))
    require_columns(frame, log_columns, where, f" (named under log: in {mapping.path})")
    sources, notes = resolve_fields(frame, mapping, client=client, client_column=client_column, where=where)
    empty = mapping.empty_values
    rows = frame.select(
        "_line",
        clean(mapping.case, empty).alias("_case"),
        clean(mapping.activity, empty).alias("_act"),
        clean(mapping.status, empty).alias("_status"),
        clean(mapping.timestamp, empty).alias("_ts_raw"),
        *[expr.alias(f"f_{name}") for name, expr in sources.items()],
    )
    times = read_times(rows["_ts_raw"], mapping.timestamp_format, timezone)
    rows = rows.with_columns(_ts_text=times["text"], _ts=times["utc"], _ts_bad=times["bad"])
    rows = rows.sort(["_case", "_ts", "_line"], nulls_last=False)
    rows = rows.with_columns(_pos=pl.int_range(pl.len()).over("_case"))

    events = rows.select(
        pl.col("_case").alias("ticket_id"), pl.col("_ts_text").alias("at"), pl.col("_status").alias("status"), "_line",
        join_problems(pl.when(pl.col("_ts_bad")).then(pl.lit(
            f"{mapping.timestamp} is not a timestamp written {_format_words(mapping.timestamp_format)}"))),
    )

    milestones, flags = {}, []
    for name, ms in mapping.milestones.items():
        if ms.first_event:
            milestones[name] = pl.col("_ts_text").first()
            continue
        hit = pl.col("_act").is_in(list(ms.activities))
        if ms.pick == "final":
            last_other = pl.when(~hit).then(pl.col("_pos")).max().over("_case").fill_null(-1)
            flag = f"_final_{name}"
            flags.append((hit & (pl.col("_pos") > last_other)).alias(flag))
            milestones[name] = pl.col("_ts_text").filter(pl.col(flag)).first()
        else:
            chosen = pl.col("_ts_text").filter(hit)
            milestones[name] = chosen.first() if ms.pick == "first" else chosen.last()
    if flags:
        rows = rows.with_columns(flags)
    closed_note = _closed_only(rows, mapping)
    if closed_note:
        notes.append(closed_note)

    take = (lambda e: e.drop_nulls().last()) if mapping.attributes_from == "last_event" else (lambda e: e.drop_nulls().first())
    tickets = (
        rows.filter(pl.col("_case").is_not_null())
        .group_by("_case", maintain_order=True)
        .agg(
            *[take(pl.col(f"f_{name}")).alias(name) for name in sources],
            *[expr.alias(f"{name}_at") for name, expr in milestones.items()],
            pl.col("_ts_bad").any().alias("_any_bad"),
            pl.col("_ts_raw").filter(pl.col("_ts_bad")).first().alias("_bad_text"),
            pl.col("_line").filter(pl.col("_ts_bad")).first().alias("_bad_line"),
            pl.col("_line").first().alias("_line"),
        )
        .rename({"_case": "ticket_id"})
    )
    bad = pl.col("_any_bad")
    tickets = tickets.with_columns(
        # a case whose order is unknown is rejected whole: its unreadable value stands in for created_at
        created_at=pl.when(bad).then(pl.col("_bad_text")).otherwise(pl.col("created_at")),
        _line=pl.when(bad).then(pl.col("_bad_line")).otherwise(pl.col("_line")),
    )
    verdict_expr, verdict_problem = source_verdict(mapping, "source_sla_met") if "source_sla_met" in sources else (None, None)
    if verdict_expr is not None:
        tickets = tickets.with_columns(verdict_expr.alias("source_sla_met"), _verdict_problem=verdict_problem)
    tickets = tickets.with_columns(join_problems(
        pl.when(bad).then(pl.lit("a row of this case (this line) has a timestamp that cannot be read, "
                                 "so the order of its events is unknown")),
        pl.col("_verdict_problem") if verdict_expr is not None else pl.lit(None, pl.String),
    )).drop("_any_bad", "_bad_text", "_bad_line", *(["_verdict_problem"] if verdict_expr is not None else []))
    if "first_response_at" not in tickets.columns:
        tickets = tickets.with_columns(first_response_at=pl.lit(None, pl.String))
    return tickets, events, notes


def _closing(activity: str) -> bool:
    return "clos" in activity.lower()


def _closed_only(rows: pl.DataFrame, mapping: Mapping) -> str | None:
    """The Closed rule (docs/imports.md): where a mapping resolves on closing activities ('Closed') as
    well as on others ('Resolve ticket'), a case that reached its resolution by closing alone is
    resolved at its Closed event, as a ServiceNow incident Closed without resolved_at is. Returns the
    note that counts them, or None."""
    ms = mapping.milestones.get("resolved")
    if ms is None or ms.first_event:
        return None
    closing = [a for a in ms.activities if _closing(a)]
    if not closing or len(closing) == len(ms.activities):
        return None
    if ms.pick == "final":
        chosen = rows.filter(pl.col("_final_resolved"))
    else:
        hits = rows.filter(pl.col("_act").is_in(list(ms.activities)))
        chosen = hits.group_by("_case").agg(pl.all().first() if ms.pick == "first" else pl.all().last())
    cases = (chosen.group_by("_case").agg(only=pl.col("_act").is_in(closing).all())
             .filter(pl.col("only")).height)
    if not cases:
        return None
    return (f"{cases} case{'s' if cases != 1 else ''} reached {'their' if cases != 1 else 'its'} resolution by "
            f"{' or '.join(closing)} alone, with no {', '.join(a for a in ms.activities if a not in closing)} "
            f"before it: that event is taken as the resolution (docs/imports.md, the Closed rule)")


def _format_words(fmt: str) -> str:
    return "in ISO 8601" if fmt == "iso" else f"as {fmt!r} or in ISO 8601"
