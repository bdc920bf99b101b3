"""Tables for the pages: engine frames with readable headers, durations and local times."""
from __future__ import annotations

import polars as pl
import streamlit as st

from slametrics import breaches, settlement, whatif
from slametrics.clock import as_text
from slametrics.output import spreadsheet_csv
from ui import format as fmt


def text_of(frame: pl.DataFrame, column: str, show) -> pl.Expr:
    """``show(value)`` for each row of ``column``, as text: worked out in Python for the distinct values
    only, then looked up by polars. No Python function runs inside polars' thread pool, where it would
    wait for the GIL that another session's thread may hold while it waits for that pool."""
    source = pl.col(column)
    if isinstance(frame.schema[column], (pl.Enum, pl.Categorical)):
        source = source.cast(pl.String)
    values = frame.select(source.unique()).to_series().to_list()
    shown = source.replace_strict({v: show(v) for v in values if v is not None}, default=None, return_dtype=pl.String)
    return shown.fill_null(show(None)) if None in values else shown


#: the characters ``urllib.parse.quote(..., safe="")`` leaves as they are
_UNQUOTED = r"^[A-Za-z0-9_.~-]*$"


def ticket_link(frame: pl.DataFrame) -> pl.Expr:
    """A link to each row's ticket page (``ticket?id=...``, relative: it works under any base path), the
    id quoted as ``urllib.parse.quote(id, safe="")`` does: ids that need no quoting (nearly all) are
    joined by polars, the others quoted in Python, each once. A row without an id gets no link."""
    from urllib.parse import quote

    ids = pl.col("ticket_id").cast(pl.String)
    odd = frame.select(ids.filter(~ids.str.contains(_UNQUOTED)).unique()).to_series().to_list()
    plain = pl.lit("ticket?id=") + ids
    if not odd:
        return plain.alias("Timeline")
    quoted = ids.replace_strict({t: f"ticket?id={quote(t, safe='')}" for t in odd if t is not None}, default=None,
                                return_dtype=pl.String)
    return pl.when(ids.str.contains(_UNQUOTED)).then(plain).otherwise(quoted).alias("Timeline")


def duration_text(column: str) -> pl.Expr:
    """``fmt.duration`` of each value of a signed whole-seconds column, by polars (a breaches list has
    tens of thousands of distinct durations: one Python call each took most of the page's time). The
    same text as ``fmt.duration`` for every Int64 but its minimum, null as '–' (tests compare the two)."""
    value = pl.col(column).cast(pl.Int64)
    size = value.abs()
    sign = pl.when(value < 0).then(pl.lit("-")).otherwise(pl.lit(""))
    hours, minutes = (size // 3600).cast(pl.String), ((size // 60) % 60).cast(pl.String)
    return (pl.when(value.is_null()).then(pl.lit("–"))
            .when(size == 0).then(pl.lit("0m"))
            .when(size < 60).then(sign + size.cast(pl.String) + "s")
            .when(size < 3600).then(sign + minutes + "m")
            .when((size // 60) % 60 == 0).then(sign + hours + "h")
            .otherwise(sign + hours + "h " + minutes.str.zfill(2) + "m")).alias(column)


#: the Timeline column of a ticket table: opens the ticket page (in a new tab, as links in tables do)
LINK = st.column_config.LinkColumn("Timeline", display_text="open", width="small",
                                   help="The ticket's clocks and its timeline")


def _durations(frame: pl.DataFrame, *columns: str) -> list[pl.Expr]:
    return [duration_text(c) if frame.schema[c].is_signed_integer() else text_of(frame, c, fmt.duration) for c in columns]


def _local(column: str, zone: str) -> pl.Expr:
    return pl.col(column).dt.convert_time_zone(zone).dt.replace_time_zone(None)


def at_risk(frame: pl.DataFrame, zone: str) -> None:
    """Running clocks near their target, least time left first."""
    shown = frame.select(
        pl.col("ticket_id").alias("Ticket"), ticket_link(frame),
        text_of(frame, "service_level", fmt.level).alias("Service level"),
        pl.col("priority").alias("Priority"),
        _local("created_at", zone).alias("Opened (local)"),
        pl.col("team").alias("Team"), pl.col("agent").alias("Agent"),
        *_durations(frame, "elapsed_seconds", "target_seconds", "time_left_seconds"),
        (pl.col("used") * 100).alias("Used"),
        *([_local("due_at", zone).alias("Due (local)")] if "due_at" in frame.columns else []),
    ).rename({"elapsed_seconds": "Elapsed", "target_seconds": "Target", "time_left_seconds": "Time left"})
    st.dataframe(as_text(shown), hide_index=True, width="stretch", height=min(38 + 35 * shown.height, 420), column_config={
        "Opened (local)": st.column_config.DatetimeColumn(format="D MMM YYYY, HH:mm"), "Timeline": LINK,
        "Due (local)": st.column_config.DatetimeColumn(format="D MMM YYYY, HH:mm",
                                                       help="When it breaches if it keeps running"),
        "Used": st.column_config.ProgressColumn("Share of target used", format="%.0f%%", min_value=0, max_value=100),
    })


def budgets(months: pl.DataFrame) -> None:
    """Each service level's breach budget this month (``slametrics.watch.budgets``)."""
    shown = months.select(
        text_of(months, "service_level", fmt.level).alias("Service level"),
        pl.col("clocks").alias("Tickets so far"), pl.col("breached").alias("Breached"),
        pl.col("budget").alias("May breach"), pl.col("budget_left").alias("Left"),
        (pl.col("month_passed") * 100).alias("Month passed"), pl.col("burn_rate").alias("Burn rate"))
    st.dataframe(shown, hide_index=True, width="stretch", column_config={
        "Month passed": st.column_config.NumberColumn(format="%.0f%%"),
        "Burn rate": st.column_config.NumberColumn(format="%.2f", help="1: on course to use the budget exactly; "
                                                                      "empty: a budget of 0, which any breach overruns"),
        "Left": st.column_config.NumberColumn(help="Negative: the objective is lost this month")})


def watch_csv(fired: pl.DataFrame) -> bytes:
    """What fires, as ``python -m slametrics watch --out`` writes it (formula cells neutralized)."""
    from slametrics.watch import WATCH_COLUMNS

    return spreadsheet_csv(fired.with_columns(pl.col("due_at").dt.strftime("%Y-%m-%dT%H:%M:%S+00:00"))
                           .select(WATCH_COLUMNS))


def alerts_sent(sent: pl.DataFrame, zone: str) -> None:
    """The alerts the watch sent, newest first."""
    shown = sent.select(
        _local("sent_at", zone).alias("Sent (local)"), pl.col("ticket_id").replace("", None).fill_null("–").alias("Ticket"),
        text_of(sent, "service_level", fmt.level).alias("Service level"), pl.col("rule").alias("Rule"),
        pl.col("sent_by").alias("By"))
    st.dataframe(shown, hide_index=True, width="stretch", height=min(38 + 35 * shown.height, 420), column_config={
        "Sent (local)": st.column_config.DatetimeColumn(format="D MMM YYYY, HH:mm")})


def breached(frame: pl.DataFrame, zone: str) -> None:
    """Breached clocks with their figures, latest overrun first."""
    shown = frame.select(
        pl.col("ticket_id").alias("Ticket"), ticket_link(frame),
        text_of(frame, "period", fmt.month).alias("Month"),
        text_of(frame, "service_level", fmt.level).alias("Service level"),
        pl.col("priority").alias("Priority"),
        breaches.missed_because().alias("Missed"),
        _local("created_at", zone).alias("Opened (local)"),
        *_durations(frame, "target_seconds", "elapsed_seconds", "overrun_seconds", "paused_seconds"),
        pl.when(pl.col("measure") == "ticket").then(pl.lit("–")).when(pl.col("running"))
        .then(pl.lit("still open")).otherwise(pl.lit("stopped")).alias("Clock"),
        pl.col("team").alias("Team"), pl.col("category").alias("Category"), pl.col("agent").alias("Agent"),
        pl.col("channel").alias("Channel"),
    ).rename({"target_seconds": "Target", "elapsed_seconds": "Elapsed", "overrun_seconds": "Over target by",
              "paused_seconds": "Paused"})
    st.dataframe(as_text(shown), hide_index=True, width="stretch", height=420, column_config={
        "Opened (local)": st.column_config.DatetimeColumn(format="D MMM YYYY, HH:mm"), "Timeline": LINK})


def clock_list(frame: pl.DataFrame, zone: str) -> None:
    """Clocks of any outcome (met, breached, pending) with their figures and a link to each ticket."""
    shown = frame.sort("outcome", "overrun_seconds", "ticket_id", descending=[False, True, False]).select(
        pl.col("ticket_id").alias("Ticket"), ticket_link(frame),
        text_of(frame, "outcome", str).alias("Outcome"),
        text_of(frame, "period", fmt.month).alias("Month"),
        text_of(frame, "service_level", fmt.level).alias("Service level"),
        pl.col("priority").alias("Priority"),
        _local("created_at", zone).alias("Opened (local)"),
        *_durations(frame, "target_seconds", "elapsed_seconds", "paused_seconds"),
        pl.col("team").alias("Team"), pl.col("category").alias("Category"), pl.col("agent").alias("Agent"),
    ).rename({"target_seconds": "Target", "elapsed_seconds": "Elapsed", "paused_seconds": "Paused"})
    st.dataframe(as_text(shown), hide_index=True, width="stretch", height=min(38 + 35 * shown.height, 420),
                 column_config={"Opened (local)": st.column_config.DatetimeColumn(format="D MMM YYYY, HH:mm"),
                                "Timeline": LINK})


def clocks_csv(frame: pl.DataFrame) -> bytes:
    """Clocks as CSV in the engine's units (seconds, UTC), outcome included (formula cells neutralized)."""
    return spreadsheet_csv(frame.select(["ticket_id", "outcome", *[c for c in CSV_COLUMNS[1:] if c != "missed_because"]]))


CSV_COLUMNS = ["ticket_id", "contract", "service_level", "metric", "priority", "period", "created_at", "stop_at",
               "running", "target_seconds", "elapsed_seconds", "paused_seconds", "overrun_seconds", "missed_because",
               "reopened", "csat", "client", "team", "category", "agent", "channel"]


def breach_csv(frame: pl.DataFrame) -> bytes:
    """The breached clocks as CSV in the engine's own units (seconds, UTC), for a spreadsheet or a client
    (a text cell that would start a formula is neutralized)."""
    return spreadsheet_csv(frame.with_columns(missed_because=breaches.missed_because()).select(CSV_COLUMNS))


def objectives_met(levels: pl.DataFrame) -> None:
    """Per service level and month, the highest objective its compliance would have met (its compliance)."""
    if levels.is_empty():
        st.caption("No assessed tickets of these levels in these months.")
        return
    rows = levels.sort("period")
    shown = (rows.with_columns(text_of(rows, "service_level", fmt.level).alias("Service level"),
                               text_of(rows, "period", fmt.month).alias("month"),
                               text_of(rows, "compliance", fmt.percent).fill_null("–").alias("met"))
             .pivot(on="month", index="Service level", values="met", maintain_order=True))
    st.dataframe(shown, hide_index=True, width="stretch")


def compliance_compare(levels: pl.DataFrame) -> None:
    """Compliance per month and service level: today, in the scenario, the change, and the objective's status."""
    shown = levels.sort("period", "service_level").select(
        text_of(levels, "period", fmt.month).alias("Month"),
        text_of(levels, "service_level", fmt.level).alias("Service level"),
        (pl.col("compliance_base") * 100).alias("Today"),
        (pl.col("compliance_scenario") * 100).alias("Scenario"),
        (pl.col("compliance_delta") * 100).alias("Change"),
        pl.col("status_scenario").replace_strict(
            {"meets": "met", "misses": "missed", "insufficient": "too few tickets"}, default=None,
            return_dtype=pl.String).alias("Objective in scenario"),
    )
    st.dataframe(shown, hide_index=True, width="stretch", height=min(38 + 35 * shown.height, 460), column_config={
        "Today": st.column_config.NumberColumn(format="%.1f%%"),
        "Scenario": st.column_config.NumberColumn(format="%.1f%%"),
        "Change": st.column_config.NumberColumn("Change (points)", format="%+.1f"),
    })


def credit_compare(money: pl.DataFrame) -> None:
    """The month's credit today and in the scenario, and the difference."""
    shown = money.sort("period").select(
        text_of(money, "period", fmt.month).alias("Month"),
        pl.col("credit_amount_base").alias("Today"), pl.col("credit_amount_scenario").alias("Scenario"),
        pl.col("credit_amount_delta").alias("Change"),
        pl.when(pl.col("provisional_scenario")).then(pl.lit("provisional")).otherwise(pl.lit("")).alias("Note"),
    )
    st.dataframe(shown, hide_index=True, width="stretch", height=min(38 + 35 * shown.height, 460), column_config={
        "Today": st.column_config.NumberColumn(format="%.2f"),
        "Scenario": st.column_config.NumberColumn(format="%.2f"),
        "Change": st.column_config.NumberColumn(format="%+.2f"),
    })


def _period_label(period: str) -> str:
    return "All months" if period == whatif.WHOLE_RANGE else fmt.month(period)


def _by_month(rows: pl.DataFrame, index: list[str]) -> None:
    """``rows`` (index columns, period, cell text, short) as a table: a column per month, then all months."""
    periods = sorted(rows["period"].unique().to_list(), key=lambda p: (p == whatif.WHOLE_RANGE, p))
    text = rows.pivot(on="period", index=index, values="cell").sort(index[0])
    short = rows.pivot(on="period", index=index, values="short").sort(index[0])
    labels = {**{c: c for c in index}, **{p: _period_label(p) for p in periods}}
    frame = text.select(*index, *periods).rename(labels).to_pandas().set_index(index[0])
    mask = (short.select(index[0], *[pl.lit(False).alias(c) for c in index[1:]], *periods).rename(labels)
            .to_pandas().set_index(index[0]).fillna(False))
    styled = frame.style.apply(lambda _: mask.map(lambda bad: "color: #c62828; font-weight: 600" if bad else ""),
                               axis=None).format(na_rep="–")
    st.dataframe(styled, width="stretch", height=min(38 + 35 * len(frame), 460))


def target_finder(needed: pl.DataFrame) -> None:
    """Needed targets per service level and priority (rows) and month (columns, then all months); red
    where above the target."""
    # the scenario's target of the latest version (an amendment may have changed it within the months)
    needed = needed.with_columns(pl.col("target_seconds").sort_by("period").last()
                                 .over(["service_level", "priority"]).alias("latest_target"))
    rows = needed.with_columns(
        row=pl.concat_str(text_of(needed, "service_level", fmt.level), pl.lit(" · "), pl.col("priority").cast(pl.String)),
        *[shown.alias(name) for shown, name in zip(_durations(needed, "latest_target", "needed_seconds"),
                                                    ("target", "cell"))],
        short=(pl.col("needed_seconds") > pl.col("target_seconds")).fill_null(False),
    ).rename({"row": "Service level · priority", "target": "Scenario target"})
    _by_month(rows, ["Service level · priority", "Scenario target"])


def factor_finder(factors: pl.DataFrame, terms) -> None:
    """Needed factors on all of a level's targets per service level (rows) and month (columns, then all
    months), with the targets that the whole range's factor gives; red above 100%."""
    whole = {r["service_level"]: r["needed_percent"] for r in
             factors.filter(pl.col("period") == whatif.WHOLE_RANGE).iter_rows(named=True)}

    def at_whole(name: str) -> str:
        percent = whole.get(name)
        if percent is None or name not in terms.service_levels:
            return "–"
        scaled = whatif.scaled_targets(terms.service_levels[name].targets, percent)
        return " · ".join(f"{p} {fmt.duration(s)}" for p, s in scaled.items())

    rows = factors.with_columns(
        row=text_of(factors, "service_level", fmt.level),
        targets=text_of(factors, "service_level", at_whole),
        cell=text_of(factors, "needed_percent", lambda p: "–" if p is None else f"{p}%"),
        short=(pl.col("needed_percent") > 100).fill_null(False),
    ).rename({"row": "Service level", "targets": "Targets at the factor of all months"})
    _by_month(rows, ["Service level", "Targets at the factor of all months"])


def credit_statement(months: pl.DataFrame, levels: pl.DataFrame, totals: pl.DataFrame | None = None,
                     today: str | None = None) -> pl.DataFrame:
    """One contract's months, newest first: which service levels owe what, the credit, and what bit (cap, volume)."""
    said = settlement.explained(months, levels)
    owing = {p: o for p, (o, _) in said.items() if o}
    notes = {p: n for p, (_, n) in said.items() if n}
    months = months.sort("period", descending=True)
    table = months.select(
        text_of(months, "period", fmt.month).alias("Month"),
        pl.col("period").replace_strict({p: ", ".join(v) for p, v in owing.items()}, default="–",
                                        return_dtype=pl.String).alias("Service levels owing"),
        (pl.col("credit_rate") * 100).alias("Credit rate"),
        pl.Series("Credit", [fmt.money(a, c) if a else "–" for a, c in months.select("credit_amount", "currency").iter_rows()],
                  dtype=pl.String),
        pl.when(pl.col("provisional")).then(pl.lit("provisional")).otherwise(pl.lit("final")).alias("Status"),
        pl.col("period").replace_strict({p: "; ".join(v) for p, v in notes.items()}, default="",
                                        return_dtype=pl.String).alias("Notes"),
    )
    if totals is None or totals.is_empty():
        return table
    # bonuses earned and the claim deadline (docs/semantics.md §8), where the contract has them
    by_month = {r["period"]: r for r in totals.iter_rows(named=True)}
    extra = []
    if any((r["bonus_amount"] or 0) > 0 for r in by_month.values()):
        extra.append(pl.Series("Bonus earned", [fmt.money(by_month[p]["bonus_amount"], by_month[p]["currency"])
                                                if p in by_month and by_month[p]["bonus_amount"] else "–"
                                                for p in months["period"].to_list()], dtype=pl.String))
    if any(r["claim_by"] for r in by_month.values()):
        extra.append(pl.Series("Claim by", [
            "–" if p not in by_month or not by_month[p]["claim_by"] else
            by_month[p]["claim_by"] + (" (passed)" if today and by_month[p]["claim_by"] < today else "")
            for p in months["period"].to_list()], dtype=pl.String))
    return table.with_columns(extra) if extra else table
