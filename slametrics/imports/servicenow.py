"""ServiceNow's incident audit export (an "enriched event log"): one row per update of an incident.

The rules (docs/imports.md, "servicenow"):

- one ticket per ``number``; priority, team (``assignment_group``), category, agent (``assigned_to``),
  channel (``contact_type``), ``reopen_count`` and ``made_sla`` come from its **latest update**: the
  highest ``sys_mod_count``, ties by ``sys_updated_at``, then by line (priority changes in a
  ticket's life; the latest is what the source's own SLA verdict was judged on);
- ``created_at`` = ``opened_at`` and ``resolved_at`` = ``resolved_at``, both of the latest update; an
  incident whose latest state is ``Closed`` with no ``resolved_at`` is resolved at its first ``Closed``
  update (``sys_updated_at``), and the import's notes count them;
- ``first_response_at`` = ``sys_updated_at`` of the first update (same order) whose state is
  ``Active``: a proxy, the export has no reply times;
- one status event per update (``sys_updated_at``, ``incident_state``), so ``Awaiting ...`` states
  can pause clocks and ``Resolved``/``Closed`` stop them;
- ``?`` means empty; a state without a letter (``-100``) is junk: its event is rejected;
- timestamps are day-first without seconds (``29/2/2016 01:16``) and naive: ``--timezone`` applies;
- no company column: the client is ``--client NAME`` or the latest update's ``--client-column``.
"""
from __future__ import annotations

import polars as pl

from slametrics.errors import DataError
from slametrics.imports.values import clean, join_problems, read_times, require_columns

EMPTY = ("?",)
TIME_PATTERNS = ("%d/%m/%Y %H:%M", "%d/%m/%Y %H:%M:%S")
TIME_SHAPE = r"^\d{1,2}/\d{1,2}/\d{4} \d{1,2}:\d{2}(:\d{2})?$"
TIME_HINT = "is not a day-first timestamp like 29/2/2016 01:16"
REQUIRED = ("number", "incident_state", "sys_mod_count", "sys_updated_at", "opened_at", "priority", "resolved_at")
#: canonical column <- export column, taken from the latest update where the export has it
OPTIONAL = {"category": "category", "team": "assignment_group", "agent": "assigned_to", "channel": "contact_type",
            "reopened": "reopen_count", "source_sla_met": "made_sla"}
RESPONSE_STATE = "Active"
CLOSED_STATE = "Closed"


def convert(frame: pl.DataFrame, *, client: str | None, client_column: str | None, timezone: str,
            where: str = "servicenow export") -> tuple[pl.DataFrame, pl.DataFrame, list[str]]:
    """Canonical (tickets, events, notes) from a ServiceNow export read as text with ``_line``.

    Every export row becomes one event row and every non-empty ``number`` one ticket row, so the
    canonical ingest accounts for each (stored or rejected with the export's line).
    """
    if (client is None) == (client_column is None):
        raise DataError("--client/--client-column: the ServiceNow export has no company column; give exactly one of "
                        "--client NAME (all incidents are that client's) or --client-column COLUMN (e.g. company)")
    require_columns(frame, [*REQUIRED, *([client_column] if client_column else [])], where)
    notes = [f"column {col!r} is not in the export: {name} left empty"
             for name, col in OPTIONAL.items() if col not in frame.columns]
    present = {name: col for name, col in OPTIONAL.items() if col in frame.columns}
    wanted = list(dict.fromkeys([*REQUIRED, *present.values(), *([client_column] if client_column else [])]))
    rows = frame.select("_line", *[clean(c, EMPTY) for c in wanted])

    times = {c: read_times(rows[c], TIME_PATTERNS, timezone, TIME_SHAPE) for c in ("sys_updated_at", "opened_at", "resolved_at")}
    state = pl.col("incident_state")
    rows = rows.with_columns(
        _upd_text=times["sys_updated_at"]["text"], _upd=times["sys_updated_at"]["utc"],
        _upd_bad=times["sys_updated_at"]["bad"],
        _open_text=times["opened_at"]["text"], _open_bad=times["opened_at"]["bad"],
        _res_text=times["resolved_at"]["text"], _res_bad=times["resolved_at"]["bad"],
        _mod=pl.col("sys_mod_count").cast(pl.Int64, strict=False),
        _junk=state.is_not_null() & ~state.str.contains(r"\p{L}"),
    )
    # the order of a ticket's updates: sys_mod_count, then sys_updated_at, then the export's line
    rows = rows.sort(["number", "_mod", "_upd", "_line"], nulls_last=False).with_row_index("_seq")

    events = rows.select(
        pl.col("number").alias("ticket_id"),
        pl.col("_upd_text").alias("at"),
        pl.when(pl.col("_junk")).then(None).otherwise(state).alias("status"),
        "_line", pl.col("_seq").cast(pl.Int64),
        state.alias("incident_state"),  # as written, for the reject's row_json
        # explanations name no value, so rejects group by them; the values are in the row
        join_problems(
            pl.when(pl.col("_junk")).then(pl.lit("incident_state is not a state (junk without a letter, such as -100)")),
            pl.when(pl.col("_upd_bad")).then(pl.lit(f"sys_updated_at {TIME_HINT}")),
        ),
    )

    is_response = (state == RESPONSE_STATE)
    latest = [pl.col(col).last().alias(name) for name, col in present.items()]
    client_expr = pl.lit(client, pl.String) if client is not None else pl.col(client_column).last()
    tickets = (
        rows.filter(pl.col("number").is_not_null())
        .group_by("number", maintain_order=True)
        .agg(
            client_expr.alias("client"),
            pl.col("priority").last(),
            pl.col("_open_text").last().alias("created_at"),
            pl.col("_open_bad").last().alias("_open_bad"),
            pl.col("_upd_text").filter(is_response).first().alias("first_response_at"),
            pl.col("_upd_bad").filter(is_response).first().alias("_fr_bad"),
                pl.col("_res_text").last().alias("resolved_at"),
            pl.col("_res_bad").last().alias("_res_bad"),
            state.last().alias("_state"),
            pl.col("_upd_text").filter(state == CLOSED_STATE).first().alias("_closed_at"),
            *latest,
            pl.col("_line").last().alias("_line"),
        )
        .rename({"number": "ticket_id"})
    )
    # closed without a resolution time (6% of the UCI log): the first Closed update is its resolution
    closed_only = (pl.col("resolved_at").is_null() & ~pl.col("_res_bad").fill_null(False)
                   & (pl.col("_state") == CLOSED_STATE) & pl.col("_closed_at").is_not_null())
    repaired = tickets.select(closed_only.sum()).item()
    if repaired:
        notes.append(f"{repaired} incident{'s' if repaired != 1 else ''} Closed without resolved_at: the first "
                     "Closed update is taken as the resolution (docs/imports.md, servicenow)")
    tickets = tickets.with_columns(resolved_at=pl.when(closed_only).then(pl.col("_closed_at"))
                                   .otherwise(pl.col("resolved_at"))).drop("_state", "_closed_at")
    tickets = tickets.with_columns(join_problems(
        pl.when(pl.col("_open_bad")).then(pl.lit(f"opened_at of the latest update {TIME_HINT}")),
        pl.when(pl.col("_fr_bad")).then(pl.lit(f"sys_updated_at of the first Active update {TIME_HINT}")),
        pl.when(pl.col("_res_bad")).then(pl.lit(f"resolved_at of the latest update {TIME_HINT}")),
    )).drop("_open_bad", "_fr_bad", "_res_bad")
    return tickets, events, notes
