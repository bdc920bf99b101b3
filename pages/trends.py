"""Trends: compliance per service level over time, volume and backlog, business-time percentiles, CSAT."""
import polars as pl
import streamlit as st

from slametrics import periods
from slametrics.compliance import compliance
from slametrics.trends import durations, volume_over, weekly
from ui import app, charts, data, drill
from ui import format as fmt

app.entered()  # through dashboard.py, even when Streamlit starts this page on its own

v = app.view()
st.title("Trends")
app.subtitle(v, "How the service developed")
app.versions_note(v)
grain = st.segmented_control("Show by", ["month", "quarter", "week"], default=v.grain, key="trend_grain",
                             required=True, format_func=str.capitalize, persist_state="session",
                             help="A quarter pools the tickets of its months (never an average of monthly shares)")

with app.guard():
    clocks = v.selected()
    if grain == "week":
        clocks = weekly(clocks, v.policy)
        levels = compliance(clocks, v.policy)
    else:  # over quarters: the months' counts pooled (docs/semantics.md §10)
        levels = periods.compliance_over(clocks, v.policy, grain)
        clocks = clocks.with_columns(period=periods.of_month(pl.col("period"), grain))
    times = durations(clocks, by=("priority",))
    vol = data.volume(v.contract, v.as_of, "week" if grain == "week" else "month", v.filters)
first, last = v.periods[0], v.periods[-1]
vol = vol.filter((pl.col("period") >= first) & (pl.col("period").str.slice(0, 7) <= last))
vol = volume_over(vol, grain) if grain == "quarter" else vol

st.subheader("Service levels")
if not app.empty(levels, "No tickets with a service level in these months."):
    names = v.level_names
    width = 3 if len(names) % 3 == 0 else 2
    clicked: dict = {}
    app.level_charts(levels, names, width, lambda rows, name: charts.compliance_trend(
        rows, name, float(v.level(name).objective), grain, ticks=4 if width == 3 else 6,
        measure=v.level(name).measure), "trend",
        clicked=clicked)
    name, point = next(iter(clicked.items()), (None, None))

    def behind(point: dict):
        period = charts.period_of(point.get("x"), grain)
        if period is None:
            return None
        shown = fmt.month(period) if grain != "week" else f"week of {period}"
        return (f"{fmt.level(name)}, {shown}",
                clocks.filter((pl.col("service_level") == name) & (pl.col("period") == period)))

    drill.tickets(point, behind, v.zone, v.contract, f"clocks-{v.contract}-{name}")

st.subheader("Volume and backlog")
if not app.empty(vol, "No tickets were opened or resolved in these months."):
    st.plotly_chart(charts.volume_chart(vol, grain), key="volume")

st.subheader("Response and resolution times")
statistic = st.segmented_control("Show", ["median_seconds", "p90_seconds"], default="median_seconds",
                                 key="trend_statistic", required=True, persist_state="session",
                                 format_func={"median_seconds": "Median (half the tickets took less)",
                                              "p90_seconds": "9 in 10 (90th percentile)"}.get)
left, right = st.columns(2)
for column, metric in ((left, "first_response"), (right, "resolution")):
    rows = times.filter(pl.col("metric") == metric)
    with column:
        measured = any(sl.metric == metric for sl in v.terms.service_levels.values())
        if not app.empty(rows, f"No {fmt.METRICS[metric].lower()} clock stopped in these months." if measured else
                         f"{fmt.text(v.terms.name)} has no {fmt.METRICS[metric].lower()} service level."):
            st.plotly_chart(charts.duration_chart(rows, metric, grain, statistic), key=f"times_{metric}")

st.subheader("Customer satisfaction")
rated = vol.filter(pl.col("rated") > 0)
if not app.empty(rated, "No satisfaction ratings for tickets opened in these months."):
    st.plotly_chart(charts.csat_chart(vol, grain), key="csat")
