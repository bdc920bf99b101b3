"""Overview: one month (or quarter) of one contract at a glance: service levels, credit, volume, clocks at risk.

With the sidebar's range in quarters, the last quarter of the range: its months' counts pooled, its
credits summed (docs/semantics.md §10)."""
import polars as pl
import streamlit as st

from slametrics import describe, periods
from slametrics.watch import at_risk
from slametrics.compliance import counts, judged
from slametrics.credits import credits
from slametrics.trends import volume_over
from slametrics.whatif import projection_of_counts
from ui import app, data, tables
from ui import format as fmt

app.entered()  # through dashboard.py, even when Streamlit starts this page on its own

v = app.view()
grain = v.grain
month = periods.quarter_of(v.last_period) if grain == "quarter" else v.last_period  # the period shown
unit = "quarter" if grain == "quarter" else "month"
months_in = periods.months_of(month)
all_shown = sorted({periods.quarter_of(p) for p in v.all_periods}) if grain == "quarter" else list(v.all_periods)
st.title(f"{fmt.text(v.terms.name)}: {fmt.month_long(month)}")
st.caption(f"The last {unit} of the range chosen in the sidebar, as of {fmt.moment(v.as_of)}"
           + (" · its months' tickets pooled" if grain == "quarter" else "")
           + (f" · filtered: {v.filter_note()}" if v.filtered else ""))
app.how_measured(v.policy, v.contract, v.last_period)
app.versions_note(v)

with app.guard():
    # the contract's clocks counted once per month and service level: the history (unless filtered), the credits
    # and the projection of the period shown are all judged from these counts
    monthly = counts(v.contract_clocks(all_months=True))
    history = periods.compliance_of_counts(counts(v.contract_clocks(all_months=True, filtered=True)) if v.filtered
                                           else monthly, v.policy, grain)
    owed = periods.credits_over(credits(judged(monthly, v.policy), v.policy), grain).months
    ahead = projection_of_counts(monthly.filter(pl.col("period").is_in(months_in)), v.policy)
    ahead = ahead.months.select(
        pl.col("all_met_credit_amount").sum(), pl.col("all_breached_credit_amount").sum(), pl.col("currency").first())
    volume = volume_over(data.volume(v.contract, v.as_of, "month", v.filters), grain)

previous = next((p for p in reversed(all_shown) if p < month), None)
now_rows = history.filter(pl.col("period") == month)
before = {r["service_level"]: r for r in history.filter(pl.col("period") == (previous or "")).iter_rows(named=True)}
spark_periods = [p for p in all_shown if p <= month][-12:]

if now_rows.filter(pl.col("provisional")).height:
    st.info(f"{fmt.month_long(month)} still has open tickets: its figures are provisional and can change.",
            icon=":material/hourglass_top:")

st.subheader("Service levels")
levels = list(v.terms.service_levels.items())
per_row = len(levels) if len(levels) <= 4 else 3
for start in range(0, len(levels), per_row):
    for column, (name, level) in zip(st.columns(per_row), levels[start:start + per_row]):
        with column.container(border=True):
            row = next(now_rows.filter(pl.col("service_level") == name).iter_rows(named=True), None)
            targets = describe.measured_by(level)
            what = "Targets" if level.measure == "clock" else "Met when"
            label = fmt.text(fmt.level(name))
            if row is None:
                st.metric(label, "–", help=f"{what}: {targets}")
                st.caption(f"No tickets for this service level in this {unit}.")
                continue
            prior = before.get(name)
            delta = (row["compliance"] - prior["compliance"]) if prior and prior["compliance"] is not None \
                and row["compliance"] is not None else None
            trend = history.filter((pl.col("service_level") == name)
                                   & pl.col("period").is_in(spark_periods)).sort("period")
            colour = {"meets": "green", "misses": "red", "insufficient": "gray"}[row["status"]]
            st.metric(label, fmt.percent(row["compliance"]), delta=fmt.points(delta),
                      delta_color=colour,  # the line and the change read as the objective met or missed, not the trend
                      delta_description=f"vs {fmt.month(previous)}" if delta is not None else None,
                      help=(f"{fmt.METRICS[level.metric]} within target, as a share of assessed tickets. "
                            if level.measure == "clock" else f"{fmt.METRICS[level.metric]}: the share of assessed "
                            "tickets met. ") + f"{what}: {targets}.",
                      chart_data=[round(c * 100, 1) for c in trend["compliance"].drop_nulls().to_list()],
                      chart_type="line")
            st.badge(f"{fmt.STATUSES[row['status']]} ({fmt.percent(float(level.objective))})", color=colour,
                     icon=":material/check_circle:" if row["status"] == "meets" else
                     ":material/cancel:" if row["status"] == "misses" else ":material/help:")
            st.caption(f"{row['met']:,} met · {row['breached']:,} breached · {row['pending']:,} pending"
                       + (" (provisional)" if row["provisional"] else ""))

st.subheader("Credit and volume")
total = next(owed.filter(pl.col("period") == month)
             .iter_rows(named=True), None)
made = next(volume.filter(pl.col("period") == month).iter_rows(named=True), None)
made_before = next(volume.filter(pl.col("period") == (previous or "")).iter_rows(named=True), None)
risk_share = st.session_state.get("risk_share", 75)
current = month == all_shown[-1]  # clocks at risk run now: they belong to the latest month (quarter) only
risky = at_risk(data.clock_state(v.contract_clocks(all_months=True, filtered=True), v.as_of), risk_share / 100)
if not current:
    risky = risky.clear()
c1, c2, c3 = st.columns(3)
with c1.container(border=True):
    if total is None:
        st.metric("Service credit", "–", help="No service level of this contract carries credits.")
        st.caption("No credits defined for this contract." if not any(
            sl.credits for sl in v.terms.service_levels.values()) else f"No tickets this {unit}.")
    else:
        st.metric("Service credit" + (" (provisional)" if total["provisional"] else ""),
                  fmt.money(total["credit_amount"], total["currency"]),
                  help=f"Owed to the client for this {unit} under the contract's credit tiers"
                       + (" (the sum of its months' credits, billed monthly)" if grain == "quarter" else "")
                       + ". Computed on the whole contract: the sidebar's filters do not apply.")
        span = next(ahead.iter_rows(named=True), None)
        st.caption((f"the sum of {len(months_in)} monthly credits at a monthly fee of "
                    if grain == "quarter" else f"{fmt.percent(total['credit_rate'])} of the monthly fee of ")
                   + f"{fmt.money(float(v.terms.monthly_fee or 0), v.terms.currency)}"
                   + (" · a projection: it will end between "
                      f"{fmt.money(span['all_met_credit_amount'], span['currency'])} and "
                      f"{fmt.money(span['all_breached_credit_amount'], span['currency'])} as open tickets settle"
                      if total["provisional"] and span else ""))
with c2.container(border=True):
    opened = made["created"] if made else 0
    delta = opened - made_before["created"] if made and made_before else None
    st.metric("Tickets opened", f"{opened:,}", delta=None if delta is None else f"{delta:+,}", delta_color="off",
              delta_arrow="off" if not delta else "auto",
              delta_description=f"vs {fmt.month(previous)}" if delta is not None else None)
    st.caption(f"{made['resolved']:,} resolved this {unit} · {made['backlog']:,} still open at {unit} end"
               if made else f"No tickets opened this {unit}.")
with c3.container(border=True):
    st.metric("Open clocks at risk", f"{risky.height:,}",
              help="Clocks still running and within target that have used at least the share of their target "
                   "chosen below, in any month; a clock paused now (waiting on the customer) is not counted. "
                   "The At risk page has them all, with breach budgets.")
    st.caption(f"Running, within target, past {risk_share}% of it" if current else
               f"Clocks at risk are those running now: see {fmt.month(all_shown[-1])}")

st.subheader("Open clocks at risk")
st.columns([2, 3])[0].slider("Show running clocks that have used at least this share of their target", 50, 100, 75,
                             step=5, format="%d%%", key="risk_share", persist_state="session")
if not current:
    st.info(f"{fmt.month_long(month)} is past: no clock of it is at risk now. Choose {fmt.month(all_shown[-1])} as "
            f"the last {unit} in the sidebar to see the clocks running now.", icon=":material/info:")
elif not app.empty(risky, f"No running clock has used {risk_share}% of its target or more. Nothing is about to breach."):
    tables.at_risk(risky, v.zone)
