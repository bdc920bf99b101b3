"""Service credits: per month and contract, each service level against its tiers, cap and minimum volume,
and the range of a month that is still open."""
import polars as pl
import streamlit as st

from slametrics.compliance import counts, judged
from slametrics.credits import credits
from slametrics.settlement import credit_statement
from slametrics.whatif import projection_of_counts
from ui import app, charts, drill, tables
from ui import format as fmt

app.entered()  # through dashboard.py, even when Streamlit starts this page on its own

v = app.view()
st.title("Service credits")
app.subtitle(v, "What missed objectives cost")
app.versions_note(v)
if v.filtered:
    st.caption("Credits are owed per contract and month: the sidebar's filters do not apply on this page.")

with app.guard():
    months = list(v.periods)
    every = v.clocks.filter(pl.col("period").is_in(months))
    # every contract's clocks in these months counted once: the totals per contract and month, and the chosen
    # contract's compliance and projection (its rows of the same counts)
    counted = counts(every)
    totals = credits(judged(counted, v.policy), v.policy).months
    monthly = counted.filter(pl.col("contract") == v.contract)
    levels = judged(monthly, v.policy)
    level_rows, month_rows = credit_statement(levels, v.policy)
    ahead = projection_of_counts(monthly, v.policy, levels)

names = {k: c.name for k, c in v.policy.contracts.items()}
if app.empty(totals, "No contract carries service credits, or there are no tickets in these months."):
    st.stop()

contract_keys = sorted(totals["contract"].unique().to_list())  # the chart's bars, one series per contract
clicked = drill.chart(charts.credit_rate_chart(totals, names), key="credit_rates")


def behind(point: dict):
    period, curve = charts.period_of(point.get("x"), "month"), point.get("curve_number")
    if period is None or curve is None or not 0 <= int(curve) < len(contract_keys):
        return None
    key = contract_keys[int(curve)]
    levels_with_credits = [n for n, sl in v.policy.contracts[key].service_levels.items() if sl.credits]
    return (f"{names[key]}, {fmt.month(period)}: the clocks of its service levels with credits",
            every.filter((pl.col("contract") == key) & (pl.col("period") == period)
                         & pl.col("service_level").cast(pl.String).is_in(levels_with_credits)))


drill.tickets(clicked, behind, v.zone, v.contract, "credit-month-clocks")
table = (totals.with_columns(
    shown=pl.Series([(fmt.money(a, c) if a else "–") + (" (provisional)" if p else "")
                     for a, c, p in totals.select("credit_amount", "currency", "provisional").iter_rows()],
                    dtype=pl.String),
    contract=pl.col("contract").replace_strict(names, return_dtype=pl.String))
    .pivot(on="contract", index="period", values="shown").sort("period", descending=True))
table = table.with_columns(tables.text_of(table, "period", fmt.month)).rename({"period": "Month"})
st.dataframe(table, hide_index=True, width="stretch", height=min(38 + 35 * table.height, 460))
st.caption("Amounts are in each contract's currency; '–' means no credit is owed. A month with tickets still open "
           "is provisional: its credit is a projection, not a final figure.")

st.divider()
st.header(f"{fmt.text(v.terms.name)}: how the credit comes about")
fee = fmt.money(float(v.terms.monthly_fee or 0), v.terms.currency)
st.markdown(f"Monthly fee **{fee}** · the month's credit is the sum of the service levels' tiers, capped at "
            f"**{fmt.percent(float(v.terms.credit_cap), 1)}** of the fee · a service level with fewer than "
            f"**{v.terms.min_tickets}** assessed tickets in a month earns no credit.")

open_months = ahead.months.filter(pl.col("provisional"))
for r in open_months.iter_rows(named=True):
    pending = levels.filter(pl.col("period") == r["period"])["pending"].sum()
    with st.container(border=True):
        st.markdown(f"**{fmt.month_long(r['period'])} is still open: the credit is a projection.** "
                    f"{pending:,} clock{'s are' if pending != 1 else ' is'} still running within target; "
                    "the month's credit lies between the two outer figures until they are settled.")
        low, now, high = st.columns(3)
        low.metric("If every open ticket meets its target", fmt.money(r["all_met_credit_amount"], r["currency"]),
                   help=f"Credit rate {fmt.percent(r['all_met_credit_rate'])} of the fee")
        now.metric("As it stands (provisional)", fmt.money(r["credit_amount"], r["currency"]),
                   help=f"Credit rate {fmt.percent(r['credit_rate'])} of the fee, counting only settled tickets")
        high.metric("If every open ticket misses its target", fmt.money(r["all_breached_credit_amount"], r["currency"]),
                    help=f"Credit rate {fmt.percent(r['all_breached_credit_rate'])} of the fee")

capped = month_rows.filter(pl.col("capped"))
waived = level_rows.filter(pl.col("below_minimum") & (pl.col("waived_rate") > 0))
if capped.height:
    st.warning("The cap limited the credit in " + ", ".join(
        f"{fmt.month(r['period'])} (tiers added up to {fmt.percent(r['levels_rate'])}, paid "
        f"{fmt.percent(r['credit_rate'])})" for r in capped.iter_rows(named=True)) + ".", icon=":material/block:")
if waived.height:
    st.warning("The minimum volume waived a credit in " + ", ".join(
        f"{fmt.month(r['period'])} for {fmt.level(r['service_level'])} ({r['assessed']} assessed tickets, tiers "
        f"would have paid {fmt.percent(r['waived_rate'])})" for r in waived.iter_rows(named=True)) + ".",
        icon=":material/do_not_disturb_on:")
if not capped.height and not waived.height:
    st.caption("Neither the cap nor the minimum volume changed a credit in these months.")

def tier_chart(rows: pl.DataFrame, name: str):
    level = v.level(name)
    tiers = [(float(t.below), float(t.credit)) for t in level.credits]
    return charts.compliance_trend(rows, name, float(level.objective), tiers=tiers, measure=level.measure)


app.level_charts(levels, [n for n in v.level_names if v.level(n).credits], 2, tier_chart, "tiers")

st.subheader("Month by month")
mine_totals = totals.filter(pl.col("contract") == v.contract)
if any(sl.bonus for _, _, terms in v.versions for sl in terms.service_levels.values()) and mine_totals.height:
    st.plotly_chart(charts.owed_and_earned_chart(mine_totals, v.terms.currency or ""), key="owed_earned")
    st.caption("Credits and bonuses are counted apart: a month can owe on one service level and earn on another, "
               "and neither offsets the other.")
st.dataframe(tables.credit_statement(month_rows, level_rows, mine_totals, f"{v.as_of:%Y-%m-%d}"), hide_index=True,
             width="stretch",
             height=38 + 35 * month_rows.height, column_config={
                 "Credit rate": st.column_config.NumberColumn(format="%.1f%%",
                                                              help="Share of the monthly fee, after the cap")})
