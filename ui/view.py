"""The shared sidebar (contract, months, filters) and the view every page reads from it.

Each sidebar widget is bound to a URL query parameter of the same name as its key
(``?contract=acme&period=2026-01&period=2026-06&priority=P1``, or in quarters
``?range_by=quarter&quarters=2026-Q1&quarters=2026-Q3``), so a link reproduces a view. The
entry script draws the sidebar once per run; pages call ``current()`` for the same selection.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import polars as pl
import streamlit as st

from slametrics.periods import quarter_of
from slametrics.policy import Contract, Policy
from ui import data
from ui import format as fmt

FILTERS = {"priority": "Priority", "team": "Team", "category": "Category", "channel": "Channel"}
PLACEHOLDERS = {"priority": "All priorities", "team": "All teams", "category": "All categories",
                "channel": "All channels"}
OPTIONS = tuple(c for c in FILTERS if c != "priority")  # filters whose options are the clocks' values
DEFAULT_MONTHS = 12
DEFAULT_QUARTERS = 4


@dataclass(frozen=True)
class View:
    """What the sidebar selects, with the clocks of the session's scope as of ``as_of``.

    ``policy`` is the session's policy (only the contracts it may see); ``clocks`` every clock of
    those contracts; ``contract_clocks()`` and ``selected()`` narrow them to the sidebar's choice.
    """

    policy: Policy
    clocks: pl.DataFrame
    as_of: dt.datetime
    contract: str
    periods: tuple[str, ...]  # the chosen months, oldest first
    all_periods: tuple[str, ...]  # every month the contract has clocks in
    filters: dict[str, list[str]] = field(default_factory=dict)
    grain: str = "month"  # "quarter" where the sidebar's range is chosen in quarters

    @property
    def terms(self) -> Contract:
        """The chosen contract's terms in force in the range's last month (docs/semantics.md §7)."""
        whole = self.policy.contracts[self.contract]
        return whole.in_force(self.last_period) if self.last_period else whole

    @property
    def versions(self) -> list[tuple[str | None, str | None, Contract]]:
        """The versions of the contract's terms that hold in some month of the range, oldest first."""
        first, last = (self.periods[0], self.periods[-1]) if self.periods else (None, None)
        return [(a, b, t) for a, b, t in self.policy.contracts[self.contract].versions()
                if first is None or ((b is None or b > first) and (a is None or a <= last))]

    @property
    def level_names(self) -> list[str]:
        """The service levels of any version in the range: today's order first, ended ones after."""
        names = list(self.terms.service_levels)
        for _, _, terms in self.versions:
            names += [n for n in terms.service_levels if n not in names]
        return names

    def level(self, name: str):
        """A service level as the latest version in the range that has it defines it."""
        return next(t.service_levels[name] for _, _, t in reversed(self.versions) if name in t.service_levels)

    @property
    def zone(self) -> str:
        return self.policy.calendars[self.terms.calendar].timezone

    @property
    def last_period(self) -> str | None:
        return self.periods[-1] if self.periods else None

    @property
    def filtered(self) -> bool:
        return any(self.filters.values())

    def contract_clocks(self, all_months: bool = False, filtered: bool = False) -> pl.DataFrame:
        """Clocks of the chosen contract (in the chosen months unless ``all_months``; filters if ``filtered``)."""
        frame = data.contract_clocks(self.clocks, self.contract, self.as_of)
        if not all_months:
            frame = frame.filter(pl.col("period").is_in(list(self.periods)))
        if filtered:
            for column, values in self.filters.items():
                if values:
                    frame = frame.filter(pl.col(column).is_in(values))
        return frame

    def selected(self) -> pl.DataFrame:
        """Clocks of the contract, months and filters chosen in the sidebar."""
        return self.contract_clocks(filtered=True)

    def filter_note(self) -> str:
        """'Priority P1, P2 · Team Service Desk' or '' where nothing is filtered (Markdown: values escaped)."""
        return " · ".join(f"{FILTERS[k]} {', '.join(map(fmt.text, v))}" for k, v in self.filters.items() if v)


def _repair(key: str, valid: list, multi: bool = False, pair: bool = False) -> None:
    """Drop a remembered selection that the current options no longer hold (e.g. after a contract change)."""
    if key not in st.session_state:
        return
    value = st.session_state[key]
    if multi:
        kept = [v for v in (value or []) if v in valid]
        if kept != list(value or []):
            st.session_state[key] = kept
    elif pair:
        if not (isinstance(value, (list, tuple)) and len(value) == 2 and all(v in valid for v in value)):
            del st.session_state[key]
    elif value not in valid:
        del st.session_state[key]


def sidebar(policy: Policy, clocks: pl.DataFrame, as_of: dt.datetime) -> None:
    """Draw the shared sidebar; its values live in ``st.session_state`` under the query-parameter names."""
    side = st.sidebar
    find_ticket(side)
    contracts = list(policy.contracts)  # the session's policy: only the contracts it may see
    if not contracts:
        side.info("The policy defines no contracts.")
        return
    _repair("contract", contracts)
    asked = st.query_params.get("contract")
    if asked is not None and asked not in {policy.contracts[k].name for k in contracts}:
        # Streamlit drops a bound value that is not an option: say so, without saying whether it exists
        st.session_state["_contract_notice"] = True
    if st.session_state.get("_contract_notice"):
        side.warning(f"The link names a contract that is not among yours; showing "
                     f"{fmt.text(policy.contracts[st.session_state.get('contract') or contracts[0]].name)}.",
                     icon=":material/lock:")
    contract = side.selectbox("Contract", contracts, key="contract", bind="query-params",
                              format_func=lambda k: policy.contracts[k].name,
                              on_change=lambda: st.session_state.pop("_contract_notice", None))
    mine = data.contract_clocks(clocks, contract, as_of)
    found = data.contract_options(mine, contract, as_of, OPTIONS)
    periods = found["period"]
    by = side.segmented_control("Range in", ["month", "quarter"], default="month", key="range_by", required=True,
                                bind="query-params", format_func={"month": "Months", "quarter": "Quarters"}.get)
    if by == "quarter" and periods:
        quarters = sorted({quarter_of(p) for p in periods})
        _unknown_in_link(side, "quarters", [fmt.month(q) for q in quarters], "quarters",
                         f"Showing the last {min(DEFAULT_QUARTERS, len(quarters))} quarters with tickets")
        _repair("quarters", quarters, pair=True)
        if len(quarters) > 1:
            side.select_slider("Quarters", quarters, value=(quarters[-min(DEFAULT_QUARTERS, len(quarters))],
                                                            quarters[-1]),
                               key="quarters", bind="query-params", format_func=fmt.month)
        else:
            side.caption(f"Quarters: {fmt.month(quarters[0])} (the only quarter with tickets)")
        periods = []  # the month slider is not drawn
    if periods:
        _unknown_in_link(side, "period", [fmt.month(p) for p in periods], "months",
                         f"Showing the last {min(DEFAULT_MONTHS, len(periods))} months with tickets")
        default = (periods[-min(DEFAULT_MONTHS, len(periods))], periods[-1])
        _repair("period", periods, pair=True)
        if len(periods) > 1:
            side.select_slider("Months", periods, value=default, key="period", bind="query-params",
                               format_func=fmt.month)
        else:
            side.caption(f"Months: {fmt.month(periods[0])} (the only month with tickets)")
    elif by != "quarter":
        side.caption("No tickets of this contract yet.")
    side.markdown("**Filters**")
    for column, label in FILTERS.items():
        if column == "priority":
            options = sorted({p for sl in policy.contracts[contract].service_levels.values() for p in sl.targets})
        else:
            options = found[column]
        _repair(column, options, multi=True)
        _unknown_in_link(side, column, options, f"{label.lower()} values", "The filter goes on without {them}")
        side.multiselect(label, options, key=column, bind="query-params", placeholder=PLACEHOLDERS[column])
    note, again = side.columns([2, 1], vertical_alignment="center")
    note.caption(f"Figures as of {fmt.moment(as_of)}")
    again.button("Refresh", icon=":material/refresh:", key="refresh_as_of", on_click=data.refresh_as_of,
                 type="tertiary", help="Figures are evaluated as of the end of the last day the data records, or now "
                                       "if that is earlier. Refresh to evaluate again.")


def _unknown_in_link(side, key: str, valid: list[str], what: str, instead: str) -> None:
    """Say so where the link names values of ``key`` that are not among ``valid`` (Streamlit drops them
    without a word): how many, and what is shown instead; never which, nor whether they exist elsewhere."""
    asked = [a for a in st.query_params.get_all(key) if a not in valid]
    if asked:  # counted, not repeated: a link can carry any text, and nothing of it is shown as found
        side.warning(f"The link names {len(asked)} {what[:-1] if len(asked) == 1 else what} not found for this "
                     f"contract. {instead.format(them='it' if len(asked) == 1 else 'them')}.",
                     icon=":material/link_off:")


def find_ticket(side) -> None:
    """``Find a ticket`` in the sidebar: opens the ticket page for the id typed (the page reads it where
    the session may see it, and says so where it may not)."""
    with side.form("find_ticket", border=False, enter_to_submit=True):
        typed, go = st.columns([3, 1], vertical_alignment="bottom")
        wanted = typed.text_input("Find a ticket", max_chars=200, placeholder="Ticket id", key="find_ticket_id")
        pressed = go.form_submit_button("", icon=":material/search:", help="Open the ticket's clocks and timeline")
    if pressed and (wanted or "").strip():
        st.switch_page("pages/ticket.py", query_params={"id": wanted.strip()})


def current(policy: Policy, clocks: pl.DataFrame, as_of: dt.datetime) -> View:
    """The view the sidebar selects (call after ``sidebar`` has been drawn in this run)."""
    state = st.session_state
    contract = state.get("contract") or next(iter(policy.contracts))
    if contract not in policy.contracts:
        contract = next(iter(policy.contracts))
    mine = data.contract_clocks(clocks, contract, as_of)
    all_periods = tuple(data.contract_options(mine, contract, as_of, OPTIONS)["period"])
    grain = "quarter" if state.get("range_by") == "quarter" and all_periods else "month"
    if grain == "quarter":
        quarters = sorted({quarter_of(p) for p in all_periods})
        chosen = state.get("quarters")
        if not (isinstance(chosen, (list, tuple)) and len(chosen) == 2 and set(chosen) <= set(quarters)):
            chosen = (quarters[-min(DEFAULT_QUARTERS, len(quarters))], quarters[-1])
        first, last = sorted(chosen)
        periods = tuple(p for p in all_periods if first <= quarter_of(p) <= last)
    elif all_periods:
        chosen = state.get("period")
        if not (isinstance(chosen, (list, tuple)) and len(chosen) == 2):
            chosen = (all_periods[-min(DEFAULT_MONTHS, len(all_periods))], all_periods[-1])
        first, last = sorted(chosen)
        periods = tuple(p for p in all_periods if first <= p <= last)
    else:
        periods = ()
    filters = {column: list(state.get(column) or []) for column in FILTERS}
    return View(policy=policy, clocks=clocks, as_of=as_of, contract=contract, periods=periods,
                all_periods=all_periods, filters=filters, grain=grain)
