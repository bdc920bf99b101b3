"""The slametrics dashboard: `./run dashboard` (streamlit run dashboard.py).

Page config, the navigation over pages/, and the shared sidebar. No figure is computed here: the
pages show what `slametrics` computes, through the glue in ui/.
"""
import streamlit as st

from ui import app

st.set_page_config(page_title="SLA dashboard", page_icon=":material/verified:", layout="wide",
                   initial_sidebar_state="expanded")

# url paths are the file names, so a link to a page works even when Streamlit starts that page directly
PAGES = [
    st.Page("pages/overview.py", title="Overview", icon=":material/dashboard:", default=True),
    st.Page("pages/trends.py", title="Trends", icon=":material/show_chart:"),
    st.Page("pages/breaches.py", title="Breaches", icon=":material/report:"),
    st.Page("pages/credits.py", title="Service credits", icon=":material/payments:"),
    st.Page("pages/whatif.py", title="What-if", icon=":material/tune:"),
    st.Page("pages/data.py", title="Data", icon=":material/database:"),
    st.Page("pages/policy.py", title="Policy", icon=":material/gavel:"),
]

page = st.navigation(PAGES)
with app.entry():
    app.boot()
    page.run()
