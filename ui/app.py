"""The app's frame: first-run demo build, the shared sidebar, and what a page needs before it draws.

``boot()`` runs in the entry script on every run; pages call ``view()`` (figures) or ``policy()``.
Mistakes in what the user gave (``SlaError``) become ``st.error``; a bug becomes a short message with a
reference (``safely``), its traceback in the server's log.
"""
from __future__ import annotations

import logging
import runpy
import secrets
import sys
import threading
from contextlib import contextmanager
from typing import Iterator

import polars as pl
import streamlit as st

from slametrics.access import User
from slametrics.errors import SlaError
from slametrics.policy import Policy
from ui import auth, data, session
from ui import format as fmt
from ui import view as view_mod
from ui.view import View

_RUN = threading.local()  # each session's script runs in its own thread


_LOG = logging.getLogger("slametrics.dashboard")
if not _LOG.handlers:  # the server's terminal (or its log file), whatever Streamlit does with its own loggers
    _handler = logging.StreamHandler(sys.stderr)
    _handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    _LOG.addHandler(_handler)
    _LOG.propagate = False


@contextmanager
def safely() -> Iterator[None]:
    """Around every run: a bug shows a short message with a reference, never a traceback (which would
    show server paths and code to whoever is signed in); the traceback goes to the server's log under
    that reference."""
    try:
        yield
    except Exception:  # st.stop and st.rerun are not Exceptions: they pass through
        reference = secrets.token_hex(4).upper()
        who = session.user()
        _LOG.exception("unexpected error, reference %s (user %s)", reference, who.name if who else "none")
        st.error(f"Something went wrong on the server, and this page could not be drawn. Try again in a moment; "
                 f"if it happens again, tell the provider reference **{reference}** (their server log has "
                 "the details).", icon=":material/error:")


@contextmanager
def entry() -> Iterator[None]:
    """Marks a run as having gone through the entry script (page config, navigation, sidebar)."""
    _RUN.entered = True
    try:
        with data.pinned():  # the whole run reads one version of the database
            yield
    finally:
        _RUN.entered = False


def entered() -> None:
    """First line of every page: make sure the run went through ``dashboard.py``, and that someone is
    signed in (otherwise the page draws the sign-in screen and stops).

    With a folder called ``pages/`` next to the entry script, Streamlit runs a linked page on its own
    (the old multipage mode) until ``st.navigation`` has been called once in the process: on a fresh
    server's first visit through a link, and in ``AppTest.switch_page``. The page then runs the entry
    script, which draws the sidebar and runs this page again inside it, and stops its own run.
    """
    if not getattr(_RUN, "entered", False):
        runpy.run_path(str(data.ROOT / "dashboard.py"), run_name="__main__")
        st.stop()
    if session.user() is None:  # nobody signed in: this page shows the sign-in screen instead
        auth.sign_in_screen()
        st.stop()


@contextmanager
def guard() -> Iterator[None]:
    """Show an engine error (bad policy, bad input, locked database) as ``st.error`` and stop the page."""
    try:
        yield
    except SlaError as exc:
        st.error("\n\n".join(map(fmt.text, exc.problems)), icon=":material/error:")
        st.stop()


def build_demo() -> None:
    """Build the demo database with progress on screen (and its demo users, where there is no access
    file yet; their passwords are printed on the server's terminal, never on screen)."""
    with st.status("No database yet: building the demo database (first run, a few seconds) ...",
                   expanded=True) as status:
        bar = st.progress(0.0, text="Generating two years of helpdesk tickets")
        texts = {"generate": "Generating two years of helpdesk tickets", "checking tickets": "Checking tickets",
                 "checking events": "Checking status events", "writing": "Writing the database", "done": "Done"}

        def report(phase: str, fraction: float) -> None:
            overall = 0.3 * fraction if phase == "generate" else 0.3 + 0.7 * fraction
            bar.progress(min(max(overall, 0.0), 1.0), text=texts.get(phase, phase.capitalize()))

        with guard():
            data.build_demo_database(report)
        status.update(label="Demo database ready", state="complete", expanded=False)


def needs_demo() -> bool:
    """True on a fresh clone (no database at the default ``data/sla.duckdb``, a usable policy): the first run
    builds the demo there. A database named elsewhere (``SLA_DB``) is never filled with the demo unasked:
    ``SLA_DEMO=1`` asks (or ``./run cli demo --db PATH``); otherwise the pages say how to load tickets."""
    import os

    if data.database_exists() or data.policy_state().policy is None:
        return False
    default = data.db_path().resolve() == data.DEFAULT_DB.resolve()
    return default or os.environ.get("SLA_DEMO") == "1"


def boot() -> None:
    """Every run after sign-in: draw the shared sidebar (contracts of the session's scope only)."""
    state = data.policy_state()
    if state.policy is None:
        st.sidebar.error(_broken_policy(state, "see the Policy page"), icon=":material/error:")
        return
    if not data.database_exists():
        return
    try:
        as_of = data.as_of()
        clocks = data.clocks(as_of)
    except SlaError as exc:
        st.sidebar.error("\n\n".join(map(fmt.text, exc.problems)), icon=":material/error:")
        return
    view_mod.sidebar(session.scope().policy(state.policy), clocks, as_of)


def user() -> User:
    """The signed-in user (a page runs only after sign-in; without one it stops)."""
    entered()
    who = session.user()
    if who is None:
        st.stop()
    return who


def require(allowed: bool, what: str) -> None:
    """Stop the page with a notice where the signed-in user may not see it (also when reached by a link)."""
    if not allowed:
        st.error(f"{what} is not available to your account.", icon=":material/lock:")
        st.stop()


def policy() -> Policy:
    """The active policy as the session may see it (its scope's contracts only), or a clear message and stop."""
    entered()
    state = data.policy_state()
    if state.policy is None:
        st.error(_broken_policy(state, "the **Policy** page lists them all; nothing is computed from a broken "
                                       "policy"), icon=":material/error:")
        st.stop()
    return session.scope().policy(state.policy)


def _broken_policy(state: data.PolicyState, staff_hint: str) -> str:
    """What a broken policy means to this session: its file and problems for the provider's staff, no
    detail for a client (the problems name every contract)."""
    who = session.user()
    if who is None or who.role == "client":
        return "The contract terms cannot be read just now, so no figures are shown until the provider fixes them."
    return (f"The policy file `{state.path}` cannot be used: it has {len(state.problems)} "
            f"problem{'s' if len(state.problems) != 1 else ''}; {staff_hint}.")


def view() -> View:
    """What the sidebar selects, with clocks; stops with a message where there is nothing to show."""
    entered()
    pol = policy()
    if not data.database_exists():
        st.info(f"There is no database at `{data.db_path()}` yet. Load tickets on the **Data** page.")
        st.stop()
    with guard():
        as_of = data.as_of()
        clocks = data.clocks(as_of)
    if clocks.is_empty():
        st.info("No tickets with a service level in the database yet. Load tickets on the **Data** page; "
                "the **Policy** page shows which clients and priorities the contracts cover.")
        st.stop()
    v = view_mod.current(pol, clocks, as_of)
    if not v.all_periods:  # other contracts have tickets, the chosen one none yet
        clients = ", ".join(map(fmt.text, v.terms.clients))
        st.info(f"**{fmt.text(v.terms.name)}** has no tickets with a service level in the database yet (its clients: "
                f"{clients}). Choose another contract in the sidebar, or load its tickets on the **Data** "
                "page; the **Policy** page shows which priorities its service levels cover.",
                icon=":material/info:")
        st.stop()
    return v


def how_measured(policy: Policy, contract: str, month: str | None = None) -> None:
    """The "How this is measured" panel: the contract's business hours, clocks, pauses, compliance,
    provisional months and credits in words, written from its policy (slametrics.describe.how_measured)."""
    from slametrics.describe import how_measured as explained

    with st.expander("How this is measured", icon=":material/help:"):
        st.markdown("\n".join(f"- **{fmt.text(topic)}**: {fmt.text(text)}"
                               for topic, text in explained(policy, contract, month)))


def empty(frame: pl.DataFrame, message: str) -> bool:
    """Say so (instead of drawing empty axes) where ``frame`` has no rows; True when it was empty."""
    if frame.is_empty():
        st.info(message, icon=":material/info:")
        return True
    return False


def versions_note(v: View) -> None:
    """Say which versions of the contract's terms the range spans, where it spans more than one."""
    if len(v.versions) < 2:
        return
    whole = v.policy.contracts[v.contract]
    notes = {a.start: a.note for a in whole.amendments}
    changes = [f"from {fmt.month(first)}" + (f" ({fmt.text(notes[first])})" if notes.get(first) else "")
               for first, _, _ in v.versions if first is not None]
    st.info(f"The contract's terms changed in these months: {', '.join(changes)}. Each month is judged by the terms "
            f"in force in it; the terms shown here are those of {fmt.month(v.last_period)} (the Policy page lists "
            "every version).", icon=":material/history_edu:")


def subtitle(v: View, what: str) -> None:
    """The caption under a page title: what it shows, contract, months and filters."""
    if len(v.periods) > 1:
        months = f"{fmt.month(v.periods[0])} to {fmt.month(v.periods[-1])}"
    else:
        months = fmt.month(v.periods[0]) if v.periods else "no months"
    parts = [what, fmt.text(v.terms.name), months] + ([v.filter_note()] if v.filtered else [])
    st.caption(" · ".join(parts))
    how_measured(v.policy, v.contract, v.last_period)


def level_charts(levels: pl.DataFrame, names: list[str], width: int, figure, key: str,
                 clicked: dict | None = None) -> None:
    """A grid of one chart per service level, ``width`` to a row; a level with nothing assessed says so.

    ``figure(rows, name)`` draws one level's rows of ``levels`` (a compliance frame). With ``clicked`` (a
    dict), a click on a chart's point selects it: ``clicked[name]`` is the point of each level clicked.
    """
    from ui import drill

    for start in range(0, len(names), width):
        for column, name in zip(st.columns(width), names[start:start + width]):
            rows = levels.filter(pl.col("service_level") == name)
            with column:
                if rows.filter(pl.col("compliance").is_not_null()).is_empty():
                    st.info(f"{fmt.text(fmt.level(name))}: no assessed tickets in these months.")
                elif clicked is None:
                    st.plotly_chart(figure(rows, name), key=f"{key}_{name}")
                else:
                    point = drill.chart(figure(rows, name), key=f"{key}_{name}")
                    if point is not None:
                        clicked[name] = point
