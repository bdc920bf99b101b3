"""Breaches: how late, where, when, and the breached tickets themselves (downloadable)."""
from functools import partial

import polars as pl
import streamlit as st

from slametrics.breaches import (OVERRUN_BANDS, WEEKDAYS, breached, creation_heatmap, heatmap_clocks, overrun_bands,
                                 pareto, pareto_clocks)
from slametrics.compliance import compliance
from ui import app, charts, drill, session, tables
from ui import format as fmt

app.entered()  # through dashboard.py, even when Streamlit starts this page on its own

v = app.view()
st.title("Breaches")
app.subtitle(v, "Tickets that missed their target")
app.versions_note(v)
names = v.level_names
pick_level, pick_by = st.columns(2)
with pick_level:
    chosen = st.pills("Service level", ["all", *names], default="all", key="breach_level", required=True,
                      format_func=lambda n: "All service levels" if n == "all" else fmt.level(n),
                      persist_state="session")
with pick_by:
    by = st.segmented_control("Where: break down by", ["team", "category", "agent", "channel"], default="team",
                              key="breach_by", required=True, format_func=fmt.DIMENSIONS.get, persist_state="session")

with app.guard():
    clocks = v.selected()
    if chosen != "all":
        clocks = clocks.filter(pl.col("service_level") == chosen)
    late = breached(clocks)
    assessed = compliance(clocks, v.policy)["assessed"].sum()

if app.empty(late, "No breaches in these months: every assessed ticket met its target."):
    st.stop()

k1, k2, k3 = st.columns(3)
k1.metric("Breaches", f"{late.height:,}", border=True)
k2.metric("Share of assessed tickets", fmt.percent(late.height / assessed if assessed else None), border=True,
          help="Breaches divided by met and breached clocks in these months.")
k3.metric("Typical overrun (median)", fmt.duration(late["overrun_seconds"].median()), border=True,
          help="Half of the breaches ended less than this far past their target (business time).")

left, right = st.columns(2)
with left:
    st.plotly_chart(charts.overrun_chart(overrun_bands(clocks), [label for label, _ in OVERRUN_BANDS]), key="overrun")
with right:
    bars = pareto(clocks, by)
    clicked_bar = drill.chart(charts.pareto_chart(bars, by), key="pareto")


def behind_bar(point: dict):
    index = point.get("point_index", point.get("point_number"))
    if index is None or not 0 <= int(index) < bars.height:
        return None
    row = bars.row(int(index), named=True)
    return f"{fmt.DIMENSIONS[by]} {row[by]}", pareto_clocks(clocks, by, row["members"])


drill.tickets(clicked_bar, behind_bar, v.zone, v.contract, f"breaches-{v.contract}-by-{by}")

clicked_cell = drill.chart(charts.heatmap_chart(creation_heatmap(clocks, v.policy), v.zone), key="heatmap")


def behind_cell(point: dict):
    day, hour = point.get("y"), str(point.get("x") or "")
    if day not in WEEKDAYS or len(hour) != 5 or not hour[:2].isdigit():
        return None
    return (f"Opened on a {day} between {hour} and {int(hour[:2]) + 1:02d}:00",
            heatmap_clocks(clocks, v.policy, WEEKDAYS.index(day), int(hour[:2])))


drill.tickets(clicked_cell, behind_cell, v.zone, v.contract, f"breaches-{v.contract}-opened-when")

st.subheader("Breached tickets")
st.caption(f"{late.height:,} breaches, the furthest past target first. Times are business time under the "
           f"service level's calendar; 'Opened' is {v.zone} time.")
tables.breached(late, v.zone)
session.download_button("Download as CSV", partial(tables.breach_csv, late),  # made on the click
                        f"breaches-{v.contract}-{v.periods[0]}-to-{v.periods[-1]}.csv", "text/csv", v.contract)
