"""Quarterly review: the report to hand over, on screen as it prints, with its PDF, deck and HTML.

The figures are the engine's (``slametrics.report``), read through the session's scope: a client gets
its own contract's review and no other, whatever the link says."""
import base64

import streamlit as st

from slametrics import periods
from ui import app, data, session
from ui import format as fmt

app.entered()  # through dashboard.py, even when Streamlit starts this page on its own

v = app.view()
st.title("Quarterly review")
st.caption(f"The report to hand over · {fmt.text(v.terms.name)} · the sidebar's months and filters do not apply: "
           "a review covers the whole contract for the quarter chosen here")

quarters = sorted({periods.quarter_of(m) for m in v.all_periods}, reverse=True)
if not quarters:
    st.info("No tickets of this contract yet: there is no quarter to review.", icon=":material/info:")
    st.stop()
asked = st.query_params.get("quarter")
if asked is not None and asked not in quarters:
    st.warning("The link names a quarter with no tickets of this contract; showing the newest one.",
               icon=":material/link_off:")
left, right = st.columns(2)
period = left.selectbox("Quarter", quarters, key="quarter", bind="query-params", format_func=fmt.month_long)
choices = [q for q in sorted({periods.previous(q) for q in quarters} | set(quarters), reverse=True) if q < period]
previous = right.selectbox("Compared with", choices or [periods.previous(period)], key="compare",
                           format_func=fmt.month_long, help="The quarter the summary's changes are measured against")

with app.guard():
    review, page = data.review(v.contract, period, previous, v.as_of)

if review.provisional:
    st.warning(f"{fmt.month(period)} still has open tickets: the figures marked provisional can change until they close.",
               icon=":material/hourglass_top:")
stem = f"review-{v.contract}-{period}"


def document(kind: str):
    """The file, made when the button is pressed (on a thread of its own: no Streamlit call in here)."""
    def make() -> bytes:  # the PDF's and the deck's libraries are loaded on the first click, not on the first visit
        if kind == "pdf":
            from slametrics.report.document import render_pdf

            return render_pdf(review)
        if kind == "pptx":
            from slametrics.report.deck import render_pptx

            return render_pptx(review)
        return page.encode("utf-8")
    return make


a, b, c = st.columns(3)
with a:
    session.download_button("PDF (A4, to hand over)", document("pdf"), f"{stem}.pdf", "application/pdf", v.contract,
                            key="review_pdf", width="stretch")
with b:
    session.download_button("PowerPoint deck (editable charts)", document("pptx"), f"{stem}.pptx",
                            "application/vnd.openxmlformats-officedocument.presentationml.presentation", v.contract,
                            key="review_pptx", width="stretch")
with c:
    session.download_button("HTML page (opens offline)", document("html"), f"{stem}.html", "text/html", v.contract,
                            key="review_html", width="stretch")

# a data: URL has an origin of its own: the report's page can never reach the dashboard's
st.iframe("data:text/html;base64," + base64.b64encode(page.encode("utf-8")).decode("ascii"), height=1400)
