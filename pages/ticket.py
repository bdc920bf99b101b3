"""Ticket: one ticket's facts, each of its clocks as the engine computed them, and its timeline."""
import datetime as dt

import polars as pl
import streamlit as st

from slametrics.clock import as_text
from slametrics.evidence import pauses, reached_at, working_time
from slametrics import breaches
from ui import app, charts, data, tables
from ui import format as fmt

app.entered()  # through dashboard.py, even when Streamlit starts this page on its own

policy = app.policy()
st.title("Ticket")
asked = (st.query_params.get("id") or "").strip()[:200]
with st.form("ticket_search", border=False):
    typed, go = st.columns([4, 1], vertical_alignment="bottom")
    wanted = typed.text_input("Ticket id", value=asked, max_chars=200, placeholder="e.g. T-000123",
                              key="ticket_id_input")
    go.form_submit_button("Show", type="primary", icon=":material/search:")
wanted = (wanted or "").strip()
if wanted != asked:
    st.query_params["id"] = wanted  # the link to this page shows this ticket
if not wanted:
    st.info("Type a ticket id to see its clocks and its timeline. Every table of tickets links here too.",
            icon=":material/search:")
    st.stop()

if not data.database_exists():
    st.info(f"There is no database at `{data.db_path()}` yet. Load tickets on the **Data** page.")
    st.stop()
with app.guard():
    ticket = data.ticket(wanted)
    as_of = data.as_of()
if ticket is None:
    st.warning(f"No ticket **{fmt.text(wanted)}** among the tickets you can see. Ticket ids are matched exactly, "
               "as the helpdesk wrote them.", icon=":material/search_off:")
    st.stop()

facts = ticket.facts
contract_key = policy.client_contract.get(facts["client"])
terms = policy.contracts.get(contract_key) if contract_key else None
zone = policy.calendars[terms.calendar].timezone if terms else "UTC"
with app.guard():
    mine = as_text(data.clocks(as_of).filter(pl.col("ticket_id") == wanted))

st.subheader(f"{fmt.text(wanted)}" + (f" · {fmt.text(terms.name)}" if terms else ""))
facts_shown = [("Client", facts["client"]), ("Priority", facts["priority"]), ("Team", facts["team"]),
               ("Category", facts["category"]), ("Agent", facts["agent"]), ("Channel", facts["channel"]),
               ("CSAT", None if facts["csat"] is None else f"{facts['csat']:g} of 5"),
               ("Reopened", None if facts["reopened"] is None else f"{facts['reopened']}x")]
st.markdown(" · ".join(f"{name}: **{fmt.text(value) if value is not None else '–'}**" for name, value in facts_shown))
st.caption(f"Opened {fmt.moment(facts['created_at'], zone)} · first response "
           f"{fmt.moment(facts['first_response_at'], zone)} · resolved {fmt.moment(facts['resolved_at'], zone)} · "
           f"figures as of {fmt.moment(as_of)}")
if terms is not None:
    app.how_measured(policy, contract_key)
if terms is None:
    st.info("No contract covers this ticket's client, so it has no clocks.", icon=":material/info:")
elif mine.is_empty():
    st.info(f"{fmt.text(terms.name)} has no service level for priority {fmt.text(facts['priority'])}, so this "
            "ticket has no clocks.", icon=":material/info:")

outcomes = mine.filter(pl.col("measure") == "ticket")  # levels with no clock (docs/semantics.md §9)
clocks = []
for row in mine.filter(pl.col("measure") == "clock").iter_rows(named=True):
    level = terms.service_levels[row["service_level"]]
    calendar = policy.calendars[terms.calendar_of(level)]
    stop = row["stop_at"]
    end = stop if stop is not None else as_of
    paused_spans = pauses(ticket, terms.pausing_statuses(level), end)
    due = reached_at(calendar, row["created_at"], row["target_seconds"], paused_spans)
    clocks.append({**row, "level": row["service_level"], "start": row["created_at"], "end": end, "due": due,
                   "calendar": calendar.name, "pausing": paused_spans})

if clocks:
    table = pl.DataFrame({
        "Service level": [fmt.level(c["level"]) for c in clocks],
        "Measures": [fmt.METRICS.get(c["metric"], c["metric"]) for c in clocks],
        "Calendar": [c["calendar"] for c in clocks],
        "Target": [fmt.duration(c["target_seconds"]) for c in clocks],
        "Elapsed": [fmt.duration(c["elapsed_seconds"]) for c in clocks],
        "Paused": [fmt.duration(c["paused_seconds"]) for c in clocks],
        "Outcome": [c["outcome"] + (" (still running)" if c["stop_at"] is None else "") for c in clocks],
        "Past target by": [fmt.duration(c["overrun_seconds"]) if c["outcome"] == "breached" else "–" for c in clocks],
        "Target reached at": [fmt.moment(c["due"], zone) if c["due"] else "–" for c in clocks],
        "Month": [fmt.month(c["period"]) for c in clocks],
    })
    st.dataframe(table, hide_index=True, width="stretch")
    st.caption("Elapsed and paused are business time under each service level's calendar, as every figure of "
               "the dashboard counts them. 'Target reached at' is when the clock used up its target: for a met "
               "clock where it would have, for a running one where it will if nothing pauses it.")

if not outcomes.is_empty():
    st.dataframe(outcomes.select(
        tables.text_of(outcomes, "service_level", fmt.level).alias("Service level"),
        tables.text_of(outcomes, "metric", lambda m: fmt.METRICS.get(m, m)).alias("Measures"),
        pl.col("outcome").alias("Outcome"),
        pl.when(pl.col("outcome") == "breached").then(breaches.missed_because()).otherwise(pl.lit("–")).alias("Why"),
        pl.col("reopened").fill_null(0).alias("Reopened"),
        pl.col("csat").alias("Rating"),
        tables.text_of(outcomes, "period", fmt.month).alias("Month"),
    ), hide_index=True, width="stretch")
    st.caption("Service levels on the ticket's outcome have no clock: they are judged once it is resolved "
               "(pending until then), from its first reply, its reopens and its rating.")

statuses = ticket.spans
marks = [(name, moment) for name, moment in (("opened", facts["created_at"]),
                                              ("first response", facts["first_response_at"]),
                                              ("resolved", facts["resolved_at"])) if moment is not None]
ends = [c["end"] for c in clocks] + [c["due"] for c in clocks if c["due"]] + [m for _, m in marks]
window_end = max(ends + [facts["created_at"]])
window_start = facts["created_at"]
calendar = policy.calendars[terms.calendar] if terms else None
shading = working_time(calendar, window_start - dt.timedelta(hours=12), window_end + dt.timedelta(hours=12)) \
    if calendar is not None and window_end - window_start < dt.timedelta(days=60) else []
pausing = {s for c in clocks for s in terms.pausing_statuses(terms.service_levels[c["level"]])}
held_until = max(window_end, as_of) if facts["resolved_at"] is None else window_end  # a last status holds until then
open_statuses = statuses.with_columns(
    pl.col("end").fill_null(pl.lit(held_until.astimezone(dt.timezone.utc), dtype=pl.Datetime("us", "UTC"))))
st.plotly_chart(charts.ticket_timeline(open_statuses, clocks, shading, pausing, marks, zone,
                                       f"{fmt.label(wanted)}: its statuses and clocks"), key="ticket_timeline")
st.caption(f"{zone} time. Shaded: the working hours of {fmt.text(calendar.name) if calendar else 'no calendar'}; "
           "hatched: a status that pauses a clock; the diamond: where a clock reached its target.")
if statuses.is_empty():
    st.caption("No status events are stored for this ticket: its clocks ran without pauses.")
else:
    with st.expander(f"Status history ({statuses.height} spans)"):
        st.dataframe(statuses.select(
            pl.col("status").alias("Status"),
            pl.col("start").dt.convert_time_zone(zone).dt.replace_time_zone(None).alias("From (local)"),
            pl.col("end").dt.convert_time_zone(zone).dt.replace_time_zone(None).alias("Until (local)"),
            pl.col("status").is_in(sorted(pausing)).alias("Pauses a clock")), hide_index=True, width="stretch",
            column_config={"From (local)": st.column_config.DatetimeColumn(format="D MMM YYYY, HH:mm:ss"),
                           "Until (local)": st.column_config.DatetimeColumn(format="D MMM YYYY, HH:mm:ss")})
