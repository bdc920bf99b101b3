"""At risk: the running clocks of the chosen contract by due moment (paused ones apart), each service
level's breach budget for the month, and the alerts the watch sent (docs/semantics.md §11)."""
from functools import partial
from pathlib import Path

import polars as pl
import streamlit as st

from slametrics import watch
from slametrics.errors import SlaError
from ui import app, charts, data, session, tables
from ui import format as fmt

app.entered()  # through dashboard.py, even when Streamlit starts this page on its own

v = app.view()
st.title("At risk")
app.subtitle(v, "What is about to breach, and how many breaches the month can take")
if v.filtered:
    st.caption("The watch sees every running clock of the contract: the sidebar's filters do not apply here.")

try:
    rules_file = data.alerts()
except SlaError as exc:  # a broken alerts file: say where, and go on with the defaults
    st.error("The alerts file is broken, so the default rules are shown:\n\n" + "\n\n".join(map(fmt.text, exc.problems)),
             icon=":material/error:")
    from slametrics.alerts import Alerts

    rules_file = Alerts()
rules = rules_file.rules(v.contract)

with app.guard():
    mine = v.contract_clocks(all_months=True)
    state = data.clock_state(mine, v.as_of)
    months = watch.budgets(mine, v.policy, v.as_of, contracts=[v.contract])
    fired = watch.fires(state, months, rules_file)

running = state.filter(~pl.col("paused") & (pl.col("business_seconds_left") >= 0))
paused = state.filter(pl.col("paused") & (pl.col("business_seconds_left") >= 0))
late = state.filter(pl.col("business_seconds_left") < 0)
first_share = float(rules.used_share[0]) if rules.used_share else 0.75
risky = watch.at_risk(state, first_share)
soon = running.filter(pl.col("business_seconds_left") <= (rules.due_within or 0)) if rules.due_within else running.clear()

st.caption(f"As of {fmt.moment(v.as_of, v.zone)}. Rules: a clock past "
           + (", ".join(fmt.percent(float(s), 0) for s in rules.used_share) or "no share") + " of its target"
           + (f", due within {fmt.duration(rules.due_within)} of business time" if rules.due_within else "")
           + (f"; a month that can take at most {rules.budget_left_at_most} more "
              f"breach{'' if rules.budget_left_at_most == 1 else 'es'}" if rules.budget_left_at_most is not None else "")
           + (f", or burning its budget {float(rules.burn_rate_above):g} times as fast as it passes"
              if rules.burn_rate_above is not None else "")
           + f" (from {fmt.text(Path(rules_file.source).name)}).")  # the file's name: no server path on screen
k1, k2, k3, k4 = st.columns(4)
k1.metric(f"Past {fmt.percent(first_share, 0)} of target", f"{risky.height:,}", border=True,
          help="Running, within target, not paused now")
k2.metric("Due within " + (fmt.duration(rules.due_within) if rules.due_within else "–"), f"{soon.height:,}", border=True,
          help="Of the running clocks, those that breach within this much business time if they keep running")
k3.metric("Paused now", f"{paused.height:,}", border=True,
          help="Waiting on the customer or on hold: not accruing time, so not about to breach")
k4.metric("Running, already breached", f"{late.height:,}", border=True,
          help="Their breach cannot be undone: they count against the month they were opened in")

st.subheader("Breach budget this month")
st.caption("With n tickets so far this month, at most floor((1 - objective) x n) may breach before compliance falls "
           "below the objective. Burn rate: the share of that budget used over the share of the month passed "
           "(1: on course to use it exactly; above 1: faster).")
if not app.empty(months.filter(pl.col("clocks") > 0), "No tickets this month yet."):
    left, right = st.columns([3, 2], gap="large")
    with left:
        tables.budgets(months.filter(pl.col("clocks") > 0))
    with right:
        st.plotly_chart(charts.budget_chart(months.filter(pl.col("clocks") > 0)), key="budget")

st.subheader("Running clocks, soonest due first")
if not app.empty(running, "No clock is running within its target, or every running one is paused."):
    tables.at_risk(running.with_columns(time_left_seconds=pl.col("business_seconds_left"), used=pl.col("used_share")),
                   v.zone)
    st.caption("Due: when the clock breaches if it keeps running from now, through the calendar's working hours "
               f"and holidays ({v.zone} time).")
if paused.height:
    st.subheader("Paused now")
    st.caption("These clocks do not run while the ticket waits: each resumes where it stopped.")
    tables.at_risk(paused.with_columns(time_left_seconds=pl.col("business_seconds_left"), used=pl.col("used_share")),
                   v.zone)

st.subheader("What fires now, and the alerts sent")
if fired.height:
    session.download_button("Download what fires (CSV)", partial(tables.watch_csv, fired),
                            f"watch-{v.contract}-{v.as_of:%Y%m%dT%H%M}.csv", "text/csv", v.contract)
sent = data.alerts_sent().filter(pl.col("contract") == v.contract)
if sent.is_empty():
    st.caption("No alert was sent for this contract yet: `python -m slametrics watch --every 5m` checks and notifies "
               "(docs/semantics.md §11).")
else:
    tables.alerts_sent(sent.head(200), v.zone)
