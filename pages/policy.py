"""Policy: the active policy in readable form, or every problem that keeps it from loading."""
import datetime as dt

import polars as pl
import streamlit as st

from slametrics import describe, periods
from ui import app, charts, data, session, tables
from ui import format as fmt

app.entered()  # through dashboard.py, even when Streamlit starts this page on its own

st.title("Policy")
state = data.policy_state()
if app.user().role != "client":
    st.caption(f"The active policy file: `{state.path}`. It is read again whenever it changes.")
if state.policy is None and app.user().role == "client":  # its problems name every contract
    app.policy()  # says so without detail, and stops
if state.policy is None:
    st.error(f"**The policy file cannot be used: {len(state.problems)} problem"
             f"{'s' if len(state.problems) != 1 else ''}.** Nothing is computed until they are fixed.",
             icon=":material/error:")
    st.markdown("\n".join(f"{i}. {fmt.text(p)}" for i, p in enumerate(state.problems, start=1)))
    st.stop()
policy = session.scope().policy(state.policy)  # the contracts this session may see

st.header("Contracts")


def show_terms(key: str, terms, month: str | None) -> None:
    """One version of a contract's terms: fee, cap, minimum, pauses, service levels, targets."""
    fee = fmt.money(float(terms.monthly_fee), terms.currency) if terms.monthly_fee is not None else "none"
    st.markdown(
        f"Monthly fee **{fee}** · credit cap **{fmt.percent(float(terms.credit_cap))}** of the fee · minimum volume "
        f"**{terms.min_tickets}** assessed tickets · paused while: {', '.join(terms.pause_statuses) or 'never'} "
        f"· resolved statuses: {', '.join(terms.resolved_statuses)}")
    levels = describe.service_levels(policy, key, month)
    st.dataframe(levels.select(
        tables.text_of(levels, "service_level", fmt.level).alias("Service level"),
        pl.col("metric").replace_strict(fmt.METRICS, return_dtype=pl.String).alias("Measures"),
        pl.col("met_when").alias("Met when (targets)"),
        (pl.col("objective") * 100).alias("Objective"),
        pl.col("calendar").fill_null("– (no clock)").alias("Calendar"),
        pl.col("pausing_statuses").list.join(", ").alias("Clock paused while"),
        pl.Series("Credit (share of the fee)", [
            "; ".join(f"below {fmt.percent(b)}: {fmt.percent(c)}" for b, c in zip(below, credit)) or "no credits"
            for below, credit in levels.select("tier_below", "tier_credit").iter_rows()], dtype=pl.String),
    ), hide_index=True, width="stretch",
        column_config={"Objective": st.column_config.NumberColumn(format="%.1f%%")})
    st.markdown("**Targets** (business time under the service level's calendar)")
    matrix = describe.targets_matrix(policy, key, month)
    matrix = matrix.with_columns(tables.text_of(matrix, "service_level", fmt.level)).rename(
        {"service_level": "Service level"}).fill_null("–")
    st.dataframe(matrix, hide_index=True)


for key, contract in policy.contracts.items():
    with st.container(border=True):
        st.subheader(fmt.text(contract.name))
        st.markdown(f"Key {fmt.text(key)} · clients: {', '.join(map(fmt.text, contract.clients))} · calendar "
                    f"**{fmt.text(contract.calendar)}** · currency {fmt.text(contract.currency or 'none')}")
        versions = contract.versions()
        if len(versions) == 1:
            show_terms(key, contract, None)
            continue
        notes = {a.start: a.note for a in contract.amendments}
        st.markdown(f"**{len(versions)} versions of its terms**: each month is judged by the version in force in it.")
        labels = [(f"Until {fmt.month(periods.previous(end))}" if first is None else f"From {fmt.month(first)}")
                  + (f" ({notes[first]})" if notes.get(first) else "") for first, end, _ in versions]
        for tab, (first, end, terms), before in zip(st.tabs(labels), versions, [None, *[t for _, _, t in versions]]):
            with tab:
                last = fmt.month(periods.previous(end)) if end else None
                st.caption(f"In force from {fmt.month(first)} to {last}" if first and end else
                           f"In force from {fmt.month(first)} on" if first else
                           f"The contract's own terms, in force until {last}")
                if before is not None:
                    changed = describe.terms_diff(before, terms)
                    st.markdown("**What changed**: " + ("; ".join(map(fmt.text, changed)) if changed else "nothing"))
                show_terms(key, terms, first or "0000-00")

st.header("Calendars")
today = dt.date.today()
first, last = dt.date(today.year, 1, 1), dt.date(today.year + 1, 12, 31)
for name, calendar in policy.calendars.items():
    with st.container(border=True):
        left, right = st.columns([3, 2], gap="large")
        with left:
            if calendar.always:
                st.subheader(fmt.text(name))
                st.markdown(f"**Round the clock** in {calendar.timezone}: every second of every day counts"
                            + (", except on the holidays listed." if calendar.holiday_dates or calendar.country
                               else "."))
            else:
                st.plotly_chart(charts.week_chart(describe.week_grid(calendar),
                                                  f"{fmt.label(name)}: working hours ({calendar.timezone}), "
                                                  f"{describe.weekly_hours(calendar):g} h a week"),
                                key=f"week_{name}")
        with right:
            holidays = describe.holiday_table(calendar, first, last)
            where = f"{calendar.country}" + (f"-{calendar.subdivision}" if calendar.subdivision else "")
            st.markdown(f"**Holidays {first.year}-{last.year}**"
                        + (f" (public holidays of {where} and dates listed)" if calendar.country else ""))
            if holidays.is_empty():
                st.caption("None: every listed working day counts.")
            else:
                st.dataframe(holidays.select(pl.col("date").alias("Date"),
                                             pl.col("date").dt.strftime("%a").alias("Day"),
                                             pl.col("name").alias("Holiday")),
                             hide_index=True, width="stretch", height=260,
                             column_config={"Date": st.column_config.DateColumn(format="D MMM YYYY")})
