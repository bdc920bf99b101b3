"""The slametrics dashboard: `./run dashboard` (streamlit run dashboard.py).

Page config, sign-in, the navigation over the pages the signed-in user may open, and the shared
sidebar. No figure is computed here: the pages show what `slametrics` computes, through the glue in
ui/, within the session's scope.
"""
from pathlib import Path

import streamlit as st

from ui import app, auth

# the icon is served by this server: a Material icon here would make every browser fetch it from Google
st.set_page_config(page_title="SLA dashboard", page_icon=str(Path(__file__).parent / "ui" / "icon.png"), layout="wide",
                   initial_sidebar_state="expanded")


def pages(user) -> list:
    """The pages ``user`` may open; with nobody signed in every page, in a hidden menu, each of which
    then shows the sign-in screen (so a link keeps its page and view across the sign-in). url paths
    are the file names, so a link to a page works even when Streamlit starts that page directly."""
    every = [
        (st.Page("pages/overview.py", title="Overview", icon=":material/dashboard:", default=True), True),
        (st.Page("pages/trends.py", title="Trends", icon=":material/show_chart:"), True),
        (st.Page("pages/breaches.py", title="Breaches", icon=":material/report:"), True),
        (st.Page("pages/at_risk.py", title="At risk", icon=":material/alarm:"), True),
        (st.Page("pages/credits.py", title="Service credits", icon=":material/payments:"), True),
        (st.Page("pages/review.py", title="Quarterly review", icon=":material/summarize:"), True),
        (st.Page("pages/whatif.py", title="What-if", icon=":material/tune:"), user is None or user.may_whatif),
        (st.Page("pages/data.py", title="Data", icon=":material/database:"), user is None or user.sees_data_page),
        (st.Page("pages/policy.py", title="Policy", icon=":material/gavel:"), True),
        (st.Page("pages/ticket.py", title="Ticket", icon=":material/confirmation_number:"), True),
    ]
    return [page for page, allowed in every if allowed]


with app.safely():
    building = app.needs_demo()
    user = None if building else auth.signed_in()
    allowed = pages(user)
    # the menu is drawn here, not by Streamlit (client.showSidebarNavigation is off): Streamlit's own
    # would list every file of pages/ in the first frame a fresh server sends, before this script runs
    page = st.navigation(allowed, position="hidden")
    if building:  # the first run on a machine with no database: then the sign-in screen
        app.build_demo()
        st.rerun()
    if user is not None:
        with st.sidebar.container(key="menu"):
            for each in allowed:
                st.page_link(each)
            st.divider()
        auth.sidebar(user)
    with app.entry():
        if user is not None:
            app.boot()
        page.run()
