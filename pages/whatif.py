"""What-if: change targets, objectives, tiers, cap and minimum volume; see compliance and credits move.

The clocks are the cached ones of every other page: a scenario only re-aggregates them."""
import polars as pl
import streamlit as st

from slametrics import whatif
from slametrics.errors import SlaError
from slametrics.policy import policy_to_yaml
from ui import app, charts, data, scenario, session, tables
from ui import format as fmt

app.entered()  # through dashboard.py, even when Streamlit starts this page on its own

app.require(app.user().may_whatif, "What-if")
v = app.view()
st.title("What-if")
app.subtitle(v, "The same tickets under other terms")
st.caption("Change the contract's terms below: compliance and credits are recomputed at once for the months "
           "chosen in the sidebar, from the same clocks" + (" (the sidebar's filters do not apply here)."
                                                            if v.filtered else "."))

with st.expander("Load a scenario file", icon=":material/upload_file:"):
    upload = st.file_uploader("A policy YAML saved from this page (or any policy file with this contract)",
                              type=["yaml", "yml"], key="wi_upload")
    if upload is not None and st.session_state.get("wi_loaded") != upload.file_id:
        try:
            notes = scenario.load(upload.getvalue(), upload.name, v.contract, v.policy, v.last_period)
        except SlaError as exc:  # the controls keep what they had, and stay usable
            st.session_state["wi_load_problems"] = (upload.file_id, exc.problems)
        else:
            st.session_state["wi_load_problems"] = None
            st.success(f"Loaded {fmt.text(upload.name)}.", icon=":material/check:")
            for note in notes:
                st.caption(note)
        st.session_state["wi_loaded"] = upload.file_id
    failed = st.session_state.get("wi_load_problems")
    if upload is not None and failed and failed[0] == upload.file_id:
        st.error(f"{fmt.text(upload.name)} was not loaded; the controls below keep their values.\n\n"
                 + "\n\n".join(map(fmt.text, failed[1])), icon=":material/error:")

scenario.controls(v.contract, v.terms)
changed = scenario.scenario(v.policy, v.contract, v.last_period)
said = scenario.changes(v.policy, changed, v.contract, v.last_period)
if len(v.versions) > 1:
    starts = scenario.version_of(v.policy, v.contract, v.last_period)
    st.info(f"The chosen months span {len(v.versions)} versions of the contract's terms. The controls start from, "
            f"and change, the terms in force in {fmt.month(v.last_period)} ("
            + (f"the amendment from {fmt.month(starts)}" if starts else "the contract's own terms")
            + "); the months under the other versions keep theirs.", icon=":material/history_edu:")
st.button("Reset to the contract's terms", on_click=scenario.reset, args=(v.contract,), icon=":material/undo:",
          key="wi_reset", disabled=not said)

with app.guard():
    # the index of the chosen months, made once per set of clocks (the months picked out only then)
    index = data.whatif_index(v.contract_clocks(all_months=True), v.contract, tuple(v.periods), v.as_of)
    base_levels, base_credits = whatif.evaluate_prepared(index, v.policy)
    new_levels, new_credits = whatif.evaluate_prepared(index, changed)
    levels = whatif.compare(base_levels, new_levels, values=["compliance", "status", "met", "breached", "pending"])
    money = whatif.compare(base_credits.months, new_credits.months,
                           keys=["period", "contract"],
                           values=["credit_rate", "credit_amount", "bonus_amount", "provisional"])
    needed = whatif.target_finder(index, changed)  # from the index's minute counts, made once
    needed_all = whatif.target_finder(index, changed, whole_range=True)
    factors = pl.concat([whatif.factor_finder(index, changed), whatif.factor_finder(index, changed, whole_range=True)])

st.divider()
if said:
    st.markdown("**This scenario:** " + "; ".join(said) + ".")
else:
    st.markdown("**No change yet:** the scenario equals the contract. Move a control above to compare.")
currency = v.terms.currency or ""
k1, k2, k3 = st.columns(3)
base_total = money["credit_amount_base"].fill_null(0).sum()
new_total = money["credit_amount_scenario"].fill_null(0).sum()
k1.metric("Credit over these months, scenario", fmt.money(new_total, currency),
          delta=fmt.money(new_total - base_total, currency) if new_total != base_total else None,
          delta_color="inverse", border=True, delta_description=f"vs {fmt.money(base_total, currency)} today")
missed_base = levels.filter(pl.col("status_base") == "misses").height
missed_new = levels.filter(pl.col("status_scenario") == "misses").height
k2.metric("Objectives missed in these months", f"{missed_new}", border=True,
          help="Counted per service level and month: a level that misses in three months counts three times.",
          delta=f"{missed_new - missed_base:+d}" if missed_new != missed_base else None, delta_color="inverse",
          delta_description=f"vs {missed_base} today")
k3.metric("Months with a credit", f"{(money['credit_amount_scenario'].fill_null(0) > 0).sum()}", border=True,
          delta_description=f"vs {(money['credit_amount_base'].fill_null(0) > 0).sum()} today")
bonus_base = money["bonus_amount_base"].fill_null(0).sum() if money.height else 0
bonus_new = money["bonus_amount_scenario"].fill_null(0).sum() if money.height else 0
if bonus_base or bonus_new:  # earned apart from the credit: neither offsets the other (docs/semantics.md §8)
    st.metric("Bonus earned over these months, scenario", fmt.money(bonus_new, currency), border=True,
              delta=fmt.money(bonus_new - bonus_base, currency) if bonus_new != bonus_base else None,
              delta_description=f"vs {fmt.money(bonus_base, currency)} today")

if not app.empty(money, "No credit rows in these months: the contract carries no credits, or no tickets."):
    st.plotly_chart(charts.credit_compare_chart(money, currency), key="wi_credits")

names = list(v.terms.service_levels)
for start in range(0, len(names), 2):
    for column, name in zip(st.columns(2), names[start:start + 2]):
        rows = levels.filter(pl.col("service_level") == name)
        with column:
            assessed = pl.col("compliance_base").is_not_null() | pl.col("compliance_scenario").is_not_null()
            if rows.filter(assessed).is_empty():
                st.info(f"{fmt.text(fmt.level(name))}: no assessed tickets in these months.")
            else:
                st.plotly_chart(charts.baseline_vs_scenario(
                    rows, name, float(v.terms.service_levels[name].objective),
                    float(changed.contracts[v.contract].in_force(v.last_period).service_levels[name].objective)),
                    key=f"wi_{name}")

st.subheader("Month by month")
left, right = st.columns([3, 2], gap="large")
with left:
    st.markdown("**Tickets within target**")
    tables.compliance_compare(levels)
with right:
    st.markdown(f"**Service credit** ({currency})")
    tables.credit_compare(money)

st.subheader("Target finder")
st.caption("What the scenario's objective would have needed, in each month and over all the months chosen. The "
           "minimum volume is not applied. Red: more than the scenario's targets. '–': no ticket finished there.")
if not app.empty(needed, "No clocks in these months."):
    st.markdown("**The service level as its objective pools its priorities**: the smallest factor on all of its "
                "targets at once (100% = the scenario's targets; 80% = 20% shorter would have done)")
    tables.factor_finder(factors, changed.contracts[v.contract].in_force(v.last_period))
    st.markdown("**Each priority on its own**: the smallest target, in whole minutes of business time, as if that "
                "priority alone had to meet its level's objective")
    tables.target_finder(pl.concat([needed, needed_all]))

outcome_levels = [n for n in v.level_names if v.level(n).measure == "ticket"]
if outcome_levels:
    st.markdown("**Service levels on ticket outcomes** have no target to move: the highest objective each month "
                "would have met is its share of tickets met, in the scenario")
    tables.objectives_met(new_levels.filter(pl.col("service_level").is_in(outcome_levels)))

st.subheader("Save this scenario")
text = policy_to_yaml(changed, header="A what-if scenario saved from the slametrics dashboard.\n"
                             + (f"Changes to {v.contract}: " + "; ".join(said) if said else "No changes."))
session.download_button("Download as a policy file (YAML)", text, f"scenario-{v.contract}.yaml",
                        "application/x-yaml", v.contract)
with st.expander("Show the scenario file"):
    st.code(text, language="yaml")
